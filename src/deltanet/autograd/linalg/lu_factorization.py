r"""The LU factorization with partial pivoting, $A = P L U$: ``linalg.lu_factor``, ``lu_factor_ex``,
``lu``, ``lu_solve`` and ``torch.lu_unpack`` / ``torch.lu`` / ``torch.lu_solve``, with PyTorch's
packed ``LU`` and 1-based int32 ``pivots`` (the kernels: ``lu_kernels.py``).

The gradient holds $P$ fixed (PyTorch's). With $L$ $(m, k)$ unit lower, $U$ $(k, n)$ upper,
$k = \min(m, n)$, for a square $A$:

$$
\bar A = P L^{-T} \left( \operatorname{tril}_{-1}(L^T \bar L) + \operatorname{triu}(\bar U U^T) \right) U^{-T}
$$

A wide $A = P L [U_1 \; U_2]$ gives $\bar A = P L^{-T} [\operatorname{tril}_{-1}(L^T \bar L - \bar U U^T)
U_1^{-T} + \operatorname{triu}(\bar U_1), \; \bar U_2]$; a tall one, its transpose's counterpart.
For $X = A^{-1} B$ from the factors (``lu_solve``): $\bar B = A^{-T} \bar X$ and $\bar A = -\bar B X^T$
pulled back to ``LU`` through $A = P L U$ (Giles 2008; PyTorch's ``linalg_lu_solve_LU``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import LinAlgError, T, batch_prefix, matrices, sum_to
from deltanet.autograd.linalg.lu_kernels import (
    getrf,
    permutation,
    rows_back,
    rows_of,
    triangular_solve,
    unit_lower,
    upper,
)
from deltanet.autograd.matrices import tril, triu
from deltanet.autograd.tensor import Tensor, leaf


def lu_backward(gL: np.ndarray, gU: np.ndarray, L: np.ndarray, U: np.ndarray) -> np.ndarray:
    r"""$P^T \bar A$ from $\bar L$, $\bar U$ of $A = P L U$ (square, wide or tall)."""
    m, k, n = L.shape[-2], L.shape[-1], U.shape[-1]
    gL = np.tril(gL, -1)
    if m >= n:  # square or tall: L = [L1; L2], U square
        gU = np.triu(gU)
        inner = np.triu(gU @ T(U) - T(L) @ gL)
        gY = gL.copy()
        gY[..., :k, :] += triangular_solve(T(L[..., :k, :]), inner, lower=False, unit=True)
        return T(triangular_solve(U, T(gY), lower=False))  # gY U^{-T}
    gU = np.concatenate([np.triu(gU[..., :k]), gU[..., k:]], axis=-1)  # wide: U = [U1 U2], L square
    inner = np.tril(T(L) @ gL - gU @ T(U), -1)
    gX = gU.copy()
    gX[..., :k] += T(triangular_solve(U[..., :k], T(inner), lower=False))  # inner U1^{-T}
    return triangular_solve(T(L), gX, lower=False, unit=True)


class LUFactor(Function):
    r"""The packed factors ``LU`` of $A = P L U$ (partial pivoting; $P$ held fixed in the gradient)."""

    def forward(self, A: np.ndarray, pivots: np.ndarray, factors: np.ndarray) -> np.ndarray:
        self.pivots = pivots  # getrf's, computed by the caller (which also needs them and info)
        self.save_for_backward(factors)
        return factors

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (LU,) = self.saved_tensors
        L, U = unit_lower(LU), upper(LU)
        k = L.shape[-1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # singular U: inf, as PyTorch
            gY = lu_backward(delta[..., :, :k], delta[..., :k, :], L, U)
        perm = permutation(self.pivots, LU.shape[-2])
        return rows_back(gY, perm).astype(LU.dtype, copy=False)


class LUSolve(Function):
    r"""$X = A^{-1} B$ (or $A^{-T} B$ with ``adjoint``) from ``LU`` and the row order ``perm`` of $A = P L U$."""

    def forward(self, LU: np.ndarray, B: np.ndarray, perm: np.ndarray, adjoint: bool) -> np.ndarray:
        batch = np.broadcast_shapes(LU.shape[:-2], B.shape[:-2])
        perm = np.broadcast_to(perm, batch + perm.shape[-1:])
        B_b = np.broadcast_to(B, batch + B.shape[-2:])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # singular: inf, as PyTorch
            X = _solve(LU, B_b, perm, adjoint)
        self.save_for_backward(LU, X, perm)
        self.adjoint = adjoint
        self.shapes = LU.shape, B.shape
        return X.astype(LU.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> tuple:
        LU, X, perm = self.saved_tensors
        grad_LU = grad_B = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.needs_input_grad[1]:
                grad_B = sum_to(_solve(LU, delta, perm, not self.adjoint), self.shapes[1])
            if self.needs_input_grad[0]:
                L, U = unit_lower(LU), upper(LU)
                if not self.adjoint:
                    gR = triangular_solve(T(U), -(delta @ T(X)), lower=True)  # -U^{-T} gX X^T
                    gL = np.tril(triangular_solve(T(L), gR @ T(U), lower=False, unit=True), -1)
                    grad = gL + np.triu(gR)
                else:
                    gR = -T(rows_of(T(rows_of(X @ T(delta), perm)), perm))  # -P^T X gX^T P
                    gR = T(triangular_solve(L, T(gR), lower=True, unit=True))  # gR L^{-T}
                    gU = np.triu(T(triangular_solve(U, T(gR) @ L, lower=False)))  # (L^T gR) U^{-T}
                    grad = np.tril(gR, -1) + gU
                grad_LU = sum_to(grad, self.shapes[0])
        return grad_LU, grad_B


def _solve(LU: np.ndarray, B: np.ndarray, perm: np.ndarray, adjoint: bool) -> np.ndarray:
    """$U^{-1} L^{-1} P^T B$, or $P L^{-T} U^{-T} B$ with ``adjoint`` (no gradient)."""
    if adjoint:
        Y = triangular_solve(T(LU), B, lower=True)
        return rows_back(triangular_solve(T(LU), Y, lower=False, unit=True), perm)
    perm = np.broadcast_to(perm, np.broadcast_shapes(perm.shape[:-1], B.shape[:-2]) + perm.shape[-1:])
    Y = triangular_solve(LU, rows_of(np.broadcast_to(B, perm.shape[:-1] + B.shape[-2:]), perm), lower=True, unit=True)
    return triangular_solve(LU, Y, lower=False)


class LUFactorResult(NamedTuple):
    """What ``linalg.lu_factor`` returns, as PyTorch's ``torch.return_types.linalg_lu_factor``.

    Attributes:
        LU: $L$ below the diagonal (its unit diagonal not stored) and $U$ on and above it.
        pivots: the 1-based rows swapped with, int32, shape $(*, \\min(m, n))$.
    """

    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """What ``linalg.lu_factor_ex`` returns, as PyTorch's ``torch.return_types.linalg_lu_factor_ex``.

    Attributes:
        LU: the packed factors.
        pivots: the 1-based rows swapped with (int32).
        info: 0, or the 1-based index of the first zero pivot, one per matrix (int32).
    """

    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    """What ``linalg.lu`` returns, as PyTorch's ``torch.return_types.linalg_lu``.

    Attributes:
        P: the permutation matrix $(*, m, m)$.
        L: unit lower triangular (trapezoidal), $(*, m, k)$.
        U: upper triangular (trapezoidal), $(*, k, n)$.
    """

    P: Tensor
    L: Tensor
    U: Tensor


class LUUnpackResult(NamedTuple):
    """What ``torch.lu_unpack`` returns, as PyTorch's ``torch.return_types.lu_unpack``.

    Attributes:
        P: the permutation matrix (empty with ``unpack_pivots=False``).
        L: the unit lower factor (empty with ``unpack_data=False``).
        U: the upper factor (empty with ``unpack_data=False``).
    """

    P: Tensor
    L: Tensor
    U: Tensor


class LUWithInfoResult(NamedTuple):
    """What ``torch.lu(A, get_infos=True)`` returns (``torch.return_types._lu_with_info``).

    Attributes:
        LU: the packed factors.
        pivots: the 1-based rows swapped with (int32).
        info: 0, or the first zero pivot, one per matrix (int32).
    """

    LU: Tensor
    pivots: Tensor
    info: Tensor


def _no_pivoting(pivot: Any, owner: str) -> None:
    if not _checks.flag(pivot, "pivot", owner):
        raise RuntimeError(f"{owner}: LU without pivoting is not implemented on the CPU (nor in PyTorch)")


def _zero_pivot(A: np.ndarray, info: np.ndarray, owner: str) -> LinAlgError:
    index = int(np.flatnonzero(info.reshape(-1))[0])
    i = int(info.reshape(-1)[index])
    return LinAlgError(
        f"{owner}: {batch_prefix(A, index)}U[{i},{i}] is zero and using it on lu_solve would result in a division "
        "by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        "linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    r"""The LU factorization $A = P L U$ with partial pivoting, packed, and a status ``info``
    instead of an error where a pivot is zero (a singular square matrix).

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        pivot: must be True (PyTorch has LU without pivoting on CUDA only).
        check_errors: raise ``LinAlgError`` where ``info`` is not 0, as ``lu_factor``.

    Returns:
        ``(LU, pivots, info)``, a named triple; ``LU`` is differentiable ($P$ held fixed).

    Raises:
        ValueError: ``A`` is not floating-point or has fewer than 2 dimensions.
        RuntimeError: ``pivot=False``.

    Examples:
        >>> import deltanet as dn
        >>> LU, pivots, info = dn.linalg.lu_factor_ex(dn.tensor([[1.0, 2.0], [2.0, 4.0]]))
        >>> LU.tolist(), pivots.tolist(), info.item()
        ([[2.0, 4.0], [0.5, 0.0]], [2, 2], 2)
    """
    return _factor(A, pivot, check_errors, "torch.linalg.lu_factor_ex")


def _factor(A: Any, pivot: Any, check_errors: Any, owner: str) -> LUFactorExResult:
    t = matrices(A, owner, square=False)
    _no_pivoting(pivot, owner)
    check_errors = _checks.flag(check_errors, "check_errors", owner)
    factors, pivots, info = getrf(t.array)
    if check_errors and info.any():
        raise _zero_pivot(t.array, info, owner)
    return LUFactorExResult(LUFactor.apply(t, pivots=pivots, factors=factors), leaf(pivots), leaf(info))


def lu_factor(A: Any, *, pivot: bool = True) -> LUFactorResult:
    r"""The LU factorization $A = P L U$ with partial pivoting (LAPACK's ``getrf``), packed:
    ``LU`` holds $L$ below the diagonal and $U$ on and above it; ``pivots`` are the 1-based rows
    swapped with. For ``linalg.lu_solve``; ``torch.lu_unpack`` gives $P$, $L$, $U$.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        pivot: must be True (PyTorch has LU without pivoting on CUDA only).

    Returns:
        ``(LU, pivots)``, a named pair; ``LU`` is differentiable ($P$ held fixed).

    Raises:
        LinAlgError: a zero pivot (``U[i,i]`` is zero; ``lu_factor_ex`` reports it instead).
        ValueError: ``A`` is not floating-point or has fewer than 2 dimensions.

    Examples:
        >>> import deltanet as dn
        >>> LU, pivots = dn.linalg.lu_factor(dn.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> pivots.tolist()
        [2, 2]
    """
    LU, pivots, info = _factor(A, pivot, False, "torch.linalg.lu_factor")
    if info.array.any():
        raise _zero_pivot(LU.array, info.array, "torch.linalg.lu_factor")
    return LUFactorResult(LU, pivots)


def _checked_pivots(LU: Tensor, pivots: Any, owner: str) -> np.ndarray:
    """``pivots`` as an int32 array checked against ``LU`` as PyTorch does (RuntimeError)."""
    p = pivots.array if isinstance(pivots, Tensor) else np.asarray(pivots)
    if p.dtype != np.int32:
        raise RuntimeError(f"{owner}: pivots should be a Tensor of scalar type torch.int32, got {p.dtype}")
    m, n = LU.shape[-2:]
    if p.ndim < 1 or p.shape[-1] != min(m, n):
        raise RuntimeError(
            f"{owner}: Number of pivots per batch should be same as the dimension of the matrix "
            f"(min(m, n) = {min(m, n)}), got pivots of shape {tuple(p.shape)}"
        )
    if p.shape[:-1] != LU.shape[:-2]:
        raise RuntimeError(
            f"{owner}: Expected LU.shape[:-2] == pivots.shape[:-1], got LU {LU.shape} and pivots {tuple(p.shape)}"
        )
    if p.size and (p.min() < 1 or p.max() > m):
        raise RuntimeError(
            f"{owner}: pivots must be between 1 and LU.size(-2) = {m} inclusive, got values from "
            f"{p.min()} to {p.max()}. Did you properly pass the result of lu_factor?"
        )
    return p


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True, unpack_pivots: bool = True) -> LUUnpackResult:
    r"""$P$, $L$ and $U$ of $A = P L U$ from ``linalg.lu_factor``'s packed ``LU`` and ``pivots``
    (``torch.lu_unpack``); $L$ and $U$ are differentiable, $P$ is a constant.

    Args:
        LU_data: the packed factors, $(*, m, n)$.
        LU_pivots: the 1-based int32 pivots, $(*, \min(m, n))$.
        unpack_data: return $L$ and $U$ (else empty tensors).
        unpack_pivots: return $P$ (else an empty tensor).

    Returns:
        ``(P, L, U)``, a named triple: $(*, m, m)$, $(*, m, k)$, $(*, k, n)$ with $k = \min(m, n)$.

    Raises:
        RuntimeError: pivots that are not int32, of the wrong shape, or out of range.

    Examples:
        >>> import deltanet as dn
        >>> P, L, U = dn.lu_unpack(*dn.linalg.lu_factor(dn.tensor([[1.0, 2.0], [3.0, 4.0]])))
        >>> P.tolist(), L.tolist()
        ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.3333333432674408, 1.0]])
    """
    owner = "torch.lu_unpack"
    LU = matrices(LU_data, owner, square=False, name="LU_data")
    pivots = _checked_pivots(LU, LU_pivots, owner)
    m, n = LU.shape[-2:]
    k = min(m, n)
    empty = Tensor._make(np.zeros((0,), dtype=LU.array.dtype))
    if _checks.flag(unpack_data, "unpack_data", owner):
        L = tril(LU[..., :, :k], -1) + leaf(np.eye(m, k, dtype=LU.array.dtype))
        U = triu(LU[..., :k, :])
    else:
        L = U = empty
    P = empty
    if _checks.flag(unpack_pivots, "unpack_pivots", owner):
        perm = permutation(pivots, m)
        P = leaf(np.ascontiguousarray(T(np.eye(m, dtype=LU.array.dtype)[perm])))
    return LUUnpackResult(P, L, U)


def lu(A: Any, *, pivot: bool = True) -> LUResult:
    r"""The LU factorization with partial pivoting $A = P L U$: $P$ a permutation matrix, $L$ unit
    lower triangular, $U$ upper triangular (trapezoidal for a non-square $A$).

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        pivot: must be True (PyTorch has LU without pivoting on CUDA only).

    Returns:
        ``(P, L, U)``, a named triple; $L$ and $U$ are differentiable ($P$ held fixed). A singular
        matrix factors too (a zero on $U$'s diagonal).

    Raises:
        ValueError: ``A`` is not floating-point or has fewer than 2 dimensions.

    Examples:
        >>> import deltanet as dn
        >>> P, L, U = dn.linalg.lu(dn.tensor([[1.0, 2.0], [2.0, 4.0]]))
        >>> U.tolist()
        [[2.0, 4.0], [0.0, 0.0]]
    """
    LU, pivots, _ = _factor(A, pivot, False, "linalg.lu")
    return LUResult(*lu_unpack(LU, pivots))


def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True, adjoint: bool = False) -> Tensor:
    r"""The solution $X$ of $A X = B$ from the LU factorization of $A$ (``linalg.lu_factor``); with
    ``adjoint``, of $A^T X = B$; with ``left=False``, of $X A = B$ (or $X A^T = B$).

    A zero on $U$'s diagonal gives infinities or NaN, as PyTorch (no error).

    Args:
        LU: the packed factors of a square $A$, $(*, n, n)$.
        pivots: its 1-based int32 pivots, $(*, n)$.
        B: the right-hand sides, $(*, n, k)$ ($(*, k, n)$ with ``left=False``); batch axes broadcast.
        left: solve $A X = B$ (True) or $X A = B$ (False).
        adjoint: solve with $A^T$.

    Raises:
        ValueError: a non-square ``LU``, a ``B`` of another dtype, or shapes that do not fit.
        RuntimeError: pivots that are not int32, of the wrong shape, or out of range.

    Examples:
        >>> import deltanet as dn
        >>> A = dn.tensor([[3.0, 1.0], [1.0, 2.0]])
        >>> dn.linalg.lu_solve(*dn.linalg.lu_factor(A), dn.tensor([[9.0], [8.0]])).tolist()
        [[2.0], [3.0]]
    """
    owner = "linalg.lu_solve"
    factors = matrices(LU, owner, name="LU")
    p = _checked_pivots(factors, pivots, owner)
    b = _tensor(B)
    if b.ndim < 2:
        raise ValueError(f"{owner}: The input tensor B must have at least 2 dimensions, got shape {b.shape}")
    if b.dtype != factors.dtype:
        raise ValueError(
            f"{owner}: Expected LU and B to have the same dtype, but found LU of type {factors.dtype} and B of "
            f"type {b.dtype} instead"
        )
    left = _checks.flag(left, "left", owner)
    adjoint = _checks.flag(adjoint, "adjoint", owner)
    n = factors.shape[-1]
    rows = b.shape[-2] if left else b.shape[-1]
    if rows != n:
        shape = f"{b.shape[-2]}x{b.shape[-1]}"
        equation = "AX = B" if left else "XA = B"
        raise ValueError(f"{owner}: Incompatible shapes of A and B for the equation {equation} ({n}x{n} and {shape})")
    try:
        np.broadcast_shapes(factors.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{owner}: the batch dimensions of LU {factors.shape} and B {b.shape} do not broadcast"
        ) from None
    perm = permutation(p, n)
    if left:
        return LUSolve.apply(factors, b, perm=perm, adjoint=adjoint)
    # X A = B  <=>  A^T X^T = B^T;  X A^T = B  <=>  A X^T = B^T
    return LUSolve.apply(factors, b.mT, perm=perm, adjoint=not adjoint).mT


def lu_old(A: Any, pivot: bool = True, get_infos: bool = False) -> Any:
    r"""PyTorch's older ``torch.lu(A)`` (also ``A.lu()``): ``(LU, pivots)`` as ``linalg.lu_factor``
    but without an error on a zero pivot; with ``get_infos``, ``(LU, pivots, info)``.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        pivot: must be True.
        get_infos: also return ``info``.

    Examples:
        >>> import deltanet as dn
        >>> LU, pivots = dn.lu(dn.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> pivots.tolist()
        [2, 2]
    """
    LU, pivots, info = _factor(A, pivot, False, "torch.lu")
    if _checks.flag(get_infos, "get_infos", "torch.lu"):
        return LUWithInfoResult(LU, pivots, info)
    return LU, pivots


def lu_solve_old(b: Any, LU_data: Any, LU_pivots: Any) -> Tensor:
    r"""PyTorch's older ``torch.lu_solve(b, LU_data, LU_pivots)`` (also ``b.lu_solve(LU, pivots)``):
    ``linalg.lu_solve(LU_data, LU_pivots, b)``.

    Args:
        b: the right-hand sides, $(*, n, k)$.
        LU_data: the packed factors from ``linalg.lu_factor``.
        LU_pivots: their int32 pivots.

    Examples:
        >>> import deltanet as dn
        >>> A = dn.tensor([[2.0, 0.0], [0.0, 4.0]])
        >>> dn.lu_solve(dn.tensor([[2.0], [2.0]]), *dn.linalg.lu_factor(A)).tolist()
        [[1.0], [0.5]]
    """
    return lu_solve(LU_data, LU_pivots, b)
