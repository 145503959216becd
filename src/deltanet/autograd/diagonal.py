r"""The diagonal of a matrix, or a matrix from its diagonal, with PyTorch's name: ``diag``.

Both directions pick elements by index with the ``GetItem`` primitive (a vector becomes a matrix
by picking from the vector with one zero appended), so the gradient goes back to the elements
that were picked and no new gradient rule is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.shapes import GetItem, cat
from deltanet.autograd.tensor import Tensor, leaf


def diag(input: Any, diagonal: int = 0) -> Tensor:
    r"""The ``diagonal``-th diagonal of a matrix, or a square matrix with a vector on that diagonal.

    For a matrix $A$, the result is the vector $(A_{i, i+k})_i$ with $k$ = ``diagonal`` (above the
    main diagonal for $k > 0$, below it for $k < 0$; empty when the diagonal lies outside $A$).
    For a vector $v$ of $n$ elements, the result is the $(n + |k|) \times (n + |k|)$ matrix with
    $v$ on its $k$-th diagonal and zeros elsewhere. Differentiable in both directions.

    Args:
        input: a 1-D or 2-D tensor.
        diagonal: which diagonal: 0 the main one, $k > 0$ above it, $k < 0$ below it.

    Returns:
        A 1-D tensor (from a matrix) or a 2-D tensor (from a vector), of ``input``'s dtype.

    Raises:
        ValueError: ``input`` is not 1-D or 2-D.
        TypeError: ``diagonal`` is not an integer.

    Examples:
        >>> import deltanet as dn
        >>> confusion = dn.tensor([[5, 1], [2, 7]])
        >>> dn.diag(confusion).tolist(), confusion.diag().sum().item()
        ([5, 7], 12)
        >>> dn.diag(dn.tensor([1.0, 2.0])).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
        >>> dn.diag(dn.tensor([[1, 2, 3], [4, 5, 6]]), 1).tolist()
        [2, 6]
    """
    if isinstance(diagonal, bool) or not check.is_integer(diagonal):
        raise TypeError(f"diag: diagonal must be an integer, got {diagonal!r}")
    k = int(diagonal)
    x = _tensor(input)
    if x.ndim == 2:
        rows, cols = x.shape
        start_row, start_col = max(-k, 0), max(k, 0)
        n = max(min(rows - start_row, cols - start_col), 0)
        steps = np.arange(n)
        return GetItem.apply(x, index=(steps + start_row, steps + start_col))
    if x.ndim == 1:
        n = x.shape[0]
        size = n + abs(k)
        # Every position points at the zero appended after v, except those on the k-th diagonal.
        index = np.full((size, size), n, dtype=np.intp)
        steps = np.arange(n)
        index[steps + max(-k, 0), steps + max(k, 0)] = steps
        padded = cat([x, leaf(np.zeros(1, dtype=x.data.dtype))])
        return GetItem.apply(padded, index=index)
    raise ValueError(f"diag: input must be a 1-D or 2-D tensor, got {x.ndim}-D of shape {x.shape}")
