r"""Ordering along an axis, with PyTorch's names: ``sort``, ``argsort``, ``topk``, ``flip``, and the
running sum ``cumsum``.

The order is found on the array (indices have no gradient); the values are then picked with the
same ``GetItem`` primitive as ``gather``, so their gradient goes back to the positions they came
from and no new gradient rule is needed. Equal values keep their original order (a stable sort,
in both directions), and NaN counts as larger than every number, as in PyTorch. ``flip`` and
``cumsum`` are primitives of their own: the gradient of a reversal is the reversed $\delta$, and
that of a running sum is the running sum of $\delta$ from the other end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.dims import normalize, pick_dim
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.reductions import ValuesIndices
from deltanet.autograd.shapes import GetItem
from deltanet.autograd.tensor import Tensor, leaf


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sorting indices along ``axis``; NaN last ascending and first descending, as PyTorch."""
    moved = np.moveaxis(x, axis, -1)
    if descending:
        # Ascending over the reversed axis, read backwards: larger first, NaN first (NumPy puts NaN
        # last), and equal values in their original order.
        last = moved.shape[-1] - 1
        order = last - np.argsort(moved[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    else:
        order = np.argsort(moved, axis=-1, kind="stable")
    return np.moveaxis(order, -1, axis)


def _pick(x: Tensor, axis: int, order: np.ndarray) -> ValuesIndices:
    grid: list[Any] = list(np.indices(order.shape, sparse=True))
    grid[axis] = order
    return ValuesIndices(GetItem.apply(x, index=tuple(grid)), leaf(order.astype(np.int64, copy=False)))


def _axis(x: Tensor, dim: Any, owner: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{owner}: needs a tensor with at least one axis, got a 0-d tensor")
    return normalize(pick_dim(dim, None, owner), x.ndim, owner)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    r"""The values of ``input`` in order along ``dim``, and where each came from.

    ``values`` is differentiable: each receives the gradient of the position it was taken from.
    The sort is always stable (equal values keep their order), so ``stable`` changes nothing.

    Args:
        input: a tensor (a 0-d one gives itself and the index 0, as in PyTorch).
        dim: the axis to sort along (the last by default).
        descending: largest first (NaN first), instead of smallest first (NaN last).
        stable: accepted for PyTorch's signature; the sort is stable either way.

    Returns:
        ``(values, indices)``: a named pair as ``torch.return_types.sort``; ``indices`` is int64.

    Examples:
        >>> import deltanet as dn
        >>> values, indices = dn.sort(dn.tensor([3.0, 1.0, 2.0]), descending=True)
        >>> values.tolist(), indices.tolist()
        ([3.0, 2.0, 1.0], [0, 2, 1])
    """
    check.flag(descending, "descending", "sort")
    check.flag(stable, "stable", "sort")
    x = _tensor(input)
    if x.ndim == 0:  # PyTorch: the value itself, at position 0
        normalize(pick_dim(dim, None, "sort"), 1, "sort")
        return _of_scalar(x)
    axis = _axis(x, dim, "sort")
    return _pick(x, axis, _order(x.array, axis, bool(descending)))


def _of_scalar(x: Tensor) -> ValuesIndices:
    """``sort``/``topk`` of a 0-d tensor, as PyTorch's: the value (a view) and the index 0."""
    return ValuesIndices(GetItem.apply(x, index=(Ellipsis,)), leaf(np.zeros((), np.int64)))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    r"""The indices that sort ``input`` along ``dim`` (``sort(...).indices``; int64, no gradient).

    Args:
        input: a tensor with at least one axis.
        dim: the axis to sort along (the last by default).
        descending: largest first, instead of smallest first.
        stable: accepted for PyTorch's signature; the order is stable either way.

    Examples:
        >>> import deltanet as dn
        >>> dn.argsort(dn.tensor([[3.0, 1.0, 2.0]]), dim=1).tolist()
        [[1, 2, 0]]
    """
    check.flag(descending, "descending", "argsort")
    check.flag(stable, "stable", "argsort")
    x = _tensor(input)
    if x.ndim == 0:
        normalize(pick_dim(dim, None, "argsort"), 1, "argsort")
        return leaf(np.zeros((), np.int64))
    axis = _axis(x, dim, "argsort")
    return leaf(_order(x.array, axis, bool(descending)).astype(np.int64, copy=False))


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    r"""The ``k`` largest (or smallest) values along ``dim`` and where they are, as ``torch.topk``:
    ``output.topk(5, 1)`` gives each row's five best classes.

    ``values`` is differentiable (the gradient goes to the positions chosen). Among equal values
    the earlier position comes first (``topk(tensor([-1., 3, 3, 7]), 2)`` gives indices [3, 1]).
    PyTorch documents its order among ties as not guaranteed (its CPU build gives [3, 2] there,
    from libstdc++'s selection algorithm); the values are the same.

    Args:
        input: a tensor with at least one axis.
        k: how many, $0 \le k \le$ the size of ``dim``.
        dim: the axis (the last by default).
        largest: the largest values (True) or the smallest (False).
        sorted: accepted for PyTorch's signature; the values always come in order.

    Returns:
        ``(values, indices)``, each with ``k`` along ``dim``; ``indices`` is int64.

    Examples:
        >>> import deltanet as dn
        >>> scores = dn.tensor([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4]])
        >>> scores.topk(2, dim=1).indices.tolist()
        [[1, 2], [0, 2]]
    """
    check.flag(largest, "largest", "topk")
    check.flag(sorted, "sorted", "topk")
    x = _tensor(input)
    if x.ndim == 0:  # PyTorch takes k of 0 or 1 and gives the value with index 0
        normalize(pick_dim(dim, None, "topk"), 1, "topk")
        check.integer(k, "k", "topk", low=0, high=1)
        return _of_scalar(x)
    axis = _axis(x, dim, "topk")
    count = check.integer(k, "k", "topk", low=0, high=x.shape[axis])  # at most the size of dim
    order = np.take(_order(x.array, axis, bool(largest)), np.arange(count), axis=axis)
    return _pick(x, axis, order)


class Flip(Function):
    r"""$z$ = $x$ reversed along ``axes`` (a copy, as PyTorch's ``flip``); $\delta$ is reversed back."""

    def forward(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        self.axes = axes
        return np.flip(x, axes).copy()

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return np.flip(delta, self.axes)


class CumSum(Function):
    r"""$z_i = \sum_{j \le i} x_j$ along ``axis``; $\partial L / \partial x_j = \sum_{i \ge j} \delta_i$,
    the running sum of $\delta$ taken from the other end."""

    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        return _running_sum(x, axis)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        axis = self.axis
        return np.flip(_running_sum(np.flip(delta, axis), axis), axis)


def _running_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """``np.cumsum``, float32 accumulated in float64 as PyTorch's CPU kernel does: a running sum adds
    its rounding error at every step (a million float32 0.1s summed to 100958, not 100000)."""
    if x.dtype == np.float32:
        return np.cumsum(x, axis=axis, dtype=np.float64).astype(np.float32)
    return np.cumsum(x, axis=axis)


def flip(input: Any, dims: Any) -> Tensor:
    r"""``input`` with the order of its elements reversed along each axis of ``dims`` (a copy).

    Args:
        input: a tensor.
        dims: an axis or a list of axes (negative counts from the end), each at most once.

    Examples:
        >>> import deltanet as dn
        >>> dn.flip(dn.tensor([[1, 2], [3, 4]]), [1]).tolist()
        [[2, 1], [4, 3]]
    """
    x = _tensor(input)
    axes = dims if isinstance(dims, (tuple, list)) else (dims,)
    for d in axes:
        check.integer(d, "dims", "flip")
    normal = tuple(normalize(int(d), x.ndim, "flip") for d in axes)
    if len(set(normal)) != len(normal):
        raise ValueError(f"flip: each axis may appear once in dims, got {dims!r}")
    if x.ndim == 0:
        normal = ()
    return Flip.apply(x, axes=normal)


def flip_method(self: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    """``x.flip(2, 3)``, ``x.flip([2, 3])`` or ``x.flip(dims=[2, 3])``: the method takes the axes
    one by one as well, as PyTorch's does."""
    if kwargs:
        if dims or set(kwargs) != {"dims"}:
            raise TypeError(f"flip() takes the axes as dims=... or one by one, got {dims!r} and {kwargs!r}")
        return flip(self, kwargs["dims"])
    if not dims:
        raise TypeError("flip() missing the axes to flip (dims)")
    return flip(self, dims[0] if len(dims) == 1 else dims)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    r"""The running sum along ``dim``: $z_i = \sum_{j \le i} x_j$.

    Integer and bool inputs give int64 sums, as in PyTorch.

    Args:
        input: a tensor.
        dim: the axis to sum along.
        dtype: convert the input to this dtype first (a float dtype keeps the gradient).

    Examples:
        >>> import deltanet as dn
        >>> dn.cumsum(dn.tensor([1.0, 2.0, 3.0]), dim=0).tolist()
        [1.0, 3.0, 6.0]
    """
    x = _tensor(input)
    if dtype is not None:
        x = to_dtype(x, backend.resolve_dtype(dtype, "cumsum"))
    elif x.array.dtype.kind in "biu":
        x = to_dtype(x, backend.INDEX_DTYPE)
    axis = normalize(pick_dim(dim, None, "cumsum"), x.ndim, "cumsum")
    if x.ndim == 0:
        return Flip.apply(x, axes=())  # the one element, as a new tensor with history
    z = CumSum.apply(x, axis=axis)
    # NumPy accumulates small integers in int64; dtype= is the result's dtype, as PyTorch's
    return z if z.array.dtype == x.array.dtype else to_dtype(z, x.array.dtype)


def msort(input: Any) -> Tensor:
    r"""``input`` sorted along its first axis, smallest first (NaN last): ``sort(input, dim=0).values``,
    with its gradient.

    Args:
        input: a tensor (a 0-d one is returned as a copy).

    Examples:
        >>> import deltanet as dn
        >>> dn.msort(dn.tensor([[3.0, 1.0], [1.0, 2.0]])).tolist()
        [[1.0, 1.0], [3.0, 2.0]]
    """
    x = _tensor(input)
    return x.clone() if x.ndim == 0 else sort(x, dim=0).values
