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

``x.dim_order()`` names the axes from the outermost in memory to the innermost, by PyTorch's
algorithm (an insertion sort on the strides, ties kept in logical order, size-1 axes placed as
PyTorch places them).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np


class NamedConstant:
    """One object per name, as PyTorch's memory formats and layouts: printed as ``deltanet.<name>``,
    compared with ``is``, and copied as itself (a model's deep copy keeps ``dn.channels_last``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"deltanet.{self.name}"

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: Any) -> Self:
        return self


class memory_format(NamedConstant):  # noqa: N801 - PyTorch's class name (torch.memory_format)
    """A memory format, as ``torch.memory_format``: compare with ``is``.

    Args:
        name: ``"contiguous_format"``, ``"channels_last"``, ``"channels_last_3d"`` or ``"preserve_format"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.channels_last
        deltanet.channels_last
    """

    __slots__ = ()


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


def _should_swap(shape: tuple[int, ...], strides: tuple[int, ...], a: int, b: int) -> int:
    """PyTorch's comparison of axes ``a`` and ``b`` (``compute_elementwise_output_logical_to_physical_perm``):
    1 if ``a`` lies outside ``b`` in memory, -1 if inside, 0 if it cannot tell."""
    stride_a, stride_b = strides[a], strides[b]
    if stride_a == 0 or stride_b == 0:
        return 0
    if stride_a == stride_b:
        return 0 if shape[b] >= shape[a] else 1
    return -1 if stride_b >= stride_a else 1


def dim_order(self: Any, *, ambiguity_check: Any = False) -> tuple[int, ...]:
    """The axes from the outermost in memory to the innermost, as PyTorch's ``Tensor.dim_order``:
    ``(0, 1, 2, 3)`` for C order, ``(0, 2, 3, 1)`` for channels last.

    With ``ambiguity_check=True`` a tensor whose order is not unique (an axis of size 1, or two
    neighbouring axes with the same stride) raises; with a list of memory formats it raises unless
    the tensor is contiguous in exactly one of them.

    Args:
        self: a tensor.
        ambiguity_check: False, True, or a list of memory formats.

    Raises:
        TypeError: ``ambiguity_check`` is neither a bool nor a list of memory formats.
        RuntimeError: the order is ambiguous.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3, 5, 7).dim_order(), dn.zeros(2, 3, 5, 7).transpose(1, 2).dim_order()
        ((0, 1, 2, 3), (0, 2, 1, 3))
    """
    message = "The ambiguity_check argument must be a bool or a list of memory formats."
    if not isinstance(ambiguity_check, bool):
        if not isinstance(ambiguity_check, list) or not all(isinstance(f, memory_format) for f in ambiguity_check):
            raise TypeError(message)
    array = self.array
    shape = array.shape
    strides = tuple(s // array.itemsize for s in array.strides) if array.itemsize else (0,) * array.ndim
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    check = ambiguity_check if isinstance(ambiguity_check, bool) else True
    several = any(x == y for x, y in zip(strides, strides[1:])) or 1 in shape
    if check and several and sum(is_laid_out(array, f) for f in formats) != 1:
        raise RuntimeError(
            "The tensor does not have unique dim order, or cannot map to exact one of the given memory formats."
        )
    ndim = array.ndim
    if ndim <= 1:
        return tuple(range(ndim))
    contiguous, last = is_laid_out(array, contiguous_format), is_laid_out(array, channels_last)
    if contiguous and not last:
        return tuple(range(ndim))
    if last and not contiguous:
        return (0, *range(2, ndim), 1)
    perm = list(reversed(range(ndim)))
    for i in range(1, ndim):  # PyTorch's insertion sort, back to front
        j = i
        for k in reversed(range(i)):
            order = _should_swap(shape, strides, perm[k], perm[j])
            if order > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif order < 0:
                break
    if ambiguity_check and any(_should_swap(shape, strides, perm[i], perm[i + 1]) != -1 for i in range(ndim - 1)):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(perm))
