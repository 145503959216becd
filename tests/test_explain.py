"""explain.backward: the seeds' δ recursion in numbers, checked against autograd's gradients and
against hand-worked values."""

import io

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def mlp(activations, sizes, seed=0):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], rng=seed + i, dtype="float64"))
        if activations[i] is not None:
            layers.append(activations[i]())
    return nn.Sequential(*layers)


def autograd_grads(model, x, y, loss):
    model.zero_grad()
    out = model(dn.tensor(np.asarray(x, dtype=np.float64)[None]))
    L = dn.losses.get(loss)(out, dn.tensor(y))
    L.backward()
    return float(L.data), [(m.weight.grad, m.bias.grad) for m in model.modules() if isinstance(m, nn.Linear)]


CASES = [
    ([nn.Sigmoid, None], [3, 4, 2], "cross_entropy", np.array([1])),
    ([nn.Tanh, nn.ReLU, None], [3, 5, 4, 1], "mse", np.array([[0.7]])),
    ([nn.ReLU, nn.Sigmoid], [3, 4, 2], "mse", np.array([[0.2, 0.9]])),
    ([lambda: nn.LeakyReLU(0.1), nn.ELU, None], [3, 4, 4, 3], "cross_entropy", np.array([2])),
    ([nn.SiLU, nn.Softplus, None], [3, 4, 4, 2], "huber", np.array([[0.5, -1.0]])),
    ([None], [3, 2], "cross_entropy", np.array([0])),
]


@pytest.mark.parametrize("activations, sizes, loss, y", CASES)
def test_gradients_equal_autograd(activations, sizes, loss, y):
    model = mlp(activations, sizes)
    x = np.array([0.5, -1.2, 2.0])
    trace = dn.explain.backward(model, x, y, loss, file=io.StringIO())
    value, grads = autograd_grads(model, x, y, loss)
    assert trace.loss == pytest.approx(value, rel=1e-12)
    assert len(trace.layers) == len(grads)
    for layer, (gW, gb) in zip(trace.layers, grads, strict=True):
        np.testing.assert_allclose(layer.grad_weight, gW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(layer.grad_bias, gb, rtol=1e-10, atol=1e-14)


def test_the_delta_recursion_and_the_output_delta_of_softmax_cross_entropy():
    model = mlp([nn.Sigmoid, None], [3, 4, 3])
    x, t = np.array([0.5, -1.2, 2.0]), 2
    trace = dn.explain.backward(model, x, [t], "cross_entropy", file=io.StringIO())
    hidden, out = trace.layers
    # Output δ_k = softmax(a)_k − t_k ([Suk 2015], softmax with cross-entropy).
    softmax = np.exp(out.a - out.a.max()) / np.exp(out.a - out.a.max()).sum()
    np.testing.assert_allclose(out.delta, softmax - np.eye(3)[t], rtol=1e-12)
    # Hidden δ_j = h'(a_j) Σ_k w_kj δ_k with h' = z(1 − z), and ∂L/∂w_ji = δ_j z_i.
    W2 = model[2].weight.data
    np.testing.assert_allclose(hidden.delta, hidden.z * (1 - hidden.z) * (W2.T @ out.delta), rtol=1e-12)
    np.testing.assert_allclose(out.grad_weight, np.outer(out.delta, hidden.z), rtol=1e-12)
    np.testing.assert_allclose(hidden.a, model[0].weight.data @ x + model[0].bias.data, rtol=1e-12)


def test_hand_worked_one_neuron_step_of_the_tumor_example():
    # One neuron a = W x + b from [Ibragimov]'s starting point W = b = 0.01, squared error, at a
    # hand-picked sample x = 1, t = 1:
    # a = 0.02, L = (0.02 − 1)² = 0.9604, ∂L/∂a = 2(a − t) = −1.96 = ∂L/∂W (x = 1) = ∂L/∂b.
    neuron = nn.Linear(1, 1, dtype="float64")
    neuron.weight.data[...] = 0.01
    neuron.bias.data[...] = 0.01
    out = io.StringIO()
    trace = dn.explain.backward(neuron, [1.0], 1.0, "mse", file=out)
    assert trace.loss == pytest.approx(0.9604)
    assert trace.layers[0].delta.tolist() == pytest.approx([-1.96])
    assert trace.layers[0].grad_weight[0, 0] == pytest.approx(-1.96)
    text = out.getvalue()
    assert "loss L = 0.9604" in text and "∂L/∂W[1] = δ[1] z[0]ᵀ = [[-1.96]]" in text


def test_printout_follows_the_seeds_notation():
    model = mlp([nn.Tanh, None], [3, 2, 1])
    out = io.StringIO()
    dn.explain.backward(model, [[1.0, 2.0, 3.0]], [0.5], "mse", file=out)
    text = out.getvalue()
    for expected in (
        "a[1] = W[1] z[0] + b[1]",
        "z[1] = h(a[1])",
        "layer 2 (output): δ[2] = h'(a[2]) ⊙ ∂L/∂z[2]",
        "layer 1: δ[1] = h'(a[1]) ⊙ W[2]ᵀ δ[2],  h'(a) = 1 − z²",
        "∂L/∂b[1] = δ[1]",
    ):
        assert expected in text


def test_nested_sequentials_and_flatten_at_the_start():
    inner = nn.Sequential(nn.Linear(4, 3, rng=0, dtype="float64"), nn.ReLU())
    model = nn.Sequential(nn.Flatten(), inner, nn.Linear(3, 2, rng=1, dtype="float64"))
    x = np.array([[0.3, -0.2], [1.0, 0.5]]).reshape(1, 4)
    trace = dn.explain.backward(model, x, [1], "cross_entropy", file=io.StringIO())
    assert [layer.name for layer in trace.layers] == ["1.0+1.1", "2"]


@pytest.mark.parametrize(
    "model, x, message",
    [
        (nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)), [1.0, 2.0], "Dropout is not an elementwise activation"),
        (nn.Sequential(nn.ReLU(), nn.Linear(2, 2)), [1.0, 2.0], "module '0' \\(ReLU\\) does not follow a Linear"),
        (nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh()), [1.0, 2.0], "module '2' \\(Tanh\\) does not follow"),
        (nn.Conv2d(1, 1, 3), [1.0], "explains a Sequential of Linear layers"),
        (nn.Linear(2, 1), [1.0, 2.0, 3.0], r"x must be one sample of 2 features, .* got shape \(3,\)"),
        (nn.Linear(2, 1), [[1.0, 2.0], [3.0, 4.0]], r"got shape \(2, 2\)"),
    ],
)
def test_what_it_cannot_explain_is_refused(model, x, message):
    with pytest.raises(ValueError, match=message):
        dn.explain.backward(model, x, [0.0], "mse", file=io.StringIO())
