"""dn.linalg beyond the norms, and PyTorch's top-level and Tensor-method names for it: values and
gradients against PyTorch in float64, gradcheck of the ops built from others, float32 kept, and
the errors (LinAlgError for singular and non-positive-definite input, as PyTorch).

The Functions themselves (Det, Inv, Solve, Cholesky, Eigh, SVD, QR, Pinv, ...) are also checked by
the op registry (tests/reliability/op_registry_linalg.py). Eigenvectors and singular vectors are
unique only up to sign, and NumPy's LAPACK and PyTorch's may choose differently: they are compared
through quantities that do not depend on the choice.
"""

import math

import numpy as np
import pytest

import deltanet as dn

# The old names (torch.cholesky, torch.qr, ...) are checked against PyTorch's own old names, which warn.
pytestmark = pytest.mark.filterwarnings("ignore:.*(deprecated|without specifying the dim):UserWarning")

RNG = np.random.default_rng(7)
A3 = RNG.standard_normal((3, 4, 4)) + 2 * np.eye(4)
B3 = RNG.standard_normal((3, 4, 2))
SPD = A3 @ np.swapaxes(A3, -1, -2) + np.eye(4)
TALL = RNG.standard_normal((5, 3))
WIDE = RNG.standard_normal((3, 5))
V4 = RNG.standard_normal(4)


def _sign_free_svd(m, A):
    U, S, Vh = m.linalg.svd(A, full_matrices=False)
    return m.cat([(U * S.unsqueeze(-2)).matmul(Vh).flatten(), S.flatten(), (U.mT.matmul(U) * 2).flatten()])


def _sign_free_eigh(m, A):
    w, Q = m.linalg.eigh(A)
    P = Q[..., :, :1].matmul(Q[..., :, :1].mT)  # the projector on the first eigenvector: no sign
    return m.cat([w.flatten(), P.flatten(), (Q * w.unsqueeze(-2)).matmul(Q.mT).flatten()])


CASES = {
    "linalg.det": (lambda m, a: m.linalg.det(a), [A3]),
    "det method": (lambda m, a: a.det(), [A3[0]]),
    "slogdet": (lambda m, a: m.linalg.slogdet(a).logabsdet * m.linalg.slogdet(a).sign, [A3]),
    "torch.slogdet": (lambda m, a: m.slogdet(a)[1], [A3]),
    "logdet": (lambda m, a: m.logdet(a), [SPD]),
    "inv": (lambda m, a: m.linalg.inv(a), [A3]),
    "inverse": (lambda m, a: m.inverse(a) + a.inverse(), [A3]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [A3, B3]),
    "solve broadcast": (lambda m, a, b: m.linalg.solve(a, b), [A3, B3[0]]),
    "solve vector": (lambda m, a, b: m.linalg.solve(a, b), [A3[0], V4]),
    "solve batch of vectors": (lambda m, a, b: m.linalg.solve(a, b), [A3, B3[..., 0]]),
    "solve left=False": (lambda m, a, b: m.linalg.solve(a, b, left=False), [A3, np.swapaxes(B3, -1, -2).copy()]),
    "cholesky": (lambda m, a: m.linalg.cholesky(a), [SPD]),
    "cholesky upper": (lambda m, a: m.linalg.cholesky(a, upper=True), [SPD]),
    "cholesky method": (lambda m, a: a.cholesky(), [SPD[0]]),
    "cholesky_solve": (lambda m, a, b: m.cholesky_solve(b, m.linalg.cholesky(a)), [SPD, B3]),
    "cholesky_solve upper": (
        lambda m, a, b: b.cholesky_solve(m.linalg.cholesky(a, upper=True), upper=True),
        [SPD, B3],
    ),
    "cholesky_inverse": (lambda m, a: m.cholesky_inverse(m.linalg.cholesky(a)), [SPD[0]]),
    "solve_triangular lower": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False), [A3, B3]),
    "solve_triangular upper right": (
        lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True, left=False),
        [A3, np.swapaxes(B3, -1, -2).copy()],
    ),
    "solve_triangular unit": (
        lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True, unitriangular=True),
        [A3, B3],
    ),
    "qr tall": (lambda m, a: m.cat([t.flatten() for t in m.linalg.qr(a)]), [TALL]),
    "qr wide": (lambda m, a: m.cat([t.flatten() for t in m.linalg.qr(a)]), [WIDE]),
    "qr complete square": (lambda m, a: m.cat([t.flatten() for t in m.linalg.qr(a, mode="complete")]), [A3]),
    "torch.qr": (lambda m, a: m.cat([m.qr(a).R.flatten(), a.qr()[0].flatten()]), [TALL]),
    "eigh": (_sign_free_eigh, [SPD]),
    "eigh UPLO=U": (lambda m, a: m.linalg.eigh(a, UPLO="U").eigenvalues, [A3]),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a), [SPD]),
    "svd tall": (_sign_free_svd, [TALL]),
    "svd wide": (_sign_free_svd, [WIDE]),
    "svd batch": (_sign_free_svd, [A3]),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [WIDE]),
    "torch.svd S": (lambda m, a: m.svd(a).S + a.svd()[1], [TALL]),
    "pinv tall": (lambda m, a: m.linalg.pinv(a), [TALL]),
    "pinv wide": (lambda m, a: m.linalg.pinv(a), [WIDE]),
    "pinverse": (lambda m, a: m.pinverse(a) + a.pinverse(), [A3]),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [TALL, RNG.standard_normal((5, 2))]),
    "lstsq wide": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [WIDE, RNG.standard_normal((3, 2))]),
    "matrix_power 3": (lambda m, a: m.linalg.matrix_power(a, 3), [A3]),
    "matrix_power 0": (lambda m, a: a.matrix_power(0) + m.matrix_power(a, 1), [A3]),
    "cond": (lambda m, a: m.linalg.cond(a), [A3]),
    "cond fro": (lambda m, a: m.linalg.cond(a, "fro"), [A3]),
    "cond -2": (lambda m, a: m.linalg.cond(a, -2), [TALL]),
    "cond inf": (lambda m, a: m.linalg.cond(a, math.inf), [A3]),
    "matrix_norm 2": (lambda m, a: m.linalg.matrix_norm(a, 2), [A3]),
    "matrix_norm nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc", keepdim=True), [A3]),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b, dim=1), [A3, V4[:, None]]),
    "inner": (lambda m, a, b: m.inner(a, b), [A3, WIDE[:, :4]]),
    "inner method": (lambda m, a, b: a.inner(b), [V4, V4[::-1].copy()]),
    "vdot": (lambda m, a, b: m.vdot(a, b) + a.vdot(b), [V4, V4[::-1].copy()]),
    "tensordot": (lambda m, a, b: m.tensordot(a, b), [A3, A3[0]]),
    "tensordot lists": (lambda m, a, b: m.tensordot(a, b, dims=([0, 2], [0, 1])), [A3, B3]),
    "tensordot 0": (lambda m, a, b: m.tensordot(a, b, dims=0), [V4, TALL[0]]),
    "multi_dot": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [TALL, WIDE, RNG.standard_normal(5)]),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b, beta=0.5, alpha=2.0), [RNG.standard_normal(5), TALL, V4[:3]]),
    "addmv method": (lambda m, c, a, b: c.addmv(a, b), [RNG.standard_normal(5), TALL, V4[:3]]),
    "addr": (lambda m, c, a, b: m.addr(c, a, b, alpha=3.0), [RNG.standard_normal((4, 3)), V4, V4[:3]]),
    "addr method beta 0": (lambda m, c, a, b: c.addr(a, b, beta=0), [RNG.standard_normal((4, 3)), V4, V4[:3]]),
    "dist": (lambda m, a, b: m.dist(a, b), [A3, B3[..., :1]]),
    "dist method p=1": (lambda m, a, b: a.dist(b, 1), [A3, B3[..., :1]]),
    "dist inf": (lambda m, a, b: m.dist(a, b, math.inf), [A3, B3[..., :1]]),
    "renorm": (lambda m, a: m.renorm(a, 2, 0, 3.0), [A3]),
    "renorm method": (lambda m, a: a.renorm(1, 1, 3.0), [TALL]),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), [TALL, TALL[::-1].copy()]),
    "cross dim 0": (lambda m, a, b: m.linalg.cross(a, b, dim=0), [WIDE, WIDE[:, :1].copy()]),
    "trace": (lambda m, a: m.trace(a) + a.trace(), [A3[0]]),
    "lstsq vector": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [TALL, RNG.standard_normal(5)]),
    "kron": (lambda m, a, b: m.kron(a, b) + 0 * a.kron(b), [TALL[:2], A3[:, :2]]),
    "chain_matmul": (lambda m, a, b: m.chain_matmul(a, b, b.mT), [TALL[:3], WIDE]),
    "ger": (lambda m, a, b: m.ger(a, b), [V4, V4[:2]]),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b, alpha=0.5), [RNG.standard_normal((4, 2)), A3, B3]),
    "triangular_solve": (lambda m, a, b: m.triangular_solve(b, a).solution, [A3, B3]),
    "triangular_solve transpose": (
        lambda m, a, b: b.triangular_solve(a, upper=False, transpose=True, unitriangular=True)[0],
        [A3, B3],
    ),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), [A3]),
    "matrix_exp method": (lambda m, a: a.matrix_exp() + m.matrix_exp(a / 8), [TALL[:3]]),
    "torch.cross dim None": (lambda m, a, b: m.cross(a, b) + a.cross(b, dim=1), [TALL[:3], WIDE[:, :3]]),
    "vander": (lambda m, a: m.linalg.vander(a, N=5), [V4]),
    "linalg.diagonal": (lambda m, a: m.linalg.diagonal(a, offset=1), [A3]),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(a).L, [SPD]),
    "mH and H": (lambda m, a: a.mH + a[0].H, [A3]),
}


# PyTorch's backward raises "modified by an inplace operation" for the inverse inside cond (2.13)
TORCH_BACKWARD_FAILS = {"cond fro", "cond inf"}
# ops that read one triangle of a symmetric input: gradchecked on (A + A^T) / 2
SYMMETRIC = {"cholesky_solve", "eigh", "logdet"}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch_with_gradients(name):
    torch = pytest.importorskip("torch")
    fn, arrays = CASES[name]
    ours = [dn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(dn, *ours), fn(torch, *theirs)
    assert out.shape == tuple(expected.shape) and out.dtype == dn.float64
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-10)
    if name in TORCH_BACKWARD_FAILS:  # PyTorch 2.13 raises in its own backward; ours is gradchecked
        return
    r = np.random.default_rng(1).standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    (expected * torch.tensor(r)).sum().backward()
    for x, xt in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-7, atol=1e-9)


# ops built from other ops (their Functions are gradchecked in the registry); the torch-free check
GRADCHECKED = [
    "logdet",
    "solve left=False",
    "cholesky_solve",
    "solve_triangular upper right",
    "lstsq",
    "matrix_power 3",
    "cond",
    "cond inf",
    "cond fro",
    "matrix_norm 2",
    "vecdot",
    "inner",
    "tensordot lists",
    "multi_dot",
    "addmv",
    "addr",
    "dist",
    "renorm",
    "cross",
    "svd batch",
    "eigh",
    "kron",
    "addbmm",
    "triangular_solve transpose",
    "matrix_exp",
    "vander",
    "lstsq vector",
]


@pytest.mark.parametrize("name", GRADCHECKED)
def test_gradcheck(name):
    fn, arrays = CASES[name]
    if name in SYMMETRIC:
        call = lambda a, *xs: fn(dn, (a + a.mT) / 2, *xs)  # noqa: E731
    else:
        call = lambda *xs: fn(dn, *xs)  # noqa: E731
    assert dn.gradcheck(call, [dn.tensor(a, requires_grad=True) for a in arrays])


def test_det_gradient_of_a_singular_matrix_is_its_cofactor_matrix():
    # d det / dA = adj(A)^T, nonzero for a matrix of rank n - 1 (PyTorch 2.13 returns zeros here).
    A = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    x = dn.tensor(A, requires_grad=True)
    dn.linalg.det(x).backward()
    np.testing.assert_allclose(
        x.grad.detach().numpy(), [[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]], atol=1e-12
    )
    assert dn.gradcheck(dn.linalg.det, [dn.tensor(A, requires_grad=True)])


@pytest.mark.parametrize("name", ["inv", "solve", "cholesky", "eigh", "svd tall", "qr tall", "pinv tall", "lstsq"])
def test_float32_in_float32_out(name):
    fn, arrays = CASES[name]
    xs = [dn.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out = fn(dn, *xs)
    assert out.dtype == dn.float32
    out.sum().backward()
    assert all(x.grad.dtype == dn.float32 for x in xs)
    expected = fn(dn, *[dn.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-3, atol=1e-4)


def test_return_types_are_named_like_pytorchs():
    A = dn.tensor(SPD[0])
    assert dn.linalg.eigh(A).eigenvectors.shape == (4, 4)
    assert dn.linalg.svd(dn.tensor(TALL)).Vh.shape == (3, 3)
    assert dn.linalg.svd(dn.tensor(TALL)).U.shape == (5, 5)  # full_matrices=True by default, as PyTorch
    assert dn.svd(dn.tensor(TALL)).V.shape == (3, 3)  # the older torch.svd: V itself, reduced
    assert dn.linalg.qr(dn.tensor(TALL)).R.shape == (3, 3)
    Q, R = dn.linalg.qr(dn.tensor(TALL), mode="r")
    assert Q.shape == (0,) and R.shape == (3, 3)
    sign, logabsdet = dn.linalg.slogdet(A)
    assert sign.item() == 1.0 and not sign.requires_grad


def test_lstsq_fields_follow_the_driver_as_pytorch():
    torch = pytest.importorskip("torch")
    B = RNG.standard_normal((5, 2))
    for driver in (None, "gelsy", "gelsd", "gelss", "gels"):
        ours = dn.linalg.lstsq(dn.tensor(TALL), dn.tensor(B), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(TALL), torch.tensor(B), driver=driver)
        for a, b in zip(ours, theirs, strict=True):
            assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype).removeprefix("torch."), driver
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_rank_deficient_lstsq_is_the_minimum_norm_solution():
    A = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
    b = np.array([[1.0], [1.0], [2.0]])
    result = dn.linalg.lstsq(dn.tensor(A), dn.tensor(b))
    np.testing.assert_allclose(result.solution.detach().numpy(), [[0.5], [0.5]], atol=1e-12)
    assert result.rank.item() == 1


def test_matrix_rank():
    torch = pytest.importorskip("torch")
    A = np.stack([np.eye(3), np.diag([1.0, 1e-20, 1.0]), np.ones((3, 3))])
    for kwargs in ({}, {"atol": 0.5}, {"rtol": 0.5}, {"hermitian": True}):
        ours = dn.linalg.matrix_rank(dn.tensor(A), **kwargs)
        theirs = torch.linalg.matrix_rank(torch.tensor(A), **kwargs)
        assert ours.dtype == dn.int64 and ours.tolist() == theirs.tolist()


def test_linalg_error_is_a_runtime_error_with_pytorchs_message():
    assert issubclass(dn.linalg.LinAlgError, RuntimeError)
    not_pd = dn.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(
        dn.linalg.LinAlgError,
        match=r"linalg.cholesky: \(Batch element 1\): The factorization could not be completed because the input "
        r"is not positive-definite \(the leading minor of order 2 is not positive-definite\)",
    ):
        dn.linalg.cholesky(not_pd)
    with pytest.raises(RuntimeError, match=r"leading minor of order 3"):
        dn.linalg.cholesky(dn.tensor(np.diag([1.0, 2.0, -1.0, 4.0])))
    singular = dn.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(
        dn.linalg.LinAlgError,
        match=r"^linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input "
        r"matrix is singular.$",
    ):
        dn.linalg.inv(singular)
    with pytest.raises(dn.linalg.LinAlgError, match=r"linalg.inv: .*singular"):
        singular.inverse()
    with pytest.raises(dn.linalg.LinAlgError, match=r"torch.linalg.solve: The solver failed because the input"):
        dn.linalg.solve(singular, dn.ones(2))
    with pytest.raises(dn.linalg.LinAlgError, match=r"\(Batch element 1\)"):
        dn.linalg.inv(dn.stack([dn.eye(2), singular]))
    # not an error: the determinant of a singular matrix is 0, its log -inf
    assert dn.linalg.det(singular).item() == 0.0
    assert dn.logdet(singular).item() == -math.inf
    assert math.isnan(dn.logdet(dn.tensor([[-1.0, 0.0], [0.0, 1.0]])).item())


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"linalg.inv: expects a floating-point tensor"):
        dn.linalg.inv(dn.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match=r"not float16"):
        dn.linalg.det(dn.ones(2, 2).half())
    with pytest.raises(ValueError, match=r"must be batches of square matrices, but they are 2 by 3 matrices"):
        dn.linalg.det(dn.ones(2, 3))
    with pytest.raises(ValueError, match=r"incompatible shapes"):
        dn.linalg.solve(dn.eye(3), dn.ones(2))
    with pytest.raises(ValueError, match=r"batch dimensions"):
        dn.linalg.solve(dn.ones(2, 3, 3) + dn.eye(3), dn.ones(4, 3, 1))
    with pytest.raises(TypeError, match=r"upper"):
        dn.linalg.solve_triangular(dn.eye(2), dn.ones(2, 1))  # upper is required, as in PyTorch
    with pytest.raises(ValueError, match=r"same number of rows"):
        dn.linalg.lstsq(dn.ones(3, 2), dn.ones(2, 1))
    with pytest.raises(ValueError, match=r"driver must be one of"):
        dn.linalg.lstsq(dn.ones(3, 2), dn.ones(3, 1), driver="magic")
    with pytest.raises(ValueError, match=r"n must be an integer"):
        dn.linalg.matrix_power(dn.eye(2), 0.5)
    with pytest.raises(ValueError, match=r"p must be one of"):
        dn.linalg.cond(dn.eye(2), 3)
    with pytest.raises(ValueError, match=r"contracted dimensions must have the same size"):
        dn.tensordot(dn.ones(2, 3), dn.ones(2, 3), dims=1)
    with pytest.raises(ValueError, match=r"last dimensions must have the same size"):
        dn.inner(dn.ones(2, 3), dn.ones(2))
    with pytest.raises(ValueError, match=r"vdot: expects two 1-D tensors"):
        dn.vdot(dn.ones(2, 2), dn.ones(2, 2))
    with pytest.raises(ValueError, match=r"maxnorm must be"):
        dn.renorm(dn.ones(2, 2), 2, 0, -1.0)
    with pytest.raises(ValueError, match=r"must have size 3"):
        dn.linalg.cross(dn.ones(2), dn.ones(2))
    with pytest.raises(ValueError, match=r"at least 2 tensors"):
        dn.linalg.multi_dot([dn.ones(2, 2)])
    with pytest.raises(ValueError, match=r"give rtol or its older name rcond, not both"):
        dn.linalg.pinv(dn.eye(2), 0.1, rtol=0.1)


def test_what_is_not_there_says_why():
    with pytest.raises(AttributeError, match=r"linalg.eig is not available: its results are complex"):
        dn.linalg.eig(dn.eye(2))
    with pytest.raises(AttributeError, match=r"linalg.eigvals is not available: .*complex.*use linalg.eigvalsh"):
        dn.linalg.eigvals(dn.eye(2))
    with pytest.raises(AttributeError, match=r"linalg.ldl_factor is not available: not implemented"):
        dn.linalg.ldl_factor(dn.eye(2))
    with pytest.raises(AttributeError, match=r"has no attribute 'nonsense'"):
        dn.linalg.nonsense  # noqa: B018


def test_undefined_gradients_raise_or_are_infinite_as_pytorchs():
    A = dn.tensor(TALL, requires_grad=True)
    Q, R = dn.linalg.qr(A, mode="complete")
    with pytest.raises(RuntimeError, match=r"mode='complete' and the matrix has more rows than columns"):
        Q.sum().backward()
    # mode="r": PyTorch refuses the backward; deltanet's R is the reduced one, with its gradient
    _, R = dn.linalg.qr(A, mode="r")
    assert dn.gradcheck(lambda a: dn.linalg.qr(a, mode="r").R, [dn.tensor(TALL, requires_grad=True)])
    # a repeated eigenvalue: the eigenvectors' gradient divides by the zero gap (infinite, as PyTorch's)
    x = dn.tensor(np.eye(3), requires_grad=True)
    w, Q = dn.linalg.eigh(x)
    w.sum().backward()  # the eigenvalues' gradient stays defined
    np.testing.assert_allclose(x.grad.detach().numpy(), np.eye(3), atol=1e-12)


def test_cholesky_ex_reports_instead_of_raising():
    torch = pytest.importorskip("torch")
    A = np.array([np.eye(3), np.diag([1.0, -1.0, 1.0]), 2 * np.eye(3)])
    L, info = dn.linalg.cholesky_ex(dn.tensor(A, requires_grad=True))
    expected = torch.linalg.cholesky_ex(torch.tensor(A))
    assert info.tolist() == expected.info.tolist() == [0, 2, 0] and info.dtype == dn.int32
    assert np.isnan(L[1].detach().numpy()).all()
    np.testing.assert_allclose(L[0].detach().numpy(), np.eye(3))
    L[0].sum().backward()  # the gradient flows where the factorization succeeded
    with pytest.raises(dn.linalg.LinAlgError, match=r"Batch element 1"):
        dn.linalg.cholesky_ex(dn.tensor(A), check_errors=True)


def test_solvers_refuse_mixed_dtypes_as_pytorch():
    with pytest.raises(ValueError, match=r"Expected A and B to have the same dtype, but found A of type float32"):
        dn.linalg.solve(dn.eye(2), dn.ones(2).double())
    with pytest.raises(ValueError, match=r"same dtype"):
        dn.linalg.lstsq(dn.ones(3, 2), dn.ones(3).double())
    with pytest.raises(ValueError, match=r"same dtype"):
        dn.linalg.solve_triangular(dn.eye(2), dn.ones(2, 1).double(), upper=True)
    with pytest.raises(ValueError, match=r"only supported on matrices"):
        dn.ones(2, 2, 2).H  # noqa: B018


@pytest.mark.parametrize("b_shape", [(2,), (3, 2), (3, 2, 1), (4, 3, 2, 2)])
def test_inv_ex_and_solve_ex_report_as_pytorch(b_shape):
    torch = pytest.importorskip("torch")
    A = np.array([np.eye(2), [[1.0, 2.0], [2.0, 4.0]], np.zeros((2, 2))])
    B = np.ones(b_shape)
    inverse, info = dn.linalg.inv_ex(dn.tensor(A))
    expected = torch.linalg.inv_ex(torch.tensor(A))
    assert info.tolist() == expected.info.tolist() == [0, 2, 1] and info.dtype == dn.int32
    np.testing.assert_array_equal(inverse[0].detach().numpy(), np.eye(2))
    assert np.isnan(inverse[1:].detach().numpy()).all()
    result, info = dn.linalg.solve_ex(dn.tensor(A), dn.tensor(B))
    theirs = torch.linalg.solve_ex(torch.tensor(A), torch.tensor(B))
    assert result.shape == tuple(theirs.result.shape) and info.tolist() == theirs.info.tolist()
    finite = np.isfinite(theirs.result.detach().numpy())
    np.testing.assert_allclose(result.detach().numpy()[finite], theirs.result.detach().numpy()[finite])
    assert np.isnan(result.detach().numpy()[~finite]).all()
    with pytest.raises(dn.linalg.LinAlgError, match=r"linalg.inv_ex: \(Batch element 1\): The diagonal element 2"):
        dn.linalg.inv_ex(dn.tensor(A), check_errors=True)
    x = dn.tensor(A[:1], requires_grad=True)
    dn.linalg.inv_ex(x).inverse.sum().backward()  # differentiable where it succeeded
    assert x.grad is not None


def test_lstsq_rcond_that_truncates_matches_gelsd_and_refuses_gelsy():
    torch = pytest.importorskip("torch")
    A, B = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    A[:, 2] = A[:, 0] + 0.05 * A[:, 2]  # a small singular value
    ours = dn.linalg.lstsq(dn.tensor(A), dn.tensor(B), rcond=0.1, driver="gelsd")
    theirs = torch.linalg.lstsq(torch.tensor(A), torch.tensor(B), rcond=0.1, driver="gelsd")
    np.testing.assert_allclose(ours.solution.detach().numpy(), theirs.solution.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert ours.rank.item() == theirs.rank.item() == 2
    with pytest.raises(ValueError, match=r"rcond=0.1 drops singular values of A; .*pass driver='gelsd'"):
        dn.linalg.lstsq(dn.tensor(A), dn.tensor(B), rcond=0.1)
    # an rcond that drops nothing keeps gelsy's (full-rank) solution
    np.testing.assert_allclose(
        dn.linalg.lstsq(dn.tensor(A), dn.tensor(B), rcond=1e-6).solution.detach().numpy(),
        torch.linalg.lstsq(torch.tensor(A), torch.tensor(B), rcond=1e-6).solution.detach().numpy(),
        rtol=1e-9,
    )


def test_integer_and_singular_edge_cases_as_pytorch():
    torch = pytest.importorskip("torch")
    M = np.arange(4).reshape(2, 2)
    power = dn.linalg.matrix_power(dn.tensor(M), 3)
    assert power.dtype == dn.int64 and power.tolist() == torch.linalg.matrix_power(torch.tensor(M), 3).tolist()
    with pytest.raises(ValueError, match=r"expects a floating-point tensor"):
        dn.linalg.matrix_power(dn.tensor(M), -1)
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]]])
    for p in ("fro", 1, math.inf):  # inf for the singular matrix, as PyTorch
        ours = dn.linalg.cond(dn.tensor(singular), p)
        np.testing.assert_allclose(ours.detach().numpy(), torch.linalg.cond(torch.tensor(singular), p).detach().numpy())
    # "nuc" comes from the singular values, as PyTorch: huge (the rounding-level smallest one), not inf
    nuclear = dn.linalg.cond(dn.tensor(singular), "nuc").detach().numpy()
    assert nuclear[0] > 1e15 and nuclear[1] == pytest.approx(4.5)
    with pytest.raises(ValueError, match=r"renorm: expects a floating-point tensor"):
        dn.renorm(dn.ones(2, 2, dtype=dn.int64), 2, 0, 1.0)


def test_the_linalg_module_imports_by_pytorchs_path():
    import deltanet.linalg as LA
    from deltanet.linalg import LinAlgError, solve

    assert LA is dn.linalg and solve is dn.linalg.solve and LinAlgError is dn.linalg.LinAlgError


def test_hermitian_reads_the_lower_triangle_as_pytorch():
    torch = pytest.importorskip("torch")
    A = np.array([[2.0, 5.0], [1.0, 3.0]])
    np.testing.assert_allclose(
        dn.linalg.pinv(dn.tensor(A), hermitian=True).detach().numpy(),
        torch.linalg.pinv(torch.tensor(A), hermitian=True),
    )
    R = np.array([[1.0, 0.0], [5.0, 0.0]])
    assert (
        dn.linalg.matrix_rank(dn.tensor(R), hermitian=True).item()
        == 2
        == dn.linalg.matrix_rank(dn.tensor(R)).item() + 1
    )
