r"""The pseudo-inverse and what is built on it: ``pinv``, ``lstsq``, ``matrix_rank``, ``cond``, and
``matrix_power``.

For $X = A^+$ of constant rank (Golub and Pereyra 1973):
$\bar A = -X^T \bar X X^T + (I - A X) \bar X^T X X^T + X^T X \bar X^T (I - X A)$.
``lstsq``'s solution is $A^+ B$, the least-squares solution of minimum norm, as PyTorch's
default driver ``gelsy`` gives for full-rank and rank-deficient $A$ alike.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.elementwise import _tensor, matmul, where
from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, floating, matrices, same_dtype
from deltanet.autograd.linalg.decompositions import svdvals
from deltanet.autograd.linalg.norms import matrix_norm
from deltanet.autograd.linalg.solvers import inv
from deltanet.autograd.linalg.status import failed_as_identity, pivots
from deltanet.autograd.matrices import tril
from deltanet.autograd.tensor import Tensor, leaf


def _cutoff(s: np.ndarray, m: int, n: int, atol: Any, rtol: Any) -> np.ndarray:
    r"""PyTorch's threshold $\max(\text{atol}, \text{rtol} \cdot \sigma_1)$; ``rtol`` defaults to
    $\varepsilon \max(m, n)$, or to 0 when only ``atol`` (> 0) is given."""
    a = 0.0 if atol is None else atol
    if rtol is None:
        rtol = np.finfo(s.dtype).eps * max(m, n) if atol is None or np.all(np.asarray(a) <= 0) else 0.0
    largest = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return np.maximum(np.asarray(a, dtype=s.dtype)[..., None], np.asarray(rtol, dtype=s.dtype)[..., None] * largest)


def _lower_symmetric(t: Tensor) -> Tensor:
    """The symmetric matrix of ``t``'s lower triangle: what ``hermitian=True`` reads, as PyTorch's."""
    return tril(t) + tril(t, -1).mT


def _tolerance(value: Any, name: str, owner: str) -> Any:
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.array
    return _checks.number(value, name, owner, low=0.0)


class Pinv(Function):
    r"""$X = A^+$: $V \Sigma^+ U^T$ with the singular values below the cutoff taken as 0."""

    def forward(self, A: np.ndarray, atol: Any, rtol: Any, hermitian: bool) -> np.ndarray:
        U, s, Vh = np.linalg.svd(A, full_matrices=False)
        keep = s > _cutoff(s, A.shape[-2], A.shape[-1], atol, rtol)
        s_inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(A.dtype)
        X = (T(Vh) * s_inv[..., None, :]) @ T(U)
        self.save_for_backward(A, X)
        return X

    def backward(self, delta: np.ndarray) -> np.ndarray:
        A, X = self.saved_tensors
        m, n = A.shape[-2:]
        P_row = np.eye(m, dtype=A.dtype) - A @ X  # I - A A^+, onto the complement of A's columns
        P_col = np.eye(n, dtype=A.dtype) - X @ A  # I - A^+ A
        Xt, Dt = T(X), T(delta)
        return -(Xt @ delta @ Xt) + P_row @ Dt @ X @ Xt + Xt @ X @ Dt @ P_col


def pinv(A: Any, rcond: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None) -> Tensor:
    r"""The Moore-Penrose pseudo-inverse $A^+ = V \Sigma^+ U^T$: singular values at most
    $\max(\text{atol}, \text{rtol}\, \sigma_1)$ count as 0.

    Differentiable where the rank does not change under small perturbations (as PyTorch's).

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        rcond: PyTorch's older name of ``rtol``.
        hermitian: ``A`` is symmetric: only its lower triangle is read, as in PyTorch.
        atol: the absolute tolerance (default 0).
        rtol: the tolerance relative to the largest singular value (default $\varepsilon \max(m, n)$,
            0 when only a positive ``atol`` is given).

    Raises:
        ValueError: non-floating input, fewer than 2 dimensions, a negative tolerance, or both
            ``rcond`` and ``rtol``.

    Shape:
        - output: $(*, n, m)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.pinv(dn.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.0]]
    """
    owner = "linalg.pinv"
    t = matrices(A, owner, square=False)
    if rcond is not None and rtol is not None:
        raise ValueError(f"{owner}: give rtol or its older name rcond, not both")
    hermitian = _checks.flag(hermitian, "hermitian", owner)
    if hermitian:
        t = _lower_symmetric(matrices(t, owner))
    return Pinv.apply(
        t,
        atol=_tolerance(atol, "atol", owner),
        rtol=_tolerance(rtol if rcond is None else rcond, "rtol", owner),
        hermitian=hermitian,
    )


def pinverse(input: Any, rcond: Any = 1e-15) -> Tensor:
    r"""The pseudo-inverse $A^+$ with PyTorch's older name and default ``rcond`` (also ``A.pinverse()``).

    Args:
        input: a floating-point tensor of shape $(*, m, n)$.
        rcond: singular values at most ``rcond`` times the largest count as 0.

    Examples:
        >>> import deltanet as dn
        >>> dn.pinverse(dn.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    return pinv(input, rtol=rcond)


class LstsqResult(NamedTuple):
    """What ``linalg.lstsq`` returns, as PyTorch's ``torch.return_types.linalg_lstsq``.

    Attributes:
        solution: $X$ minimising $\\lVert A X - B \\rVert_F$ (of minimum norm), shape $(*, n, k)$.
        residuals: the squared residuals per column, for ``m > n`` and a full-rank ``A`` with the
            drivers ``gels``, ``gelsd`` and ``gelss``; empty otherwise (as PyTorch).
        rank: the rank of each matrix (int64; empty with the driver ``gels``).
        singular_values: for the drivers ``gelsd``/``gelss``; empty otherwise.
    """

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A: Any, B: Any, rcond: Any = None, *, driver: Any = None) -> LstsqResult:
    r"""The least-squares solution $X = \arg\min_X \lVert A X - B \rVert_F$ (of minimum norm when
    $A$ is rank-deficient), $X = A^+ B$; differentiable in ``A`` and ``B``.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        B: the right-hand sides, $(*, m, k)$ (batch axes broadcast), or a vector $(m,)$ / a batch
            of vectors $(*, m)$ (PyTorch's rule, as in ``solve``).
        rcond: singular values at most ``rcond`` times the largest count as 0 (default
            $\varepsilon \max(m, n)$).
        driver: ``None``/``"gelsy"`` (PyTorch's CPU default), ``"gels"``, ``"gelsd"`` or ``"gelss"``:
            the solution is the same; they differ in which other fields are filled, as in PyTorch.

    Returns:
        ``(solution, residuals, rank, singular_values)``, a named tuple.

    Raises:
        ValueError: non-floating input, shapes that do not fit, or an unknown ``driver``.

    Examples:
        >>> import deltanet as dn
        >>> A = dn.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
        >>> [round(v, 4) for v in dn.linalg.lstsq(A, dn.tensor([[1.0], [2.0], [3.0]])).solution.flatten().tolist()]
        [1.0, 1.0]
    """
    owner = "linalg.lstsq"
    a = matrices(A, owner, square=False)
    b = floating(B, owner)
    same_dtype(owner, a, b)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])  # PyTorch's rule
    if vector:
        b = b.unsqueeze(-1)
    driver = _checks.one_of("gelsy" if driver is None else driver, "driver", ("gels", "gelsy", "gelsd", "gelss"), owner)
    if b.shape[-2] != a.shape[-2]:
        raise ValueError(f"{owner}: A and B must have the same number of rows, got A {a.shape} and B {b.shape}")
    X = matmul(pinv(a, rtol=rcond), b)
    solution = X.squeeze(-1) if vector else X
    s = np.linalg.svd(a.array, compute_uv=False)
    m, n = a.shape[-2:]
    rank = np.sum(s > _cutoff(s, m, n, None, rcond), axis=-1).astype(np.int64)
    if driver == "gelsy" and rcond is not None and np.any(rank < min(m, n)):
        dropped = np.where(s > _cutoff(s, m, n, None, None), s, 0.0) * (s <= _cutoff(s, m, n, None, rcond))
        if np.any(dropped > 0):  # values above rounding dropped: gelsy's rank-revealing QR differs
            raise ValueError(
                f"{owner}: rcond={rcond} drops singular values of A; PyTorch's default driver 'gelsy' then "
                "gives the solution of a rank-revealing QR factorization, which deltanet does not compute; "
                "pass driver='gelsd' (the truncated SVD's solution, which deltanet computes, as PyTorch's)"
            )
    empty = np.zeros((0,), dtype=a.dtype)
    full_rank = bool(np.all(rank == min(m, n)))
    residuals = empty
    if driver != "gelsy" and m > n and full_rank:
        residuals = np.sum((a.array @ X.array - b.array) ** 2, axis=-2)
    return LstsqResult(
        solution,
        leaf(np.asarray(residuals, dtype=a.dtype)),
        leaf(np.zeros((0,), np.int64) if driver == "gels" else rank),
        leaf(s.astype(a.dtype) if driver in ("gelsd", "gelss") else empty),
    )


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None) -> Tensor:
    r"""The rank: the number of singular values above $\max(\text{atol}, \text{rtol}\, \sigma_1)$ (int64).

    Args:
        A: a floating-point tensor of shape $(*, m, n)$.
        tol: PyTorch's older name of ``atol``.
        hermitian: ``A`` is symmetric: only its lower triangle is read, as in PyTorch.
        atol: the absolute tolerance (default 0).
        rtol: the relative tolerance (default $\varepsilon \max(m, n)$, 0 when only a positive ``atol`` is given).

    Raises:
        ValueError: non-floating input, fewer than 2 dimensions, or a negative tolerance.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.matrix_rank(dn.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
        1
    """
    owner = "linalg.matrix_rank"
    t = matrices(A, owner, square=False)
    if _checks.flag(hermitian, "hermitian", owner):
        t = _lower_symmetric(matrices(t, owner))
    absolute = _tolerance(atol if tol is None else tol, "atol", owner)
    s = np.linalg.svd(t.array, compute_uv=False)
    cut = _cutoff(s, t.shape[-2], t.shape[-1], absolute, _tolerance(rtol, "rtol", owner))
    return leaf(np.asarray(np.sum(s > cut, axis=-1), dtype=np.int64))


def cond(A: Any, p: Any = None) -> Tensor:
    r"""The condition number $\kappa(A) = \lVert A \rVert_p \lVert A^{-1} \rVert_p$; for $p$ = None or 2,
    $\sigma_1 / \sigma_n$ (any shape), for $-2$ its inverse.

    Args:
        A: a floating-point tensor of shape $(*, m, n)$ (square unless $p$ is None, 2 or -2).
        p: None, 2, -2, ``"fro"``, ``"nuc"``, 1, -1, ``inf`` or ``-inf``.

    Returns:
        $\kappa$ per matrix; ``inf`` for a singular matrix where ``p`` needs $A^{-1}$ (as PyTorch).

    Raises:
        ValueError: non-floating input, another ``p``, or a non-square ``A`` for a norm other than 2.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.cond(dn.tensor([[4.0, 0.0], [0.0, 0.5]])).item()
        8.0
    """
    owner = "linalg.cond"
    t = matrices(A, owner, square=False)
    if p in (None, 2, -2):
        s = svdvals(t)
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1.0 / ratio
    _checks.one_of(p, "p", ("fro", "nuc", 1, -1, float("inf"), float("-inf")), owner)
    t = matrices(t, owner)
    if p == "nuc":  # from the singular values, as PyTorch: (sum of sigma) (sum of 1 / sigma)
        s = svdvals(t)
        zero = leaf(s.array == 0)
        inverse = where(zero, leaf(np.array(np.inf, dtype=t.dtype)), 1.0 / where(zero, 1.0, s))
        with np.errstate(invalid="ignore"):  # a zero matrix: 0 times inf, NaN as in PyTorch
            return s.sum(-1) * inverse.sum(-1)
    failed = pivots(t) != 0
    if not failed.any():
        return matrix_norm(t, p) * matrix_norm(inv(t), p)
    safe, _ = failed_as_identity(t, failed)  # a singular matrix: an infinite condition number, below
    value = matrix_norm(t, p) * matrix_norm(inv(safe), p)
    return where(leaf(failed), leaf(np.array(np.inf, dtype=t.dtype)), value)


def matrix_power(A: Any, n: Any) -> Tensor:
    r"""$A^n$ for an integer $n$: repeated products (by squaring); $n = 0$ gives the identity and
    $n < 0$ the power of $A^{-1}$.

    Args:
        A: a tensor of shape $(*, k, k)$: floating-point, or integer for $n \ge 0$.
        n: the exponent, an integer.

    Raises:
        LinAlgError: $n < 0$ and a matrix is singular.
        ValueError: non-square input, or ``n`` is not an integer.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.matrix_power(dn.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
        [[1.0, 3.0], [0.0, 1.0]]
    """
    owner = "linalg.matrix_power"
    k = _checks.integer(n, "n", owner)
    t = _tensor(A)
    if not (k >= 0 and t.dtype.kind in "iu"):  # integer matrices have non-negative powers, as in PyTorch
        t = matrices(t, owner)
    elif t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(f"{owner}: A must be batches of square matrices, got shape {t.shape}")
    if k == 0:
        identity = np.broadcast_to(np.eye(t.shape[-1], dtype=t.dtype), t.shape)
        # the identity, with a zero gradient for A (NaN in A included, as PyTorch's)
        return where(leaf(np.zeros(t.shape, bool)), t, leaf(np.ascontiguousarray(identity)))
    base = inv(t) if k < 0 else t
    k = abs(k)
    result = None
    while k:
        if k & 1:
            result = base if result is None else matmul(result, base)
        k >>= 1
        if k:
            base = matmul(base, base)
    assert result is not None
    return result
