"""Powers: negative bases with integer-valued exponents, tensor exponents, ``__rpow__``, integer
dtypes, and PyTorch's gradients where the textbook formula is undefined."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn


def test_negative_bases_with_integer_valued_exponents():
    x = dn.tensor([-2.0, -1.0, 3.0])
    assert (x**2).tolist() == [4.0, 1.0, 9.0]
    assert (x**3).tolist() == [-8.0, -1.0, 27.0]
    assert (x ** dn.tensor([2.0, 3.0, 2.0])).tolist() == [4.0, -1.0, 9.0]  # was NaN via exp(b log a)
    assert (x ** dn.tensor(2.0)).tolist() == [4.0, 1.0, 9.0]
    assert (x**-1).tolist() == [-0.5, -1.0, pytest.approx(1 / 3)]
    assert np.isnan((x**0.5).data[0])  # a fractional power of a negative number: NaN, as in PyTorch


def test_reflected_power():
    x = dn.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = 2**x
    assert y.tolist() == [1.0, 2.0, 4.0] and y.dtype == dn.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.log(2) * np.array([1.0, 2.0, 4.0]), rtol=1e-6)
    assert (np.float64(3.0) ** dn.tensor([2.0])).tolist() == [9.0]


def test_integer_powers_keep_integer_dtypes():
    n = dn.tensor([1, 2, 3])
    assert (n**2).dtype == dn.int64 and (n**2).tolist() == [1, 4, 9]
    assert (n**0.5).dtype == dn.float32
    assert (2**n).tolist() == [2, 4, 8] and (2**n).dtype == dn.int64
    with pytest.raises(ValueError, match=r"Integers to negative integer powers are not allowed"):
        n**-1


def test_float32_stays_float32():
    x = dn.tensor([1.5, 2.0])
    assert (x**2).dtype == (x**0.5).dtype == (x ** dn.tensor([2.0, 1.0])).dtype == dn.float32


def test_bad_exponent():
    with pytest.raises(ValueError, match=r"pow: exponent must be a number or a tensor, got 'a'"):
        dn.tensor([1.0]) ** "a"


def test_gradcheck_tensor_exponent(rng):
    x = t64(rng, (2, 3), positive=True)
    y = t64(rng, (2, 3))
    assert dn.gradcheck(lambda a, b: a**b, [x, y])
    assert dn.gradcheck(lambda a, b: a**b, [x, t64(rng, (3,))])  # broadcast exponent
    assert dn.gradcheck(lambda b: 1.7**b, [y])
    base = dn.tensor(np.array([-2.0, -0.5, 1.5]), requires_grad=True)
    exponent = dn.tensor(np.array([2.0, 3.0, -1.0]))  # integer-valued: differentiable in the base
    assert dn.gradcheck(lambda a: a**exponent, [base])
    assert dn.gradcheck(lambda a: a**3 + a**-2, [base])


def test_gradients_equal_pytorch_at_the_special_points():
    torch = pytest.importorskip("torch")
    base = np.array([-2.0, 0.0, 0.0, 3.0, 0.0, -1.5])
    exponent = np.array([2.0, 0.0, 2.0, -1.0, -2.0, 0.5])
    results = []
    for lib in (dn, torch):
        x = lib.tensor(base, requires_grad=True)
        y = lib.tensor(exponent, requires_grad=True)
        z = x**y
        z.backward(lib.ones(6, dtype=lib.float64))
        results.append([z.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
        s = lib.tensor(base, requires_grad=True)  # scalar exponents, including 0
        (s**0 + s**2 + s**3).sum().backward()
        results[-1].append(s.grad.numpy())
        e = lib.tensor(exponent, requires_grad=True)  # a scalar base of 0 and 2
        (0.0**e + 2.0**e).sum().backward()
        results[-1].append(e.grad.numpy())
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)
