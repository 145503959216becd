r"""What the trace records besides Functions: comparisons, the rows of the functional norms, and a few functions whole.

- **Comparisons and logic** (``x > 0``, ``mask == 0``, ``~m``, ``logical_and``, ``isnan``,
  ``any``/``all``) give
  bool tensors without history, so no ``Function`` runs for them. While the trace runs,
  ``deltanet.autograd.compare._bool_leaf`` is wrapped: one of them on a traced tensor becomes its
  ONNX operator (``Greater``, ``Equal``, ``Not``, ``And``, ...), and its result a traced value, which
  ``where``/``masked_fill`` (the ``condition`` of ``ops.Where``) and ``x * (x > 0)`` (a ``Cast``)
  then read; so do conversions to and from bool and integer dtypes (``(x > 0).float()``, which
  ``to_dtype`` makes without a Function: a ``Cast``). One without a conversion here marks its
  result, so that a graph that uses it is refused by name instead of holding the traced input's
  answer as a constant.
- **The functional norms** (``F.layer_norm``, ``group_norm``, ``instance_norm``) view their input as
  rows, $(1, N k, m)$, whose reshape merges the batch axis. While the trace runs,
  ``deltanet.functional.normalization._normalize_rows`` is wrapped: the rows become a
  ``Reshape`` to $(N, k, m)$ (0 copies the dynamic batch), ``InstanceNormalization`` over $m$
  (or ``BatchNormalization`` with the running statistics of ``instance_norm(use_input_stats=False)``)
  and a ``Reshape`` back to the input's shape.
- **Functions whose NumPy part depends on the values or sizes**, recorded whole (``tracing`` wraps
  them): ``clamp``'s tensor bounds (``elementwise._bounded``: ``Where`` of ``Less``/``Greater``),
  ``isclose`` (NumPy's formula), attention's softmax with fully masked rows (``masked_softmax``:
  which rows are masked is computed in the graph), max pooling with ``ceil_mode`` (``MaxPool`` with
  ``ceil_mode=1``, not a padding of the traced size) and ``F.interpolate`` in a linear mode (a linear
  ``Resize``), so that they hold for every input and every size of a dynamic axis.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.onnx import batch_axis
from deltanet.onnx.converters import ExportError

#: NumPy ufunc → (ONNX operator, whether the result is negated, whether the operands are read as bools).
COMPARISONS: dict[Any, tuple[str, bool, bool]] = {
    np.equal: ("Equal", False, False),
    np.not_equal: ("Equal", True, False),
    np.less: ("Less", False, False),
    np.less_equal: ("LessOrEqual", False, False),
    np.greater: ("Greater", False, False),
    np.greater_equal: ("GreaterOrEqual", False, False),
    np.logical_and: ("And", False, True),
    np.logical_or: ("Or", False, True),
    np.logical_xor: ("Xor", False, True),
    np.logical_not: ("Not", False, True),
    np.isnan: ("IsNaN", False, False),
    np.isinf: ("IsInf", False, False),
}
#: On bool tensors only: ``&``, ``|``, ``^``, ``~`` are the logical operators.
BITWISE: dict[Any, Any] = {
    np.bitwise_and: np.logical_and,
    np.bitwise_or: np.logical_or,
    np.bitwise_xor: np.logical_xor,
    np.invert: np.logical_not,
}


def _values(operand: Any) -> Any:
    return operand.data if isinstance(operand, Tensor) else operand


def comparison(tracer: Any, ufunc: Any, operands: tuple, result: Tensor) -> None:
    """Record ``result = ufunc(*operands)`` if an operand is traced (else it is a constant of the graph)."""
    if tracer.inside:
        return
    poisoned = [tracer.poisoned[id(o)] for o in operands if isinstance(o, Tensor) and id(o) in tracer.poisoned]
    if poisoned:  # computed from a value without a conversion: so is the result
        tracer.poison(result, poisoned[0])
        return
    if not any(isinstance(o, Tensor) and id(o) in tracer.names for o in operands):
        return
    if ufunc in BITWISE and all(np.asarray(_values(o)).dtype == np.bool_ for o in operands):
        ufunc = BITWISE[ufunc]
    if isinstance(ufunc, functools.partial) and ufunc.func in (np.any, np.all):
        _any_all(tracer, ufunc, operands[0], result)
        return
    if isinstance(ufunc, functools.partial) and ufunc.func is np.isclose:
        isclose(tracer, ufunc, operands, result)
        return
    if ufunc is np.isfinite:  # neither infinite nor NaN
        inf, nan = (comparison_name(tracer, u, operands) for u in (np.isinf, np.isnan))
        either = tracer.graph.fresh("isfinite.either")
        tracer.graph.node("Or", [inf, nan], [either])
        _bind(tracer, result, either, True, operands)
        return
    if ufunc not in COMPARISONS:
        name = getattr(ufunc, "__name__", repr(ufunc))
        tracer.poison(result, f"the comparison or logical operation '{name}' on a traced tensor has no conversion here")
        return
    _bind(tracer, result, comparison_name(tracer, ufunc, operands), COMPARISONS[ufunc][1], operands)


def _any_all(tracer: Any, reduction: functools.partial, x: Tensor, result: Tensor) -> None:
    """``any``/``all`` (over ``axis``): ReduceMax/ReduceMin of the elements read as bools (0 or 1, int32)."""
    g, src = tracer.graph, tracer.name_of(x, "any.input")
    axis, keepdims = reduction.keywords["axis"], bool(reduction.keywords["keepdims"])
    axes = list(range(x.ndim)) if axis is None else sorted(int(a) % x.ndim for a in np.atleast_1d(axis))
    try:
        batch = batch_axis.reduced(tracer.batch.get(src), axes, keepdims, "any/all")
    except batch_axis.Refused as why:
        raise ExportError(
            f"export: in the forward of '{tracer.where[-1] if tracer.where else 'the model'}': {why}"
        ) from None
    op = "ReduceMax" if reduction.func is np.any else "ReduceMin"
    flags, counted, reduced, out = (g.fresh(f"{op.lower()}.{s}") for s in ("flags", "int", "reduced", "bool"))
    g.node("Cast", [src], [flags], to=g.tensor_type(np.dtype(np.bool_)))
    g.node("Cast", [flags], [counted], to=g.tensor_type(np.dtype(np.int32)))
    if g.opset >= 18:
        g.node(
            op,
            [counted, g.constant(f"{op.lower()}.axes", np.asarray(axes, np.int64))],
            [reduced],
            keepdims=int(keepdims),
        )
    else:
        g.node(op, [counted], [reduced], axes=axes, keepdims=int(keepdims))
    g.node("Cast", [reduced], [out], to=g.tensor_type(np.dtype(np.bool_)))
    tracer.bind(result, out)
    tracer.arrays[id(result.data)] = out
    tracer.batch[out] = batch


def comparison_name(tracer: Any, ufunc: Any, operands: tuple) -> str:
    """The value name of ``ufunc(*operands)`` before any negation: its operator on the operands
    brought to one dtype (NumPy's, which is PyTorch's here: ``_compare`` promoted tensors already)."""
    g = tracer.graph
    op, _, logical = COMPARISONS[ufunc]
    common = np.dtype(np.bool_) if logical else np.result_type(*map(_values, operands))
    names = []
    for operand in operands:
        hint = f"{op.lower()}.operand"
        if not (isinstance(operand, Tensor) and id(operand) in tracer.names):
            names.append(g.constant(hint, np.asarray(_values(operand), dtype=common)))
            continue
        name = tracer.name_of(operand, hint)
        if operand.dtype != common:
            cast = g.fresh(f"{op.lower()}.cast")
            g.node("Cast", [name], [cast], to=g.tensor_type(common))
            name = cast
        names.append(name)
    out = g.fresh(op.lower())
    g.node(op, names, [out])
    return out


def _bind(tracer: Any, result: Tensor, name: str, negate: bool, operands: tuple = ()) -> None:
    if negate:
        negated = tracer.graph.fresh("not")
        tracer.graph.node("Not", [name], [negated])
        name = negated
    tracer.bind(result, name)
    tracer.arrays[id(result.data)] = name
    batches = [
        (int(np.ndim(_values(o))), tracer.batch.get(tracer.names[id(o)]))
        for o in operands
        if isinstance(o, Tensor) and id(o) in tracer.names
    ]
    try:
        tracer.batch[name] = batch_axis.aligned(batches, result.ndim, "a comparison")
    except batch_axis.Refused as why:
        raise ExportError(
            f"export: in the forward of '{tracer.where[-1] if tracer.where else 'the model'}': {why}"
        ) from None


def cast(tracer: Any, t: Tensor, result: Tensor) -> None:
    """Record ``result``, ``t`` converted to another dtype without a Function (to or from an integer or bool dtype)."""
    if tracer.inside or result is t or id(result) in tracer.names:
        return
    if id(t) in tracer.poisoned:
        tracer.poison(result, tracer.poisoned[id(t)])
    elif id(t) in tracer.names:
        name = tracer.graph.fresh("cast")
        tracer.graph.node("Cast", [tracer.name_of(t, "cast.input")], [name], to=tracer.graph.tensor_type(result.dtype))
        tracer.bind(result, name)
        tracer.arrays[id(result.data)] = name
        tracer.batch[name] = tracer.batch.get(tracer.names[id(t)])


def normalized_rows(tracer: Any, x: Tensor, rows: int, eps: float, per_sample: Any, stats: dict, out: Tensor) -> None:
    """Record ``out``, ``x`` viewed as ``rows`` rows, each normalized (``_normalize_rows``)."""
    g = tracer.graph
    where = tracer.where[-1] if tracer.where else "the model"
    hint = f"{where}.normalize"
    if per_sample is None and tracer.dynamic_batch:
        raise ExportError(
            f"cannot export the normalization in the forward of '{where}': its groups of values span the batch "
            f"axis (a layer_norm over every axis of {x.shape}), which the export keeps dynamic; export with "
            f"dynamic_batch=False to fix the batch size"
        )
    k, target = (rows, [1, rows, -1]) if per_sample is None else (int(per_sample), [0, int(per_sample), -1])
    src = tracer.name_of(x, f"{hint}.input")
    batch = tracer.batch.get(src)
    if batch not in (None, batch_axis.FIRST):
        raise ExportError(
            f"cannot export the normalization in the forward of '{where}': {batch_axis.refuse(batch[0], 'it')}"
        )
    grouped, normed, shape, dst = (g.fresh(f"{hint}.{s}") for s in ("grouped", "normed", "shape", "output"))
    g.node("Reshape", [src, g.constant(f"{hint}.groups", np.array(target, dtype=np.int64))], [grouped])
    dtype = x.dtype
    ones, zeros = g.constant(f"{hint}.ones", np.ones(k, dtype)), g.constant(f"{hint}.zeros", np.zeros(k, dtype))
    if stats.get("training", True):
        g.node("InstanceNormalization", [grouped, ones, zeros], [normed], epsilon=float(eps))
    else:  # instance_norm(use_input_stats=False): the running statistics, tiled once per sample
        mean = g.constant(f"{hint}.running_mean", np.asarray(stats["running_mean"][:k], dtype))
        var = g.constant(f"{hint}.running_var", np.asarray(stats["running_var"][:k], dtype))
        g.node("BatchNormalization", [grouped, ones, zeros, mean, var], [normed], epsilon=float(eps))
    g.node("Shape", [src], [shape])
    g.node("Reshape", [normed, shape], [dst])
    tracer.bind(out, dst)
    tracer.batch[dst] = batch


def _where(tracer: Any) -> str:
    return tracer.where[-1] if tracer.where else "the model"


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
    src = tracer.name_of(x, f"{_where(tracer)}.max_pool.input")
    batch = tracer.batch.get(src)
    if batch not in (None, batch_axis.FIRST):
        raise ExportError(
            f"export: in the forward of '{_where(tracer)}': "
            f"{batch_axis.refuse(batch[0], 'max pooling, which needs the batch in axis 0,')}"
        )
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
    """``F.interpolate`` in a linear mode: ONNX's linear ``Resize``, by the scale factors (the output
    follows a dynamic input size) or to ``size`` (or recomputed factors: sizes fixed, read as PyTorch
    reads them, from the live input)."""
    g = tracer.graph
    hint = f"{_where(tracer)}.interpolate"
    src = tracer.name_of(x, f"{hint}.input")
    batch = tracer.batch.get(src)
    if batch not in (None, batch_axis.FIRST):
        raise ExportError(
            f"export: in the forward of '{_where(tracer)}': "
            f"{batch_axis.refuse(batch[0], 'interpolate, which needs the batch in axis 0,')}"
        )
    corners = bool(options.get("align_corners"))
    attrs = dict(mode="linear", coordinate_transformation_mode="align_corners" if corners else "pytorch_half_pixel")
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
