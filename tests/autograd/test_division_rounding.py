"""``a / b`` is one correctly rounded division (``ops.Div``), as PyTorch's: the result equals
NumPy's ``a / b`` bit for bit, where ``a * b ** -1`` would differ in the last bit."""

import numpy as np
import pytest

import deltanet as dn


def test_division_is_rounded_once():
    a = np.array([-7.0, 1.0, 10.0, 0.3], dtype=np.float32)
    b = np.array([3.0, 3.0, 3.0, 0.7], dtype=np.float32)
    z = (dn.tensor(a) / dn.tensor(b)).array
    assert z.tobytes() == (a / b).tobytes()
    assert (a * b**-1).tobytes() != (a / b).tobytes()  # the two-rounding form this replaced differs
    assert (2.0 / dn.tensor(b)).array.tobytes() == (np.float32(2.0) / b).tobytes()


def test_gradients_and_division_by_zero():
    x = dn.tensor([1.0, -2.0, 3.0], dtype=dn.float64, requires_grad=True)
    y = dn.tensor([2.0, 4.0, -0.5], dtype=dn.float64, requires_grad=True)
    (x / y).sum().backward()
    np.testing.assert_allclose(x.grad.array, 1 / y.array)
    np.testing.assert_allclose(y.grad.array, -x.array / y.array**2)
    with np.errstate(all="raise"):  # silent, as in PyTorch: no RuntimeWarning escapes
        z = dn.tensor([1.0, 0.0]) / dn.tensor([0.0, 0.0])
    assert np.isinf(z.array[0]) and np.isnan(z.array[1])


def test_matches_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7)).astype(np.float32)
    b = rng.uniform(0.1, 3.0, (7,)).astype(np.float32)
    x, y = dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    z, tz = x / y, tx / ty
    assert z.array.tobytes() == tz.detach().numpy().tobytes()
    g = rng.standard_normal((5, 7)).astype(np.float32)
    z.backward(dn.tensor(g))
    tz.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.array, tx.grad.numpy())
    np.testing.assert_allclose(y.grad.array, ty.grad.numpy(), rtol=1e-6)
