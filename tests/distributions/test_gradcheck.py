"""float64 gradchecks of log_prob, entropy and kl_divergence with respect to the parameters."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.distributions as D

rng = np.random.default_rng(5)


def leaf(a):
    return dn.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


X = dn.tensor(rng.normal(size=(3, 2)))
BITS = dn.tensor((rng.random(size=(3, 2)) > 0.5).astype(np.float64))
CLASSES = dn.tensor(np.array([0, 3, 1]))
COV_ROOT = rng.normal(size=(3, 3))
L0 = np.linalg.cholesky(COV_ROOT @ COV_ROOT.T + np.eye(3))
VECTORS = dn.tensor(rng.normal(size=(2, 3)))

# name -> (parameters, the function of them that is checked)
CHECKS = {
    "Normal.log_prob": (
        [rng.normal(size=(3, 2)), rng.uniform(0.5, 2, (3, 2))],
        lambda m, s: D.Normal(m, s).log_prob(X),
    ),
    "Normal.entropy+cdf": (
        [rng.normal(size=(3, 2)), rng.uniform(0.5, 2, (3, 2))],
        lambda m, s: D.Normal(m, s).entropy() + D.Normal(m, s).cdf(X),
    ),
    "Laplace.log_prob": (
        [rng.normal(size=(3, 2)), rng.uniform(0.5, 2, (3, 2))],
        lambda m, s: D.Laplace(m, s).log_prob(X),
    ),
    "Uniform.log_prob+entropy": (
        [-rng.uniform(3, 4, (3, 2)), rng.uniform(3, 4, (3, 2))],
        lambda a, b: D.Uniform(a, b).log_prob(X) + D.Uniform(a, b).entropy(),
    ),
    "Bernoulli.logits": (
        [rng.normal(size=(3, 2))],
        lambda l: D.Bernoulli(logits=l).log_prob(BITS) + D.Bernoulli(logits=l).entropy(),
    ),
    "Bernoulli.probs": (
        [rng.uniform(0.1, 0.9, (3, 2))],
        lambda p: D.Bernoulli(probs=p).log_prob(BITS) + D.Bernoulli(probs=p).entropy(),
    ),
    "Categorical.logits": (
        [rng.normal(size=(3, 4))],
        lambda l: D.Categorical(logits=l).log_prob(CLASSES) + D.Categorical(logits=l).entropy(),
    ),
    "Categorical.probs": (
        [rng.uniform(0.1, 1, (3, 4))],
        lambda p: D.Categorical(probs=p).log_prob(CLASSES) + D.Categorical(probs=p).entropy(),
    ),
    "MultivariateNormal.scale_tril": (
        [rng.normal(size=3), L0],
        lambda m, L: (
            D.MultivariateNormal(m, scale_tril=L.tril(), validate_args=False).log_prob(VECTORS)
            + D.MultivariateNormal(m, scale_tril=L.tril(), validate_args=False).entropy()
        ),
    ),
    "MultivariateNormal.covariance": (
        [rng.normal(size=3), L0 @ L0.T],
        lambda m, C: D.MultivariateNormal(m, (C + C.transpose(-2, -1)) / 2).log_prob(dn.tensor(np.ones(3))),
    ),
    "kl Normal": (
        [rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0.5, 2, 4)],
        lambda a, b, c, d: D.kl_divergence(D.Normal(a, b), D.Normal(c, d)),
    ),
    "kl Laplace": (
        [rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0.5, 2, 4)],
        lambda a, b, c, d: D.kl_divergence(D.Laplace(a, b), D.Laplace(c, d)),
    ),
    "kl Normal-Laplace": (
        [rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0.5, 2, 4)],
        lambda a, b, c, d: D.kl_divergence(D.Normal(a, b), D.Laplace(c, d)),
    ),
    "kl Bernoulli": (
        [rng.normal(size=4), rng.uniform(0.1, 0.9, 4)],
        lambda a, b: D.kl_divergence(D.Bernoulli(logits=a), D.Bernoulli(probs=b)),
    ),
    "kl Categorical": (
        [rng.normal(size=(2, 4)), rng.normal(size=(2, 4))],
        lambda a, b: D.kl_divergence(D.Categorical(logits=a), D.Categorical(logits=b)),
    ),
    "kl Uniform-Normal": (
        [-rng.uniform(1, 2, 3), rng.uniform(1, 2, 3), rng.normal(size=3), rng.uniform(0.5, 2, 3)],
        lambda a, b, c, d: D.kl_divergence(D.Uniform(a, b), D.Normal(c, d)),
    ),
    "Gamma": (
        [rng.uniform(0.5, 3, 4), rng.uniform(0.5, 3, 4)],
        lambda a, b: D.Gamma(a, b).log_prob(dn.tensor([0.5, 1.0, 2.0, 3.0])) + D.Gamma(a, b).entropy(),
    ),
    "Beta": (
        [rng.uniform(0.5, 3, 4), rng.uniform(0.5, 3, 4)],
        lambda a, b: D.Beta(a, b).log_prob(dn.tensor([0.1, 0.4, 0.6, 0.9])) + D.Beta(a, b).entropy(),
    ),
    "Dirichlet": (
        [rng.uniform(0.5, 3, (2, 3))],
        lambda a: D.Dirichlet(a).log_prob(dn.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])) + D.Dirichlet(a).entropy(),
    ),
    "Poisson": ([rng.uniform(0.5, 3, 4)], lambda r: D.Poisson(r).log_prob(dn.tensor([0.0, 1.0, 2.0, 5.0]))),
    "kl Gamma": (
        [rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3)],
        lambda a, b, c, d: D.kl_divergence(D.Gamma(a, b), D.Gamma(c, d)),
    ),
    "kl Beta": (
        [rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3)],
        lambda a, b, c, d: D.kl_divergence(D.Beta(a, b), D.Beta(c, d)),
    ),
    "kl Dirichlet": (
        [rng.uniform(0.5, 3, (2, 3)), rng.uniform(0.5, 3, (2, 3))],
        lambda a, b: D.kl_divergence(D.Dirichlet(a), D.Dirichlet(b)),
    ),
    "kl Poisson": (
        [rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3)],
        lambda a, b: D.kl_divergence(D.Poisson(a), D.Poisson(b)),
    ),
    "Exponential": (
        [rng.uniform(0.5, 3, 4)],
        lambda r: D.Exponential(r).log_prob(dn.tensor([0.5, 1.0, 2.0, 3.0])) + D.Exponential(r).entropy(),
    ),
    "LogNormal": (
        [rng.normal(size=4), rng.uniform(0.5, 2, 4)],
        lambda m, s: D.LogNormal(m, s).log_prob(dn.tensor([0.5, 1.0, 2.0, 3.0])) + D.LogNormal(m, s).entropy(),
    ),
    "kl Exponential": (
        [rng.uniform(0.5, 3, 3), rng.uniform(0.5, 3, 3)],
        lambda a, b: D.kl_divergence(D.Exponential(a), D.Exponential(b)),
    ),
    "kl MultivariateNormal": (
        [rng.normal(size=3), L0, rng.normal(size=3)],
        lambda m, L, n: D.kl_divergence(
            D.MultivariateNormal(m, scale_tril=L.tril(), validate_args=False),
            D.MultivariateNormal(n, scale_tril=dn.tensor(2 * np.eye(3))),
        ),
    ),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_gradcheck(name):
    params, fn = CHECKS[name]
    assert dn.gradcheck(fn, [leaf(p) for p in params])


def test_the_reparameterised_sample_has_the_gradient_of_loc_plus_scale_times_noise():
    m, s = leaf(rng.normal(size=5)), leaf(rng.uniform(0.5, 2, 5))
    dn.manual_seed(3)
    z = D.Normal(m, s).rsample()
    eps = (z.detach().numpy() - m.detach().numpy()) / s.detach().numpy()
    (z * z).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), 2 * z.detach().numpy())
    np.testing.assert_allclose(s.grad.numpy(), 2 * z.detach().numpy() * eps)


def test_rsample_is_differentiable_for_every_reparameterised_family():
    m, s = leaf(rng.normal(size=3)), leaf(rng.uniform(0.5, 2, 3))
    for make in (D.Normal, D.Laplace, D.LogNormal, lambda a, b: D.Uniform(a, a + b), lambda a, b: D.Exponential(b)):
        seed = 7

        def draw(a, b, make=make, seed=seed):
            dn.manual_seed(seed)  # the same noise at every evaluation
            return make(a, b).rsample((4,))

        assert dn.gradcheck(draw, [m, s])
    L = leaf(L0)

    def mvn_draw(loc, L):
        dn.manual_seed(11)
        return D.MultivariateNormal(loc, scale_tril=L.tril(), validate_args=False).rsample((2,))

    assert dn.gradcheck(mvn_draw, [leaf(rng.normal(size=3)), L])
