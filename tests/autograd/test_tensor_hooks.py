"""Tensor.register_hook and retain_grad, against PyTorch."""

import gc

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd import hooks


def data(seed=0, shape=(3, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


def scenario(lib):
    """A leaf used twice with a clipping hook, a non-leaf whose hook scales, and retained grads."""
    x = lib.tensor(data(), requires_grad=True)
    w = lib.tensor(data(1, (4,)), requires_grad=True)
    seen = []
    x.register_hook(lambda g: g.clamp(-1.0, 1.0))  # clamp of the summed gradient, once
    h = x * w
    h.retain_grad()
    h.register_hook(lambda g: g * 0.5)
    h.register_hook(lambda g: seen.append(g.sum().item()))
    y = (h**2 + x).sum()
    y.retain_grad()
    y.backward(retain_graph=True)
    first = [x.grad.numpy().copy(), w.grad.numpy().copy(), h.grad.numpy().copy(), y.grad.item()]
    y.backward()  # through the graph again: the retained gradients add up, as the leaves'
    return first, [x.grad.numpy(), w.grad.numpy(), h.grad.numpy(), y.grad.item()], seen, h.retains_grad


def test_hooks_and_retain_grad_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = scenario(dn), scenario(torch)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)
    assert ours[3] is theirs[3] is True


def test_hook_removed_and_leaf_root():
    x = dn.tensor(data(), requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 20.0)
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0)
    s = dn.tensor(1.5, requires_grad=True)
    s.register_hook(lambda g: g * 3)
    s.backward()
    assert s.grad.item() == 3.0


def test_hook_may_not_write_into_the_shared_gradient():
    x, y = dn.tensor(data(), requires_grad=True), dn.tensor(data(1), requires_grad=True)
    x.register_hook(lambda g: g.mul_(0))  # in place on its own copy
    (x + y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 1.0)


def test_gradcheck_through_hooked_tensor():
    def f(x):
        h = x.sin()
        if h.requires_grad:  # gradcheck also evaluates f without recording
            h.register_hook(lambda g: None)
            h.retain_grad()
        return h * x

    assert dn.gradcheck(f, [dn.tensor(data(), requires_grad=True)])


def test_leaf_hooks_are_forgotten_with_the_tensor():
    x = dn.tensor(data(), requires_grad=True)
    x.register_hook(lambda g: g)
    assert x in hooks.leaf_hooks
    del x
    gc.collect()
    assert not hooks.leaf_hooks


def test_errors_are_clear():
    x = dn.tensor(data())
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        x.register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        x.retain_grad()
    w = dn.tensor(data(), requires_grad=True)
    with pytest.raises(TypeError, match="a hook must be callable"):
        w.register_hook(3)
    w.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(1, 4\), expected \(3, 4\)"):
        (w * 2).sum().backward()
