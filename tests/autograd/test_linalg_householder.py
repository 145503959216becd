"""``linalg.householder_product`` (``torch.orgqr``), ``torch.geqrf``, ``linalg.tensorinv`` and
``linalg.tensorsolve``: values against NumPy, float64 gradchecks, values and gradients against
PyTorch, and the errors.
"""

import numpy as np
import pytest

import deltanet as dn

RNG = np.random.default_rng(12)


def _reflectors_product(A, tau):
    """$H_1 \\cdots H_k$ (first n columns), written out with explicit matrices."""
    m, n = A.shape
    Q = np.eye(m)
    for i in range(len(tau)):
        v = np.zeros(m)
        v[i] = 1.0
        v[i + 1 :] = A[i + 1 :, i]
        Q = Q @ (np.eye(m) - tau[i] * np.outer(v, v))
    return Q[:, :n]


@pytest.mark.parametrize(("shape", "k"), [((4, 3), 3), ((4, 3), 2), ((5, 5), 5), ((3, 3), 0)])
def test_householder_product_against_numpy(shape, k):
    A, tau = RNG.standard_normal(shape), RNG.standard_normal(k)
    np.testing.assert_allclose(
        dn.linalg.householder_product(dn.tensor(A), dn.tensor(tau)).numpy(), _reflectors_product(A, tau), atol=1e-12
    )


def test_geqrf_gives_the_q_of_qr():
    A = RNG.standard_normal((2, 5, 3))
    a, tau = dn.geqrf(dn.tensor(A))
    Q, R = np.linalg.qr(A)
    np.testing.assert_allclose(dn.orgqr(a, tau).numpy(), Q, atol=1e-12)
    np.testing.assert_allclose(np.triu(a.numpy()[..., :3, :]), R, atol=1e-12)
    assert dn.tensor(A, dtype=dn.float32).geqrf().a.dtype == dn.float32


@pytest.mark.parametrize(("shape", "k"), [((4, 3), 3), ((2, 5, 3), 2), ((3, 3), 3)])
def test_gradcheck_householder_product(shape, k):
    A = dn.tensor(RNG.standard_normal(shape), requires_grad=True)
    tau = dn.tensor(RNG.standard_normal(shape[:-2] + (k,)), requires_grad=True)
    assert dn.gradcheck(dn.linalg.householder_product, [A, tau])


@pytest.mark.parametrize(("shape", "k"), [((4, 3), 3), ((2, 6, 3), 2), ((2, 5, 5), 5)])
def test_householder_product_and_geqrf_against_pytorch(shape, k):
    torch = pytest.importorskip("torch")
    A, tau, g = RNG.standard_normal(shape), RNG.standard_normal(shape[:-2] + (k,)), RNG.standard_normal(shape)
    a, t = dn.tensor(A, requires_grad=True), dn.tensor(tau, requires_grad=True)
    ta, tt = torch.tensor(A, requires_grad=True), torch.tensor(tau, requires_grad=True)
    Q, tQ = dn.linalg.householder_product(a, t), torch.linalg.householder_product(ta, tt)
    (Q * dn.tensor(g)).sum().backward()
    (tQ * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(Q.detach().numpy(), tQ.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), atol=1e-10)
    for ours, theirs in zip(dn.geqrf(dn.tensor(A)), torch.geqrf(torch.tensor(A)), strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


def test_geqrf_is_not_differentiable_as_in_pytorch():
    a, _ = dn.geqrf(dn.tensor(RNG.standard_normal((3, 3)), requires_grad=True))
    with pytest.raises(NotImplementedError, match=r"the derivative for 'geqrf' is not implemented"):
        a.sum().backward()


def test_householder_bad_input():
    owner = "householder_product"
    with pytest.raises(RuntimeError, match=rf"{owner}: input.shape\[-2\] must be greater than or equal"):
        dn.linalg.householder_product(dn.ones(3, 4), dn.ones(2))
    with pytest.raises(RuntimeError, match=rf"{owner}: input.shape\[-1\] must be greater than or equal to tau"):
        dn.linalg.householder_product(dn.ones(4, 3), dn.ones(4))
    with pytest.raises(RuntimeError, match=r"Expected tau to have one dimension less than input"):
        dn.linalg.householder_product(dn.ones(4, 3), dn.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"Expected batch dimensions of tau to be equal to input.shape\[:-2\]"):
        dn.linalg.householder_product(dn.ones(2, 4, 3), dn.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"input must have at least 2 dimensions"):
        dn.linalg.householder_product(dn.ones(4), dn.ones(2))
    with pytest.raises(RuntimeError, match=r"tau dtype float64 does not match input dtype float32"):
        dn.linalg.householder_product(dn.ones(4, 3), dn.ones(2, dtype=dn.float64))
    with pytest.raises(RuntimeError, match=r"geqrf: input must have at least 2 dimensions"):
        dn.geqrf(dn.ones(3))
    with pytest.raises(ValueError, match=r"expects a floating-point tensor"):
        dn.geqrf(dn.ones(3, 3, dtype=dn.int64))


def test_tensorinv_and_tensorsolve():
    A = RNG.standard_normal((4, 6, 8, 3))
    X = dn.linalg.tensorinv(dn.tensor(A))
    assert X.shape == (8, 3, 4, 6)
    np.testing.assert_allclose(np.tensordot(A, X.numpy(), 2), np.eye(24).reshape(4, 6, 4, 6), atol=1e-10)
    A2, B2 = RNG.standard_normal((2, 3, 6)), RNG.standard_normal((2, 3))
    X2 = dn.linalg.tensorsolve(dn.tensor(A2), dn.tensor(B2))
    np.testing.assert_allclose(np.tensordot(A2, X2.numpy(), 1), B2, atol=1e-10)
    A3, B3 = RNG.standard_normal((2, 6, 3)), RNG.standard_normal(6)
    X3 = dn.linalg.tensorsolve(dn.tensor(A3), dn.tensor(B3), dims=(0,))
    np.testing.assert_allclose(X3.numpy(), np.linalg.tensorsolve(A3, B3, axes=(0,)), atol=1e-10)
    a = dn.tensor(RNG.standard_normal((2, 3, 6)), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.linalg.tensorinv(t, ind=2), [a])
    b = dn.tensor(B2, requires_grad=True)
    assert dn.gradcheck(dn.linalg.tensorsolve, [a, b])


def test_tensorinv_and_tensorsolve_against_pytorch():
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal((4, 6, 8, 3))
    a, ta = dn.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    X, tX = dn.linalg.tensorinv(a), torch.linalg.tensorinv(ta)
    g = RNG.standard_normal(tuple(tX.shape))
    (X * dn.tensor(g)).sum().backward()
    (tX * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(X.detach().numpy(), tX.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=1e-8)
    B3 = RNG.standard_normal(6)
    for A3, dims in ((RNG.standard_normal((6, 2, 3)), None), (RNG.standard_normal((2, 6, 3)), (0,))):
        ours = dn.linalg.tensorsolve(dn.tensor(A3), dn.tensor(B3), dims=dims)
        theirs = torch.linalg.tensorsolve(torch.tensor(A3), torch.tensor(B3), dims=dims)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-10)


def test_tensor_equations_bad_input():
    with pytest.raises(RuntimeError, match=r"Expected a strictly positive integer for 'ind', but got 0"):
        dn.linalg.tensorinv(dn.ones(2, 2), ind=0)
    with pytest.raises(
        RuntimeError, match=r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\), but got 16 != 24"
    ):
        dn.linalg.tensorinv(dn.ones(4, 6, 8, 2), ind=2)
    with pytest.raises(RuntimeError, match=r"but got 5 != 6"):
        dn.linalg.tensorsolve(dn.ones(2, 3, 5), dn.ones(2, 3))
    with pytest.raises(dn.linalg.LinAlgError, match=r"singular"):
        dn.linalg.tensorinv(dn.zeros(2, 2), ind=1)


@pytest.mark.parametrize(
    ("shape", "c_shape", "left", "transpose"),
    [((4, 3), (4, 2), True, False), ((4, 3), (2, 4), False, True), ((2, 5, 3), (2, 5, 4), True, True)],
)
def test_ormqr_against_the_explicit_q_and_pytorch(shape, c_shape, left, transpose):
    A, C = RNG.standard_normal(shape), RNG.standard_normal(c_shape)
    a, tau = dn.geqrf(dn.tensor(A))
    Q = np.linalg.qr(A, mode="complete")[0]
    Q = np.swapaxes(Q, -1, -2) if transpose else Q
    out = dn.ormqr(a, tau, dn.tensor(C), left, transpose)
    np.testing.assert_allclose(out.numpy(), Q @ C if left else C @ Q, atol=1e-12)
    a, tau, c = (dn.tensor(x.numpy(), requires_grad=True) for x in (a, tau, dn.tensor(C)))
    assert dn.gradcheck(lambda *xs: dn.ormqr(*xs, left=left, transpose=transpose), [a, tau, c])
    torch = pytest.importorskip("torch")
    a, tau, c = (dn.tensor(x.detach().numpy(), requires_grad=True) for x in (a, tau, c))  # no gradcheck grads
    ta, ttau, tc = (torch.tensor(x.detach().numpy(), requires_grad=True) for x in (a, tau, c))
    theirs = torch.ormqr(ta, ttau, tc, left, transpose)
    ours = a.ormqr(tau, c, left, transpose)
    g = RNG.standard_normal(tuple(theirs.shape))
    (ours * dn.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-12)
    for x, tx in ((a, ta), (tau, ttau), (c, tc)):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)


def test_ormqr_bad_input():
    a, tau = dn.geqrf(dn.tensor(RNG.standard_normal((4, 3))))
    with pytest.raises(RuntimeError, match=r"ormqr: other.shape\[-2\] must be equal to input.shape\[-2\]"):
        dn.ormqr(a, tau, dn.ones(3, 2, dtype=dn.float64))
    with pytest.raises(RuntimeError, match=r"tau.shape\[-1\] must be equal to min"):
        dn.ormqr(a, tau[:2], dn.ones(4, 2, dtype=dn.float64))
    with pytest.raises(RuntimeError, match=r"other must have at least 2 dimensions"):
        dn.ormqr(a, tau, dn.ones(4, dtype=dn.float64))
    with pytest.raises(RuntimeError, match=r"Expected other to have the same number of dimensions as input"):
        dn.ormqr(a, tau, dn.ones(2, 4, 2, dtype=dn.float64))
    with pytest.raises(RuntimeError, match=r"to have the same dtype"):
        dn.ormqr(a, tau, dn.ones(4, 2))
