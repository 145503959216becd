r"""Functions whose NumPy part depends on the input's values or sizes, recorded whole.

While the trace runs, ``deltanet.onnx.tracing`` wraps each of them: the function runs without
recording its inner operations, and its result becomes the ONNX nodes below, which compute what the
function computes for every input and every size of a dynamic axis (``deltanet.onnx.dynamic_axes``):

- ``clamp`` with tensor bounds (``elementwise._bounded``): ``Where`` of ``Less``/``Greater`` or a
  NaN bound, the bound's value;
- ``isclose``: NumPy's formula, $|x - y| \le \text{atol} + \text{rtol} |y|$ where $y$ is finite,
  or $x = y$, or both NaN with ``equal_nan``;
- attention's softmax with fully masked rows (``masked_softmax``): which rows are all $-\infty$ is
  computed in the graph, so a masked row gives the model's value (0, or NaN) for any mask;
- max pooling with ``ceil_mode`` (which pads by a size-dependent amount): ``MaxPool`` with
  ``ceil_mode=1``;
- ``F.interpolate`` in a linear mode or bicubic: a linear or cubic ``Resize``, by the scale factors
  or to the size;
- ``F.lp_pool*d`` (its zero-sum windows found with NumPy): the ``LPPool`` layers' nodes;
- ``argmax``/``argmin`` (int64 results without history): ``ArgMax``/``ArgMin``, the first NaN
  winning as in NumPy and PyTorch.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional.conv import _ntuple
from deltanet.onnx import batch_axis
from deltanet.onnx.converters import ExportError
from deltanet.onnx.converters_port import lp_pool_nodes


def _values(operand: Any) -> Any:
    return operand.array if isinstance(operand, Tensor) else operand


def _where(tracer: Any) -> str:
    return tracer.where[-1] if tracer.where else "the model"


def _batch_first_input(tracer: Any, x: Tensor, hint: str, what: str) -> tuple[str, Any]:
    """The value name of ``x`` and its batch axis, refused unless the batch is axis 0 (or absent)."""
    src = tracer.name_of(x, hint)
    batch = tracer.batch.get(src)
    if batch not in (None, batch_axis.FIRST):
        raise ExportError(
            f"export: in the forward of '{_where(tracer)}': "
            f"{batch_axis.refuse(batch[0], f'{what}, which needs the batch in axis 0,')}"
        )
    return src, batch


def _operand(tracer: Any, value: Any, dtype: np.dtype, hint: str) -> str:
    """The value name of a traced tensor or constant, cast to ``dtype``."""
    g = tracer.graph
    if not (isinstance(value, Tensor) and id(value) in tracer.names):
        return str(g.constant(hint, np.asarray(_values(value), dtype=dtype)))
    name = tracer.name_of(value, hint)
    if value.dtype == dtype:
        return str(name)
    cast = g.fresh(f"{hint}.cast")
    g.node("Cast", [name], [cast], to=g.tensor_type(dtype))
    return str(cast)


def _traced_batch(tracer: Any, operands: tuple, ndim: int, what: str) -> Any:
    """The batch of an elementwise result of ``operands`` (``batch_axis.aligned``)."""
    batches = [
        (int(np.ndim(_values(o))), tracer.batch.get(tracer.names[id(o)]))
        for o in operands
        if isinstance(o, Tensor) and id(o) in tracer.names
    ]
    try:
        return batch_axis.aligned(batches, ndim, what)
    except batch_axis.Refused as why:
        raise ExportError(f"export: in the forward of '{_where(tracer)}': {why}") from None


def isclose(tracer: Any, partial: functools.partial, operands: tuple, result: Tensor) -> None:
    r"""``isclose(x, y)``, NumPy's formula: $|x - y| \le \text{atol} + \text{rtol} \cdot |y|$ where $y$
    is finite, or $x = y$ (equal infinities), or both NaN with ``equal_nan``; in NumPy's dtype."""
    g, (x, y) = tracer.graph, operands
    values = [v.dtype if isinstance(v, np.ndarray) else v for v in map(_values, operands)]
    dtype = np.result_type(*values, 1.0)
    X, Y = (_operand(tracer, v, dtype, f"isclose.{s}") for v, s in ((x, "input"), (y, "other")))
    names = {
        s: g.fresh(f"isclose.{s}")
        for s in ("diff", "size", "abs_other", "scaled", "tolerance", "within", "inf", "nan", "infinite", "finite")
    }
    names.update({s: g.fresh(f"isclose.{s}") for s in ("close", "equal", "out")})
    k = partial.keywords
    g.node("Sub", [X, Y], [names["diff"]])
    g.node("Abs", [names["diff"]], [names["size"]])
    g.node("Abs", [Y], [names["abs_other"]])
    g.node("Mul", [g.constant("isclose.rtol", np.array(k["rtol"], dtype)), names["abs_other"]], [names["scaled"]])
    g.node("Add", [g.constant("isclose.atol", np.array(k["atol"], dtype)), names["scaled"]], [names["tolerance"]])
    g.node("LessOrEqual", [names["size"], names["tolerance"]], [names["within"]])
    g.node("IsInf", [Y], [names["inf"]])
    g.node("IsNaN", [Y], [names["nan"]])
    g.node("Or", [names["inf"], names["nan"]], [names["infinite"]])
    g.node("Not", [names["infinite"]], [names["finite"]])
    g.node("And", [names["within"], names["finite"]], [names["close"]])
    g.node("Equal", [X, Y], [names["equal"]])
    out = names["out"]
    g.node("Or", [names["close"], names["equal"]], [out])
    if k["equal_nan"]:
        both, nan_x, nan_y, either = (g.fresh(f"isclose.{s}") for s in ("both_nan", "nan_x", "nan_y", "out_nan"))
        g.node("IsNaN", [X], [nan_x])
        g.node("IsNaN", [Y], [nan_y])
        g.node("And", [nan_x, nan_y], [both])
        g.node("Or", [out, both], [either])
        out = either
    tracer.bind(result, out)
    tracer.arrays[id(result.array)] = out
    tracer.batch[out] = _traced_batch(tracer, operands, result.ndim, "isclose")


def bounded(tracer: Any, x: Tensor, bound: Tensor, upper: bool, out: Tensor) -> None:
    """``clamp``'s tensor bound (``elementwise._bounded``): ``bound`` where ``x`` is beyond it or it is
    NaN, else ``x`` (so NaN where either is NaN, as PyTorch's)."""
    g = tracer.graph
    hint = f"{_where(tracer)}.clamp_{'max' if upper else 'min'}"
    X, B = _operand(tracer, x, out.dtype, f"{hint}.input"), _operand(tracer, bound, out.dtype, f"{hint}.bound")
    beyond, nan, chosen, dst = (g.fresh(f"{hint}.{s}") for s in ("beyond", "nan", "bound_chosen", "output"))
    g.node("Greater" if upper else "Less", [X, B], [beyond])
    g.node("IsNaN", [B], [nan])
    g.node("Or", [beyond, nan], [chosen])
    g.node("Where", [chosen, B, X], [dst])
    tracer.bind(out, dst)
    tracer.batch[dst] = _traced_batch(tracer, (x, bound), out.ndim, "clamp")


def masked_softmax(tracer: Any, scores: Tensor, fully_masked: float, out: Tensor) -> None:
    r"""Attention's softmax over the last axis, a row of $-\infty$ scores giving ``fully_masked``
    (``deltanet.functional.attention.masked_softmax``): whether a row is masked is computed in the
    graph (ReduceMin of ``IsInf(scores, detect_positive=0)``), so it holds for every input."""
    g = tracer.graph
    hint = f"{_where(tracer)}.masked_softmax"
    src = tracer.name_of(scores, f"{hint}.scores")
    batch = tracer.batch.get(src)
    last = scores.ndim - 1
    try:
        batch_axis.reduced(batch, [last], True, "attention's softmax")
    except batch_axis.Refused as why:
        raise ExportError(f"export: in the forward of '{_where(tracer)}': {why}") from None
    names = [g.fresh(f"{hint}.{s}") for s in ("neginf", "int", "all", "empty", "kept", "softmax", "output")]
    neginf, counted, reduced, empty, kept, weights, dst = names
    g.node("IsInf", [src], [neginf], detect_positive=0)
    g.node("Cast", [neginf], [counted], to=g.tensor_type(np.dtype(np.int32)))
    if g.opset >= 18:
        g.node("ReduceMin", [counted, g.constant(f"{hint}.axes", np.array([last], np.int64))], [reduced], keepdims=1)
    else:
        g.node("ReduceMin", [counted], [reduced], axes=[last], keepdims=1)
    g.node("Cast", [reduced], [empty], to=g.tensor_type(np.dtype(np.bool_)))
    zero = g.constant(f"{hint}.zero", np.zeros((), scores.dtype))
    g.node("Where", [empty, zero, src], [kept])
    g.node("Softmax", [kept], [weights], axis=last)
    g.node("Where", [empty, g.constant(f"{hint}.fully_masked", np.array(fully_masked, out.dtype)), weights], [dst])
    tracer.bind(out, dst)
    tracer.batch[dst] = batch


def ceil_max_pool(tracer: Any, x: Tensor, args: dict, out: Tensor) -> None:
    """``F.max_pool*d(..., ceil_mode=True)``, which pads the input's end by a size-dependent amount before
    pooling: ONNX's MaxPool with ``ceil_mode=1``, which finds the windows for any size."""
    g = tracer.graph
    src, batch = _batch_first_input(tracer, x, f"{_where(tracer)}.max_pool.input", "max pooling")
    dst = g.fresh(f"{_where(tracer)}.max_pool")
    pads = [int(p) for p in args["padding"]] * 2
    g.node(
        "MaxPool",
        [src],
        [dst],
        kernel_shape=list(args["kernel"]),
        strides=list(args["stride"]),
        pads=pads,
        ceil_mode=1,
    )
    tracer.bind(out, dst)
    tracer.batch[dst] = batch


def resize(tracer: Any, x: Tensor, size: Any, scale_factor: Any, options: dict, out: Tensor) -> None:
    """``F.interpolate`` in a linear mode or bicubic: ONNX's linear or cubic ``Resize`` (as
    ``torch.onnx.export`` writes them), by the scale factors (the output
    follows a dynamic input size) or to ``size`` (or recomputed factors: sizes fixed, read as PyTorch
    reads them, from the live input)."""
    g = tracer.graph
    hint = f"{_where(tracer)}.interpolate"
    src, batch = _batch_first_input(tracer, x, f"{hint}.input", "interpolate")
    corners = bool(options.get("align_corners"))
    attrs: dict[str, Any] = dict(
        mode="linear", coordinate_transformation_mode="align_corners" if corners else "half_pixel"
    )
    if options.get("mode") == "bicubic":  # PyTorch's kernel: a = -0.75, no clamp of the source position
        attrs.update(mode="cubic", cubic_coeff_a=-0.75)
        attrs["coordinate_transformation_mode"] = "align_corners" if corners else "half_pixel"
    dst = g.fresh(hint)
    dims = x.ndim - 2
    factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * dims
    # Recomputed factors read the sizes, n / floor(n r): 1 / r itself for an integer r.
    whole = size is None and all(float(r).is_integer() for r in factors)
    if size is None and (not options.get("recompute_scale_factor") or whole):
        scales = g.constant(f"{hint}.scales", np.array([1.0, 1.0, *factors], dtype=np.float32))
        g.node("Resize", [src, "", scales], [dst], **attrs)
    else:
        shape, leading, sizes = g.fresh(f"{hint}.shape"), g.fresh(f"{hint}.leading"), g.fresh(f"{hint}.sizes")
        g.node("Shape", [src], [shape])
        g.node("Gather", [shape, g.constant(f"{hint}.leading_axes", np.array([0, 1], np.int64))], [leading])
        spatial = g.constant(f"{hint}.size", np.array(out.shape[2:], np.int64))
        g.node("Concat", [leading, spatial], [sizes], axis=0)
        g.node("Resize", [src, "", "", sizes], [dst], **attrs)
    tracer.bind(out, dst)
    tracer.batch[dst] = batch


def arg_extreme(tracer: Any, x: Tensor, dim: Any, keep: bool, owner: str, out: Tensor) -> None:
    """``argmax``/``argmin`` along ``dim`` (of the flattened tensor when None): ``ArgMax``/``ArgMin``,
    except where the values hold a NaN, whose first position wins (NumPy's and PyTorch's answer;
    ONNX's operators skip NaN)."""
    g = tracer.graph
    hint = f"{_where(tracer)}.{owner}"
    src = tracer.name_of(x, f"{hint}.input")
    axes = list(range(x.ndim)) if dim is None else [int(dim) % x.ndim]
    try:
        batch = batch_axis.reduced(tracer.batch.get(src), axes, keep and dim is not None, owner)
    except batch_axis.Refused as why:
        raise ExportError(f"export: in the forward of '{_where(tracer)}': {why}") from None
    axis, keepdims = (0, 0) if dim is None else (axes[0], int(keep))
    if dim is None:
        flat = g.fresh(f"{hint}.flat")
        g.node("Reshape", [src, g.constant(f"{hint}.flat_shape", np.array([-1], np.int64))], [flat])
        src = flat
    op = "ArgMax" if owner == "argmax" else "ArgMin"
    names = [g.fresh(f"{hint}.{s}") for s in ("found", "isnan", "nan_int", "first_nan", "any_nan", "has_nan", "out")]
    found, isnan, nan_int, first_nan, any_nan, has_nan, dst = names
    g.node(op, [src], [found], axis=axis, keepdims=keepdims)
    g.node("IsNaN", [src], [isnan])
    g.node("Cast", [isnan], [nan_int], to=g.tensor_type(np.dtype(np.int32)))
    g.node("ArgMax", [nan_int], [first_nan], axis=axis, keepdims=keepdims)
    if g.opset >= 18:
        axes_input = g.constant(f"{hint}.axes", np.array([axis], np.int64))
        g.node("ReduceMax", [nan_int, axes_input], [any_nan], keepdims=keepdims)
    else:
        g.node("ReduceMax", [nan_int], [any_nan], axes=[axis], keepdims=keepdims)
    g.node("Cast", [any_nan], [has_nan], to=g.tensor_type(np.dtype(np.bool_)))
    g.node("Where", [has_nan, first_nan, found], [dst])
    tracer.bind(out, dst)
    tracer.arrays[id(out.array)] = dst
    tracer.batch[dst] = batch


def lp_pool(
    tracer: Any, x: Tensor, norm_type: Any, kernel_size: Any, stride: Any, ceil_mode: Any, dims: int, out: Tensor
) -> None:
    """``F.lp_pool*d`` (whose zero-sum windows are found with NumPy): the layers' nodes
    (``converters_port.lp_pool_nodes``)."""
    hint = f"{_where(tracer)}.lp_pool"
    src, batch = _batch_first_input(tracer, x, f"{hint}.input", "LP pooling")
    owner = f"lp_pool{dims}d"
    kernel = list(_ntuple(kernel_size, dims, "kernel_size", owner, 1))
    strides = kernel if stride is None else list(_ntuple(stride, dims, "stride", owner, 1))
    dst = tracer.graph.fresh(hint)
    lp_pool_nodes(tracer.graph, hint, src, dst, x.dtype, float(norm_type), kernel, strides, bool(ceil_mode))
    tracer.bind(out, dst)
    tracer.batch[dst] = batch
