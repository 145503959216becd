"""Two tensors of different dtypes combine to PyTorch's dtype, not NumPy's (a silent float64 otherwise)."""

import numpy as np
import pytest

import deltanet as dn

CASES = [  # (left, right): dtype, 0-d or not
    ((np.int64, False), (np.float32, False)),
    ((np.int64, False), (np.float64, True)),
    ((np.float32, False), (np.float64, True)),
    ((np.float64, True), (np.float32, False)),
    ((np.float64, False), (np.float32, True)),
    ((np.float64, False), (np.float32, False)),
    ((np.int32, False), (np.int64, True)),
    ((np.int32, False), (np.int64, False)),
    ((np.bool_, False), (np.int64, True)),
    ((np.bool_, False), (np.float32, False)),
    ((np.uint8, False), (np.int8, False)),
]


def _make(lib, dtype, zero_d):
    value = np.asarray(3 if zero_d else [1, 2, 3]).astype(dtype)
    return lib.tensor(value) if lib is dn else lib.from_numpy(value)


@pytest.mark.parametrize(("left", "right"), CASES)
def test_binary_ops_promote_as_pytorch(left, right):
    torch = pytest.importorskip("torch")
    for op in (
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: b + a,
        lambda a, b: a / b,
        lambda a, b: a.maximum(b),
        lambda a, b: (dn if isinstance(a, dn.Tensor) else torch).where(a > 1, a, b),
    ):
        ours = op(_make(dn, *left), _make(dn, *right))
        theirs = op(_make(torch, *left), _make(torch, *right))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_cat_and_stack_promote_as_pytorch():
    torch = pytest.importorskip("torch")
    for dtypes in ((np.int64, np.float32), (np.bool_, np.int32), (np.float32, np.float64), (np.int32, np.int64)):
        arrays = [np.asarray([1, 0]).astype(d) for d in dtypes]
        for name in ("cat", "stack"):
            ours = getattr(dn, name)([dn.tensor(a) for a in arrays])
            theirs = getattr(torch, name)([torch.from_numpy(a) for a in arrays])
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_promoted_float_operand_keeps_its_gradient_dtype():
    x = dn.tensor([1.0, 2.0], requires_grad=True)  # float32 with a 0-d float64: stays float32
    y = x * dn.tensor(2.0, dtype=dn.float64)
    assert y.dtype == dn.float32
    y.sum().backward()
    assert x.grad.dtype == dn.float32 and x.grad.tolist() == [2.0, 2.0]
    w = dn.tensor(1.5, dtype=dn.float32, requires_grad=True)  # a 0-d float32 with a float64 batch: float64
    z = dn.cat([dn.arange(3) * w, dn.zeros(1, dtype=dn.float64)])
    assert z.dtype == dn.float64
    z.sum().backward()
    assert w.grad.dtype == dn.float32 and w.grad.item() == 3.0


def test_gradcheck_through_a_promoted_product():
    positions = dn.arange(4).unsqueeze(1)  # int64, as in a positional encoding
    w = dn.tensor(np.linspace(0.1, 0.4, 3), dtype=dn.float64, requires_grad=True)
    assert (positions * w).dtype == dn.float64
    assert dn.gradcheck(lambda w: (positions * w).sin(), (w,))
