"""F.gumbel_softmax: the relaxed sample's properties, the straight-through gradient, errors.

PyTorch draws its noise from its own generator, so the values are not compared draw by draw:
deltanet's sample is checked against the formula with the noise of the same seed, and the
distribution of the hard samples against softmax(logits).
"""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F


def gumbel_noise(seed, shape):
    return -np.log(np.random.default_rng(seed).standard_exponential(shape))


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize(("tau", "dim"), [(1.0, -1), (0.3, 0), (2.0, 1)])
def test_soft_sample_is_softmax_of_perturbed_logits(tau, dim):
    z = np.random.default_rng(0).standard_normal((3, 4, 5))
    y = F.gumbel_softmax(dn.tensor(z), tau=tau, dim=dim, rng=11).data
    np.testing.assert_allclose(y, softmax((z + gumbel_noise(11, z.shape)) / tau, axis=dim), rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=dim), 1.0)


def test_hard_sample_is_one_hot_with_the_soft_gradient():
    z = np.random.default_rng(1).standard_normal((4, 6))
    y = F.gumbel_softmax(dn.tensor(z), tau=0.5, hard=True, rng=5).data
    soft = softmax((z + gumbel_noise(5, z.shape)) / 0.5)
    np.testing.assert_array_equal(y, np.eye(6)[soft.argmax(axis=1)])
    # Straight-through: the gradient of any loss is the soft sample's gradient.
    w = np.random.default_rng(2).standard_normal((4, 6))
    a = dn.tensor(z, requires_grad=True)
    (F.gumbel_softmax(a, tau=0.5, hard=True, rng=5) * dn.tensor(w)).sum().backward()
    b = dn.tensor(z, requires_grad=True)
    (F.gumbel_softmax(b, tau=0.5, hard=False, rng=5) * dn.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-12)
    assert dn.gradcheck(lambda t: F.gumbel_softmax(t, tau=0.7, rng=3), [dn.tensor(z, requires_grad=True)])


def test_hard_samples_follow_the_categorical_distribution():
    z = np.log(np.array([0.1, 0.2, 0.7]))
    draws = F.gumbel_softmax(dn.tensor(np.tile(z, (20000, 1))), hard=True, rng=0).data
    np.testing.assert_allclose(draws.mean(axis=0), [0.1, 0.2, 0.7], atol=0.015)


def test_same_properties_in_torch():
    torch = pytest.importorskip("torch")
    z = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    hard = torch.nn.functional.gumbel_softmax(z, tau=0.5, hard=True)
    ours = F.gumbel_softmax(dn.tensor(z.detach().numpy()), tau=0.5, hard=True, rng=0)
    assert ours.shape == tuple(hard.shape) and ours.dtype == np.float64
    np.testing.assert_array_equal(ours.data.sum(axis=-1), hard.detach().numpy().sum(axis=-1))
    assert F.gumbel_softmax(dn.tensor(np.zeros((2, 3), np.float32)), rng=0).dtype == np.float32


def test_default_generator_follows_manual_seed():
    z = dn.tensor(np.zeros((2, 5)))
    dn.manual_seed(3)
    first = F.gumbel_softmax(z).data
    dn.manual_seed(3)
    np.testing.assert_array_equal(F.gumbel_softmax(z).data, first)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau": 0.0}, r"gumbel_softmax: tau must be a number > 0, got 0.0"),
        ({"hard": "yes"}, r"gumbel_softmax: hard must be"),
        ({"dim": 2}, r"gumbel_softmax: dim must be in \[-2, 1\], got 2"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        F.gumbel_softmax(dn.tensor(np.zeros((2, 3))), **kwargs)
    with pytest.raises(ValueError, match="floating-point logits"):
        F.gumbel_softmax(dn.tensor([1, 2]))
