"""The HTML pieces of the report: escaping, numbers, tables, embedded PNG figures, the styles."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.meta { color: #666; } table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warning { border-left: 5px solid #e0a800; background: #fff8e1; padding: 0.6em 0.9em; margin: 0.6em 0; }
.warning.nonfinite { border-color: #c62828; background: #fdecea; }
.advice { color: #1b5e20; margin-top: 0.3em; } .kind { font-weight: bold; text-transform: uppercase; font-size: 0.8em; }
.ok { border-left: 5px solid #2e7d32; background: #edf7ed; padding: 0.6em 0.9em; }
.result { border-left: 5px solid #1565c0; background: #e8f1fb; padding: 0.6em 0.9em; font-size: 1.05em; }
.note { color: #666; font-style: italic; } img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
"""


def escape(value: Any) -> str:
    """``value`` as HTML text (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def number(value: Any) -> str:
    """A number as the report shows it: thousands separators for integers, 4 digits for floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.4g}"
    return str(value)


def image(png: bytes, alt: str) -> str:
    """An ``<img>`` with the PNG embedded as a ``data:`` URI."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def table(header: list[str], rows: list[list[Any]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    """An HTML table; the columns in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(number(v))}</td>' if i in numeric else f"<td>{escape(number(v))}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def note(text: str) -> str:
    """A grey, italic remark."""
    return f'<p class="note">{escape(text)}</p>'


class Figures:
    """Renders figures to embedded PNGs when matplotlib is there; remembers why not otherwise."""

    def __init__(self) -> None:
        try:
            from deltanet import plot
            from deltanet.plot._figure import require_matplotlib

            require_matplotlib()
            self.plot: Any = plot
            self.missing: str | None = None
        except ImportError as error:
            self.plot = None
            self.missing = str(error)

    def render(self, alt: str, make: Any) -> str:
        """``make(deltanet.plot)`` drawn as an ``<img>``, or a note saying why it is not drawn."""
        if self.plot is None:
            return note(f'Figure "{alt}" not drawn: {self.missing}')
        try:
            fig = make(self.plot)
        except ValueError as error:
            return note(f'Figure "{alt}" not drawn: {error}')
        return image(self.plot.to_png(fig), alt)
