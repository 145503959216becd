"""Dropout and Dropout2d: inverted dropout, gradients, statistics, modes, seeds, validation."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import functional as F
from deltanet import nn


def _reference_scale(shape, p, seed):
    """The mask/(1 − p) that dropout(rng=seed) must draw: keep where U[0, 1) ≥ p."""
    keep = np.random.default_rng(seed).random(shape) >= p
    return keep / (1 - p)


# -- forward and backward against the reference ------------------------------------------------
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_forward_matches_numpy_reference(shape, p):
    x = np.random.default_rng(1).standard_normal(shape)
    a = F.dropout(dn.tensor(x), p=p, rng=42)
    np.testing.assert_allclose(a.array, x * _reference_scale(shape, p, 42), rtol=0, atol=1e-15)


def test_dropout_backward_is_delta_times_mask_over_keep_probability():
    x = dn.tensor(np.random.default_rng(0).standard_normal((4, 6)), requires_grad=True)
    delta = np.random.default_rng(1).standard_normal((4, 6))
    F.dropout(x, p=0.3, rng=5).backward(delta)
    np.testing.assert_allclose(x.grad, delta * _reference_scale((4, 6), 0.3, 5), atol=1e-15)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_dropout_gradcheck(shape):
    x = dn.tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    # an int seed draws the same mask on every call, as gradcheck needs
    assert dn.gradcheck(lambda t: F.dropout(t, p=0.4, rng=3), [x])


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (2, 3, 2, 2), (1, 2, 2, 2, 2)])
def test_dropout2d_gradcheck(shape):
    x = dn.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert dn.gradcheck(lambda t: F.dropout2d(t, p=0.5, rng=7), [x])


def test_dropout2d_forward_matches_reference_and_drops_whole_channels():
    x = np.random.default_rng(0).standard_normal((3, 5, 4, 4))
    a = F.dropout2d(dn.tensor(x), p=0.5, rng=11).array
    scale = _reference_scale((3, 5, 1, 1), 0.5, 11)
    np.testing.assert_allclose(a, x * scale, atol=1e-15)
    assert 0 < (scale == 0).sum() < 15  # the seed drops some channels, not all
    for n in range(3):
        for c in range(5):
            channel = a[n, c]
            assert (channel == 0).all() or np.allclose(channel, 2 * x[n, c])


# -- statistics ------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_fraction_dropped_and_expectation(p):
    n = 400_000
    a = F.dropout(dn.tensor(np.ones(n)), p=p, rng=2024).array
    dropped = np.mean(a == 0)
    # binomial standard deviation of the dropped fraction; 5σ bounds
    assert abs(dropped - p) < 5 * np.sqrt(p * (1 - p) / n)
    kept = a[a != 0]
    np.testing.assert_allclose(kept, 1 / (1 - p))
    # E[a] = x: the mean of m/(1 − p) has standard deviation √(p / ((1 − p) n))
    assert abs(a.mean() - 1.0) < 5 * np.sqrt(p / ((1 - p) * n))


def test_dropout2d_fraction_of_channels_dropped():
    n, c = 2000, 50
    a = F.dropout2d(dn.tensor(np.ones((n, c, 2))), p=0.3, rng=9).array
    per_channel = a[:, :, 0]
    np.testing.assert_array_equal(a[:, :, 0], a[:, :, 1])
    assert abs(np.mean(per_channel == 0) - 0.3) < 5 * np.sqrt(0.3 * 0.7 / (n * c))


# -- modes -----------------------------------------------------------------------------------
def test_functional_is_identity_when_not_training_or_p_zero():
    x = dn.tensor(np.arange(6.0).reshape(2, 3))
    assert F.dropout(x, p=0.5, training=False) is x
    assert F.dropout2d(x, p=0.5, training=False) is x
    assert F.dropout(x, p=0.0) is x


@pytest.mark.parametrize("layer_cls", [nn.Dropout, nn.Dropout2d])
def test_module_is_identity_in_eval_and_gradient_passes_unchanged(layer_cls):
    layer = layer_cls(0.5, rng=0)
    x = dn.tensor(np.random.default_rng(0).standard_normal((4, 3, 2)), requires_grad=True)
    layer.eval()
    assert not layer.training
    y = layer(x)
    np.testing.assert_array_equal(y.array, x.array)
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((4, 3, 2), 3.0))
    layer.train()
    assert (layer(x).array == 0).any()  # back in training mode it drops again


def test_eval_propagates_through_sequential():
    model = nn.Sequential(nn.Linear(3, 50, rng=0), nn.Dropout(0.9, rng=0))
    x = dn.tensor(np.ones((2, 3)))
    model.eval()
    np.testing.assert_array_equal(model(x).array, model[0](x).array)


# -- seeds -----------------------------------------------------------------------------------
def test_manual_seed_reproduces_masks():
    x = dn.tensor(np.ones(100))
    dn.manual_seed(3)
    first = [F.dropout(x, 0.5).array for _ in range(3)]
    dn.manual_seed(3)
    second = [F.dropout(x, 0.5).array for _ in range(3)]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # the default generator moves on


def test_module_seed_gives_reproducible_sequence_of_different_masks():
    x = dn.tensor(np.ones(100))
    a, b = nn.Dropout(0.5, rng=8), nn.Dropout(0.5, rng=8)
    masks_a = [a(x).array for _ in range(3)]
    masks_b = [b(x).array for _ in range(3)]
    for m1, m2 in zip(masks_a, masks_b, strict=True):
        np.testing.assert_array_equal(m1, m2)
    assert not np.array_equal(masks_a[0], masks_a[1])


def test_generator_argument_is_used():
    x = dn.tensor(np.ones(50))
    a = F.dropout(x, 0.5, rng=np.random.default_rng(1)).array
    np.testing.assert_array_equal(a, _reference_scale((50,), 0.5, 1))


# -- dtype -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [F.dropout, F.dropout2d])
def test_float32_stays_float32(fn):
    x = dn.tensor(np.ones((4, 3, 2), dtype=np.float32), requires_grad=True)
    y = fn(x, 0.5, rng=0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_same_mask_in_float32_and_float64():
    a = F.dropout(dn.tensor(np.ones(64, dtype=np.float32)), 0.5, rng=4).array
    b = F.dropout(dn.tensor(np.ones(64)), 0.5, rng=4).array
    np.testing.assert_array_equal(a == 0, b == 0)


# -- validation ------------------------------------------------------------------------------
def test_p_one_is_refused_with_explanation():
    with pytest.raises(ValueError, match="every unit would be dropped"):
        F.dropout(dn.tensor([1.0]), p=1.0)
    with pytest.raises(ValueError, match="every unit would be dropped"):
        nn.Dropout(1)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf"), "0.5", True, None])
@pytest.mark.parametrize(
    "make",
    [
        lambda p: nn.Dropout(p),
        lambda p: nn.Dropout2d(p),
        lambda p: F.dropout(dn.tensor([1.0]), p),
    ],
)
def test_bad_p_is_refused_quoting_the_value(make, p):
    with pytest.raises(ValueError, match=r"p .*\[0, 1\)"):
        make(p)


def test_bad_rng_and_bad_inputs():
    with pytest.raises(ValueError, match="rng"):
        nn.Dropout(0.5, rng="seed")
    with pytest.raises(ValueError, match=r"dropout2d: .*at least 2 axes, got shape \(3,\)"):
        F.dropout2d(dn.tensor([1.0, 2.0, 3.0]), 0.5)
    with pytest.raises(ValueError, match="floating-point input, got dtype int64"):
        F.dropout(dn.tensor([1, 2]), 0.5)


def test_repr():
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    assert repr(nn.Dropout2d()) == "Dropout2d(p=0.5, inplace=False)"


def test_non_contiguous_input_gives_the_same_result():
    base = np.random.default_rng(3).standard_normal((6, 4))
    x_nc = base.T[:, ::2]
    assert not x_nc.flags.c_contiguous
    a = F.dropout(dn.as_tensor(x_nc), 0.5, rng=2).array
    b = F.dropout(dn.tensor(np.ascontiguousarray(x_nc)), 0.5, rng=2).array
    np.testing.assert_array_equal(a, b)


# -- Dropout3d ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 2, 2, 2), (3, 2, 3, 1), (1, 1, 1, 1, 1)])
def test_dropout3d_gradcheck(shape):
    x = dn.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert dn.gradcheck(lambda t: F.dropout3d(t, p=0.5, rng=7), [x])


@pytest.mark.parametrize(("shape", "mask_shape"), [((3, 5, 2, 3, 4), (3, 5, 1, 1, 1)), ((5, 2, 3, 4), (5, 1, 1, 1))])
def test_dropout3d_drops_whole_volume_channels_batched_or_not(shape, mask_shape):
    x = np.random.default_rng(0).standard_normal(shape)
    a = F.dropout3d(dn.tensor(x), p=0.5, rng=11).array
    scale = _reference_scale(mask_shape, 0.5, 11)
    np.testing.assert_allclose(a, x * scale, atol=1e-15)
    assert 0 < (scale == 0).sum() < scale.size


def test_dropout3d_module_matches_pytorchs_shape_rules_and_modes():
    torch = pytest.importorskip("torch")
    x = np.ones((2, 8, 2, 2, 2), np.float32)
    for volume in (x, x[0]):  # batched, and one unbatched (C, D, H, W) volume
        ours = nn.Dropout3d(0.5, rng=0)(dn.tensor(volume)).array
        theirs = torch.nn.Dropout3d(0.5)(torch.from_numpy(volume)).numpy()
        for out in (ours, theirs):  # one value, 0 or 2, per channel
            per_channel = out.reshape(*out.shape[: out.ndim - 3], -1)
            assert set(np.unique(per_channel)) <= {0.0, 2.0}
            assert (per_channel.min(axis=-1) == per_channel.max(axis=-1)).all()
    layer = nn.Dropout3d(0.3).eval()
    np.testing.assert_array_equal(layer(dn.tensor(x)).array, x)
    assert F.dropout3d(dn.tensor(x), 0.3).dtype == dn.float32
    assert repr(nn.Dropout3d(0.2)) == repr(torch.nn.Dropout3d(0.2)) == "Dropout3d(p=0.2, inplace=False)"
    np.testing.assert_array_equal(dn.nn.functional.dropout3d(dn.tensor(x), 0.5, training=False).array, x)


def test_dropout3d_refuses_other_ranks_and_bad_p():
    with pytest.raises(
        ValueError,
        match=r"dropout3d: expected an input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got shape \(2, 3, 4\)",
    ):
        F.dropout3d(dn.tensor(np.ones((2, 3, 4))), 0.5)
    with pytest.raises(ValueError, match=r"dropout3d: p must be in \[0, 1\)"):
        F.dropout3d(dn.tensor(np.ones((1, 1, 1, 1, 1))), 1.0)
