r"""Log-odds and sums of probabilities in log space, with PyTorch's names: ``logit`` (the inverse of
the sigmoid), ``xlogy`` ($x \ln y$ with $0 \ln 0 = 0$: entropies and KL terms written by hand),
``logaddexp`` and ``logaddexp2`` ($\ln(e^x + e^y)$ without overflow).

Each is a ``Function`` with PyTorch's derivative, also at its edges:

$$
\frac{d}{dx} \operatorname{logit} x = \frac{1}{x (1 - x)}, \quad
\frac{\partial}{\partial x} x \ln y = \ln y, \quad \frac{\partial}{\partial y} x \ln y = \frac{x}{y}, \quad
\frac{\partial}{\partial x} \ln(e^x + e^y) = \frac{1}{1 + e^{y - x}}
$$
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.binary import pair, refuse_integers
from deltanet.autograd.elementwise import _floating
from deltanet.autograd.function import Function
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.tensor import Tensor


class Logit(Function):
    r"""$a = \ln(x / (1 - x))$, with $x$ first clamped to $[\epsilon, 1 - \epsilon]$ when ``eps`` is given;
    $\partial a / \partial x = 1 / (x (1 - x))$, 0 where the clamp cut $x$ (with ``eps``) and NaN
    outside $[0, 1]$ (without it), as PyTorch's."""

    def forward(self, x: np.ndarray, eps: float | None = None) -> np.ndarray:
        self.save_for_backward(x)
        self.eps = eps
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):  # logit(0) = -inf, logit(1) = inf, as PyTorch's
            return np.log(x / (1 - x))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            g = delta / (x * (1 - x))
        if self.eps is None:
            return np.where((x < 0) | (x > 1), np.nan, g).astype(g.dtype, copy=False)
        return np.where((x < self.eps) | (x > 1 - self.eps), 0, g).astype(g.dtype, copy=False)


class XLogY(Function):
    r"""$z = x \ln y$, 0 where $x = 0$ (unless $y$ is NaN); $\partial z / \partial x = \ln y$ (0 where
    $x = 0$ and $y \le 0$) and $\partial z / \partial y = x / y$, as PyTorch's."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), 0, z).astype(z.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                g = np.where((delta == 0) & ~np.isnan(y), 0, delta * np.log(y))  # xlogy(delta, y)
                gx = unbroadcast(np.where((x == 0) & (y <= 0), 0, g).astype(delta.dtype, copy=False), x.shape)
            if self.needs_input_grad[1]:
                gy = unbroadcast(delta * x / y, y.shape)
        return gx, gy


class LogAddExp(Function):
    r"""$z = \log_B(B^x + B^y)$ for $B = e$ or 2, computed as NumPy's ``logaddexp`` (no overflow);
    $\partial z / \partial x = 1 / (1 + B^{y - x})$ and symmetrically for $y$, as PyTorch's."""

    def forward(self, x: np.ndarray, y: np.ndarray, base: int) -> np.ndarray:
        self.save_for_backward(x, y)
        self.base = base
        return np.logaddexp(x, y) if base != 2 else np.logaddexp2(x, y)

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        power = np.exp if self.base != 2 else np.exp2
        gx = gy = None
        with np.errstate(over="ignore", invalid="ignore"):  # B^(y - x) = inf gives the limit 0
            if self.needs_input_grad[0]:
                gx = unbroadcast(delta / (1 + power(y - x)), x.shape)
            if self.needs_input_grad[1]:
                gy = unbroadcast(delta / (1 + power(x - y)), y.shape)
        return gx, gy


def logit(input: Any, eps: float | None = None) -> Tensor:
    r"""The log-odds $\ln(p / (1 - p))$, elementwise: the inverse of the sigmoid.

    With ``eps``, $p$ is first clamped to $[\epsilon, 1 - \epsilon]$ (finite log-odds for
    probabilities of exactly 0 or 1, and a zero gradient where the clamp cut); without it,
    ``logit(0)`` is $-\infty$ and ``logit(1)`` is $\infty$, as in PyTorch.

    Args:
        input: a tensor of probabilities (integers are computed in float32, as PyTorch).
        eps: None, or the clamp's margin, a number in $[0, 0.5]$.

    Raises:
        ValueError: ``eps`` is not a number in $[0, 0.5]$.

    Examples:
        >>> import deltanet as dn
        >>> dn.logit(dn.tensor([0.5, 0.75], dtype="float64")).tolist()
        [0.0, 1.0986122886681098]
        >>> dn.logit(dn.tensor([0.0]), eps=1e-6).item() < -13
        True
    """
    if eps is not None:
        eps = check.number(eps, "eps", "logit", low=0, high=0.5)
    return Logit.apply(_floating(input), eps=eps)


def xlogy(input: Any, other: Any) -> Tensor:
    r"""$x \ln y$, elementwise with broadcasting, taking $0 \ln 0 = 0$ (and $0 \ln y = 0$ for any
    $y$ but NaN): the terms of entropies and KL divergences.

    Args:
        input: $x$, a tensor or a number.
        other: $y$, a tensor or a number (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> p = dn.tensor([0.0, 0.5, 0.5])
        >>> (-dn.xlogy(p, p).sum()).item()  # the entropy, in nats; log(0) would give NaN
        0.6931471824645996
    """
    return XLogY.apply(*pair(input, other))


def logaddexp(input: Any, other: Any) -> Tensor:
    r"""$\ln(e^x + e^y)$, elementwise with broadcasting, without overflow.

    Args:
        input: a floating-point tensor.
        other: a floating-point tensor or a number.

    Raises:
        TypeError: integer tensors (PyTorch has no integer ``logaddexp`` either).

    Examples:
        >>> import deltanet as dn
        >>> dn.logaddexp(dn.tensor([1000.0]), dn.tensor([1000.0])).tolist()
        [1000.6931762695312]
    """
    x, y = pair(input, other, real=False)
    refuse_integers(x, "logaddexp")
    return LogAddExp.apply(x, y, base=0)


def logaddexp2(input: Any, other: Any) -> Tensor:
    r"""$\log_2(2^x + 2^y)$, elementwise with broadcasting, without overflow.

    Args:
        input: a floating-point tensor.
        other: a floating-point tensor or a number.

    Raises:
        TypeError: integer tensors (PyTorch has no integer ``logaddexp2`` either).

    Examples:
        >>> import deltanet as dn
        >>> dn.logaddexp2(dn.tensor([3.0]), dn.tensor([3.0])).tolist()
        [4.0]
    """
    x, y = pair(input, other, real=False)
    refuse_integers(x, "logaddexp2")
    return LogAddExp.apply(x, y, base=2)


__all__ = ["LogAddExp", "Logit", "XLogY", "logaddexp", "logaddexp2", "logit", "xlogy"]
