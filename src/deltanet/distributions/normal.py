r"""The normal (Gaussian) distribution, as ``torch.distributions.Normal``.

$$
\log p(x) = -\frac{(x - \mu)^2}{2 \sigma^2} - \log \sigma - \tfrac{1}{2} \log(2 \pi),
\qquad z = \mu + \sigma \varepsilon, \ \varepsilon \sim \mathcal{N}(0, 1).
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Normal
    >>> round(Normal(0.0, 1.0).log_prob(dn.tensor(0.0)).item(), 4)
    -0.9189
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, erf, erfinv
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class Normal(Distribution):
    r"""The normal distribution $\mathcal{N}(\mu, \sigma^2)$ with mean ``loc`` and standard deviation ``scale``.

    Its ``rsample`` is $\mu + \sigma \varepsilon$ with $\varepsilon$ drawn from deltanet's
    generator, so $\partial z / \partial \mu = 1$ and $\partial z / \partial \sigma = \varepsilon$.

    Args:
        loc: the mean $\mu$ (a tensor or a number).
        scale: the standard deviation $\sigma > 0$ (a tensor or a number).
        validate_args: check that ``scale`` is positive and that values of ``log_prob`` are real.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Normal
        >>> q = Normal(dn.tensor([0.0, 1.0]), dn.tensor([1.0, 2.0]))
        >>> q.mean.tolist(), q.variance.tolist()
        ([0.0, 1.0], [1.0, 4.0])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Normal:
        """This distribution with ``loc`` and ``scale`` expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return Normal(self.loc.expand(*shape), self.scale.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $\\mu$."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode $\\mu$."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """The standard deviation $\\sigma$."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """The variance $\\sigma^2$."""
        return self.scale.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$\\mu + \\sigma \\varepsilon$, with $\\varepsilon$ from deltanet's default generator.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        shape = self._extended_shape(sample_shape)
        eps = backend.get_rng(None).standard_normal(shape).astype(self.loc.array.dtype)
        return self.loc + as_tensor(eps) * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """$-\\frac{(x - \\mu)^2}{2 \\sigma^2} - \\log \\sigma - \\frac{1}{2} \\log 2 \\pi$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: Any) -> Tensor:
        """$\\frac{1}{2} (1 + \\mathrm{erf}((x - \\mu) / (\\sigma \\sqrt{2})))$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Any) -> Tensor:
        """$\\mu + \\sigma \\sqrt{2}\\, \\mathrm{erf}^{-1}(2 p - 1)$.

        Args:
            value: probabilities $p$.
        """
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """$\\frac{1}{2} + \\frac{1}{2} \\log 2 \\pi + \\log \\sigma$."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
