"""A NumPy array beside a tensor: NumPy's dtype promotion, as PyTorch's ``tensor OP array`` (which
hands the operation to NumPy); NumPy scalars count as Python numbers."""

import numpy as np
import pytest

import deltanet as dn

CASES = [
    ("float32 + int64 array", lambda L: L.ones(2) + np.array([1, 2]), "float64"),
    ("float32 + float64 array", lambda L: L.ones(2) + np.array([1.0, 2.0]), "float64"),
    ("float32 + 0-d float64 array", lambda L: L.ones(2) + np.array(2.0), "float64"),
    ("float32 + int32 array", lambda L: L.ones(2) + np.array([1, 2], dtype=np.int32), "float64"),
    ("float32 - float64 array", lambda L: L.ones(2) - np.array([1.0, 2.0]), "float64"),
    ("float32 / int64 array", lambda L: L.ones(2) / np.array([1, 2]), "float64"),
    ("int64 / int64 array", lambda L: L.arange(2) / np.array([1, 2]), "float64"),
    ("int64 + float32 array", lambda L: L.arange(2) + np.array([1.0, 2.0], dtype=np.float32), "float64"),
    ("int32 + int64 array", lambda L: L.arange(2, dtype=L.int32) + np.array([1, 2]), "int64"),
    ("float32 * np.float64 scalar", lambda L: L.ones(2) * np.float64(2), "float32"),
    ("np.float64 scalar * int64", lambda L: np.float64(2) * L.arange(2), "float32"),
    ("float32 * np.int64 scalar", lambda L: L.ones(2) * np.int64(3), "float32"),
]


@pytest.mark.parametrize("name, make, dtype", CASES, ids=[c[0] for c in CASES])
def test_array_operands_promote_as_numpy(name, make, dtype):
    assert str(make(dn).dtype) == dtype


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name, make, dtype", CASES, ids=[c[0] for c in CASES])
def test_array_operands_match_pytorch(name, make, dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = make(dn), make(torch)
    assert str(theirs.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)


def test_the_array_order_gives_the_same_dtype_and_the_gradient_flows():
    # PyTorch refuses array + tensor and any array operand of a tensor that requires a gradient;
    # deltanet computes both, with the same dtype as tensor + array.
    w = dn.ones(2, requires_grad=True)
    out = np.array([1.0, 2.0]) * w
    assert out.dtype == dn.float64
    out.sum().backward()
    assert w.grad.dtype == dn.float32 and w.grad.tolist() == [1.0, 2.0]
