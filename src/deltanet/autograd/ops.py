r"""The primitive operations that ``Tensor``'s operators rest on, one ``Function`` each.

Every ``backward`` receives $\delta = \partial L / \partial z$ for the output $z$ and returns
$\partial L / \partial x$ for each input $x$. Binary ops broadcast like NumPy, so their gradients
are summed back to each input's shape (``unbroadcast``). Activation derivatives are written from
the forward output $a$, as the seeds write them: $\sigma'(z) = a(1 - a)$,
$\tanh'(z) = 1 - a^2$, $\mathrm{relu}'(z) = [a > 0]$.

A backward never writes into ``delta``: the engine may hand the same array to several inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``.

    The gradient rule of broadcasting: an input that was repeated along an axis receives the
    sum of the deltas of all its copies.

    Args:
        grad: the gradient with respect to the broadcast result.
        shape: the shape of the input before broadcasting.

    Returns:
        An array of shape ``shape`` (``grad`` itself when the shapes already match).

    Shape:
        - grad: the broadcast shape, e.g. $(N, C)$.
        - output: ``shape``, e.g. $(1, C)$ or $(C,)$.

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd import unbroadcast
        >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
        [4.0, 4.0, 4.0]
        >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
        (4, 1)
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


# -- elementwise ---------------------------------------------------------------------------------
class Add(Function):
    """z = x + y."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.shapes = x.shape, y.shape
        return x + y

    def backward(self, delta: np.ndarray) -> tuple:
        sx, sy = self.shapes
        gx = unbroadcast(delta, sx) if self.needs_input_grad[0] else None
        gy = unbroadcast(delta, sy) if self.needs_input_grad[1] else None
        return gx, gy


class Neg(Function):
    """z = -x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return -delta


class Mul(Function):
    """z = x * y."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x, y)
        return x * y

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        gx = unbroadcast(delta * y, x.shape) if self.needs_input_grad[0] else None
        gy = unbroadcast(delta * x, y.shape) if self.needs_input_grad[1] else None
        return gx, gy


class Pow(Function):
    r"""$z = x^p$ for a constant exponent $p$; $\partial z / \partial x = p \, x^{p-1}$."""

    def forward(self, x: np.ndarray, exponent: float) -> np.ndarray:
        self.save_for_backward(x)
        self.exponent = exponent
        return x**exponent

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        p = self.exponent
        return delta * (p * x ** (p - 1))


class Exp(Function):
    r"""$a = e^x$; $\partial a / \partial x = a$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        a = np.exp(x)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * a


class Log(Function):
    r"""$a = \ln x$; $\partial a / \partial x = 1/x$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta / x


class Tanh(Function):
    r"""$a = \tanh z$; $\partial a / \partial z = 1 - a^2$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = np.tanh(z)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * (1 - a * a)


class Sigmoid(Function):
    r"""$a = 1 / (1 + e^{-z})$; $\partial a / \partial z = a (1 - a)$.

    Computed as $1/(1 + e^{-z})$ with $e^{-z}$ capped below its overflow point, so that it is finite
    at $z = \pm 10^4$ and keeps full relative precision for very negative $z$.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = stable_sigmoid(z)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * (a * (1 - a))


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function $1/(1 + e^{-z})$ without overflow (see ``Sigmoid``)."""
    # Into a new array (not np.negative(z), which gives a NumPy scalar for a 0-d z).
    a = np.negative(z, out=np.empty(z.shape, z.dtype if z.dtype.kind == "f" else np.float64))
    # e^-z overflows past -z = 88 (float32) or 709 (float64); capping -z a little below those
    # changes only outputs that are already below the smallest normal number.
    np.minimum(a, _EXP_CAP[a.dtype.char], out=a)
    np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


_EXP_CAP = {"f": 80.0, "d": 700.0}


class ReLU(Function):
    r"""$a = \max(0, z)$; $\partial a / \partial z = 1$ where $a > 0$, else 0."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = np.maximum(z, 0)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * (a > 0)


# -- linear algebra ------------------------------------------------------------------------------
class MatMul(Function):
    """z = x @ y with NumPy's matmul rules (1-D operands, batched stacks that broadcast)."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x, y)
        return x @ y

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        # Promote 1-D operands as matmul does, so one rule covers every case.
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        d = delta
        if y.ndim == 1:
            d = d[..., None]
        if x.ndim == 1:
            d = d[..., None, :]
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = unbroadcast(d @ np.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape)
        if self.needs_input_grad[1]:
            gy = unbroadcast(np.swapaxes(x2, -1, -2) @ d, y2.shape).reshape(y.shape)
        return gx, gy


# -- reductions ----------------------------------------------------------------------------------
def _expand(grad: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back the reduced axes, so it broadcasts against the input."""
    if axis is None:
        return grad.reshape((1,) * len(shape))
    if keepdims:
        return grad
    axes = axis if isinstance(axis, tuple) else (axis,)
    return np.expand_dims(grad, tuple(a % len(shape) for a in axes))


class Sum(Function):
    r"""$z = \sum x$ over ``axis`` (all axes when None)."""

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = _expand(delta, self.shape, self.axis, self.keepdims)
        return np.broadcast_to(g, self.shape).copy()


class Max(Function):
    r"""$z = \max x$ over ``axis``; ties share the gradient equally (as ``torch.amax``)."""

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        if x.size == 0:
            if axis is None:
                raise ValueError(f"max() of an empty tensor of shape {x.shape} has no value")
            axes = axis if isinstance(axis, tuple) else (axis,)
            if any(-x.ndim <= a < x.ndim and x.shape[a] == 0 for a in axes):
                raise ValueError(f"max() over an empty axis has no value (tensor of shape {x.shape}, axis {axis})")
        z = np.asarray(x.max(axis=axis, keepdims=keepdims))
        self.save_for_backward(x, z)
        self.axis, self.keepdims = axis, keepdims
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, z = self.saved_tensors
        z = _expand(z, x.shape, self.axis, self.keepdims)
        mask = x == z
        count = mask.sum(axis=self.axis, keepdims=True, dtype=delta.dtype)  # float32 stays float32
        return mask * (_expand(delta, x.shape, self.axis, self.keepdims) / count)


# -- shape ---------------------------------------------------------------------------------------
class Reshape(Function):
    """z = x viewed with another shape."""

    def forward(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) to {shape}") from None

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return delta.reshape(self.shape)


class Transpose(Function):
    """z = x with its axes permuted (reversed when ``axes`` is None)."""

    def forward(self, x: np.ndarray, axes: Any = None) -> np.ndarray:
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        if self.axes is None:
            return np.transpose(delta)
        return np.transpose(delta, np.argsort(self.axes))


class GetItem(Function):
    """z = x[index]; the gradient is scattered back, adding where an index repeats."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, delta: np.ndarray) -> np.ndarray:
        grad = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic_index(self.index):
            grad[self.index] = delta  # slices select each element at most once
        else:
            np.add.at(grad, self.index, delta)
        return grad


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class Cat(Function):
    """z = the inputs joined along an existing ``axis``."""

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        self.axis = axis
        self.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, delta: np.ndarray) -> tuple:
        parts = np.split(delta, self.splits, axis=self.axis)
        return tuple(p if need else None for p, need in zip(parts, self.needs_input_grad))


class Stack(Function):
    """z = the inputs stacked along a new ``axis``."""

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        self.axis = axis
        return np.stack(xs, axis=axis)

    def backward(self, delta: np.ndarray) -> tuple:
        parts = np.moveaxis(delta, self.axis, 0)
        return tuple(p if need else None for p, need in zip(parts, self.needs_input_grad))


def _as_tensors(tensors: Any, name: str) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}() needs at least one tensor, got an empty sequence")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def cat(tensors: Any, axis: int = 0) -> Tensor:
    r"""Join tensors along an existing axis (``dim`` in PyTorch).

    The backward pass splits $\delta$ back into the pieces that each input contributed.

    Args:
        tensors: a non-empty sequence of tensors (or arrays) of equal rank, with equal sizes on
            every axis but ``axis``.
        axis: the axis to join along; negative values count from the end.

    Returns:
        A tensor whose size along ``axis`` is the sum of the inputs' sizes.

    Raises:
        ValueError: the sequence is empty, the ranks or the other sizes differ, or ``axis`` is
            out of range.

    Shape:
        - inputs: $(n_1, d)$, $(n_2, d)$, ... (for ``axis=0``).
        - output: $(n_1 + n_2 + \dots, d)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.cat([dn.tensor([[1.0, 2.0]]), dn.tensor([[3.0, 4.0]])], axis=0).shape
        (2, 2)
    """
    ts = _as_tensors(tensors, "cat")
    ndim = ts[0].ndim
    for t in ts:
        if t.ndim != ndim:
            raise ValueError(f"cat() needs tensors of equal rank, got shapes {[x.shape for x in ts]}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"cat() axis {axis} is out of range for tensors of rank {ndim}")
    axis %= ndim
    for t in ts:
        if t.shape[:axis] + t.shape[axis + 1 :] != ts[0].shape[:axis] + ts[0].shape[axis + 1 :]:
            raise ValueError(
                f"cat() along axis {axis} needs equal sizes on the other axes, got shapes {[x.shape for x in ts]}"
            )
    return Cat.apply(*ts, axis=axis)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    r"""Stack tensors of equal shape along a new axis.

    The backward pass hands each input its slice of $\delta$ along the new axis.

    Args:
        tensors: a non-empty sequence of tensors (or arrays) of the same shape.
        axis: the position of the new axis in the output, from 0 to the inputs' rank;
            negative values count from the end.

    Returns:
        A tensor with one more axis, of size ``len(tensors)``.

    Raises:
        ValueError: the sequence is empty, the shapes differ, or ``axis`` is out of range.

    Shape:
        - inputs: $(d_1, \dots, d_k)$ each, $n$ of them.
        - output: $(n, d_1, \dots, d_k)$ for ``axis=0``.

    Examples:
        >>> import deltanet as dn
        >>> dn.stack([dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])], axis=1).shape
        (2, 2)
    """
    ts = _as_tensors(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError(f"stack() needs tensors of equal shape, got {[t.shape for t in ts]}")
    if not -(ts[0].ndim + 1) <= axis <= ts[0].ndim:
        raise ValueError(f"stack() axis {axis} is out of range for tensors of rank {ts[0].ndim}")
    return Stack.apply(*ts, axis=axis % (ts[0].ndim + 1))
