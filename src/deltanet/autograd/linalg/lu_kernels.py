r"""The NumPy kernels of the LU factorization: LAPACK's ``getrf`` (Gaussian elimination with
partial pivoting), the row permutation its pivots encode, and triangular solves that, like
BLAS's ``trsm``, give infinities instead of an error on a zero diagonal.

``getrf`` factors $A = P L U$ column by column: at step $j$ the pivot is the first entry of
largest magnitude in column $j$ on or below the diagonal (BLAS's ``idamax``), its row is swapped
with row $j$ across the whole matrix, the entries below are divided by it (multiplied by its
reciprocal, as LAPACK's ``dgetrf2``), and the trailing block gets the rank-1 update
$A_{22} \leftarrow A_{22} - \ell u^T$. A zero pivot (a column that is zero on and below the
diagonal) is recorded in ``info`` (1-based, the first one) and skipped, as LAPACK. The pivots are
the 1-based rows swapped with, as PyTorch's and LAPACK's. SciPy's ``scipy.linalg.lu_factor`` gives
the same pivots (0-based); this needs NumPy only. Every step is vectorized over the batch.
"""

from __future__ import annotations

import math

import numpy as np

from deltanet.autograd.linalg.common import T


def getrf(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LU, pivots, info)`` of each matrix of ``A`` ``(*, m, n)``: ``LU`` packs the strictly lower
    part of the unit lower $L$ and the upper $U$; ``pivots`` ``(*, min(m, n))`` int32, 1-based;
    ``info`` ``(*)`` int32, 0 or the 1-based index of the first zero pivot."""
    m, n = A.shape[-2:]
    k = min(m, n)
    batch = A.shape[:-2]
    count = math.prod(batch)
    LU = np.array(A, copy=True).reshape((count, m, n))
    pivots = np.empty((count, k), dtype=np.int32)
    info = np.zeros(count, dtype=np.int32)
    rows = np.arange(count)
    tiny = np.finfo(LU.dtype).tiny
    for j in range(k):
        p = j + np.argmax(np.abs(LU[:, j:, j]), axis=-1)
        pivots[:, j] = p + 1
        swapped = LU[rows, p].copy()
        LU[rows, p] = LU[:, j]
        LU[:, j] = swapped
        pivot = LU[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        if j + 1 < m:
            safe = np.where(zero, 1.0, pivot)[:, None]
            below = LU[:, j + 1 :, j]
            big = np.abs(safe) >= tiny
            with np.errstate(divide="ignore", invalid="ignore"):
                LU[:, j + 1 :, j] = np.where(big, below * (1.0 / safe), below / safe)
            LU[:, j + 1 :, j + 1 :] -= LU[:, j + 1 :, j, None] * LU[:, j, None, j + 1 :]
    return LU.reshape(A.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def permutation(pivots: np.ndarray, m: int) -> np.ndarray:
    """The row order ``perm`` ``(*, m)`` that the (1-based) row swaps ``pivots`` ``(*, k)`` make:
    $P^T A$ = ``A[..., perm, :]`` and $P$ = ``I[:, perm]`` with $A = P L U$."""
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    count = math.prod(batch)
    perm = np.broadcast_to(np.arange(m), batch + (m,)).reshape(count, m).copy()
    swaps = pivots.reshape(count, k).astype(np.intp) - 1
    rows = np.arange(perm.shape[0])
    for i in range(k):
        target = swaps[:, i]
        current = perm[:, i].copy()
        perm[:, i] = perm[rows, target]
        perm[rows, target] = current
    return perm.reshape(batch + (m,))


def rows_of(X: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """``X[..., perm, :]`` per batch element ($P^T X$)."""
    return np.take_along_axis(X, perm[..., :, None], axis=-2)


def rows_back(X: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """$P X$: the inverse of ``rows_of``."""
    return np.take_along_axis(X, np.argsort(perm, axis=-1)[..., :, None], axis=-2)


def unit_lower(LU: np.ndarray) -> np.ndarray:
    """$L$ ``(*, m, min(m, n))``: the strictly lower part of ``LU`` with ones on the diagonal."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    return np.tril(LU[..., :, :k], -1) + np.eye(m, k, dtype=LU.dtype)


def upper(LU: np.ndarray) -> np.ndarray:
    """$U$ ``(*, min(m, n), n)``: the upper triangle of ``LU``."""
    m, n = LU.shape[-2:]
    return np.triu(LU[..., : min(m, n), :])


def triangular_solve(tri: np.ndarray, B: np.ndarray, lower: bool, unit: bool = False) -> np.ndarray:
    """$X$ with ``tri`` $X = B$ for a triangular ``tri`` (only its triangle is read, ones on the
    diagonal with ``unit``); a zero on the diagonal gives infinities or NaN, as BLAS's ``trsm``
    (back substitution that skips zero entries, as the reference BLAS), not an error."""
    n = tri.shape[-1]
    keep = np.tri(n, dtype=bool, k=-1 if unit else 0)
    t = np.where(keep if lower else T(keep), tri, 0.0).astype(tri.dtype, copy=False)
    if unit:
        t = t + np.eye(n, dtype=tri.dtype)
    batch = np.broadcast_shapes(t.shape[:-2], B.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    B = np.broadcast_to(B, batch + B.shape[-2:])
    diagonal = np.diagonal(t, axis1=-2, axis2=-1)
    if n == 0 or np.all(diagonal != 0):
        return np.linalg.solve(t, B)
    X = np.array(B, dtype=np.result_type(t, B), copy=True)
    order = range(n) if lower else range(n - 1, -1, -1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in order:
            x = X[..., i, :]
            x = np.where(x == 0, 0.0, x / diagonal[..., i, None])
            X[..., i, :] = x
            others = slice(i + 1, None) if lower else slice(0, i)
            X[..., others, :] -= np.where(x[..., None, :] == 0, 0.0, t[..., others, i, None] * x[..., None, :])
    return X
