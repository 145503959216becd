"""log1p, expm1, log2 and log10 (autograd/logarithms.py) against PyTorch: values, dtypes and
gradients, exact near 0 where log(1 + x) and exp(x) - 1 lose every digit; the in-place forms."""

import numpy as np
import pytest

import deltanet as dn

NAMES = ["log1p", "expm1", "log2", "log10"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_are_pytorchs(name, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([1e-9, 0.3, 2.0, 7.5], dtype=dtype)
    ours = dn.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    a, b = getattr(ours, name)(), getattr(torch, name)(theirs)
    assert a.dtype == x.dtype
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=2e-7 if dtype == "float32" else 1e-15)
    (a * dn.tensor(np.arange(1.0, 5.0, dtype=dtype))).sum().backward()
    (b * torch.arange(1.0, 5.0, dtype=getattr(torch, dtype))).sum().backward()
    np.testing.assert_allclose(
        ours.grad.detach().numpy(), theirs.grad.detach().numpy(), rtol=2e-7 if dtype == "float32" else 1e-15
    )


def test_near_zero_they_keep_the_digits_that_log_and_exp_lose():
    x = dn.tensor([1e-12], dtype="float64")
    assert dn.log1p(x).item() == pytest.approx(1e-12 - 5e-25, rel=1e-15)
    assert dn.expm1(x).item() == pytest.approx(1e-12 + 5e-25, rel=1e-15)
    assert (dn.log(1 + x).item() - 1e-12) / 1e-12 > 1e-5  # the naive formula's error, for contrast


@pytest.mark.parametrize("name", NAMES)
def test_integers_compute_in_float32_and_in_place_forms_refuse_them(name):
    assert getattr(dn, name)(dn.tensor([1, 4])).dtype == np.float32
    t = dn.tensor([1.0, 4.0])
    expected = getattr(dn, name)(t).detach().numpy()
    getattr(t, name + "_")()
    np.testing.assert_array_equal(t.detach().numpy(), expected)
    with pytest.raises(ValueError, match=f"{name}_: the result cannot be stored"):
        getattr(dn.tensor([1, 4]), name + "_")()
