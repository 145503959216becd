r"""The exponential distribution, as ``torch.distributions.Exponential``.

$$
\log p(x) = \log \lambda - \lambda x \quad (x \ge 0), \qquad z = -\log(u) / \lambda.
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Exponential
    >>> round(Exponential(2.0).log_prob(dn.tensor(1.0)).item(), 4)
    -1.3069
"""

from __future__ import annotations

from typing import Any

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, zeros_like
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all


class Exponential(Distribution):
    r"""The exponential distribution with rate $\lambda$ (``rate``).

    Its ``rsample`` is $e / \lambda$ with $e$ a standard exponential draw from deltanet's generator.

    Args:
        rate: the rate $\lambda > 0$.
        validate_args: check the parameter and that values are non-negative.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Exponential
        >>> Exponential(dn.tensor([2.0])).mean.tolist()
        [0.5]
    """

    arg_constraints = {"rate": constraints.positive}  # noqa: RUF012
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        """This distribution with its rate expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        return Exponential(self.rate.expand(*tuple(batch_shape)), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $1 / \\lambda$."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """The mode, 0."""
        return zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation $1 / \\lambda$."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """The variance $1 / \\lambda^2$."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$e / \\lambda$, $e$ standard exponential from deltanet's generator.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        e = backend.get_rng(None).standard_exponential(self._extended_shape(sample_shape))
        return as_tensor(e.astype(self.rate.array.dtype)) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        """$\\log \\lambda - \\lambda x$.

        Args:
            value: non-negative values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        """$1 - e^{-\\lambda x}$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> Tensor:
        """$-\\log(1 - p) / \\lambda$.

        Args:
            value: probabilities $p$.
        """
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        """$1 - \\log \\lambda$."""
        return 1.0 - self.rate.log()
