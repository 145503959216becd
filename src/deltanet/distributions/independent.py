r"""Batch dimensions reinterpreted as event dimensions, as ``torch.distributions.Independent``.

A diagonal Gaussian over a vector is ``Independent(Normal(mu, sigma), 1)``: its ``log_prob`` sums
the coordinates' log-densities, $\log p(x) = \sum_i \log p_i(x_i)$, and its batch shape loses the
last dimension to the event shape.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Independent, Normal
    >>> d = Independent(Normal(dn.zeros(4, 3), 1.0), 1)
    >>> d.batch_shape, d.event_shape, d.log_prob(dn.zeros(4, 3)).shape
    ((4,), (3,), (4,))
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import sum_rightmost


class Independent(Distribution):
    r"""A distribution whose last ``reinterpreted_batch_ndims`` batch dimensions become event dimensions.

    Args:
        base_distribution: the distribution.
        reinterpreted_batch_ndims: how many right-most batch dimensions become event dimensions.
        validate_args: check values of ``log_prob`` against the support.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Independent, Normal
        >>> round(Independent(Normal(dn.zeros(2), 1.0), 1).entropy().item(), 4)
        2.8379
    """

    def __init__(
        self, base_distribution: Distribution, reinterpreted_batch_ndims: int, validate_args: bool | None = None
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"base_distribution must be a Distribution, got {type(base_distribution).__name__}")
        n = reinterpreted_batch_ndims
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"reinterpreted_batch_ndims must be a non-negative integer, got {n!r}")
        shape = base_distribution.batch_shape + base_distribution.event_shape
        if n > len(base_distribution.batch_shape):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {n} vs {len(base_distribution.batch_shape)}"
            )
        event_dim = n + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        super().__init__(shape[: len(shape) - event_dim], shape[len(shape) - event_dim :], validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution has a reparameterised sample."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        """False when dimensions are reinterpreted (the support would be a product)."""
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self) -> constraints.Constraint:
        """The base support over the reinterpreted dimensions."""
        base = self.base_dist.support
        return constraints.independent(base, self.reinterpreted_batch_ndims) if self.reinterpreted_batch_ndims else base

    @property
    def mean(self) -> Tensor:
        """The base distribution's mean."""
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        """The base distribution's mode."""
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        """The base distribution's variance."""
        return self.base_dist.variance

    def expand(self, batch_shape: Any, _instance: Any = None) -> Independent:
        """This distribution with its batch expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        reinterpreted = self.base_dist.batch_shape[len(self.base_dist.batch_shape) - self.reinterpreted_batch_ndims :]
        base = self.base_dist.expand(tuple(batch_shape) + reinterpreted)
        return Independent(base, self.reinterpreted_batch_ndims, validate_args=False)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of the base distribution.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw of the base distribution.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """The base log-density summed over the reinterpreted dimensions.

        Args:
            value: the values.
        """
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base entropy summed over the reinterpreted dimensions."""
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The base support (only when no dimension is reinterpreted).

        Args:
            expand: expand over the batch shape.
        """
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
