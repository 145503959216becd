"""The registry entries of ``deltanet.autograd.linalg`` (imported by ``op_registry.py``, whose
conventions they follow).

Ops that read one triangle of a symmetric matrix (``cholesky``, ``eigh``, ``eigvalsh``) are called
on ``A + A^T``, so that central differences, which perturb one entry at a time, see the symmetric
gradient that the backward returns. Ops with several outputs are called through the concatenation
of their flattened outputs.
"""

from __future__ import annotations

import importlib

import numpy as np
from tests.reliability.op_registry import E, OpInfo, S, normal, register

import deltanet as dn

det_mod = importlib.import_module("deltanet.autograd.linalg.determinants")
solvers = importlib.import_module("deltanet.autograd.linalg.solvers")
decomp = importlib.import_module("deltanet.autograd.linalg.decompositions")
pseudo = importlib.import_module("deltanet.autograd.linalg.pseudo")
expo = importlib.import_module("deltanet.autograd.linalg.exponential")


def well_conditioned(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Square matrices $X + 3I$: invertible and far from singular."""
    return normal(rng, *shape) + 3 * np.eye(shape[-1])


def positive_definite(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Matrices whose symmetric part $A + A^T$ is positive-definite (the ops below symmetrize)."""
    X = normal(rng, *shape)
    return X @ np.swapaxes(X, -1, -2) / 2 + shape[-1] * np.eye(shape[-1])


def _sym(A):
    """$A + A^T$ (a non-square ``A`` as it is, for the error cases)."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        return A
    return A + np.swapaxes(A, -1, -2) if isinstance(A, np.ndarray) else A + A.mT


def _ref_cholesky(A, upper=False):
    L = np.linalg.cholesky(_sym(A))
    return np.swapaxes(L, -1, -2) if upper else L


def _flat(*pieces):
    if isinstance(pieces[0], np.ndarray):
        return np.concatenate([np.reshape(p, -1) for p in pieces])
    return dn.cat([p.reshape(-1) for p in pieces])


def _ref_solve_triangular(A, B, upper, unitriangular=False):
    tri = np.triu(A) if upper else np.tril(A)
    if unitriangular:
        tri = tri - np.diagonal(tri, axis1=-2, axis2=-1)[..., None] * np.eye(A.shape[-1]) + np.eye(A.shape[-1])
    return np.linalg.solve(tri, B)


_NOT_SQUARE = E("not square", ValueError, r"must be batches of square matrices, but they are 2 by 3", np.ones((2, 3)))
_INTEGER = E("integer", ValueError, r"expects a floating-point tensor", np.ones((2, 2), dtype=np.int64))
_SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])

register(
    OpInfo(
        det_mod.Det,
        lambda A: dn.linalg.det(A),
        lambda A: np.linalg.det(A),
        lambda rng: [
            S("matrix", normal(rng, 3, 3)),
            S("batch", normal(rng, 2, 4, 4)),
            S("singular", np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])),
            S("1x1", normal(rng, 1, 1)),
        ],
        [_NOT_SQUARE, _INTEGER, E("vector", ValueError, r"at least 2 dimensions", np.ones(3))],
    )
)
register(
    OpInfo(
        det_mod.LogAbsDet,
        lambda A: dn.linalg.slogdet(A).logabsdet,
        lambda A: np.linalg.slogdet(A)[1],
        lambda rng: [S("matrix", well_conditioned(rng, 3, 3)), S("batch", normal(rng, 2, 3, 3))],
        [_NOT_SQUARE, _INTEGER],
    )
)
register(
    OpInfo(
        solvers.Inv,
        lambda A: dn.linalg.inv(A),
        lambda A: np.linalg.inv(A),
        lambda rng: [S("matrix", well_conditioned(rng, 3, 3)), S("batch", well_conditioned(rng, 2, 2, 2))],
        [_NOT_SQUARE, _INTEGER, E("singular", dn.linalg.LinAlgError, r"linalg.inv: .*singular", _SINGULAR)],
    )
)
register(
    OpInfo(
        solvers.Solve,
        lambda A, B: dn.linalg.solve(A, B),
        lambda A, B: np.linalg.solve(A, B[:, None])[:, 0] if B.ndim == 1 else np.linalg.solve(A, B),
        lambda rng: [
            S("matrix", well_conditioned(rng, 3, 3), normal(rng, 3, 2)),
            S("vector", well_conditioned(rng, 3, 3), normal(rng, 3)),
            S("broadcast batch", well_conditioned(rng, 2, 3, 3), normal(rng, 3, 1)),
            S("batch of A broadcast", well_conditioned(rng, 1, 3, 3), normal(rng, 2, 3, 2)),
        ],
        [
            E("singular", dn.linalg.LinAlgError, r"torch.linalg.solve: The solver failed", _SINGULAR, np.ones(2)),
            E("rows", ValueError, r"incompatible shapes", np.eye(2), np.ones((3, 1))),
        ],
    )
)
register(
    OpInfo(
        solvers.SolveTriangular,
        lambda A, B, **kw: dn.linalg.solve_triangular(A, B, **kw),
        _ref_solve_triangular,
        lambda rng: [
            S("upper", well_conditioned(rng, 3, 3), normal(rng, 3, 2), upper=True),
            S("lower batch", well_conditioned(rng, 2, 3, 3), normal(rng, 3, 1), upper=False),
            S("unitriangular", normal(rng, 3, 3), normal(rng, 3, 2), upper=False, unitriangular=True),
        ],
        [
            E("vector B", ValueError, r"B must have at least 2 dimensions", np.eye(2), np.ones(2), upper=True),
            E(
                "zero on the diagonal",
                dn.linalg.LinAlgError,
                r"singular",
                np.zeros((2, 2)),
                np.ones((2, 1)),
                upper=True,
            ),
        ],
    )
)
register(
    OpInfo(
        decomp.Cholesky,
        lambda A, **kw: dn.linalg.cholesky(_sym(A), **kw),
        lambda A, upper=False: (
            np.swapaxes(np.linalg.cholesky(_sym(A)), -1, -2) if upper else np.linalg.cholesky(_sym(A))
        ),
        lambda rng: [
            S("matrix", positive_definite(rng, 3, 3)),
            S("batch upper", positive_definite(rng, 2, 3, 3), upper=True),
        ],
        [
            E(
                "not positive-definite",
                dn.linalg.LinAlgError,
                r"linalg.cholesky: \(Batch element 1\): .*leading minor of order 2 is not positive-definite",
                np.array([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]) / 2,
            ),
            _NOT_SQUARE,
        ],
    )
)
register(
    OpInfo(
        decomp.Eigh,
        lambda A, **kw: _flat(*dn.linalg.eigh(_sym(A), **kw)),
        lambda A: _flat(*np.linalg.eigh(_sym(A))),
        lambda rng: [S("matrix", normal(rng, 3, 3)), S("batch", normal(rng, 2, 4, 4))],
        [_NOT_SQUARE, E("UPLO", ValueError, r"UPLO must be one of", np.eye(2), UPLO="X")],
    )
)
register(
    OpInfo(
        decomp.Eigvalsh,
        lambda A: dn.linalg.eigvalsh(_sym(A)),
        lambda A: np.linalg.eigvalsh(_sym(A)),
        lambda rng: [S("matrix", normal(rng, 3, 3)), S("batch", normal(rng, 2, 4, 4))],
        [_NOT_SQUARE, _INTEGER],
    )
)
register(
    OpInfo(
        decomp.SVD,
        lambda A, **kw: _flat(*dn.linalg.svd(A, **kw)),
        lambda A, full_matrices=True: _flat(*np.linalg.svd(A, full_matrices=full_matrices)),
        lambda rng: [
            S("square", normal(rng, 3, 3)),
            S("tall reduced", normal(rng, 4, 2), full_matrices=False),
            S("wide reduced batch", normal(rng, 2, 2, 4), full_matrices=False),
        ],
        [_INTEGER, E("driver", ValueError, r"driver chooses a CUDA solver", np.eye(2), driver="gesvd")],
    )
)
register(
    OpInfo(
        decomp.Svdvals,
        lambda A: dn.linalg.svdvals(A),
        lambda A: np.linalg.svd(A, compute_uv=False),
        lambda rng: [S("tall", normal(rng, 4, 3)), S("wide batch", normal(rng, 2, 2, 3))],
        [_INTEGER, E("vector", ValueError, r"at least 2 dimensions", np.ones(3))],
    )
)
register(
    OpInfo(
        decomp.QR,
        lambda A, **kw: _flat(*dn.linalg.qr(A, **kw)),
        lambda A, mode="reduced": _flat(*np.linalg.qr(A, mode=mode)),
        lambda rng: [
            S("tall", normal(rng, 4, 3)),
            S("square complete batch", normal(rng, 2, 3, 3), mode="complete"),
            S("wide", normal(rng, 2, 4)),
        ],
        [_INTEGER, E("mode", ValueError, r"mode must be one of", np.eye(2), mode="full")],
    )
)
register(
    OpInfo(
        pseudo.Pinv,
        lambda A, **kw: dn.linalg.pinv(A, **kw),
        lambda A, **kw: np.linalg.pinv(A),
        lambda rng: [
            S("tall", normal(rng, 4, 3)),
            S("wide batch", normal(rng, 2, 2, 3)),
            S("square", normal(rng, 3, 3)),
        ],
        [_INTEGER, E("negative atol", ValueError, r"atol must be", np.eye(2), atol=-1.0)],
    )
)


def _ref_expm(A):
    """$e^A$ by the eigendecomposition of a diagonalizable ``A`` (independent of the series)."""
    w, V = np.linalg.eig(A)
    return np.real(V @ (np.exp(w)[..., None] * np.linalg.inv(V)))


register(
    OpInfo(
        expo.MatrixExp,
        lambda A: dn.linalg.matrix_exp(A),
        _ref_expm,
        lambda rng: [
            S("small", normal(rng, 3, 3) / 4),
            S("large norm (squaring)", normal(rng, 3, 3) * 2),
            S("batch", normal(rng, 2, 2, 2)),
        ],
        [_NOT_SQUARE, _INTEGER],
    )
)


lu_mod = importlib.import_module("deltanet.autograd.linalg.lu_factorization")
householder_mod = importlib.import_module("deltanet.autograd.linalg.householder")


def _ref_lu(A):
    """$L$ and $U$ of $A = P L U$, flattened, from SciPy's LAPACK when it is there (else the same
    elimination written out with explicit loops)."""
    m, n = A.shape[-2:]
    k = min(m, n)
    U = np.array(A, dtype=np.float64)
    L = np.zeros((m, k))
    for j in range(k):
        p = j + int(np.argmax(np.abs(U[j:, j])))
        U[[j, p]], L[[j, p]] = U[[p, j]], L[[p, j]]
        L[j + 1 :, j] = U[j + 1 :, j] / U[j, j]
        U[j + 1 :] -= np.outer(L[j + 1 :, j], U[j])
    L += np.eye(m, k)
    return _flat(L, np.triu(U[:k]))


register(
    OpInfo(
        lu_mod.LUFactor,
        lambda A, **kw: _flat(*dn.linalg.lu(A, **kw)[1:]),
        _ref_lu,
        lambda rng: [S("square", normal(rng, 4, 4)), S("tall", normal(rng, 5, 3)), S("wide", normal(rng, 3, 5))],
        [_INTEGER, E("pivot=False", RuntimeError, r"LU without pivoting is not implemented", np.eye(2), pivot=False)],
    )
)
register(
    OpInfo(
        lu_mod.LUSolve,
        lambda A, B, **kw: dn.linalg.lu_solve(*dn.linalg.lu_factor(A), B, **kw),
        lambda A, B, adjoint=False: np.linalg.solve(np.swapaxes(A, -1, -2) if adjoint else A, B),
        lambda rng: [
            S("matrix", well_conditioned(rng, 3, 3), normal(rng, 3, 2)),
            S("adjoint, broadcast batch", well_conditioned(rng, 2, 3, 3), normal(rng, 3, 1), adjoint=True),
        ],
        [
            E("vector B", ValueError, r"B must have at least 2 dimensions", np.eye(2), np.ones(2)),
            E("rows", ValueError, r"Incompatible shapes of A and B", np.eye(2), np.ones((3, 1))),
        ],
    )
)


def _ref_householder(A, tau):
    m, n = A.shape[-2:]
    Q = np.eye(m)
    for i in range(tau.shape[-1]):
        v = np.concatenate([np.zeros(i), [1.0], A[i + 1 :, i]])
        Q = Q @ (np.eye(m) - tau[i] * np.outer(v, v))
    return Q[:, :n]


register(
    OpInfo(
        householder_mod.HouseholderProduct,
        lambda A, tau: dn.linalg.householder_product(A, tau),
        _ref_householder,
        lambda rng: [
            S("square", normal(rng, 3, 3), normal(rng, 3)),
            S("tall, k < n", normal(rng, 5, 3), normal(rng, 2)),
        ],
        [E("wide", RuntimeError, r"input.shape\[-2\] must be greater than or equal", np.ones((2, 3)), np.ones(2))],
    )
)
register(
    OpInfo(
        householder_mod.Geqrf,
        lambda A: _flat(*dn.geqrf(A)),
        lambda A: _flat(np.swapaxes(np.linalg.qr(A, mode="raw")[0], -1, -2), np.linalg.qr(A, mode="raw")[1]),
        lambda rng: [S("tall", normal(rng, 4, 3)), S("wide", normal(rng, 2, 4))],
        [E("vector", RuntimeError, r"geqrf: input must have at least 2 dimensions", np.ones(3))],
        differentiable=False,
        backward_error=(NotImplementedError, r"the derivative for 'geqrf' is not implemented"),
    )
)
