"""Draws: shapes, dtypes, reproducibility under dn.manual_seed, no gradient from sample(), and
statistics (mean and variance of many draws) that match each distribution's moments."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.distributions as D

N = 40_000


@pytest.mark.parametrize(
    ("make", "tol"),
    [
        (lambda: D.Normal(dn.tensor([0.0, 2.0]), dn.tensor([1.0, 0.5])), 0.05),
        (lambda: D.Laplace(dn.tensor([1.0]), dn.tensor([2.0])), 0.1),
        (lambda: D.Uniform(dn.tensor([-1.0]), dn.tensor([3.0])), 0.05),
        (lambda: D.Bernoulli(dn.tensor([0.2, 0.7])), 0.02),
        (lambda: D.OneHotCategorical(probs=dn.tensor([0.2, 0.3, 0.5])), 0.02),
        (lambda: D.MultivariateNormal(dn.tensor([1.0, -1.0]), dn.tensor([[1.0, 0.5], [0.5, 2.0]])), 0.05),
        (lambda: D.Gamma(dn.tensor([0.5, 3.0]), dn.tensor([2.0, 1.0])), 0.05),
        (lambda: D.Beta(dn.tensor([0.5, 3.0]), dn.tensor([2.0, 1.0])), 0.02),
        (lambda: D.Dirichlet(dn.tensor([0.5, 3.0, 1.0])), 0.02),
        (lambda: D.Poisson(dn.tensor([0.5, 4.0])), 0.05),
        (lambda: D.Exponential(dn.tensor([0.5, 4.0])), 0.05),
        (lambda: D.LogNormal(dn.tensor([0.0, -1.0]), dn.tensor([0.3, 0.5])), 0.03),
    ],
)
def test_many_draws_have_the_distributions_mean_and_variance(make, tol):
    dn.manual_seed(0)
    d = make()
    draws = d.sample((N,)).numpy().astype(np.float64)
    np.testing.assert_allclose(draws.mean(0), d.mean.numpy(), atol=tol * 2)
    np.testing.assert_allclose(draws.var(0), d.variance.numpy(), rtol=tol * 2, atol=tol)


def test_categorical_draws_follow_the_probabilities():
    dn.manual_seed(0)
    draws = D.Categorical(probs=dn.tensor([[1.0, 3.0, 0.0], [0.0, 0.0, 5.0]])).sample((N,))
    assert draws.dtype == dn.int64 and draws.shape == (N, 2)
    counts = np.stack([np.bincount(draws.numpy()[:, i], minlength=3) / N for i in range(2)])
    np.testing.assert_allclose(counts, [[0.25, 0.75, 0.0], [0.0, 0.0, 1.0]], atol=0.01)


def test_mvn_draws_have_the_covariance():
    dn.manual_seed(1)
    cov = np.array([[1.0, 0.5], [0.5, 2.0]])
    draws = D.MultivariateNormal(dn.zeros(2, dtype=dn.float64), dn.tensor(cov)).rsample((N,)).numpy()
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.05)


def test_shapes_are_sample_batch_event():
    d = D.Independent(D.Normal(dn.zeros(4, 3), 1.0), 1)
    assert d.sample().shape == (4, 3)
    assert d.rsample((2, 5)).shape == (2, 5, 4, 3)
    assert d.sample([2]).shape == (2, 4, 3)
    assert D.Bernoulli(dn.tensor([0.5, 0.5])).sample((3,)).dtype == dn.float32
    assert D.MultivariateNormal(dn.zeros(4, 2), scale_tril=dn.eye(2)).sample((3,)).shape == (3, 4, 2)
    assert D.Normal(dn.zeros(2, dtype=dn.float64), 1.0).sample().dtype == dn.float64


def test_the_same_seed_gives_the_same_draws():
    d = D.Normal(dn.zeros(3), 1.0)
    dn.manual_seed(5)
    a = d.sample((2,)).numpy()
    dn.manual_seed(5)
    assert (d.sample((2,)).numpy() == a).all()


def test_sample_carries_no_gradient_and_rsample_does():
    m = dn.tensor([0.0, 1.0], requires_grad=True)
    assert not D.Normal(m, 1.0).sample().requires_grad
    assert D.Normal(m, 1.0).rsample().requires_grad


def test_enumerate_support():
    assert D.Bernoulli(dn.tensor([0.2, 0.9])).enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert D.Categorical(logits=dn.zeros(2, 3)).enumerate_support(expand=False).shape == (3, 1)
    assert D.OneHotCategorical(logits=dn.zeros(3)).enumerate_support().tolist() == np.eye(3).tolist()
