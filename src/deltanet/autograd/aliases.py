r"""PyTorch's other names for elementwise ops, and the few small ops that go with them:
``absolute``, ``negative``, ``positive``, ``multiply``, ``subtract``, ``divide``, ``fix``, ``sgn``,
``rsub`` ($\text{other} - \alpha \cdot \text{input}$), ``ldexp`` ($x \cdot 2^y$), ``isposinf``,
``isneginf``, and ``fmax`` / ``fmin``, the maximum and minimum that ignore NaN.

``fmax`` and ``fmin`` are one ``Function`` with PyTorch's gradient: the whole $\delta$ goes to the
input that was chosen ($x$ where $x \ge y$ or $y$ is NaN, for ``fmax``), none is split on a tie,
unlike ``maximum``'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.binary import pair
from deltanet.autograd.elementwise import _floating, _tensor, abs, div, mul, neg, refuse_bool_subtraction, sub
from deltanet.autograd.function import Function
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.rounding import sign, trunc
from deltanet.autograd.tensor import Tensor, leaf
from deltanet.autograd.trigonometry import exp2


class FMax(Function):
    r"""$z = \max(x, y)$ (``largest``) or $\min(x, y)$, a NaN operand ignored (NaN only where both
    are); $\delta$ goes to $x$ where it was chosen ($x \ge y$, or $y$ NaN) and to $y$ elsewhere."""

    def forward(self, x: np.ndarray, y: np.ndarray, largest: bool) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            x_chosen = (x >= y if largest else x <= y) | np.isnan(y)
        self.x_chosen, self.shapes = x_chosen, (x.shape, y.shape)
        return np.where(x_chosen, x, y)

    def backward(self, delta: np.ndarray) -> tuple:
        sx, sy = self.shapes
        zero = np.zeros((), delta.dtype)
        gx = unbroadcast(np.where(self.x_chosen, delta, zero), sx) if self.needs_input_grad[0] else None
        gy = unbroadcast(np.where(self.x_chosen, zero, delta), sy) if self.needs_input_grad[1] else None
        return gx, gy


def fmax(input: Any, other: Any) -> Tensor:
    r"""$\max(x, y)$ elementwise with broadcasting, ignoring NaN: NaN only where both are NaN.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.fmax(dn.tensor([1.0, float("nan"), 3.0]), dn.tensor([2.0, 0.5, float("nan")])).tolist()
        [2.0, 0.5, 3.0]
    """
    return FMax.apply(*pair(input, other, real=False), largest=True)


def fmin(input: Any, other: Any) -> Tensor:
    r"""$\min(x, y)$ elementwise with broadcasting, ignoring NaN: NaN only where both are NaN.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Examples:
        >>> import deltanet as dn
        >>> dn.fmin(dn.tensor([1.0, float("nan")]), dn.tensor([2.0, 0.5])).tolist()
        [1.0, 0.5]
    """
    return FMax.apply(*pair(input, other, real=False), largest=False)


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    r"""$\text{other} - \alpha \cdot \text{input}$, elementwise with broadcasting (``sub`` reversed).

    Args:
        input: a tensor.
        other: a tensor or a number.
        alpha: the factor of ``input``.

    Examples:
        >>> import deltanet as dn
        >>> dn.rsub(dn.tensor([1.0, 2.0]), 5, alpha=2).tolist()
        [3.0, 1.0]
    """
    refuse_bool_subtraction(_tensor(input), other)
    x, y = pair(input, other, real=False)
    return sub(y, x, alpha=alpha)


def ldexp(input: Any, other: Any) -> Tensor:
    r"""$x \cdot 2^y$, elementwise with broadcasting (integers are computed in float32, as PyTorch).

    Args:
        input: $x$, a tensor.
        other: $y$, a tensor (usually of integer exponents).

    Examples:
        >>> import deltanet as dn
        >>> dn.ldexp(dn.tensor([1.0, 3.0]), dn.tensor([2, -1])).tolist()
        [4.0, 1.5]
    """
    return mul(_floating(input), exp2(_tensor(other)))


def isposinf(input: Any) -> Tensor:
    r"""Whether each element is $+\infty$, a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.isposinf(dn.tensor([float("inf"), -float("inf"), 1.0])).tolist()
        [True, False, False]
    """
    return leaf(np.asarray(np.isposinf(_tensor(input).array)))


def isneginf(input: Any) -> Tensor:
    r"""Whether each element is $-\infty$, a bool tensor.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.isneginf(dn.tensor([float("inf"), -float("inf"), 1.0])).tolist()
        [False, True, False]
    """
    return leaf(np.asarray(np.isneginf(_tensor(input).array)))


def positive(input: Any) -> Tensor:
    r"""$+x$: the tensor itself, as PyTorch's ``torch.positive``.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.positive(dn.tensor([-1.0])).tolist()
        [-1.0]
    """
    return _tensor(input)


absolute = abs  # PyTorch's aliases
negative = neg
multiply = mul
subtract = sub
divide = div
fix = trunc
sgn = sign  # for real tensors; as sign, NaN stays NaN (PyTorch's sign and sgn give 0)

__all__ = [
    "FMax", "absolute", "divide", "fix", "fmax", "fmin", "isneginf", "isposinf", "ldexp", "multiply", "negative",
    "positive", "rsub", "sgn", "subtract",
]  # fmt: skip
