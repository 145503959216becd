r"""The base class of the probability distributions, as ``torch.distributions.Distribution``.

A distribution has a ``batch_shape`` (independent distributions side by side, each with its own
parameters) and an ``event_shape`` (the shape of one draw). ``sample(sample_shape)`` returns a
tensor of shape ``sample_shape + batch_shape + event_shape``; ``rsample`` draws
$z = g(\theta, \varepsilon)$ with the noise $\varepsilon$ outside the parameters $\theta$, so
that gradients flow through $z$ to $\theta$ (the reparameterisation trick); ``log_prob(x)`` is
$\log p_\theta(x)$ of shape ``batch_shape`` (broadcast).

Draws come from deltanet's default generator (``dn.manual_seed``), not from PyTorch's: the same
seed gives other numbers than in PyTorch, while every density, entropy and divergence agrees.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Normal
    >>> Normal(dn.zeros(2), 1.0).sample((3,)).shape
    (3, 2)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from deltanet.autograd import Tensor, no_grad
from deltanet.distributions import constraints


def _shape_tuple(sample_shape: Any) -> tuple[int, ...]:
    if isinstance(sample_shape, (int, np.integer)) and not isinstance(sample_shape, bool):
        return (int(sample_shape),)
    if isinstance(sample_shape, (tuple, list)) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in sample_shape
    ):
        return tuple(int(s) for s in sample_shape)
    raise TypeError(f"sample_shape must be a tuple of non-negative integers, got {sample_shape!r}")


class Distribution:
    r"""A probability distribution $p_\theta$ with batch and event shapes.

    Subclasses set ``arg_constraints`` (each parameter's set), ``support`` (the set of values)
    and implement ``log_prob`` and ``rsample`` or ``sample``; the base checks the parameters and
    the values of ``log_prob`` against these sets when ``validate_args`` is on (the default,
    as in PyTorch; ``Distribution.set_default_validate_args(False)`` turns it off).

    Args:
        batch_shape: the shape of the batch of independent distributions.
        event_shape: the shape of one draw.
        validate_args: check parameters and values (None: the class default, True).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Normal
        >>> d = Normal(dn.zeros(2, 3), 1.0)
        >>> d.batch_shape, d.event_shape
        ((2, 3), ())
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for every distribution made afterwards.

        Args:
            value: True or False.
        """
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint) or param not in self.__dict__:
                    continue  # dependent or lazily computed from another parameter
                value = getattr(self, param)
                if not bool(constraint.check(value).array.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                        f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                        f"but found invalid values:\n{value}"
                    )

    # -- shapes --------------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of one draw."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        return _shape_tuple(sample_shape) + self._batch_shape + self._event_shape

    # -- the interface -------------------------------------------------------------------------------
    @property
    def support(self) -> Any:
        """The set of values the distribution puts its mass on."""
        raise NotImplementedError(f"{type(self).__name__} does not define its support")

    @property
    def mean(self) -> Tensor:
        """The mean $\\mathbb{E}[x]$."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The most likely value."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance $\\mathrm{Var}[x]$."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, the square root of the variance."""
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: gradients flow through it to the parameters.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterised sample (has_rsample is False): use sample(), "
            "which carries no gradient, or a score-function estimator with log_prob"
        )

    def sample_n(self, n: int) -> Tensor:
        """``n`` draws, as ``sample((n,))``.

        Args:
            n: how many draws.
        """
        return self.sample((n,))

    def log_prob(self, value: Any) -> Tensor:
        """$\\log p(x)$ of ``value``.

        Args:
            value: a tensor whose right-most dimensions match ``batch_shape + event_shape``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def entropy(self) -> Tensor:
        """The entropy $-\\mathbb{E}[\\log p(x)]$, of shape ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """The perplexity $e^{H}$ of the entropy $H$."""
        return self.entropy().exp()

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at ``value``.

        Args:
            value: a tensor.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Any) -> Tensor:
        """The inverse cumulative distribution function at ``value``.

        Args:
            value: probabilities.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """The distribution with its parameters expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    # -- validation ----------------------------------------------------------------------------------
    def _validate_sample(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = tuple(value.shape)
        start = len(shape) - len(self._event_shape)
        if shape[start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(shape), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {shape} vs {expected}.")
        support = self.support
        if not bool(support.check(value).array.all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {shape}) to be within the support "
                f"({support!r}) of the distribution {self!r}, but found invalid values:\n{value}"
            )

    def __repr__(self) -> str:
        parts = []
        for p in self.arg_constraints:
            if p in self.__dict__:
                v = self.__dict__[p]
                parts.append(f"{p}: {v.item() if v.numel() == 1 else tuple(v.shape)}")
        return f"{type(self).__name__}({', '.join(parts)})"
