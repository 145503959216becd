"""ONNX conversions of ``RMSNorm``, ``Embedding``, ``ChannelShuffle``, adaptive max pooling, LP pooling,
the circular padding layers and the dropout variants.

They use only nodes of opset 13 (the exporter's lowest): RMSNorm as the mean of squares by a
``MatMul`` with a column of $1/n$ (``ReduceMean`` changed its signature in opset 18), circular
padding as ``Slice`` and ``Concat`` (``Pad``'s "wrap" mode needs opset 19), ``Embedding`` as a
``Gather`` of its rows, ``ChannelShuffle`` as a ``Reshape``, ``Transpose`` and ``Reshape``,
adaptive max pooling as ``GlobalMaxPool`` (to size 1) or ``MaxPool`` (where every output size
divides the input's: PyTorch's windows are then ONNX's), and the dropouts as
``Identity`` (an exported model is evaluated). ``deltanet.onnx.converters.CONVERTERS`` lists them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.functional.conv import _ntuple
from deltanet.nn.channel_shuffle import ChannelShuffle
from deltanet.nn.circular_pad import CircularPad1d, CircularPad2d, CircularPad3d
from deltanet.nn.dropout_variants import AlphaDropout, Dropout1d, FeatureAlphaDropout
from deltanet.nn.embedding import Embedding
from deltanet.nn.pooling import _AdaptiveMaxPoolNd, _LPPoolNd
from deltanet.nn.rms_norm import RMSNorm
from deltanet.onnx import pads


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
    amounts = [(x.ndim - 1 - k, m.padding[2 * k], m.padding[2 * k + 1]) for k in range(m._dims)]
    g.node("Identity", [pads.circular(g, path, src, amounts)], [dst])


def embedding(g: Any, m: Embedding, path: str, x: Any, src: str, dst: str) -> None:
    r"""$a = W_i$: a ``Gather`` of the weight's rows (the indices cast to int64 from the input's dtype)."""
    if m.max_norm is not None:
        raise ValueError(f"max_norm={m.max_norm} renormalizes the rows it reads, in place, at each call")
    index = src
    if x.dtype != np.int64:
        index = g.fresh(f"{path}.index")
        g.node("Cast", [src], [index], to=g.tensor_type(np.dtype(np.int64)))
    g.node("Gather", [g.initializer(f"{path}.weight", m.weight.array), index], [dst], axis=0)


def adaptive_max_pool(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
    """GlobalMaxPool to one position per axis, MaxPool where each output size divides the input's."""
    if m.return_indices:
        raise ValueError("return_indices=True is not exported (one output per layer)")
    sizes = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size,) * m._dims
    max_pool(g, path, src, dst, x.shape[2:], tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:])))


def max_pool(g: Any, hint: str, src: str, dst: str, spatial: tuple, out: tuple) -> None:
    """Adaptive max pooling of the ``spatial`` sizes to ``out``: PyTorch's windows, when they are ONNX's."""
    if all(o == 1 for o in out):
        g.node("GlobalMaxPool", [src], [dst])
        return
    if any(n % o for n, o in zip(spatial, out)):
        raise ValueError(
            f"adaptive max pooling of {tuple(spatial)} to {tuple(out)}: PyTorch's windows are unequal where an "
            f"output size does not divide the input's, ONNX's MaxPool has equal windows"
        )
    kernel = [n // o for n, o in zip(spatial, out)]
    g.node("MaxPool", [src], [dst], kernel_shape=kernel, strides=kernel)


def lp_pool(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
    name, dims = type(m).__name__, m._dims
    kernel = list(_ntuple(m.kernel_size, dims, "kernel_size", name, 1))
    stride = kernel if m.stride is None else list(_ntuple(m.stride, dims, "stride", name, 1))
    lp_pool_nodes(g, path, src, dst, x.dtype, float(m.norm_type), kernel, stride, bool(m.ceil_mode))


def lp_pool_nodes(
    g: Any, hint: str, src: str, dst: str, dtype: Any, p: float, kernel: list, stride: list, ceil_mode: bool
) -> None:
    r"""$a = (\sum_{\text{window}} x^p)^{1/p}$: ONNX's LpPool where $p$ is an even integer ($x^p = |x|^p$) and
    no window is partial; otherwise PyTorch's formula, as ``torch.onnx.export`` writes it: the average
    pooling of $x^p$ (``ceil_mode`` divides a partial window by its size) times the window size, to the
    power $1/p$; $p = \pm\infty$ is max pooling of $|x|$ (of $-|x|$, negated)."""
    attrs: dict[str, Any] = {"kernel_shape": kernel, "strides": stride}
    if abs(p) == math.inf:
        magnitude, pooled = g.fresh(f"{hint}.abs"), g.fresh(f"{hint}.max")
        g.node("Abs", [src], [magnitude])
        if p > 0:
            g.node("MaxPool", [magnitude], [dst], ceil_mode=int(ceil_mode), **attrs)
            return
        negated = g.fresh(f"{hint}.negated")
        g.node("Neg", [magnitude], [negated])
        g.node("MaxPool", [negated], [pooled], ceil_mode=int(ceil_mode), **attrs)
        g.node("Neg", [pooled], [dst])
        return
    if p > 0 and p % 2 == 0 and not ceil_mode:
        g.node("LpPool", [src], [dst], p=int(p), **attrs)
        return
    powered, average, total = (g.fresh(f"{hint}.{s}") for s in ("powered", "average", "total"))
    g.node("Pow", [src, g.constant(f"{hint}.p", np.array(p, dtype=dtype))], [powered])
    g.node("AveragePool", [powered], [average], ceil_mode=int(ceil_mode), count_include_pad=1, **attrs)
    g.node("Mul", [average, g.constant(f"{hint}.window", np.array(math.prod(kernel), dtype=dtype))], [total])
    g.node("Pow", [total, g.constant(f"{hint}.root", np.array(1.0 / p, dtype=dtype))], [dst])


def channel_shuffle(g: Any, m: ChannelShuffle, path: str, x: Any, src: str, dst: str) -> None:
    r"""$\text{out}_{n, i g + j} = x_{n, j m + i}$: $x$ viewed as $(N, g, m, L)$, its axes 1 and 2
    swapped, and its shape again (the spatial sizes read from $x$, so they may be dynamic)."""
    g_, m_ = int(m.groups), x.shape[1] // int(m.groups)
    grouped, swapped, shape = (g.fresh(f"{path}.{s}") for s in ("grouped", "swapped", "shape"))
    g.node("Reshape", [src, g.constant(f"{path}.groups", np.array([0, g_, m_, -1], dtype=np.int64))], [grouped])
    g.node("Transpose", [grouped], [swapped], perm=[0, 2, 1, 3])
    g.node("Shape", [src], [shape])
    g.node("Reshape", [swapped, shape], [dst])


def _identity(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
    g.node("Identity", [src], [dst])


CONVERTERS: dict[type, Any] = {
    RMSNorm: rms_norm,
    Embedding: embedding,
    ChannelShuffle: channel_shuffle,
    _LPPoolNd: lp_pool,
    _AdaptiveMaxPoolNd: adaptive_max_pool,
    CircularPad1d: circular_pad,
    CircularPad2d: circular_pad,
    CircularPad3d: circular_pad,
    AlphaDropout: _identity,
    FeatureAlphaDropout: _identity,
    Dropout1d: _identity,
}
