r"""Tensors built around a diagonal: ``diag_embed`` (a batch of vectors as a batch of diagonal
matrices) and ``diagflat`` (any tensor, flattened, as one diagonal matrix).

``diag_embed`` of $v \in \mathbb{R}^{\dots \times n}$ is $Z_{\dots, i, i + k} = v_{\dots, i}$ and 0
elsewhere; its gradient is $\delta$'s diagonal $k$. Both are built from ``zeros`` and an item
assignment, so they are differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.arranging import diag
from deltanet.autograd.broadcasting import movedim
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import zeros
from deltanet.autograd.shapes import reshape
from deltanet.autograd.tensor import Tensor


def diag_embed(input: Any, offset: Any = 0, dim1: Any = -2, dim2: Any = -1) -> Tensor:
    r"""The last axis of ``input`` laid on diagonal ``offset`` of new square matrices in the axes
    ``dim1`` and ``dim2`` of the result: $Z_{\dots, i, i + k} = v_{\dots, i}$, zeros elsewhere.

    Args:
        input: a tensor of at least one axis; its last axis holds the diagonals.
        offset: $k$: 0 the main diagonal, above it for $k > 0$, below for $k < 0$.
        dim1: the axis of the result that indexes the matrices' rows.
        dim2: the axis that indexes their columns (different from ``dim1``).

    Raises:
        ValueError: a 0-d input, or ``dim1`` and ``dim2`` naming the same axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.diag_embed(dn.tensor([[1.0, 2.0], [3.0, 4.0]]))[1].tolist()
        [[3.0, 0.0], [0.0, 4.0]]
    """
    x = _tensor(input)
    k = _checks.integer(offset, "offset", "diag_embed")
    if x.ndim == 0:
        raise ValueError("diag_embed: needs a tensor of at least 1 dimension, got a 0-d tensor")
    ndim = x.ndim + 1
    d1 = normalize(_checks.integer(dim1, "dim1", "diag_embed"), ndim, "diag_embed")
    d2 = normalize(_checks.integer(dim2, "dim2", "diag_embed"), ndim, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must be different axes, got {dim1} and {dim2}")
    n = x.shape[-1]
    m = n + abs(k)
    rows = np.arange(n) + max(0, -k)
    z = zeros(*x.shape[:-1], m, m, dtype=x.dtype)
    z[..., rows, rows + k] = x
    return movedim(z, (-2, -1), (d1, d2))


def diagflat(input: Any, offset: Any = 0) -> Tensor:
    r"""The elements of ``input``, flattened, on diagonal ``offset`` of a square matrix (zeros
    elsewhere).

    Args:
        input: a tensor.
        offset: $k$: 0 the main diagonal, above it for $k > 0$, below for $k < 0$.

    Examples:
        >>> import deltanet as dn
        >>> dn.diagflat(dn.tensor([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return diag(reshape(_tensor(input), (-1,)), offset)
