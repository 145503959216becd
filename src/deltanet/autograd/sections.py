r"""Cutting a tensor into views along one axis, NumPy's way: ``tensor_split`` (sections of nearly
equal size, or cuts at given indices) and ``hsplit``, ``vsplit``, ``dsplit``.

``tensor_split(x, n)`` of an axis of length $L$ gives $L \bmod n$ pieces of $\lceil L / n \rceil$
elements, then pieces of $\lfloor L / n \rfloor$ (``split`` instead takes the size of each piece).
Each piece is a view (a slice), so its gradient flows back to ``x``.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.shapes import GetItem
from deltanet.autograd.tensor import Tensor


def _cuts(indices_or_sections: Any, length: int, owner: str) -> list[int]:
    """The cut positions along an axis of ``length``: from a number of sections or a list of indices."""
    given = indices_or_sections
    if isinstance(given, Tensor):
        if given.array.dtype.kind not in "iu" or given.ndim > 1:
            raise ValueError(f"{owner}: a tensor of indices_or_sections must be 0-d or 1-D integers, got {given}")
        given = given.array.tolist()
    if isinstance(given, (list, tuple)):
        return [_checks.integer(i, "indices", owner) for i in given]
    n = _checks.integer(given, "sections", owner, low=1)
    small, extra = divmod(length, n)
    return [i * small + min(i, extra) for i in range(1, n)]


def _pieces(x: Tensor, cuts: list[int], d: int) -> tuple[Tensor, ...]:
    length = x.shape[d]
    bounds = [0, *(min(max(c if c >= 0 else c + length, 0), length) for c in cuts), length]
    lead = (slice(None),) * d
    return tuple(
        GetItem.apply(x, index=(*lead, slice(start, max(start, stop)), Ellipsis))
        for start, stop in zip(bounds[:-1], bounds[1:])
    )


def tensor_split(input: Any, indices_or_sections: Any, dim: Any = 0) -> tuple[Tensor, ...]:
    r"""``input`` cut along ``dim`` into ``n`` views of nearly equal size, or at the given indices
    (``numpy.array_split``).

    With ``n`` sections of an axis of length $L$, the first $L \bmod n$ pieces have one element
    more than the others; with indices $[i_1, i_2, \dots]$ the pieces are ``x[:i1]``,
    ``x[i1:i2]``, ..., ``x[ik:]`` (indices past the end give empty pieces).

    Args:
        input: a tensor of at least one axis.
        indices_or_sections: a positive number of sections, or a list (or 1-D integer tensor) of
            cut indices.
        dim: the axis to cut along.

    Raises:
        ValueError: a number of sections that is not positive, or ``dim`` out of range.

    Examples:
        >>> import deltanet as dn
        >>> [p.tolist() for p in dn.tensor_split(dn.arange(7), 3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        >>> [p.tolist() for p in dn.arange(7).tensor_split([1, 5])]
        [[0], [1, 2, 3, 4], [5, 6]]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("tensor_split: needs a tensor of at least 1 dimension, got a 0-d tensor")
    d = normalize(_checks.integer(dim, "dim", "tensor_split"), x.ndim, "tensor_split")
    return _pieces(x, _cuts(indices_or_sections, x.shape[d], "tensor_split"), d)


def _split_on(x: Tensor, indices_or_sections: Any, d: int, owner: str) -> tuple[Tensor, ...]:
    """``tensor_split`` along ``d``, where a number of sections must divide the axis (NumPy's rule)."""
    if not isinstance(indices_or_sections, (list, tuple, Tensor)):
        n = _checks.integer(indices_or_sections, "sections", owner, low=1)
        if x.shape[d] % n:
            raise ValueError(
                f"{owner}: the size {x.shape[d]} of dimension {d} is not divisible by {n} sections; "
                "use tensor_split for pieces of unequal size"
            )
    return _pieces(x, _cuts(indices_or_sections, x.shape[d], owner), d)


def hsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    r"""``input`` cut into views side by side: along axis 1, or axis 0 for a 1-D tensor
    (``numpy.hsplit``); a number of sections must divide the axis.

    Args:
        input: a tensor of at least one axis.
        indices_or_sections: a number of equal sections, or a list of cut indices.

    Raises:
        ValueError: a 0-d tensor, or sections that do not divide the axis.

    Examples:
        >>> import deltanet as dn
        >>> [p.shape for p in dn.hsplit(dn.zeros(2, 4), 2)]
        [(2, 2), (2, 2)]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("hsplit: needs a tensor of at least 1 dimension, got a 0-d tensor")
    return _split_on(x, indices_or_sections, 1 if x.ndim > 1 else 0, "hsplit")


def vsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    r"""``input`` cut into views one below the other, along axis 0 (``numpy.vsplit``); a number of
    sections must divide the axis.

    Args:
        input: a tensor of at least two axes.
        indices_or_sections: a number of equal sections, or a list of cut indices.

    Raises:
        ValueError: fewer than two axes, or sections that do not divide the axis.

    Examples:
        >>> import deltanet as dn
        >>> [p.shape for p in dn.vsplit(dn.zeros(4, 2), [1])]
        [(1, 2), (3, 2)]
    """
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"vsplit: needs a tensor of at least 2 dimensions, got shape {x.shape}")
    return _split_on(x, indices_or_sections, 0, "vsplit")


def dsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:
    r"""``input`` cut into views along its depth, axis 2 (``numpy.dsplit``); a number of sections
    must divide the axis.

    Args:
        input: a tensor of at least three axes.
        indices_or_sections: a number of equal sections, or a list of cut indices.

    Raises:
        ValueError: fewer than three axes, or sections that do not divide the axis.

    Examples:
        >>> import deltanet as dn
        >>> [p.shape for p in dn.dsplit(dn.zeros(1, 2, 6), 3)]
        [(1, 2, 2), (1, 2, 2), (1, 2, 2)]
    """
    x = _tensor(input)
    if x.ndim < 3:
        raise ValueError(f"dsplit: needs a tensor of at least 3 dimensions, got shape {x.shape}")
    return _split_on(x, indices_or_sections, 2, "dsplit")
