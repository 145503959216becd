"""A Griffe extension that adapts deltanet's docstrings to the Markdown of the site.

The package's docstrings are written for ``help()`` and doctest: an ``Example:`` section and
Sphinx roles (:class:`~deltanet.nn.Linear`). Before Griffe parses a docstring, this extension

- renames the section header ``Example:`` to ``Examples:`` (Griffe's Google parser knows only the
  plural; the singular would become an admonition whose ``>>>`` lines Markdown reads as quotes);
- turns Sphinx roles into inline code (``~a.b.C`` shows ``C``, as Sphinx does);
- turns reStructuredText simple tables (``=====  =====`` borders) into Markdown tables, and the
  ``::`` that introduces a literal block into ``:`` (the indented block stays a code block);
- gives a class whose docstring is built at import time (``__doc__ = ... + _ARGS``, as the
  convolution layers do) the docstring Python sees, which static analysis cannot.

The source files are left as they are.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import griffe

_EXAMPLE_HEADER = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|obj|exc|data|const):`(~?)([^`]+)`")


def _role_to_code(match: re.Match[str]) -> str:
    tilde, target = match.group(1), match.group(2).strip()
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


_BORDER = re.compile(r"^(\s*)=+(?:\s+=+)+\s*$")
_LITERAL_INTRO = re.compile(r"(\S)::$", re.MULTILINE)


def _cells(line: str, starts: list[int]) -> list[str]:
    bounds = [*starts[1:], None]
    return [line[a:b].strip() if b is not None else line[a:].strip() for a, b in zip(starts, bounds)]


def _table(lines: list[str]) -> list[str]:
    """A reST simple table (border, header, border, rows, border) as Markdown table lines."""
    border = lines[0]
    indent = len(border) - len(border.lstrip())
    starts = [m.start() for m in re.finditer(r"=+", border)]
    rows: list[list[str]] = []
    for line in lines[1:-1]:
        if _BORDER.match(line) or not line.strip():
            continue
        cells = _cells(line.ljust(len(border)), starts)
        if rows and not cells[0]:  # a continuation line: join it to the row above
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    pad = " " * indent
    out = [pad + "| " + " | ".join(rows[0]) + " |", pad + "|" + "---|" * len(starts)]
    out += [pad + "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows[1:]]
    return out


def _rst_tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _BORDER.match(lines[i]):
            # a table has three borders: top, below the header, bottom
            borders = [j for j in range(i, len(lines)) if _BORDER.match(lines[j])][:3]
            if len(borders) == 3 and all(lines[j].strip() for j in range(i, borders[2] + 1)):
                out += _table(lines[i : borders[2] + 1])
                i = borders[2] + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def rewrite(text: str) -> str:
    """The docstring ``text`` with the rewrites above."""
    text = _EXAMPLE_HEADER.sub(r"\1Examples:", text)
    text = _rst_tables(text)
    text = _LITERAL_INTRO.sub(r"\1:", text)
    return _ROLE.sub(_role_to_code, text)


class DeltanetDocstrings(griffe.Extension):
    """Rewrite every docstring once, when Griffe creates its object."""

    def on_instance(self, *, obj: griffe.Object, agent: Any = None, **kwargs: Any) -> None:
        if obj.docstring is None and obj.is_class and obj.path.startswith("deltanet."):
            try:
                runtime = griffe.dynamic_import(obj.path)
            except ImportError:
                runtime = None
            doc = getattr(runtime, "__doc__", None)
            if doc:
                obj.docstring = griffe.Docstring(
                    inspect.cleandoc(doc),
                    parent=obj,
                    parser=getattr(agent, "docstring_parser", None),
                    parser_options=getattr(agent, "docstring_options", None),
                )
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
