r"""Two things the trace records besides Functions: comparisons, and the rows of the functional norms.

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
    return operand.array if isinstance(operand, Tensor) else operand


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
    tracer.arrays[id(result.array)] = out
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
    tracer.arrays[id(result.array)] = name
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
        tracer.arrays[id(result.array)] = name
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
