r"""The gamma distribution, as ``torch.distributions.Gamma``.

With concentration $\alpha$ and rate $\beta$,

$$
\log p(x) = \alpha \log \beta + (\alpha - 1) \log x - \beta x - \log \Gamma(\alpha).
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Gamma
    >>> round(Gamma(2.0, 1.0).log_prob(dn.tensor(1.0)).item(), 4)
    -1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, digamma, lgamma, xlogy
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all

NO_RSAMPLE = (
    "{name} has no reparameterised sample in deltanet (PyTorch's rsample differentiates the gamma "
    "draw implicitly, which deltanet does not implement): use sample(), which carries no gradient, "
    "or a score-function estimator with log_prob"
)


def _standard_gamma(concentration: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Gamma draws of rate 1 from deltanet's generator, kept above the dtype's smallest number."""
    draws = backend.get_rng(None).standard_gamma(np.broadcast_to(concentration, shape))
    return np.maximum(draws, np.finfo(concentration.dtype).tiny).astype(concentration.dtype)


class Gamma(Distribution):
    r"""The gamma distribution with shape $\alpha$ (``concentration``) and rate $\beta$ (``rate``).

    ``sample`` draws from deltanet's generator; ``rsample`` (PyTorch's implicit reparameterisation)
    is not implemented and raises, so ``has_rsample`` is False here.

    Args:
        concentration: the shape $\alpha > 0$.
        rate: the rate $\beta > 0$ (the inverse scale).
        validate_args: check the parameters and that values are non-negative.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Gamma
        >>> d = Gamma(dn.tensor([2.0]), dn.tensor([4.0]))
        >>> d.mean.tolist(), d.variance.tolist()
        ([0.5], [0.125])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}  # noqa: RUF012
    support = constraints.nonnegative

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        """This distribution with its parameters expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return Gamma(self.concentration.expand(*shape), self.rate.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $\\alpha / \\beta$."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """The mode $\\max(\\alpha - 1, 0) / \\beta$."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """The variance $\\alpha / \\beta^2$."""
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Gamma draws from deltanet's generator, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        draws = _standard_gamma(self.concentration.array, self._extended_shape(sample_shape))
        return as_tensor((draws / self.rate.array).astype(self.rate.array.dtype))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Not implemented: raises ``NotImplementedError`` (see the class).

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        raise NotImplementedError(NO_RSAMPLE.format(name=type(self).__name__))

    def log_prob(self, value: Any) -> Tensor:
        """$\\alpha \\log \\beta + (\\alpha - 1) \\log x - \\beta x - \\log \\Gamma(\\alpha)$.

        Args:
            value: non-negative values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        return xlogy(a, b) + xlogy(a - 1, value) - b * value - lgamma(a)

    def cdf(self, value: Any) -> Tensor:
        """Not implemented (PyTorch's uses the regularised incomplete gamma function).

        Args:
            value: the values $x$.
        """
        raise NotImplementedError("Gamma.cdf is not implemented in deltanet")

    def entropy(self) -> Tensor:
        """$\\alpha - \\log \\beta + \\log \\Gamma(\\alpha) + (1 - \\alpha) \\psi(\\alpha)$."""
        a = self.concentration
        return a - self.rate.log() + lgamma(a) + (1.0 - a) * digamma(a)
