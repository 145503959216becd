r"""The Laplace distribution, as ``torch.distributions.Laplace``.

$$
\log p(x) = -\log(2 b) - \frac{|x - \mu|}{b}.
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Laplace
    >>> round(Laplace(0.0, 1.0).log_prob(dn.tensor(0.0)).item(), 4)
    -0.6931
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all


class Laplace(Distribution):
    r"""The Laplace distribution with location $\mu$ (``loc``) and scale $b$ (``scale``).

    Its ``rsample`` is $\mu - b\, \mathrm{sign}(u) \log(1 - |u|)$ with $u$ uniform in
    $(-1, 1)$ from deltanet's generator.

    Args:
        loc: the location $\mu$.
        scale: the scale $b > 0$.
        validate_args: check that ``scale`` is positive and values are real.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Laplace
        >>> Laplace(dn.zeros(2), 1.0).variance.tolist()
        [2.0, 2.0]
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Laplace:
        """This distribution with its parameters expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return Laplace(self.loc.expand(*shape), self.scale.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $\\mu$."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode $\\mu$."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The variance $2 b^2$."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation $\\sqrt{2}\\, b$."""
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$\\mu - b\\, \\mathrm{sign}(u) \\log(1 - |u|)$, $u$ uniform in $(-1, 1)$.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        dtype = self.loc.array.dtype
        eps = float(np.finfo(dtype).eps)
        u = as_tensor(backend.get_rng(None).uniform(eps - 1, 1, self._extended_shape(sample_shape)).astype(dtype))
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        """$-\\log(2 b) - |x - \\mu| / b$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        """$\\frac{1}{2} - \\frac{1}{2} \\mathrm{sign}(x - \\mu) (e^{-|x - \\mu| / b} - 1)$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * d.sign() * ((-d.abs() / self.scale).exp() - 1)

    def icdf(self, value: Any) -> Tensor:
        """$\\mu - b\\, \\mathrm{sign}(p - \\frac{1}{2}) \\log(1 - 2 |p - \\frac{1}{2}|)$.

        Args:
            value: probabilities $p$.
        """
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """$1 + \\log(2 b)$."""
        return 1 + (2 * self.scale).log()
