r"""The log-normal distribution, as ``torch.distributions.LogNormal``: $\log x \sim \mathcal{N}(\mu, \sigma^2)$.

$$
\log p(x) = \log \mathcal{N}(\log x; \mu, \sigma^2) - \log x, \qquad z = e^{\mu + \sigma \varepsilon}.
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import LogNormal
    >>> round(LogNormal(0.0, 1.0).log_prob(dn.tensor(1.0)).item(), 4)
    -0.9189
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.normal import Normal


class LogNormal(Distribution):
    r"""The distribution of $e^{y}$ with $y \sim \mathcal{N}(\mu, \sigma^2)$.

    Args:
        loc: the mean $\mu$ of $\log x$.
        scale: the standard deviation $\sigma > 0$ of $\log x$.
        validate_args: check the parameters and that values are positive.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import LogNormal
        >>> round(LogNormal(dn.tensor([0.0]), dn.tensor([1.0])).mean.item(), 4)
        1.6487
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, (), validate_args)

    @property
    def loc(self) -> Tensor:
        """The mean $\\mu$ of $\\log x$."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The standard deviation $\\sigma$ of $\\log x$."""
        return self.base_dist.scale

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogNormal:
        """This distribution with its parameters expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return LogNormal(self.loc.expand(*shape), self.scale.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $e^{\\mu + \\sigma^2 / 2}$."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """The mode $e^{\\mu - \\sigma^2}$."""
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        """The variance $(e^{\\sigma^2} - 1) e^{2 \\mu + \\sigma^2}$."""
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$e^{\\mu + \\sigma \\varepsilon}$, $\\varepsilon$ from deltanet's generator.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value: Any) -> Tensor:
        """$\\log \\mathcal{N}(\\log x; \\mu, \\sigma^2) - \\log x$.

        Args:
            value: positive values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        y = value.log()
        return self.base_dist.log_prob(y) - y

    def cdf(self, value: Any) -> Tensor:
        """The normal cdf of $\\log x$.

        Args:
            value: positive values $x$.
        """
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Any) -> Tensor:
        """$e^{y}$ with $y$ the normal inverse cdf of $p$.

        Args:
            value: probabilities $p$.
        """
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        """The normal entropy plus $\\mu$."""
        return self.base_dist.entropy() + self.loc

    def __repr__(self) -> str:
        return repr(self.base_dist).replace("Normal", "LogNormal", 1)
