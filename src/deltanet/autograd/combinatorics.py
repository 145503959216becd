r"""Index sets and products of sets: ``tril_indices``/``triu_indices`` (the positions of a
triangle), ``cartesian_prod`` (every tuple of one element from each input) and ``combinations``
(every subset of $r$ elements, in order), the last two built on indexing (so differentiable).

The lower triangle of an $m \times n$ matrix with offset $k$ is $\{(i, j) : j \le i + k\}$, listed
row by row.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from deltanet import _checks, backend
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import _dtype
from deltanet.autograd.grids import meshgrid
from deltanet.autograd.shapes import GetItem, reshape, stack
from deltanet.autograd.tensor import Tensor, leaf


def _triangle(row: Any, col: Any, offset: Any, dtype: Any, device: Any, lower: bool, owner: str) -> Tensor:
    backend.check_device(device)
    m = _checks.integer(row, "row", owner, low=0)
    n = _checks.integer(col, "col", owner, low=0)
    k = _checks.integer(offset, "offset", owner)
    kind = _dtype(dtype, owner, backend.INDEX_DTYPE)
    if kind.kind not in "iu":
        raise ValueError(f"{owner}: dtype must be an integer dtype, got {kind}")
    i, j = np.tril_indices(m, k, n) if lower else np.triu_indices(m, k, n)
    return leaf(np.stack([i, j]).astype(kind))


def tril_indices(row: Any, col: Any, offset: Any = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    r"""The positions $(i, j)$ with $j \le i + k$ of a ``row`` $\times$ ``col`` matrix, row by row,
    as a $(2, n)$ tensor (row indices, then column indices).

    Args:
        row: the number of rows.
        col: the number of columns.
        offset: $k$: 0 includes the main diagonal, $k > 0$ diagonals above it, $k < 0$ excludes some below.
        dtype: an integer dtype (int64 by default).
        device: only ``"cpu"`` (or None).

    Examples:
        >>> import deltanet as dn
        >>> dn.tril_indices(3, 3).tolist()
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _triangle(row, col, offset, dtype, device, True, "tril_indices")


def triu_indices(row: Any, col: Any, offset: Any = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    r"""The positions $(i, j)$ with $j \ge i + k$ of a ``row`` $\times$ ``col`` matrix, row by row,
    as a $(2, n)$ tensor (``x[tuple(dn.triu_indices(n, n, 1))]`` is the strict upper triangle).

    Args:
        row: the number of rows.
        col: the number of columns.
        offset: $k$: 0 includes the main diagonal, $k > 0$ starts above it.
        dtype: an integer dtype (int64 by default).
        device: only ``"cpu"`` (or None).

    Examples:
        >>> import deltanet as dn
        >>> dn.triu_indices(3, 3, 1).tolist()
        [[0, 0, 1], [1, 2, 2]]
    """
    return _triangle(row, col, offset, dtype, device, False, "triu_indices")


def cartesian_prod(*tensors: Any) -> Tensor:
    r"""Every tuple $(a_i, b_j, \dots)$ of one element from each 1-D tensor, in row-major order, one
    per row (``itertools.product``); a single tensor is returned as it is.

    Args:
        tensors: 1-D tensors of one dtype.

    Raises:
        ValueError: no tensor, a tensor that is not 1-D, or different dtypes.

    Examples:
        >>> import deltanet as dn
        >>> dn.cartesian_prod(dn.tensor([1, 2]), dn.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("cartesian_prod: needs at least one tensor")
    if any(t.ndim != 1 for t in ts):
        raise ValueError(f"cartesian_prod: every tensor must be 1-D, got shapes {[t.shape for t in ts]}")
    if len({t.dtype for t in ts}) > 1:
        raise ValueError(f"cartesian_prod: the tensors must have one dtype, got {[str(t.dtype) for t in ts]}")
    if len(ts) == 1:
        return ts[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*ts, indexing="ij")], dim=1)


def combinations(input: Any, r: Any = 2, with_replacement: Any = False) -> Tensor:
    r"""Every subset of ``r`` elements of a 1-D tensor, in order, one per row
    (``itertools.combinations``, or ``combinations_with_replacement``): $\binom{n}{r}$ rows.

    Args:
        input: a 1-D tensor.
        r: the size of each subset (non-negative).
        with_replacement: allow an element to appear several times in one subset.

    Raises:
        ValueError: ``input`` is not 1-D, or ``r`` is negative.

    Examples:
        >>> import deltanet as dn
        >>> dn.combinations(dn.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    x = _tensor(input)
    if x.ndim != 1:
        raise ValueError(f"combinations: input must be 1-D, got shape {x.shape}")
    r = _checks.integer(r, "r", "combinations", low=0)
    pick = (
        itertools.combinations_with_replacement
        if _checks.flag(with_replacement, "with_replacement")
        else itertools.combinations
    )
    if r == 0:
        return GetItem.apply(x, index=(np.zeros(0, dtype=backend.INDEX_DTYPE),))
    rows = np.array(list(pick(range(x.shape[0]), r)), dtype=backend.INDEX_DTYPE).reshape(-1, r)
    return GetItem.apply(x, index=(rows,))
