r"""Two ONNX building blocks for operations that are linear maps along one axis at a time.

- ``along_axes``: $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$ along each axis (a ``MatMul`` by
  $M^\top$), or a repeat (a ``Gather``): resampling (``F.interpolate``, every mode) and adaptive
  average pooling;
- ``gather_pad``: the output reads input position ``source(i)`` along each axis (a ``Gather``), or
  a constant where ``source(i) = -1`` (a ``Where``): ``F.pad`` where no ONNX ``Pad`` computes it (a
  crop to the constant alone; ``deltanet.onnx.pads``).

The tables come from the ops themselves (``deltanet.functional.upsample``,
``deltanet.functional.pooling``, ``deltanet.functional.padding``), so the graph computes what the
op computed, not a re-derivation of it. (A NaN or infinity meets the matrix's zeros here, which
the op's own loop does not: only finite inputs give the op's outputs everywhere.)
"""

from __future__ import annotations

from typing import Any

import numpy as np


def along_axes(g: Any, hint: str, src: str, shape: tuple, maps: list, dtype: Any) -> str:
    r"""The value name of ``src`` (of ``shape``) mapped along each (axis, map) of ``maps``:
    $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$ for a matrix $M$ (a MatMul by $M^\top$ with the
    axis moved last), or $\text{out}_i = \text{in}_{\lfloor i / r \rfloor}$ for an int $r$ (a Gather)."""
    current, last = src, len(shape) - 1
    for axis, M in maps:
        result = g.fresh(f"{hint}.axis{axis}")
        if isinstance(M, int):
            index = g.constant(f"{hint}.repeat{axis}", np.arange(shape[axis] * M, dtype=np.int64) // M)
            g.node("Gather", [current, index], [result], axis=axis)
        elif axis == last:
            g.node("MatMul", [current, g.constant(f"{hint}.matrix{axis}", np.ascontiguousarray(M.T, dtype))], [result])
        else:  # move the axis last, multiply, move it back
            perm = [a for a in range(len(shape)) if a != axis] + [axis]
            moved, mapped = g.fresh(f"{hint}.moved{axis}"), g.fresh(f"{hint}.mapped{axis}")
            g.node("Transpose", [current], [moved], perm=perm)
            g.node("MatMul", [moved, g.constant(f"{hint}.matrix{axis}", np.ascontiguousarray(M.T, dtype))], [mapped])
            g.node("Transpose", [mapped], [result], perm=[int(a) for a in np.argsort(perm)])
        current = result
    return current


def gather_pad(g: Any, hint: str, src: str, ndim: int, sources: Any, value: float, dtype: Any) -> str:
    """The value name of ``src`` padded by the ``source`` table of each (axis, source) in ``sources``
    (``deltanet.functional.padding``: every mode), ``value`` where a table holds -1."""
    current = src
    fill = None
    for axis, source in sources:
        gathered = g.fresh(f"{hint}.axis{axis}")
        index = g.constant(f"{hint}.source{axis}", np.maximum(source, 0).astype(np.int64))
        g.node("Gather", [current, index], [gathered], axis=int(axis))
        if (source < 0).any():
            outside = (source < 0).reshape((-1,) + (1,) * (ndim - 1 - axis))
            fill = fill or g.constant(f"{hint}.value", np.array(value, dtype=dtype))
            filled = g.fresh(f"{hint}.filled{axis}")
            g.node("Where", [g.constant(f"{hint}.outside{axis}", outside), fill, gathered], [filled])
            gathered = filled
        current = gathered
    return current
