r"""The Kullback-Leibler divergence between two distributions, as ``torch.distributions.kl``.

$$
\mathrm{KL}(p \,\Vert\, q) = \mathbb{E}_{x \sim p}\left[\log p(x) - \log q(x)\right],
$$

in closed form for the pairs registered with ``register_kl``; for two normals,
$\log(\sigma_q / \sigma_p) + (\sigma_p^2 + (\mu_p - \mu_q)^2) / (2 \sigma_q^2) - \frac{1}{2}$,
the term of a VAE's loss.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Normal, kl_divergence
    >>> round(kl_divergence(Normal(1.0, 1.0), Normal(0.0, 1.0)).item(), 4)
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from deltanet.autograd import Tensor, broadcast_shapes, digamma, lgamma, linalg, where, xlogy
from deltanet.distributions.bernoulli import Bernoulli, softplus
from deltanet.distributions.beta import Beta
from deltanet.distributions.categorical import Categorical
from deltanet.distributions.dirichlet import Dirichlet
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.exponential import Exponential
from deltanet.distributions.gamma import Gamma
from deltanet.distributions.independent import Independent
from deltanet.distributions.laplace import Laplace
from deltanet.distributions.log_normal import LogNormal
from deltanet.distributions.multivariate_normal import MultivariateNormal, batch_mahalanobis
from deltanet.distributions.normal import Normal
from deltanet.distributions.one_hot_categorical import OneHotCategorical
from deltanet.distributions.poisson import Poisson
from deltanet.distributions.uniform import Uniform
from deltanet.distributions.utils import sum_rightmost

KLFunction = Callable[[Any, Any], Tensor]
_KL_REGISTRY: dict[tuple[type, type], KLFunction] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[KLFunction], KLFunction]:
    """A decorator that registers ``kl(p, q)`` for distributions of ``type_p`` and ``type_q``.

    The most specific registered pair (by the classes' method resolution order) is used, so a
    rule for a subclass wins over its parent's.

    Args:
        type_p: a subclass of ``Distribution``.
        type_q: a subclass of ``Distribution``.

    Examples:
        >>> from deltanet.distributions import Normal, kl_divergence, register_kl
        >>> class Standard(Normal):
        ...     pass
        >>> @register_kl(Standard, Standard)
        ... def _kl_standard(p, q):
        ...     return p.loc * 0
        >>> kl_divergence(Standard(0.0, 1.0), Standard(0.0, 1.0)).item()
        0.0
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"Expected type_p and type_q to be subclasses of Distribution, got {t!r}")

    def decorator(fun: KLFunction) -> KLFunction:
        _KL_REGISTRY[type_p, type_q] = fun
        return fun

    return decorator


def _dispatch(type_p: type, type_q: type) -> KLFunction | None:
    matches = [(tp, tq) for tp, tq in _KL_REGISTRY if issubclass(type_p, tp) and issubclass(type_q, tq)]
    if not matches:
        return None
    best = min(matches, key=lambda m: (type_p.__mro__.index(m[0]), type_q.__mro__.index(m[1])))
    return _KL_REGISTRY[best]


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    r"""$\mathrm{KL}(p \,\Vert\, q)$ in closed form, of the broadcast batch shape.

    Args:
        p: a distribution.
        q: a distribution of a type for which a rule is registered with ``p``'s.

    Raises:
        NotImplementedError: no rule is registered for the pair of types.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Categorical, kl_divergence
        >>> p = Categorical(probs=dn.tensor([0.5, 0.5]))
        >>> round(kl_divergence(p, Categorical(probs=dn.tensor([0.25, 0.75]))).item(), 4)
        0.1438
    """
    fun = _dispatch(type(p), type(q))
    if fun is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p of type {type(p).__name__} and q of type {type(q).__name__}: "
            "register one with @deltanet.distributions.register_kl(type_p, type_q), or estimate it by "
            "sampling, (p.log_prob(z) - q.log_prob(z)).mean() with z = p.rsample((n,))"
        )
    return fun(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    inf = float("inf")
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = where(p.probs == 0, 0.0, where(q.probs == 0, inf, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = where(p.probs == 1, 0.0, where(q.probs == 1, inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = where(p.probs == 0, 0.0, where(q.probs == 0, float("inf"), t))
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return where((q.low > p.low) | (q.high < p.high), float("inf"), result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    common_term = p.high - p.low
    t1 = (math.sqrt(math.pi * 2) * q.scale / common_term).log()
    t2 = common_term.pow(2) / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2).pow(2)
    return t1 + 0.5 * (t2 + t3) / q.scale.pow(2)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Tensor:
    loc_diff = p.loc - q.loc
    scale_ratio = p.scale / q.scale
    loc_diff_scale_ratio = loc_diff / p.scale
    t1 = scale_ratio.log()
    t2 = math.sqrt(2 / math.pi) * p.scale * (-0.5 * loc_diff_scale_ratio.pow(2)).exp()
    t3 = loc_diff * (1 - 2 * Normal(0.0, 1.0, validate_args=False).cdf(-loc_diff_scale_ratio))
    return -t1 + (t2 + t3) / q.scale - (0.5 * (1 + math.log(0.5 * math.pi)))


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "KL between Independent distributions with different reinterpreted_batch_ndims "
            f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims}) is not implemented"
        )
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes cannot be computed"
        )
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = Lq.diagonal(dim1=-2, dim2=-1).log().sum(-1) - Lp.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    n = p.event_shape[0]
    batch = broadcast_shapes(Lq.shape[:-2], Lp.shape[:-2])
    solved = linalg.solve_triangular(Lq.expand(*batch, n, n), Lp.expand(*batch, n, n), upper=False)
    term2 = solved.pow(2).sum((-2, -1))
    term3 = batch_mahalanobis(Lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(sum_p)
    t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
    t5 = (sum_q - sum_p) * digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = (lgamma(p.concentration) - lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = digamma(p.concentration) - digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    # p log(p / q) with its limits: 0 where p = 0 (PyTorch gives NaN there), inf where q = 0 < p.
    q_zero = q.rate == 0
    t1 = xlogy(p.rate, p.rate / where(q_zero, 1.0, q.rate))
    return where(q_zero & (p.rate > 0), float("inf"), t1) - (p.rate - q.rate)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return rate_ratio - rate_ratio.log() - 1


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> Tensor:
    # The same invertible map of both: the divergence of the underlying normals.
    return _kl_normal_normal(p.base_dist, q.base_dist)
