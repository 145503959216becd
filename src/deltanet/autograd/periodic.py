r"""Periodic coordinates, with PyTorch's names: ``fmod``, C's remainder (the sign of the dividend:
``fmod(-7, 3) == -1``, where Python's ``%`` and ``remainder`` give 2), and ``frac``, the fractional
part $x - \operatorname{trunc}(x)$ (the sign of $x$).

Both are ``Function``s with PyTorch's derivatives: 1 with respect to the dividend (and to $x$), and
$-\operatorname{trunc}(x / y)$ with respect to the divisor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.binary import pair, refuse_integers
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.ops import _check_integer_divisor, unbroadcast
from deltanet.autograd.tensor import Tensor


class Fmod(Function):
    r"""$z = x - y \operatorname{trunc}(x / y)$ elementwise (broadcast), C's ``fmod``: the sign of $x$.

    $\partial z / \partial x = 1$ and $\partial z / \partial y = -\operatorname{trunc}(x / y)$, as PyTorch's.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        _check_integer_divisor(x, y, "fmod")
        self.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # float fmod(x, 0) is NaN, as in PyTorch
            return np.fmod(x, y)

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        gx = unbroadcast(delta, x.shape) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = unbroadcast(-delta * np.trunc(x / y), y.shape)
        return gx, gy


class Frac(Function):
    r"""$a = x - \operatorname{trunc}(x)$; $\partial a / \partial x = 1$, as PyTorch's."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # frac(inf) = inf - inf = NaN, as in PyTorch
            return x - np.trunc(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return delta.copy()


def fmod(input: Any, other: Any) -> Tensor:
    r"""C's remainder $x - y \operatorname{trunc}(x / y)$, elementwise with broadcasting: the result has
    the sign of ``input`` (``remainder`` and ``%`` give the sign of ``other``).

    Integers stay integers (an integer divisor of 0 raises ``ZeroDivisionError``, as in PyTorch);
    a float divisor of 0 gives NaN.

    Args:
        input: the dividend, a tensor.
        other: the divisor, a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.fmod(dn.tensor([-7, 7]), 3).tolist()
        [-1, 1]
        >>> dn.remainder(dn.tensor([-7, 7]), 3).tolist()
        [2, 1]
    """
    return Fmod.apply(*pair(input, other, real=False))


def frac(input: Any) -> Tensor:
    r"""The fractional part $x - \operatorname{trunc}(x)$, elementwise, with the sign of $x$.

    Args:
        input: a floating-point tensor.

    Raises:
        TypeError: an integer tensor (PyTorch has no integer ``frac`` either).

    Examples:
        >>> import deltanet as dn
        >>> dn.frac(dn.tensor([-1.5, 2.25])).tolist()
        [-0.5, 0.25]
    """
    x = _tensor(input)
    refuse_integers(x, "frac")
    return Frac.apply(x)


__all__ = ["Fmod", "Frac", "fmod", "frac"]
