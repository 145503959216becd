r"""Smooth activations beyond the seeds' sigmoid, tanh and ELU: CELU, SELU, Mish, log-sigmoid,
softsign and tanhshrink, each with PyTorch's name and arguments.

Each forward keeps the slope $h'(z)$, written from quantities the forward computed anyway, and
backward is $\delta \odot h'(z)$. Every exponential is taken of a non-positive number, so no
input overflows (finite at $z = \pm 10^4$).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor
from deltanet.autograd.inplace import negative_slope_refusal, overwrite_with
from deltanet.autograd.ops import stable_sigmoid
from deltanet.functional.activations import _as_float

#: SELU's constants (Klambauer et al. 2017), PyTorch's values.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _softplus(z: np.ndarray) -> np.ndarray:
    r"""$\log(1 + e^z)$ without overflow: $\max(z, 0) + \log(1 + e^{-|z|})$."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class CELU(Function):
    r"""$a = z$ for $z > 0$, else $\alpha (e^{z / \alpha} - 1)$; $a' = 1$ or $e^{z / \alpha}$."""

    def forward(self, z: np.ndarray, alpha: float) -> np.ndarray:
        # PyTorch's branches: z <= 0 takes the exponential, anything else (NaN too) the identity
        negative = z <= 0
        u = np.where(negative, z, 0) / alpha  # -0.0 stays -0.0; no overflow in the unused branch
        self.save_for_backward(np.where(negative, np.exp(u), 1).astype(z.dtype, copy=False))
        return np.where(negative, alpha * np.expm1(u), z).astype(z.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Continuously differentiable ELU (Barron 2017): an ELU whose slope at 0 is 1 for every $\alpha$.

    $$
    a = \max(0, z) + \min\big(0, \alpha (e^{z / \alpha} - 1)\big), \qquad
    a' = \begin{cases} 1 & z > 0 \\ e^{z / \alpha} & z \le 0 \end{cases}
    $$

    Args:
        input: the pre-activation $z$.
        alpha: $\alpha \ne 0$ (default 1.0; with 1.0 it is the ELU).
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.functional.celu(dn.tensor([-1.0]), alpha=2.0).item(), 4)
        -0.7869
    """
    alpha = check.number(alpha, "alpha", "celu")
    if check.flag(inplace, "inplace", "celu"):
        return overwrite_with(input, lambda z: celu(z, alpha), "celu_", True, negative_slope_refusal(alpha, "elu"))
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by it), got 0")
    return CELU.apply(_as_float(input, "celu"), alpha=alpha)


def selu(input: Any, inplace: bool = False) -> Tensor:
    r"""Scaled ELU (Klambauer et al. 2017), whose fixed constants keep activations near mean 0 and variance 1.

    $$
    a = \lambda \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}, \qquad
    \alpha = 1.6733, \ \lambda = 1.0507
    $$

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.functional.selu(dn.tensor([-1.0])).item(), 4)
        -1.1113
    """
    if check.flag(inplace, "inplace", "selu"):
        return overwrite_with(input, selu, "selu_", saves_result=True)
    return SELU.apply(_as_float(input, "selu"))


class SELU(Function):
    r"""$a = \lambda z$ for $z > 0$, else $\lambda \alpha (e^z - 1)$; $a' = \lambda$ or $\lambda \alpha e^z$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        negative = z <= 0  # PyTorch's branches, as CELU's
        u = np.where(negative, z, 0)
        scale_alpha = SELU_SCALE * SELU_ALPHA
        self.save_for_backward(np.where(negative, scale_alpha * np.exp(u), SELU_SCALE).astype(z.dtype, copy=False))
        return np.where(negative, scale_alpha * np.expm1(u), SELU_SCALE * z).astype(z.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


class Mish(Function):
    r"""$a = z \tanh(\mathrm{softplus}(z))$; $a' = t + z \sigma(z) (1 - t^2)$ with $t = \tanh(\mathrm{softplus}(z))$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(_softplus(z))
        with np.errstate(invalid="ignore"):  # z = +-inf: inf * 0, NaN as in PyTorch, without a warning
            self.save_for_backward(t + z * stable_sigmoid(z) * (1 - t * t))
            return z * t

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


def mish(input: Any, inplace: bool = False) -> Tensor:
    r"""Mish (Misra 2019): a smooth, non-monotonic unit, the input times the tanh of its softplus.

    $$
    a = z \tanh\big(\log(1 + e^{z})\big), \qquad a' = t + z \, \sigma(z) (1 - t^2), \ t = \tanh(\log(1 + e^z))
    $$

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.functional.mish(dn.tensor([1.0])).item(), 4)
        0.8651
    """
    if check.flag(inplace, "inplace", "mish"):
        return overwrite_with(input, mish, "mish_")
    return Mish.apply(_as_float(input, "mish"))


class LogSigmoid(Function):
    r"""$a = \log \sigma(z) = -\log(1 + e^{-z})$; $a' = 1 - \sigma(z) = \sigma(-z)$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.save_for_backward(stable_sigmoid(-z))
        return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


def logsigmoid(input: Any) -> Tensor:
    r"""Logarithm of the sigmoid, computed without overflow: $\log \sigma(z)$, always $\le 0$.

    $$
    a = \log \frac{1}{1 + e^{-z}} = \min(z, 0) - \log\left(1 + e^{-|z|}\right), \qquad a' = \sigma(-z)
    $$

    Args:
        input: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.functional.logsigmoid(dn.tensor([0.0])).item(), 4)
        -0.6931
    """
    return LogSigmoid.apply(_as_float(input, "logsigmoid"))


class Softsign(Function):
    r"""$a = z / (1 + |z|)$; $a' = 1 / (1 + |z|)^2$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        d = 1 + np.abs(z)
        self.save_for_backward(1 / (d * d))
        with np.errstate(invalid="ignore"):  # inf / inf: NaN, as PyTorch's softsign, without a warning
            return z / d

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


def softsign(input: Any) -> Tensor:
    r"""Softsign: a sigmoid-shaped unit with outputs in $(-1, 1)$ and polynomial (not exponential) tails.

    $$
    a = \frac{z}{1 + |z|}, \qquad a' = \frac{1}{(1 + |z|)^2}
    $$

    Args:
        input: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.softsign(dn.tensor([-3.0, 1.0])).tolist()
        [-0.75, 0.5]
    """
    return Softsign.apply(_as_float(input, "softsign"))


class Tanhshrink(Function):
    r"""$a = z - \tanh z$; $a' = \tanh^2 z$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(z)
        self.save_for_backward(t * t)
        return z - t

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return delta * slope


def tanhshrink(input: Any) -> Tensor:
    r"""Tanhshrink: the input minus its tanh, flat near 0 and linear far from it.

    $$
    a = z - \tanh z, \qquad a' = \tanh^2 z
    $$

    Args:
        input: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.functional.tanhshrink(dn.tensor([1.0])).item(), 4)
        0.2384
    """
    return Tanhshrink.apply(_as_float(input, "tanhshrink"))
