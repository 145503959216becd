r"""The continuous uniform distribution on $[a, b)$, as ``torch.distributions.Uniform``.

$$
\log p(x) = -\log(b - a) \quad (a \le x < b).
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Uniform
    >>> round(Uniform(0.0, 4.0).log_prob(dn.tensor(1.0)).item(), 4)
    -1.3863
"""

from __future__ import annotations

from typing import Any

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, full
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all


class Uniform(Distribution):
    r"""The uniform distribution on $[a, b)$ with $a$ = ``low`` and $b$ = ``high``.

    Its ``rsample`` is $a + u (b - a)$ with $u$ uniform in $[0, 1)$ from deltanet's generator.

    Args:
        low: the lower bound $a$ (included).
        high: the upper bound $b > a$ (excluded).
        validate_args: check that ``low < high`` and that values lie in $[a, b]$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Uniform
        >>> Uniform(dn.tensor([0.0]), dn.tensor([2.0])).mean.tolist()
        [1.0]
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        """``low`` below ``high``, ``high`` above ``low``."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        """This distribution with its bounds expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        return Uniform(self.low.expand(*shape), self.high.expand(*shape), validate_args=False)

    @property
    def support(self) -> constraints.Constraint:
        """The interval $[a, b]$ (PyTorch's; ``log_prob`` of $b$ itself is $-\\infty$)."""
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        """The mean $(a + b) / 2$."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """Not defined: NaN."""
        return full(self.high.shape, float("nan"), dtype=self.high.dtype)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation $(b - a) / \\sqrt{12}$."""
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        """The variance $(b - a)^2 / 12$."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$a + u (b - a)$, $u$ uniform in $[0, 1)$.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        u = backend.get_rng(None).random(self._extended_shape(sample_shape)).astype(self.low.array.dtype)
        return self.low + as_tensor(u) * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        """$-\\log(b - a)$ inside $[a, b)$, $-\\infty$ outside (an error when validating).

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Any) -> Tensor:
        """$(x - a) / (b - a)$, clamped to $[0, 1]$.

        Args:
            value: the values $x$.
        """
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Any) -> Tensor:
        """$a + p (b - a)$.

        Args:
            value: probabilities $p$.
        """
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """$\\log(b - a)$."""
        return (self.high - self.low).log()
