"""Comparisons and logic, elementwise, giving bool tensors without history: ``== != < <= > >=``
(and ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``), ``& | ^ ~``, ``logical_and/or/not/xor``,
``any``, ``all``, ``isnan``, ``isfinite``, ``isinf``, and the Python-bool answers ``allclose`` and
``equal``.

As in PyTorch, ``a == b`` compares values, so ``(pred == y).float().mean()`` is an accuracy, while a
tensor's hash stays its identity (tensors are dictionary keys, e.g. the optimizers' state).
The same trap as in PyTorch follows: ``p in list_of_tensors`` compares values once identity fails,
and raises for tensors of several elements; compare identities (``any(p is q for q in ...)``).
"""

from __future__ import annotations

import builtins
import functools
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd.conversions import promote, wrap_integer
from deltanet.autograd.dims import pick_dim, pick_keepdim
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf

_COMPARABLE = (Tensor, np.ndarray, np.generic, int, float, builtins.bool, list, tuple)


def _values(other: Any) -> Any:
    return other.array if isinstance(other, Tensor) else other


def _bool_leaf(ufunc: Any, *operands: Any) -> Tensor:
    """``ufunc`` of the operands' values, as a tensor without history (the ONNX export records
    these calls: ``deltanet.onnx.recorders``)."""
    return leaf(np.asarray(ufunc(*map(_values, operands))))


def _compare(ufunc: Any, x: Tensor, other: Any) -> Any:
    if not isinstance(other, _COMPARABLE):
        return NotImplemented  # x == None is False, as for any two unrelated objects
    if isinstance(other, Tensor):
        if other.array.dtype != x.array.dtype:  # PyTorch compares in the promoted dtype: uint8 < a 0-d int64 is uint8
            x, other = promote(x, other)
    elif (type(other) is int or isinstance(other, np.integer)) and x.array.dtype.kind in "iu":
        other = wrap_integer(int(other), x.array.dtype)  # PyTorch casts the number: uint8 == -1 is uint8 == 255
    elif type(other) is float and x.array.dtype.kind in "biu":
        # PyTorch compares an integer tensor with a float in the default float dtype (16777217 == 16777216.0
        # in float32); NumPy would compare exactly in float64
        return _bool_leaf(ufunc, x.array.astype(backend.DEFAULT_DTYPE), other)
    return _bool_leaf(ufunc, x, other)


def __eq__(self: Tensor, other: Any) -> Any:
    return _compare(np.equal, self, other)


def __ne__(self: Tensor, other: Any) -> Any:
    return _compare(np.not_equal, self, other)


def __lt__(self: Tensor, other: Any) -> Any:
    return _compare(np.less, self, other)


def __le__(self: Tensor, other: Any) -> Any:
    return _compare(np.less_equal, self, other)


def __gt__(self: Tensor, other: Any) -> Any:
    return _compare(np.greater, self, other)


def __ge__(self: Tensor, other: Any) -> Any:
    return _compare(np.greater_equal, self, other)


def _bitwise(ufunc: Any, symbol: str, *operands: Any) -> Tensor:
    if len(operands) == 2 and isinstance(operands[0], Tensor) and isinstance(operands[1], Tensor):
        if operands[0].array.dtype != operands[1].array.dtype:  # PyTorch's promotion: int32 & a 0-d int64 is int32
            operands = tuple(promote(*operands))
    try:
        return _bool_leaf(ufunc, *operands)
    except TypeError:  # NumPy's "ufunc 'bitwise_and' not supported for the input types"
        dtypes = ", ".join(str(np.asarray(_values(o)).dtype) for o in operands)
        raise TypeError(f"{symbol} needs integer or bool tensors, got {dtypes} (as in PyTorch)") from None


def __and__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_and, "&", self, other)


def __or__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_or, "|", self, other)


def __xor__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_xor, "^", self, other)


def __rand__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_and, "&", other, self)


def __ror__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_or, "|", other, self)


def __rxor__(self: Tensor, other: Any) -> Tensor:
    return _bitwise(np.bitwise_xor, "^", other, self)


def __invert__(self: Tensor) -> Tensor:
    return _bitwise(np.invert, "~", self)


def _function(ufunc: Any, name: str, symbol: str, other: int, result: list[bool]) -> Any:
    """The function ``name(input, other)``, ``input symbol other`` elementwise; its docstring's
    example compares ``[1, 2]`` with ``other``, giving ``result``."""

    def compare(input: Tensor, other: Any) -> Tensor:
        result = _compare(ufunc, _tensor(input), other)
        if result is NotImplemented:
            raise TypeError(f"{name}: cannot compare a tensor with a {type(other).__name__}")
        return result

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"""Elementwise ``input {symbol} other``, a bool tensor.

    Args:
        input: a tensor.
        other: a tensor (broadcast) or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.{name}(dn.tensor([1, 2]), {other}).tolist()
        {result}
    """
    return compare


eq = _function(np.equal, "eq", "==", 2, [False, True])
ne = _function(np.not_equal, "ne", "!=", 2, [True, False])
lt = _function(np.less, "lt", "<", 2, [True, False])
le = _function(np.less_equal, "le", "<=", 2, [True, True])
gt = _function(np.greater, "gt", ">", 1, [False, True])
ge = _function(np.greater_equal, "ge", ">=", 2, [False, True])


def logical_and(input: Tensor, other: Any) -> Tensor:
    """Elementwise "both nonzero", a bool tensor.

    Args:
        input: a tensor.
        other: a tensor (broadcast) or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.logical_and(dn.tensor([True, False]), dn.tensor([True, True])).tolist()
        [True, False]
    """
    return _bool_leaf(np.logical_and, input, other)


def logical_or(input: Tensor, other: Any) -> Tensor:
    """Elementwise "either nonzero", a bool tensor.

    Args:
        input: a tensor.
        other: a tensor (broadcast) or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.logical_or(dn.tensor([True, False]), dn.tensor([False, False])).tolist()
        [True, False]
    """
    return _bool_leaf(np.logical_or, input, other)


def logical_xor(input: Tensor, other: Any) -> Tensor:
    """Elementwise "exactly one nonzero", a bool tensor.

    Args:
        input: a tensor.
        other: a tensor (broadcast) or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.logical_xor(dn.tensor([True, False]), dn.tensor([True, True])).tolist()
        [False, True]
    """
    return _bool_leaf(np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise "is zero", a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.logical_not(dn.tensor([True, False])).tolist()
        [False, True]
    """
    return _bool_leaf(np.logical_not, input)


def any(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Whether any element is nonzero (along ``dim``, or over all), a bool tensor.

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[0, 1], [0, 0]]).any(dim=1).tolist()
        [True, False]
    """
    axes, keep = pick_dim(dim, axis, "any"), pick_keepdim(keepdim, keepdims, "any")
    return _bool_leaf(functools.partial(np.any, axis=axes, keepdims=keep), input)


def all(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Whether every element is nonzero (along ``dim``, or over all), a bool tensor.

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[1, 1], [0, 1]]).all(dim=1).tolist()
        [True, False]
    """
    axes, keep = pick_dim(dim, axis, "all"), pick_keepdim(keepdim, keepdims, "all")
    return _bool_leaf(functools.partial(np.all, axis=axes, keepdims=keep), input)


def isnan(input: Tensor) -> Tensor:
    """Where the values are NaN, a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.isnan(dn.tensor([1.0, float("nan")])).tolist()
        [False, True]
    """
    return _bool_leaf(np.isnan, input)


def isinf(input: Tensor) -> Tensor:
    """Where the values are infinite (either sign), a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.isinf(dn.tensor([1.0, float("-inf")])).tolist()
        [False, True]
    """
    return _bool_leaf(np.isinf, input)


def isfinite(input: Tensor) -> Tensor:
    """Where the values are finite (not NaN, not infinite), a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.isfinite(dn.tensor([1.0, float("inf")])).tolist()
        [True, False]
    """
    return _bool_leaf(np.isfinite, input)


def allclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    r"""Whether $|x - y| \le \text{atol} + \text{rtol} \cdot |y|$ everywhere (broadcast), a Python bool.

    Args:
        input: a tensor.
        other: a tensor, an array or a number.
        rtol: the relative tolerance.
        atol: the absolute tolerance.
        equal_nan: whether NaN equals NaN.

    Examples:
        >>> import deltanet as dn
        >>> dn.allclose(dn.tensor([1.0, 2.0]), dn.tensor([1.0, 2.0 + 1e-9]))
        True
    """
    return builtins.bool(np.allclose(_values(input), _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    r"""Where $|x - y| \le \text{atol} + \text{rtol} \cdot |y|$ (broadcast), a bool tensor.

    Args:
        input: a tensor.
        other: a tensor, an array or a number.
        rtol: the relative tolerance.
        atol: the absolute tolerance.
        equal_nan: whether NaN equals NaN.

    Examples:
        >>> import deltanet as dn
        >>> dn.isclose(dn.tensor([1.0, 2.0]), dn.tensor([1.0, 2.1])).tolist()
        [True, False]
    """
    return leaf(np.asarray(np.isclose(_values(input), _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan)))


def equal(input: Tensor, other: Any) -> bool:
    """Whether the two have the same shape and the same values, a Python bool.

    Args:
        input: a tensor.
        other: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.equal(dn.tensor([1, 2]), dn.tensor([1, 2])), dn.equal(dn.tensor([1]), dn.tensor([1, 1]))
        (True, False)
    """
    a, b = np.asarray(_values(input)), np.asarray(_values(other))
    return a.shape == b.shape and builtins.bool((a == b).all())
