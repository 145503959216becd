r"""``linalg.tensorinv`` and ``linalg.tensorsolve``: ``inv`` and ``solve`` of a tensor read as a
matrix (its leading axes flattened into rows, the others into columns), reshaped back; their
gradients are those of ``inv`` and ``solve``.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.linalg.common import floating
from deltanet.autograd.linalg.solvers import inv, solve
from deltanet.autograd.tensor import Tensor


def tensorinv(A: Any, ind: int = 2) -> Tensor:
    r"""The inverse of a tensor for ``tensordot``: $X$ of shape ``A.shape[ind:] + A.shape[:ind]``
    with ``tensordot(A, X, ind)`` the identity, i.e. ``inv(A.reshape(p, q))`` reshaped
    ($p$ the product of the first ``ind`` sizes, $q = p$ that of the rest).

    Args:
        A: a floating-point tensor.
        ind: how many leading axes make the rows, $\ge 1$.

    Raises:
        RuntimeError: ``ind`` is not positive, or the two products differ.
        LinAlgError: the matrix is singular.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.tensorinv(dn.tensor([[2.0, 0.0], [0.0, 4.0]]), ind=1).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    owner = "linalg.tensorinv"
    t = floating(A, owner)
    ind = _checks.integer(ind, "ind", owner)
    if ind <= 0:
        raise RuntimeError(f"{owner}: Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = t.shape[:ind], t.shape[ind:]
    p, q = math.prod(rows), math.prod(cols)
    if p != q:
        raise RuntimeError(
            f"{owner}: Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
            f"but got {q} != {p}"
        )
    return inv(t.reshape(p, q)).reshape(*cols, *rows)


def tensorsolve(A: Any, B: Any, dims: Any = None) -> Tensor:
    r"""The solution $X$ of ``tensordot(A, X, X.ndim) == B``: $X$ has shape ``A.shape[B.ndim:]``
    (after ``dims`` of ``A`` are moved to the end), found by ``solve`` on ``A`` read as a matrix.

    Args:
        A: a floating-point tensor whose leading sizes multiply to ``B.numel()``.
        B: the right-hand side, of ``A``'s dtype.
        dims: axes of ``A`` moved to the end first (None: none).

    Raises:
        RuntimeError: the products of sizes differ.
        ValueError: ``A`` and ``B`` of different dtypes.
        LinAlgError: the matrix is singular.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.tensorsolve(dn.tensor([[2.0, 0.0], [0.0, 4.0]]), dn.tensor([2.0, 2.0])).tolist()
        [1.0, 0.5]
    """
    owner = "linalg.tensorsolve"
    a = floating(A, owner)
    b = floating(B, owner)
    if dims is not None:
        given = (dims,) if _checks.is_integer(dims) else tuple(dims)
        moved = [normalize(_checks.integer(d, "dims", owner), a.ndim, owner) for d in given]
        order = [d for d in range(a.ndim) if d not in moved] + moved
        a = a.permute(*order)
    rows, cols = a.shape[: b.ndim], a.shape[b.ndim :]
    p, q = math.prod(rows), math.prod(cols)
    if p != q:
        raise RuntimeError(
            f"{owner}: Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {q} != {p}"
        )
    return solve(a.reshape(p, q), b.reshape(p)).reshape(*cols)
