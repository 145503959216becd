r"""The factorizations that report failure instead of raising: ``cholesky_ex``, ``inv_ex`` and
``solve_ex`` return ``info`` beside the result, as PyTorch's (0: success; else the order of the
first leading minor that is not positive-definite, or the 1-based index of the first zero pivot).
Where a matrix failed, its result is NaN (PyTorch leaves partial values); elsewhere the result is
the differentiable one of ``cholesky``, ``inv`` or ``solve``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.elementwise import where
from deltanet.autograd.linalg.common import matrices, not_positive_definite, singular, zero_pivot
from deltanet.autograd.linalg.decompositions import Cholesky
from deltanet.autograd.linalg.solvers import inv, solve
from deltanet.autograd.tensor import Tensor, leaf


def failed_as_identity(t: Tensor, failed: np.ndarray) -> tuple[Tensor, Tensor]:
    """``t`` with each failed matrix replaced by the identity, and the mask of the failed ones."""
    n = t.shape[-1]
    mask = leaf(np.broadcast_to(failed[..., None, None], t.shape).copy())
    return where(mask, leaf(np.eye(n, dtype=t.dtype)), t), mask


def _nan_where(failed: np.ndarray, result: Tensor) -> Tensor:
    shape = failed.shape + (1,) * (result.ndim - failed.ndim)
    mask = leaf(np.broadcast_to(failed.reshape(shape), result.shape).copy())
    return where(mask, leaf(np.array(np.nan, dtype=result.dtype)), result)


class CholeskyExResult(NamedTuple):
    """What ``linalg.cholesky_ex`` returns, as PyTorch's ``torch.return_types.linalg_cholesky_ex``.

    Attributes:
        L: the factor; NaN for a matrix that is not positive-definite (PyTorch leaves a partial one).
        info: 0 where the factorization succeeded, else the order of the first leading minor that
            is not positive-definite (int32, one per matrix).
    """

    L: Tensor
    info: Tensor


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    r"""The Cholesky factor $A = L L^T$ with a status code instead of an error: ``info`` is 0 where
    it succeeded and the order of the failing leading minor where $A$ is not positive-definite
    (the usual test of positive-definiteness: ``cholesky_ex(A).info == 0``).

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        upper: return $U = L^T$.
        check_errors: raise ``LinAlgError`` on failure, as ``linalg.cholesky``.

    Returns:
        ``(L, info)``, a named pair; ``L`` is differentiable where the factorization succeeded.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.cholesky_ex(dn.tensor([[1.0, 2.0], [2.0, 1.0]])).info.item()
        2
    """
    owner = "linalg.cholesky_ex"
    t = matrices(A, owner)
    upper = _checks.flag(upper, "upper", owner)
    n = t.shape[-1]
    flat = t.array.reshape((-1, n, n))
    info = np.zeros(len(flat), dtype=np.int32)
    for i, a in enumerate(flat):
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            message = str(not_positive_definite(a, owner))
            info[i] = int(message.rsplit("order ", 1)[1].split(" ")[0])
    info = info.reshape(t.shape[:-2])
    failed = info != 0
    if not failed.any():
        return CholeskyExResult(Cholesky.apply(t, upper=upper), leaf(info))
    if _checks.flag(check_errors, "check_errors", owner):
        raise not_positive_definite(t.array, owner)
    safe, _ = failed_as_identity(t, failed)
    return CholeskyExResult(_nan_where(failed, Cholesky.apply(safe, upper=upper)), leaf(info))


def pivots(t: Tensor) -> np.ndarray:
    """LAPACK's ``info`` of the LU factorization of each matrix: 0, or the first zero pivot (1-based)."""
    n = t.shape[-1]
    flat = t.array.reshape((-1, n, n))
    info = np.zeros(len(flat), dtype=np.int32)
    for i, a in enumerate(flat):
        try:
            np.linalg.inv(a)
        except np.linalg.LinAlgError:
            info[i] = zero_pivot(a) or 1
    return info.reshape(t.shape[:-2])


class InvExResult(NamedTuple):
    """What ``linalg.inv_ex`` returns, as PyTorch's ``torch.return_types.linalg_inv_ex``.

    Attributes:
        inverse: $A^{-1}$; NaN for a singular matrix.
        info: 0, or the 1-based index of the first zero pivot (int32, one per matrix).
    """

    inverse: Tensor
    info: Tensor


def inv_ex(A: Any, *, check_errors: bool = False) -> InvExResult:
    r"""The inverse $A^{-1}$ with a status code instead of an error for a singular matrix.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        check_errors: raise ``LinAlgError`` on failure, as ``linalg.inv``.

    Returns:
        ``(inverse, info)``, a named pair.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.inv_ex(dn.tensor([[1.0, 2.0], [2.0, 4.0]])).info.item()
        2
    """
    owner = "linalg.inv_ex"
    t = matrices(A, owner)
    info = pivots(t)
    failed = info != 0
    if failed.any() and _checks.flag(check_errors, "check_errors", owner):
        raise singular(t.array, owner)
    if not failed.any():
        return InvExResult(inv(t), leaf(info))
    safe, _ = failed_as_identity(t, failed)
    return InvExResult(_nan_where(failed, inv(safe)), leaf(info))


class SolveExResult(NamedTuple):
    """What ``linalg.solve_ex`` returns, as PyTorch's ``torch.return_types.linalg_solve_ex``.

    Attributes:
        result: $X$ with $A X = B$; NaN for a singular matrix.
        info: 0, or the 1-based index of the first zero pivot (int32, one per matrix of ``A``).
    """

    result: Tensor
    info: Tensor


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    r"""``linalg.solve`` with a status code instead of an error for a singular matrix.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        B: the right-hand sides, as in ``linalg.solve``.
        left: solve $A X = B$ (True) or $X A = B$ (False).
        check_errors: raise ``LinAlgError`` on failure, as ``linalg.solve``.

    Returns:
        ``(result, info)``, a named pair.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.solve_ex(dn.eye(2), dn.ones(2)).result.tolist()
        [1.0, 1.0]
    """
    owner = "linalg.solve_ex"
    t = matrices(A, owner)
    info = pivots(t)
    failed = info != 0
    if failed.any() and _checks.flag(check_errors, "check_errors", owner):
        raise singular(t.array, "torch.linalg.solve", "The solver failed")
    if not failed.any():
        return SolveExResult(solve(t, B, left=left), leaf(info))
    safe, _ = failed_as_identity(t, failed)
    X = solve(safe, B, left=left)
    b_shape = np.shape(B.array if isinstance(B, Tensor) else B)
    vector = left and (len(b_shape) == 1 or (len(b_shape) == t.ndim - 1 and b_shape == t.shape[:-1]))
    batch = X.shape[: X.ndim - (1 if vector else 2)]  # A's batch axes, broadcast with B's
    return SolveExResult(_nan_where(np.broadcast_to(failed, batch), X), leaf(info))
