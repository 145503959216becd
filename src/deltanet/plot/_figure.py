"""The matplotlib seam of ``deltanet.plot``: import matplotlib lazily, draw on Agg, save.

Figures are ``matplotlib.figure.Figure`` objects on an Agg canvas, made without ``pyplot``: no
window opens, no global list of figures grows, nothing depends on the user's backend, and a
figure is freed when it is no longer referenced.

Without pyplot, IPython knows no way to show a Figure and would print ``<Figure size ... with 2
Axes>``; so the figures are of a subclass that adds ``_repr_png_``, the hook IPython's display
formatter calls: a figure returned by a notebook cell is shown as a picture, in any kernel and
with any matplotlib backend.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

INSTALL = "pip install 'deltanet[plot]'"


def require_matplotlib() -> Any:
    """Import matplotlib, or raise an ImportError that names the pip command."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as error:
        raise ImportError(f"deltanet.plot needs matplotlib, which is not installed ({error}); run: {INSTALL}") from None
    return matplotlib


@functools.cache
def _figure_class() -> Any:
    """``matplotlib.figure.Figure`` with ``_repr_png_`` (defined on first use: matplotlib is lazy)."""
    from matplotlib.figure import Figure as MatplotlibFigure

    class Figure(MatplotlibFigure):
        """A matplotlib Figure that Jupyter shows as a PNG picture (see the module docstring)."""

        def _repr_png_(self) -> bytes:
            return to_png(self)

    return Figure


def blank_figure(size: tuple[float, float] | None = None, layout: str | None = None) -> Any:
    """An empty Figure on an Agg canvas (``size`` None: matplotlib's default), shown by Jupyter."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure_class()(figsize=size, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def new_figure(
    nrows: int = 1, ncols: int = 1, size: tuple[float, float] | None = None, squeeze: bool = True, **subplot_kw: Any
) -> tuple[Any, Any]:
    """A Figure on an Agg canvas and its axes (``Figure.subplots``)."""
    if size is None:
        size = (4.2 * ncols, 3.2 * nrows)
    fig = blank_figure(size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, subplot_kw=subplot_kw or None)
    return fig, axes


def figure_and_axes(ax: Any, size: tuple[float, float] | None = None) -> tuple[Any, Any]:
    """``(ax.figure, ax)`` when the caller gave axes to draw into, else a new one-axes figure."""
    if ax is not None:
        return ax.figure, ax
    return new_figure(1, 1, size)


def finish(fig: Any, path: Any = None, dpi: int = 100) -> Any:
    """Save ``fig`` to ``path`` (format from the suffix, PNG by default) if given; return ``fig``."""
    if path is not None:
        path = Path(path)
        fig.savefig(path, dpi=dpi, format=path.suffix[1:] or "png")
    return fig


def to_png(fig: Any, dpi: int = 100) -> bytes:
    r"""The figure as PNG bytes (for embedding in a report).

    Args:
        fig: a matplotlib ``Figure``, such as every ``deltanet.plot`` function returns.
        dpi: dots per inch.

    Returns:
        The PNG file's bytes.

    Examples:
        >>> import deltanet as dn
        >>> png = dn.plot.to_png(dn.plot.activation_functions(["relu"]), dpi=50)
        >>> png[:8]
        b'\x89PNG\r\n\x1a\n'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
