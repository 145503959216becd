"""Two tensors of different dtypes combine with PyTorch's promotion, not NumPy's."""

import numpy as np
import pytest

import deltanet as dn

F32, F64, I64, I32, U8, B = dn.float32, dn.float64, dn.int64, dn.int32, dn.uint8, dn.bool

CASES = [  # (dtype of a, shape of a, dtype of b, shape of b)
    (F32, (3,), I64, (3,)),  # NumPy: float64
    (F32, (3,), I32, (3,)),
    (F32, (3,), B, (3,)),
    (F32, (3,), U8, (3,)),
    (I64, (3,), B, (3,)),
    (I32, (3,), I64, (3,)),
    (F32, (3,), F64, (3,)),
    (F32, (3,), F64, ()),  # a 0-d tensor of the same category does not widen
    (I64, (3,), F64, ()),  # a 0-d tensor of a higher category decides
    (I64, (3,), F32, ()),
    (I64, (), F32, ()),
    (F64, (), I64, (3,)),
]


def _pair(da, sa, db, sb):
    rng = np.random.default_rng(0)
    a = rng.integers(1, 5, size=sa).astype(da)
    b = rng.integers(1, 5, size=sb).astype(db)
    return a, b


@pytest.mark.parametrize(("da", "sa", "db", "sb"), CASES)
def test_binary_ops_promote_as_pytorch(da, sa, db, sb):
    torch = pytest.importorskip("torch")
    a, b = _pair(da, sa, db, sb)
    for op in ("__add__", "__sub__", "__mul__", "__truediv__", "__radd__"):
        if op == "__sub__" and B in (da, db):
            continue  # PyTorch refuses subtraction with a bool tensor
        ours = getattr(dn.tensor(a), op)(dn.tensor(b))
        theirs = getattr(torch.from_numpy(a), op)(torch.from_numpy(b))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (op, da, sa, db, sb)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_where_cat_stack_and_clamp_promote_as_pytorch():
    torch = pytest.importorskip("torch")
    f, i = np.ones(2, np.float32), np.arange(2)
    cond = np.array([True, False])
    cases = [
        (
            dn.where(dn.tensor(cond), dn.tensor(f), dn.tensor(i)),
            torch.where(torch.tensor(cond), torch.tensor(f), torch.tensor(i)),
        ),
        (dn.cat([dn.tensor(f), dn.tensor(i)]), torch.cat([torch.tensor(f), torch.tensor(i)])),
        (dn.stack([dn.tensor(i), dn.tensor(f)]), torch.stack([torch.tensor(i), torch.tensor(f)])),
        (dn.clamp(dn.tensor(i), 0.5, 2.5), torch.clamp(torch.tensor(i), 0.5, 2.5)),
        (dn.clamp(dn.tensor(i), 0, 1), torch.clamp(torch.tensor(i), 0, 1)),
    ]
    for ours, theirs in cases:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_a_float32_prediction_times_an_integer_mask_stays_float32_with_its_gradient():
    probs = dn.tensor(np.array([0.2, 0.7, 0.9], np.float32), requires_grad=True)
    mask = dn.tensor(np.array([0, 1, 1]))
    loss = (probs * mask).sum() / (probs + mask).sum()
    assert loss.dtype == dn.float32
    loss.backward()
    assert probs.grad.dtype == dn.float32


def test_a_float64_zero_d_factor_sends_its_gradient_back_in_float64():
    x = dn.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    s = dn.tensor(3.0, dtype=dn.float64, requires_grad=True)
    y = x * s
    assert y.dtype == dn.float32
    y.sum().backward()
    assert s.grad.dtype == dn.float64 and float(s.grad) == 3.0
    assert x.grad.dtype == dn.float32 and x.grad.tolist() == [3.0, 3.0]


def test_mixed_dtype_gradcheck():
    x = dn.tensor(np.array([0.5, -1.5, 2.0]), dtype=dn.float64, requires_grad=True)
    k = dn.tensor(np.array([1, 2, 3]))
    assert dn.gradcheck(lambda x: (x * k + k) / (k + 1.0), (x,))


@pytest.mark.parametrize("name", ["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt"])
@pytest.mark.parametrize("dtype", [I64, I32, U8, B])
def test_real_functions_of_integer_tensors_are_float32_as_pytorch(name, dtype):
    torch = pytest.importorskip("torch")
    a = np.array([1, 2, 3, 1]).astype(dtype)
    for ours, theirs in [
        (getattr(dn, name)(dn.tensor(a)), getattr(torch, name)(torch.from_numpy(a))),
        (getattr(dn.tensor(a), name)(), getattr(torch.from_numpy(a), name)()),
    ]:
        assert ours.dtype == dn.float32 and theirs.dtype == torch.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", [I64, I32, U8, B, dn.int8, dn.int16])
def test_integer_sums_are_int64_as_pytorch(dtype):
    torch = pytest.importorskip("torch")
    a = np.array([[200, 100], [1, 0]]).astype(dtype)
    for kwargs in ({}, {"dim": 0}, {"dim": (0, 1), "keepdim": True}):
        ours, theirs = dn.tensor(a).sum(**kwargs), torch.from_numpy(a).sum(**kwargs)
        assert ours.dtype == dn.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
