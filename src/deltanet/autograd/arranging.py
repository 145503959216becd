r"""Rearranging tensors with PyTorch's names, built on the shape primitives (so each is
differentiable where its pieces are): ``hstack``, ``vstack``, ``concat``, ``unflatten``,
``repeat_interleave``, ``narrow``, ``swapaxes``, ``roll``, ``masked_select``, ``diagonal``,
``diag`` and ``trace``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import as_tensor, zeros
from deltanet.autograd.function import Function
from deltanet.autograd.shapes import cat
from deltanet.autograd.tensor import Tensor


def hstack(tensors: Any) -> Tensor:
    r"""Join tensors side by side: along axis 1, or axis 0 for 1-D tensors (``numpy.hstack``).

    Args:
        tensors: a non-empty sequence of tensors.

    Examples:
        >>> import deltanet as dn
        >>> dn.hstack([dn.ones(2, 1), dn.zeros(2, 2)]).shape
        (2, 3)
    """
    ts = [_tensor(t) for t in tensors]
    return cat(ts, dim=0 if ts and all(t.ndim == 1 for t in ts) else 1)


def vstack(tensors: Any) -> Tensor:
    r"""Join tensors one below the other, along axis 0; 1-D tensors become rows (``numpy.vstack``).

    Args:
        tensors: a non-empty sequence of tensors.

    Examples:
        >>> import deltanet as dn
        >>> dn.vstack([dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])]).tolist()
        [[1.0, 2.0], [3.0, 4.0]]
    """
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in map(_tensor, tensors)], dim=0)


def concat(tensors: Any, dim: Any = 0) -> Tensor:
    r"""``cat`` under its other names (``torch.concat``, ``torch.concatenate``).

    Args:
        tensors: a non-empty sequence of tensors.
        dim: the axis to join along.

    Examples:
        >>> import deltanet as dn
        >>> dn.concat([dn.ones(1, 2), dn.zeros(1, 2)], dim=0).shape
        (2, 2)
    """
    return cat(tensors, dim=dim)


concatenate = concat


def unflatten(input: Any, dim: Any, sizes: Any) -> Tensor:
    r"""Split axis ``dim`` into several, of ``sizes`` (one of them may be -1), the inverse of ``flatten``.

    Args:
        input: a tensor.
        dim: the axis to split.
        sizes: the new axes' sizes, whose product is the size of ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 12).unflatten(1, (3, -1)).shape
        (2, 3, 4)
    """
    x = _tensor(input)
    d = normalize(_checks.integer(dim, "dim", "unflatten"), x.ndim, "unflatten")
    return x.reshape(*x.shape[:d], *sizes, *x.shape[d + 1 :])


def repeat_interleave(input: Any, repeats: Any, dim: Any = None) -> Tensor:
    r"""Each element (or slice along ``dim``) repeated ``repeats`` times in place:
    $[a, b] \to [a, a, b, b]$ (``numpy.repeat``; ``repeat`` tiles the whole tensor instead).

    Args:
        input: a tensor.
        repeats: an integer, or a 1-D integer tensor with one count per element along ``dim``.
        dim: the axis; None flattens ``input`` first.

    Raises:
        ValueError: a negative count, or counts of the wrong length.

    Examples:
        >>> import deltanet as dn
        >>> dn.repeat_interleave(dn.tensor([1, 2]), 2).tolist()
        [1, 1, 2, 2]
    """
    x = _tensor(input)
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = normalize(_checks.integer(dim, "dim", "repeat_interleave"), x.ndim, "repeat_interleave")
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts.ndim == 1 and counts.size != x.shape[d]):
        raise ValueError(
            f"repeat_interleave: repeats must be an integer or one integer per element along dim "
            f"({x.shape[d]}), got {repeats!r}"
        )
    if (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats!r}")
    return x.index_select(d, as_tensor(np.repeat(np.arange(x.shape[d]), counts)))


def narrow(input: Any, dim: Any, start: Any, length: Any) -> Tensor:
    r"""The slice ``start:start + length`` of axis ``dim`` (a view).

    Args:
        input: a tensor.
        dim: the axis.
        start: the first index (negative counts from the end).
        length: the number of elements kept.

    Raises:
        ValueError: the slice does not fit in the axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6).narrow(0, 2, 3).tolist()
        [2, 3, 4]
    """
    x = _tensor(input)
    d = normalize(_checks.integer(dim, "dim", "narrow"), x.ndim, "narrow")
    size = x.shape[d]
    begin = _checks.integer(start, "start", "narrow", low=-size, high=size)
    begin = begin + size if begin < 0 else begin
    count = _checks.integer(length, "length", "narrow", low=0, high=size - begin)
    return x[(slice(None),) * d + (slice(begin, begin + count),)]


def select(input: Any, dim: Any, index: Any) -> Tensor:
    r"""The slice at ``index`` of axis ``dim``, without that axis (a view): ``x[:, i]`` for ``dim=1``.

    Args:
        input: a tensor of at least one dimension.
        dim: the axis.
        index: the position along it (negative counts from the end).

    Raises:
        IndexError: ``index`` is outside the axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6).reshape(2, 3).select(1, -1).tolist()
        [2, 5]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("select: cannot select from a 0-D tensor")
    d = normalize(_checks.integer(dim, "dim", "select"), x.ndim, "select")
    size = x.shape[d]
    i = _checks.integer(index, "index", "select")
    if not -size <= i < size:
        raise IndexError(f"select: index {i} is out of range for axis {d} of size {size}")
    return x[(slice(None),) * d + (i,)]


def swapaxes(input: Any, axis0: Any, axis1: Any) -> Tensor:
    r"""``transpose(axis0, axis1)`` under NumPy's name (also ``swapdims``).

    Args:
        input: a tensor.
        axis0: one axis.
        axis1: the other.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3, 4).swapaxes(0, 2).shape
        (4, 3, 2)
    """
    return _tensor(input).transpose(axis0, axis1)


swapdims = swapaxes


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    r"""Shift elements along axes, those that leave at one end coming back at the other:
    $z_{(i + s) \bmod n} = x_i$.

    Args:
        input: a tensor.
        shifts: an integer, or one per axis of ``dims``.
        dims: an axis, a tuple of axes, or None (the flattened tensor, then the shape restored).

    Raises:
        ValueError: ``shifts`` and ``dims`` of different lengths.

    Examples:
        >>> import deltanet as dn
        >>> dn.roll(dn.tensor([1, 2, 3, 4]), 1).tolist()
        [4, 1, 2, 3]
    """
    x = _tensor(input)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            raise ValueError(f"roll: with dims=None, shifts must be one integer, got {shifts!r}")
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shift_list = list(shifts) if isinstance(shifts, (tuple, list)) else [shifts]
    dim_list = list(dims) if isinstance(dims, (tuple, list)) else [dims]
    if len(shift_list) != len(dim_list):
        raise ValueError(f"roll: shifts and dims must have the same length, got {shifts!r} and {dims!r}")
    for s, d in zip(shift_list, dim_list, strict=True):
        axis = normalize(_checks.integer(d, "dims", "roll"), x.ndim, "roll")
        n = x.shape[axis]
        order = (np.arange(n) - _checks.integer(s, "shifts", "roll")) % max(n, 1)
        x = x.index_select(axis, as_tensor(order))
    return x


def masked_select(input: Any, mask: Any) -> Tensor:
    r"""The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor.

    Args:
        input: a tensor.
        mask: a bool tensor.

    Raises:
        ValueError: ``mask`` is not boolean.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[1.0, -2.0], [3.0, -4.0]])
        >>> dn.masked_select(x, x > 0).tolist()
        [1.0, 3.0]
    """
    x = _tensor(input)
    m = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if m.dtype != np.bool_:
        raise ValueError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    if x.shape != shape:
        x = x.expand(*shape)
    return x[np.broadcast_to(m, shape)]


def _diagonal_view(x: np.ndarray, k: int, a: int, b: int) -> np.ndarray:
    """Diagonal ``k`` of the matrices on axes ``a`` and ``b`` of ``x`` as a view of its memory (the last
    axis): each step goes one row and one column on, the sum of the two strides."""
    m = np.moveaxis(x, (a, b), (-2, -1))
    n_rows, n_cols = m.shape[-2:]
    first_row, first_col = max(0, -k), max(0, k)
    n = max(0, min(n_rows - first_row, n_cols - first_col))
    start = m[..., first_row:, first_col:] if n else m[..., :0, :0]
    return np.lib.stride_tricks.as_strided(
        start, shape=start.shape[:-2] + (n,), strides=start.strides[:-2] + (start.strides[-2] + start.strides[-1],)
    )


class Diagonal(Function):
    r"""$z_i = x_{i, i + k}$ as a view of $x$ (writing into $z$ writes into $x$, as in PyTorch);
    $\partial L / \partial x$ is $\delta$ on that diagonal and 0 elsewhere."""

    def forward(self, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        self.shape, self.dtype, self.where = x.shape, x.dtype, (offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = np.zeros(self.shape, dtype=self.dtype)
        _diagonal_view(g, *self.where)[...] = delta
        return g


def diagonal(input: Any, offset: Any = 0, dim1: Any = 0, dim2: Any = 1) -> Tensor:
    r"""The diagonal $z_i = x_{i, i + k}$ of the matrices on axes ``dim1`` and ``dim2`` (it becomes the last
    axis), a view of ``input`` as in PyTorch: ``x.diagonal().fill_(1)`` writes into ``x``.

    Args:
        input: a tensor of at least 2 dimensions.
        offset: $k$: 0 the main diagonal, above it for $k > 0$, below for $k < 0$.
        dim1: the axis of rows.
        dim2: the axis of columns.

    Raises:
        ValueError: fewer than 2 dimensions, or ``dim1`` equals ``dim2``.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(9).reshape(3, 3).diagonal().tolist(), dn.arange(9).reshape(3, 3).diagonal(1).tolist()
        ([0, 4, 8], [1, 5])
    """
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"diagonal: input must have at least 2 dimensions, got shape {x.shape}")
    a = normalize(_checks.integer(dim1, "dim1", "diagonal"), x.ndim, "diagonal")
    b = normalize(_checks.integer(dim2, "dim2", "diagonal"), x.ndim, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    k = _checks.integer(offset, "offset", "diagonal")
    return Diagonal.apply(x, offset=k, dim1=a, dim2=b)


_diagonal = diagonal  # diag's argument of that name hides the function inside it


def diag(input: Any, diagonal: Any = 0) -> Tensor:
    r"""For a vector $v$, the square matrix with $v$ on diagonal $k$ (zeros elsewhere); for a matrix,
    its diagonal $k$ as a vector.

    Args:
        input: a 1-D or 2-D tensor.
        diagonal: $k$: 0 the main diagonal, above it for $k > 0$, below for $k < 0$.

    Raises:
        ValueError: ``input`` is not 1-D or 2-D.

    Examples:
        >>> import deltanet as dn
        >>> dn.diag(dn.tensor([1.0, 2.0])).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    x = _tensor(input)
    k = _checks.integer(diagonal, "diagonal", "diag")
    if x.ndim == 2:
        return _diagonal(x, k).clone()  # a copy, as PyTorch's diag (diagonal() is the view)
    if x.ndim != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {x.shape}")
    n = x.shape[0] + abs(k)
    rows = np.arange(x.shape[0]) + max(0, -k)
    z = zeros(n, n, dtype=x.dtype)
    z[rows, rows + k] = x
    return z


def trace(input: Any) -> Tensor:
    r"""The sum of the main diagonal of a matrix, $\sum_i x_{ii}$.

    Args:
        input: a 2-D tensor.

    Raises:
        ValueError: ``input`` is not 2-D.

    Examples:
        >>> import deltanet as dn
        >>> dn.trace(dn.eye(3)).item()
        3.0
    """
    x = _tensor(input)
    if x.ndim != 2:
        raise ValueError(f"trace: expects a 2-D tensor, got shape {x.shape}")
    return diagonal(x).sum()
