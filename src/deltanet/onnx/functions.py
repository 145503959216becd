r"""ONNX conversions of the free-standing operations a custom ``forward`` calls.

A model ported from PyTorch computes much of its forward with functions, not layers:
``F.max_pool2d(x, 2)``, ``F.interpolate(x, size=skip.shape[2:])``, ``x[:, :, 4:-4, 4:-4]`` (the
crop of a U-Net's skip connection), ``x.mean(dim=(2, 3))``, ``x.permute(0, 2, 3, 1)``,
``F.pad(x, (1, 1))``, ``F.conv2d(x, self.weight)``. Each of these runs one autograd ``Function``,
which the exporter records (``deltanet.onnx.export``) and hands to the converter of its class
here, with a ``Call``: the Function's tensor inputs and their value names, the options it was
applied with, its output and the value name to give it.

Most Functions are one ONNX operator. Two are written as the linear maps they are, so that
every mode converts the same way (``deltanet.onnx.linear_maps``), and ``Pad`` is written by mode:

- ``Interpolate`` (the ``F.interpolate`` modes that are not linear; those are a ``Resize``,
  ``deltanet.onnx.recorders``): along each spatial axis the output is
  $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$ (``deltanet.functional.upsample``), a ``MatMul``
  by $M^\top$ on that axis; an integer repeat is a ``Gather`` of the indices
  $\lfloor i / r \rfloor$, or a nearest ``Resize`` when every repeat is a power of two;
- ``AdaptiveAvgPool`` (``F.adaptive_avg_pool*d``): the same, $M$ averaging PyTorch's windows;
- ``Pad`` (every ``F.pad`` mode) is ONNX's ``Pad`` in that mode, or a ``Slice`` and ``Concat`` for
  circular (``deltanet.onnx.pads``); a crop to the constant alone reads the input position
  ``source(i)`` (``deltanet.functional.padding``), a ``Gather``, and the constant where
  ``source(i) = -1``, a ``Where``.

With ``dynamic_batch`` the input's first axis is the batch, of any size at inference; the exporter
follows it through each operation (``deltanet.onnx.batch_axis``: ``Call.batch`` and
``Call.out_batch``), and an operation that would tie the graph to the traced batch size (summing
over it, slicing it, a reshape that splits it) is refused, with the advice to export with
``dynamic_batch=False``. Comparisons give the ``condition`` of ``where`` and ``masked_fill``
(``deltanet.onnx.recorders``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.autograd import inplace, ops, reductions, rounding, shapes, sorting
from deltanet.functional import activations, piecewise_activations, smooth_activations
from deltanet.functional.activations import LogSoftmax, Softmax
from deltanet.functional.adaptive_max_pool import AdaptiveMaxPool
from deltanet.functional.batchnorm import BatchNorm
from deltanet.functional.conv import ConvNd, ConvTransposeNd
from deltanet.functional.linear import Linear
from deltanet.functional.padding import Pad
from deltanet.functional.pixel_shuffle import PixelShuffle
from deltanet.functional.pooling import AdaptiveAvgPool, AvgPoolNd, MaxPoolNd, _averaging_matrix
from deltanet.functional.upsample import Interpolate
from deltanet.onnx import pads
from deltanet.onnx.calls import Call, Unconvertible
from deltanet.onnx.calls import check_batch as _check_batch
from deltanet.onnx.calls import int64 as _int64
from deltanet.onnx.converters import _pads, converter_for
from deltanet.onnx.converters_port import max_pool
from deltanet.onnx.converters_torch import shuffle_nodes
from deltanet.onnx.functions_shapes import concatenate, expand, flip, get_item, repeat, reshape, stack, transpose
from deltanet.onnx.linear_maps import along_axes


def _same(op: str) -> Callable[[Any, Call], None]:
    def convert(g: Any, call: Call) -> None:
        g.node(op, call.names, [call.dst])

    return convert


# -- arithmetic -------------------------------------------------------------------------------
def power(g: Any, call: Call) -> None:
    exponent = g.constant(f"{call.hint}.exponent", np.array(call.options["exponent"], dtype=call.inputs[0].dtype))
    g.node("Pow", [call.names[0], exponent], [call.dst])


def clamp(g: Any, call: Call) -> None:
    # Clip(x, min, max) with each bound a scalar, or "" where there is none.
    bounds = []
    for key in ("low", "high"):
        value = call.options.get(key)
        if value is not None and np.ndim(value) != 0:
            raise Unconvertible("clamp with tensor bounds has no conversion here (only number bounds)")
        bounds.append("" if value is None else g.constant(f"{call.hint}.{key}", np.array(value, call.out.dtype)))
    g.node("Clip", [call.names[0], *bounds], [call.dst])


def where(g: Any, call: Call) -> None:
    """``where(condition, x, y)`` and ``masked_fill`` (``where(mask, value, x)``): Where, the condition
    a traced comparison's value (``deltanet.onnx.recorders``) or a constant mask."""
    assert call.name_of is not None, "the tracer names the condition"
    condition = call.name_of(call.options["condition"], f"{call.hint}.condition")
    g.node("Where", [condition, *call.names], [call.dst])


def batch_norm(g: Any, call: Call) -> None:
    """``F.batch_norm`` in evaluation (``training=False``): BatchNormalization with the running statistics."""
    o, x = call.options, call.inputs[0]
    if o["training"]:
        raise Unconvertible(
            "batch_norm with training=True (the batch's own statistics) has no conversion here; an exported "
            "model normalizes with running statistics (training=False)"
        )
    dtype, channels = x.dtype, x.shape[1]
    names = list(call.names[1:])
    scale = names.pop(0) if o["has_weight"] else g.constant(f"{call.hint}.scale", np.ones(channels, dtype))
    shift = names.pop(0) if o["has_bias"] else g.constant(f"{call.hint}.shift", np.zeros(channels, dtype))
    mean = g.constant(f"{call.hint}.running_mean", np.asarray(o["running_mean"], dtype))
    var = g.constant(f"{call.hint}.running_var", np.asarray(o["running_var"], dtype))
    g.node("BatchNormalization", [call.names[0], scale, shift, mean, var], [call.dst], epsilon=float(o["eps"]))


def _axes(x: Any, axis: Any) -> list[int]:
    """The axes a reduction runs over (every axis for None), each in [0, ndim)."""
    return list(range(x.ndim)) if axis is None else [int(a) % x.ndim for a in np.atleast_1d(axis)]


def _reduce(g: Any, call: Call, op: str, axes: list[int], keepdims: bool, what: str) -> None:
    """``op`` (ReduceSum, ReduceMax, ReduceMin) over ``axes``: the axes are an input of ReduceSum
    from opset 13 and of the others from opset 18, an attribute before."""
    if op == "ReduceSum" or g.opset >= 18:
        axes_input = g.constant(f"{call.hint}.axes", _int64(axes))
        g.node(op, [call.names[0], axes_input], [call.dst], keepdims=int(keepdims))
    else:
        g.node(op, [call.names[0]], [call.dst], axes=axes, keepdims=int(keepdims))


def reduce_sum(g: Any, call: Call) -> None:
    axes = _axes(call.inputs[0], call.options.get("axis"))
    if call.inputs[0].dtype != call.out.dtype:  # (x > 0).sum(): counted in int64, which ReduceSum needs
        counted = g.fresh(f"{call.hint}.cast")
        g.node("Cast", [call.names[0]], [counted], to=g.tensor_type(call.out.dtype))
        call = call._replace(names=[counted, *call.names[1:]])
    _reduce(g, call, "ReduceSum", axes, bool(call.options.get("keepdims", False)), "a sum")


def divide_by_count(g: Any, call: Call, source: str, axes: list[int]) -> None:
    r"""``x.mean(axes)``, recorded as the sum times $1/n$: the sum divided by $n$, the product of the live
    sizes of ``source``'s ``axes`` (a mean over a dynamic axis, ``deltanet.onnx.dynamic_axes``)."""
    shape, sizes, count, as_float = (g.fresh(f"{call.hint}.{s}") for s in ("shape", "sizes", "count", "float"))
    g.node("Shape", [source], [shape])
    g.node("Gather", [shape, g.constant(f"{call.hint}.axes", _int64(axes))], [sizes])
    g.node("ReduceProd", [sizes], [count], keepdims=0)
    g.node("Cast", [count], [as_float], to=g.tensor_type(call.out.dtype))
    g.node("Div", [call.names[0], as_float], [call.dst])


def reduce_max(g: Any, call: Call) -> None:
    """``amax``/``amin`` over axes: ReduceMax/ReduceMin."""
    options = call.options
    if options.get("nan_shares"):
        raise Unconvertible("max()/min() of a whole tensor has no conversion here (amax over axes has)")
    op = "ReduceMin" if options.get("smallest") else "ReduceMax"
    axes = _axes(call.inputs[0], options.get("axis"))
    _reduce(g, call, op, axes, bool(options.get("keepdims", False)), "a maximum")


def extreme_along(g: Any, call: Call) -> None:
    """The values of ``max(dim)``/``min(dim)``: ReduceMax/ReduceMin over that axis, kept (the position
    found in the trace is not a constant of the graph)."""
    op = "ReduceMin" if call.options.get("smallest") else "ReduceMax"
    _reduce(g, call, op, _axes(call.inputs[0], call.options["axis"]), True, "a maximum")


def softmax(g: Any, call: Call) -> None:
    op = "LogSoftmax" if issubclass(call.options["_class"], LogSoftmax) else "Softmax"
    g.node(op, call.names, [call.dst], axis=int(call.options["axis"]))


def rounded(g: Any, call: Call) -> None:
    r"""``floor``, ``ceil``, ``round`` (half to even, as ONNX's Round), ``trunc`` ($\text{sign}(x) \lfloor |x| \rfloor$)
    and ``sign`` (0 at NaN, as PyTorch; ONNX's Sign gives NaN): their ONNX operators."""
    x, op = call.inputs[0], call.options["op"]
    if call.options.get("decimals", 0) != 0:
        raise Unconvertible(f"round with decimals={call.options['decimals']} has no conversion here (only decimals=0)")
    if op != "sign" and x.dtype.kind != "f":  # an integer is its own floor, ceiling, rounding and truncation
        g.node("Identity", call.names, [call.dst])
        return
    if op in ("floor", "ceil", "round"):
        g.node(op.capitalize(), call.names, [call.dst])
        return
    sign = g.fresh(f"{call.hint}.sign")
    g.node("Sign", call.names, [sign])
    if op == "trunc":
        size, floor = g.fresh(f"{call.hint}.abs"), g.fresh(f"{call.hint}.floor")
        g.node("Abs", call.names, [size])
        g.node("Floor", [size], [floor])
        g.node("Mul", [sign, floor], [call.dst])
    elif x.dtype.kind == "f":
        nan = g.fresh(f"{call.hint}.isnan")
        g.node("IsNaN", call.names, [nan])
        g.node("Where", [nan, g.constant(f"{call.hint}.zero", np.zeros((), x.dtype)), sign], [call.dst])
    else:
        g.node("Identity", [sign], [call.dst])


# -- layers called as functions ------------------------------------------------------------------
def pool(g: Any, call: Call) -> None:
    x, o = call.inputs[0], call.options
    kernel, stride, padding = list(o["kernel"]), list(o["stride"]), list(o["padding"])
    expected = tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(x.shape[2:], kernel, stride, padding))
    if tuple(o["out_size"]) != expected:
        raise Unconvertible(f"pooling to {tuple(o['out_size'])} positions, not ONNX's {expected}")
    attrs: dict[str, Any] = dict(kernel_shape=kernel, strides=stride, pads=_pads((p, p) for p in padding))
    if issubclass(o["_class"], AvgPoolNd):
        g.node("AveragePool", call.names, [call.dst], count_include_pad=int(o["count_include_pad"]), **attrs)
    else:
        g.node("MaxPool", call.names, [call.dst], **attrs)


def convolution(g: Any, call: Call) -> None:
    geometry = call.options["geometry"]
    attrs: dict[str, Any] = dict(
        kernel_shape=list(geometry.kernel),
        strides=list(geometry.stride),
        dilations=list(geometry.dilation),
        group=int(geometry.groups),
        pads=_pads(geometry.padding),
    )
    if not issubclass(call.options["_class"], ConvTransposeNd):
        g.node("Conv", call.names, [call.dst], **attrs)
        return
    # The transpose of the convolution with this geometry: from its out_size back to its in_size.
    reached = [
        s * (n - 1) + d * (k - 1) + 1 - lo - hi
        for n, k, s, d, (lo, hi) in zip(
            geometry.out_size, geometry.kernel, geometry.stride, geometry.dilation, geometry.padding
        )
    ]
    attrs["output_padding"] = [int(n - r) for n, r in zip(geometry.in_size, reached)]
    g.node("ConvTranspose", call.names, [call.dst], **attrs)


def linear(g: Any, call: Call) -> None:
    r"""$z = x W^\top + b$: Gemm for a batch of rows, else MatMul by $W^\top$ (and Add)."""
    x, W = call.inputs[0], call.inputs[1]
    if W.ndim != 2:
        raise Unconvertible(f"linear with a weight of shape {W.shape} has no conversion here (only 2-D weights)")
    if x.ndim == 2:
        g.node("Gemm", call.names, [call.dst], transB=1)
        return
    W_t, product = g.fresh(f"{call.hint}.weight_t"), g.fresh(f"{call.hint}.matmul")
    g.node("Transpose", [call.names[1]], [W_t], perm=[1, 0])
    if len(call.names) == 2:
        g.node("MatMul", [call.names[0], W_t], [call.dst])
        return
    g.node("MatMul", [call.names[0], W_t], [product])
    g.node("Add", [product, call.names[2]], [call.dst])


def interpolate(g: Any, call: Call) -> None:
    r"""Along each spatial axis: a Gather of $\lfloor i / r \rfloor$ (repeat $r$) or a MatMul by $M^\top$;
    repeats by powers of two on every axis (a U-Net decoder's ``F.interpolate(x, scale_factor=2)``):
    a nearest ``Resize``, exact for any size of the axes, which stay dynamic."""
    x = call.inputs[0]
    if _repeat_by_powers_of_two(g, call, call.options["steps"]):
        return
    maps = [(axis, step if isinstance(step, int) else step[0]) for axis, step in enumerate(call.options["steps"], 2)]
    g.node("Identity", [along_axes(g, call.hint, call.names[0], x.shape, maps, call.out.dtype)], [call.dst])


def _repeat_by_powers_of_two(g: Any, call: Call, steps: Any) -> bool:
    """Write a nearest ``Resize`` by ``steps`` if each is a power of two ($i / r$ is exact in floats, so
    ONNX's floor reads PyTorch's position for any size); whether it did."""
    if not all(isinstance(r, int) and r >= 1 and r & (r - 1) == 0 for r in steps):
        return False
    scales = g.constant(f"{call.hint}.scales", np.array([1.0, 1.0, *steps], dtype=np.float32))
    attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    g.node("Resize", [call.names[0], "", scales], [call.dst], **attrs)
    return True


def adaptive_avg_pool(g: Any, call: Call) -> None:
    r"""Along each spatial axis a MatMul by $M^\top$, $M$ the averaging matrix of PyTorch's windows; to
    one position per axis (``F.adaptive_avg_pool2d(x, 1)``), a GlobalAveragePool, for any size; to a
    power of two times each size (``F.interpolate(x, scale_factor=2, mode="area")``: every window one
    position), a nearest ``Resize``, for any size."""
    x = call.inputs[0]
    if all(o == 1 for o in call.options["out_size"]):
        g.node("GlobalAveragePool", call.names, [call.dst])
        return
    sizes = list(zip(x.shape[2:], call.options["out_size"]))
    if all(n and o % n == 0 for n, o in sizes) and _repeat_by_powers_of_two(g, call, [o // n for n, o in sizes]):
        return
    maps = [
        (axis, _averaging_matrix(n, o, x.dtype))
        for axis, n, o in zip(range(2, x.ndim), x.shape[2:], call.options["out_size"])
    ]
    g.node("Identity", [along_axes(g, call.hint, call.names[0], x.shape, maps, call.out.dtype)], [call.dst])


def adaptive_max_pool(g: Any, call: Call) -> None:
    """``F.adaptive_max_pool*d``: as the layer (``converters_port.max_pool``)."""
    x, flat = call.inputs[0], call.options["flat"]
    try:
        max_pool(g, call.hint, call.names[0], call.dst, tuple(x.shape[2:]), tuple(flat.shape[2:]))
    except ValueError as error:
        raise Unconvertible(str(error)) from None


def pad(g: Any, call: Call) -> None:
    """ONNX's Pad in the mode of ``F.pad`` (``deltanet.onnx.pads``)."""
    for axis, _ in call.options["sources"]:
        _check_batch(call, axis != 0, "padding the batch axis")
    x = call.inputs[0]
    padded = pads.pad(g, call.hint, call.names[0], x.shape, call.options["sources"], call.options["value"], x.dtype)
    g.node("Identity", [padded], [call.dst])


def pixel_shuffle(g: Any, call: Call) -> None:
    """``F.pixel_shuffle``/``F.pixel_unshuffle``: as the layers (``converters_torch.shuffle_nodes``)."""
    x = call.inputs[0]
    if x.ndim != 4:
        raise Unconvertible(f"only 4-D inputs (N, C, H, W) are exported, got shape {x.shape}")
    options = call.options
    shuffle_nodes(g, call.hint, call.names[0], call.dst, x.shape[1], int(options["factor"]), bool(options["inverse"]))


def cumulative_sum(g: Any, call: Call) -> None:
    """``x.cumsum(dim)``: ONNX's CumSum along that axis (each output position sums the input up to it,
    any size of its axis)."""
    axis = int(call.options["axis"]) % call.inputs[0].ndim
    g.node("CumSum", [call.names[0], g.constant(f"{call.hint}.axis", np.array(axis, dtype=np.int64))], [call.dst])


def overwrite(g: Any, call: Call) -> None:
    """``x.copy_(src)`` (an in-place activation writes its result so): ``src`` expanded to ``x``'s shape."""
    (x, src), (x_name, src_name) = call.inputs, call.names
    current = src_name
    if src.dtype != call.out.dtype:
        current = g.fresh(f"{call.hint}.cast")
        g.node("Cast", [src_name], [current], to=g.tensor_type(call.out.dtype))
    if tuple(src.shape) == tuple(x.shape):
        g.node("Identity", [current], [call.dst])
        return
    shape = g.fresh(f"{call.hint}.shape")
    g.node("Shape", [x_name], [shape])
    g.node("Expand", [current, shape], [call.dst])


def cast(g: Any, call: Call) -> None:
    """A copy (``contiguous``, ``clone``) is the identity; a change of dtype a Cast."""
    if call.out.dtype == call.inputs[0].dtype:
        g.node("Identity", call.names, [call.dst])
    else:
        g.node("Cast", call.names, [call.dst], to=g.tensor_type(call.out.dtype))


# -- activations called as functions --------------------------------------------------------------
def _as_layer(layer: Callable[..., Any]) -> Callable[[Any, Call], None]:
    """The conversion of the layer ``layer(**options)``: an activation called as a function
    (``F.gelu(x, approximate="tanh")``) converts as its module (``nn.GELU("tanh")``) does."""

    def convert(g: Any, call: Call) -> None:
        module = layer(**{k: v for k, v in call.options.items() if k != "_class"})
        converter = converter_for(module)
        assert converter is not None, f"{type(module).__name__} has a converter"
        converter(g, module, call.hint, call.inputs[0], call.names[0], call.dst)

    return convert


def prelu(g: Any, call: Call) -> None:
    """PRelu, its slope reshaped to one per channel (axis 1) as ``nn.PReLU``'s converter does."""
    x, alpha = call.inputs
    slope = call.names[1]
    if alpha.size > 1 and x.ndim > 2:
        slope = g.fresh(f"{call.hint}.slope")
        shape = g.constant(f"{call.hint}.slope_shape", _int64((alpha.size,) + (1,) * (x.ndim - 2)))
        g.node("Reshape", [call.names[1], shape], [slope])
    g.node("PRelu", [call.names[0], slope], [call.dst])


#: Function class → converter. ``convert`` passes the class itself as ``options["_class"]``.
FUNCTIONS: dict[type, Callable[[Any, Call], None]] = {
    ops.Add: _same("Add"),
    ops.Mul: _same("Mul"),
    ops.Div: _same("Div"),
    ops.Neg: _same("Neg"),
    ops.ReLU: _same("Relu"),
    ops.Sigmoid: _same("Sigmoid"),
    ops.Tanh: _same("Tanh"),
    ops.Exp: _same("Exp"),
    ops.Log: _same("Log"),
    ops.Sqrt: _same("Sqrt"),
    ops.Abs: _same("Abs"),
    ops.Maximum: _same("Max"),
    ops.Minimum: _same("Min"),
    ops.MatMul: _same("MatMul"),
    ops.Pow: power,
    ops.Where: where,
    BatchNorm: batch_norm,
    ops.Clamp: clamp,
    shapes.Reshape: reshape,
    shapes.Transpose: transpose,
    shapes.GetItem: get_item,
    shapes.Cat: concatenate,
    shapes.Expand: expand,
    shapes.Repeat: repeat,
    shapes.Stack: stack,
    reductions.Sum: reduce_sum,
    reductions.Max: reduce_max,
    reductions.ExtremeAlong: extreme_along,
    Softmax: softmax,
    LogSoftmax: softmax,
    MaxPoolNd: pool,
    AvgPoolNd: pool,
    ConvNd: convolution,
    ConvTransposeNd: convolution,
    Linear: linear,
    Interpolate: interpolate,
    AdaptiveAvgPool: adaptive_avg_pool,
    AdaptiveMaxPool: adaptive_max_pool,
    Pad: pad,
    ops.Cast: cast,
    inplace.Overwrite: overwrite,
    sorting.Flip: flip,
    sorting.CumSum: cumulative_sum,
    PixelShuffle: pixel_shuffle,
    rounding.Rounded: rounded,
    activations.LeakyReLU: _as_layer(nn.LeakyReLU),
    activations.ELU: _as_layer(nn.ELU),
    activations.SiLU: _as_layer(nn.SiLU),
    activations.Softplus: _as_layer(nn.Softplus),
    activations.GELU: _as_layer(nn.GELU),
    activations.PReLU: prelu,
    piecewise_activations.Hardtanh: _as_layer(nn.Hardtanh),
    piecewise_activations.Hardsigmoid: _as_layer(nn.Hardsigmoid),
    piecewise_activations.Hardswish: _as_layer(nn.Hardswish),
    smooth_activations.CELU: _as_layer(nn.CELU),
    smooth_activations.SELU: _as_layer(nn.SELU),
    smooth_activations.Mish: _as_layer(nn.Mish),
    smooth_activations.LogSigmoid: _as_layer(nn.LogSigmoid),
}


def convert(g: Any, cls: type, call: Call) -> None:
    """Add the nodes of one recorded Function to ``g``.

    Raises:
        Unconvertible: the Function has no conversion, or not as it was called.
    """
    converter = FUNCTIONS.get(cls)
    if converter is None:
        raise Unconvertible("it has no ONNX conversion here")
    converter(g, call._replace(options={**call.options, "_class": cls}))
