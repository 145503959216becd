"""``report``: one self-contained HTML page about a training run, from its run folder.

``dn.report(run_dir)`` (or ``deltanet report RUN_DIR``) reads what ``fit(..., run_dir=...)``, its
``Monitor`` and ``deltanet train`` wrote (every file through ``deltanet.training.rundir``) and
writes ``report.html`` with:

- the held-out test set's result (``metrics.json`` of ``deltanet train``): loss and metrics, the
  class names and the confusion matrix of a classifier, or the MAE, RMSE and $R^2$ of a
  regression with its predicted-versus-true scatter plot;
- the Monitor's warnings, each with its advice;
- the learning curves, with the early-stopping point (the best epoch) marked;
- the gradient flow: a heat map of the gradient norm of every layer over the epochs (one row per
  layer, so that a U-Net's forty layers stay readable), and the last per-layer statistics;
- the confusion matrix on the validation data, or segmentation examples;
- the model summary (layers, output shapes, parameter counts);
- the hyperparameters (``config.json``).

A run of ``deltanet train`` that did not finish (its manifest still says "training") is marked so
at the top of the page.

Images are PNGs embedded as base64 ``data:`` URIs and the styles are inline, so the file opens
anywhere, offline, and can be mailed as it is. Every text from the run folder is HTML-escaped.
Without matplotlib the page is written without figures, saying so.

(The module is not called ``report``: a submodule of that name would shadow the function
``dn.report``. The ``deltanet report`` subcommand is ``deltanet.cli.report``.)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from deltanet.reporting import sections
from deltanet.reporting.html import CSS, Figures, escape, note
from deltanet.training import rundir


def report(run_dir: Any, path: Any = None, title: str | None = None) -> Path:
    """Write a self-contained HTML report of a training run and return its path.

    Args:
        run_dir: the folder that ``deltanet train`` or ``fit(..., run_dir=...)`` wrote.
        path: where to write the page (default ``RUN_DIR/report.html``).
        title: the page title (default: the folder's name).

    Returns:
        The path of the HTML file.

    Raises:
        ValueError: ``run_dir`` is not a folder, or holds neither ``history.csv`` nor
            ``config.json``.

    Examples:
        >>> import tempfile, numpy as np, deltanet as dn
        >>> from deltanet.training.monitor import Monitor
        >>> run = tempfile.mkdtemp()
        >>> model = dn.nn.Linear(2, 2, dtype="float64", rng=0)
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
        >>> _ = dn.fit(model, X, y, "cross_entropy", dn.optim.SGD(model.parameters(), lr=0.5), epochs=5,
        ...            batch_size=None, run_dir=run, callbacks=[Monitor(run_dir=run, warn=False)])
        >>> page = dn.report(run)
        >>> page.name == dn.training.rundir.REPORT, "<h2>Learning curves</h2>" in page.read_text(encoding="utf-8")
        (True, True)
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise ValueError(
            f"report: run_dir must be a run folder written by fit(..., run_dir=...), got {str(folder)!r}, "
            f"which is not a folder"
        )
    if not (folder / rundir.HISTORY).exists() and not (folder / rundir.CONFIG).exists():
        raise ValueError(
            f"report: {str(folder)!r} holds neither {rundir.HISTORY} nor {rundir.CONFIG}; is it a run folder "
            f"written by fit(..., run_dir=...)?"
        )
    config = rundir.read_json(folder, rundir.CONFIG, {}) or {}
    history = rundir.read_history(folder)
    figures = Figures()
    title = title or f"Training report: {folder.resolve().name}"
    epochs_done = len(history.get("epoch", []))
    meta = [f"{epochs_done} epoch{'s' if epochs_done != 1 else ''} recorded"]
    if config.get("epochs") is not None:
        meta[0] += f" of {config['epochs']}"
    if config.get("started"):
        meta.append(f"started {config['started']}")
    if config.get("deltanet_version"):
        meta.append(f"deltanet {config['deltanet_version']}")
    meta.append(f"report written {time.strftime('%Y-%m-%d %H:%M')}")
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(" · ".join(meta))}</p>',
        sections.results_section(folder, figures),
        sections.warnings_section(folder),
        sections.curves_section(folder, history, figures),
        sections.layers_section(folder, figures),
        sections.evaluation_section(folder, figures),
        sections.summary_section(folder, config),
        sections.hyperparameters_section(config),
    ]
    if figures.missing:
        body.insert(2, note(f"Figures are missing: {figures.missing}"))
    if rundir.run_status(folder) == "training":  # a run of ``deltanet train`` that did not finish
        body.insert(
            2,
            note(
                f"This run did not finish (it was interrupted or failed, or is still training): it has no "
                f"final model or held-out result. Continue it with 'deltanet train --resume {folder}'."
            ),
        )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body>\n" + "\n".join(part for part in body if part) + "\n</body></html>\n"
    )
    target = Path(path) if path is not None else folder / rundir.REPORT
    target.parent.mkdir(parents=True, exist_ok=True)
    rundir.atomic_write_text(target, page)
    return target


__all__ = ["report"]
