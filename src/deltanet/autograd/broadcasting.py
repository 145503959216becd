r"""Shapes that follow other shapes: ``broadcast_to``, ``broadcast_tensors``, ``broadcast_shapes``,
``sum_to_size`` (a broadcast undone), ``tile``, ``movedim``/``moveaxis``, ``reshape_as`` and
``atleast_1d``/``2d``/``3d``, built on ``expand``, ``repeat``, ``permute``, ``reshape`` and ``sum`` (so
differentiable, views where those are views).

Broadcasting aligns the shapes from the right; an axis of size 1 stretches to the other size:
$(3, 1)$ and $(4,)$ broadcast to $(3, 4)$. The gradient of a broadcast input sums $\delta$ over
the axes it was stretched along.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.shapes import _shape, expand, permute, repeat, reshape
from deltanet.autograd.tensor import Tensor


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    r"""The shape that tensors of ``shapes`` broadcast to, without making any tensor.

    Args:
        shapes: shapes (tuples of integers, or single integers).

    Raises:
        ValueError: the shapes do not broadcast.

    Examples:
        >>> import deltanet as dn
        >>> dn.broadcast_shapes((3, 1), (4,))
        (3, 4)
    """
    try:
        return tuple(np.broadcast_shapes(*(tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in shapes)))
    except ValueError:
        raise ValueError(f"broadcast_shapes: the shapes {list(shapes)} do not broadcast together") from None


def broadcast_to(input: Any, size: Any) -> Tensor:
    r"""A read-only view of ``input`` stretched to ``size`` (``-1`` keeps a size), as ``expand``.

    Args:
        input: a tensor.
        size: the new shape.

    Raises:
        ValueError: ``input`` does not broadcast to ``size``.

    Examples:
        >>> import deltanet as dn
        >>> dn.broadcast_to(dn.tensor([1, 2, 3]), (2, 3)).tolist()
        [[1, 2, 3], [1, 2, 3]]
    """
    return expand(_tensor(input), _shape((size,), "broadcast_to"))


def sum_to_size(input: Any, *size: Any) -> Tensor:
    r"""``input`` summed down to ``size``, a shape that broadcasts to ``input``'s (PyTorch's
    ``Tensor.sum_to_size``): the sum over the leading axes ``size`` lacks and over the axes where
    ``size`` is 1. It undoes a broadcast, as a broadcast input's gradient does; ``input`` itself
    when the shapes are equal.

    Args:
        input: a tensor.
        size: the target shape, as integers or one tuple (or ``Size``).

    Raises:
        RuntimeError: ``size`` does not broadcast to ``input``'s shape (PyTorch's error).

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6.0).reshape(2, 3).sum_to_size(1, 3).tolist()
        [[3.0, 5.0, 7.0]]
    """
    x = _tensor(input)
    shape = _shape(size, "sum_to_size")
    lead = x.ndim - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:], strict=True)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(x.shape)}}}.")
    if shape == tuple(x.shape):
        return x
    stretched = tuple(lead + i for i, (n, m) in enumerate(zip(shape, x.shape[lead:], strict=True)) if n == 1 and m != 1)
    out = x.sum(dim=tuple(range(lead)) + stretched, keepdim=True) if lead or stretched else x
    return out.reshape(shape)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    r"""The tensors stretched to their common broadcast shape (read-only views).

    Args:
        tensors: tensors whose shapes broadcast together.

    Raises:
        ValueError: the shapes do not broadcast.

    Examples:
        >>> import deltanet as dn
        >>> a, b = dn.broadcast_tensors(dn.zeros(3, 1), dn.zeros(4))
        >>> a.shape, b.shape
        ((3, 4), (3, 4))
    """
    ts = [_tensor(t) for t in tensors]
    shape = broadcast_shapes(*(t.shape for t in ts))
    return tuple(expand(t, shape) for t in ts)


def tile(input: Any, dims: Any) -> Tensor:
    r"""``input`` repeated ``dims[i]`` times along each axis (``numpy.tile``): with fewer numbers than
    axes, the leading axes are repeated once; with more, new leading axes are added. A copy.

    Args:
        input: a tensor.
        dims: the number of repetitions per axis (a tuple of non-negative integers).

    Raises:
        ValueError: ``dims`` is not a tuple of non-negative integers.

    Examples:
        >>> import deltanet as dn
        >>> dn.tile(dn.tensor([[1, 2]]), (2,)).tolist()
        [[1, 2, 1, 2]]
    """
    x = _tensor(input)
    counts = _shape((dims,), "tile")
    return repeat(x, (1,) * (x.ndim - len(counts)) + counts)


def _axes(value: Any, name: str, ndim: int) -> tuple[int, ...]:
    given = value if isinstance(value, (tuple, list)) else (value,)
    axes = tuple(normalize(_checks.integer(d, name, "movedim"), ndim, "movedim") for d in given)
    if len(set(axes)) != len(axes):
        raise ValueError(f"movedim: each axis may appear once in {name}, got {value!r}")
    return axes


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    r"""A view of ``input`` with the axes ``source`` moved to the positions ``destination``, the
    other axes keeping their order (``numpy.moveaxis``): ``movedim(x, 1, -1)`` turns $(N, C, H, W)$
    into $(N, H, W, C)$.

    Args:
        input: a tensor.
        source: an axis or a tuple of axes to move.
        destination: their new positions (as many as ``source``).

    Raises:
        ValueError: repeated axes, axes out of range, or ``source`` and ``destination`` of
            different lengths.

    Examples:
        >>> import deltanet as dn
        >>> dn.movedim(dn.zeros(2, 3, 4, 5), 1, -1).shape
        (2, 4, 5, 3)
    """
    x = _tensor(input)
    src, dst = _axes(source, "source", x.ndim), _axes(destination, "destination", x.ndim)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source!r} and destination {destination!r} name different numbers of axes")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, order)


moveaxis = movedim


def reshape_as(input: Any, other: Any) -> Tensor:
    r"""``input`` reshaped to ``other``'s shape (a view where the memory allows).

    Args:
        input: a tensor.
        other: the tensor whose shape to take.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(6).reshape_as(dn.zeros(3, 2)).shape
        (3, 2)
    """
    return reshape(_tensor(input), tuple(_tensor(other).shape))


def _at_least(tensors: tuple, lift: Any, owner: str) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(lift(_tensor(t)) for t in tensors[0])
    if len(tensors) == 1:
        return lift(_tensor(tensors[0]))
    if not tensors:
        raise ValueError(f"{owner}: needs at least one tensor")
    return tuple(lift(_tensor(t)) for t in tensors)


def atleast_1d(*tensors: Any) -> Any:
    r"""Each tensor with at least one axis (a 0-d tensor becomes shape $(1,)$); views.

    Args:
        tensors: one tensor, several, or one list of tensors (then a tuple is returned).

    Examples:
        >>> import deltanet as dn
        >>> dn.atleast_1d(dn.tensor(1.0)).shape
        (1,)
    """
    return _at_least(tensors, lambda t: t if t.ndim >= 1 else reshape(t, (1,)), "atleast_1d")


def atleast_2d(*tensors: Any) -> Any:
    r"""Each tensor with at least two axes (shape $(n,)$ becomes $(1, n)$); views.

    Args:
        tensors: one tensor, several, or one list of tensors (then a tuple is returned).

    Examples:
        >>> import deltanet as dn
        >>> dn.atleast_2d(dn.zeros(3)).shape
        (1, 3)
    """
    return _at_least(tensors, lambda t: t if t.ndim >= 2 else reshape(t, (1, -1)), "atleast_2d")


def _three(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return reshape(t, (1, t.shape[0], 1))
    if t.ndim == 2:
        return reshape(t, (*t.shape, 1))
    return t


def atleast_3d(*tensors: Any) -> Any:
    r"""Each tensor with at least three axes (as NumPy: $(n,)$ becomes $(1, n, 1)$, $(m, n)$ becomes
    $(m, n, 1)$); views.

    Args:
        tensors: one tensor, several, or one list of tensors (then a tuple is returned).

    Examples:
        >>> import deltanet as dn
        >>> dn.atleast_3d(dn.zeros(3)).shape, dn.atleast_3d(dn.zeros(2, 3)).shape
        ((1, 3, 1), (2, 3, 1))
    """
    return _at_least(tensors, _three, "atleast_3d")
