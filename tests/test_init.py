"""Initializers: the distributions of the seeds' table, fan computation, seeding, lsuv."""

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet import init, nn
from deltanet.nn.summary import recording


def param(*shape):
    return nn.Parameter(np.zeros(shape, dtype=np.float64))


def test_fans_match_pytorch():
    assert init.fan_in_and_fan_out((16, 4)) == (4, 16)
    assert init.fan_in_and_fan_out((6, 3, 5, 5)) == (75, 150)
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.fan_in_and_fan_out((3,))


@pytest.mark.parametrize(
    "fn, std",
    [
        (init.glorot_uniform, math.sqrt(2 / (400 + 300))),
        (init.glorot_normal, math.sqrt(2 / (400 + 300))),
        (init.he_uniform, math.sqrt(2 / 400)),
        (init.he_normal, math.sqrt(2 / 400)),
    ],
)
def test_variance_schemes(fn, std):
    w = fn(param(300, 400), rng=0).array
    assert abs(w.std() - std) / std < 0.02
    assert abs(w.mean()) < 0.01 * std * 10


def test_uniform_bounds_are_rumelharts_by_default():
    w = init.uniform(param(200, 200), rng=1).array
    assert w.min() >= -0.3 and w.max() <= 0.3 and w.max() > 0.29
    with pytest.raises(ValueError, match="a < b"):
        init.uniform(param(2, 2), 1, 0)


def test_glorot_uniform_bound():
    w = init.glorot_uniform(param(50, 30), rng=2).array
    assert np.abs(w).max() <= math.sqrt(6 / 80)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3, 3)])
def test_orthogonal(shape):
    w = init.orthogonal(param(*shape), gain=2.0, rng=0).array.reshape(shape[0], -1)
    if w.shape[0] <= w.shape[1]:
        np.testing.assert_allclose(w @ w.T, 4 * np.eye(w.shape[0]), atol=1e-12)
    else:
        np.testing.assert_allclose(w.T @ w, 4 * np.eye(w.shape[1]), atol=1e-12)


def test_constant_makes_units_identical():
    layer = nn.Linear(3, 4, init=lambda t, rng=None: init.constant(t, 0.5))
    assert np.all(layer.weight.array == 0.5) and np.all(layer.bias.array == 0)


def test_seeding_is_bit_identical():
    a = init.he_normal(param(10, 10), rng=7).array
    b = init.he_normal(param(10, 10), rng=7).array
    np.testing.assert_array_equal(a, b)
    dn.manual_seed(4)
    c = init.he_normal(param(10, 10)).array
    dn.manual_seed(4)
    np.testing.assert_array_equal(c, init.he_normal(param(10, 10)).array)


def test_init_by_name_in_layers():
    layer = nn.Linear(400, 300, init="he_normal", rng=0)
    assert abs(layer.weight.array.std() - math.sqrt(2 / 400)) < 0.002
    assert np.all(layer.bias.array == 0)


def test_lsuv_gives_unit_variance_per_layer():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(20, 50), nn.Tanh(), nn.Linear(50, 50), nn.Tanh(), nn.Linear(50, 5))
    X = rng.standard_normal((500, 20)).astype(np.float32) * 5
    init.lsuv(model, X, tol=0.01, rng=0)
    h = dn.tensor(X)
    with dn.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Linear):
                assert abs(h.array.var() - 1) < 0.05


def test_lsuv_follows_forward_order_not_registration_order():
    # A U-Net registers its up-sampling layers after every decoder block, but calls them before:
    # every layer must still end with unit output variance (registration order broke this; batch
    # norm would hide it, by making each block blind to the scale of the one before).
    model = dn.models.unet(in_channels=1, classes=2, depth=2, width=4, batch_norm=False, rng=0)
    X = np.random.default_rng(1).standard_normal((4, 1, 16, 16)).astype(np.float32)
    init.lsuv(model, X, tol=0.02, max_iter=20, rng=0)
    layers = [m for m in model.modules() if getattr(m, "weight", None) is not None and m.weight.ndim >= 2]
    with dn.no_grad(), recording(model) as records:
        model(dn.tensor(X))
    outputs = {id(r.module): r.output.array for r in records}
    for layer in layers:
        assert abs(outputs[id(layer)].var() - 1) < 0.05, type(layer).__name__


def test_lsuv_needs_weights():
    with pytest.raises(ValueError, match="no layer with a weight matrix"):
        init.lsuv(nn.Sequential(nn.Tanh()), np.zeros((2, 2)))


def test_manual_seed_takes_pytorchs_seeds():
    # PyTorch's int(seed), and a negative seed modulo 2**64
    assert dn.manual_seed(-1).initial_seed() == 2**64 - 1
    assert dn.manual_seed(1.5).initial_seed() == 1
    with pytest.raises(ValueError, match="Overflow"):
        dn.manual_seed(2**64)
    with pytest.raises(TypeError, match="expects an integer"):
        dn.Generator().manual_seed(1.5)


def test_private_fan_helpers_that_custom_layers_call():
    # fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight), in many reset_parameters
    assert nn.init._calculate_fan_in_and_fan_out(dn.empty(16, 6, 5, 5)) == (150, 400)
    assert nn.init._calculate_fan_in_and_fan_out(dn.empty(3, 2)) == (2, 3)
    assert nn.init._calculate_correct_fan(dn.empty(3, 4, 5), "fan_out") == 15
    assert nn.init._calculate_correct_fan(dn.empty(3, 4, 5), "fan_in") == 20
    with pytest.raises(ValueError, match=r"at least 2 axes, got shape \(3,\)"):
        nn.init._calculate_fan_in_and_fan_out(dn.empty(3))
    with pytest.raises(ValueError, match="mode must be one of 'fan_in', 'fan_out', got 'x'"):
        nn.init._calculate_correct_fan(dn.empty(3, 4), "x")
