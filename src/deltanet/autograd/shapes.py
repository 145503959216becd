r"""Shape operations: the primitives (reshape, permute, index, expand, repeat, join) and the PyTorch
methods built on them (``view``, ``squeeze``, ``unsqueeze``, ``flatten``, ``permute``,
``transpose``, ``expand``, ``chunk``, ``split``, ``gather``, ``index_select``, ``cat``, ``stack``, ...).

Their gradients only move $\delta$ back to where each element came from: reshape it back, permute
it back, scatter it (adding where an index repeats), sum the copies that expand or repeat made.

Views: as in PyTorch, ``view``, ``reshape`` (where possible), ``permute``/``transpose``, basic
indexing (``t[1:3]``, ``t[0]``), ``expand``, ``squeeze``/``unsqueeze``, ``chunk``/``split`` share
memory with their input, so an in-place change through one shows through the other (``Function``
records the base, see ``deltanet.autograd.inplace`` for the rules). Indexing with integer or
boolean tensors, ``repeat``, ``gather``, ``index_select`` and ``clone`` copy.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from deltanet.autograd.conversions import leaf_copy, promote
from deltanet.autograd.dims import normalize, pick_dim
from deltanet.autograd.factories import as_tensor
from deltanet.autograd.function import Function
from deltanet.autograd.index_order import split_integers
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.tensor import Tensor


# -- primitives ----------------------------------------------------------------------------------
class Reshape(Function):
    """z = x viewed with another shape (a copy only where no view exists and ``view`` is False)."""

    def forward(self, x: np.ndarray, shape: tuple, view: bool = False) -> np.ndarray:
        self.shape = x.shape
        try:
            return np.reshape(x, shape, copy=False) if view else x.reshape(shape)
        except ValueError as error:
            if view and "copy" in str(error):
                raise ValueError(
                    f"view(): a tensor of shape {x.shape} with strides {x.strides} cannot be viewed as {shape} "
                    f"without a copy (its axes are not contiguous in memory); use reshape(), which copies"
                ) from None
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) to {shape}") from None

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return delta.reshape(self.shape)


class Transpose(Function):
    """z = x with its axes permuted (reversed when ``axes`` is None)."""

    def forward(self, x: np.ndarray, axes: Any = None) -> np.ndarray:
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        if self.axes is None:
            return np.transpose(delta)
        return np.transpose(delta, np.argsort(self.axes))


class GetItem(Function):
    """z = x[index]; the gradient is scattered back, adding where an index repeats."""

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, delta: np.ndarray) -> np.ndarray:
        grad = np.zeros(self.shape, dtype=self.dtype)
        if is_basic_index(self.index):
            grad[self.index] = delta  # slices select each element at most once
        else:
            np.add.at(grad, self.index, delta)
        return grad


def is_basic_index(index: Any) -> bool:
    """Whether ``index`` selects by integers, slices, None and Ellipsis only (NumPy's basic
    indexing: the result is a view, and each element is selected at most once)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class Expand(Function):
    """z = x broadcast to a larger ``shape`` (a read-only view); the copies' deltas are summed back."""

    def forward(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        self.shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return unbroadcast(delta, self.shape)


class Repeat(Function):
    """z = x tiled ``repeats`` times along each axis (``numpy.tile``); the tiles' deltas are summed."""

    def forward(self, x: np.ndarray, repeats: tuple) -> np.ndarray:
        self.shape = x.shape
        self.padded = (1,) * (len(repeats) - x.ndim) + x.shape  # tile adds leading axes of size 1
        self.repeats = repeats
        return np.tile(x, repeats)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        # (r0 * s0, r1 * s1, ...) -> (r0, s0, r1, s1, ...), summed over the r axes.
        split = [n for pair in zip(self.repeats, self.padded) for n in pair]
        summed = delta.reshape(split).sum(axis=tuple(range(0, 2 * len(self.padded), 2)))
        return summed.reshape(self.shape)


class Cat(Function):
    """z = the inputs joined along an existing ``axis``."""

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        self.axis = axis
        self.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, delta: np.ndarray) -> tuple:
        parts = np.split(delta, self.splits, axis=self.axis)
        return tuple(p if need else None for p, need in zip(parts, self.needs_input_grad))


class Stack(Function):
    """z = the inputs stacked along a new ``axis``."""

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        self.axis = axis
        return np.stack(xs, axis=axis)

    def backward(self, delta: np.ndarray) -> tuple:
        parts = np.moveaxis(delta, self.axis, 0)
        return tuple(p if need else None for p, need in zip(parts, self.needs_input_grad))


# -- indexing ------------------------------------------------------------------------------------
def index_array(index: Any) -> Any:
    """An index with tensors replaced by their arrays (boolean masks, integer indices)."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    return index


def sequence_as_tuple(index: Any) -> Any:
    """PyTorch's reading of a list index (NumPy's before 1.23): a list of fewer than 32 items that
    holds a sequence, a tensor, a slice, None or Ellipsis is a tuple of indices, so ``x[[[0, 1],
    [1, 2]]]`` is ``x[[0, 1], [1, 2]]`` (NumPy now reads it as one array of positions). PyTorch
    warns that this will change; so does deltanet."""
    if not isinstance(index, list) or len(index) >= 32:
        return index
    if not any(isinstance(p, (Tensor, list, tuple, slice, np.ndarray)) or p is None or p is Ellipsis for p in index):
        return index
    warnings.warn(
        "Using a non-tuple sequence for multidimensional indexing is deprecated (as in PyTorch, which reads "
        "it as a tuple); use x[tuple(seq)] instead of x[seq]",
        UserWarning,
        stacklevel=4,
    )
    return tuple(index)


def item_index(index: Any) -> Any:
    """``index_array`` for ``t[index]`` and ``t[index] = v``; a uint8 tensor is refused: PyTorch reads
    it as a mask (deprecated; its item assignment refuses it), NumPy as positions; so is a slice
    with a step below 1, as in PyTorch."""
    index = sequence_as_tuple(index)
    for part in index if isinstance(index, tuple) else (index,):
        if type(part) is slice and part.step is not None and part.step <= 0:
            # PyTorch's refusal (NumPy would reverse): flip with t.flip(dims) instead
            raise ValueError(f"step must be greater than zero, got {part.step} (use t.flip(dim) to reverse)")
        if isinstance(part, Tensor) and part.array.dtype == np.uint8:
            raise ValueError(
                "t[index]: a uint8 index tensor is ambiguous (PyTorch reads it as a mask, deprecated; NumPy as "
                "positions): use index.bool() for a mask or index.long() for positions"
            )
    return index_array(index)


def as_view_index(index: Any) -> Any:
    """A basic index that selects one element gives a 0-d view, not a NumPy scalar copy (as
    ``t[0]`` is a view in PyTorch): add an Ellipsis where the index has none."""
    parts = index if isinstance(index, tuple) else (index,)
    if is_basic_index(parts) and not any(p is Ellipsis for p in parts):
        return (*parts, Ellipsis)
    return index


def __getitem__(self: Tensor, index: Any) -> Tensor:
    index = item_index(index)
    steps = split_integers(index)
    if steps is not None:  # t[0, :, [1, 3]]: the integers select first, as in PyTorch
        first, second = steps
        return GetItem.apply(GetItem.apply(self, index=as_view_index(first)), index=second)
    return GetItem.apply(self, index=as_view_index(index))


def index_select(input: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of ``input`` at positions ``index`` along ``dim`` (a copy).

    Args:
        input: a tensor.
        dim: the axis to select along.
        index: a 1-D integer tensor (or sequence) of positions.

    Raises:
        ValueError: ``index`` is not 1-D integers, or a position is outside $[0, n)$ (negative too).

    Examples:
        >>> import deltanet as dn
        >>> dn.index_select(dn.tensor([[1, 2], [3, 4], [5, 6]]), 0, dn.tensor([2, 0])).tolist()
        [[5, 6], [1, 2]]
    """
    idx = np.asarray(index_array(index))
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise ValueError(f"index_select: index must be a 1-D integer tensor, got dtype {idx.dtype}, shape {idx.shape}")
    d = normalize(dim, input.ndim, "index_select")
    _check_range(idx, input.shape[d] if input.ndim else 1, d, "index_select")
    return GetItem.apply(input, index=(slice(None),) * d + (idx,))


def _check_range(idx: np.ndarray, n: int, d: int, owner: str) -> None:
    """PyTorch's bounds: positions in $[0, n)$; a negative one is an error, not a count from the end."""
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(
            f"{owner}: index out of range: values must be in [0, {n}) for dim={d}, got {idx.min()} to {idx.max()}"
        )


def gather(input: Tensor, dim: int, index: Any) -> Tensor:
    r"""Values of ``input`` picked along ``dim`` by ``index``: $z_{ij} = x_{i, \text{index}_{ij}}$ for
    ``dim=1`` (``numpy.take_along_axis``); the gradient is scattered back, adding on repeats.

    Args:
        input: a tensor.
        dim: the axis to pick along.
        index: an integer tensor with as many axes as ``input``, no larger on the other axes.

    Raises:
        ValueError: ``index`` is not integers of the right rank and size, or a position is outside
            $[0, n)$ (negative too, as in PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.gather(1, dn.tensor([[1], [0]])).tolist()
        [[2.0], [3.0]]
    """
    idx = np.asarray(index_array(index))
    d = normalize(dim, input.ndim, "gather")
    if idx.dtype.kind not in "iu" or idx.ndim != input.ndim:
        raise ValueError(
            f"gather: index must be an integer tensor with {input.ndim} axes, got {idx.dtype}, {idx.shape}"
        )
    if any(n > m for k, (n, m) in enumerate(zip(idx.shape, input.shape)) if k != d):
        raise ValueError(f"gather: index of shape {idx.shape} is larger than the input {input.shape} off dim {d}")
    _check_range(idx, input.shape[d] if input.ndim else 1, d, "gather")
    return GetItem.apply(input, index=positions_along(idx, d))


def positions_along(index: np.ndarray, dim: int) -> tuple[Any, ...]:
    """The element positions that ``index`` names along ``dim``, the other axes running over
    ``index``'s own shape: $(i, \text{index}_{ij})$ for ``dim=1`` (``gather``, ``scatter``)."""
    grid: list[Any] = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


# -- reshaping -----------------------------------------------------------------------------------
def _shape(shape: tuple, owner: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise ValueError(f"{owner}: the shape must be integers, got {shape!r}")
    return tuple(int(n) for n in shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same values with another shape: ``reshape(2, 3)`` or ``reshape((2, -1))``; a view where the
    memory allows, else a copy.

    Args:
        input: a tensor.
        shape: the new shape; one size may be -1 (inferred).

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6).reshape(2, -1).shape
        (2, 3)
    """
    return Reshape.apply(input, shape=_shape(shape, "reshape"))


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same memory seen with another shape (``view(n, -1)``); refused where that needs a copy.

    ``view(dtype)`` instead reads the same bytes as another dtype, as PyTorch's: the last axis
    scales by the ratio of the element sizes, and the result has no gradient.

    Args:
        input: a tensor.
        shape: the new shape; one size may be -1 (inferred). Or one dtype.

    Raises:
        ValueError: the sizes do not match, or the memory layout allows no view (use ``reshape``).

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(4, 2, 3)
        >>> x.view(x.size(0), -1).shape
        (4, 6)
        >>> dn.ones(2).view(dn.int32).tolist()
        [1065353216, 1065353216]
    """
    if len(shape) == 1 and isinstance(shape[0], np.dtype):
        return _view_as_dtype(input, shape[0])
    return Reshape.apply(input, shape=_shape(shape, "view"), view=True)


def _view_as_dtype(input: Tensor, dtype: np.dtype) -> Tensor:
    """The bytes of ``input`` read as ``dtype``: a leaf that shares its memory and version counter."""
    data = input.array
    old, new = data.itemsize, dtype.itemsize
    if old != new:
        if data.ndim == 0:
            raise ValueError(f"view: a 0-d tensor of {data.dtype} cannot be viewed as {dtype} (another element size)")
        if data.strides[-1] != old:
            raise ValueError(f"view: viewing {data.dtype} as {dtype} needs the last axis to be contiguous (stride 1)")
        if new > old and (data.shape[-1] * old) % new:
            raise ValueError(
                f"view: the last axis ({data.shape[-1]}) must be divisible by {new // old} to view "
                f"{data.dtype} as {dtype} (different element sizes)"
            )
    out = input.detach()
    out.array = data.view(dtype)
    return out


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` viewed with ``other``'s shape.

    Args:
        input: a tensor.
        other: the tensor whose shape to take.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6).view_as(dn.zeros(2, 3)).shape
        (2, 3)
    """
    return view(input, other.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes from ``start_dim`` to ``end_dim`` (both included) into one.

    Args:
        input: a tensor.
        start_dim: the first axis to merge.
        end_dim: the last axis to merge.

    Examples:
        >>> import deltanet as dn
        >>> dn.flatten(dn.zeros(2, 3, 4), 1).shape
        (2, 12)
    """
    if input.ndim == 0:
        return Reshape.apply(input, shape=(1,))
    start = normalize(start_dim, input.ndim, "flatten")
    end = normalize(end_dim, input.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.shape
    # The merged size in full: -1 cannot be inferred when another axis is empty.
    return Reshape.apply(input, shape=shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A new axis of size 1 at position ``dim`` (from ``-ndim - 1`` to ``ndim``).

    Args:
        input: a tensor.
        dim: where the new axis goes.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3).unsqueeze(0).shape
        (1, 3)
    """
    d = normalize(dim, input.ndim + 1, "unsqueeze")
    return Reshape.apply(input, shape=input.shape[:d] + (1,) + input.shape[d:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove axes of size 1: all of them, or those among ``dim`` (others are left as they are).

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes to remove if their size is 1 (all size-1 axes when None).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(1, 3, 1).squeeze().shape, dn.zeros(1, 3, 1).squeeze(0).shape
        ((3,), (3, 1))
    """
    dims = pick_dim(dim, None, "squeeze")
    if dims is None:
        drop = {i for i, n in enumerate(input.shape) if n == 1}
    else:
        drop = {normalize(d, input.ndim, "squeeze") for d in (dims if isinstance(dims, tuple) else (dims,))}
        drop = {d for d in drop if input.ndim and input.shape[d] == 1}
    return Reshape.apply(input, shape=tuple(n for i, n in enumerate(input.shape) if i not in drop))


def permute(input: Tensor, *dims: Any) -> Tensor:
    """The axes in the order ``dims`` (``permute(2, 0, 1)`` or ``permute((2, 0, 1))``); a view.

    Args:
        input: a tensor.
        dims: a permutation of ``0 .. ndim - 1`` (negative values count from the end).

    Raises:
        ValueError: ``dims`` is not a permutation of the axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
    """
    order = _shape(dims, "permute")
    axes = tuple(normalize(d, input.ndim, "permute") for d in order)
    if sorted(axes) != list(range(input.ndim)):
        raise ValueError(f"permute: dims must be a permutation of the {input.ndim} axes, got {order}")
    return Transpose.apply(input, axes=axes)


def transpose(input: Tensor, *dims: Any) -> Tensor:
    """Swap two axes, ``transpose(dim0, dim1)``, as PyTorch does; with one tuple (or none), NumPy's
    permutation (reversing the axes when none is given). A view.

    Args:
        input: a tensor.
        dims: two axes to swap, or a permutation, or nothing.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3, 4).transpose(0, 2).shape, dn.zeros(2, 3).transpose(0, 1).shape
        ((4, 3, 2), (3, 2))
    """
    if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
        a, b = (normalize(d, input.ndim, "transpose") for d in _shape(dims, "transpose"))
        perm = list(range(input.ndim))
        perm[a], perm[b] = perm[b], perm[a]
        return Transpose.apply(input, axes=tuple(perm))
    if not dims:
        return Transpose.apply(input, axes=None)
    return permute(input, *dims)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-D or 1-D tensor is returned as it is, as a view).

    Args:
        input: a tensor of at most two axes.

    Raises:
        ValueError: ``input`` has more than two axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3).t().shape
        (3, 2)
    """
    if input.ndim > 2:
        raise ValueError(f"t() expects a tensor of at most 2 dimensions, got shape {input.shape}; use transpose")
    return Transpose.apply(input, axes=None)


def T(self: Tensor) -> Tensor:
    """The tensor with its axes reversed (the transpose of a matrix)."""
    return Transpose.apply(self, axes=None)


def mT(self: Tensor) -> Tensor:
    """The tensor with its last two axes swapped (a stack of transposed matrices)."""
    if self.ndim < 2:
        raise ValueError(f"mT: expects a tensor of at least 2 dimensions, got shape {self.shape}")
    axes = (*range(self.ndim - 2), self.ndim - 1, self.ndim - 2)
    return Transpose.apply(self, axes=axes)


def numel(input: Any) -> int:
    """The number of elements of ``input``, a Python int.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.numel(dn.zeros(2, 3))
        6
    """
    return int(np.size(input.array if isinstance(input, Tensor) else input))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A read-only view of ``input`` repeated along axes of size 1 (``-1`` keeps a size; new axes may
    be added in front), as broadcasting does.

    Args:
        input: a tensor.
        sizes: the new shape.

    Raises:
        ValueError: a size does not match an axis that is not of size 1.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3, 1).expand(3, 4).shape, dn.zeros(3, 1).expand(2, -1, 5).shape
        ((3, 4), (2, 3, 5))
    """
    shape = _shape(sizes, "expand")
    lead = len(shape) - input.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(shape)} sizes for a tensor of {input.ndim} dimensions")
    full = tuple(input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    for i, n in enumerate(input.shape):
        if n != 1 and full[lead + i] != n:
            raise ValueError(f"expand: size {full[lead + i]} does not match axis {i} of size {n} (shape {input.shape})")
    if any(n < 0 for n in full):
        raise ValueError(f"expand: -1 is only allowed for existing axes, got {shape}")
    return Expand.apply(input, shape=full)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to ``other``'s shape.

    Args:
        input: a tensor.
        other: the tensor whose shape to take.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(1, 3).expand_as(dn.zeros(2, 3)).shape
        (2, 3)
    """
    return expand(input, other.shape)


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """``input`` tiled: ``repeat(2, 3)`` repeats it twice along axis 0 and three times along axis 1
    (more repeats than axes add new leading axes); a copy, as in PyTorch.

    Args:
        input: a tensor.
        repeats: how many times along each axis (at least ``ndim`` numbers).

    Raises:
        ValueError: fewer repeats than axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([1, 2]).repeat(2).tolist(), dn.tensor([1, 2]).repeat(2, 1).shape
        ([1, 2, 1, 2], (2, 2))
    """
    counts = _shape(repeats, "repeat")
    if len(counts) < input.ndim or any(n < 0 for n in counts):
        raise ValueError(f"repeat: needs at least {input.ndim} non-negative counts, got {counts}")
    return Repeat.apply(input, repeats=counts)


def contiguous(input: Tensor) -> Tensor:
    """The tensor itself if its memory is C-ordered without gaps, else a contiguous copy.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(2, 3)
        >>> x.contiguous() is x, x.t().contiguous().is_contiguous()
        (True, True)
    """
    return input if input.array.flags.c_contiguous else leaf_copy(input)


def clone(input: Tensor) -> Tensor:
    """A copy with its own memory; recorded, so gradients flow back to ``input``.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(2)
        >>> y = x.clone(); y.array[0] = 1.0
        >>> x.tolist()
        [0.0, 0.0]
    """
    return leaf_copy(input)


# -- splitting -----------------------------------------------------------------------------------
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` cut into ``chunks`` views of equal size along ``dim`` (the last may be smaller, and
    there may be fewer), as in PyTorch.

    Args:
        input: a tensor.
        chunks: how many pieces (a positive integer).
        dim: the axis to cut along.

    Examples:
        >>> import deltanet as dn
        >>> [c.shape for c in dn.arange(5).chunk(2)]
        [(3,), (2,)]
    """
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    d = normalize(dim, input.ndim, "chunk")
    size = -(-input.shape[d] // int(chunks)) if input.shape[d] else 0
    return split(input, max(size, 1), d)


def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` cut along ``dim`` into views: pieces of one size (the last may be smaller), or of the
    listed sizes.

    Args:
        input: a tensor.
        split_size_or_sections: a positive size, or a list of sizes that sum to the axis length.
        dim: the axis to cut along.

    Raises:
        ValueError: a size that is not positive, or sizes that do not sum to the axis length.

    Examples:
        >>> import deltanet as dn
        >>> [p.tolist() for p in dn.arange(5).split([2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    d = normalize(dim, input.ndim, "split")
    length = input.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != length or any(n < 0 for n in sizes):
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum to {length}")
    else:
        n = split_size_or_sections
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"split: split_size must be a positive integer, got {n!r}")
        sizes = [min(int(n), length - start) for start in range(0, length, int(n))] or [0]
    pieces, start = [], 0
    for n in sizes:
        pieces.append(GetItem.apply(input, index=(slice(None),) * d + (slice(start, start + n), Ellipsis)))
        start += n
    return tuple(pieces)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, each without that axis (views).

    Args:
        input: a tensor.
        dim: the axis to take apart.

    Examples:
        >>> import deltanet as dn
        >>> [r.tolist() for r in dn.tensor([[1, 2], [3, 4]]).unbind()]
        [[1, 2], [3, 4]]
    """
    d = normalize(dim, input.ndim, "unbind")
    return tuple(GetItem.apply(input, index=(slice(None),) * d + (i, Ellipsis)) for i in range(input.shape[d]))


# -- joining -------------------------------------------------------------------------------------
def _as_tensors(tensors: Any, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise ValueError(f"{name}() takes a sequence of tensors, got one tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}() needs at least one tensor, got an empty sequence")
    return [as_tensor(t) for t in tensors]


def cat(tensors: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    r"""Join tensors along an existing axis (``dim`` in PyTorch, ``axis`` in NumPy; 0 by default).

    The backward pass splits $\delta$ back into the pieces that each input contributed.

    Args:
        tensors: a non-empty sequence of tensors (or arrays) of equal rank, with equal sizes on
            every axis but ``dim``.
        dim: the axis to join along; negative values count from the end.
        axis: the same, NumPy's spelling (give one of the two).

    Returns:
        A tensor whose size along ``dim`` is the sum of the inputs' sizes.

    Raises:
        ValueError: the sequence is empty, the ranks or the other sizes differ, or ``dim`` is
            out of range.

    Shape:
        - inputs: $(n_1, d)$, $(n_2, d)$, ... (for ``dim=0``).
        - output: $(n_1 + n_2 + \dots, d)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.cat([dn.tensor([[1.0, 2.0]]), dn.tensor([[3.0, 4.0]])], dim=0).shape
        (2, 2)
    """
    axis = pick_dim(dim, axis, "cat")
    axis = 0 if axis is None else axis
    ts = _as_tensors(tensors, "cat")
    ndim = ts[0].ndim
    for x in ts:
        if x.ndim != ndim:
            raise ValueError(f"cat() needs tensors of equal rank, got shapes {[x.shape for x in ts]}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"cat() axis {axis} is out of range for tensors of rank {ndim}")
    axis %= ndim
    for x in ts:
        if x.shape[:axis] + x.shape[axis + 1 :] != ts[0].shape[:axis] + ts[0].shape[axis + 1 :]:
            raise ValueError(
                f"cat() along axis {axis} needs equal sizes on the other axes, got shapes {[x.shape for x in ts]}"
            )
    return Cat.apply(*promote(*ts), axis=axis)


def stack(tensors: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    r"""Stack tensors of equal shape along a new axis (``dim`` or ``axis``; 0 by default).

    The backward pass hands each input its slice of $\delta$ along the new axis.

    Args:
        tensors: a non-empty sequence of tensors (or arrays) of the same shape.
        dim: the position of the new axis in the output, from 0 to the inputs' rank;
            negative values count from the end.
        axis: the same, NumPy's spelling (give one of the two).

    Returns:
        A tensor with one more axis, of size ``len(tensors)``.

    Raises:
        ValueError: the sequence is empty, the shapes differ, or ``dim`` is out of range.

    Shape:
        - inputs: $(d_1, \dots, d_k)$ each, $n$ of them.
        - output: $(n, d_1, \dots, d_k)$ for ``dim=0``.

    Examples:
        >>> import deltanet as dn
        >>> dn.stack([dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])], dim=1).shape
        (2, 2)
    """
    axis = pick_dim(dim, axis, "stack")
    axis = 0 if axis is None else axis
    ts = _as_tensors(tensors, "stack")
    if any(x.shape != ts[0].shape for x in ts):
        raise ValueError(f"stack() needs tensors of equal shape, got {[x.shape for x in ts]}")
    if not -(ts[0].ndim + 1) <= axis <= ts[0].ndim:
        raise ValueError(f"stack() axis {axis} is out of range for tensors of rank {ts[0].ndim}")
    return Stack.apply(*promote(*ts), axis=axis % (ts[0].ndim + 1))
