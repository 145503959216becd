"""Output that never crashes on a console that cannot show every character.

A Windows console often encodes with cp1252, which lacks the arrows, Greek letters and check
marks of the examples' output; printing them there raises ``UnicodeEncodeError`` in the middle of
a run. While ``tolerant_output()`` is active, ``sys.stdout`` and ``sys.stderr`` write what their
encoding can show and spell the rest in ASCII (``ASCII_SPELLING``: an arrow as "->", a delta as
"delta", a check mark as "ok"; anything else as "?"). The command's own messages are
ASCII already; this covers the examples, the library's messages and the user's file names.
"""

from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

#: How a character that the console cannot encode is spelled instead.
ASCII_SPELLING = {
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~",
    "→": "->",
    "←": "<-",
    "—": "-",
    "–": "-",
    "−": "-",
    "…": "...",
    "×": "x",
    "·": "*",
    "±": "+/-",
    "²": "^2",
    "³": "^3",
    "‖": "||",
    "∂": "d",
    "√": "sqrt",
    "✓": "ok",
    "✗": "x",
    "δ": "delta",
    "η": "eta",
    "ε": "epsilon",
    "α": "alpha",
    "β": "beta",
    "λ": "lambda",
    "σ": "sigma",
    "θ": "theta",
    "μ": "mu",
    "Σ": "Sum",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}
ERROR_HANDLER = "deltanet-ascii"


def _spell(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII_SPELLING.get(c, "?") for c in text), error.end


codecs.register_error(ERROR_HANDLER, _spell)


class TolerantWriter:
    """A text stream that re-spells the characters its encoding lacks (see the module docstring).

    Args:
        stream: the stream to write to (``sys.stdout``, a ``TextIOWrapper``, a ``StringIO``...).

    Examples:
        >>> import io
        >>> from deltanet.cli.console import TolerantWriter
        >>> raw = io.BytesIO()
        >>> out = TolerantWriter(io.TextIOWrapper(raw, encoding="cp1252"))
        >>> _ = out.write("epochs ≥ 1 → δ = 0.5 ✓\\n"); out.flush()
        >>> raw.getvalue()
        b'epochs >= 1 -> delta = 0.5 ok\\n'
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self.stream, "encoding", None)
        if encoding:
            text = text.encode(encoding, ERROR_HANDLER).decode(encoding, "replace")
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, ...
        return getattr(self.stream, name)


@contextlib.contextmanager
def tolerant_output() -> Iterator[None]:
    """Replace ``sys.stdout`` and ``sys.stderr`` by ``TolerantWriter`` s for the duration.

    Examples:
        >>> import io, sys
        >>> from deltanet.cli.console import tolerant_output
        >>> saved, raw = sys.stdout, io.BytesIO()
        >>> console = io.TextIOWrapper(raw, encoding="cp1252")
        >>> sys.stdout = console
        >>> with tolerant_output():
        ...     print("η → 0")
        >>> _ = console.flush(); sys.stdout = saved
        >>> raw.getvalue()
        b'eta -> 0\\n'
    """
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None and not isinstance(sys.stdout, TolerantWriter):
        sys.stdout = TolerantWriter(sys.stdout)  # a text stream by duck typing
    if sys.stderr is not None and not isinstance(sys.stderr, TolerantWriter):
        sys.stderr = TolerantWriter(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


__all__ = ["ASCII_SPELLING", "TolerantWriter", "tolerant_output"]
