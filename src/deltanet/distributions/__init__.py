r"""Probability distributions with PyTorch's names, as ``torch.distributions``.

A variational autoencoder's encoder gives $(\mu, \log \sigma^2)$; the posterior is
``q = Normal(mu, torch.exp(0.5 * log_var))``, a latent code ``z = q.rsample()`` (gradients flow
through $z = \mu + \sigma \varepsilon$), a likelihood ``Bernoulli(logits=decoder(z)).log_prob(x)``
and the regulariser ``kl_divergence(q, Normal(0, 1))``. Densities, entropies and divergences agree
with PyTorch's; draws come from deltanet's generator (``dn.manual_seed``), so they are other numbers
than PyTorch's for the same seed.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Normal, kl_divergence
    >>> q = Normal(dn.tensor([0.5]), dn.tensor([1.0]))
    >>> kl_divergence(q, Normal(0.0, 1.0)).tolist()
    [0.125]
"""

from __future__ import annotations

from deltanet.distributions import constraints
from deltanet.distributions.bernoulli import Bernoulli
from deltanet.distributions.beta import Beta
from deltanet.distributions.categorical import Categorical
from deltanet.distributions.dirichlet import Dirichlet
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.exponential import Exponential
from deltanet.distributions.gamma import Gamma
from deltanet.distributions.independent import Independent
from deltanet.distributions.kl import kl_divergence, register_kl
from deltanet.distributions.laplace import Laplace
from deltanet.distributions.log_normal import LogNormal
from deltanet.distributions.multivariate_normal import MultivariateNormal
from deltanet.distributions.normal import Normal
from deltanet.distributions.one_hot_categorical import OneHotCategorical
from deltanet.distributions.poisson import Poisson
from deltanet.distributions.uniform import Uniform

__all__ = [
    "Bernoulli",
    "Beta",
    "Categorical",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Independent",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]

# PyTorch's names that deltanet does not have yet: a clear error instead of a bare AttributeError.
_NOT_YET = (
    "Binomial Cauchy Chi2 ContinuousBernoulli ExpRelaxedCategorical FisherSnedecor Geometric Gumbel "
    "HalfCauchy HalfNormal InverseGamma Kumaraswamy LKJCholesky LogisticNormal LowRankMultivariateNormal "
    "MixtureSameFamily Multinomial NegativeBinomial RelaxedBernoulli RelaxedOneHotCategorical StudentT "
    "TransformedDistribution VonMises Weibull Wishart ExponentialFamily GeneralizedPareto transforms"
).split()


def __getattr__(name: str) -> object:
    if name in _NOT_YET:
        raise AttributeError(
            f"deltanet.distributions has no {name} yet (torch.distributions.{name} is not implemented); "
            f"available: {', '.join(n for n in __all__ if n[0].isupper())}"
        )
    raise AttributeError(f"module 'deltanet.distributions' has no attribute {name!r}")
