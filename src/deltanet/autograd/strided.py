r"""``as_strided(input, size, stride, storage_offset)``: a view of a tensor's memory with any shape
and steps, as PyTorch's ``torch.as_strided``.

A tensor's *storage* is the block of memory its array lives in (the array at the root of its
``base`` chain); ``x.stride()`` and ``x.storage_offset()`` say where ``x`` sits in it. Element
$(i_0, \dots, i_{k-1})$ of the view is element $o + \sum_k i_k s_k$ of the storage ($o$ the
offset, $s$ the strides, in elements). Strides and offset are the storage's, not ``input``'s:
``x[2:].as_strided((2,), (1,), 0)`` reads the first two elements of ``x``. deltanet's storages are
NumPy's, so a tensor whose layout differs from PyTorch's (a convolution's output, which is not
contiguous) has other strides: ``x.contiguous().as_strided(...)`` gives PyTorch's result.

The gradient is PyTorch's: $\delta$ is added into a zero storage at the view's positions (several
times where the view's elements overlap), then read at ``input``'s positions; where ``input``
itself has overlapping elements (an ``expand``), each reads its share, the storage's value divided
by how many elements of ``input`` sit there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


class _Interface:
    """An object NumPy reads an array from (``__array_interface__``), keeping ``base`` alive."""

    def __init__(self, interface: dict[str, Any], base: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.base = base


def _storage(a: np.ndarray, owner: str) -> tuple[int, int]:
    """The address of ``a``'s storage's first byte and its length in bytes."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        raise RuntimeError(f"{owner}: the tensor's memory is not one block (a strided foreign array); clone() it")
    start = root.__array_interface__["data"][0]
    if root.strides and min(root.strides) < 0:
        start += sum((n - 1) * s for n, s in zip(root.shape, root.strides) if s < 0)
    return start, root.nbytes


def _positions(size: tuple[int, ...], stride: tuple[int, ...], offset: int) -> np.ndarray:
    """The storage position of every element of a geometry: $o + \\sum_k i_k s_k$, of shape ``size``."""
    index = np.full(size, offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        index += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(size) - k - 1))
    return index


class AsStrided(Function):
    r"""$z[i] = \text{storage}[o + \sum_k i_k s_k]$; $\partial L / \partial x$ adds $\delta$ into the
    storage and reads it at $x$'s positions (divided by their multiplicity where $x$ overlaps)."""

    def forward(self, x: np.ndarray, size: tuple[int, ...], stride: tuple[int, ...], offset: int | None) -> np.ndarray:
        item = x.itemsize
        start, nbytes = _storage(x, "as_strided")
        own_offset = (x.__array_interface__["data"][0] - start) // item
        offset = own_offset if offset is None else offset
        numel = int(np.prod(size, dtype=np.int64))
        needed = (offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))) * item if numel else offset * item
        if needed > nbytes:
            raise RuntimeError(
                f"as_strided: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
                f"{item} requiring a storage size of {needed} are out of bounds for storage of size {nbytes}"
            )
        self.x_geometry = (x.shape, tuple(s // item for s in x.strides), own_offset)
        self.geometry = (size, stride, offset)
        interface = dict(x.__array_interface__)
        interface.update(
            data=(start + offset * item, interface["data"][1]), shape=size, strides=tuple(s * item for s in stride)
        )
        interface.pop("mask", None)
        return np.asarray(_Interface(interface, x))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        out_index = _positions(*self.geometry)
        in_index = _positions(*self.x_geometry)
        if in_index.size == 0:
            return np.zeros(in_index.shape, dtype=delta.dtype)
        low = min(int(in_index.min()), int(out_index.min()) if out_index.size else int(in_index.min()))
        length = max(int(in_index.max()), int(out_index.max()) if out_index.size else 0) - low + 1
        storage = np.zeros(length, dtype=delta.dtype)
        np.add.at(storage, (out_index - low).reshape(-1), delta.reshape(-1))
        grad = storage[in_index - low]
        count = np.bincount((in_index - low).reshape(-1), minlength=length)
        if count.max() > 1:  # input's elements overlap: each gets its share, as PyTorch
            grad = grad / count[in_index - low].astype(delta.dtype)
        return grad


def _shape_argument(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in value
    ):
        raise TypeError(f"as_strided: {name} must be a tuple of ints, got {value!r}")
    return tuple(int(v) for v in value)


def as_strided(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    r"""A view of ``input``'s storage of shape ``size``: element $i$ is storage element
    $o + \sum_k i_k s_k$, $s$ = ``stride`` and $o$ = ``storage_offset`` (in elements).

    The strides and the offset count in ``input``'s storage, the memory block its array lives in
    (``input.stride()``, ``input.storage_offset()`` say where ``input`` sits in it); without
    ``storage_offset`` the view starts where ``input`` starts. Elements may overlap (a stride of 0,
    sliding windows); the gradient then adds up, as PyTorch's.

    Args:
        input: a tensor.
        size: the shape of the view (a tuple of ints).
        stride: the step between neighbours along each axis, in elements (non-negative ints).
        storage_offset: the storage element the view starts at (default: ``input``'s own offset).

    Returns:
        A view that shares ``input``'s memory (and version counter).

    Raises:
        TypeError: ``size`` or ``stride`` is not a tuple of ints.
        RuntimeError: strides of another length than ``size``, a negative stride, size or offset,
            or a view reaching beyond the storage.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.arange(6.0)
        >>> dn.as_strided(x, (2, 2), (1, 2)).tolist()
        [[0.0, 2.0], [1.0, 3.0]]
        >>> x.as_strided((3, 2), (2, 1)).tolist()
        [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"as_strided: input must be a Tensor, got {type(input).__name__}")
    size = _shape_argument(size, "size")
    stride = _shape_argument(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides and shape, got size {size} and stride {stride}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"as_strided: sizes must be non-negative, got {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    offset = None
    if storage_offset is not None:
        if isinstance(storage_offset, (bool, np.bool_)) or not isinstance(storage_offset, (int, np.integer)):
            raise TypeError(f"as_strided: storage_offset must be an int or None, got {storage_offset!r}")
        if storage_offset < 0:
            raise RuntimeError(f"as_strided: invalid storage offset {storage_offset}")
        offset = int(storage_offset)
    return AsStrided.apply(input, size=size, stride=stride, offset=offset)
