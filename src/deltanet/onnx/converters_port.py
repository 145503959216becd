"""ONNX conversions of ``RMSNorm``, the circular padding layers and the dropout variants.

They use only nodes of opset 13 (the exporter's lowest): RMSNorm as the mean of squares by a
``MatMul`` with a column of $1/n$ (``ReduceMean`` changed its signature in opset 18), circular
padding as ``Slice`` and ``Concat`` (``Pad``'s "wrap" mode needs opset 19), and the dropouts as
``Identity`` (an exported model is evaluated). ``deltanet.onnx.converters.CONVERTERS`` lists them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.nn.circular_pad import CircularPad1d, CircularPad2d, CircularPad3d
from deltanet.nn.dropout_variants import AlphaDropout, Dropout1d, FeatureAlphaDropout
from deltanet.nn.rms_norm import RMSNorm


def rms_norm(g: Any, m: RMSNorm, path: str, x: Any, src: str, dst: str) -> None:
    shape = m.normalized_shape
    n = math.prod(shape)
    lead = x.ndim - len(shape)
    dtype = x.dtype
    eps = float(np.finfo(dtype).eps) if m.eps is None else float(m.eps)
    rows, square, mean, shifted, root, normed, full = (
        g.fresh(f"{path}.{s}") for s in ("rows", "square", "mean", "shifted", "root", "normed", "shape")
    )
    g.node("Reshape", [src, g.constant(f"{path}.rows_shape", np.array([0] * lead + [n], dtype=np.int64))], [rows])
    g.node("Mul", [rows, rows], [square])
    g.node("MatMul", [square, g.constant(f"{path}.average", np.full((n, 1), 1.0 / n, dtype=dtype))], [mean])
    g.node("Add", [mean, g.constant(f"{path}.eps", np.array(eps, dtype=dtype))], [shifted])
    g.node("Sqrt", [shifted], [root])
    g.node("Div", [rows, root], [normed])
    g.node("Shape", [src], [full])
    if m.weight is None:
        g.node("Reshape", [normed, full], [dst])
        return
    back = g.fresh(f"{path}.back")
    g.node("Reshape", [normed, full], [back])
    g.node("Mul", [back, g.initializer(f"{path}.weight", m.weight.array)], [dst])


def circular_pad(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
    current = src
    for k in range(m._dims):
        axis = x.ndim - 1 - k
        before, after = m.padding[2 * k], m.padding[2 * k + 1]
        parts = []
        if before:
            parts.append(_slice(g, f"{path}.wrap_before{k}", current, -before, x.shape[axis], axis))
        parts.append(current)
        if after:
            parts.append(_slice(g, f"{path}.wrap_after{k}", current, 0, after, axis))
        out = g.fresh(f"{path}.padded{k}")
        g.node("Concat", parts, [out], axis=axis)
        current = out
    g.node("Identity", [current], [dst])


def _slice(g: Any, hint: str, src: str, start: int, end: int, axis: int) -> str:
    out = g.fresh(hint)
    starts = g.constant(f"{hint}.starts", np.array([start], dtype=np.int64))
    ends = g.constant(f"{hint}.ends", np.array([end], dtype=np.int64))
    g.node("Slice", [src, starts, ends, g.constant(f"{hint}.axes", np.array([axis], dtype=np.int64))], [out])
    return out


def _identity(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
    g.node("Identity", [src], [dst])


CONVERTERS: dict[type, Any] = {
    RMSNorm: rms_norm,
    CircularPad1d: circular_pad,
    CircularPad2d: circular_pad,
    CircularPad3d: circular_pad,
    AlphaDropout: _identity,
    FeatureAlphaDropout: _identity,
    Dropout1d: _identity,
}
