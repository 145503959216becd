"""One ONNX conversion per layer type: the nodes that compute what the layer's ``forward`` does.

Each converter receives the ``Graph`` being built, the layer, its
input tensor (from the tracing run, for shapes) and the value names of input and output, and adds
nodes and initializers (named after the ``state_dict`` keys). Layers in evaluation mode: dropout
is the identity, batch norm uses the running statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.functional.activations import implicit_softmax_dim
from deltanet.functional.conv import _ntuple, _padding_pairs
from deltanet.functional.padding import _source
from deltanet.functional.pooling import _averaging_matrix
from deltanet.nn.activation import (
    ELU,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Tanh,
)
from deltanet.nn.batchnorm import _BatchNorm
from deltanet.nn.conv import _ConvNd, _ConvTransposeNd
from deltanet.nn.dropout import Dropout, Dropout2d, Dropout3d
from deltanet.nn.linear import Flatten, Identity, Linear
from deltanet.nn.local_response_norm import LocalResponseNorm
from deltanet.nn.padding import _ConstantPadNd, _PadNd
from deltanet.nn.pooling import GlobalAvgPool, _AdaptiveAvgPoolNd, _AvgPoolNd, _PoolNd
from deltanet.nn.upsample import Upsample
from deltanet.onnx import pads
from deltanet.onnx.converters_activations import CONVERTERS as MORE_ACTIVATIONS
from deltanet.onnx.converters_port import CONVERTERS as PORT_LAYERS
from deltanet.onnx.converters_recurrent import CONVERTERS as RECURRENT
from deltanet.onnx.converters_torch import CONVERTERS as TORCH_SURFACE
from deltanet.onnx.linear_maps import along_axes

Converter = Callable[..., None]


class ExportError(ValueError):
    """A model (or one of its layers) cannot be written as ONNX; the message names the layer.

    A ``ValueError`` subclass. ``export`` raises it for a layer of deltanet's that has no converter
    (see ``converter_for``), or for an operation without an ONNX counterpart in a ``forward``.

    Examples:
        >>> import os, tempfile, deltanet as dn
        >>> class RunningTotal(dn.nn.Module):
        ...     def forward(self, x):
        ...         return x.cumsum(1)
        >>> print(dn.onnx.converters.converter_for(RunningTotal()))
        None
        >>> path = os.path.join(tempfile.mkdtemp(), "total.onnx")
        >>> dn.onnx.export(RunningTotal(), path, input_shape=(1, 2))  # doctest: +SKIP
        Traceback (most recent call last):
        ...
        deltanet.onnx.converters.ExportError: cannot export the operation CumSum in the forward of 'RunningTotal': ...
    """


def _pads(pairs: Any) -> list[int]:
    """ONNX pads: all the 'before' values, then all the 'after' values."""
    pairs = list(pairs)
    return [int(lo) for lo, _ in pairs] + [int(hi) for _, hi in pairs]


def linear(g: Any, m: Linear, path: str, x: Any, src: str, dst: str) -> None:
    if x.ndim == 2:
        inputs = [src, g.initializer(f"{path}.weight", m.weight.array)]
        if m.bias is not None:
            inputs.append(g.initializer(f"{path}.bias", m.bias.array))
        g.node("Gemm", inputs, [dst], transB=1)
        return
    weight_t = g.initializer(f"{path}.weight_t", np.ascontiguousarray(m.weight.array.T))
    if m.bias is None:
        g.node("MatMul", [src, weight_t], [dst])
    else:
        product = g.fresh(f"{path}.matmul")
        g.node("MatMul", [src, weight_t], [product])
        g.node("Add", [product, g.initializer(f"{path}.bias", m.bias.array)], [dst])


def conv(g: Any, m: _ConvNd, path: str, x: Any, src: str, dst: str) -> None:
    kernel = list(m.kernel_size)
    inputs = [src, g.initializer(f"{path}.weight", m.weight.array)]
    if m.bias is not None:
        inputs.append(g.initializer(f"{path}.bias", m.bias.array))
    attrs: dict[str, Any] = {
        "kernel_shape": kernel,
        "strides": list(m.stride),
        "dilations": list(m.dilation),
        "group": m.groups,
    }
    if m._transposed:
        attrs["pads"] = _pads((p, p) for p in m.padding)
        attrs["output_padding"] = list(m.output_padding)
        g.node("ConvTranspose", inputs, [dst], **attrs)
    else:
        pairs = _padding_pairs(m.padding, m.kernel_size, m.stride, m.dilation, type(m).__name__)
        if m.padding_mode != "zeros":  # as the layer's forward: pad with the mode, then convolve without
            sources = [
                (axis, _source(n, lo, hi, m.padding_mode))
                for axis, n, (lo, hi) in zip(range(2, x.ndim), x.shape[2:], pairs)
            ]
            inputs[0] = pads.pad(g, f"{path}.pad", src, x.shape, sources, 0.0, x.dtype)
            pairs = ((0, 0),) * len(pairs)
        attrs["pads"] = _pads(pairs)
        g.node("Conv", inputs, [dst], **attrs)


def pool(g: Any, m: _PoolNd, path: str, x: Any, src: str, dst: str) -> None:
    dims = m._dims
    name = type(m).__name__
    attrs: dict[str, Any] = {
        "kernel_shape": list(_ntuple(m.kernel_size, dims, "kernel_size", name, 1)),
        "strides": list(_ntuple(m.stride, dims, "stride", name, 1)),
        "pads": _pads((p, p) for p in _ntuple(m.padding, dims, "padding", name, 0)),
        "ceil_mode": int(m.ceil_mode),
    }
    if not isinstance(m, _AvgPoolNd):
        if m.return_indices:
            raise ExportError(f"layer '{path}' ({name}): return_indices=True is not exported (one output per layer)")
        attrs["dilations"] = list(_ntuple(m.dilation, dims, "dilation", name, 1))
    if isinstance(m, _AvgPoolNd) and m.divisor_override is not None:
        raise ExportError(f"layer '{path}' ({name}): divisor_override has no ONNX AveragePool equivalent")
    if isinstance(m, _AvgPoolNd):
        g.node("AveragePool", [src], [dst], count_include_pad=int(m.count_include_pad), **attrs)
    else:
        g.node("MaxPool", [src], [dst], **attrs)


def adaptive_avg_pool(g: Any, m: _AdaptiveAvgPoolNd, path: str, x: Any, src: str, dst: str) -> None:
    dims = m._dims
    sizes = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size,) * dims
    spatial = x.shape[2:]
    out = [n if s is None else s for s, n in zip(sizes, spatial)]
    if all(s == 1 for s in out):
        g.node("GlobalAveragePool", [src], [dst])
        return
    if any(n % s for n, s in zip(spatial, out)):  # windows of unequal sizes: one averaging matrix per axis
        maps = [(axis, _averaging_matrix(n, s, x.dtype)) for axis, n, s in zip(range(2, x.ndim), spatial, out)]
        g.node("Identity", [along_axes(g, path, src, x.shape, maps, x.dtype)], [dst])
        return
    kernel = [n // s for n, s in zip(spatial, out)]
    g.node("AveragePool", [src], [dst], kernel_shape=kernel, strides=kernel)


def local_response_norm(g: Any, m: LocalResponseNorm, path: str, x: Any, src: str, dst: str) -> None:
    # ONNX's LRN window is [c - floor((n-1)/2), c + ceil((n-1)/2)], PyTorch's [c - floor(n/2), c + floor((n-1)/2)]:
    # the same for odd n only.
    if m.size % 2 == 0:
        raise ExportError(
            f"layer '{path}' ({type(m).__name__}): size {m.size} is even, and ONNX's LRN centres an even "
            f"window one channel later than PyTorch's; use an odd size"
        )
    attrs = dict(size=int(m.size), alpha=float(m.alpha), beta=float(m.beta), bias=float(m.k))
    if x.ndim == 4:
        g.node("LRN", [src], [dst], **attrs)
        return
    # onnxruntime runs LRN on (N, C, H, W) only: fold the spatial axes into (N, C, L, 1) and back.
    shape, folded, normed = g.fresh(f"{path}.shape"), g.fresh(f"{path}.folded"), g.fresh(f"{path}.lrn")
    g.node("Shape", [src], [shape])
    g.node("Reshape", [src, g.constant(f"{path}.fold", np.array([0, 0, -1, 1], dtype=np.int64))], [folded])
    g.node("LRN", [folded], [normed], **attrs)
    g.node("Reshape", [normed, shape], [dst])


def global_avg_pool(g: Any, m: GlobalAvgPool, path: str, x: Any, src: str, dst: str) -> None:
    pooled = g.fresh(f"{path}.pooled")
    g.node("GlobalAveragePool", [src], [pooled])
    g.node("Flatten", [pooled], [dst], axis=1)


def batch_norm(g: Any, m: _BatchNorm, path: str, x: Any, src: str, dst: str) -> None:
    if not m.track_running_stats:
        raise ExportError(
            f"layer '{path}' ({type(m).__name__}): without running statistics batch norm uses the "
            f"batch's own statistics at inference, which ONNX's BatchNormalization does not do"
        )
    dtype = m.running_mean.dtype
    scale = m.weight.array if m.affine else np.ones(m.num_features, dtype)
    shift = m.bias.array if m.affine else np.zeros(m.num_features, dtype)
    inputs = [
        src,
        g.initializer(f"{path}.weight", scale),
        g.initializer(f"{path}.bias", shift),
        g.initializer(f"{path}.running_mean", m.running_mean.array),
        g.initializer(f"{path}.running_var", m.running_var.array),
    ]
    g.node("BatchNormalization", inputs, [dst], epsilon=float(m.eps))


def _simple(op: str, **attrs: Any) -> Converter:
    def convert(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
        g.node(op, [src], [dst], **attrs)

    return convert


def leaky_relu(g: Any, m: LeakyReLU, path: str, x: Any, src: str, dst: str) -> None:
    g.node("LeakyRelu", [src], [dst], alpha=float(m.negative_slope))


def elu(g: Any, m: ELU, path: str, x: Any, src: str, dst: str) -> None:
    g.node("Elu", [src], [dst], alpha=float(m.alpha))


def prelu(g: Any, m: PReLU, path: str, x: Any, src: str, dst: str) -> None:
    alpha = m.weight.array
    if alpha.size > 1 and x.ndim > 2:
        alpha = alpha.reshape((alpha.size,) + (1,) * (x.ndim - 2))  # one slope per channel (axis 1)
    g.node("PRelu", [src, g.initializer(f"{path}.weight", alpha)], [dst])


def silu(g: Any, m: SiLU, path: str, x: Any, src: str, dst: str) -> None:
    gate = g.fresh(f"{path}.sigmoid")
    g.node("Sigmoid", [src], [gate])
    g.node("Mul", [src, gate], [dst])


def softplus(g: Any, m: Softplus, path: str, x: Any, src: str, dst: str) -> None:
    # $\log(1 + e^{\beta z}) / \beta$; the linear branch above the threshold differs by $< e^{-\mathrm{threshold}}$.
    if m.beta == 1.0:
        g.node("Softplus", [src], [dst])
        return
    beta = g.constant(f"{path}.beta", np.array(m.beta, dtype=x.dtype))
    scaled, soft = g.fresh(f"{path}.scaled"), g.fresh(f"{path}.softplus")
    g.node("Mul", [src, beta], [scaled])
    g.node("Softplus", [scaled], [soft])
    g.node("Div", [soft, beta], [dst])


def softmax(g: Any, m: Softmax, path: str, x: Any, src: str, dst: str) -> None:
    axis = implicit_softmax_dim(x.ndim) if m.dim is None else m.dim  # dim=None: PyTorch's implicit axis
    g.node("LogSoftmax" if isinstance(m, LogSoftmax) else "Softmax", [src], [dst], axis=int(axis))


def step(g: Any, m: Step, path: str, x: Any, src: str, dst: str) -> None:
    zero = g.constant(f"{path}.zero", np.array(0, dtype=x.dtype))
    mask = g.fresh(f"{path}.mask")
    g.node("GreaterOrEqual", [src, zero], [mask])
    g.node("Cast", [mask], [dst], to=g.tensor_type(x.dtype))


def flatten(g: Any, m: Flatten, path: str, x: Any, src: str, dst: str) -> None:
    start = m.start_dim % x.ndim if x.ndim else 0
    if x.ndim and m.end_dim % x.ndim != x.ndim - 1:
        raise ExportError(f"layer '{path}' ({type(m).__name__}): only end_dim=-1 (merge to the last axis) is exported")
    if start == 1:
        g.node("Flatten", [src], [dst], axis=1)
        return
    # Keep the leading axes (0 copies the input's size: the batch stays dynamic), merge the rest.
    shape = g.constant(f"{path}.shape", np.array([0] * start + [-1], dtype=np.int64))
    g.node("Reshape", [src, shape], [dst])


def upsample(g: Any, m: Upsample, path: str, x: Any, src: str, dst: str) -> None:
    if m.mode not in ("nearest", "linear", "bilinear", "trilinear") or m.recompute_scale_factor:
        raise ExportError(
            f"layer '{path}' ({type(m).__name__}): only the modes 'nearest' and (bi/tri)linear without "
            f"recompute_scale_factor are exported, got mode={m.mode!r}"
        )
    attrs: dict[str, Any] = {}
    if m.mode == "nearest":
        attrs.update(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        transform = "align_corners" if m.align_corners else "pytorch_half_pixel"
        attrs.update(mode="linear", coordinate_transformation_mode=transform)
    dims = x.ndim - 2
    if m.size is None:
        factors = m.scale_factor if isinstance(m.scale_factor, (tuple, list)) else (m.scale_factor,) * dims
        scales = g.constant(f"{path}.scales", np.array([1.0, 1.0, *factors], dtype=np.float32))
        g.node("Resize", [src, "", scales], [dst], **attrs)
        return
    sizes = m.size if isinstance(m.size, (tuple, list)) else (m.size,) * dims
    # Output sizes (N, C, *size) with N and C read from the input, so the batch stays dynamic.
    shape, leading = g.fresh(f"{path}.shape"), g.fresh(f"{path}.leading")
    full = g.fresh(f"{path}.sizes")
    g.node("Shape", [src], [shape])
    starts = g.constant(f"{path}.starts", np.array([0], dtype=np.int64))
    ends = g.constant(f"{path}.ends", np.array([2], dtype=np.int64))
    g.node("Slice", [shape, starts, ends], [leading])
    spatial = g.constant(f"{path}.spatial", np.array(sizes, dtype=np.int64))
    g.node("Concat", [leading, spatial], [full], axis=0)
    g.node("Resize", [src, "", "", full], [dst], **attrs)


def padding(g: Any, m: _PadNd, path: str, x: Any, src: str, dst: str) -> None:
    # Ours name the last axis first.
    amounts = [(x.ndim - 1 - k, m.padding[2 * k], m.padding[2 * k + 1]) for k in range(m._dims)]
    value = m.value if isinstance(m, _ConstantPadNd) else 0.0
    pads.pad_node(g, path, src, dst, x.ndim, m._mode, amounts, value, x.dtype)


#: Layer class → converter. A subclass uses its base's converter only if it keeps the base's forward.
CONVERTERS: dict[type, Converter] = {
    Linear: linear,
    _ConvNd: conv,
    _ConvTransposeNd: conv,  # it has a forward of its own (output_size=)
    _PadNd: padding,
    _PoolNd: pool,
    _AvgPoolNd: pool,
    _AdaptiveAvgPoolNd: adaptive_avg_pool,
    GlobalAvgPool: global_avg_pool,
    _BatchNorm: batch_norm,
    nn.SyncBatchNorm: batch_norm,  # at inference, the running statistics as every batch norm
    Sigmoid: _simple("Sigmoid"),
    Tanh: _simple("Tanh"),
    ReLU: _simple("Relu"),
    LeakyReLU: leaky_relu,
    PReLU: prelu,
    ELU: elu,
    Softplus: softplus,
    SiLU: silu,
    Softmax: softmax,
    LogSoftmax: softmax,
    Step: step,
    Identity: _simple("Identity"),
    Dropout: _simple("Identity"),
    Dropout2d: _simple("Identity"),
    Dropout3d: _simple("Identity"),
    Flatten: flatten,
    Upsample: upsample,
    LocalResponseNorm: local_response_norm,
    **TORCH_SURFACE,
    **MORE_ACTIVATIONS,
    **PORT_LAYERS,
    **RECURRENT,
}


def converter_for(module: nn.Module) -> Converter | None:
    """The converter of ``module``'s class, or of the nearest base whose ``forward`` it keeps.

    Args:
        module: a layer.

    Returns:
        The converter function, or None when the layer has none (a subclass that overrides
        ``forward`` loses its base's converter).

    Examples:
        >>> import deltanet as dn
        >>> dn.onnx.converters.converter_for(dn.nn.Linear(2, 3)).__name__
        'linear'
    """
    cls = type(module)
    for base in cls.__mro__:
        convert = CONVERTERS.get(base)
        if convert is not None:
            return convert if cls.forward is getattr(base, "forward", None) or base is cls else None
    return None
