r"""Signs, with PyTorch's names: ``copysign`` ($|x|$ with the sign of $y$, also of $-0.0$),
``signbit`` (True for negative numbers and $-0.0$) and ``heaviside`` (the step function, with a
chosen value at 0).

``copysign`` is a ``Function`` with PyTorch's derivative: $\operatorname{copysign}(x, y) / x$ with
respect to $x$ (0 where $x = 0$) and 0 with respect to $y$. ``heaviside`` has no derivative, as in
PyTorch: backward through it raises. ``signbit`` gives a bool tensor without history.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.binary import pair
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.tensor import Tensor, leaf


class Copysign(Function):
    r"""$z = |x| \operatorname{sign}(y)$ (the sign bit of $y$, so $-0.0$ counts as negative);
    $\partial z / \partial x = z / x$ (0 where $x = 0$), $\partial z / \partial y = 0$, as PyTorch's."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = np.copysign(x, y)
        self.save_for_backward(x, z)
        self.y_shape = y.shape
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        x, z = self.saved_tensors
        gx = gy = None
        if self.needs_input_grad[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(x == 0, 0, z / x).astype(z.dtype, copy=False)
            gx = unbroadcast(delta * ratio, x.shape)
        if self.needs_input_grad[1]:
            gy = np.zeros(self.y_shape, delta.dtype)
        return gx, gy


class Heaviside(Function):
    r"""$z = 0$ where $x < 0$, ``values`` where $x = 0$, 1 where $x > 0$ (and 0 where $x$ is NaN), as
    PyTorch's. Like PyTorch's, it has no derivative: backward through it raises."""

    def forward(self, x: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(x == 0, values, x > 0).astype(np.result_type(x, values), copy=False)

    def backward(self, delta: np.ndarray) -> tuple:
        raise RuntimeError(
            "the derivative for heaviside is not implemented, as in PyTorch: the step is piecewise "
            "constant; use a smooth step (e.g. sigmoid(k * x)) where a gradient is needed"
        )


def copysign(input: Any, other: Any) -> Tensor:
    r"""$|x|$ with the sign of $y$, elementwise with broadcasting: $-0.0$ gives a negative sign.

    Args:
        input: $x$, a tensor or a number.
        other: $y$, a tensor or a number (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.copysign(dn.tensor([1.0, 2.0, 3.0]), dn.tensor([-1.0, -0.0, 0.0])).tolist()
        [-1.0, -2.0, 3.0]
    """
    return Copysign.apply(*pair(input, other))


def signbit(input: Any) -> Tensor:
    r"""Whether the sign bit of each element is set: True for negative numbers and for $-0.0$
    (which ``x < 0`` misses), a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.signbit(dn.tensor([-1.0, -0.0, 0.0, 2.0])).tolist()
        [True, True, False, False]
    """
    return leaf(np.asarray(np.signbit(_tensor(input).array)))


def heaviside(input: Any, values: Any) -> Tensor:
    r"""The step function, elementwise with broadcasting: 0 where $x < 0$, 1 where $x > 0$ and
    ``values`` where $x = 0$.

    Not differentiable, as in PyTorch (backward through it raises).

    Args:
        input: a tensor.
        values: a tensor of ``input``'s dtype, the values at 0 (broadcast).

    Raises:
        TypeError: ``values`` is not a tensor (PyTorch requires one).
        ValueError: ``values`` has another dtype than ``input`` (PyTorch refuses it too).

    Examples:
        >>> import deltanet as dn
        >>> dn.heaviside(dn.tensor([-1.5, 0.0, 2.0]), dn.tensor(0.5)).tolist()
        [0.0, 0.5, 1.0]
    """
    x = _tensor(input)
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside: values must be a tensor, got {type(values).__name__} (e.g. dn.tensor(0.5))")
    if values.array.dtype != x.array.dtype:
        raise ValueError(
            f"heaviside: values must have the input's dtype {x.dtype}, got {values.dtype} (as PyTorch requires); "
            f"convert one of them, e.g. values.to(input.dtype)"
        )
    return Heaviside.apply(x, values)


__all__ = ["Copysign", "Heaviside", "copysign", "heaviside", "signbit"]
