r"""Picking elements by computed positions: ``take_along_dim`` (``gather`` with broadcasting, the
partner of ``topk``/``argsort`` indices), ``take`` (positions in the flattened tensor), ``argwhere``
and ``Tensor.where``.

``take_along_dim(x, idx, dim=1)`` is $z_{ij} = x_{i, \text{idx}_{ij}}$, the other axes of ``x``
and ``idx`` broadcast; its gradient scatters $\delta$ back, adding where a position repeats.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor, nonzero, where
from deltanet.autograd.shapes import GetItem, expand, gather, reshape
from deltanet.autograd.tensor import Tensor


def _indices(indices: Any, owner: str) -> Tensor:
    idx = _tensor(indices)
    if idx.array.dtype.kind not in "iu":
        raise ValueError(f"{owner}: indices must be an integer tensor, got dtype {idx.dtype}")
    return idx


def take_along_dim(input: Any, indices: Any, dim: Any = None) -> Tensor:
    r"""The elements of ``input`` at ``indices`` along ``dim`` (``numpy.take_along_axis``), the other
    axes broadcast: ``x.take_along_dim(x.argsort(dim=1), dim=1)`` sorts each row. With ``dim=None``,
    both are flattened first.

    Args:
        input: a tensor.
        indices: an integer tensor with as many axes as ``input`` (any shape when ``dim`` is None).
        dim: the axis to pick along; None picks from the flattened ``input``.

    Raises:
        ValueError: non-integer indices, different numbers of axes, or shapes that do not
            broadcast off ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
        >>> x.take_along_dim(x.argsort(dim=1), dim=1).tolist()
        [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]
    """
    x, idx = _tensor(input), _indices(indices, "take_along_dim")
    if dim is None:
        return gather(reshape(x, (-1,)), 0, reshape(idx, (-1,)))
    d = normalize(_checks.integer(dim, "dim", "take_along_dim"), x.ndim, "take_along_dim")
    if idx.ndim != x.ndim:
        raise ValueError(
            f"take_along_dim: input and indices must have the same number of dimensions, got {x.shape} and {idx.shape}"
        )
    try:
        common = list(
            np.broadcast_shapes(*[tuple(1 if k == d else n for k, n in enumerate(s)) for s in (x.shape, idx.shape)])
        )
    except ValueError:
        raise ValueError(
            f"take_along_dim: input {x.shape} and indices {idx.shape} do not broadcast off dim {d}"
        ) from None
    x_shape, idx_shape = list(common), list(common)
    x_shape[d], idx_shape[d] = x.shape[d], idx.shape[d]
    positions = expand(idx, tuple(idx_shape)).array
    n = x.shape[d]
    if positions.size and positions.min() < 0:  # PyTorch counts -1 from the end here (gather refuses it)
        positions = np.where((positions < 0) & (positions >= -n), positions + n, positions)
    return gather(expand(x, tuple(x_shape)), d, positions)


def take(input: Any, index: Any) -> Tensor:
    r"""The elements of ``input`` at positions ``index`` of its flattened (row-major) form, in the
    shape of ``index``: $z_i = \text{vec}(x)_{\text{index}_i}$; negative positions count from the end.

    Args:
        input: a tensor.
        index: an integer tensor of positions.

    Raises:
        ValueError: non-integer positions, or a position out of range.

    Examples:
        >>> import deltanet as dn
        >>> dn.take(dn.tensor([[1, 2], [3, 4]]), dn.tensor([0, -1])).tolist()
        [1, 4]
    """
    x, idx = _tensor(input), _indices(index, "take")
    n = x.numel()
    positions = idx.array
    if positions.size and (positions.min() < -n or positions.max() >= n):
        raise ValueError(f"take: index out of range for a tensor of {n} elements, got {idx.tolist()}")
    return GetItem.apply(x, index=np.unravel_index(np.where(positions < 0, positions + n, positions), x.shape))


def argwhere(input: Any) -> Tensor:
    r"""The indices of the nonzero (True) elements, one row per element: an int64 tensor of shape
    $(n, \text{ndim})$ (``nonzero()``).

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.argwhere(dn.tensor([[0, 1], [2, 0]])).tolist()
        [[0, 1], [1, 0]]
    """
    return nonzero(_tensor(input))


def where_method(self: Tensor, condition: Any, y: Any) -> Tensor:
    r"""``self`` where ``condition`` holds and ``y`` elsewhere: ``x.where(c, y)`` is ``dn.where(c, x, y)``.

    Args:
        condition: a bool tensor that broadcasts with ``self``.
        y: a tensor or a number, taken where ``condition`` is False.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([-1.0, 2.0])
        >>> x.where(x > 0, 0.0).tolist()
        [0.0, 2.0]
    """
    return where(condition, self, y)
