"""The LU factorization (``linalg.lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``,
``torch.lu_unpack``, ``torch.lu``, ``torch.lu_solve``): the factors against NumPy (reassembled) and
SciPy's ``lu_factor`` (the same pivots), float64 gradchecks, values and gradients against PyTorch,
and the errors.
"""

import numpy as np
import pytest

import deltanet as dn

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:UserWarning")

RNG = np.random.default_rng(11)
SHAPES = [(4, 4), (3, 5, 5), (5, 3), (3, 5), (2, 2, 6, 4), (1, 1)]
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


def _permutation_matrix(pivots, m):
    P = np.eye(m)
    for i, p in enumerate(pivots):
        P[:, [i, p - 1]] = P[:, [p - 1, i]]
    return P


@pytest.mark.parametrize("shape", SHAPES)
def test_factors_reassemble_the_matrix(shape):
    A = RNG.standard_normal(shape)
    P, L, U = dn.linalg.lu(dn.tensor(A))
    m, n = shape[-2:]
    k = min(m, n)
    assert P.shape == shape[:-2] + (m, m) and L.shape == shape[:-2] + (m, k) and U.shape == shape[:-2] + (k, n)
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), A, atol=1e-12)
    np.testing.assert_array_equal(np.triu(L.numpy(), 1), 0)
    np.testing.assert_array_equal(np.diagonal(L.numpy(), axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(np.tril(U.numpy(), -1), 0)
    assert np.abs(L.numpy()).max() <= 1.0  # partial pivoting: multipliers of magnitude at most 1


def test_pivots_are_scipys_and_the_permutation_theirs():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    A = RNG.standard_normal((7, 7))
    LU, pivots = dn.linalg.lu_factor(dn.tensor(A))
    lu_scipy, piv_scipy = scipy_linalg.lu_factor(A)
    assert pivots.dtype == dn.int32
    np.testing.assert_array_equal(pivots.numpy(), piv_scipy + 1)
    np.testing.assert_allclose(LU.numpy(), lu_scipy, atol=1e-12)
    P, _, _ = dn.lu_unpack(LU, pivots)
    np.testing.assert_array_equal(P.numpy(), _permutation_matrix(pivots.numpy(), 7))


def test_float32_stays_float32_and_empty_shapes():
    LU, pivots = dn.linalg.lu_factor(dn.tensor(RNG.standard_normal((3, 3)), dtype=dn.float32))
    assert LU.dtype == dn.float32 and pivots.dtype == dn.int32
    LU, pivots = dn.linalg.lu_factor(dn.zeros(2, 0, 0))
    assert LU.shape == (2, 0, 0) and pivots.shape == (2, 0)


def test_singular_matrices():
    LU, pivots, info = dn.linalg.lu_factor_ex(dn.tensor(SINGULAR))
    assert LU.tolist() == [[2.0, 4.0], [0.5, 0.0]] and pivots.tolist() == [2, 2] and info.item() == 2
    assert dn.linalg.lu_factor_ex(dn.zeros(3, 3)).info.item() == 1
    with pytest.raises(dn.linalg.LinAlgError, match=r"lu_factor: U\[2,2\] is zero"):
        dn.linalg.lu_factor(dn.tensor(SINGULAR))
    with pytest.raises(dn.linalg.LinAlgError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
        dn.linalg.lu_factor_ex(dn.tensor(np.stack([np.eye(2), SINGULAR])), check_errors=True)
    assert dn.linalg.lu(dn.tensor(SINGULAR)).U.tolist() == [[2.0, 4.0], [0.0, 0.0]]  # no error
    X = dn.linalg.lu_solve(LU, pivots, dn.ones(2, 1, dtype=dn.float64))
    assert not np.isfinite(X.numpy()).any()  # infinities, as PyTorch, not an error


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (5, 3), (3, 5)])
def test_gradcheck_lu_and_lu_factor(shape):
    A = dn.tensor(RNG.standard_normal(shape) + np.eye(*shape[-2:]), requires_grad=True)
    assert dn.gradcheck(lambda a: dn.cat([t.flatten() for t in dn.linalg.lu(a)[1:]]), [A])
    assert dn.gradcheck(lambda a: dn.linalg.lu_factor(a).LU, [A])


@pytest.mark.parametrize(("left", "adjoint"), [(True, False), (True, True), (False, False), (False, True)])
def test_gradcheck_lu_solve(left, adjoint):
    A = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    LU, pivots = dn.linalg.lu_factor(dn.tensor(A))
    LU = dn.tensor(LU.numpy(), requires_grad=True)
    B = dn.tensor(RNG.standard_normal((3, 2) if left else (2, 3)), requires_grad=True)  # batch broadcast
    assert dn.gradcheck(lambda lu, b: dn.linalg.lu_solve(lu, pivots, b, left=left, adjoint=adjoint), [LU, B])


@pytest.mark.parametrize(("left", "adjoint"), [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve_against_numpy(left, adjoint):
    A = RNG.standard_normal((4, 4))
    B = RNG.standard_normal((4, 2) if left else (2, 4))
    X = dn.linalg.lu_solve(*dn.linalg.lu_factor(dn.tensor(A)), dn.tensor(B), left=left, adjoint=adjoint).numpy()
    op = A.T if adjoint else A
    np.testing.assert_allclose(X, np.linalg.solve(op, B) if left else B @ np.linalg.inv(op), atol=1e-12)
    assert dn.lu_solve(dn.tensor(B if left else B.T), *dn.linalg.lu_factor(dn.tensor(A))).shape == (4, 2)


@pytest.mark.parametrize("shape", SHAPES[:-1])
def test_lu_against_pytorch(shape):
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal(shape)
    gL, gU = (
        RNG.standard_normal(shape[:-1] + (min(shape[-2:]),)),
        RNG.standard_normal(shape[:-2] + (min(shape[-2:]), shape[-1])),
    )
    a, ta = dn.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    P, L, U = dn.linalg.lu(a)
    tP, tL, tU = torch.linalg.lu(ta)
    ((L * dn.tensor(gL)).sum() + (U * dn.tensor(gU)).sum()).backward()
    ((tL * torch.tensor(gL)).sum() + (tU * torch.tensor(gU)).sum()).backward()
    np.testing.assert_array_equal(P.numpy(), tP.numpy())
    np.testing.assert_allclose(L.detach().numpy(), tL.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(U.detach().numpy(), tU.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=1e-10)
    LU, pivots, info = dn.linalg.lu_factor_ex(dn.tensor(A))
    tLU, tpivots, tinfo = torch.linalg.lu_factor_ex(torch.tensor(A))
    np.testing.assert_array_equal(pivots.numpy(), tpivots.numpy())
    np.testing.assert_array_equal(info.numpy(), tinfo.numpy())
    assert pivots.numpy().dtype == np.int32 and info.numpy().dtype == np.int32


@pytest.mark.parametrize(("left", "adjoint"), [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve_against_pytorch(left, adjoint):
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal((2, 4, 4)) + 2 * np.eye(4)
    B = RNG.standard_normal((3, 1, 4, 2) if left else (3, 1, 2, 4))
    tLU, tpivots = torch.linalg.lu_factor(torch.tensor(A))
    lu, tlu = dn.tensor(tLU.numpy(), requires_grad=True), tLU.clone().requires_grad_()
    b, tb = dn.tensor(B, requires_grad=True), torch.tensor(B, requires_grad=True)
    X = dn.linalg.lu_solve(lu, dn.tensor(tpivots.numpy()), b, left=left, adjoint=adjoint)
    tX = torch.linalg.lu_solve(tlu, tpivots, tb, left=left, adjoint=adjoint)
    g = RNG.standard_normal(tuple(tX.shape))
    (X * dn.tensor(g)).sum().backward()
    (tX * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(X.detach().numpy(), tX.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(lu.grad.numpy(), tlu.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), atol=1e-10)


def test_old_names_against_pytorch():
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal((3, 3))
    LU, pivots = dn.lu(dn.tensor(A))
    tLU, tpivots = torch.lu(torch.tensor(A))
    np.testing.assert_allclose(LU.numpy(), tLU.numpy(), atol=1e-12)
    assert dn.tensor(SINGULAR).lu(get_infos=True).info.item() == torch.lu(torch.tensor(SINGULAR), get_infos=True)[2]
    for unpack_data, unpack_pivots in [(True, False), (False, True)]:
        ours = dn.lu_unpack(LU, pivots, unpack_data, unpack_pivots)
        theirs = torch.lu_unpack(tLU, tpivots, unpack_data, unpack_pivots)
        for o, t in zip(ours, theirs, strict=True):
            assert o.shape == tuple(t.shape)
            np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)
    b = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(
        dn.tensor(b).lu_solve(LU, pivots).numpy(), torch.tensor(b).lu_solve(tLU, tpivots).numpy(), atol=1e-12
    )


def test_bad_input():
    A = dn.tensor(RNG.standard_normal((3, 3)))
    LU, pivots = dn.linalg.lu_factor(A)
    B = dn.tensor(RNG.standard_normal((3, 2)))
    with pytest.raises(RuntimeError, match=r"pivots should be a Tensor of scalar type torch.int32"):
        dn.linalg.lu_solve(LU, pivots.long(), B)
    with pytest.raises(RuntimeError, match=r"lu_unpack: pivots should be a Tensor of scalar type torch.int32"):
        dn.lu_unpack(LU, pivots.double())
    with pytest.raises(RuntimeError, match=r"pivots must be between 1 and LU.size\(-2\) = 3"):
        dn.linalg.lu_solve(LU, dn.tensor([4, 3, 3], dtype=dn.int32), B)
    with pytest.raises(RuntimeError, match=r"pivots must be between 1"):
        dn.lu_unpack(LU, dn.tensor([0, 3, 3], dtype=dn.int32))
    with pytest.raises(RuntimeError, match=r"Number of pivots per batch"):
        dn.linalg.lu_solve(LU, dn.tensor([1, 2], dtype=dn.int32), B)
    with pytest.raises(ValueError, match=r"must be batches of square matrices, but they are 3 by 2"):
        dn.linalg.lu_solve(dn.ones(3, 2), dn.tensor([1, 2], dtype=dn.int32), B)
    with pytest.raises(ValueError, match=r"B must have at least 2 dimensions"):
        dn.linalg.lu_solve(LU, pivots, dn.ones(3))
    with pytest.raises(ValueError, match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x2\)"):
        dn.linalg.lu_solve(LU, pivots, dn.ones(2, 2, dtype=dn.float64))
    with pytest.raises(ValueError, match=r"Expected LU and B to have the same dtype"):
        dn.linalg.lu_solve(LU, pivots, B.float())
    with pytest.raises(RuntimeError, match=r"LU without pivoting is not implemented on the CPU"):
        dn.linalg.lu_factor(A, pivot=False)
    with pytest.raises(ValueError, match=r"at least 2 dimensions"):
        dn.linalg.lu_factor(dn.ones(3))
    with pytest.raises(ValueError, match=r"expects a floating-point tensor"):
        dn.linalg.lu(dn.ones(2, 2, dtype=dn.int64))
