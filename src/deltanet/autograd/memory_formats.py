r"""PyTorch's memory formats: the order in which a tensor's values lie in memory.

``dn.contiguous_format`` (row-major), ``dn.channels_last`` (a 4-D (N, C, H, W) tensor whose values
lie as (N, H, W, C)), ``dn.channels_last_3d`` (5-D, as (N, D, H, W, C)) and ``dn.preserve_format``.
A tensor's values, shape and gradients are the same in every format; only its strides
(``x.stride()``, honest: NumPy's) and ``is_contiguous(memory_format=...)`` tell them apart.
deltanet's own layers compute in whatever layout they receive (a convolution returns a view of its
batch-innermost result, which is neither, see docs/from-pytorch.md).

For the channels-last formats, a tensor is contiguous when, skipping axes of size 1, the channel
axis has stride 1 and each axis of the order (C, W, H, N) steps over all the axes before it:
PyTorch's rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class memory_format:  # noqa: N801 - PyTorch's class name (torch.memory_format)
    """A memory format, as ``torch.memory_format``: compare with ``is``.

    Args:
        name: ``"contiguous_format"``, ``"channels_last"``, ``"channels_last_3d"`` or ``"preserve_format"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.channels_last
        deltanet.channels_last
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"deltanet.{self.name}"

    def __copy__(self) -> memory_format:
        return self  # one object per format, as PyTorch's

    def __deepcopy__(self, memo: Any) -> memory_format:
        return self


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# The axes of a channels-last tensor from the outermost in memory to the innermost.
_ORDERS = {channels_last: (4, (0, 2, 3, 1)), channels_last_3d: (5, (0, 2, 3, 4, 1))}


def check_format(value: Any, owner: str) -> memory_format:
    """``value`` if it is a memory format, else PyTorch's TypeError."""
    if not isinstance(value, memory_format):
        raise TypeError(
            f"{owner}: argument 'memory_format' must be a memory format (dn.contiguous_format, "
            f"dn.channels_last, dn.channels_last_3d, dn.preserve_format), not {type(value).__name__}"
        )
    return value


def is_laid_out(array: np.ndarray, fmt: memory_format) -> bool:
    """Whether ``array`` lies in memory as ``fmt`` orders it (PyTorch's ``is_contiguous(fmt)``)."""
    if fmt not in _ORDERS:  # contiguous_format, and preserve_format as PyTorch reads it here
        return bool(array.flags.c_contiguous)
    rank, order = _ORDERS[fmt]
    if array.ndim != rank:
        return False
    expected = array.itemsize
    for axis in reversed(order):
        size = array.shape[axis]
        if size != 1:
            if array.strides[axis] != expected:
                return False
            expected *= size
    return True


def suggested_format(array: np.ndarray) -> memory_format:
    """PyTorch's ``suggest_memory_format``: a channels-last format where the array lies so (and not
    also in C order), else ``contiguous_format`` (a transposed array included)."""
    if not array.flags.c_contiguous:
        for fmt, (rank, _) in _ORDERS.items():
            if array.ndim == rank and is_laid_out(array, fmt):
                return fmt
    return contiguous_format


def laid_out(array: np.ndarray, fmt: memory_format, owner: str) -> np.ndarray:
    """A copy of ``array`` (the same values) that lies in memory as ``fmt`` orders it."""
    if fmt not in _ORDERS:
        return np.array(array, order="C", copy=True)
    rank, order = _ORDERS[fmt]
    if array.ndim != rank:
        raise RuntimeError(f"{owner}: required rank {rank} tensor to use {fmt.name} format, got shape {array.shape}")
    memory = np.array(array.transpose(order), order="C", copy=True)
    strides = [0] * rank  # PyTorch's, size-1 axes included (NumPy leaves theirs as they were)
    step = array.itemsize
    for axis in reversed(order):
        strides[axis] = step
        step *= max(array.shape[axis], 1)
    return np.ndarray(array.shape, array.dtype, buffer=memory, strides=tuple(strides))


def is_contiguous(input: Any, memory_format: Any = None) -> bool:
    """Whether the tensor's array lies in memory in the order of ``memory_format``: C order without
    gaps (``dn.contiguous_format``, the default), or channels last (``dn.channels_last`` for a 4-D
    tensor, ``dn.channels_last_3d`` for 5-D), by PyTorch's rule.

    Args:
        input: a tensor.
        memory_format: a memory format, or None (``dn.contiguous_format``).

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(2, 3, 4, 5)
        >>> x.is_contiguous(), x.is_contiguous(memory_format=dn.channels_last)
        (True, False)
    """
    if memory_format is None:
        return bool(input.array.flags.c_contiguous)
    return is_laid_out(input.array, check_format(memory_format, "is_contiguous()"))
