r"""Matrix decompositions: ``cholesky``, ``qr``, ``eigh``/``eigvalsh`` and ``svd``/``svdvals``.

The backward formulas are the standard matrix-calculus results (Giles 2008, "An extended
collection of matrix derivative results"; Murray 2016 for the Cholesky factor; Townsend 2016
for the SVD; Walter and Lehmann 2018 for QR), in the symmetric form that PyTorch returns:

- Cholesky $A = L L^T$: $\bar A = \tfrac12 (S + S^T)$, $S = L^{-T} \Phi(L^T \bar L) L^{-1}$, where
  $\Phi$ keeps the lower triangle and halves the diagonal.
- ``eigh`` $A = Q \Lambda Q^T$: $\bar A = Q (\operatorname{diag}(\bar\lambda) + F \circ \tfrac12(M - M^T)) Q^T$,
  $M = Q^T \bar Q$, $F_{ij} = 1 / (\lambda_j - \lambda_i)$ off the diagonal, 0 on it.
- ``svd`` $A = U \Sigma V^T$: $\bar A = U (\operatorname{diag}(\bar\sigma) + (F \circ (J - J^T)) \Sigma
  + \Sigma (F \circ (K - K^T))) V^T + (I - U U^T) \bar U \Sigma^{-1} V^T + U \Sigma^{-1} \bar V^T (I - V V^T)$,
  $J = U^T \bar U$, $K = V^T \bar V$, $F_{ij} = 1 / (\sigma_j^2 - \sigma_i^2)$.
- ``qr`` $A = Q R$ ($m \ge n$): $\bar A = (\bar Q + Q \operatorname{copyltu}(M)) R^{-T}$,
  $M = R \bar R^T - \bar Q^T Q$, copyltu making a symmetric matrix of the lower triangle.

The eigenvector and singular-vector gradients divide by the gaps between eigenvalues (singular
values): where two coincide the gradient is undefined (infinite), in PyTorch as here, unless the
loss does not depend on the choice of vectors within their shared subspace. A decomposition with
several outputs is one ``Function`` whose output packs them side by side; the user gets views of it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, matrices, not_positive_definite
from deltanet.autograd.tensor import Tensor


def _pack(batch: tuple[int, ...], *arrays: np.ndarray) -> np.ndarray:
    return np.concatenate([a.reshape(batch + (-1,)) for a in arrays], axis=-1)


def _unpack(packed: np.ndarray | Tensor, shapes: list[tuple[int, ...]]) -> list[Any]:
    """The pieces of a packed array (or tensor), each of shape ``batch + shape``."""
    batch = tuple(packed.shape[:-1])
    pieces, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        pieces.append(packed[..., start : start + size].reshape(batch + shape))
        start += size
    return pieces


def _gaps(values: np.ndarray, square: bool) -> np.ndarray:
    r"""$F_{ij} = 1 / (v_j - v_i)$ (of the squares when ``square``) off the diagonal, 0 on it."""
    v = values * values if square else values
    E = v[..., None, :] - v[..., :, None]
    n = v.shape[-1]
    off = ~np.eye(n, dtype=bool)
    with np.errstate(divide="ignore"):  # coinciding values: an infinite (undefined) gradient, as PyTorch's
        return np.where(off, 1.0 / np.where(off, E, 1.0), 0.0)


class Cholesky(Function):
    r"""$L$ with $A = L L^T$ (lower; $U = L^T$ with ``upper``), reading the lower triangle of $A$."""

    def forward(self, A: np.ndarray, upper: bool) -> np.ndarray:
        try:
            L = np.linalg.cholesky(A)
        except np.linalg.LinAlgError:
            raise not_positive_definite(A, "linalg.cholesky") from None
        self.upper = upper
        self.save_for_backward(L)
        return np.ascontiguousarray(T(L)) if upper else L

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (L,) = self.saved_tensors
        grad_L = T(delta) if self.upper else delta
        P = np.tril(T(L) @ grad_L)
        P[..., np.arange(P.shape[-1]), np.arange(P.shape[-1])] *= 0.5
        L_inv = np.linalg.inv(L)
        S = T(L_inv) @ P @ L_inv
        return 0.5 * (S + T(S))


class Eigh(Function):
    r"""Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, packed."""

    def forward(self, A: np.ndarray, UPLO: Any) -> np.ndarray:
        w, Q = np.linalg.eigh(A, UPLO=UPLO)
        self.save_for_backward(w, Q)
        return _pack(A.shape[:-2], w, Q)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        w, Q = self.saved_tensors
        n = w.shape[-1]
        grad_w, grad_Q = _unpack(delta, [(n,), (n, n)])
        inner = np.zeros(Q.shape, dtype=w.dtype)
        if np.any(grad_Q):  # without a loss on the eigenvectors, no division by the gaps
            M = T(Q) @ grad_Q
            with np.errstate(invalid="ignore"):  # a zero gap times a zero: NaN, undefined as in PyTorch
                inner = _gaps(w, square=False) * (0.5 * (M - T(M)))
        inner[..., np.arange(n), np.arange(n)] = grad_w
        return (Q @ inner @ T(Q)).astype(w.dtype, copy=False)


class Eigvalsh(Function):
    r"""Eigenvalues (ascending) of a symmetric matrix; $\bar A = Q \operatorname{diag}(\bar\lambda) Q^T$."""

    def forward(self, A: np.ndarray, UPLO: Any) -> np.ndarray:
        w, Q = np.linalg.eigh(A, UPLO=UPLO)
        self.save_for_backward(Q)
        return w

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (Q,) = self.saved_tensors
        return (Q * delta[..., None, :]) @ T(Q)


def _svd_backward(U: np.ndarray, s: np.ndarray, Vh: np.ndarray, gU: Any, gs: np.ndarray, gVh: Any) -> np.ndarray:
    """The SVD's $\\bar A$ from the reduced factors (``gU``/``gVh`` None: singular values only)."""
    V = T(Vh)
    inner = np.zeros(s.shape + s.shape[-1:], dtype=s.dtype)
    k = s.shape[-1]
    inner[..., np.arange(k), np.arange(k)] = gs
    grad = np.zeros(U.shape[:-1] + Vh.shape[-1:], dtype=s.dtype)
    F = _gaps(s, square=True)
    with np.errstate(divide="ignore"):
        s_inv = 1.0 / s
    if gU is not None:
        J = T(U) @ gU
        inner += (F * (J - T(J))) * s[..., None, :]
        if U.shape[-2] > k:
            grad += ((gU - U @ J) * s_inv[..., None, :]) @ Vh
    if gVh is not None:
        gV = T(gVh)
        K = Vh @ gV
        inner += s[..., :, None] * (F * (K - T(K)))
        if Vh.shape[-1] > k:
            grad += (U * s_inv[..., None, :]) @ T(gV - V @ K)
    return grad + U @ inner @ Vh


class SVD(Function):
    r"""$U$, $\sigma$ (descending) and $V^T$ of $A = U \Sigma V^T$, packed."""

    def forward(self, A: np.ndarray, full_matrices: bool) -> np.ndarray:
        U, s, Vh = np.linalg.svd(A, full_matrices=full_matrices)
        self.save_for_backward(U, s, Vh)
        return _pack(A.shape[:-2], U, s, Vh)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        U, s, Vh = self.saved_tensors
        k = s.shape[-1]
        gU, gs, gVh = _unpack(delta, [U.shape[-2:], (k,), Vh.shape[-2:]])
        # Columns of U (rows of V^T) beyond the k-th (full_matrices) do not depend smoothly on A:
        # as PyTorch, their gradients are left out.
        U, gU, Vh, gVh = U[..., :k], gU[..., :k], Vh[..., :k, :], gVh[..., :k, :]
        # without a loss on the singular vectors, no division by the gaps
        with np.errstate(invalid="ignore"):  # a zero gap times a zero: NaN, undefined as in PyTorch
            grad = _svd_backward(U, s, Vh, gU if np.any(gU) else None, gs, gVh if np.any(gVh) else None)
        return grad.astype(s.dtype, copy=False)


class Svdvals(Function):
    r"""The singular values (descending); $\bar A = U \operatorname{diag}(\bar\sigma) V^T$."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        U, s, Vh = np.linalg.svd(A, full_matrices=False)
        self.save_for_backward(U, Vh)
        return s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        U, Vh = self.saved_tensors
        return (U * delta[..., None, :]) @ Vh


def _qr_backward(Q: np.ndarray, R: np.ndarray, gQ: np.ndarray, gR: np.ndarray) -> np.ndarray:
    M = R @ T(gR) - T(gQ) @ Q
    lower = np.tril(M, -1)
    copyltu = lower + T(lower) + M * np.eye(M.shape[-1], dtype=M.dtype)
    B = gQ + Q @ copyltu
    return T(np.linalg.solve(R, T(B)))  # B R^{-T}


class QR(Function):
    r"""$Q$ (orthonormal columns) and $R$ (upper triangular) of $A = Q R$, packed."""

    def forward(self, A: np.ndarray, mode: Any) -> np.ndarray:
        Q, R = np.linalg.qr(A, mode=mode)
        self.save_for_backward(Q, R)
        self.mode = mode
        return _pack(A.shape[:-2], Q, R)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        Q, R = self.saved_tensors
        m, n = Q.shape[-2], R.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the derivative is not defined when mode='complete' and the matrix has more rows "
                "than columns (the extra columns of Q are not unique), as in PyTorch; use mode='reduced'"
            )
        gQ, gR = _unpack(delta, [Q.shape[-2:], R.shape[-2:]])
        if m >= n:
            return _qr_backward(Q, R, gQ, gR)
        # A wide matrix [X | Y] = Q [U | V]: X = Q U is square's case, Y = Q V passes through.
        U, V, gU, gV = R[..., :m], R[..., m:], gR[..., :m], gR[..., m:]
        Y = Q @ V
        grad_X = _qr_backward(Q, U, gQ + Y @ T(gV), gU)
        return np.concatenate([grad_X, Q @ gV], axis=-1)


class EighResult(NamedTuple):
    """What ``linalg.eigh`` returns, as PyTorch's ``torch.return_types.linalg_eigh``.

    Attributes:
        eigenvalues: in ascending order, shape $(*, n)$.
        eigenvectors: orthonormal, one per column, shape $(*, n, n)$.
    """

    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    """What ``linalg.svd`` returns, as PyTorch's ``torch.return_types.linalg_svd``.

    Attributes:
        U: the left singular vectors, one per column.
        S: the singular values, in descending order.
        Vh: the right singular vectors, one per row ($V^T$).
    """

    U: Tensor
    S: Tensor
    Vh: Tensor


class OldSVDResult(NamedTuple):
    """What the older ``torch.svd`` returns, as PyTorch's ``torch.return_types.svd``.

    Attributes:
        U: the left singular vectors, one per column.
        S: the singular values, in descending order.
        V: the right singular vectors, one per column (not transposed).
    """

    U: Tensor
    S: Tensor
    V: Tensor


class QRResult(NamedTuple):
    """What ``linalg.qr`` returns, as PyTorch's ``torch.return_types.linalg_qr``.

    Attributes:
        Q: orthonormal columns (empty with ``mode='r'``).
        R: upper triangular.
    """

    Q: Tensor
    R: Tensor


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    r"""The Cholesky factor of a symmetric positive-definite matrix: $A = L L^T$ with $L$ lower
    triangular (or $A = U^T U$ with ``upper=True``). Only the lower triangle of $A$ is read.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        upper: return $U = L^T$ instead of $L$.

    Raises:
        LinAlgError: a matrix is not positive-definite (the message names the batch element and
            the order of the leading minor that fails, as PyTorch's).
        ValueError: ``A`` is not floating-point, or its last two axes are not square.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.cholesky(dn.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    owner = "linalg.cholesky"
    return Cholesky.apply(matrices(A, owner), upper=_checks.flag(upper, "upper", owner))


def cholesky_old(input: Any, upper: bool = False) -> Tensor:
    r"""``torch.cholesky(A, upper=False)`` (PyTorch's older name, also ``A.cholesky()``): the factor
    $L$ of $A = L L^T$, as ``linalg.cholesky``.

    Args:
        input: a floating-point tensor of shape $(*, n, n)$.
        upper: return $U = L^T$ instead of $L$.

    Examples:
        >>> import deltanet as dn
        >>> dn.cholesky(dn.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    return cholesky(input, upper=upper)


def _uplo(UPLO: Any, owner: str) -> str:
    return str(_checks.one_of(UPLO, "UPLO", ("L", "U"), owner))


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    r"""The eigenvalues $\lambda$ (ascending) and orthonormal eigenvectors $Q$ of a symmetric matrix,
    $A = Q \operatorname{diag}(\lambda) Q^T$; only one triangle of $A$ is read.

    Eigenvectors are unique only up to sign (and within a repeated eigenvalue's subspace): a loss
    should not depend on that choice; their gradient is undefined where eigenvalues coincide.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        UPLO: ``"L"`` reads the lower triangle, ``"U"`` the upper one.

    Returns:
        ``(eigenvalues, eigenvectors)``, a named pair; eigenvector $i$ is column ``Q[..., :, i]``.

    Raises:
        ValueError: non-floating or non-square input, or another ``UPLO``.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.eigh(dn.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues.tolist()
        [1.0, 2.0]
    """
    owner = "linalg.eigh"
    t = matrices(A, owner)
    n = t.shape[-1]
    packed = Eigh.apply(t, UPLO=_uplo(UPLO, owner))
    w, Q = _unpack(packed, [(n,), (n, n)])
    return EighResult(w, Q)


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    r"""The eigenvalues (ascending) of a symmetric matrix; $\bar A = Q \operatorname{diag}(\bar\lambda) Q^T$.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        UPLO: ``"L"`` reads the lower triangle, ``"U"`` the upper one.

    Raises:
        ValueError: non-floating or non-square input, or another ``UPLO``.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.eigvalsh(dn.tensor([[2.0, 1.0], [1.0, 2.0]])).tolist()
        [1.0, 3.0]
    """
    owner = "linalg.eigvalsh"
    return Eigvalsh.apply(matrices(A, owner), UPLO=_uplo(UPLO, owner))


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> SVDResult:
    r"""The singular value decomposition $A = U \operatorname{diag}(\sigma) V^T$, $\sigma$ descending.

    As in PyTorch, ``full_matrices=True`` (the default) gives square $U$ $(m, m)$ and $V^T$ $(n, n)$;
    ``False`` gives the reduced $(m, k)$ and $(k, n)$, $k = \min(m, n)$. Singular vectors are unique
    only up to sign; their gradient is undefined where singular values coincide (or, for $U$ and
    $V$ of a non-square matrix, where one is 0).

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        full_matrices: square (True) or reduced (False) $U$ and $V^T$.
        driver: accepted for PyTorch's signature (it picks a CUDA solver); must be None.

    Returns:
        ``(U, S, Vh)``, a named triple.

    Raises:
        ValueError: non-floating input, fewer than 2 dimensions, or a ``driver``.

    Examples:
        >>> import deltanet as dn
        >>> U, S, Vh = dn.linalg.svd(dn.tensor([[3.0, 0.0], [0.0, -2.0]]))
        >>> S.tolist()
        [3.0, 2.0]
    """
    owner = "linalg.svd"
    t = matrices(A, owner, square=False)
    if driver is not None:
        raise ValueError(f"{owner}: driver chooses a CUDA solver; deltanet runs on the CPU, pass driver=None")
    full = _checks.flag(full_matrices, "full_matrices", owner)
    m, n = t.shape[-2:]
    k = min(m, n)
    packed = SVD.apply(t, full_matrices=full)
    U, S, Vh = _unpack(packed, [(m, m if full else k), (k,), (n if full else k, n)])
    return SVDResult(U, S, Vh)


def svd_old(input: Any, some: bool = True, compute_uv: bool = True) -> OldSVDResult:
    r"""``torch.svd`` (PyTorch's older form, also ``A.svd()``): $A = U \operatorname{diag}(S) V^T$
    with $V$ itself, not $V^T$, and the reduced factors by default (``some=True``).

    Args:
        input: a floating-point tensor of shape $(*, m, n)$.
        some: reduced (True) or square (False) $U$ and $V$.
        compute_uv: False gives zero-filled square $U$ $(m, m)$ and $V$ $(n, n)$ (as PyTorch; ``some``
            has no effect then) and differentiable $S$ only.

    Examples:
        >>> import deltanet as dn
        >>> U, S, V = dn.svd(dn.tensor([[3.0, 0.0], [0.0, -2.0]]))
        >>> S.tolist()
        [3.0, 2.0]
    """
    owner = "svd"
    t = matrices(input, owner, square=False)
    some = _checks.flag(some, "some", owner)
    if not _checks.flag(compute_uv, "compute_uv", owner):
        m, n = t.shape[-2:]  # PyTorch's zeros are square, (m, m) and (n, n), whatever ``some`` says
        zeros_u = Tensor._make(np.zeros(t.shape[:-2] + (m, m), dtype=t.dtype))
        zeros_v = Tensor._make(np.zeros(t.shape[:-2] + (n, n), dtype=t.dtype))
        return OldSVDResult(zeros_u, svdvals(t), zeros_v)
    U, S, Vh = svd(t, full_matrices=not some)
    return OldSVDResult(U, S, Vh.mT)


def svdvals(A: Any, *, driver: Any = None) -> Tensor:
    r"""The singular values $\sigma$ of $A$ in descending order; $\bar A = U \operatorname{diag}(\bar\sigma) V^T$.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        driver: accepted for PyTorch's signature; must be None.

    Raises:
        ValueError: non-floating input, fewer than 2 dimensions, or a ``driver``.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.svdvals(dn.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
        [2.0, 1.0]
    """
    owner = "linalg.svdvals"
    if driver is not None:
        raise ValueError(f"{owner}: driver chooses a CUDA solver; deltanet runs on the CPU, pass driver=None")
    return Svdvals.apply(matrices(A, owner, square=False))


def qr(A: Any, mode: str = "reduced") -> QRResult:
    r"""The QR decomposition $A = Q R$: $Q$ with orthonormal columns, $R$ upper triangular.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        mode: ``"reduced"`` ($Q$ $(m, k)$, $R$ $(k, n)$, $k = \min(m, n)$), ``"complete"``
            ($Q$ $(m, m)$, $R$ $(m, n)$) or ``"r"`` ($R$ only, $Q$ empty; unlike PyTorch's, this $R$
            has a gradient).

    Returns:
        ``(Q, R)``, a named pair.

    Raises:
        ValueError: non-floating input, fewer than 2 dimensions, or another ``mode``.

    Examples:
        >>> import deltanet as dn
        >>> Q, R = dn.linalg.qr(dn.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> [round(v, 4) for v in R[0].tolist()]
        [-5.0, -2.2]
    """
    owner = "linalg.qr"
    t = matrices(A, owner, square=False)
    mode = str(_checks.one_of(mode, "mode", ("reduced", "complete", "r"), owner))
    m, n = t.shape[-2:]
    k = min(m, n)
    packed = QR.apply(t, mode="reduced" if mode == "r" else mode)
    rows = m if mode == "complete" else k
    Q, R = _unpack(packed, [(m, rows), (rows, n)])
    if mode == "r":  # R of the reduced decomposition, differentiable (PyTorch refuses its backward)
        return QRResult(Tensor._make(np.zeros((0,), dtype=t.dtype)), R)
    return QRResult(Q, R)


def qr_old(input: Any, some: bool = True) -> QRResult:
    r"""``torch.qr(A, some=True)`` (PyTorch's older form, also ``A.qr()``): ``linalg.qr`` with
    ``mode="reduced"`` (``some=True``) or ``"complete"``.

    Args:
        input: a floating-point tensor of shape $(*, m, n)$.
        some: the reduced decomposition (True) or the complete one (False).

    Examples:
        >>> import deltanet as dn
        >>> dn.qr(dn.eye(2)).R.tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return qr(input, "reduced" if _checks.flag(some, "some", "qr") else "complete")
