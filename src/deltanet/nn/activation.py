"""Activation layers: each ``forward`` calls the function of the same name in
:mod:`deltanet.functional.activations`, where the formula and the derivative are written."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional import activations as F
from deltanet.nn.module import Module, Parameter


def _named(layer: Module, function: Any, z: Any, *args: Any, **kwargs: Any) -> Tensor:
    """Call ``function``; a bad input's ValueError names the layer, as the other layers do."""
    try:
        return function(z, *args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{layer!r}: {error}") from None


def _axis(owner: str, dim: Any) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise ValueError(f"{owner}: dim must be an int (an axis, e.g. -1), got {dim!r}")
    return int(dim)


def _number_in(owner: str, name: str, value: Any, low: float, high: float = float("inf")) -> float:
    """A real number in [low, high] (NaN and non-numbers refused, the value quoted)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not low <= value <= high
    ):
        if high == float("inf"):
            bounds = "a number" if low == -float("inf") else f">= {low:g}"
        else:
            bounds = f"in [{low:g}, {high:g}]"
        raise ValueError(f"{owner}: {name} must be {bounds}, got {value!r}")
    return float(value)


class Step(Module):
    """Heaviside step a = [z ≥ 0], the perceptron's unit; not trainable by backpropagation."""

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.step, z)


class Sigmoid(Module):
    """a = 1 / (1 + e^{-z}); a' = a(1 − a).

    Example:
        >>> import deltanet as dn
        >>> dn.nn.Sigmoid()(dn.tensor([0.0])).item()
        0.5
    """

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.sigmoid, z)


class Tanh(Module):
    """a = tanh z; a' = 1 − a²."""

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.tanh, z)


class ReLU(Module):
    """a = max(0, z); a' = [z > 0]."""

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.relu, z)


class LeakyReLU(Module):
    """a = max(z, slope·z).

    Args:
        negative_slope: slope for z < 0, in [0, 1] (default 0.01, as PyTorch).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = _number_in("LeakyReLU", "negative_slope", negative_slope, 0.0, 1.0)

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.leaky_relu, z, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """a = z for z > 0, else α·z with α learned (He et al. 2015).

    Args:
        num_parameters: 1 (one α shared) or the number of channels (axis 1).
        init: the initial α (0.25, as PyTorch).

    Example:
        >>> import deltanet as dn
        >>> dn.nn.PReLU().weight.data.tolist()
        [0.25]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}")
        self.num_parameters = num_parameters
        init = _number_in("PReLU", "init", init, -float("inf"))
        dtype = np.dtype(dtype or backend.DEFAULT_DTYPE)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.prelu, z, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """a = z for z > 0, else α(e^z − 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = _number_in("ELU", "alpha", alpha, 0.0)

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.elu, z, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SiLU(Module):
    """Swish: a = z σ(z)."""

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.silu, z)


Swish = SiLU


class Softplus(Module):
    """a = log(1 + e^{βz}) / β."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        beta = _number_in("Softplus", "beta", beta, 0.0, float("inf"))
        if not 0 < beta < float("inf"):
            raise ValueError(f"Softplus: beta must be positive and finite, got {beta!r}")
        self.beta, self.threshold = beta, _number_in("Softplus", "threshold", threshold, -float("inf"))

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.softplus, z, self.beta, self.threshold)


class Softmax(Module):
    """Softmax along ``dim`` (default the last axis): class probabilities that sum to 1.

    Do not put it before ``losses.CrossEntropy``, which takes logits and applies a stable
    log-softmax itself.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _axis(type(self).__name__, dim)

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.softmax, z, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Logarithm of the softmax along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _axis(type(self).__name__, dim)

    def forward(self, z: Tensor) -> Tensor:
        return _named(self, F.log_softmax, z, axis=self.dim)
