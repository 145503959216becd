"""``deltanet report RUN_DIR [-o PATH] [--title TEXT]``: the HTML training report of a run folder.

The page itself is ``deltanet.reporting.report``'s; ``deltanet train`` writes it too, as
``report.html`` in the run folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def report_command(
    run_dir: Any, output: Any = None, title: str | None = None, say: Callable[..., None] = print
) -> Path:
    """Write the report of ``run_dir`` and print where it went.

    Args:
        run_dir: a folder written by ``deltanet train`` or ``fit(..., run_dir=...)``.
        output: the HTML file (default ``RUN_DIR/report.html``).
        title: the page title (default: from the folder's name).
        say: where the path is printed.

    Returns:
        The path of the page.

    Examples:
        >>> import tempfile
        >>> from deltanet.cli.report import report_command
        >>> from deltanet.training import rundir
        >>> run = tempfile.mkdtemp()
        >>> rundir.write_config(run, {"epochs": 0})
        >>> report_command(run, title="An empty run").name == rundir.REPORT
        /...report.html
        True
    """
    from deltanet.reporting import report

    target = report(run_dir, path=output, title=title)
    say(target)
    return target


__all__ = ["report_command"]
