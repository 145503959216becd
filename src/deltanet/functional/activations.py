"""Activation functions h(z) and their derivatives h'(z), each written from the output a = h(z)
where the seeds write it that way (sigmoid, tanh, ReLU, ELU, softmax).

``sigmoid``, ``tanh`` and ``relu`` are primitives of the autograd layer (``Tensor`` has them as
methods); they are re-exported here so that every activation lives under one name space.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd import Function, Tensor
from deltanet.autograd.ops import ReLU, Sigmoid, Tanh, stable_sigmoid


def _as_tensor(z: Any) -> Tensor:
    """A Tensor as it is; an array or a list through the dtype policy (float16, strings and
    complex numbers are refused with a message)."""
    return z if isinstance(z, Tensor) else Tensor(z)


def _number(value: Any, name: str, owner: str) -> float:
    """A real number that is not NaN (the message quotes what was given)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or math.isnan(value):
        raise ValueError(f"{owner}: {name} must be a number, got {value!r}")
    return float(value)


def sigmoid(z: Tensor) -> Tensor:
    """Logistic function a = 1 / (1 + e^{-z}); a' = a(1 - a).

    Example:
        >>> import deltanet as dn
        >>> dn.functional.sigmoid(dn.tensor([0.0])).item()
        0.5
    """
    return Sigmoid.apply(_as_tensor(z))


def tanh(z: Tensor) -> Tensor:
    """Hyperbolic tangent a = tanh z; a' = 1 - a².

    Example:
        >>> import deltanet as dn
        >>> dn.functional.tanh(dn.tensor([0.0])).item()
        0.0
    """
    return Tanh.apply(_as_tensor(z))


def relu(z: Tensor) -> Tensor:
    """Rectified linear unit a = max(0, z); a' = [z > 0].

    Example:
        >>> import deltanet as dn
        >>> dn.functional.relu(dn.tensor([-1.0, 2.0])).data.tolist()
        [0.0, 2.0]
    """
    return ReLU.apply(_as_tensor(z))


def identity(z: Tensor) -> Tensor:
    """a = z, the linear output of regression networks; a' = 1."""
    return z


class Step(Function):
    """Heaviside step a = [z ≥ 0], Rosenblatt's perceptron unit."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = (z >= 0).astype(z.dtype)
        if a.dtype.kind == "f":
            a[np.isnan(z)] = np.nan  # NaN has no sign: it stays NaN rather than becoming 0
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        raise RuntimeError(
            "the step function cannot be trained by backpropagation: its derivative is 0 "
            "everywhere except at z = 0, where it does not exist, so no error signal δ flows "
            "through it. Use sigmoid (its smooth version) to train, or the perceptron rule."
        )


def step(z: Tensor) -> Tensor:
    """Heaviside step a = 1 if z ≥ 0 else 0. Forward only: its backward raises an error.

    Example:
        >>> import deltanet as dn
        >>> dn.functional.step(dn.tensor([-0.5, 0.0, 2.0])).data.tolist()
        [0.0, 1.0, 1.0]
    """
    return Step.apply(_as_tensor(z))


class LeakyReLU(Function):
    """a = z for z > 0, else slope·z; a' = 1 or slope."""

    def forward(self, z: np.ndarray, negative_slope: float) -> np.ndarray:
        positive = z > 0
        self.save_for_backward(positive)
        self.slope = negative_slope
        return np.where(positive, z, z * negative_slope)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (positive,) = self.saved_tensors
        return np.where(positive, delta, delta * self.slope)


def leaky_relu(z: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU a = max(z, slope·z) (for 0 ≤ slope ≤ 1): dead units still pass a gradient.

    Example:
        >>> import deltanet as dn
        >>> dn.functional.leaky_relu(dn.tensor([-1.0, 2.0]), 0.1).data.tolist()
        [-0.10000000149011612, 2.0]
    """
    negative_slope = _number(negative_slope, "negative_slope", "leaky_relu")
    return LeakyReLU.apply(_as_tensor(z), negative_slope=negative_slope)


class PReLU(Function):
    """a = z for z > 0, else α·z with α learned; dL/dα = Σ δ·z over z ≤ 0."""

    def forward(self, z: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        alpha_b = _channel_view(alpha, z)
        positive = z > 0
        self.save_for_backward(z, alpha_b, positive)
        self.alpha_shape = alpha.shape
        return np.where(positive, z, alpha_b * z)

    def backward(self, delta: np.ndarray) -> tuple:
        z, alpha_b, positive = self.saved_tensors
        gz = np.where(positive, delta, delta * alpha_b) if self.needs_input_grad[0] else None
        ga = None
        if self.needs_input_grad[1]:
            contrib = np.where(positive, 0, delta * z)
            if len(self.alpha_shape) and self.alpha_shape[0] > 1:
                axes = tuple(i for i in range(z.ndim) if i != 1)
                ga = contrib.sum(axis=axes).reshape(self.alpha_shape)
            else:
                ga = np.asarray(contrib.sum()).reshape(self.alpha_shape)
        return gz, ga


def _channel_view(alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Shape α (C,) to broadcast along axis 1 (channels), as PyTorch's PReLU does."""
    if alpha.size == 1:
        return alpha.reshape(())
    if z.ndim < 2 or z.shape[1] != alpha.size:
        raise ValueError(
            f"prelu: {alpha.size} parameters need an input with {alpha.size} channels on axis 1, got shape {z.shape}"
        )
    return alpha.reshape((1, alpha.size) + (1,) * (z.ndim - 2))


def prelu(z: Tensor, alpha: Tensor) -> Tensor:
    """Parametric ReLU: a = z for z > 0, else α·z, with α one value or one per channel.

    Example:
        >>> import deltanet as dn
        >>> dn.functional.prelu(dn.tensor([-2.0, 3.0]), dn.tensor([0.25])).data.tolist()
        [-0.5, 3.0]
    """
    return PReLU.apply(_as_tensor(z), _as_tensor(alpha))


class ELU(Function):
    """a = z for z > 0, else α(e^z − 1); a' = 1, or a + α (from the output)."""

    def forward(self, z: np.ndarray, alpha: float) -> np.ndarray:
        positive = z > 0
        a = np.where(positive, z, alpha * np.expm1(np.minimum(z, 0)))
        self.save_for_backward(positive, a)
        self.alpha = alpha
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        positive, a = self.saved_tensors
        return np.where(positive, delta, delta * (a + self.alpha))


def elu(z: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit a = z for z > 0, else α(e^z − 1).

    Example:
        >>> import deltanet as dn
        >>> round(dn.functional.elu(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """
    alpha = _number(alpha, "alpha", "elu")
    return ELU.apply(_as_tensor(z), alpha=alpha)


class SiLU(Function):
    """a = z σ(z) (swish); a' = σ(z) + a (1 − σ(z))."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        s = stable_sigmoid(z)
        a = z * s
        self.save_for_backward(s, a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        s, a = self.saved_tensors
        return delta * (s + a * (1 - s))


def silu(z: Tensor) -> Tensor:
    """Swish / SiLU a = z · σ(z).

    Example:
        >>> import deltanet as dn
        >>> round(dn.functional.silu(dn.tensor([1.0])).item(), 4)
        0.7311
    """
    return SiLU.apply(_as_tensor(z))


class Softplus(Function):
    """a = log(1 + e^{βz}) / β, linear above ``threshold`` (as PyTorch); a' = σ(βz)."""

    def forward(self, z: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        bz = beta * z
        self.save_for_backward(bz)
        self.threshold = threshold
        soft = (np.maximum(bz, 0) + np.log1p(np.exp(-np.abs(bz)))) / beta
        return np.where(bz > threshold, z, soft)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (bz,) = self.saved_tensors
        return np.where(bz > self.threshold, delta, delta * stable_sigmoid(bz))


def softplus(z: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU a = log(1 + e^z), stable at z = ±1e4.

    Example:
        >>> import deltanet as dn
        >>> round(dn.functional.softplus(dn.tensor([0.0])).item(), 4)
        0.6931
    """
    beta = _number(beta, "beta", "softplus")
    threshold = _number(threshold, "threshold", "softplus")
    if not 0 < beta < math.inf:
        raise ValueError(f"softplus: beta must be positive and finite, got {beta}")
    return Softplus.apply(_as_tensor(z), beta=beta, threshold=threshold)


class Softmax(Function):
    """s_i = e^{z_i} / Σ_k e^{z_k}; backward from the output: dz = s ⊙ (δ − Σ δ ⊙ s)."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        # initial=-inf: a softmax over an empty axis is empty, not NumPy's max() error.
        e = np.exp(z - z.max(axis=axis, keepdims=True, initial=-np.inf))
        s = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(s)
        self.axis = axis
        return s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (s,) = self.saved_tensors
        return s * (delta - (delta * s).sum(axis=self.axis, keepdims=True))


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    """Softmax along ``axis``: outputs in (0, 1) that sum to 1, read as class probabilities.

    Example:
        >>> import deltanet as dn
        >>> dn.functional.softmax(dn.tensor([[0.0, 0.0]])).data.tolist()
        [[0.5, 0.5]]
    """
    return Softmax.apply(_as_tensor(z), axis=axis)


class LogSoftmax(Function):
    """log s_i = z_i − log Σ_k e^{z_k} (log-sum-exp); backward: dz = δ − s Σ δ."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        shifted = z - z.max(axis=axis, keepdims=True, initial=-np.inf)
        # An empty input has nothing to normalize (and log Σ over an empty axis is log 0).
        log_s = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)) if z.size else shifted
        self.save_for_backward(log_s)
        self.axis = axis
        return log_s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (log_s,) = self.saved_tensors
        return delta - np.exp(log_s) * delta.sum(axis=self.axis, keepdims=True)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    """Logarithm of the softmax, computed stably with log-sum-exp.

    Example:
        >>> import deltanet as dn
        >>> round(dn.functional.log_softmax(dn.tensor([[0.0, 0.0]])).item(0), 4)
        -0.6931
    """
    return LogSoftmax.apply(_as_tensor(z), axis=axis)
