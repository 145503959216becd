"""The one table of ``Tensor``'s computed methods and operators, and ``install`` that sets them.

``tensor.py`` defines what a tensor is; the modules below it in this table define what can be
computed from one, and import ``Tensor``. Installing their functions here, as Chainer's
``install_variable_arithmetics`` does, keeps ``tensor.py`` free of any import of them: no cycle.
``deltanet.autograd`` calls ``install()`` once, on import; ``tests/autograd/test_namespace.py``
checks that this table and the declarations at the end of ``Tensor`` name the same methods with
the same parameters.

Most entries are the public functions themselves (``dn.sum(x, 1)`` is ``x.sum(1)``); PyTorch's
method names that would hide Python built-ins in their own module (``float``, ``int``, ``type``)
map to functions of other names.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import (
    arranging,
    compare,
    conversions,
    counting,
    elementwise,
    engine,
    factories,
    grads,
    hooks,
    inplace,
    matrices,
    reductions,
    rounding,
    scattering,
    shapes,
    sorting,
)
from deltanet.autograd.tensor import Tensor


def backward(
    self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False, inputs: Any = None
) -> None:
    r"""Compute the gradient of this tensor with respect to every leaf that requires one, adding it
    into their ``.grad``.

    Args:
        gradient: $\partial L / \partial \text{self}$, needed when this tensor has more than one element.
        retain_graph: keep the graph so that ``backward`` can go through it again.
        create_graph: must be False: deltanet cannot differentiate a gradient again.
        inputs: None, or the tensors whose ``.grad`` receives the gradient (the others keep theirs).
    """
    if create_graph or inputs is not None:
        grads.backward(self, gradient, retain_graph, create_graph, inputs)
    else:
        engine.backward(self, gradient, bool(retain_graph))


METHODS: dict[str, Any] = {
    "backward": backward,
    "register_hook": hooks.register_hook,
    "retain_grad": hooks.retain_grad,
    "retains_grad": property(hooks.retains_grad),
    # operators
    "__add__": elementwise.__add__,
    "__radd__": elementwise.__radd__,
    "__sub__": elementwise.__sub__,
    "__rsub__": elementwise.__rsub__,
    "__mul__": elementwise.__mul__,
    "__rmul__": elementwise.__rmul__,
    "__truediv__": elementwise.__truediv__,
    "__rtruediv__": elementwise.__rtruediv__,
    "__pow__": elementwise.__pow__,
    "__rpow__": elementwise.__rpow__,
    "__matmul__": elementwise.__matmul__,
    "__rmatmul__": elementwise.__rmatmul__,
    "__neg__": elementwise.__neg__,
    "__pos__": elementwise.__pos__,
    "__abs__": elementwise.__abs__,
    "__floordiv__": elementwise.__floordiv__,
    "__rfloordiv__": elementwise.__rfloordiv__,
    "__mod__": elementwise.__mod__,
    "__rmod__": elementwise.__rmod__,
    "__getitem__": shapes.__getitem__,
    "__eq__": compare.__eq__,
    "__ne__": compare.__ne__,
    "__lt__": compare.__lt__,
    "__le__": compare.__le__,
    "__gt__": compare.__gt__,
    "__ge__": compare.__ge__,
    "__and__": compare.__and__,
    "__or__": compare.__or__,
    "__xor__": compare.__xor__,
    "__invert__": compare.__invert__,
    # in-place
    "__setitem__": inplace.__setitem__,
    "__iadd__": inplace.__iadd__,
    "__isub__": inplace.__isub__,
    "__imul__": inplace.__imul__,
    "__itruediv__": inplace.__itruediv__,
    "__ipow__": inplace.__ipow__,
    "__iand__": inplace.__iand__,
    "__ior__": inplace.__ior__,
    "__ixor__": inplace.__ixor__,
    "add_": inplace.add_,
    "sub_": inplace.sub_,
    "mul_": inplace.mul_,
    "div_": inplace.div_,
    "pow_": inplace.pow_,
    "addcmul_": inplace.addcmul_,
    "addcdiv_": inplace.addcdiv_,
    "clamp_": inplace.clamp_,
    "relu_": inplace.relu_,
    "exp_": inplace.exp_,
    "log_": inplace.log_,
    "sqrt_": inplace.sqrt_,
    "sigmoid_": inplace.sigmoid_,
    "tanh_": inplace.tanh_,
    "sin_": inplace.sin_,
    "cos_": inplace.cos_,
    "abs_": inplace.abs_,
    "neg_": inplace.neg_,
    "copy_": inplace.copy_,
    "fill_": inplace.fill_,
    "zero_": inplace.zero_,
    "masked_fill_": inplace.masked_fill_,
    "index_put_": inplace.index_put_,
    "index_put": inplace.index_put,
    "scatter_": inplace.scatter_,
    "scatter_add_": inplace.scatter_add_,
    "index_add_": inplace.index_add_,
    "scatter": scattering.scatter,
    "scatter_add": scattering.scatter_add,
    "index_add": scattering.index_add,
    "uniform_": inplace.uniform_,
    "normal_": inplace.normal_,
    # elementwise
    "add": elementwise.add,
    "sub": elementwise.sub,
    "mul": elementwise.mul,
    "div": elementwise.div,
    "floor_divide": elementwise.floor_divide,
    "remainder": elementwise.remainder,
    "neg": elementwise.neg,
    "pow": elementwise.pow,
    "exp": elementwise.exp,
    "log": elementwise.log,
    "sin": elementwise.sin,
    "cos": elementwise.cos,
    "tanh": elementwise.tanh,
    "sigmoid": elementwise.sigmoid,
    "relu": elementwise.relu,
    "sqrt": elementwise.sqrt,
    "abs": elementwise.abs,
    "square": elementwise.square,
    "clamp": elementwise.clamp,
    "clip": elementwise.clamp,
    "maximum": elementwise.maximum,
    "minimum": elementwise.minimum,
    "masked_fill": elementwise.masked_fill,
    "nonzero": elementwise.nonzero,
    "matmul": elementwise.matmul,
    "mm": elementwise.mm,
    "bmm": elementwise.bmm,
    "dot": elementwise.dot,
    # comparisons
    "eq": compare.eq,
    "ne": compare.ne,
    "lt": compare.lt,
    "le": compare.le,
    "gt": compare.gt,
    "ge": compare.ge,
    "logical_and": compare.logical_and,
    "logical_or": compare.logical_or,
    "logical_xor": compare.logical_xor,
    "logical_not": compare.logical_not,
    "any": compare.any,
    "all": compare.all,
    "isnan": compare.isnan,
    "isinf": compare.isinf,
    "isfinite": compare.isfinite,
    "allclose": compare.allclose,
    "equal": compare.equal,
    # reductions
    "sum": reductions.sum,
    "mean": reductions.mean,
    "prod": reductions.prod,
    "max": reductions.max,
    "min": reductions.min,
    "amax": reductions.amax,
    "amin": reductions.amin,
    "argmax": reductions.argmax,
    "argmin": reductions.argmin,
    "var": reductions.var,
    "std": reductions.std,
    "norm": reductions.norm,
    "softmax": reductions.softmax,
    "log_softmax": reductions.log_softmax,
    "logsumexp": reductions.logsumexp,
    # ordering
    "sort": sorting.sort,
    "argsort": sorting.argsort,
    "topk": sorting.topk,
    "flip": sorting.flip_method,
    "cumsum": sorting.cumsum,
    "unique": counting.unique,
    "bincount": counting.bincount,
    "count_nonzero": counting.count_nonzero,
    # shapes
    "reshape": shapes.reshape,
    "view": shapes.view,
    "view_as": shapes.view_as,
    "flatten": shapes.flatten,
    "unsqueeze": shapes.unsqueeze,
    "squeeze": shapes.squeeze,
    "permute": shapes.permute,
    "transpose": shapes.transpose,
    "t": shapes.t,
    "T": property(shapes.T),
    "mT": property(shapes.mT),
    "floor": rounding.floor,
    "ceil": rounding.ceil,
    "round": rounding.round,
    "trunc": rounding.trunc,
    "sign": rounding.sign,
    "rsqrt": rounding.rsqrt,
    "reciprocal": rounding.reciprocal,
    "unflatten": arranging.unflatten,
    "repeat_interleave": arranging.repeat_interleave,
    "narrow": arranging.narrow,
    "swapaxes": arranging.swapaxes,
    "swapdims": arranging.swapdims,
    "roll": arranging.roll,
    "masked_select": arranging.masked_select,
    "diagonal": arranging.diagonal,
    "diag": arranging.diag,
    "trace": arranging.trace,
    "tril": matrices.tril,
    "triu": matrices.triu,
    "outer": matrices.outer,
    "mv": matrices.mv,
    "isclose": compare.isclose,
    "true_divide": elementwise.true_divide,
    "expand": shapes.expand,
    "expand_as": shapes.expand_as,
    "repeat": shapes.repeat,
    "contiguous": shapes.contiguous,
    "clone": shapes.clone,
    "chunk": shapes.chunk,
    "split": shapes.split,
    "unbind": shapes.unbind,
    "index_select": shapes.index_select,
    "gather": shapes.gather,
    # new tensors of this one's dtype
    "new_zeros": factories.new_zeros,
    "new_ones": factories.new_ones,
    "new_empty": factories.new_empty,
    "new_full": factories.new_full,
    "new_tensor": factories.new_tensor,
    # dtype and device
    "to": conversions.to,
    "float": conversions.to_float,
    "double": conversions.to_double,
    "long": conversions.to_long,
    "int": conversions.to_int,
    "bool": conversions.to_bool,
    "half": conversions.to_half,
    "type": conversions.tensor_type,
    "type_as": conversions.type_as,
    "cpu": conversions.cpu,
    "cuda": conversions.cuda,
}


def install() -> None:
    """Set every entry of ``METHODS`` on ``Tensor`` (and so on ``Parameter``)."""
    for name, method in METHODS.items():
        setattr(Tensor, name, method)
