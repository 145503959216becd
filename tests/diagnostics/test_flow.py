"""gradient_flow, activation_stats, dead_units: each finds what it claims."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.diagnostics import activation_stats, dead_units, gradient_flow


def stack(activation, depth=10, width=32, he=False, seed=0):
    kw = {"init": "he_normal"} if he else {}
    layers = []
    sizes = [8] + [width] * depth + [3]
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], rng=seed + i, dtype="float64", **kw))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((256, 8)), rng.integers(0, 3, 256)


def test_deep_sigmoid_stack_shows_vanishing_gradients_where_relu_he_does_not(data):
    X, y = data
    sigmoid = gradient_flow(stack(nn.Sigmoid), X, y, "cross_entropy")
    relu = gradient_flow(stack(nn.ReLU, he=True), X, y, "cross_entropy")
    # Input side first: the Linear layers '0', '2', ..., '20'.
    assert list(sigmoid) == list(relu) == [str(2 * i) for i in range(11)]
    s = np.array(list(sigmoid.values()))
    r = np.array(list(relu.values()))
    # Each sigmoid layer multiplies δ by σ'(a) ≤ 1/4 (and by W, of gain ≈ 0.58 with the default
    # init): after 10 layers the first layer's gradient is orders of magnitude below the last's.
    assert s[0] / s[-1] < 1e-4
    assert np.all(np.diff(np.log(s[:-1])) > 0)  # shrinking steadily towards the input
    # He initialization keeps the variance of δ through ReLUs: the same order throughout.
    assert 0.1 < r[0] / r[-1] < 10
    assert r.min() / r.max() > 0.05


def test_gradient_flow_equals_the_norms_of_autograd_gradients(data):
    X, y = data
    model = stack(nn.Tanh, depth=2, width=5)
    flow = gradient_flow(model, X, y, dn.losses.CrossEntropy())
    loss = dn.losses.CrossEntropy()(model(dn.tensor(X)), dn.tensor(y))
    loss.backward()
    for name, layer in (("0", model[0]), ("2", model[2]), ("4", model[4])):
        expected = np.sqrt((layer.weight.grad.array**2).sum() + (layer.bias.grad.array**2).sum())
        assert flow[name] == pytest.approx(expected, rel=1e-12)


def test_gradient_flow_leaves_gradients_and_mode_alone(data):
    X, y = data
    model = stack(nn.ReLU, depth=1, width=4)
    sentinel = np.full_like(model[0].weight.array, 7.0)
    model[0].weight.grad = sentinel
    model.train()
    gradient_flow(model, X, y, "cross_entropy")
    assert model[0].weight.grad.array is sentinel and model[2].weight.grad is None
    assert model.training


def test_gradient_flow_in_forward_order_not_registration_order(data):
    X, y = data

    class Backwards(nn.Module):
        def __init__(self):
            super().__init__()
            self.late = nn.Linear(4, 3, dtype="float64", rng=0)
            self.early = nn.Linear(8, 4, dtype="float64", rng=1)

        def forward(self, x):
            return self.late(self.early(x).relu())

    assert list(gradient_flow(Backwards(), X, y, "cross_entropy")) == ["early", "late"]


def test_relu_layer_with_a_large_negative_bias_is_dead(data):
    X, _ = data
    model = nn.Sequential(
        nn.Linear(8, 10, rng=0, dtype="float64"), nn.ReLU(), nn.Linear(10, 6, rng=1, dtype="float64"), nn.ReLU()
    )
    model[0].bias.array[:4] = -100.0  # |W x| < 100 for these inputs: 4 of 10 units never fire
    assert np.abs(X @ model[0].weight.array.T).max() < 100
    dead = dead_units(model, X)
    assert dead == {"1": 0.4, "3": dead["3"]}
    model[0].bias.array[...] = -100.0
    assert dead_units(model, X)["1"] == 1.0


def test_dead_units_counts_channels_of_convolutions():
    X = np.random.default_rng(0).standard_normal((4, 1, 6, 6))
    model = nn.Sequential(nn.Conv2d(1, 4, 3, rng=0, dtype="float64"), nn.ReLU())
    model[0].bias.array[...] = [0.0, 0.0, 0.0, -1e3]  # one channel of four off everywhere
    assert dead_units(model, X) == {"1": 0.25}


def test_activation_stats_numbers():
    model = nn.Sequential(
        nn.Linear(1, 4, dtype="float64"),
        nn.Sigmoid(),
        nn.Linear(4, 4, dtype="float64"),
        nn.Tanh(),
        nn.Linear(4, 2, dtype="float64"),
        nn.ReLU(),
    )
    model[0].weight.array[...] = [[10.0], [1.0], [0.1], [-10.0]]
    model[0].bias.array[...] = 0.0
    X = np.array([[-1.0], [1.0]])
    stats = activation_stats(model, X)
    assert list(stats) == ["0", "1", "2", "3", "4", "5"]
    a = 1 / (1 + np.exp(-(X @ model[0].weight.array.T)))
    assert stats["1"]["type"] == "Sigmoid" and stats["1"]["units"] == 4
    assert stats["1"]["mean"] == pytest.approx(a.mean()) and stats["1"]["std"] == pytest.approx(a.std())
    assert stats["1"]["fraction_saturated"] == 0.5  # σ(±10) in units 0 and 3, on both samples
    assert stats["1"]["dead_fraction"] is None and stats["0"]["fraction_saturated"] is None
    t = np.tanh(a @ model[2].weight.array.T + model[2].bias.array)
    assert stats["3"]["fraction_saturated"] == pytest.approx(np.mean(np.abs(t) > 0.99))
    r = np.maximum(t @ model[4].weight.array.T + model[4].bias.array, 0)
    assert stats["5"]["fraction_zero"] == pytest.approx(np.mean(r == 0))


def test_activation_stats_pooled_over_batches_equal_one_pass(data):
    X, _ = data
    model = stack(nn.ReLU, depth=2, width=6)
    model[0].bias.array[:2] = -3.0
    whole = activation_stats(model, X, batch_size=len(X))
    pooled = activation_stats(model, X, batch_size=50)  # 6 batches, the last of 6 rows
    for name in whole:
        for key in ("mean", "std", "fraction_zero", "dead_fraction"):
            if whole[name][key] is None:
                assert pooled[name][key] is None
            else:
                assert pooled[name][key] == pytest.approx(whole[name][key], rel=1e-10, abs=1e-12)


def test_diagnostics_refuse_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="gradient_flow: model must be a deltanet.nn.Module instance, got str 'model'"):
        gradient_flow("model", X, y, "cross_entropy")
    with pytest.raises(ValueError, match=r"dead_units: .* got the class ReLU itself; build the model first"):
        dead_units(nn.ReLU, X)
    with pytest.raises(ValueError, match="X has 3 features"):
        dead_units(stack(nn.ReLU, depth=1), X[:, :3])
    with pytest.raises(ValueError, match="class labels"):
        gradient_flow(stack(nn.ReLU, depth=1), X, y + 10, "cross_entropy")
