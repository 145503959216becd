"""cross_entropy's fast path (class indices, no weights, smoothing or ignored targets: computed on
z^T, classes by samples) against its general formula, which DELTANET_REFERENCE=1 selects."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import backend


def loss_and_gradient(z: np.ndarray, y: np.ndarray, reduction: str, reference: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(backend, "REFERENCE", reference)
    logits = dn.as_tensor(z).requires_grad_()
    loss = dn.functional.cross_entropy(logits, dn.tensor(y), reduction=reduction)
    assert loss._ctx.plain is not reference  # the path the switch asked for
    (loss * dn.tensor(np.linspace(0.5, 1.5, loss.data.size).reshape(loss.shape).astype(z.dtype))).sum().backward()
    return loss.data, logits.grad.data


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-13), (np.float32, 2e-6)])
@pytest.mark.parametrize("layout", ["C", "F"])
def test_fast_path_equals_the_general_formula(reduction, dtype, tol, layout, monkeypatch):
    rng = np.random.default_rng(0)
    z = np.asarray(rng.standard_normal((7, 4)) * 5, dtype=dtype, order=layout)
    z[0] = [1e4, -1e4, 0, 3]  # large logits: log-sum-exp must not overflow
    y = rng.integers(0, 4, 7)
    fast = loss_and_gradient(z, y, reduction, False, monkeypatch)
    general = loss_and_gradient(z, y, reduction, True, monkeypatch)
    for a, b in zip(fast, general, strict=True):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_fast_path_against_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((150, 3)), rng.integers(0, 3, 150)
    loss, grad = loss_and_gradient(z, y, "mean", False, monkeypatch)
    t = torch.tensor(z, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    (expected * 0.5).backward()  # loss_and_gradient's weight for a single number
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-13)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)
