"""``Tensor``: an array, the gradient of the loss with respect to it, and the function that made it.

A tensor is a leaf when it was created by the user (data, parameters) and an interior node when
a recorded ``Function`` produced it (``_ctx``). Operators and methods below each call one
primitive in ``deltanet.autograd.ops``; derived ones (``a - b``, ``a / b``, ``mean``) are
written in terms of primitives and need no gradient rule of their own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from deltanet import backend

if TYPE_CHECKING:
    from deltanet.autograd.function import Function


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``.data`` holds the array, ``.grad`` the gradient of the loss with respect to it (a ``Tensor``
    of the same shape and dtype, as in PyTorch) once ``backward()`` has run, and each operator
    (``+``, ``*``, ``@``, ``sum``, ...) records the primitive that made its result, so that
    ``backward()`` can walk back through them.

    Args:
        data: array-like; Python floats become float32, NumPy float arrays keep their dtype.
        requires_grad: whether backward() should compute ``.grad`` for this tensor.
        dtype: optional dtype to convert ``data`` to.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("data", "_grad", "requires_grad", "_ctx", "__weakref__")
    data: np.ndarray
    _grad: Tensor | None  # read and set through the ``grad`` property
    requires_grad: bool
    _ctx: Function | None  # the function that made this tensor (None for a leaf or without grad)
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__, not ndarray.__add__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise ValueError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self._grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    # -- array facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``data``."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    @property
    def grad(self) -> Tensor | None:
        """The gradient that ``backward()`` accumulated here: a ``Tensor`` of this tensor's shape and
        dtype, or None before any backward pass (and after ``zero_grad``).

        Assigning None forgets it; assigning a ``Tensor`` of the same shape and dtype keeps that
        tensor, as PyTorch does; assigning an array-like wraps it in a new ``Tensor`` converted to
        this tensor's dtype (so code that set ``p.grad = numpy_array`` keeps working).
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        if isinstance(value, Tensor):
            if value.data.dtype != self.data.dtype:
                raise ValueError(
                    f"grad must have this tensor's dtype {self.data.dtype}, got a tensor of dtype {value.data.dtype}"
                )
            grad = value
        else:
            grad = Tensor(np.asarray(value, dtype=self.data.dtype))
        if grad.data.shape != self.data.shape:
            raise ValueError(f"grad must have this tensor's shape {self.data.shape}, got shape {grad.data.shape}")
        self._grad = grad

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded function made this tensor (data, parameters)."""
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        return (
            f"tensor({body}{grad})"
            if self.data.dtype == backend.DEFAULT_DTYPE
            else (f"tensor({body}, dtype={self.data.dtype}{grad})")
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy meets a Tensor: ``array + t`` is a recorded Tensor operation (``t.__radd__``);
        ``array -= t`` writes into the array (as ``p.data -= lr * p.grad`` in PyTorch);
        any other ufunc (``np.exp(t)``, ``np.isfinite(t)``) computes on ``t.data`` and gives an array."""
        if kwargs.get("out") is not None:
            if any(isinstance(o, Tensor) for o in kwargs["out"]):
                return NotImplemented  # a Tensor is written through its own in-place methods
        elif method == "__call__" and len(inputs) == 2 and not kwargs and inputs[1] is self:
            reflected = _REFLECTED.get(ufunc)
            if reflected is not None and not isinstance(inputs[0], Tensor):
                return getattr(self, reflected)(inputs[0])
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self, *index: Any) -> float:
        """The value of a one-element tensor (or of the element at ``index``) as a Python number."""
        return self.data.item(*index)

    def tolist(self) -> Any:
        """The values as nested Python lists of Python numbers (a number for a 0-d tensor)."""
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return Tensor(self.data)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires one."""
        engine.backward(self, grad, retain_graph)

    # -- operators ---------------------------------------------------------------------------
    def _lift(self, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            return other
        # Scalars take a float tensor's dtype, so float32 stays float32 (x * 0.5 is float32);
        # with an integer tensor they keep their own (an int64 tensor * 0.5 is not 0).
        if self.data.dtype.kind == "f":
            return Tensor(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, self._lift(other))

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(self._lift(other), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __sub__(self, other: Any) -> Tensor:
        return self + (-self._lift(other))

    def __rsub__(self, other: Any) -> Tensor:
        return self._lift(other) + (-self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, self._lift(other))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self._lift(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._lift(other) * self**-1

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, Tensor):
            return (exponent * self.log()).exp()  # a**b = exp(b log a), for a > 0
        return ops.Pow.apply(self, exponent=float(exponent))

    def __rpow__(self, base: Any) -> Tensor:
        return self._lift(base) ** self

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, self._lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self._lift(other), self)

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return ops.GetItem.apply(self, index=index)

    # -- methods -----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The sum over ``axis`` (every axis when None), as ``numpy.sum``."""
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis`` (every axis when None): the sum times 1/count."""
        axes = range(self.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        count = 1
        for a in axes:
            count *= self.shape[a]
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count if count else float("nan"))

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The maximum over ``axis``; tied maxima share the gradient equally."""
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def exp(self) -> Tensor:
        r"""$e^x$, elementwise."""
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        r"""$\ln x$, elementwise."""
        return ops.Log.apply(self)

    def tanh(self) -> Tensor:
        r"""$\tanh x$, elementwise."""
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        r"""The logistic function $\sigma(x) = 1 / (1 + e^{-x})$, elementwise."""
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        r"""$\max(0, x)$, elementwise."""
        return ops.ReLU.apply(self)

    def reshape(self, *shape: Any) -> Tensor:
        """The same values with another shape: ``t.reshape(2, 3)`` or ``t.reshape((2, -1))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def flatten(self, start_dim: int = 0) -> Tensor:
        """Merge the axes from ``start_dim`` on into one."""
        # The size in full: -1 cannot be inferred when an axis before start_dim is empty.
        return self.reshape(self.shape[:start_dim] + (math.prod(self.shape[start_dim:]),))

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them when none are given); two axes of a tensor that is not 2-D
        are swapped, as in PyTorch."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2 and self.ndim != 2:  # transpose(i, j): swap two axes, as in PyTorch
            perm = list(range(self.ndim))
            perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
            axes = tuple(perm)
        return ops.Transpose.apply(self, axes=axes or None)

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return ops.Transpose.apply(self, axes=None)


# ``array OP tensor``: the tensor's reflected operator, so that the result is a recorded Tensor.
_REFLECTED = {
    np.add: "__radd__",
    np.subtract: "__rsub__",
    np.multiply: "__rmul__",
    np.true_divide: "__rtruediv__",
    np.power: "__rpow__",
    np.matmul: "__rmatmul__",
}


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a leaf tensor (see ``Tensor``).

    Args:
        data: array-like; Python floats become float32, NumPy float arrays keep their dtype,
            integers stay integers.
        requires_grad: whether ``backward()`` should compute ``.grad`` for it (floats only).
        dtype: optional dtype to convert ``data`` to (float32, float64 or an integer type).

    Returns:
        A new ``Tensor`` with no history.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[1, 2], [3, 4]]).dtype
        dtype('int64')
        >>> dn.tensor([0.5]).dtype
        dtype('float32')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# Imported last: ops and engine build on Tensor.
from deltanet.autograd import engine, ops  # noqa: E402
