r"""Linear systems: ``inv``, ``solve``, ``solve_triangular``, ``cholesky_solve``, ``cholesky_inverse``
and the older ``triangular_solve``.

For $X = A^{-1} B$ (Giles 2008, section 2.2.3): $\bar B = A^{-T} \bar X$ and
$\bar A = -\bar B X^T$; for $Z = A^{-1}$: $\bar A = -Z^T \bar Z Z^T$. A triangular solve reads
only its triangle of $A$, so its $\bar A$ is that triangle of $-\bar B X^T$.
Batch axes broadcast as in PyTorch; a gradient is summed back over the axes that broadcasting added.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.factories import eye
from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, floating, matrices, same_dtype, singular, sum_to
from deltanet.autograd.tensor import Tensor


class Inv(Function):
    r"""$Z = A^{-1}$ per matrix; $\bar A = -Z^T \bar Z Z^T$."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        try:
            Z = np.linalg.inv(A)
        except np.linalg.LinAlgError:
            raise singular(A, "linalg.inv") from None
        self.save_for_backward(Z)
        return Z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (Z,) = self.saved_tensors
        return -(T(Z) @ delta @ T(Z))


def _broadcast(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:])


class Solve(Function):
    r"""$X = A^{-1} B$ for square $A$ and a matrix of right-hand sides $B$;
    $\bar B = A^{-T} \bar X$, $\bar A = -\bar B X^T$."""

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        A_b, B_b = _broadcast(A, B)
        try:
            X = np.linalg.solve(A_b, B_b)
        except np.linalg.LinAlgError:
            raise singular(A_b, "torch.linalg.solve", "The solver failed") from None
        self.save_for_backward(A_b, X)
        self.shapes = A.shape, B.shape
        return X.astype(np.result_type(A, B), copy=False)

    def backward(self, delta: np.ndarray) -> tuple:
        A, X = self.saved_tensors
        G = np.linalg.solve(T(A), delta)
        grad_A = sum_to(-(G @ T(X)), self.shapes[0]) if self.needs_input_grad[0] else None
        grad_B = sum_to(G, self.shapes[1]) if self.needs_input_grad[1] else None
        return grad_A, grad_B


class SolveTriangular(Function):
    r"""$X = A^{-1} B$ where only the upper (or lower) triangle of $A$ is read (with ones on the
    diagonal when ``unitriangular``); $\bar B = A^{-T} \bar X$, $\bar A$ = that triangle of $-\bar B X^T$."""

    def forward(self, A: np.ndarray, B: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
        A_b, B_b = _broadcast(A, B)
        n = A.shape[-1]
        self.keep = np.triu(np.ones((n, n), dtype=bool), 1 if unitriangular else 0)
        if not upper:
            self.keep = self.keep.T
        tri = np.where(self.keep, A_b, np.eye(n, dtype=A.dtype) if unitriangular else 0.0).astype(A.dtype)
        try:
            X = np.linalg.solve(tri, B_b)
        except np.linalg.LinAlgError:
            raise singular(tri, "linalg.solve_triangular", "The solver failed") from None
        self.save_for_backward(tri, X)
        self.shapes = A.shape, B.shape
        return X.astype(np.result_type(A, B), copy=False)

    def backward(self, delta: np.ndarray) -> tuple:
        tri, X = self.saved_tensors
        G = np.linalg.solve(T(tri), delta)
        grad_A = sum_to(np.where(self.keep, -(G @ T(X)), 0.0), self.shapes[0]) if self.needs_input_grad[0] else None
        grad_B = sum_to(G, self.shapes[1]) if self.needs_input_grad[1] else None
        return grad_A, grad_B


def inv(A: Any) -> Tensor:
    r"""The inverse $A^{-1}$ of a square matrix (or of each matrix of a stack).

    To solve $A X = B$, ``linalg.solve(A, B)`` is faster and more accurate than ``inv(A) @ B``.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.

    Raises:
        LinAlgError: a matrix is singular (exactly: a zero pivot), as PyTorch.
        ValueError: ``A`` is not floating-point, or its last two axes are not square.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.inv(dn.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    return Inv.apply(matrices(A, "linalg.inv"))


def inverse(input: Any) -> Tensor:
    r"""The inverse $A^{-1}$: PyTorch's older name of ``linalg.inv`` (also ``A.inverse()``).

    Args:
        input: a floating-point tensor of shape $(*, n, n)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.inverse(dn.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    return Inv.apply(matrices(input, "inverse"))


def _rhs(A: Tensor, B: Any, owner: str) -> tuple[Tensor, bool]:
    """``B`` as a stack of matrices, and whether it was a (batch of) vector(s), by PyTorch's rule:
    1-D, or one dimension fewer than ``A`` with ``A``'s shape but the last."""
    b = _as_float(B, owner)
    same_dtype(owner, A, b)
    vector = b.ndim == 1 or (b.ndim == A.ndim - 1 and b.shape == A.shape[:-1])
    if vector:
        b = b.unsqueeze(-1)
    if b.shape[-2] != A.shape[-1]:
        raise ValueError(
            f"{owner}: incompatible shapes of A and B for the equation AX = B ({A.shape[-2]}x{A.shape[-1]} and "
            f"{b.shape[-2]}x{b.shape[-1]}), got A {A.shape} and B {tuple(B.shape)}"
        )
    try:
        np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{owner}: the batch dimensions of A {A.shape} and B {b.shape} do not broadcast") from None
    return b, vector


def _as_float(B: Any, owner: str) -> Tensor:
    b = floating(B, owner)
    if b.ndim < 1:
        raise ValueError(f"{owner}: B must have at least 1 dimension, got shape {b.shape}")
    return b


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    r"""The solution $X$ of $A X = B$ (or of $X A = B$ with ``left=False``) for a square, invertible $A$.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        B: the right-hand sides: $(*, n, k)$, or a vector $(n,)$ / a batch of vectors $(*, n)$
            (PyTorch's rule: 1-D, or ``A``'s shape without its last axis); batch axes broadcast.
        left: solve $A X = B$ (True) or $X A = B$ (False).

    Raises:
        LinAlgError: a matrix of ``A`` is singular.
        ValueError: non-floating or non-square input, or shapes that do not fit.

    Shape:
        - output: the shape of ``B`` (with the batch axes broadcast).

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.solve(dn.tensor([[3.0, 1.0], [1.0, 2.0]]), dn.tensor([9.0, 8.0])).tolist()
        [2.0, 3.0]
    """
    owner = "torch.linalg.solve"
    a = matrices(A, owner)
    left = _checks.flag(left, "left", owner)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        b = _as_float(B, owner)
        if b.ndim < 2:
            raise ValueError(f"{owner}: with left=False, B must be a matrix (*, k, n), got shape {b.shape}")
        return solve(a.mT, b.mT).mT
    b, vector = _rhs(a, B, owner)
    X = Solve.apply(a, b)
    return X.squeeze(-1) if vector else X


def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    r"""The solution $X$ of $A X = B$ (or $X A = B$) for a triangular $A$: only its upper (or lower)
    triangle is read, the rest is ignored.

    Unlike PyTorch, which returns infinities, a zero on the diagonal raises ``LinAlgError``.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.
        B: the right-hand sides, a tensor of shape $(*, n, k)$ ($(*, k, n)$ with ``left=False``).
        upper: read the upper triangle of ``A`` (True) or the lower one (False); required, as in PyTorch.
        left: solve $A X = B$ (True) or $X A = B$ (False).
        unitriangular: take the diagonal of ``A`` as ones (it is not read).

    Raises:
        LinAlgError: a zero on the diagonal.
        ValueError: non-floating input, a non-square ``A``, a ``B`` that is not a matrix, or shapes that do not fit.

    Examples:
        >>> import deltanet as dn
        >>> L = dn.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> dn.linalg.solve_triangular(L, dn.tensor([[4.0], [5.0]]), upper=False).tolist()
        [[2.0], [3.0]]
    """
    owner = "linalg.solve_triangular"
    a = matrices(A, owner)
    b = matrices(B, owner, square=False, name="B")
    upper = _checks.flag(upper, "upper", owner)
    unit = _checks.flag(unitriangular, "unitriangular", owner)
    if not _checks.flag(left, "left", owner):
        return solve_triangular(a.mT, b.mT, upper=not upper, unitriangular=unit).mT
    b, _ = _rhs(a, b, owner)
    return SolveTriangular.apply(a, b, upper=upper, unitriangular=unit)


def cholesky_solve(input: Any, input2: Any, upper: bool = False) -> Tensor:
    r"""The solution $X$ of $A X = B$ from the Cholesky factor of $A = L L^T$ (or $A = U^T U$):
    two triangular solves, $L Y = B$ then $L^T X = Y$.

    Args:
        input: $B$, a tensor of shape $(*, n, k)$.
        input2: the factor $L$ (lower) or $U$ (upper) of shape $(*, n, n)$, from ``linalg.cholesky``.
        upper: whether ``input2`` is the upper factor $U$.

    Raises:
        LinAlgError: a zero on the factor's diagonal.
        ValueError: non-floating input, or shapes that do not fit.

    Examples:
        >>> import deltanet as dn
        >>> A = dn.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> dn.cholesky_solve(dn.tensor([[6.0], [5.0]]), dn.linalg.cholesky(A)).tolist()
        [[1.0], [1.0]]
    """
    owner = "cholesky_solve"
    factor = matrices(input2, owner, name="input2")
    upper = _checks.flag(upper, "upper", owner)
    lower = factor.mT if upper else factor
    Y = solve_triangular(lower, input, upper=False)
    return solve_triangular(lower.mT, Y, upper=True)


def cholesky_inverse(input: Any, upper: bool = False) -> Tensor:
    r"""The inverse $A^{-1}$ of $A = L L^T$ (or $U^T U$) from its Cholesky factor.

    Args:
        input: the factor $L$ (or $U$), a tensor of shape $(*, n, n)$.
        upper: whether ``input`` is the upper factor $U$.

    Examples:
        >>> import deltanet as dn
        >>> dn.cholesky_inverse(dn.tensor([[2.0, 0.0], [0.0, 1.0]])).tolist()
        [[0.25, 0.0], [0.0, 1.0]]
    """
    factor = matrices(input, "cholesky_inverse")
    identity = eye(factor.shape[-1], dtype=factor.dtype)
    return cholesky_solve(identity, factor, upper)


class TriangularSolveResult(NamedTuple):
    """What the older ``torch.triangular_solve`` returns (``torch.return_types.triangular_solve``).

    Attributes:
        solution: $X$ with $A X = B$ (or $A^T X = B$).
        cloned_coefficient: a copy of $A$.
    """

    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(
    b: Any, A: Any, upper: bool = True, transpose: bool = False, unitriangular: bool = False
) -> TriangularSolveResult:
    r"""PyTorch's older ``torch.triangular_solve(b, A)`` (also ``b.triangular_solve(A)``): $X$ with
    $A X = b$ (or $A^T X = b$ with ``transpose``), for a triangular $A$; ``linalg.solve_triangular``
    is its newer form (note the order of the arguments and ``upper=True`` by default here).

    Args:
        b: the right-hand sides, $(*, n, k)$.
        A: the triangular matrix, $(*, n, n)$.
        upper: read the upper triangle of ``A`` (True) or the lower one.
        transpose: solve with $A^T$.
        unitriangular: take the diagonal of ``A`` as ones.

    Returns:
        ``(solution, cloned_coefficient)``, a named pair.

    Examples:
        >>> import deltanet as dn
        >>> dn.triangular_solve(dn.tensor([[2.0], [2.0]]), dn.tensor([[1.0, 1.0], [0.0, 2.0]])).solution.tolist()
        [[1.0], [1.0]]
    """
    owner = "triangular_solve"
    a = matrices(A, owner)
    upper = _checks.flag(upper, "upper", owner)
    if _checks.flag(transpose, "transpose", owner):
        a, upper = a.mT, not upper
    X = solve_triangular(a, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(X, matrices(A, owner).clone())
