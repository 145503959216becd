r"""The Poisson distribution of counts, as ``torch.distributions.Poisson``.

$$
\log p(k) = k \log \lambda - \lambda - \log \Gamma(k + 1).
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Poisson
    >>> round(Poisson(2.0).log_prob(dn.tensor(0.0)).item(), 4)
    -2.0
"""

from __future__ import annotations

from typing import Any

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, lgamma, xlogy
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all


class Poisson(Distribution):
    r"""The Poisson distribution with rate $\lambda$ (``rate``).

    Args:
        rate: the rate $\lambda \ge 0$.
        validate_args: check the parameter and that values are non-negative integers.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Poisson
        >>> Poisson(dn.tensor([3.0])).variance.tolist()
        [3.0]
    """

    arg_constraints = {"rate": constraints.nonnegative}  # noqa: RUF012
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        """This distribution with its rate expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        return Poisson(self.rate.expand(*tuple(batch_shape)), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $\\lambda$."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """The mode $\\lfloor \\lambda \\rfloor$."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """The variance $\\lambda$."""
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts (floats, as PyTorch's) drawn from deltanet's generator, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        shape = self._extended_shape(sample_shape)
        return as_tensor(backend.get_rng(None).poisson(self.rate.array, shape).astype(self.rate.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """$k \\log \\lambda - \\lambda - \\log \\Gamma(k + 1)$.

        Args:
            value: counts $k$.
        """
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)
