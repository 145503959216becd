r"""Writing values at computed positions, PyTorch's remaining forms: ``index_copy_``/``index_copy``
and ``index_fill_``/``index_fill`` (whole slices along one axis), ``put_``/``put`` (positions in
the flattened tensor) and ``fill_diagonal_``. Each is an item assignment (``t[index] = value``
of ``inplace.py``), so each is differentiable under the same in-place rules: the overwritten
elements receive no gradient, the written values receive $\delta$ at their positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.inplace import __setitem__ as set_item
from deltanet.autograd.inplace import index_put_
from deltanet.autograd.shapes import clone
from deltanet.autograd.tensor import Tensor


def _rows(self: Tensor, dim: Any, index: Any, owner: str) -> tuple[int, np.ndarray]:
    d = normalize(_checks.integer(dim, "dim", owner), max(self.ndim, 1), owner)
    idx = np.asarray(index.array if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise ValueError(
            f"{owner}: index must be a 0-d or 1-D integer tensor, got dtype {idx.dtype}, shape {idx.shape}"
        )
    length = self.shape[d] if self.ndim else 1
    if idx.size and (idx.min() < -length or idx.max() >= length):
        raise ValueError(f"{owner}: index {idx.tolist()} is out of range for dimension {d} of size {length}")
    return d, idx.reshape(-1)


def index_copy_(self: Tensor, dim: Any, index: Any, source: Any) -> Tensor:
    r"""In place: the slices of ``self`` at positions ``index`` along ``dim`` become ``source``'s
    slices, $x[\dots, \text{index}_i, \dots] = \text{source}[\dots, i, \dots]$.

    Args:
        dim: the axis.
        index: a 1-D integer tensor of positions along ``dim`` (repeated positions keep the last).
        source: a tensor of ``self``'s shape with ``len(index)`` along ``dim``.

    Raises:
        ValueError: ``index`` is not 1-D integers in range, or ``source`` has the wrong shape.
        IndexError: a position is negative (PyTorch's ``index_copy_`` counts none from the end).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3, 2).index_copy_(0, dn.tensor([2, 0]), dn.tensor([[1.0, 1.0], [2.0, 2.0]])).tolist()
        [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    """
    d, idx = _rows(self, dim, index, "index_copy_")
    if idx.size and idx.min() < 0:  # PyTorch's index_copy_ counts no position from the end (index_fill_ does)
        size = self.shape[d] if self.ndim else 1
        raise IndexError(f"index_copy_(): index {idx.min()} is out of bounds for dimension {d} with size {size}")
    src = _tensor(source)
    expected = self.shape[:d] + (idx.size,) + self.shape[d + 1 :] if self.ndim else (idx.size,)
    if src.shape != expected and not (self.ndim == 0 and src.ndim == 0):
        raise ValueError(f"index_copy_: source must have shape {expected}, got {src.shape}")
    if self.ndim == 0:
        set_item(self, (), src.reshape(()))
    else:
        set_item(self, (slice(None),) * d + (idx,), src)
    return self


def index_copy(input: Any, dim: Any, index: Any, source: Any) -> Tensor:
    r"""A copy of ``input`` with ``index_copy_(dim, index, source)`` applied.

    Args:
        input: a tensor.
        dim: the axis.
        index: a 1-D integer tensor of positions along ``dim``.
        source: a tensor of ``input``'s shape with ``len(index)`` along ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.index_copy(dn.zeros(3), 0, dn.tensor([1]), dn.tensor([5.0])).tolist()
        [0.0, 5.0, 0.0]
    """
    return index_copy_(clone(_tensor(input)), dim, index, source)


def index_fill_(self: Tensor, dim: Any, index: Any, value: Any) -> Tensor:
    r"""In place: the slices of ``self`` at positions ``index`` along ``dim`` filled with ``value``.

    Args:
        dim: the axis.
        index: a 1-D integer tensor of positions along ``dim``.
        value: a number or a 0-d tensor.

    Raises:
        ValueError: ``index`` is not 1-D integers in range, or ``value`` has more than one element.

    Examples:
        >>> import deltanet as dn
        >>> dn.ones(2, 3).index_fill_(1, dn.tensor([0, 2]), -1.0).tolist()
        [[-1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]]
    """
    d, idx = _rows(self, dim, index, "index_fill_")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"index_fill_: value must be a number or a 0-d tensor, got shape {value.shape}")
    if self.ndim == 0:
        set_item(self, (), value)
    else:
        set_item(self, (slice(None),) * d + (idx,), value)
    return self


def index_fill(input: Any, dim: Any, index: Any, value: Any) -> Tensor:
    r"""A copy of ``input`` with ``index_fill_(dim, index, value)`` applied.

    Args:
        input: a tensor.
        dim: the axis.
        index: a 1-D integer tensor of positions along ``dim``.
        value: a number or a 0-d tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.index_fill(dn.zeros(3), 0, dn.tensor([0]), 7.0).tolist()
        [7.0, 0.0, 0.0]
    """
    return index_fill_(clone(_tensor(input)), dim, index, value)


def put_(self: Tensor, index: Any, source: Any, accumulate: Any = False) -> Tensor:
    r"""In place: the elements at positions ``index`` of the flattened (row-major) ``self`` become
    ``source``'s elements, or receive them added with ``accumulate`` (repeated positions then sum).

    Args:
        index: an integer tensor of flat positions (negative ones count from the end).
        source: a tensor with as many elements as ``index``.
        accumulate: add instead of replacing.

    Raises:
        ValueError: non-integer or out-of-range positions, or a ``source`` of another size.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 2).put_(dn.tensor([0, 3]), dn.tensor([1.0, 2.0])).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    flat = np.asarray(index.array if isinstance(index, Tensor) else index)
    if flat.dtype.kind not in "iu":
        raise ValueError(f"put_: index must be an integer tensor, got dtype {flat.dtype}")
    n = self.numel()
    if flat.size and (flat.min() < -n or flat.max() >= n):
        raise ValueError(f"put_: index {flat.tolist()} is out of range for a tensor of {n} elements")
    src = _tensor(source)
    if src.numel() != flat.size:
        raise ValueError(f"put_: source must have as many elements as index ({flat.size}), got {src.numel()}")
    positions = np.unravel_index(np.where(flat < 0, flat + n, flat).reshape(-1), self.shape)
    return index_put_(self, tuple(positions), src.reshape(-1), accumulate=accumulate)


def put(input: Any, index: Any, source: Any, accumulate: Any = False) -> Tensor:
    r"""A copy of ``input`` with ``put_(index, source, accumulate)`` applied.

    Args:
        input: a tensor.
        index: an integer tensor of flat positions.
        source: a tensor with as many elements as ``index``.
        accumulate: add instead of replacing.

    Examples:
        >>> import deltanet as dn
        >>> dn.put(dn.zeros(3), dn.tensor([1, 1]), dn.tensor([1.0, 2.0]), accumulate=True).tolist()
        [0.0, 3.0, 0.0]
    """
    return put_(clone(_tensor(input)), index, source, accumulate)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: Any = False) -> Tensor:
    r"""In place: the main diagonal $x_{i i \dots i}$ filled with ``fill_value``. A tall matrix's
    diagonal ends at its last column, or, with ``wrap``, starts again every $n + 1$ rows
    (``numpy.fill_diagonal``).

    Args:
        fill_value: a number.
        wrap: for a tall 2-D matrix, continue the diagonal below the first square.

    Raises:
        ValueError: fewer than two axes, or more than two axes of different sizes.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3).fill_diagonal_(1.0).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    wrap = _checks.flag(wrap, "wrap", "fill_diagonal_")
    if self.ndim < 2:
        raise ValueError(f"fill_diagonal_: needs a tensor of at least 2 dimensions, got shape {self.shape}")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise ValueError(f"fill_diagonal_: all dimensions of a tensor with more than 2 must be equal, got {self.shape}")
    if isinstance(fill_value, Tensor) or not _checks.is_number(fill_value):
        raise ValueError(f"fill_diagonal_: fill_value must be a number, got {fill_value!r}")
    if self.ndim == 2:
        rows, cols = self.shape
        end = self.numel() if wrap else min(rows, cols) * cols
        positions = np.unravel_index(np.arange(0, end, cols + 1), self.shape)
    else:
        positions = (np.arange(self.shape[0]),) * self.ndim
    set_item(self, positions, fill_value)
    return self


def _masked_positions(self: Tensor, mask: Any, source: Any, owner: str, shape: tuple[int, ...]) -> tuple:
    """The broadcast boolean mask and ``source``'s first ``mask.sum()`` elements, checked as PyTorch."""
    if not isinstance(mask, Tensor) or not isinstance(source, Tensor):
        bad = "mask" if not isinstance(mask, Tensor) else "source"
        raise TypeError(f"{owner}: {bad} must be a Tensor, got {type(mask if bad == 'mask' else source).__name__}")
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{owner} only supports boolean masks, but got mask with dtype {mask.dtype}")
    if source.dtype != self.dtype:
        raise RuntimeError(
            f"{owner}: expected self and source to have same dtypes but got {self.dtype} and {source.dtype}"
        )
    try:
        m = np.broadcast_to(mask.array, shape)
    except ValueError:
        raise RuntimeError(f"{owner}: the mask of shape {mask.shape} does not broadcast to shape {shape}") from None
    count = int(np.count_nonzero(m))
    if source.numel() < count:
        raise RuntimeError(
            f"{owner}: Number of elements of source < number of ones in mask ({source.numel()} < {count})"
        )
    return m, source.reshape(-1)[:count]


def masked_scatter_(self: Tensor, mask: Any, source: Any) -> Tensor:
    r"""In place: the elements of ``self`` where ``mask`` is True become ``source``'s first elements,
    in row-major order: $x[m_j] = \text{source}_j$ for the $j$-th True position $m_j$.

    The overwritten elements receive no gradient; ``source``'s used elements receive $\delta$ at
    the positions they went to, the unused ones zero.

    Args:
        mask: a bool tensor that broadcasts to ``self``'s shape.
        source: a tensor of ``self``'s dtype with at least as many elements as ``mask`` has True.

    Raises:
        TypeError: ``mask`` or ``source`` is not a tensor.
        RuntimeError: a mask that is not bool or does not broadcast, a ``source`` of another dtype
            or with too few elements.

    Examples:
        >>> import deltanet as dn
        >>> mask = dn.tensor([[True, False], [False, True]])
        >>> dn.zeros(2, 2).masked_scatter_(mask, dn.tensor([1.0, 2.0, 3.0])).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    m, values = _masked_positions(self, mask, source, "masked_scatter_", tuple(self.shape))
    set_item(self, m, values)
    return self


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    r"""A copy of ``input`` (broadcast with ``mask``) whose elements where ``mask`` is True are
    ``source``'s first elements, in row-major order.

    Args:
        input: a tensor.
        mask: a bool tensor that broadcasts with ``input``.
        source: a tensor of ``input``'s dtype with at least as many elements as the broadcast
            mask has True.

    Examples:
        >>> import deltanet as dn
        >>> dn.masked_scatter(dn.zeros(3), dn.tensor([True, False, True]), dn.tensor([5.0, 6.0])).tolist()
        [5.0, 0.0, 6.0]
    """
    x = _tensor(input)
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_scatter: mask must be a Tensor, got {type(mask).__name__}")
    try:
        shape = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_scatter: the mask of shape {mask.shape} does not broadcast with shape {x.shape}"
        ) from None
    out = clone(x.expand(*shape)) if shape != x.shape else clone(x)
    return masked_scatter_(out, mask, source)
