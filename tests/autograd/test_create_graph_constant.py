"""``create_graph=True`` through a graph whose gradient is a constant (sums, reshapes, indexing,
products with constants) returns that gradient without history, as PyTorch does (deltanet refused
every ``create_graph=True``); where PyTorch would record the backward pass (``x * x``, a ReLU, a
seed that requires grad) deltanet still refuses by name."""

import numpy as np
import pytest

import deltanet as dn

CONSTANT = {
    "x + 1": (lambda lib, x: x + 1, [1.0, 1.0, 1.0]),
    "x * 2": (lambda lib, x: x * 2, [2.0, 2.0, 2.0]),
    "3 - x": (lambda lib, x: 3 - x, [-1.0, -1.0, -1.0]),
    "x / 4": (lambda lib, x: x / 4, [0.25, 0.25, 0.25]),
    "x[1:]": (lambda lib, x: x[1:], [0.0, 1.0, 1.0]),
    "mean": (lambda lib, x: x.mean().reshape(1), [1 / 3, 1 / 3, 1 / 3]),
    "cat": (lambda lib, x: lib.cat([x, 2 * x]), [3.0, 3.0, 3.0]),
    "expand": (lambda lib, x: x.unsqueeze(0).expand(2, 3), [2.0, 2.0, 2.0]),
    "matmul by a constant": (
        lambda lib, x: x.reshape(1, 3) @ lib.tensor(np.arange(6.0).reshape(3, 2), dtype=lib.float64),
        [1.0, 5.0, 9.0],
    ),
}
RECORDED = {
    "x * x": lambda lib, x: x * x,
    "relu": lambda lib, x: lib.relu(x),
    "2 / x": lambda lib, x: 2 / x,
    "exp": lambda lib, x: x.exp(),
}


def _x(lib):
    return lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)


@pytest.mark.parametrize("name", list(CONSTANT))
def test_a_constant_gradient_comes_back_without_history(name):
    f, expected = CONSTANT[name]
    x = _x(dn)
    y = f(dn, x).sum()
    (g,) = dn.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.data, expected, rtol=1e-15)
    assert not g.requires_grad and g.grad_fn is None
    with pytest.raises(RuntimeError, match=r"does not require grad"):
        g.sum().backward()
    y.backward(create_graph=True)  # the graph was kept, as PyTorch keeps it with create_graph
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-15)
    assert not x.grad.requires_grad


@pytest.mark.parametrize("name", list(RECORDED))
def test_a_gradient_that_would_have_history_is_refused(name):
    x = _x(dn)
    with pytest.raises(NotImplementedError, match=r"create_graph=True: deltanet's backward pass"):
        dn.autograd.grad(RECORDED[name](dn, x).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match=r"create_graph=True"):
        RECORDED[name](dn, x).sum().backward(create_graph=True)


def test_a_seed_that_requires_grad_is_refused():
    x, v = _x(dn), dn.ones(3, dtype=dn.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"create_graph=True"):
        dn.autograd.grad(x * 2, x, grad_outputs=v, create_graph=True)


@pytest.mark.parametrize("name", list(CONSTANT))
def test_values_and_history_equal_pytorchs(name):
    torch = pytest.importorskip("torch")
    f = CONSTANT[name][0]
    seen = []
    for lib in (dn, torch):
        x = _x(lib)
        (g,) = lib.autograd.grad(f(lib, x).sum(), x, create_graph=True)
        seen.append((g.tolist(), g.requires_grad))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-15)
    assert seen[0][1] == seen[1][1]


@pytest.mark.parametrize("name", list(RECORDED))
def test_pytorch_records_the_ones_refused(name):
    torch = pytest.importorskip("torch")
    x = _x(torch)
    (g,) = torch.autograd.grad(RECORDED[name](torch, x).sum(), x, create_graph=True)
    assert g.requires_grad
