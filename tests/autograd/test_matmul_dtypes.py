"""Matrix products take two operands of one dtype, as PyTorch's: float32 @ float64 raises (it was
promoted silently), and bool matrices are refused."""

from __future__ import annotations

import pytest

import deltanet as dn

F32, F64 = dn.ones(2, 3), dn.ones(3, 2, dtype=dn.float64)

MIXED = [
    lambda: F32 @ F64,
    lambda: F64.T @ F32.T,
    lambda: dn.matmul(F32, F64),
    lambda: dn.mm(F32, F64),
    lambda: F32.mm(F64),
    lambda: dn.bmm(F32[None], F64[None]),
    lambda: dn.dot(F32[0], F64[:, 0]),
    lambda: dn.mv(F32, F64[:, 0]),
    lambda: dn.inner(F32[0], F64[:, 0]),
    lambda: dn.tensordot(F32, F64, dims=1),
    lambda: dn.einsum("ij,jk->ik", F32, F64),
    lambda: dn.linalg.multi_dot([F32, F64]),
    lambda: dn.addmm(dn.zeros(2, 2), F32, F64),
    lambda: dn.addmm(dn.zeros(2, 2, dtype=dn.float64), F32, F32.T),
    lambda: dn.linalg.vecdot(F32, F64.T),
    lambda: dn.cdist(F32, F64.T),
    lambda: dn.linalg.cross(F32, F64.T),
    lambda: dn.cross(F32, F64.T, dim=1),
    lambda: dn.ones(2, 3, dtype=dn.int64) @ dn.ones(3, 2),
    lambda: dn.ones(2, 3, dtype=dn.int32) @ dn.ones(3, 2, dtype=dn.int64),
]


@pytest.mark.parametrize("product", MIXED)
def test_mixed_dtypes_raise(product):
    with pytest.raises(RuntimeError, match="same dtype"):
        product()


def test_same_dtypes_still_multiply():
    assert (F32 @ F32.T).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert (dn.ones(2, 3, dtype=dn.int64) @ dn.ones(3, 2, dtype=dn.int64)).tolist() == [[3, 3], [3, 3]]
    assert dn.mm(F64.T, F64).dtype == dn.float64


def test_addr_promotes_as_pytorch():
    # an outer product is elementwise in PyTorch: float32 vectors added to a float64 input give float64
    assert dn.addr(dn.zeros(3, 3, dtype=dn.float64), F32[0], F32[0]).dtype == dn.float64


def test_bool_matrices_are_refused():
    with pytest.raises(NotImplementedError, match="bool"):
        dn.ones(2, 3, dtype=dn.bool) @ dn.ones(3, 2, dtype=dn.bool)


def test_torch_refuses_the_same_products():
    torch = pytest.importorskip("torch")
    a, b = torch.ones(2, 3), torch.ones(3, 2, dtype=torch.float64)
    calls = [lambda: a @ b, lambda: torch.mm(a, b), lambda: torch.dot(a[0], b[:, 0]), lambda: torch.mv(a, b[:, 0])]
    calls += [lambda: torch.einsum("ij,jk->ik", a, b), lambda: torch.addmm(torch.zeros(2, 2), a, b)]
    for call in calls:
        with pytest.raises(RuntimeError):
            call()


def test_layers_keep_numpys_promotion():
    # the documented rule of the layers: float64 data through a float32 layer computes in float64
    x = dn.ones(2, 4, dtype=dn.float64)
    bilinear = dn.nn.Bilinear(4, 4, 2)
    y = bilinear(x, x)
    y.sum().backward()
    assert y.dtype == dn.float64 and bilinear.weight.grad.dtype == dn.float32
    assert dn.nn.Linear(4, 2)(x).dtype == dn.float64
