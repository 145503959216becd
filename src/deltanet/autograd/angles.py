r"""Angles and lengths, with PyTorch's names: ``atan2`` (``arctan2``), the angle of the vector
$(x, y)$ in all four quadrants (the orientation of an image gradient); ``hypot``, its length
$\sqrt{x^2 + y^2}$ without overflow; ``deg2rad`` and ``rad2deg``; and the normalised ``sinc``,
$\sin(\pi x) / (\pi x)$ (1 at 0), the ideal low-pass filter's kernel; and ``angle``, a real number's
argument as a complex number (0 or $\pi$).

Each is a ``Function`` (or a product with a constant) with PyTorch's derivative:

$$
\frac{\partial}{\partial y} \operatorname{atan2}(y, x) = \frac{x}{x^2 + y^2}, \quad
\frac{\partial}{\partial x} \operatorname{atan2}(y, x) = \frac{-y}{x^2 + y^2}, \quad
\frac{\partial}{\partial x} \sqrt{x^2 + y^2} = \frac{x}{\sqrt{x^2 + y^2}}, \quad
\frac{d}{dx} \operatorname{sinc} x = \frac{\cos(\pi x) - \operatorname{sinc} x}{x}
$$
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd.binary import pair, refuse_integers
from deltanet.autograd.elementwise import _floating
from deltanet.autograd.function import Function
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.tensor import Tensor


class Atan2(Function):
    r"""$z = \operatorname{atan2}(y, x)$ in $[-\pi, \pi]$; $\partial z / \partial y = x / (x^2 + y^2)$,
    $\partial z / \partial x = -y / (x^2 + y^2)$ (NaN at the origin, as PyTorch's)."""

    def forward(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(y, x)
        return np.arctan2(y, x)

    def backward(self, delta: np.ndarray) -> tuple:
        y, x = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            r = 1 / (y * y + x * x)
            r[np.isinf(r)] = 0  # at the origin the angle has no derivative: 0, as PyTorch gives
            gy = unbroadcast(delta * x * r, y.shape) if self.needs_input_grad[0] else None
            gx = unbroadcast(delta * -y * r, x.shape) if self.needs_input_grad[1] else None
        return gy, gx


class Hypot(Function):
    r"""$z = \sqrt{x^2 + y^2}$ (NumPy's ``hypot``: no overflow of the squares); $\partial z / \partial x
    = x / z$, $\partial z / \partial y = y / z$ (NaN at the origin, as PyTorch's)."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = np.hypot(x, y)
        self.save_for_backward(x, y, z)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        x, y, z = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            gx = unbroadcast(delta * x / z, x.shape) if self.needs_input_grad[0] else None
            gy = unbroadcast(delta * y / z, y.shape) if self.needs_input_grad[1] else None
        return gx, gy


class Sinc(Function):
    r"""$a = \sin(\pi x) / (\pi x)$, 1 at $x = 0$; $da / dx = (\pi x \cos(\pi x) - \sin(\pi x)) / (\pi x^2)$,
    0 at $x = 0$, as PyTorch's."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        pi_x = x * math.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.sin(pi_x) / pi_x
        return np.where(x == 0, 1, a).astype(a.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        pi_x = x * math.pi
        pi_x2 = x * x * math.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            g = delta * (pi_x * np.cos(pi_x) - np.sin(pi_x)) / pi_x2
        return np.where(pi_x2 == 0, 0, g).astype(g.dtype, copy=False)


class Angle(Function):
    r"""The angle of a real $x$ as a complex number: $\pi$ for $x < 0$, 0 for $x \ge 0$ (also $-0.0$),
    NaN for NaN, as PyTorch's; $dz / dx = 0$ everywhere (PyTorch's gradient of a real input)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = np.where(x < 0, math.pi, 0).astype(x.dtype, copy=False)
        return np.where(np.isnan(x), x, z)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return np.zeros_like(delta)


def angle(input: Any) -> Tensor:
    r"""The angle (argument) of each element seen as a complex number: $\pi$ for a negative number, 0
    for zero and positive ones, NaN for NaN, as PyTorch's ``angle`` of a real tensor (its gradient
    is 0). deltanet has no complex dtypes.

    Args:
        input: a real tensor (integers and bools give float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.angle(dn.tensor([-2.0, 0.0, 3.0], dtype="float64")).tolist()
        [3.141592653589793, 0.0, 0.0]
    """
    return Angle.apply(_floating(input))


def atan2(input: Any, other: Any) -> Tensor:
    r"""$\operatorname{atan2}(y, x)$, the angle of the point $(x, y)$ in $[-\pi, \pi]$, elementwise with
    broadcasting: ``input`` is $y$ and ``other`` is $x$, as in PyTorch and NumPy.

    Args:
        input: $y$, a tensor or a number.
        other: $x$, a tensor or a number (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.atan2(dn.tensor([1.0, -1.0], dtype="float64"), dn.tensor([-1.0, -1.0], dtype="float64")).tolist()
        [2.356194490192345, -2.356194490192345]
    """
    return Atan2.apply(*pair(input, other))


arctan2 = atan2  # PyTorch's alias (``torch.arctan2``, ``x.arctan2``)


def hypot(input: Any, other: Any) -> Tensor:
    r"""$\sqrt{x^2 + y^2}$, elementwise with broadcasting, without overflow of the squares: the
    magnitude of an image gradient.

    Args:
        input: $x$, a floating-point tensor.
        other: $y$, a floating-point tensor or a number.

    Raises:
        TypeError: integer tensors (PyTorch has no integer ``hypot`` either).

    Examples:
        >>> import deltanet as dn
        >>> dn.hypot(dn.tensor([3.0, 1e30]), dn.tensor([4.0, 1e30])).tolist()
        [5.0, 1.4142135130433894e+30]
    """
    x, y = pair(input, other, real=False)
    refuse_integers(x, "hypot")
    return Hypot.apply(x, y)


def sinc(input: Any) -> Tensor:
    r"""The normalised sinc, $\sin(\pi x) / (\pi x)$, elementwise, 1 at $x = 0$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.sinc(dn.tensor([0.0, 0.5, 1.0], dtype="float64")).tolist()
        [1.0, 0.6366197723675814, 3.8981718325193755e-17]
    """
    return Sinc.apply(_floating(input))


def deg2rad(input: Any) -> Tensor:
    r"""Degrees to radians, $x \pi / 180$, elementwise.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.deg2rad(dn.tensor([180.0, -90.0], dtype="float64")).tolist()
        [3.141592653589793, -1.5707963267948966]
    """
    return _floating(input) * (math.pi / 180)


def rad2deg(input: Any) -> Tensor:
    r"""Radians to degrees, $x \cdot 180 / \pi$, elementwise.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.rad2deg(dn.tensor([3.141592653589793 / 2], dtype="float64")).tolist()
        [90.0]
    """
    return _floating(input) * (180 / math.pi)


__all__ = ["Angle", "Atan2", "Hypot", "Sinc", "angle", "arctan2", "atan2", "deg2rad", "hypot", "rad2deg", "sinc"]
