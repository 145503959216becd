"""What every example shares: printing, comparing with the deck, plotting, and the command line.

Each example module defines ``run(quick=False, seed=..., verbose=1, ...) -> dict`` and, when it
draws something, ``plot(result, path)``; its ``main(argv)`` is ``example_main(...)``, which gives
every example the same options: ``--quick`` (reduced size, seconds), ``--plot out.png``,
``--seed S`` and ``--quiet``.

The examples train with ``dn.fit(..., monitor=False)``: they show the decks' phenomena
themselves, and several build broken networks on purpose (vanishing gradients, bad
initializations, an overfitting network, a plateau), about which the training monitor
(``deltanet.training.monitor``) would rightly warn.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

PLOT_HINT = "pip install 'deltanet[plot]'"


def printer(verbose: Any) -> Callable[..., None]:
    """``print`` when ``verbose``, otherwise a function that prints nothing."""
    return print if verbose else (lambda *args, **kwargs: None)


def matches(got: float, deck: float, tol: float) -> bool:
    """Whether ``got`` agrees with the deck's ``deck`` within ``tol`` (absolute)."""
    return abs(float(got) - float(deck)) <= tol


def mark(ok: bool) -> str:
    """The sign printed next to a comparison with the deck."""
    return "✓" if ok else "✗ differs"


class _Figures:
    """The two pyplot calls that the examples' ``plot`` functions make, on figures of their own.

    The figures are ``deltanet.plot``'s (an Agg canvas, no pyplot): drawing an example's figure
    opens no window and leaves the process's matplotlib backend alone. ``matplotlib.use("Agg")``
    would switch off a notebook's inline figures for the rest of its session.
    """

    @staticmethod
    def subplots(nrows: int = 1, ncols: int = 1, *, figsize: Any = None, **kwargs: Any) -> tuple[Any, Any]:
        """A new figure and its axes, as ``pyplot.subplots``."""
        from deltanet.plot._figure import blank_figure

        fig = blank_figure(figsize)
        return fig, fig.subplots(nrows, ncols, **kwargs)

    @staticmethod
    def close(fig: Any) -> None:
        """Nothing to do: the figure is not registered anywhere, and is freed with its last reference."""


def pyplot() -> _Figures:
    """What the examples use of pyplot (``subplots``, ``close``), or an ImportError naming the extra."""
    from deltanet.plot._figure import require_matplotlib

    try:
        require_matplotlib()
    except ImportError:
        raise ImportError(f"--plot needs matplotlib, which is not installed; install it with {PLOT_HINT}") from None
    return _Figures()


def save_figure(fig: Any, path: Any) -> None:
    """Write ``fig`` to ``path``."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)


class ExampleArgumentError(Exception):
    """A bad option of an example (exit status 2)."""


class ExampleArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, raised as ``ExampleArgumentError``.

    (The examples never import ``deltanet.cli``: the command imports them.)
    """

    def error(self, message: str) -> NoReturn:
        raise ExampleArgumentError(f"{message} (see '{self.prog} --help')")


def example_main(
    name: str,
    doc: str | None,
    run: Callable[..., dict[str, Any]],
    plot: Callable[[dict[str, Any], Any], None] | None,
    argv: Sequence[str] | None,
    options: Sequence[tuple[str, type, Any, str]] = (),
    seed: int | None = 0,
    positive: Sequence[str] = (),
) -> int:
    """The command line of an example: parse, run, plot; errors are one line on stderr.

    Args:
        name: the example's registry name (for ``prog``).
        doc: the module docstring (its first paragraph becomes the description).
        run: the example's ``run``; called with ``quick``, ``verbose``, ``seed`` (unless ``seed``
            is None) and the extra ``options`` by their destination names.
        plot: ``plot(result, path)``, or None when the example draws nothing.
        argv: the arguments (default ``sys.argv[1:]``).
        options: extra ``(flag, type, default, help)`` options, e.g. ``("--epochs", int, 200, ...)``.
        seed: the default ``--seed``; None for an example without randomness.
        positive: flags among ``options`` that must be > 0 (the others must be >= 0).
    """
    description = (doc or "").strip().split("\n\n")[0]
    parser = ExampleArgumentParser(prog=f"deltanet examples run {name}", description=description)
    parser.add_argument("--quick", action="store_true", help="a reduced run that takes seconds")
    if plot is not None:
        parser.add_argument(
            "--plot", metavar="OUT.png", help="draw the example's figure into this file (needs matplotlib)"
        )
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    parser.add_argument("--quiet", action="store_true", help="print only the result line")
    for flag, kind, default, text in options:
        parser.add_argument(flag, type=kind, default=default, help=f"{text} (default {default})")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if seed is not None and args.seed < 0:
            parser.error(f"--seed must be a non-negative integer, got {args.seed}")
        for flag, kind, _, _ in options:
            value = getattr(args, flag.lstrip("-").replace("-", "_"))
            if kind in (int, float) and value is not None:
                if flag in positive and not value > 0:
                    parser.error(f"{flag} must be > 0, got {value}")
                if value < 0:
                    parser.error(f"{flag} must be >= 0, got {value}")
    except ExampleArgumentError as error:
        print(f"deltanet: error: {error}", file=sys.stderr)
        return 2
    plot_path = getattr(args, "plot", None)
    try:
        if plot_path:
            pyplot()  # fail before the run, not after it
        kwargs = {
            flag.lstrip("-").replace("-", "_"): getattr(args, flag.lstrip("-").replace("-", "_"))
            for flag, _, _, _ in options
        }
        if seed is not None:
            kwargs["seed"] = args.seed
        result = run(quick=args.quick, verbose=0 if args.quiet else 1, **kwargs)
        if args.quiet and "summary" in result:
            print(result["summary"])
        if plot_path and plot is not None:
            plot(result, plot_path)
            if not args.quiet:
                print(f"figure written to {plot_path}")
    except (ImportError, ValueError, OSError, FloatingPointError) as error:
        print(f"deltanet: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    return 0


__all__ = ["example_main", "mark", "matches", "printer", "pyplot", "save_figure"]
