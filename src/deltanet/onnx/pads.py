r"""Padding as ONNX's ``Pad``: ``F.pad`` in every mode and the padding of a convolution's ``padding_mode``.

``deltanet.functional.padding`` pads by a ``source`` table along each axis (the input position
each output position reads, $-1$ for the constant). Here each table is recognized as the table of
one mode and its amounts, $(\text{before}, \text{after})$, and the padding becomes what
``torch.onnx.export`` writes, which holds no size of the input, so the padded axes may be dynamic
(``deltanet.onnx.dynamic_axes``):

| mode | ONNX |
|---|---|
| constant | ``Pad`` (mode "constant", the value) |
| reflect | ``Pad`` (mode "reflect": the edge not repeated, as PyTorch's) |
| replicate | ``Pad`` (mode "edge") |
| circular | ``Slice`` the last $b$ and the first $a$ positions, ``Concat`` (``Pad``'s "wrap" is opset 19) |

($b$, $a$: the amounts before and after; in constant mode a negative one crops, as in ONNX's
``Pad``.) A table of no mode (a crop that leaves only the constant) is written as the ``Gather`` of
its table (``deltanet.onnx.linear_maps.gather_pad``), for the traced sizes only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.functional.padding import _source
from deltanet.onnx.linear_maps import gather_pad

#: deltanet's mode → ONNX Pad's (circular is a Slice and a Concat).
ONNX_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}
#: A Slice's end that is past the end of any axis.
END = np.iinfo(np.int64).max


def recognized(shape: tuple, sources: Any) -> tuple[str, list[tuple[int, int, int]]] | None:
    """The mode and the ``(axis, before, after)`` of each padded axis whose ``source`` tables these are,
    or None (no mode's, or several modes'). Where two amounts give one table at the traced size (circular
    padding by the whole axis, ``(n, 0)`` or ``(0, n)``), the first is taken, and a dynamic axis is then
    refused, its graphs differing at another size."""
    for mode in ("constant", "replicate", "reflect", "circular"):
        amounts = []
        for axis, source in sources:
            n = shape[axis]
            found = _amounts(n, np.asarray(source), mode)
            if found is None:
                break
            amounts.append((int(axis), *found))
        else:
            return mode, amounts
    return None


def _amounts(n: int, source: np.ndarray, mode: str) -> tuple[int, int] | None:
    """``(before, after)`` for which ``_source(n, before, after, mode)`` is ``source``: in constant mode
    read from the first position that reads the input (a negative amount crops, as ONNX's Pad does);
    in the others both >= 0 and within what ONNX's mode pads: less than ``n`` for reflect, at most
    ``n`` for circular."""
    extra = len(source) - n
    if mode == "constant":
        read = np.flatnonzero(source >= 0)
        candidates = [int(read[0] - source[read[0]])] if read.size else []
    else:
        most = {"reflect": n - 1, "circular": n}.get(mode, extra)
        candidates = [b for b in range(max(extra, -1) + 1) if max(b, extra - b) <= most]
    for before in candidates:
        if np.array_equal(_source(n, before, extra - before, mode), source):
            return before, extra - before
    return None


def pad(g: Any, hint: str, src: str, shape: tuple, sources: Any, value: float, dtype: Any) -> str:
    """The value name of ``src`` (of ``shape``) padded by the ``source`` table of each (axis, source)."""
    found = recognized(tuple(shape), sources)
    if found is None:
        return gather_pad(g, hint, src, len(shape), sources, value, dtype)
    mode, amounts = found
    if mode == "circular":
        return circular(g, hint, src, amounts)
    out = g.fresh(f"{hint}.padded")
    pad_node(g, hint, src, out, len(shape), mode, amounts, value, dtype)
    return str(out)


def pad_node(
    g: Any, hint: str, src: str, dst: str, ndim: int, mode: str, amounts: Any, value: float, dtype: Any
) -> None:
    """ONNX's ``Pad`` in deltanet's ``mode`` (constant, reflect, replicate) by ``(axis, before, after)``
    of each padded axis (ONNX's pads: every axis's amount before, then every axis's amount after)."""
    pads = np.zeros(2 * ndim, dtype=np.int64)
    for axis, before, after in amounts:
        pads[axis], pads[ndim + axis] = before, after
    inputs = [src, g.constant(f"{hint}.pads", pads)]
    if mode == "constant":
        inputs.append(g.constant(f"{hint}.value", np.array(value, dtype=dtype)))
    g.node("Pad", inputs, [dst], mode=ONNX_MODES[mode])


def circular(g: Any, hint: str, src: str, amounts: list[tuple[int, int, int]]) -> str:
    """Along each axis: the last ``before`` positions, the input, its first ``after`` positions."""
    current = src
    for axis, before, after in amounts:
        parts = []
        if before:
            parts.append(_slice(g, f"{hint}.wrap_before{axis}", current, -before, END, axis))
        parts.append(current)
        if after:
            parts.append(_slice(g, f"{hint}.wrap_after{axis}", current, 0, after, axis))
        out = g.fresh(f"{hint}.padded{axis}")
        g.node("Concat", parts, [out], axis=axis)
        current = out
    return str(current)


def _slice(g: Any, hint: str, src: str, start: int, end: int, axis: int) -> str:
    out = g.fresh(hint)
    starts = g.constant(f"{hint}.starts", np.array([start], dtype=np.int64))
    ends = g.constant(f"{hint}.ends", np.array([end], dtype=np.int64))
    g.node("Slice", [src, starts, ends, g.constant(f"{hint}.axes", np.array([axis], dtype=np.int64))], [out])
    return str(out)
