"""Bad parameters and values raise PyTorch's errors (ValueError with PyTorch's words), and
validate_args=False turns the checks off as in PyTorch."""

import re

import numpy as np
import pytest

import deltanet as dn
import deltanet.distributions as D


def test_a_negative_scale_names_the_parameter_the_constraint_and_the_values():
    with pytest.raises(ValueError) as info:
        D.Normal(dn.zeros(2), dn.tensor([1.0, -1.0]))
    message = str(info.value)
    assert message.startswith(
        "Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: (2,), scale: (2,)) "
        "to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:\n"
    )
    assert "-1." in message


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: D.Normal(0.0, 0.0), "parameter scale .* GreaterThan"),
        (lambda: D.Laplace(0.0, -2.0), "parameter scale .* GreaterThan"),
        (lambda: D.Normal(float("nan"), 1.0), r"parameter loc .* Real\(\)"),
        (lambda: D.Uniform(1.0, 0.0), r"parameter low .* LessThan\(upper_bound=0.0\)"),
        (
            lambda: D.Bernoulli(probs=dn.tensor([1.2])),
            r"parameter probs .* Interval\(lower_bound=0.0, upper_bound=1.0\)",
        ),
        (lambda: D.Categorical(probs=dn.tensor([-1.0, 2.0])), r"parameter probs .* Simplex\(\)"),
        (
            lambda: D.MultivariateNormal(dn.zeros(2), dn.tensor([[1.0, 2.0], [2.0, 1.0]])),
            r"covariance_matrix .* PositiveDefinite\(\)",
        ),
        (
            lambda: D.MultivariateNormal(dn.zeros(2), scale_tril=dn.tensor([[1.0, 1.0], [0.0, 1.0]])),
            r"scale_tril .* LowerCholesky\(\)",
        ),
        (lambda: D.Bernoulli(), "Either `probs` or `logits` must be specified, but not both."),
        (lambda: D.Bernoulli(probs=dn.tensor(0.5), logits=dn.tensor(0.0)), "Either `probs` or `logits`"),
        (lambda: D.Categorical(logits=dn.tensor(1.0)), "`logits` parameter must be at least one-dimensional."),
        (
            lambda: D.MultivariateNormal(dn.zeros(2)),
            "Exactly one of covariance_matrix or precision_matrix or scale_tril",
        ),
        (lambda: D.MultivariateNormal(dn.tensor(0.0), dn.eye(1)), "loc must be at least one-dimensional."),
        (
            lambda: D.MultivariateNormal(dn.zeros(2), dn.ones(2)),
            "covariance_matrix matrix must be at least two-dimensional",
        ),
        (lambda: D.MultivariateNormal(dn.zeros(2), dn.eye(3)), r"covariance_matrix must have shape \(\.\.\., 2, 2\)"),
        (
            lambda: D.Independent(D.Normal(dn.zeros(3), 1.0), 2),
            r"reinterpreted_batch_ndims <= len\(base_distribution.batch_shape\), actual 2 vs 1",
        ),
        (lambda: D.Independent(D.Normal(dn.zeros(3), 1.0), -1), "non-negative integer, got -1"),
        (lambda: D.Normal("a", 1.0), "must all be instances of numbers.Number or Tensor, got str"),
        (lambda: D.Gamma(1.0, -1.0), r"parameter rate .* GreaterThan"),
        (lambda: D.Beta(0.0, 1.0), r"parameter concentration1 .* GreaterThan"),
        (lambda: D.Dirichlet(dn.tensor([1.0, -1.0])), r"IndependentConstraint\(GreaterThan\(lower_bound=0.0\), 1\)"),
        (lambda: D.Dirichlet(dn.tensor(1.0)), "`concentration` parameter must be at least one-dimensional."),
        (lambda: D.Poisson(-1.0), r"parameter rate .* GreaterThanEq\(lower_bound=0.0\)"),
    ],
)
def test_bad_parameters_raise(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


@pytest.mark.parametrize(
    ("dist", "value", "pattern"),
    [
        (lambda: D.Normal(0.0, 1.0), dn.tensor([1.0, float("nan")]), r"within the support \(Real\(\)\)"),
        (lambda: D.Bernoulli(dn.tensor([0.2, 0.9])), dn.tensor([0.5, 0.0]), r"within the support \(Boolean\(\)\)"),
        (lambda: D.Categorical(logits=dn.zeros(3)), dn.tensor(3), r"IntegerInterval\(lower_bound=0, upper_bound=2\)"),
        (lambda: D.Categorical(logits=dn.zeros(3)), dn.tensor(-1), "IntegerInterval"),
        (lambda: D.Uniform(0.0, 1.0), dn.tensor(1.5), r"Interval\(lower_bound=0.0, upper_bound=1.0\)"),
        (lambda: D.Gamma(1.0, 1.0), dn.tensor(-0.5), r"GreaterThanEq\(lower_bound=0.0\)"),
        (lambda: D.Beta(1.0, 1.0), dn.tensor(1.5), r"Interval\(lower_bound=0.0, upper_bound=1.0\)"),
        (lambda: D.Dirichlet(dn.ones(3)), dn.tensor([0.5, 0.6, 0.0]), r"Simplex\(\)"),
        (lambda: D.Poisson(1.0), dn.tensor(1.5), r"IntegerGreaterThan\(lower_bound=0\)"),
        (lambda: D.OneHotCategorical(logits=dn.zeros(3)), dn.tensor([1.0, 1.0, 0.0]), r"OneHot\(\)"),
        (lambda: D.Normal(0.0, 1.0), 0.5, "The value argument to log_prob must be a Tensor"),
        (
            lambda: D.Normal(dn.zeros(3), 1.0),
            dn.zeros(4),
            r"Value is not broadcastable with batch_shape\+event_shape: \(4,\) vs \(3,\)",
        ),
        (
            lambda: D.MultivariateNormal(dn.zeros(3), dn.eye(3)),
            dn.zeros(2),
            r"right-most size of value must match event_shape: \(2,\) vs \(3,\)",
        ),
    ],
)
def test_bad_values_raise(dist, value, pattern):
    with pytest.raises(ValueError, match=pattern):
        dist().log_prob(value)


def test_validate_args_false_skips_the_checks_as_in_torch():
    assert D.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    lp = D.Uniform(0.0, 1.0, validate_args=False).log_prob(dn.tensor([1.5, 0.5]))
    assert lp.tolist() == [float("-inf"), 0.0]


def test_the_default_can_be_turned_off_and_on():
    D.Distribution.set_default_validate_args(False)
    try:
        assert D.Normal(0.0, -1.0).scale.item() == -1.0
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="scale"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="True or False"):
        D.Distribution.set_default_validate_args("yes")


def test_kl_of_an_unregistered_pair_names_the_pair_and_what_to_do():
    with pytest.raises(NotImplementedError, match=re.escape("p of type Normal and q of type Bernoulli: register one")):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))
    p = D.Independent(D.Normal(dn.zeros(2, 3), 1.0), 1)
    q = D.Independent(D.Normal(dn.zeros(2, 3), 1.0), 2)
    with pytest.raises(NotImplementedError, match="different reinterpreted_batch_ndims"):
        D.kl_divergence(p, q)


def test_register_kl_adds_a_rule_and_the_most_specific_wins():
    class Wide(D.Normal):
        pass

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return dn.zeros(p.batch_shape) + 42.0

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(1.0, 1.0)).item() == 0.5  # Normal-Normal still applies
    with pytest.raises(TypeError, match="subclasses of Distribution"):
        D.register_kl(int, D.Normal)


def test_no_reparameterised_sample_for_discrete_distributions():
    with pytest.raises(NotImplementedError, match="Bernoulli has no reparameterised sample"):
        D.Bernoulli(0.5).rsample()
    with pytest.raises(NotImplementedError, match="Categorical has no reparameterised sample"):
        D.Categorical(logits=dn.zeros(2)).rsample()


@pytest.mark.parametrize("make", [lambda: D.Gamma(1.0, 1.0), lambda: D.Beta(1.0, 1.0), lambda: D.Dirichlet(dn.ones(2))])
def test_gamma_family_rsample_is_not_implemented_and_says_so(make):
    d = make()
    assert d.has_rsample is False  # PyTorch's is True: its implicit gradient is not implemented here
    with pytest.raises(NotImplementedError, match="no reparameterised sample in deltanet .* use sample"):
        d.rsample()
    assert not d.sample((2,)).requires_grad


def test_poisson_kl_of_a_zero_rate_is_the_limit_zero():
    # PyTorch gives NaN (0 * log 0); the divergence's limit is q's rate.
    kl = D.kl_divergence(D.Poisson(dn.tensor([0.0, 1.0])), D.Poisson(dn.tensor([2.0, 0.0])))
    assert kl.tolist() == [2.0, float("inf")]


def test_a_bad_sample_shape_is_a_type_error():
    with pytest.raises(TypeError, match="sample_shape must be a tuple of non-negative integers, got 'a'"):
        D.Normal(0.0, 1.0).sample("a")
    with pytest.raises(TypeError, match="sample_shape"):
        D.Normal(0.0, 1.0).sample((2, -1))


def test_constraints_check_per_event():
    c = D.constraints
    assert c.positive.check(dn.tensor([1.0, -1.0])).tolist() == [True, False]
    assert c.simplex.check(dn.tensor([[0.5, 0.5], [0.5, 0.6]])).tolist() == [True, False]
    assert c.real_vector.check(dn.tensor([[0.0, float("nan")], [1.0, 2.0]])).tolist() == [False, True]
    assert c.lower_cholesky.check(dn.tensor(np.eye(2))).item() is True
    assert repr(c.integer_interval(0, 3)) == "IntegerInterval(lower_bound=0, upper_bound=3)"
    assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)


def test_a_family_not_implemented_yet_says_so_and_lists_the_available_ones():
    with pytest.raises(
        AttributeError,
        match=r"no StudentT yet \(torch.distributions.StudentT is not implemented\); available: Bernoulli",
    ):
        D.StudentT  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'Nromal'"):
        D.Nromal  # noqa: B018
