"""Activations: forward against NumPy formulas, gradcheck in float64, PyTorch parity, errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F


def _away_from_kink(x, eps=1e-3):
    x.data[np.abs(x.data) < eps] = 0.5
    return x


def _sig(v):
    return 1 / (1 + np.exp(-v))


CASES = {
    "sigmoid": (F.sigmoid, _sig),
    "tanh": (F.tanh, np.tanh),
    "relu": (F.relu, lambda v: np.maximum(v, 0)),
    "leaky_relu": (lambda z: F.leaky_relu(z, 0.1), lambda v: np.where(v > 0, v, 0.1 * v)),
    "elu": (lambda z: F.elu(z, 1.5), lambda v: np.where(v > 0, v, 1.5 * (np.exp(v) - 1))),
    "silu": (F.silu, lambda v: v * _sig(v)),
    "softplus": (F.softplus, lambda v: np.log1p(np.exp(v))),
    "softmax": (F.softmax, lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True)),
    "softmax_axis0": (lambda z: F.softmax(z, axis=0), lambda v: np.exp(v) / np.exp(v).sum(0, keepdims=True)),
    "log_softmax": (F.log_softmax, lambda v: v - np.log(np.exp(v).sum(-1, keepdims=True))),
    "identity": (F.identity, lambda v: v),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (1, 1)])
def test_forward_and_gradcheck(rng, name, shape):
    fn, ref = CASES[name]
    x = _away_from_kink(t64(rng, shape))
    np.testing.assert_allclose(fn(x).data, ref(x.data), rtol=1e-12, atol=1e-15)
    if name != "identity":
        assert dn.gradcheck(fn, [x])


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_kept(rng, name):
    fn, _ = CASES[name]
    x = dn.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    if name != "identity":
        out.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("num", [1, 3])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_prelu(rng, num, shape):
    z = _away_from_kink(t64(rng, shape))
    alpha = t64(rng, (num,))
    a_b = alpha.data.reshape((1, num) + (1,) * (len(shape) - 2)) if num > 1 else alpha.data
    np.testing.assert_allclose(F.prelu(z, alpha).data, np.where(z.data > 0, z.data, a_b * z.data))
    assert dn.gradcheck(F.prelu, [z, alpha])


def test_prelu_channel_mismatch():
    with pytest.raises(ValueError, match="3 parameters need an input with 3 channels on axis 1, got shape"):
        F.prelu(dn.tensor(np.ones((2, 4))), dn.tensor(np.ones(3)))


def test_step_forward_and_untrainable():
    z = dn.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    a = F.step(z)
    np.testing.assert_array_equal(a.data, [0.0, 1.0, 1.0])
    with pytest.raises(RuntimeError, match="cannot be trained by backpropagation"):
        a.sum().backward()


def test_derivatives_are_written_from_outputs():
    # The seeds' forms: sigmoid' = a(1-a), tanh' = 1-a², ELU' = a + alpha for z < 0.
    z = dn.tensor(np.array([-0.7, 0.3]), requires_grad=True)
    a = F.sigmoid(z)
    a.sum().backward()
    np.testing.assert_allclose(z.grad, a.data * (1 - a.data))
    z.grad = None
    a = F.elu(z, 2.0)
    a.sum().backward()
    np.testing.assert_allclose(z.grad[0], a.data[0] + 2.0)


@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.softplus, F.silu, F.elu, F.softmax, F.log_softmax])
def test_stable_at_extremes(fn):
    z = dn.tensor(np.array([[-1e4, 0.0, 1e4]]), requires_grad=True)
    out = fn(z)
    assert np.all(np.isfinite(out.data)) or fn is F.log_softmax and np.isfinite(out.data[0, 2])
    (out * dn.tensor(np.array([[0.3, -0.2, 0.5]]))).sum().backward()
    assert np.all(np.isfinite(z.grad))


def test_softmax_rows_sum_to_one(rng):
    s = F.softmax(dn.tensor(rng.standard_normal((6, 5)) * 50))
    np.testing.assert_allclose(s.data.sum(axis=1), 1.0, rtol=1e-12)


def test_modules_validate_hyperparameters():
    with pytest.raises(ValueError, match=r"LeakyReLU: negative_slope must be a number in \[0, 1\], got -0\.5"):
        dn.nn.LeakyReLU(-0.5)
    with pytest.raises(ValueError, match="ELU: alpha must be a number >= 0, got -1"):
        dn.nn.ELU(-1)
    with pytest.raises(ValueError, match="Softplus: beta must be a number > 0, got 0"):
        dn.nn.Softplus(beta=0)
    with pytest.raises(ValueError, match="num_parameters must be a positive integer, got 0"):
        dn.nn.PReLU(0)


TORCH_CASES = {
    "sigmoid": (F.sigmoid, lambda t, z: t.sigmoid(z)),
    "tanh": (F.tanh, lambda t, z: t.tanh(z)),
    "relu": (F.relu, lambda t, z: t.relu(z)),
    "leaky_relu": (lambda z: F.leaky_relu(z, 0.2), lambda t, z: t.nn.functional.leaky_relu(z, 0.2)),
    "elu": (lambda z: F.elu(z, 0.7), lambda t, z: t.nn.functional.elu(z, 0.7)),
    "silu": (F.silu, lambda t, z: t.nn.functional.silu(z)),
    "softplus": (lambda z: F.softplus(z, 2.0, 5.0), lambda t, z: t.nn.functional.softplus(z, 2.0, 5.0)),
    "softmax": (F.softmax, lambda t, z: t.softmax(z, -1)),
    "log_softmax": (lambda z: F.log_softmax(z, 0), lambda t, z: t.log_softmax(z, 0)),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH_CASES[name]
    data = rng.standard_normal((4, 6)) * 3
    cot = rng.standard_normal((4, 6))
    z = dn.tensor(data, requires_grad=True)
    (ours(z) * dn.tensor(cot)).sum().backward()
    zt = torch.tensor(data, requires_grad=True)
    out_t = theirs(torch, zt)
    (out_t * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(ours(dn.tensor(data)).data, out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_prelu_matches_torch(rng):
    torch = pytest.importorskip("torch")
    data = rng.standard_normal((4, 3, 5))
    z = dn.tensor(data, requires_grad=True)
    alpha = dn.tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    F.prelu(z, alpha).sum().backward()
    zt = torch.tensor(data, requires_grad=True)
    at = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.prelu(zt, at).sum().backward()
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(alpha.grad, at.grad.numpy(), atol=1e-12)
