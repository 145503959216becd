r"""The beta distribution on $[0, 1]$, as ``torch.distributions.Beta``.

With concentrations $a$ (``concentration1``) and $b$ (``concentration0``), the Dirichlet
distribution of $(x, 1 - x)$:

$$
\log p(x) = (a - 1) \log x + (b - 1) \log(1 - x) - \log \mathrm{B}(a, b).
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Beta
    >>> round(Beta(2.0, 2.0).log_prob(dn.tensor(0.5)).item(), 4)
    0.4055
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor, as_tensor, stack
from deltanet.distributions import constraints
from deltanet.distributions.dirichlet import Dirichlet
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.gamma import NO_RSAMPLE
from deltanet.distributions.utils import broadcast_all


class Beta(Distribution):
    r"""The beta distribution with concentrations $a$ = ``concentration1`` and $b$ = ``concentration0``.

    ``sample`` draws from deltanet's generator; ``rsample`` (PyTorch's implicit
    reparameterisation) is not implemented and raises, so ``has_rsample`` is False here.

    Args:
        concentration1: $a > 0$, the weight of 1.
        concentration0: $b > 0$, the weight of 0.
        validate_args: check the parameters and that values lie in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Beta
        >>> Beta(dn.tensor([1.0]), dn.tensor([3.0])).mean.tolist()
        [0.25]
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}  # noqa: RUF012
    support = constraints.unit_interval

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(self.concentration1.shape, (), validate_args)
        self._dirichlet = Dirichlet(stack([self.concentration1, self.concentration0], -1), validate_args=False)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        """This distribution with its parameters expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return Beta(self.concentration1.expand(*shape), self.concentration0.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $a / (a + b)$."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The mode, the first entry of the Dirichlet mode of $(a, b)$."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """The variance $a b / ((a + b)^2 (a + b + 1))$."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws in $(0, 1)$ from deltanet's generator, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        return as_tensor(self._dirichlet.sample(sample_shape).array[..., 0].copy())

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Not implemented: raises ``NotImplementedError`` (see the class).

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        raise NotImplementedError(NO_RSAMPLE.format(name=type(self).__name__))

    def log_prob(self, value: Any) -> Tensor:
        """$(a - 1) \\log x + (b - 1) \\log(1 - x) - \\log \\mathrm{B}(a, b)$.

        Args:
            value: values in $[0, 1]$.
        """
        if self._validate_args:
            self._validate_sample(value)
        value = as_tensor(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        """The entropy of the Dirichlet distribution of $(x, 1 - x)$."""
        return self._dirichlet.entropy()
