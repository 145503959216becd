r"""Piecewise-constant elementwise functions with PyTorch's names: ``floor``, ``ceil``, ``round``,
``trunc`` and ``sign``, and two powers written as such, ``rsqrt`` ($x^{-1/2}$) and ``reciprocal``
($x^{-1}$).

The piecewise-constant ones have a zero gradient, as in PyTorch (the derivative almost
everywhere): a model that learns through them learns nothing from them, without an error, as in
PyTorch. Integer tensors keep their dtype (NumPy's ``floor`` would make float64 of them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks, backend
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


class Rounded(Function):
    r"""$z = \text{op}(x)$ for a piecewise-constant ``op`` (floor, ceil, round, trunc, sign).

    $\partial z / \partial x = 0$, as in PyTorch.
    """

    def forward(self, x: np.ndarray, op: str, decimals: int = 0) -> np.ndarray:
        if op == "sign":
            return backend.sign(x)  # 0 for NaN, as PyTorch
        if x.dtype.kind != "f" and not (op == "round" and decimals < 0 and x.dtype.kind in "iu"):
            return x.copy()  # an integer is its own floor, ceiling and rounding (to decimals >= 0)
        if op == "round":
            return np.round(x, decimals)
        return getattr(np, op)(x)

    def backward(self, delta: np.ndarray) -> tuple:
        return (np.zeros_like(delta),)


def floor(input: Any) -> Tensor:
    r"""$\lfloor x \rfloor$, elementwise; zero gradient.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.floor(dn.tensor([1.5, -1.5])).tolist()
        [1.0, -2.0]
    """
    return Rounded.apply(_tensor(input), op="floor")


def ceil(input: Any) -> Tensor:
    r"""$\lceil x \rceil$, elementwise; zero gradient.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.ceil(dn.tensor([1.5, -1.5])).tolist()
        [2.0, -1.0]
    """
    return Rounded.apply(_tensor(input), op="ceil")


def trunc(input: Any) -> Tensor:
    r"""$x$ rounded toward zero, elementwise; zero gradient.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.trunc(dn.tensor([1.5, -1.5])).tolist()
        [1.0, -1.0]
    """
    return Rounded.apply(_tensor(input), op="trunc")


def round(input: Any, *, decimals: Any = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    r"""$x$ rounded to ``decimals`` places, halves to even (as PyTorch and NumPy); zero gradient.

    Args:
        input: a tensor.
        decimals: the number of decimal places (negative: tens, hundreds, ...).

    Raises:
        ValueError: ``decimals`` is not an integer.

    Examples:
        >>> import deltanet as dn
        >>> dn.round(dn.tensor([0.5, 1.5, 2.5])).tolist(), dn.round(dn.tensor([1.2345]), decimals=2).item()
        ([0.0, 2.0, 2.0], 1.2300000190734863)
    """
    return Rounded.apply(_tensor(input), op="round", decimals=_checks.integer(decimals, "decimals", "round"))


def sign(input: Any) -> Tensor:
    r"""$\operatorname{sign}(x) \in \{-1, 0, 1\}$, elementwise; zero gradient. NaN gives 0 (PyTorch's
    value; NumPy gives NaN), and a boolean tensor is its own sign.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.sign(dn.tensor([-2.0, 0.0, 3.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    return Rounded.apply(_tensor(input), op="sign")


def rsqrt(input: Any) -> Tensor:
    r"""$x^{-1/2}$, elementwise (integers give the default float dtype, float32 unless changed).

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.rsqrt(dn.tensor([4.0, 16.0])).tolist()
        [0.5, 0.25]
    """
    x = _tensor(input)
    # 1 / sqrt(x), not x ** -0.5: sqrt(-0.0) is -0.0, so rsqrt(-0.0) is -inf, as PyTorch's
    return 1 / (x if x.array.dtype.kind == "f" else to_dtype(x, backend.DEFAULT_DTYPE)).sqrt()


def reciprocal(input: Any) -> Tensor:
    r"""$1 / x$, elementwise (integers give the default float dtype, float32 unless changed).

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.reciprocal(dn.tensor([2.0, 4.0])).tolist()
        [0.5, 0.25]
    """
    x = _tensor(input)
    return (x if x.array.dtype.kind == "f" else to_dtype(x, backend.DEFAULT_DTYPE)) ** -1
