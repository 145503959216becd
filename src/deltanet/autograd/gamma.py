r"""The log-gamma function and its derivatives, with PyTorch's names: ``lgamma``
($\ln |\Gamma(x)|$), ``digamma`` ($\psi(x) = \frac{d}{dx} \ln \Gamma(x)$), ``polygamma``
($\psi^{(n)}(x)$) and ``mvlgamma`` (the multivariate log-gamma of Wishart and Dirichlet densities).

No SciPy needed. ``lgamma`` takes each value through Python's ``math.lgamma`` (as ``special.erf``
takes ``math.erf``), with $+\infty$ at the poles $0, -1, -2, \dots$ as PyTorch. ``digamma`` is
PyTorch's Cephes algorithm in NumPy (the reflection $\psi(1 - x) - \pi / \tan(\pi x)$ for $x < 0$,
the recurrence $\psi(x) = \psi(x + 1) - 1/x$ up to 10, then the asymptotic series), and
``polygamma`` for $n \ge 1$ is

$$
\psi^{(n)}(x) = (-1)^{n + 1} \, n! \, \zeta(n + 1, x),
$$

with Cephes' Hurwitz zeta (Euler-Maclaurin summation), as PyTorch and SciPy compute it for
$n \ge 2$. For $n = 1$ PyTorch uses a shorter series, good to about $5 \cdot 10^{-10}$; deltanet
uses the zeta function there too (closer to the true value, so it differs from PyTorch's by up to
that much). The chain of derivatives closes on itself: $\frac{d}{dx} \ln\Gamma = \psi$,
$\frac{d}{dx} \psi^{(n)} = \psi^{(n + 1)}$. Float32 inputs are computed in float64 and rounded once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.elementwise import _floating
from deltanet.autograd.factories import arange
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor

_MACHEP = 1.11022302462515654042e-16
# Cephes' Euler-Maclaurin coefficients (2k)! / B_2k of the Hurwitz zeta function.
_ZETA_A = np.array([
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
    1.8152105401943546773e17, -7.1661652561756670113e18,
])  # fmt: skip
# Cephes' asymptotic series of the digamma function, highest power first.
_PSI_A = [
    8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
    -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
]  # fmt: skip
_PSI_10 = 2.25175258906672110764
_lgamma_one = np.frompyfunc(lambda v: math.inf if v <= 0 and v == math.floor(v) else math.lgamma(v), 1, 1)


def lgamma_array(x: np.ndarray) -> np.ndarray:
    r"""$\ln |\Gamma(x)|$ elementwise in float64 (``math.lgamma``; $+\infty$ at the poles and at $\pm\infty$)."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    out = np.where(np.isnan(x), np.nan, np.inf)
    if finite.any():
        out[finite] = np.asarray(_lgamma_one(x[finite]), dtype=np.float64)
    return out


def digamma_array(x: np.ndarray) -> np.ndarray:
    r"""$\psi(x)$ elementwise in float64, PyTorch's ``calc_digamma``: $\mp\infty$ at $\pm 0$, NaN at
    the negative integers and at $-\infty$."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        zero, negative = x == 0, x < 0
        pole = negative & (x == np.trunc(x))
        # x < 0: psi(x) = psi(1 - x) - pi / tan(pi r), with r the fractional part of x (exact, as PyTorch's)
        reflected = np.where(negative, -math.pi / np.tan(math.pi * (x - np.trunc(x))), 0.0)
        v = np.where(negative, 1 - x, x)
        result = np.zeros_like(v)
        low = v < 10
        while low.any():  # psi(v) = psi(v + 1) - 1/v, up to 10
            result -= np.where(low, 1 / np.where(low, v, 1.0), 0.0)
            v = np.where(low, v + 1, v)
            low = v < 10
        z = 1 / (v * v)
        tail = np.where(v < 1e17, z * np.polyval(_PSI_A, z), 0.0)
        out = np.where(v == 10, result + _PSI_10, result + np.log(v) - 0.5 / v - tail) + reflected
    out = np.where(zero, np.copysign(np.inf, -x), out)
    return np.where(pole, np.nan, out)


def zeta_array(s: float, q: np.ndarray) -> np.ndarray:
    r"""The Hurwitz zeta function $\zeta(s, q) = \sum_{k \ge 0} (q + k)^{-s}$ for an integer $s \ge 2$,
    elementwise in ``q`` (float64): Cephes' (and PyTorch's) direct sum while $q + k \le 9$ (at least
    9 terms), then the Euler-Maclaurin tail; $+\infty$ at $q = 0, -1, -2, \dots$ and 0 at $q = +\infty$"""
    q = np.asarray(q, dtype=np.float64)
    pole = (q <= 0) & (q == np.floor(q))
    nan, infinite = np.isnan(q), q == np.inf
    q = np.where(pole | nan | infinite, 1.0, q)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        total = np.power(q, -s)
        a, b = q.copy(), np.zeros_like(q)
        active = np.ones(q.shape, bool)  # elements whose sum has not converged yet
        i = 0
        while True:
            going = active & ((i < 9) | (a <= 9))
            if not going.any():
                break
            i += 1
            a = np.where(going, a + 1, a)
            b = np.where(going, np.power(a, -s), b)
            total = np.where(going, total + b, total)
            active &= ~(going & (-_MACHEP * total < b) & (b < _MACHEP * total))
        w = a
        total = np.where(active, total + b * w / (s - 1) - 0.5 * b, total)
        factor, k = np.ones_like(q), 0.0
        for coefficient in _ZETA_A:
            if not active.any():
                break
            factor = factor * (s + k)
            b = b / w
            t = factor * b / coefficient
            total = np.where(active, total + t, total)
            active &= ~(np.abs(t / total) < _MACHEP)
            k += 1.0
            factor = factor * (s + k)
            b = b / w
            k += 1.0
    total = np.where(pole, np.inf, np.where(infinite, 0.0, total))
    return np.where(nan, np.nan, total)


def polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    r"""$\psi^{(n)}(x)$ elementwise in float64: ``digamma`` for $n = 0$, else $(-1)^{n+1} n! \zeta(n + 1, x)$."""
    if n == 0:
        return digamma_array(x)
    return (1.0 if n % 2 else -1.0) * math.factorial(n) * zeta_array(n + 1, x)


def _rounded(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    return values.astype(x.dtype, copy=False)


class Lgamma(Function):
    r"""$a = \ln |\Gamma(x)|$; $\partial a / \partial x = \psi(x)$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return _rounded(lgamma_array(x), x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * _rounded(digamma_array(x), x)


class Polygamma(Function):
    r"""$a = \psi^{(n)}(x)$ (``n = 0``: the digamma function); $\partial a / \partial x = \psi^{(n + 1)}(x)$."""

    def forward(self, x: np.ndarray, n: int) -> np.ndarray:
        self.save_for_backward(x)
        self.n = n
        return _rounded(polygamma_array(n, x), x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        with np.errstate(invalid="ignore", over="ignore"):
            return delta * _rounded(polygamma_array(self.n + 1, x), x)


def lgamma(input: Any) -> Tensor:
    r"""$\ln |\Gamma(x)|$, elementwise ($+\infty$ at $0, -1, -2, \dots$); derivative $\psi(x)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.lgamma(dn.tensor([1.0, 5.0, 0.5], dtype="float64")).tolist()  # 0, ln 4! = ln 24, ln sqrt(pi)
        [0.0, 3.178053830347945, 0.5723649429247004]
    """
    return Lgamma.apply(_floating(input))


def digamma(input: Any) -> Tensor:
    r"""The digamma function $\psi(x) = \frac{d}{dx} \ln \Gamma(x)$, elementwise ($-\infty$ at $+0$,
    $+\infty$ at $-0$, NaN at the negative integers, as PyTorch); derivative $\psi^{(1)}(x)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.digamma(dn.tensor([1.0], dtype="float64")).item()  # minus the Euler-Mascheroni constant
        -0.5772156649015328
    """
    return Polygamma.apply(_floating(input), n=0)


def polygamma(n: int, input: Any) -> Tensor:
    r"""The $n$-th derivative of the digamma function, $\psi^{(n)}(x)$, elementwise; derivative
    $\psi^{(n + 1)}(x)$. ``polygamma(0, x)`` is ``digamma(x)``.

    Args:
        n: the order, an integer $\ge 0$.
        input: a tensor (integers are computed in float32, as PyTorch).

    Raises:
        ValueError: ``n`` is not an integer $\ge 0$.

    Examples:
        >>> import deltanet as dn
        >>> dn.polygamma(1, dn.tensor([1.0], dtype="float64")).item()  # pi^2 / 6
        1.6449340668482266
    """
    n = check.integer(n, "n", "polygamma", low=0)
    return Polygamma.apply(_floating(input), n=n)


def mvlgamma(input: Any, p: int) -> Tensor:
    r"""The multivariate log-gamma function of dimension $p$, elementwise:

    $$
    \ln \Gamma_p(x) = \frac{p (p - 1)}{4} \ln \pi + \sum_{i = 1}^{p} \ln \Gamma\left(x - \frac{i - 1}{2}\right)
    $$

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).
        p: the dimension, an integer $\ge 1$.

    Raises:
        ValueError: ``p`` is not an integer $\ge 1$.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([2.5], dtype="float64")
        >>> dn.mvlgamma(x, p=2).item()  # ln(pi) / 2 + lgamma(2.5) + lgamma(2)
        0.8570478133976197
    """
    p = check.integer(p, "p", "mvlgamma", low=1)
    x = _floating(input)
    shifts = arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=x.dtype)  # 0, -1/2, ..., -(p - 1)/2, as PyTorch's
    return lgamma(x.unsqueeze(-1) + shifts).sum(-1) + p * (p - 1) * math.log(math.pi) / 4


__all__ = ["Lgamma", "Polygamma", "digamma", "lgamma", "mvlgamma", "polygamma"]
