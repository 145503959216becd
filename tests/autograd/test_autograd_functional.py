"""autograd.functional (jacobian, vjp, jvp; second order refused), anomaly detection and
autograd.gradcheck, against PyTorch."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd.functional import hessian, jacobian, jvp, vjp


def data(seed=0, shape=(3,)):
    return np.random.default_rng(seed).standard_normal(shape)


def f(a, b):
    return (a[:, None] * b).tanh(), a.sin().sum()


def test_jacobian_vjp_jvp_match_pytorch():
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    a, b = data(), data(1, (2,))
    ours = jacobian(f, (dn.tensor(a), dn.tensor(b)))
    theirs = TF.jacobian(f, (torch.tensor(a), torch.tensor(b)))
    for row, trow in zip(ours, theirs, strict=True):
        for block, tblock in zip(row, trow, strict=True):
            assert block.shape == tuple(tblock.shape)
            np.testing.assert_allclose(block.numpy(), tblock.numpy(), rtol=1e-12)
    single = jacobian(lambda x: x.exp() * x.sum(), dn.tensor(a))
    np.testing.assert_allclose(
        single.numpy(), TF.jacobian(lambda x: x.exp() * x.sum(), torch.tensor(a)).numpy(), rtol=1e-12
    )

    def g(x):
        return x**2 * x.sum()

    v = data(2)
    out, ours_vjp = vjp(g, dn.tensor(a), dn.tensor(v))
    np.testing.assert_allclose(ours_vjp.numpy(), TF.vjp(g, torch.tensor(a), torch.tensor(v))[1].numpy(), rtol=1e-12)
    out, ours_jvp = jvp(g, dn.tensor(a), dn.tensor(v))
    np.testing.assert_allclose(ours_jvp.numpy(), TF.jvp(g, torch.tensor(a), torch.tensor(v))[1].numpy(), rtol=1e-12)
    assert not out.requires_grad


def test_jacobian_against_finite_differences_and_independent_inputs():
    a = data()
    J = jacobian(lambda x: (x**3).cumsum(0), dn.tensor(a)).numpy()
    eps = 1e-6
    numeric = np.stack(
        [(np.cumsum((a + eps * e) ** 3) - np.cumsum((a - eps * e) ** 3)) / (2 * eps) for e in np.eye(3)], axis=1
    )
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-8)
    zeros = jacobian(lambda x, y: x * 2, (dn.tensor(a), dn.tensor(a)))[1]
    assert not zeros.numpy().any()
    with pytest.raises(RuntimeError, match="independent of input 1"):
        jacobian(lambda x, y: x * 2, (dn.tensor(a), dn.tensor(a)), strict=True)


def test_second_order_and_bad_inputs_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="hessian: create_graph=True"):
        hessian(lambda x: (x**3).sum(), dn.tensor(data()))
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        jacobian(lambda x: x, dn.tensor(data()), create_graph=True)
    with pytest.raises(TypeError, match="inputs must be a tensor or a tuple of tensors"):
        jacobian(lambda x: x, data())
    with pytest.raises(ValueError, match="must be floating point"):
        jacobian(lambda x: x, dn.tensor([1, 2]))
    with pytest.raises(ValueError, match="v has shape"):
        vjp(lambda x: x, dn.tensor(data()), dn.ones(2))


def test_anomaly_detection_names_the_function():
    x = dn.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()  # off: NaN silently in the gradient, as in PyTorch
    assert np.isnan(x.grad.numpy()[0])
    x.grad = None
    with dn.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Function 'Sqrt' returned nan values in its 0th output"):
            (x.sqrt() * 0).sum().backward()
    assert not dn.autograd.is_anomaly_enabled()
    dn.autograd.set_detect_anomaly(True)
    try:
        assert dn.autograd.is_anomaly_enabled()
        (x * 2).sum().backward()  # no NaN: runs
    finally:
        dn.autograd.set_detect_anomaly(False)
    with pytest.raises(ValueError, match="mode must be True or False"):
        dn.autograd.set_detect_anomaly("yes")


def test_gradcheck_under_pytorchs_name():
    assert dn.autograd.gradcheck is dn.gradcheck
    assert dn.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (dn.tensor(data(), requires_grad=True),))
