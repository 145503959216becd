r"""The logarithms and exponentials PyTorch has beside ``log`` and ``exp``: ``log1p``
($\ln(1 + x)$) and ``expm1`` ($e^x - 1$), exact where $x$ is near 0 and ``log(1 + x)`` or
``exp(x) - 1`` would lose every digit to rounding, and ``log2`` and ``log10``.

Each is a ``Function`` with its derivative, as ``ops.Log`` and ``ops.Exp``:

$$
\frac{d}{dx} \ln(1 + x) = \frac{1}{1 + x}, \quad \frac{d}{dx} (e^x - 1) = e^x = a + 1, \quad
\frac{d}{dx} \log_2 x = \frac{1}{x \ln 2}, \quad \frac{d}{dx} \log_{10} x = \frac{1}{x \ln 10}
$$
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd.elementwise import _floating
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


class Log1p(Function):
    r"""$a = \ln(1 + x)$; $\partial a / \partial x = 1 / (1 + x)$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) = -inf, silently as PyTorch
            return np.log1p(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta / (1 + x)


class Expm1(Function):
    r"""$a = e^x - 1$; $\partial a / \partial x = e^x = a + 1$ (from the output, as ``Exp``)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        a = np.expm1(x)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * (a + 1)


class LogBase(Function):
    r"""$a = \log_B x = \ln x / \ln B$ for $B$ = 2 or 10; $\partial a / \partial x = 1 / (x \ln B)$."""

    def forward(self, x: np.ndarray, *, base: int) -> np.ndarray:
        self.save_for_backward(x)
        self.ln_base = math.log(base)  # a Python float: float32 stays float32
        with np.errstate(divide="ignore", invalid="ignore"):  # log2(0) = -inf, silently as PyTorch
            return np.log2(x) if base == 2 else np.log10(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta / (x * self.ln_base)


def log1p(input: Any) -> Tensor:
    r"""$\ln(1 + x)$, elementwise, exact for $x$ near 0; derivative $1/(1 + x)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.log1p(dn.tensor([1e-10], dtype="float64")).tolist()  # log(1 + 1e-10) would lose digits
        [9.999999999500001e-11]
    """
    return Log1p.apply(_floating(input))


def expm1(input: Any) -> Tensor:
    r"""$e^x - 1$, elementwise, exact for $x$ near 0; derivative $e^x$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.expm1(dn.tensor([1e-10], dtype="float64")).tolist()
        [1.00000000005e-10]
    """
    return Expm1.apply(_floating(input))


def log2(input: Any) -> Tensor:
    r"""$\log_2 x$, elementwise; derivative $1/(x \ln 2)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.log2(dn.tensor([1.0, 8.0])).tolist()
        [0.0, 3.0]
    """
    return LogBase.apply(_floating(input), base=2)


def log10(input: Any) -> Tensor:
    r"""$\log_{10} x$, elementwise; derivative $1/(x \ln 10)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.log10(dn.tensor([1.0, 1000.0], dtype="float64")).tolist()
        [0.0, 3.0]
    """
    return LogBase.apply(_floating(input), base=10)


__all__ = ["Expm1", "Log1p", "LogBase", "expm1", "log1p", "log10", "log2"]
