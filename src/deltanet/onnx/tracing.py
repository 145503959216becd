"""The trace behind ``deltanet.onnx.export``: one forward pass, recorded into a graph.

``Tracer`` holds what the trace has named (each traced tensor's value name, where it holds the
dynamic batch, the arrays of traced bool tensors, the values it cannot convert); ``tracing``
patches, for the duration of one forward pass, the places where operations happen: each layer's
``forward`` (a layer with a converter is a leaf), ``Function.apply``, in-place writes, the
comparisons (``deltanet.autograd.compare._bool_leaf``), ``to_dtype`` and the functional norms'
rows (``deltanet.onnx.recorders``), the functions recorded whole (``clamp``'s tensor bounds,
attention's masked softmax, ceil-mode max pooling, linear ``F.interpolate``, ``F.lp_pool*d``, ``argmax``:
``deltanet.onnx.recorders_whole``) and ``reductions._count`` (a ``mean``'s count, which
``functions.divide_by_count`` reads from the live input). Everything is restored afterwards.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.autograd import Function, Tensor, compare, conversions, elementwise, inplace, ops, reductions
from deltanet.functional import attention, normalization, pooling
from deltanet.functional import lp_pool as lp_pooling
from deltanet.onnx import batch_axis, functions, outputs, recorders, recorders_whole
from deltanet.onnx.converters import ExportError, converter_for


class Tracer:
    """Records leaf layers and free-standing Functions of one forward pass into a Graph."""

    def __init__(self, model: nn.Module, graph: Any, dynamic_batch: bool = True) -> None:
        self.graph = graph
        self.dynamic_batch = dynamic_batch
        self.names: dict[int, str] = {}
        self.versions: dict[int, int] = {}  # each traced tensor's _version when it got its name
        self.keep: list[Any] = []  # tensors stay alive, so their ids stay unique
        self.inside = 0
        self.where: list[str] = []
        self.paths = {id(m): path for path, m in model.named_modules()}
        self.parameter_names = {id(p): name for name, p in model.named_parameters()}
        self.batch: dict[str, Any] = {}  # value name -> where it holds the dynamic batch (batch_axis)
        self.n = 0  # the traced batch size
        self.arrays: dict[int, str] = {}  # the arrays of traced bool tensors (a Where's condition option)
        self.poisoned: dict[int, str] = {}  # tensors and arrays computed from the input without a conversion
        self.sums: dict[str, tuple] = {}  # the value name of each recorded sum: (its input's name, shape, axes)
        self.mean: tuple | None = None  # (shape, axes, count) of the last reductions._count: a mean follows

    def poison(self, tensor: Tensor, why: str) -> None:
        """Mark ``tensor`` (computed from traced values by an operation without a conversion): using it is refused."""
        self.poisoned[id(tensor)] = self.poisoned[id(tensor.array)] = why
        self.keep.append(tensor)

    @contextmanager
    def hidden(self) -> Iterator[None]:
        """Run what is inside without recording it (a recorder writes its nodes afterwards)."""
        self.inside += 1
        try:
            yield
        finally:
            self.inside -= 1

    def depends(self, inputs: tuple, options: dict[str, Any]) -> bool:
        """Whether a Function's output depends on the traced input (else it is a constant of the graph)."""
        known = self.names.keys() | self.poisoned.keys()
        arrays = self.arrays.keys() | self.poisoned.keys()
        return any(isinstance(t, Tensor) and id(t) in known for t in inputs) or any(
            isinstance(v, np.ndarray) and id(v) in arrays for v in options.values()
        )

    def bind(self, tensor: Any, name: str) -> None:
        self.names[id(tensor)] = name
        self.versions[id(tensor)] = tensor._version
        self.keep.append(tensor)

    def name_of(self, value: Any, hint: str) -> str:
        """The value name of a traced tensor (or of a traced bool tensor's array); anything else
        becomes an initializer."""
        if id(value) in self.poisoned:
            raise ExportError(
                f"export: in the forward of '{self.where[-1] if self.where else 'the model'}', "
                f"{self.poisoned[id(value)]}, and the graph would hold its value for the traced input as a constant"
            )
        if isinstance(value, np.ndarray) and id(value) in self.arrays:
            return self.arrays[id(value)]
        if isinstance(value, Tensor) and id(value) in self.names:
            if value._version != self.versions[id(value)]:
                raise ExportError(
                    f"export: in the forward of '{self.where[-1] if self.where else 'the model'}', a tensor of "
                    f"shape {value.shape} was changed in place through a view of it (v = x[0]; v.mul_(2)) or of "
                    f"its base, which the export cannot follow; write it out of place (x = x * 2)"
                )
            return self.names[id(value)]
        if isinstance(value, Tensor):
            hint = self.parameter_names.get(id(value), hint)
            array = value.array
        else:
            array = np.asarray(value)
        if array.dtype.kind == "f" and not isinstance(value, Tensor):  # a tensor keeps its dtype (x.double() + t64)
            array = array.astype(self.graph.dtype)
        name = self.graph.initializer(hint, array)
        if isinstance(value, Tensor):
            self.bind(value, name)
        return name

    # -- layers ------------------------------------------------------------------------------
    def wrap(self, module: nn.Module) -> None:
        original = module.forward
        path = self.paths[id(module)] or type(module).__name__
        convert = converter_for(module)
        # A layer of deltanet's own without a converter is refused by name; a module of the user's
        # (a custom forward, with or without sub-modules) is traced through, its Functions converted.
        leaf = convert is not None or (not module._modules and type(module).__module__.startswith("deltanet."))

        def forward(*args: Any, **kwargs: Any) -> Any:
            if self.inside:
                return original(*args, **kwargs)
            if not leaf:
                self.where.append(path)
                try:
                    return original(*args, **kwargs)
                finally:
                    self.where.pop()
            if convert is None:
                raise ExportError(
                    f"cannot export layer '{path}' ({type(module).__name__}): it has no ONNX "
                    f"conversion (see deltanet.onnx.converters.CONVERTERS for the layers that do)"
                )
            states = getattr(convert, "takes_states", False)  # a recurrent layer: (x, hx), several outputs
            extra = len(args) - 1 + len(kwargs)
            if not args or not isinstance(args[0], Tensor) or (extra if not states else extra > 1):
                received = ", ".join([type(a).__name__ for a in args] + list(kwargs))
                raise ExportError(
                    f"cannot export layer '{path}' ({type(module).__name__}): expected "
                    f"{'a tensor and the initial states' if states else 'one tensor argument'}, got ({received})"
                )
            x = args[0]
            src = self.name_of(x, f"{path}.input")
            batch = self.batch.get(src)
            if batch not in (None, batch_axis.FIRST) and states:
                raise ExportError(
                    f"cannot export layer '{path}' ({type(module).__name__}): its input holds the batch in "
                    f"axis {batch[0]}, not 0"
                )
            self.inside += 1
            try:
                out = original(*args, **kwargs)
            finally:
                self.inside -= 1
            outs = [t for _, t in outputs.flatten(out, "output")]
            dsts = [self.graph.fresh(f"{path}.output") for _ in outs]
            try:
                if states:
                    hx = args[1] if len(args) > 1 else next(iter(kwargs.values()), None)
                    given = [t for _, t in outputs.flatten(hx, "hx")] if hx is not None else []
                    # A constant state of zeros (torch.zeros(K, x.size(0), H), sized by the traced batch) is
                    # ONNX's default: left out, it fits every batch size.
                    names = [
                        None
                        if id(t) not in self.names and id(t) not in self.poisoned and not np.any(t.array)
                        else self.name_of(t, f"{path}.hx")
                        for t in given
                    ]
                    convert(self.graph, module, path, x, src, dsts, names)
                else:
                    convert(self.graph, module, path, x, src, dsts[0])
            except ExportError:
                raise
            except ValueError as error:
                raise ExportError(f"cannot export layer '{path}' ({type(module).__name__}): {error}") from None
            for t, dst in zip(outs, dsts):
                self.bind(t, dst)
            if states:  # output (its axis 0 the input's), h_n and c_n (the batch in axis 1 with batch_first)
                final = (1, 1) if batch is not None and getattr(module, "batch_first", False) else None
                for i, dst in enumerate(dsts):
                    self.batch[dst] = batch if i == 0 else final
            else:
                try:
                    self.batch[dsts[0]] = batch_axis.layer_output(module, x, batch, outs[0].ndim)
                except batch_axis.Refused as why:
                    raise ExportError(f"cannot export layer '{path}' ({type(module).__name__}): {why}") from None
            return out

        object.__setattr__(module, "forward", forward)

    # -- free-standing functions ---------------------------------------------------------------
    def _mean_of(self, cls: type, inputs: tuple, names: list[str]) -> tuple[str, list[int]] | None:
        """The summed value's name and axes when this ``Mul`` is ``mean``'s sum times $1/n$ (``reductions._count``
        was just called for it), else None."""
        if cls is reductions.Sum:  # mean's sum, recorded between its count and its Mul
            return None
        pending, self.mean = self.mean, None
        if cls is not ops.Mul or pending is None or names[0] not in self.sums:
            return None
        source, shape, axis = self.sums[names[0]]
        factor = inputs[1]
        value = factor.array if isinstance(factor, Tensor) else np.asarray(factor)
        constant = names[1] in {i.name for i in self.graph.initializers}  # not computed from the input
        if shape != pending[0] or not constant or value.size != 1:
            return None
        axes = list(range(len(shape))) if axis is None else [int(a) % len(shape) for a in axis]
        if pending[2] != math.prod(shape[a] for a in axes) or float(value) != float(value.dtype.type(1.0 / pending[2])):
            return None
        return source, axes

    def function(self, cls: type, inputs: tuple, options: dict[str, Any], out: Tensor) -> None:
        where = self.where[-1] if self.where else "the model"
        hint = f"{where}.{cls.__name__.lower()}"
        names = [self.name_of(t, f"{hint}.const") for t in inputs]
        batches = [self.batch.get(name) for name in names]
        condition = options.get("condition")
        if isinstance(condition, np.ndarray) and id(condition) in self.arrays:  # a Where's traced condition
            batches.append(self.batch.get(self.arrays[id(condition)]))
        dst = self.graph.fresh(hint)
        try:
            out_batch = (
                batch_axis.output(cls, inputs, options, out, tuple(batches), self.n) if self.dynamic_batch else None
            )
            call = functions.Call(
                inputs, names, options, out, dst, hint, self.dynamic_batch, self.name_of, tuple(batches), out_batch
            )
            summed = self._mean_of(cls, inputs, names)
            if summed is not None:  # x.mean(axes): the sum divided by the count of the live input's axes
                functions.divide_by_count(self.graph, call, *summed)
            else:
                functions.convert(self.graph, cls, call)
            if cls is reductions.Sum:
                axis = options.get("axis")
                self.sums[dst] = (names[0], tuple(inputs[0].shape), None if axis is None else np.atleast_1d(axis))
            self.batch[dst] = out_batch
        except (functions.Unconvertible, batch_axis.Refused) as why:
            raise ExportError(
                f"cannot export the operation {cls.__name__} in the forward of '{where}': {why} (see "
                f"deltanet.onnx.functions.FUNCTIONS for the operations that convert)"
            ) from None
        self.bind(out, dst)


def _bindings(name: str, function: Any) -> list[Any]:
    """The deltanet modules that bind ``function`` under ``name`` (it is imported by name)."""
    return [m for key, m in sys.modules.items() if key.startswith("deltanet.") and vars(m).get(name) is function]


@contextmanager
def tracing(model: nn.Module, tracer: Tracer) -> Iterator[None]:
    original_apply = Function.__dict__["apply"]

    def apply(cls: type, *inputs: Any, **options: Any) -> Any:
        out = original_apply.__func__(cls, *inputs, **options)
        # A Function of constants alone (a parameter reshaped) is a constant of the graph.
        if not tracer.inside and tracer.depends(inputs, options):
            tracer.function(cls, inputs, options, out)
        return out

    original_bool_leaf = compare._bool_leaf

    def bool_leaf(ufunc: Any, *operands: Any) -> Tensor:
        result = original_bool_leaf(ufunc, *operands)
        recorders.comparison(tracer, ufunc, operands, result)
        return result

    original_to_dtype = conversions.to_dtype

    def to_dtype(t: Tensor, dtype: np.dtype, copy: bool = False) -> Tensor:
        result = original_to_dtype(t, dtype, copy)
        recorders.cast(tracer, t, result)
        return result

    original_count = reductions._count

    def count(shape: tuple, axes: Any) -> int:
        n = original_count(shape, axes)
        tracer.mean = (tuple(shape), axes, n)
        return n

    original_bounded = elementwise._bounded

    def bounded(x: Tensor, bound: Tensor, beyond: np.ndarray, upper: bool) -> Tensor:
        if tracer.inside or not tracer.depends((x, bound), {}):
            return original_bounded(x, bound, beyond, upper)
        with tracer.hidden():
            out = original_bounded(x, bound, beyond, upper)
        recorders_whole.bounded(tracer, x, bound, upper, out)
        return out

    original_ceil_pool = pooling._max_pool_ceil_or_integer

    def ceil_pool(x: Any, kernel_size: Any, stride: Any, padding: Any, dims: int, ceil_mode: Any) -> Tensor:
        if tracer.inside or not tracer.depends((x,), {}) or ceil_mode is not True or x.dtype.kind != "f":
            return original_ceil_pool(x, kernel_size, stride, padding, dims, ceil_mode)
        with tracer.hidden():
            out = original_ceil_pool(x, kernel_size, stride, padding, dims, ceil_mode)
        args = pooling._pool_args(x, kernel_size, stride, padding, dims, f"max_pool{dims}d", True)
        recorders_whole.ceil_max_pool(tracer, x, args, out)
        return out

    resampling = sys.modules["deltanet.functional.upsample"]  # the module (its name is also a function's)
    original_interpolate = resampling.interpolate

    interpolate_signature = inspect.signature(original_interpolate)

    def interpolate(*args: Any, **kwargs: Any) -> Any:
        bound = interpolate_signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        x = given["input"]
        resized = given["mode"] in ("linear", "bilinear", "trilinear", "bicubic")
        if tracer.inside or not resized or not isinstance(x, Tensor) or not tracer.depends((x,), {}):
            return original_interpolate(*args, **kwargs)
        with tracer.hidden():
            out = original_interpolate(*args, **kwargs)
        recorders_whole.resize(tracer, x, given["size"], given["scale_factor"], given, out)
        return out

    original_lp_pool = lp_pooling._lp_pool

    def lp_pool(x: Any, norm_type: Any, kernel_size: Any, stride: Any, ceil_mode: Any, dims: int) -> Tensor:
        if tracer.inside or not isinstance(x, Tensor) or not tracer.depends((x,), {}):
            return original_lp_pool(x, norm_type, kernel_size, stride, ceil_mode, dims)
        with tracer.hidden():
            out = original_lp_pool(x, norm_type, kernel_size, stride, ceil_mode, dims)
        recorders_whole.lp_pool(tracer, x, norm_type, kernel_size, stride, ceil_mode, dims, out)
        return out

    original_arg = reductions._arg

    def arg(input: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, owner: str) -> Tensor:
        out = original_arg(input, dim, keepdim, axis, keepdims, owner)
        if not tracer.inside and isinstance(input, Tensor) and tracer.depends((input,), {}):
            d, keep = reductions._dims(dim, axis, keepdim, keepdims, owner)
            recorders_whole.arg_extreme(tracer, input, d, keep, owner, out)
        return out

    original_masked_softmax = attention.masked_softmax

    def masked_softmax(scores: Tensor, fully_masked: float) -> Tensor:
        if tracer.inside or not tracer.depends((scores,), {}):
            return original_masked_softmax(scores, fully_masked)
        with tracer.hidden():
            out = original_masked_softmax(scores, fully_masked)
        recorders_whole.masked_softmax(tracer, scores, fully_masked, out)
        return out

    original_rows = normalization._normalize_rows

    def normalize_rows(x: Tensor, rows: int, eps: float, per_sample: Any, **stats: Any) -> Tensor:
        if tracer.inside or not tracer.depends((x,), {}) or x.size == 0:
            return original_rows(x, rows, eps, per_sample, **stats)
        with tracer.hidden():
            out = original_rows(x, rows, eps, per_sample, **stats)
        recorders.normalized_rows(tracer, x, rows, eps, per_sample, stats, out)
        return out

    original_inplace = inplace._apply

    def in_place(t: Tensor, others: tuple, owner: str, fast: Any, compute: Any) -> Tensor:
        # out += x on a traced tensor (not a view): the out-of-place result, recorded as the
        # Functions of compute, is written into t, which takes the result's value name.
        if tracer.inside or id(t) not in tracer.names or t._base is not None:
            return original_inplace(t, others, owner, fast, compute)
        result = compute(t)
        inplace._write(t, result.array, owner)
        inplace._edited(t)
        tracer.bind(t, tracer.name_of(result, f"{owner}.result"))
        return t

    # Patched while tracing, restored in the finally below: (holder, name, replacement). Functions
    # that other modules import by name are replaced in every module that binds them.
    patches: list[tuple[Any, str, Any]] = [
        (Function, "apply", classmethod(apply)),
        (inplace, "_apply", in_place),
        (reductions, "_count", count),
        (elementwise, "_bounded", bounded),
        (reductions, "_arg", arg),
        (pooling, "_max_pool_ceil_or_integer", ceil_pool),
        (lp_pooling, "_lp_pool", lp_pool),
        *((m, "interpolate", interpolate) for m in _bindings("interpolate", original_interpolate)),
        *((m, "masked_softmax", masked_softmax) for m in _bindings("masked_softmax", original_masked_softmax)),
        (compare, "_bool_leaf", bool_leaf),
        (normalization, "_normalize_rows", normalize_rows),
        *((m, "to_dtype", to_dtype) for m in _bindings("to_dtype", original_to_dtype)),
    ]
    originals = [(holder, name, vars(holder)[name]) for holder, name, _ in patches]
    modules = list(model.modules())
    try:
        for m in modules:
            tracer.wrap(m)
        for holder, name, replacement in patches:
            setattr(holder, name, replacement)
        yield
    finally:
        for holder, name, original in originals:
            setattr(holder, name, original)
        for m in modules:
            m.__dict__.pop("forward", None)
