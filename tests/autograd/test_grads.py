"""autograd.grad, autograd.backward and backward(inputs=...), against PyTorch."""

import numpy as np
import pytest

import deltanet as dn


def data(seed=0, shape=(3, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


def scenario(lib):
    x = lib.tensor(data(), requires_grad=True)
    w = lib.tensor(data(1, (4,)), requires_grad=True)
    unused = lib.tensor(data(2, (2,)), requires_grad=True)
    h = (x * w).tanh()
    y = h.sum(1)
    loss = (h**2).mean() + (x * x).sum()
    g_leaf, g_h, g_none = lib.autograd.grad(loss, [x, h, unused], retain_graph=True, allow_unused=True)
    (g_out,) = lib.autograd.grad(y, w, grad_outputs=lib.tensor(data(3, (3,))), retain_graph=True)
    (g_two,) = lib.autograd.grad([loss, y.sum()], w, retain_graph=True)
    (zeros,) = lib.autograd.grad(loss, unused, retain_graph=True, materialize_grads=True)
    untouched = x.grad is None and w.grad is None
    lib.autograd.backward([loss, y], grad_tensors=[None, lib.ones(3, dtype=lib.float64)], retain_graph=True)
    both = [x.grad.numpy().copy(), w.grad.numpy().copy()]
    x.grad = None
    w.grad = None
    loss.backward(inputs=[w])
    only_w = (x.grad is None, w.grad.numpy())
    return [g_leaf.numpy(), g_h.numpy(), g_out.numpy(), g_two.numpy(), zeros.numpy()], g_none, untouched, both, only_w


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = scenario(dn), scenario(torch)
    for a, b in zip(ours[0], theirs[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert ours[1] is None and theirs[1] is None
    assert ours[2] is theirs[2] is True
    for a, b in zip(ours[3], theirs[3], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ours[4][0] is theirs[4][0] is True
    np.testing.assert_allclose(ours[4][1], theirs[4][1], rtol=1e-12)


def test_grad_of_float32_is_float32_and_a_tuple():
    x = dn.tensor(data().astype(np.float32), requires_grad=True)
    g = dn.autograd.grad((x * 2).sum(), x)
    assert isinstance(g, tuple) and g[0].dtype == dn.float32 and not g[0].requires_grad


def test_leaf_output_and_graph_freed():
    x = dn.tensor(2.0, requires_grad=True)
    assert dn.autograd.grad(x, x)[0].item() == 1.0
    y = (x * 3).exp()
    dn.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        dn.autograd.grad(y, x)


def test_errors_are_clear():
    x = dn.tensor(data(), requires_grad=True)
    z = dn.tensor(data(1), requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph=True: deltanet's backward"):
        dn.autograd.grad((x**3).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        (x**3).sum().backward(create_graph=True)
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used"):
        dn.autograd.grad((x * 2).sum(), [x, z])
    with pytest.raises(RuntimeError, match="does not require grad"):
        dn.autograd.grad((x * 2).sum(), dn.tensor(data()))
    with pytest.raises(RuntimeError, match="needs a scalar output"):
        dn.autograd.grad(x * 2, x)
    with pytest.raises(ValueError, match="grad_outputs has 2 entries, expected one per output"):
        dn.autograd.grad((x * 2).sum(), x, grad_outputs=[None, None])
    with pytest.raises(TypeError, match="inputs must be a tensor or a sequence of tensors"):
        dn.autograd.grad((x * 2).sum(), "x")


def test_variable_and_deprecated_arguments():
    v = dn.autograd.Variable(dn.ones(2), requires_grad=True)
    assert v.is_leaf and v.requires_grad
    (g,) = dn.autograd.grad((v * 3).sum(), v, only_inputs=True)
    assert g.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        dn.autograd.Variable([1.0])
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        w = dn.autograd.Variable(dn.ones(2), volatile=True)
    assert not w.requires_grad and w.tolist() == [1.0, 1.0]
    with (
        pytest.warns(UserWarning, match="volatile"),
        pytest.raises(ValueError, match="can't be volatile and require_grad at the same time"),
    ):
        dn.autograd.Variable(dn.ones(2), requires_grad=True, volatile=True)
    with pytest.raises(ValueError, match="is_grads_batched"):  # as PyTorch's vmap: no batch axis
        dn.autograd.grad((v * 3).sum(), v, is_grads_batched=True)


def test_volatile_variable_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch.autograd import Variable as TorchVariable

    for make, lib in ((TorchVariable, torch), (dn.autograd.Variable, dn)):
        with pytest.warns(UserWarning, match=r"volatile was removed and now has no effect. Use `with torch.no_grad"):
            v = make(lib.ones(2), volatile=True)
        assert not v.requires_grad and not (v * 2).requires_grad
        with pytest.warns(UserWarning), pytest.raises(ValueError, match="volatile and require_grad"):
            make(lib.ones(2), requires_grad=True, volatile=True)
