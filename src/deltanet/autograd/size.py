"""``Size``: PyTorch's ``torch.Size``, the shape of a tensor as a tuple of ints with ``numel()``.

``x.shape`` and ``x.size()`` return one, so ``x.shape == dn.Size([2, 3])`` (and ``== (2, 3)``) holds,
``x.shape[1:].numel()`` counts the features of a flattened batch, and NumPy takes it wherever it
takes a shape. It prints as the tuple it is, ``(2, 3)`` (NumPy's habit, which deltanet's dtypes
follow too: ``float32``, not ``torch.float32``), where PyTorch prints ``torch.Size([2, 3])``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex, overload

import numpy as np


class Size(tuple[int, ...]):
    r"""The shape of a tensor: a tuple of ints, as PyTorch's ``torch.Size``, with
    $\text{numel} = \prod_i n_i$.

    Args:
        sizes: an iterable of integers (``[2, 3]``, ``(2, 3)``, another ``Size``); empty for a scalar's shape.

    Raises:
        TypeError: an item is not an integer (PyTorch's error too).

    Examples:
        >>> import deltanet as dn
        >>> s = dn.Size([2, 3, 4])
        >>> s.numel(), s[1:].numel(), s == (2, 3, 4)
        (24, 12, True)
        >>> dn.zeros(2, 3).shape == dn.Size([2, 3])
        True
    """

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        items = []
        for i, n in enumerate(sizes):
            try:  # ints, NumPy integers and one-element integer tensors; not floats, not bools
                if isinstance(n, (bool, np.bool_)):
                    raise TypeError
                items.append(operator.index(n))
            except TypeError:
                what = f"item {i} is {type(n).__name__!r}: {n!r}"
                raise TypeError(f"Size() takes an iterable of 'int' ({what})") from None
        return tuple.__new__(cls, items)

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for the empty shape of a scalar)."""
        return math.prod(self)

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Size: ...

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(other, self))

    def __mul__(self, n: Any) -> Any:
        return tuple.__new__(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__


def shape_of(shape: tuple[int, ...]) -> Size:
    """``shape`` (a NumPy shape, ints already) as a ``Size``, without the checks of ``Size()``."""
    return tuple.__new__(Size, shape)
