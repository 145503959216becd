r"""The Dirichlet distribution over probability vectors, as ``torch.distributions.Dirichlet``.

With concentrations $\alpha_1, \ldots, \alpha_K$ and $\alpha_0 = \sum_k \alpha_k$,

$$
\log p(x) = \sum_k (\alpha_k - 1) \log x_k + \log \Gamma(\alpha_0) - \sum_k \log \Gamma(\alpha_k),
$$

the uncertainty head of evidential deep learning (its KL to the flat $\mathrm{Dir}(1, \ldots, 1)$
is the regulariser).

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Dirichlet
    >>> round(Dirichlet(dn.ones(3)).log_prob(dn.tensor([0.2, 0.3, 0.5])).item(), 4)
    0.6931
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor, as_tensor, digamma, lgamma, where, xlogy
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.gamma import NO_RSAMPLE, _standard_gamma


class Dirichlet(Distribution):
    r"""The Dirichlet distribution with concentrations $\alpha$ along the last dimension.

    ``sample`` draws from deltanet's generator (normalised gamma draws); ``rsample`` (PyTorch's
    implicit reparameterisation) is not implemented and raises, so ``has_rsample`` is False here.

    Args:
        concentration: $\alpha > 0$, shape ``batch_shape + (K,)``.
        validate_args: check the parameter and that values lie on the simplex.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Dirichlet
        >>> Dirichlet(dn.tensor([1.0, 3.0])).mean.tolist()
        [0.25, 0.75]
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}  # noqa: RUF012
    support = constraints.simplex

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        """This distribution with its parameter expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        return Dirichlet(self.concentration.expand(*tuple(batch_shape), *self._event_shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $\\alpha / \\alpha_0$."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """$\\max(\\alpha - 1, 0)$ normalised; PyTorch's first vertex $(1, 0, \\ldots)$ where every $\\alpha_k < 1$.

        With every $\\alpha_k < 1$ the density grows without bound at each vertex: there is no single
        mode, and PyTorch returns the first vertex, as deltanet does.
        """
        am1 = (self.concentration - 1).clamp(min=0.0)
        mode = am1 / am1.sum(-1, keepdim=True)
        all_below_one = (self.concentration < 1).all(-1, keepdim=True)
        k = self._event_shape[0]
        vertex = as_tensor((np.arange(k) == 0).astype(mode.array.dtype))
        return where(all_below_one, vertex, mode)

    @property
    def variance(self) -> Tensor:
        """$\\alpha_k (\\alpha_0 - \\alpha_k) / (\\alpha_0^2 (\\alpha_0 + 1))$."""
        a = self.concentration
        a0 = a.sum(-1, keepdim=True)
        return a * (a0 - a) / (a0.pow(2) * (a0 + 1))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Probability vectors drawn from deltanet's generator, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        g = _standard_gamma(self.concentration.array, self._extended_shape(sample_shape))
        x = g / g.sum(-1, keepdims=True)
        eps = np.finfo(x.dtype).eps
        return as_tensor(np.clip(x, eps, 1 - eps).astype(self.concentration.array.dtype))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Not implemented: raises ``NotImplementedError`` (see the class).

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        raise NotImplementedError(NO_RSAMPLE.format(name=type(self).__name__))

    def log_prob(self, value: Any) -> Tensor:
        """$\\sum_k (\\alpha_k - 1) \\log x_k + \\log \\Gamma(\\alpha_0) - \\sum_k \\log \\Gamma(\\alpha_k)$.

        Args:
            value: probability vectors.
        """
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return xlogy(a - 1.0, value).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1)

    def entropy(self) -> Tensor:
        """The entropy, with $\\psi$ the digamma function.

        $$
        \\sum_k \\log \\Gamma(\\alpha_k) - \\log \\Gamma(\\alpha_0) - (K - \\alpha_0) \\psi(\\alpha_0)
        - \\sum_k (\\alpha_k - 1) \\psi(\\alpha_k)
        $$
        """
        a = self.concentration
        k = a.shape[-1]
        a0 = a.sum(-1)
        return lgamma(a).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((a - 1.0) * digamma(a)).sum(-1)
