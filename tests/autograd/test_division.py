"""``//`` and ``%`` (``floor_divide``, ``remainder``): Python's rounding toward minus infinity, the
dtypes and gradients of PyTorch, and integer division by zero refused."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

X = np.array([7.5, -7.5, 3.0, -0.5, 2.25])
Y = np.array([2.0, 2.0, -1.25, 0.75, -0.5])


def test_floor_division_and_remainder_follow_python(rng):
    a, b = dn.tensor(X), dn.tensor(Y)
    np.testing.assert_array_equal((a // b).data, X // Y)
    np.testing.assert_array_equal((a % b).data, X % Y)
    assert (dn.tensor([7, -7]) // 2).tolist() == [3, -4] and (dn.tensor([7, -7]) % 3).tolist() == [1, 2]
    assert (7 // dn.tensor([2, -2])).tolist() == [3, -4] and (7 % dn.tensor([3, -3])).tolist() == [1, -2]
    assert dn.floor_divide(a, 2).tolist() == (a // 2).tolist() and a.remainder(b).tolist() == (a % b).tolist()
    from_array = np.array([7, -7]) // dn.tensor([2, 2]), np.array([7, -7]) % dn.tensor([3, 3])
    assert all(isinstance(t, dn.Tensor) for t in from_array)  # as array + tensor: the tensor's operator
    assert [t.tolist() for t in from_array] == [[3, -4], [1, 2]]


def test_dtypes_follow_pytorch():
    ints = dn.tensor([7, 8])
    assert (ints // 2).dtype == dn.int64 and (ints % 2).dtype == dn.int64
    assert (ints // 2.5).dtype == dn.float32 and (dn.ones(2) % 2).dtype == dn.float32
    assert (dn.ones(2, dtype=dn.float64) // 2).dtype == dn.float64


def test_remainder_gradient_is_pytorchs(rng):
    x, y = t64(X), t64(Y)
    assert dn.gradcheck(lambda a, b: a % b, [x, y])
    assert dn.gradcheck(lambda a: a % 2.0, [t64(X)])


def test_floor_division_has_no_gradient_as_in_pytorch():
    x = dn.tensor(X, requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match=r"derivative for floor_divide \(//\) is not implemented"):
        y.sum().backward()
    assert (x.detach() // 2).requires_grad is False


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match=r"floor_divide: integer division by zero"):
        dn.tensor([1, 2]) // 0
    with pytest.raises(ZeroDivisionError, match=r"remainder: integer division by zero"):
        dn.tensor([1, 2]) % dn.tensor([1, 0])
    ones = dn.tensor([1.0, -1.0])
    assert (ones // 0).tolist() == [np.inf, -np.inf] and np.isnan((ones % 0).data).all()


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (dn, torch):
        x, y = lib.tensor(X, requires_grad=True), lib.tensor(Y, requires_grad=True)
        z = x % y
        (z * lib.tensor(X)).sum().backward()
        q = lib.tensor([9, -9, 4]) // lib.tensor([4, 4, -3])
        results.append(
            (z.detach().numpy(), x.grad.numpy(), y.grad.numpy(), (x.detach() // y.detach()).numpy(), q.numpy())
        )
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)
