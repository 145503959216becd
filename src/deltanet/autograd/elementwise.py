r"""Elementwise math and matrix products on tensors, with PyTorch's names: the functions behind
``+ - * / ** @`` and ``dn.exp``, ``dn.sqrt``, ``dn.clamp``, ``dn.where``, ``dn.matmul``, ...

Each calls one primitive of ``ops.py`` or is written in terms of them (``a - b`` is
$a + (-b)$), so none needs a gradient rule of its own. ``a / b`` has its own primitive
(``ops.Div``): one rounding, as PyTorch's, where $a \cdot b^{-1}$ would round twice.

Python numbers meet a tensor as PyTorch's do: a float tensor keeps its dtype (``x * 0.5`` is
float32 for a float32 ``x``), an integer tensor stays integer with an integer and becomes float32
with a float, and true division of integers gives float32. Two tensors of different dtypes meet
by PyTorch's promotion (``conversions.result_dtype``), not NumPy's: a float32 tensor times an
int64 one is float32 (NumPy would give float64), and a 0-d tensor does not widen a tensor with
axes of its own category (``x * dn.tensor(2.0, dtype=dn.float64)`` stays float32).

A NumPy array (not a NumPy scalar) meets a tensor by NumPy's promotion, because that is what
PyTorch does: its ``tensor + array`` hands the operation to NumPy (the tensor's operator declines
the array), so a float32 tensor plus an int64 or float64 array, even a 0-d one, is float64.
NumPy scalars (``np.float64(2.0)``) count as Python numbers, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import ops
from deltanet.autograd.conversions import check_number_fits, promote, to_dtype, wrap_integer
from deltanet.autograd.factories import as_tensor
from deltanet.autograd.tensor import Tensor, leaf

# -- operands ------------------------------------------------------------------------------------


def operands(x: Tensor, other: Any) -> tuple[Tensor, Tensor]:
    """``x`` and ``other`` as two tensors that combine with PyTorch's dtypes (see the module docstring)."""
    if isinstance(other, Tensor):
        if other.array.dtype != x.array.dtype:
            x, other = promote(x, other)
        return x, other
    if isinstance(other, np.ndarray) and other.dtype.kind in "biuf":
        dtype = np.result_type(x.array.dtype, other.dtype)  # NumPy's rule, as PyTorch's tensor OP array
        return to_dtype(x, dtype), leaf(np.array(other, dtype=dtype))
    kind = x.array.dtype.kind
    if kind == "f":
        if not isinstance(other, _NUMERIC):
            raise TypeError(f"a tensor cannot be combined with a {type(other).__name__} ({other!r})")
        return x, leaf(np.asarray(other, dtype=x.array.dtype))
    if isinstance(other, (bool, np.bool_)):
        return x, leaf(np.asarray(other, dtype=x.array.dtype if kind != "b" else np.bool_))
    if isinstance(other, (int, np.integer)):
        if kind == "b":
            x = to_dtype(x, backend.INDEX_DTYPE)
        try:
            return x, leaf(np.asarray(other, dtype=x.array.dtype))
        except OverflowError:  # PyTorch wraps the number into the dtype: uint8 + 300 adds 44
            return x, leaf(wrap_integer(int(other), x.array.dtype))
    if isinstance(other, (float, np.floating)):
        return to_dtype(x, backend.DEFAULT_DTYPE), leaf(np.asarray(other, dtype=backend.DEFAULT_DTYPE))
    if not isinstance(other, _ARRAY_LIKE):
        raise TypeError(f"a tensor cannot be combined with a {type(other).__name__} ({other!r})")
    return x, as_tensor(other)


_ARRAY_LIKE = (np.ndarray, np.generic, list, tuple)
_NUMERIC = (float, int, np.ndarray, np.generic, list, tuple)  # concrete types: isinstance stays fast


def _floats(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """True division: two integer (or bool) operands become float32 first, as in PyTorch; an integer
    operand beside a float one takes the float one's dtype (PyTorch's promotion, ``conversions.result_dtype``),
    so that ``b ** -1`` is never taken on integers."""
    x_float, y_float = x.array.dtype.kind == "f", y.array.dtype.kind == "f"
    if not x_float and not y_float:
        return to_dtype(x, backend.DEFAULT_DTYPE), to_dtype(y, backend.DEFAULT_DTYPE)
    if x_float and y_float:
        return x, y
    return (x, to_dtype(y, x.array.dtype)) if x_float else (to_dtype(x, y.array.dtype), y)


def _floating(x: Any) -> Tensor:
    """``x`` as a tensor for a function with real values (exp, sqrt, sigmoid, ...): an integer or
    bool tensor becomes float32 first, as in PyTorch (NumPy would compute in float64)."""
    x = _tensor(x)
    return x if x.array.dtype.kind == "f" else to_dtype(x, backend.DEFAULT_DTYPE)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def refuse_bool_subtraction(x: Tensor, other: Any) -> None:
    """PyTorch refuses ``-`` with a bool operand (tensor or Python bool): a mask is inverted with
    ``~`` and two are compared with ``^``. NumPy would compute ``1 - True`` as 0."""
    bools = (x.array.dtype.kind == "b") + (
        other.array.dtype.kind == "b" if isinstance(other, Tensor) else isinstance(other, (bool, np.bool_))
    )
    if bools == 2:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if bools:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _negated(x: Tensor) -> Tensor:
    """-x, refused for a bool tensor with PyTorch's message (NumPy's names NumPy)."""
    if x.array.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return ops.Neg.apply(x)


# -- operators (installed on Tensor) -------------------------------------------------------------
def __add__(self: Tensor, other: Any) -> Tensor:
    return ops.Add.apply(*operands(self, other))


def __radd__(self: Tensor, other: Any) -> Tensor:
    x, y = operands(self, other)
    return ops.Add.apply(y, x)


def __neg__(self: Tensor) -> Tensor:
    return _negated(self)


def __pos__(self: Tensor) -> Tensor:
    return self


def __sub__(self: Tensor, other: Any) -> Tensor:
    if self.array.dtype.kind == "b" or isinstance(other, (bool, np.bool_, Tensor)):
        refuse_bool_subtraction(self, other)
    x, y = operands(self, other)
    return ops.Add.apply(x, ops.Neg.apply(y))


def __rsub__(self: Tensor, other: Any) -> Tensor:
    refuse_bool_subtraction(self, other)
    x, y = operands(self, other)
    return ops.Add.apply(y, ops.Neg.apply(x))


def __mul__(self: Tensor, other: Any) -> Tensor:
    return ops.Mul.apply(*operands(self, other))


def __rmul__(self: Tensor, other: Any) -> Tensor:
    x, y = operands(self, other)
    return ops.Mul.apply(y, x)


def __truediv__(self: Tensor, other: Any) -> Tensor:
    x, y = _floats(*_array_division(*operands(self, other), other))
    return ops.Div.apply(x, y)


def __rtruediv__(self: Tensor, other: Any) -> Tensor:
    x, y = _floats(*_array_division(*operands(self, other), other))
    return ops.Div.apply(y, x)


def _array_division(x: Tensor, y: Tensor, other: Any) -> tuple[Tensor, Tensor]:
    """Integers divided with a NumPy array give NumPy's float64 (PyTorch hands ``tensor / array`` to NumPy)."""
    if isinstance(other, np.ndarray) and x.array.dtype.kind in "biu" and y.array.dtype.kind in "biu":
        return to_dtype(x, backend.float64), to_dtype(y, backend.float64)
    return x, y


def __pow__(self: Tensor, exponent: Any) -> Tensor:
    return pow(self, exponent)


def __rpow__(self: Tensor, base: Any) -> Tensor:
    x, b = operands(self, base)
    return ops.PowTensor.apply(b, x)


def __matmul__(self: Tensor, other: Any) -> Tensor:
    _check_same_dtype("matmul", self, other)
    return ops.MatMul.apply(*operands(self, other))


def __rmatmul__(self: Tensor, other: Any) -> Tensor:
    _check_same_dtype("matmul", other, self)
    x, y = operands(self, other)
    return ops.MatMul.apply(y, x)


def __floordiv__(self: Tensor, other: Any) -> Tensor:
    return ops.FloorDivide.apply(*operands(self, other))


def __rfloordiv__(self: Tensor, other: Any) -> Tensor:
    x, y = operands(self, other)
    return ops.FloorDivide.apply(y, x)


def __mod__(self: Tensor, other: Any) -> Tensor:
    return ops.Remainder.apply(*operands(self, other))


def __rmod__(self: Tensor, other: Any) -> Tensor:
    x, y = operands(self, other)
    return ops.Remainder.apply(y, x)


def __abs__(self: Tensor) -> Tensor:
    return ops.Abs.apply(self)


# -- arithmetic functions ------------------------------------------------------------------------
def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    r"""$\text{input} + \alpha \cdot \text{other}$, elementwise with broadcasting.

    Args:
        input: a tensor.
        other: a tensor or a number.
        alpha: the factor of ``other``.

    Examples:
        >>> import deltanet as dn
        >>> dn.add(dn.tensor([1.0, 2.0]), dn.tensor([10.0, 20.0]), alpha=0.5).tolist()
        [6.0, 12.0]
    """
    x, y = operands(_tensor(input), other)
    return ops.Add.apply(x, y if alpha == 1 else _times_alpha(y, alpha, x, "add"))


def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    r"""$\text{input} - \alpha \cdot \text{other}$, elementwise with broadcasting.

    Args:
        input: a tensor.
        other: a tensor or a number.
        alpha: the factor of ``other``.

    Examples:
        >>> import deltanet as dn
        >>> dn.sub(dn.tensor([1.0, 2.0]), 1.0).tolist()
        [0.0, 1.0]
    """
    refuse_bool_subtraction(_tensor(input), other)
    x, y = operands(_tensor(input), other)
    return ops.Add.apply(x, ops.Neg.apply(y if alpha == 1 else _times_alpha(y, alpha, x, "sub")))


def _times_alpha(y: Tensor, alpha: Any, x: Tensor, owner: str) -> Tensor:
    """``y * alpha``, where ``alpha`` must fit the result's dtype, as PyTorch checks it (an int16
    sum with ``alpha=40000`` raises instead of wrapping)."""
    check_number_fits(alpha, np.result_type(x.array.dtype, y.array.dtype), f"{owner}: alpha")
    return y * alpha


def mul(input: Tensor, other: Any) -> Tensor:
    r"""$\text{input} \cdot \text{other}$, elementwise with broadcasting.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.mul(dn.tensor([1.0, 2.0]), 3).tolist()
        [3.0, 6.0]
    """
    return __mul__(_tensor(input), other)


def div(input: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    r"""$\text{input} / \text{other}$, elementwise with broadcasting (true division: integers give
    float32), or rounded: down with ``rounding_mode="floor"``, toward zero with ``"trunc"``.

    Rounded results keep integer dtypes and have a zero gradient, as in PyTorch.

    Args:
        input: a tensor.
        other: a tensor or a number.
        rounding_mode: None (true division), ``"floor"`` or ``"trunc"``.

    Raises:
        ValueError: an unknown ``rounding_mode``.

    Examples:
        >>> import deltanet as dn
        >>> dn.div(dn.tensor([1, 2]), 2).tolist()
        [0.5, 1.0]
        >>> dn.div(dn.tensor([5, -7]), 2, rounding_mode="trunc").tolist()
        [2, -3]
    """
    if rounding_mode is None:
        return __truediv__(_tensor(input), other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    return ops.RoundedDivide.apply(*operands(_tensor(input), other), mode=rounding_mode)


def true_divide(input: Tensor, other: Any) -> Tensor:
    r"""$\text{input} / \text{other}$, true division (PyTorch's older name of ``div``): integers give float32.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.true_divide(dn.tensor([5, 6]), 4).tolist()
        [1.25, 1.5]
    """
    return __truediv__(_tensor(input), other)


def floor_divide(input: Any, other: Any) -> Tensor:
    r"""$\lfloor \text{input} / \text{other} \rfloor$, elementwise with broadcasting (Python's ``//``).

    Integers stay integers (division by an integer zero raises ``ZeroDivisionError``, as in
    PyTorch); there is no gradient: backward through it raises, as in PyTorch.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.floor_divide(dn.tensor([7, -7]), 2).tolist()
        [3, -4]
    """
    return __floordiv__(_tensor(input), other)


def remainder(input: Any, other: Any) -> Tensor:
    r"""$\text{input} - \text{other} \lfloor \text{input} / \text{other} \rfloor$, elementwise with
    broadcasting (Python's ``%``: the result has the sign of ``other``).

    Differentiable: 1 with respect to ``input``, $-\lfloor \text{input} / \text{other} \rfloor$ with
    respect to ``other``, as in PyTorch.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.remainder(dn.tensor([7, -7]), 3).tolist()
        [1, 2]
    """
    return __mod__(_tensor(input), other)


def neg(input: Tensor) -> Tensor:
    r"""$-x$, elementwise.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.neg(dn.tensor([1.0, -2.0])).tolist()
        [-1.0, 2.0]
    """
    return _negated(_tensor(input))


def pow(input: Tensor, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    r"""$x^y$, elementwise: ``exponent`` is a number or a tensor (broadcast).

    Negative bases give exact powers for integer-valued exponents (NaN for others, as in
    PyTorch). Gradients are PyTorch's: $y x^{y-1}$ (0 where $y = 0$) for the base and
    $x^y \ln x$ (0 where $x = 0$ and $y \ge 0$) for a tensor exponent.

    Args:
        input: the base, a tensor.
        exponent: a number or a tensor.

    Raises:
        ValueError: ``exponent`` is neither a number nor a tensor.

    Examples:
        >>> import deltanet as dn
        >>> (dn.tensor([-2.0, 3.0]) ** dn.tensor([2.0, 2.0])).tolist()
        [4.0, 9.0]
    """
    x = _tensor(input)
    if isinstance(exponent, Tensor) or isinstance(exponent, np.ndarray):
        x, y = operands(x, exponent)
        return ops.PowTensor.apply(x, y)
    if not isinstance(exponent, (int, float, np.integer, np.floating)):
        raise ValueError(f"pow: exponent must be a number or a tensor, got {exponent!r}")
    if x.array.dtype.kind != "f" and not isinstance(exponent, (int, np.integer)):
        x = to_dtype(x, backend.DEFAULT_DTYPE)  # an integer tensor to a float power: float32
    return ops.Pow.apply(x, exponent=exponent)


# -- elementwise functions -----------------------------------------------------------------------
def exp(input: Tensor) -> Tensor:
    r"""$e^x$, elementwise; its derivative is the output itself.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.exp(dn.tensor([0.0])).tolist()
        [1.0]
    """
    return ops.Exp.apply(_floating(input))


def log(input: Tensor) -> Tensor:
    r"""$\ln x$, elementwise; derivative $1/x$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.log(dn.tensor([1.0])).tolist()
        [0.0]
    """
    return ops.Log.apply(_floating(input))


def sin(input: Tensor) -> Tensor:
    r"""$\sin x$, elementwise; derivative $\cos x$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.sin(dn.tensor([0.0])).tolist()
        [0.0]
    """
    return ops.Sin.apply(_floating(input))


def cos(input: Tensor) -> Tensor:
    r"""$\cos x$, elementwise; derivative $-\sin x$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.cos(dn.tensor([0.0])).tolist()
        [1.0]
    """
    return ops.Cos.apply(_floating(input))


def tanh(input: Tensor) -> Tensor:
    r"""$\tanh x$, elementwise; derivative $1 - a^2$ from the output $a$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.tanh(dn.tensor([0.0])).tolist()
        [0.0]
    """
    return ops.Tanh.apply(_floating(input))


def sigmoid(input: Tensor) -> Tensor:
    r"""The logistic function $\sigma(x) = 1 / (1 + e^{-x})$, elementwise; derivative $a(1 - a)$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.sigmoid(dn.tensor([0.0])).tolist()
        [0.5]
    """
    return ops.Sigmoid.apply(_floating(input))


def relu(input: Tensor) -> Tensor:
    r"""$\max(0, x)$, elementwise; derivative $[a > 0]$.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.relu(dn.tensor([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    return ops.ReLU.apply(_tensor(input))


def sqrt(input: Tensor) -> Tensor:
    r"""$\sqrt{x}$, elementwise; derivative $1 / (2 \sqrt{x})$, infinite at 0 as in PyTorch.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.sqrt(dn.tensor([4.0])).tolist()
        [2.0]
    """
    return ops.Sqrt.apply(_floating(input))


def abs(input: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    r"""$|x|$, elementwise; derivative $\operatorname{sign} x$ (0 at 0, as in PyTorch).

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.abs(dn.tensor([-1.5, 2.0])).tolist()
        [1.5, 2.0]
    """
    return ops.Abs.apply(_tensor(input))


def square(input: Tensor) -> Tensor:
    r"""$x^2$, elementwise.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.square(dn.tensor([-3.0])).tolist()
        [9.0]
    """
    return ops.Pow.apply(_tensor(input), exponent=2)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    r"""$\min(\max(x, \text{min}), \text{max})$, elementwise: values limited to $[\text{min}, \text{max}]$.

    The gradient is 1 inside the range, bounds included, and 0 outside (PyTorch's rule). Bounds
    may be numbers or tensors (broadcast), and one of them may be None.

    Args:
        input: a tensor.
        min: the lower bound, or None.
        max: the upper bound, or None.

    Raises:
        ValueError: both bounds are None.

    Examples:
        >>> import deltanet as dn
        >>> dn.clamp(dn.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0).tolist()
        [0.0, 0.5, 1.0]
    """
    x = _tensor(input)
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both (both are None)")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            low = operands(x, min)[1]
            out = _bounded(out, low, out.array < low.array)
        if max is not None:
            high = operands(x, max)[1]
            out = _bounded(out, high, out.array > high.array)
        return out
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, (int, float, np.integer, np.floating)):
            raise ValueError(f"clamp: {name} must be a number, a tensor or None, got {bound!r}")
    if x.array.dtype.kind != "f" and any(isinstance(b, (float, np.floating)) for b in (min, max)):
        x = to_dtype(x, backend.DEFAULT_DTYPE)  # PyTorch: an integer tensor with a float bound is float32
    if x.array.dtype.kind in "iu":  # PyTorch casts an integer bound into the dtype: -1 in uint8 is 255
        min, max = (_integer_bound(b, x.array.dtype) for b in (min, max))
    return ops.Clamp.apply(x, low=min, high=max)


def _integer_bound(bound: Any, dtype: np.dtype) -> Any:
    if bound is None or isinstance(bound, (bool, np.bool_)):
        return bound
    check_number_fits(bound, dtype, "clamp")
    return wrap_integer(int(bound), dtype)[()]


def _bounded(x: Tensor, bound: Tensor, beyond: np.ndarray) -> Tensor:
    """``bound`` where ``x`` is ``beyond`` it, else ``x``; NaN where either is NaN, as PyTorch's
    ``max(x, min)`` and ``min(x, max)``. The gradient follows PyTorch's clamp: to ``bound`` where
    ``x`` is beyond it, to ``x`` where it is within (a tie included), to neither at a NaN."""
    nan = (bound.array != bound.array) | (x.array != x.array)
    stopped = where(bound.array != bound.array, bound, x).detach()  # the NaN, without a gradient
    return where(beyond, bound, where(~nan, x, stopped))


clip = clamp  # PyTorch's alias (``torch.clip``, ``x.clip``)


def maximum(input: Tensor, other: Any) -> Tensor:
    r"""$\max(x, y)$, elementwise with broadcasting; on a tie each input gets half the gradient.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.maximum(dn.tensor([1.0, 5.0]), dn.tensor([3.0, 2.0])).tolist()
        [3.0, 5.0]
    """
    return ops.Maximum.apply(*operands(_tensor(input), other))


def minimum(input: Tensor, other: Any) -> Tensor:
    r"""$\min(x, y)$, elementwise with broadcasting; on a tie each input gets half the gradient.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.minimum(dn.tensor([1.0, 5.0]), dn.tensor([3.0, 2.0])).tolist()
        [1.0, 2.0]
    """
    return ops.Minimum.apply(*operands(_tensor(input), other))


_MISSING: Any = object()


def where(condition: Any, input: Any = _MISSING, other: Any = _MISSING) -> Any:
    r"""``input`` where ``condition`` holds and ``other`` elsewhere (all three broadcast); with
    ``condition`` alone, the indices where it holds (``nonzero(condition, as_tuple=True)``).

    Differentiable in ``input`` and ``other``: each receives the gradient where it was chosen.

    Args:
        condition: a bool tensor (or array).
        input: a tensor or a number, taken where ``condition`` is True.
        other: a tensor or a number, taken where it is False.

    Returns:
        A tensor; or, with ``condition`` alone, a tuple of one int64 index tensor per axis.

    Raises:
        ValueError: ``condition`` is not boolean.
        TypeError: only one of ``input`` and ``other`` is given.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([-1.0, 2.0, 3.0])
        >>> dn.where(x > 0, x, 0.0).tolist()
        [0.0, 2.0, 3.0]
        >>> dn.where(x > 0)[0].tolist()
        [1, 2]
    """
    mask = np.asarray(condition.array if isinstance(condition, Tensor) else condition)
    if mask.dtype != np.bool_:
        raise ValueError(f"where: condition must be a bool tensor, got dtype {mask.dtype}")
    if input is _MISSING and other is _MISSING:
        return nonzero(condition, as_tuple=True)
    if input is _MISSING or other is _MISSING:
        raise TypeError(
            "where: give both input and other (or neither, for the indices where condition holds), "
            f"got only {'other' if input is _MISSING else 'input'}"
        )
    if isinstance(input, Tensor):
        x, y = operands(input, other)
    elif isinstance(other, Tensor):
        y, x = operands(other, input)
    else:  # two numbers: PyTorch's scalar promotion (where(c, 1.0, 0) is float32, not float64)
        x, y = operands(as_tensor(input), other)
    return ops.Where.apply(x, y, condition=mask)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    r"""The indices of the nonzero (True) elements of ``input``, in row-major order.

    Not differentiable (indices have no gradient).

    Args:
        input: a tensor (or array).
        as_tuple: False gives one int64 tensor of shape $(n, \text{ndim})$, a row per element;
            True gives a tuple of ``ndim`` int64 tensors of length $n$, one per axis (they index
            ``input`` directly: ``x[x.nonzero(as_tuple=True)]``).

    Examples:
        >>> import deltanet as dn
        >>> m = dn.tensor([[0, 3], [5, 0]])
        >>> m.nonzero().tolist()
        [[0, 1], [1, 0]]
        >>> [t.tolist() for t in dn.nonzero(m, as_tuple=True)]
        [[0, 1], [1, 0]]
    """
    array = np.asarray(input.array if isinstance(input, Tensor) else input)
    if as_tuple:
        return tuple(leaf(index.astype(backend.INDEX_DTYPE, copy=False)) for index in np.nonzero(array))
    return leaf(np.argwhere(array).astype(backend.INDEX_DTYPE, copy=False))


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    r"""A copy of ``input`` with ``value`` where ``mask`` is True (``mask`` broadcasts to ``input``).

    Args:
        input: a tensor.
        mask: a bool tensor (or array).
        value: a number (or a one-element tensor).

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0, 3.0])
        >>> x.masked_fill(x > 1.5, 0.0).tolist()
        [1.0, 0.0, 0.0]
    """
    x = _tensor(input)
    m = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if m.dtype != np.bool_:
        raise ValueError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    if np.broadcast_shapes(m.shape, x.shape) != x.shape:
        raise ValueError(f"masked_fill: a mask of shape {m.shape} does not broadcast to the input's {x.shape}")
    check_number_fits(value, x.array.dtype, "masked_fill")
    fill = operands(x, value)[1]
    if fill.array.dtype != x.array.dtype:
        fill = to_dtype(fill, x.array.dtype)  # the filled tensor keeps its dtype, as in PyTorch
    return ops.Where.apply(fill, x, condition=m)


# -- matrix products -----------------------------------------------------------------------------
def _check_same_dtype(owner: str, x: Any, y: Any) -> None:
    """PyTorch's matrix products take two tensors of one dtype (no promotion: float32 @ float64
    raises), and none of bool."""
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x.array.dtype != y.array.dtype:
            raise RuntimeError(
                f"{owner}: expected both operands to have the same dtype, but got {x.array.dtype} and "
                f"{y.array.dtype} (PyTorch does not promote in matrix products; convert one, e.g. b.to(a.dtype))"
            )
        if x.array.dtype == np.bool_:
            raise NotImplementedError(
                f"{owner}: not implemented for bool tensors (as in PyTorch); convert to int first"
            )


def matmul(input: Tensor, other: Any) -> Tensor:
    r"""The matrix product with NumPy's (and PyTorch's) rules: 1-D operands are vectors, stacks
    of matrices broadcast.

    Args:
        input: a tensor of at least one dimension.
        other: a tensor of at least one dimension.

    Examples:
        >>> import deltanet as dn
        >>> dn.matmul(dn.ones(2, 3), dn.ones(3)).tolist()
        [3.0, 3.0]
    """
    _check_same_dtype("matmul", input, other)
    return ops.MatMul.apply(*operands(_tensor(input), other))


def mm(input: Tensor, mat2: Any) -> Tensor:
    r"""The product of two matrices, $(n, m) \times (m, p) \to (n, p)$.

    Args:
        input: a 2-D tensor.
        mat2: a 2-D tensor.

    Raises:
        ValueError: an operand is not 2-D, or the inner sizes differ.

    Examples:
        >>> import deltanet as dn
        >>> dn.mm(dn.ones(2, 3), dn.ones(3, 4)).shape
        (2, 4)
    """
    _check_same_dtype("mm", input, mat2)
    x, y = operands(_tensor(input), mat2)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]:
        raise ValueError(f"mm: expects (n, m) and (m, p) matrices, got shapes {x.shape} and {y.shape}")
    return ops.MatMul.apply(x, y)


def bmm(input: Tensor, mat2: Any) -> Tensor:
    r"""Batched matrix products, $(b, n, m) \times (b, m, p) \to (b, n, p)$.

    Args:
        input: a 3-D tensor.
        mat2: a 3-D tensor with the same batch size.

    Raises:
        ValueError: an operand is not 3-D, or the batch or inner sizes differ.

    Examples:
        >>> import deltanet as dn
        >>> dn.bmm(dn.ones(5, 2, 3), dn.ones(5, 3, 4)).shape
        (5, 2, 4)
    """
    _check_same_dtype("bmm", input, mat2)
    x, y = operands(_tensor(input), mat2)
    if x.ndim != 3 or y.ndim != 3 or x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise ValueError(f"bmm: expects (b, n, m) and (b, m, p) tensors, got shapes {x.shape} and {y.shape}")
    return ops.MatMul.apply(x, y)


def dot(input: Tensor, other: Any) -> Tensor:
    r"""The inner product $\sum_i x_i y_i$ of two vectors of equal length.

    Args:
        input: a 1-D tensor.
        other: a 1-D tensor.

    Raises:
        ValueError: an operand is not 1-D, or the lengths differ.

    Examples:
        >>> import deltanet as dn
        >>> dn.dot(dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])).item()
        11.0
    """
    _check_same_dtype("dot", input, other)
    x, y = operands(_tensor(input), other)
    if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"dot: expects two 1-D tensors of equal length, got shapes {x.shape} and {y.shape}")
    return ops.MatMul.apply(x, y)
