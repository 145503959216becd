"""``.grad`` is a Tensor (or None), as in PyTorch: created on the first backward, accumulated into
its array afterwards, and settable to None, a tensor or (wrapped) an array."""

import numpy as np
import pytest

import deltanet as dn


def test_grad_is_a_tensor_created_once_and_accumulated_in_place():
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    assert w.grad is None
    (w * w).sum().backward()
    grad = w.grad
    assert isinstance(grad, dn.Tensor) and grad.dtype == w.dtype and grad.shape == w.shape
    assert not grad.requires_grad and grad.is_leaf
    array = grad.array
    (w * 3).sum().backward()
    assert w.grad is grad and w.grad.array is array  # accumulated into the same array
    assert w.grad.tolist() == [5.0, 7.0]


def test_the_pytorch_idioms_on_grad():
    w = dn.tensor([3.0, 4.0], requires_grad=True)
    (w * w).sum().backward()
    assert w.grad.norm().item() == 10.0
    saved = w.grad.clone()
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0] and saved.tolist() == [6.0, 8.0]
    assert w.grad.array.tolist() == [0.0, 0.0]
    w.grad = None
    assert w.grad is None


def test_assigning_grad():
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    w.grad = np.array([0.5, 0.25])  # an array, wrapped and converted to w's dtype
    assert isinstance(w.grad, dn.Tensor) and w.grad.dtype == dn.float32
    g = dn.tensor([1.0, 1.0])
    w.grad = g
    assert w.grad is g
    (w * 2).sum().backward()
    assert g.tolist() == [3.0, 3.0]  # accumulates into the tensor that was set
    with pytest.raises(ValueError, match=r"grad must have this tensor's shape \(2,\), got shape \(3,\)"):
        w.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"grad must have this tensor's dtype float32, got a tensor of dtype float64"):
        w.grad = dn.tensor(np.ones(2))


def test_leaves_receiving_the_same_delta_get_separate_grads():
    a, b = dn.ones(3, requires_grad=True), dn.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_zero_dimensional_grads_are_arrays():
    x = dn.tensor(2.0, requires_grad=True)
    (x * x).backward()
    assert isinstance(x.grad.array, np.ndarray) and x.grad.item() == 4.0
    x.grad.zero_()
    assert x.grad.item() == 0.0


def test_optimizers_and_zero_grad_use_grad_tensors():
    model = dn.nn.Linear(2, 1)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.array.copy()
    model(dn.ones(3, 2)).sum().backward()
    opt.step()
    assert not np.array_equal(model.weight.array, before)
    opt.zero_grad(set_to_none=False)
    assert isinstance(model.weight.grad, dn.Tensor) and model.weight.grad.tolist() == [[0.0, 0.0]]
    model.zero_grad()
    assert model.weight.grad is None


def test_grads_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((3, 2))
    grads = []
    for lib in (dn, torch):
        w = lib.tensor(a, requires_grad=True)
        (w.sigmoid() * w).sum().backward()
        (w**2).mean().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
