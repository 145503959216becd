r"""What the linear-algebra files share: ``LinAlgError``, the input checks and the batched
transpose $A^T$ of the last two axes.

``LinAlgError`` is PyTorch's ``torch.linalg.LinAlgError``: a ``RuntimeError`` raised when a
factorization cannot be completed (a matrix that is not positive-definite for ``cholesky``, a
singular one for ``inv`` and ``solve``). Its message says which batch element failed, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor
from deltanet.backend import resolve_dtype


class LinAlgError(RuntimeError):
    """A factorization or inversion that could not be completed (PyTorch's ``torch.linalg.LinAlgError``).

    A subclass of ``RuntimeError``, as PyTorch's, so ``except RuntimeError`` catches it too.

    Examples:
        >>> import deltanet as dn
        >>> try:
        ...     dn.linalg.cholesky(dn.tensor([[1.0, 2.0], [2.0, 1.0]]))
        ... except dn.linalg.LinAlgError as e:
        ...     print(str(e)[:60])
        linalg.cholesky: The factorization could not be completed be
    """


def T(a: np.ndarray) -> np.ndarray:
    """The batched transpose of the last two axes (a view)."""
    return np.swapaxes(a, -1, -2)


def floating(x: Any, owner: str, dtype: Any = None) -> Tensor:
    """``x`` as a floating-point tensor (converted to ``dtype`` first when given)."""
    t = _tensor(x)
    if dtype is not None:
        t = to_dtype(t, resolve_dtype(dtype, owner))
    if t.array.dtype.kind != "f":
        raise ValueError(
            f"{owner}: expects a floating-point tensor (as PyTorch), got dtype {t.dtype}; "
            "convert first, e.g. A.double()"
        )
    if t.array.dtype == np.float16:
        raise ValueError(f"{owner}: float16 is not supported by NumPy's linear algebra; use A.float() or A.double()")
    return t


def matrices(x: Any, owner: str, square: bool = True, name: str = "A") -> Tensor:
    """``x`` as a floating-point tensor of shape ``(*, m, n)`` (``m == n`` when ``square``)."""
    t = floating(x, owner)
    if t.ndim < 2:
        raise ValueError(f"{owner}: {name} must have at least 2 dimensions, got shape {t.shape}")
    if square and t.shape[-1] != t.shape[-2]:
        raise ValueError(
            f"{owner}: {name} must be batches of square matrices, but they are {t.shape[-2]} by {t.shape[-1]} matrices"
        )
    return t


def same_dtype(owner: str, A: Tensor, B: Tensor) -> None:
    """PyTorch's rule for the solvers: ``A`` and ``B`` of one dtype (no silent promotion)."""
    if A.dtype != B.dtype:
        raise ValueError(
            f"{owner}: Expected A and B to have the same dtype, but found A of type {A.dtype} and B of type "
            f"{B.dtype} instead; convert one, e.g. B.to(A.dtype)"
        )


def per_matrix(A: np.ndarray, works: Callable[[np.ndarray], bool]) -> int | None:
    """The index (in C order over the batch) of the first matrix of ``A`` for which ``works`` fails."""
    flat = A.reshape((-1, *A.shape[-2:]))
    for i, a in enumerate(flat):
        if not works(a):
            return i
    return None


def _try(fn: Callable[[np.ndarray], Any], a: np.ndarray) -> bool:
    try:
        fn(a)
    except np.linalg.LinAlgError:
        return False
    return True


def batch_prefix(A: np.ndarray, index: int | None) -> str:
    """PyTorch's ``(Batch element i): `` for a stack of matrices, nothing for one matrix."""
    return f"(Batch element {index}): " if A.ndim > 2 and index is not None else ""


def not_positive_definite(A: np.ndarray, owner: str) -> LinAlgError:
    """The error of a failed Cholesky factorization, naming the batch element and the order of
    the first leading minor that is not positive-definite (found by bisection on the leading
    blocks: a block is positive-definite exactly when its own factorization succeeds)."""
    index = per_matrix(A, lambda a: _try(np.linalg.cholesky, a))
    a = A.reshape((-1, *A.shape[-2:]))[index or 0]
    low, high = 0, a.shape[-1]  # the leading block of order `low` factorizes, of order `high` does not
    while high - low > 1:
        mid = (low + high) // 2
        if _try(np.linalg.cholesky, a[:mid, :mid]):
            low = mid
        else:
            high = mid
    return LinAlgError(
        f"{owner}: {batch_prefix(A, index)}The factorization could not be completed because the input is not "
        f"positive-definite (the leading minor of order {high} is not positive-definite)."
    )


def zero_pivot(a: np.ndarray) -> int:
    """The 1-based index of the first exactly-zero pivot of the LU factorization with partial
    pivoting of one matrix (LAPACK's ``getrf`` ``info``), 0 if there is none."""
    U = np.array(a, dtype=np.float64)
    n = U.shape[-1]
    first = 0
    for k in range(n):
        p = k + int(np.argmax(np.abs(U[k:, k])))
        if U[p, k] == 0:
            first = first or k + 1
            continue  # getrf goes on with the next column, as here
        U[[k, p]] = U[[p, k]]
        U[k + 1 :, k:] -= np.outer(U[k + 1 :, k] / U[k, k], U[k, k:])
    return first


def singular(A: np.ndarray, owner: str, what: str | None = None) -> LinAlgError:
    """The error of an inversion or a solve on a singular matrix (an exactly zero pivot), in
    PyTorch's words: with ``what`` None, those of ``inv`` (naming the zero diagonal element)."""
    index = per_matrix(A, lambda a: _try(np.linalg.inv, a))
    if what is None:
        a = A.reshape((-1, *A.shape[-2:]))[index or 0]
        what = f"The diagonal element {zero_pivot(a) or 1} is zero, the inversion could not be completed"
    return LinAlgError(f"{owner}: {batch_prefix(A, index)}{what} because the input matrix is singular.")


def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``g`` summed over the batch axes that broadcasting added to or expanded in ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape, strict=True)) if b == 1 and a != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g
