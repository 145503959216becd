r"""Robust and NaN-aware statistics, with PyTorch's names: ``median``/``nanmedian``,
``quantile``/``nanquantile``, ``kthvalue``, ``mode``, ``aminmax``, ``nansum``/``nanmean`` and
``var_mean``/``std_mean``, the reductions of intensity normalisation and percentile clipping.

Each but ``nansum``/``nanmean`` (``NanSum``) is written with primitives that already have
gradients (``sort``, ``gather``, ``where``, ``amax``, sums and products), and the gradients are
PyTorch's: an order statistic along ``dim`` sends its gradient to the index it returns; the median
of a whole tensor shares it equally among the elements equal to it; a quantile is a linear
interpolation between two sorted values (PyTorch's ``lerp``), so the two receive $1 - w$ and $w$.

Order follows ``sort``: stable, NaN larger than every number. ``median`` and ``quantile`` return
NaN for a slice that holds one (``median`` returns its first NaN's index); ``nanmedian`` and
``nanquantile`` leave NaN out, and give NaN only for a slice of NaN alone. The median is the lower
of the two middle values for an even count, as in PyTorch (NumPy averages them).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.dims import normalize, pick_dim
from deltanet.autograd.elementwise import _tensor, where
from deltanet.autograd.function import Function
from deltanet.autograd.reductions import Max, Sum, ValuesIndices, _expand, amax, amin, std, var
from deltanet.autograd.reductions import mean as _mean
from deltanet.autograd.shapes import gather, permute, reshape
from deltanet.autograd.sorting import sort
from deltanet.autograd.special import Lerp
from deltanet.autograd.tensor import Tensor, leaf

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# -- order statistics ----------------------------------------------------------------------------
def _last_axis(x: Tensor, dim: int) -> Tensor:
    """``x`` with axis ``dim`` moved to the end (a recorded permutation)."""
    if dim == x.ndim - 1:
        return x
    order = [a for a in range(x.ndim) if a != dim] + [dim]
    return permute(x, *order)


def _pick_along(x: Tensor, dim: Any, keepdim: Any, position: Any, owner: str) -> ValuesIndices:
    """The element at sorted ``position(sorted_data, n)`` along ``dim``, and its index in ``x``."""
    keep = check.flag(keepdim, "keepdim", owner)
    if x.ndim == 0:
        return ValuesIndices(x * 1, leaf(np.zeros((), np.int64)))
    d = normalize(pick_dim(dim, None, owner), x.ndim, owner)
    if x.shape[d] == 0:
        raise ValueError(f"{owner}: the axis {d} of a tensor of shape {x.shape} is empty")
    values, order = sort(x, dim=d)
    k = np.expand_dims(position(np.moveaxis(values.array, d, -1), x.shape[d]), d)
    index = leaf(np.take_along_axis(order.array, k, axis=d))
    picked = gather(values, d, leaf(k))
    if not keep:
        picked, index = picked.squeeze(d), leaf(index.array.squeeze(d))
    return ValuesIndices(picked, index)


def _median_position(nan: bool) -> Any:
    def position(values: np.ndarray, n: int) -> np.ndarray:
        missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
        valid = n - missing.sum(axis=-1)
        if nan:  # the lower middle of the numbers; position 0 (a NaN) when there are none
            return np.maximum(valid - 1, 0) // 2
        return np.where(valid < n, valid, (n - 1) // 2)  # the first NaN (sorted last, stably) or the middle

    return position


def _median(input: Any, dim: Any, keepdim: Any, nan: bool, owner: str) -> Any:
    x = _tensor(input)
    if dim is not None:
        return _pick_along(x, dim, keepdim, _median_position(nan), owner)
    if x.size == 0:
        if x.array.dtype.kind == "f":  # PyTorch's median of no values: NaN (connected to x, with no gradient)
            return x.sum() * float("nan")
        raise ValueError(f"{owner}() of an empty tensor of shape {x.shape} has no value")
    value = _pick_along(reshape(x, -1), 0, False, _median_position(nan), owner).values
    if x.array.dtype.kind != "f" or np.isnan(value.array):
        return leaf(value.array) if x.array.dtype.kind != "f" else value
    # PyTorch shares the gradient equally among the elements equal to the median.
    ties = leaf(x.array == value.array)
    return Max.apply(where(ties, x, float("-inf")), axis=None, keepdims=False)


def median(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    r"""The median of ``input`` (the lower of the two middle values for an even count), or, along
    ``dim``, ``(values, indices)``.

    For sorted $x_{(0)} \le \dots \le x_{(n-1)}$ the median is $x_{(\lfloor (n-1)/2 \rfloor)}$,
    as in PyTorch (NumPy's ``median`` averages the two middle values). A NaN makes it NaN.

    Args:
        input: a tensor.
        dim: None (the median of every element, a 0-d tensor), or the axis to take it along.
        keepdim: with ``dim``, keep that axis with size 1.

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)`` (``indices`` int64) with ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.median(dn.tensor([4.0, 1.0, 3.0, 2.0])).item()
        2.0
        >>> dn.tensor([[3.0, 1.0, 2.0]]).median(dim=1).indices.tolist()
        [2]
    """
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    r"""``median`` that leaves NaN out: the lower middle value of the numbers (NaN when there are none).

    In a slice of NaN alone the index returned is 0 (PyTorch's depends on the slice's length).

    Args:
        input: a tensor.
        dim: None (every element), or the axis to take it along.
        keepdim: with ``dim``, keep that axis with size 1.

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)`` with ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nanmedian(dn.tensor([float("nan"), 1.0, 5.0, 3.0])).item()
        3.0
    """
    return _median(input, dim, keepdim, True, "nanmedian")


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    r"""The ``k``-th smallest value along ``dim`` ($k = 1$ is the smallest) and its index.

    Among equal values the index is the earliest one that sorts to rank $k$ (a stable sort); PyTorch
    leaves the choice among ties unspecified. The gradient goes to that index.

    Args:
        input: a tensor.
        k: the rank, $1 \le k \le$ the size of ``dim``.
        dim: the axis (the last by default).
        keepdim: keep that axis with size 1.

    Returns:
        A named pair ``(values, indices)``; ``indices`` is int64.

    Examples:
        >>> import deltanet as dn
        >>> dn.kthvalue(dn.tensor([5.0, 1.0, 4.0, 2.0]), 2).values.item()
        2.0
    """
    x = _tensor(input)
    n = x.shape[normalize(pick_dim(dim, None, "kthvalue"), x.ndim, "kthvalue")] if x.ndim else 1
    rank = check.integer(k, "k", "kthvalue", low=1, high=n)
    return _pick_along(x, dim, keepdim, lambda values, n: np.full(values.shape[:-1], rank - 1), "kthvalue")


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    r"""The most frequent value along ``dim`` (the smallest of equally frequent ones) and the index of
    its last occurrence, as PyTorch's ``mode``; the gradient goes to that index.

    Args:
        input: a tensor.
        dim: the axis (the last by default).
        keepdim: keep that axis with size 1.

    Returns:
        A named pair ``(values, indices)``; ``indices`` is int64.

    Examples:
        >>> import deltanet as dn
        >>> result = dn.mode(dn.tensor([[1, 2, 2, 1, 3], [5, 5, 4, 4, 4]]))
        >>> result.values.tolist(), result.indices.tolist()
        ([1, 4], [3, 4])
    """
    x = _tensor(input)
    keep = check.flag(keepdim, "keepdim", "mode")
    if x.ndim == 0:
        return ValuesIndices(x * 1, leaf(np.zeros((), np.int64)))
    d = normalize(pick_dim(dim, None, "mode"), x.ndim, "mode")
    if x.shape[d] == 0:
        raise ValueError(f"mode: the axis {d} of a tensor of shape {x.shape} is empty")
    rows = np.moveaxis(x.array, d, -1).reshape(-1, x.shape[d])
    where_last = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        # ascending, each NaN on its own (as unique): argmax takes the smallest tie
        values, counts = np.unique(row, return_counts=True, equal_nan=False)
        winner = values[np.argmax(counts)]
        same = np.isnan(row[::-1]) if winner != winner else row[::-1] == winner
        where_last[r] = len(row) - 1 - np.flatnonzero(same)[0]
    shape = list(x.shape)
    shape[d] = 1
    index = np.moveaxis(where_last.reshape([*np.moveaxis(x.array, d, -1).shape[:-1], 1]), -1, d)
    picked = gather(x, d, leaf(index))
    if not keep:
        return ValuesIndices(picked.squeeze(d), leaf(index.squeeze(d)))
    return ValuesIndices(picked, leaf(index))


class MinMax(NamedTuple):
    """What ``aminmax`` returns, as PyTorch's ``torch.return_types.aminmax``.

    Attributes:
        min: the smallest values.
        max: the largest values.

    Examples:
        >>> import deltanet as dn
        >>> low, high = dn.aminmax(dn.tensor([3.0, -1.0, 2.0]))
        >>> low.item(), high.item()
        (-1.0, 3.0)
    """

    min: Tensor
    max: Tensor


def aminmax(input: Any, *, dim: Any = None, keepdim: bool = False) -> MinMax:
    r"""The smallest and the largest values, over ``dim`` (every element when None), as ``(min, max)``;
    tied extremes share the gradient equally (as ``amin`` and ``amax``).

    Args:
        input: a tensor.
        dim: one axis, or None for every element.
        keepdim: keep the reduced axis with size 1.

    Examples:
        >>> import deltanet as dn
        >>> dn.aminmax(dn.tensor([[1.0, 5.0], [3.0, 0.0]]), dim=0).max.tolist()
        [3.0, 5.0]
    """
    x = _tensor(input)
    keep = check.flag(keepdim, "keepdim", "aminmax")
    axis = None if dim is None else normalize(check.integer(dim, "dim", "aminmax"), x.ndim, "aminmax")
    if x.size == 0 and (axis is None or x.shape[axis] == 0):  # (2, 0) over dim 0 is empty, not an error
        raise ValueError(f"aminmax(): a tensor of shape {x.shape} is empty: no smallest or largest value")
    if x.array.dtype.kind == "b":  # no gradient
        return MinMax(
            leaf(np.asarray(x.array.min(axis=axis, keepdims=keep))),
            leaf(np.asarray(x.array.max(axis=axis, keepdims=keep))),
        )
    return MinMax(amin(x, axis, keep), amax(x, axis, keep))


# -- quantiles -----------------------------------------------------------------------------------
def _lerp(start: Tensor, end: Tensor, w: np.ndarray) -> Tensor:
    r"""PyTorch's ``lerp``: $a + w(b - a)$ for $w < 0.5$, else $b - (b - a)(1 - w)$; its gradients are
    products ($\delta (1 - w)$, $\delta w$), so an infinite delta stays infinite (not inf - inf)."""
    return Lerp.apply(start, end, leaf(w))


def _quantile(input: Any, q: Any, dim: Any, keepdim: Any, interpolation: Any, nan: bool, owner: str) -> Tensor:
    x = _tensor(input)
    if x.array.dtype.kind != "f":
        raise ValueError(f"{owner}() needs a floating-point tensor, got dtype {x.dtype}")
    check.one_of(interpolation, "interpolation", INTERPOLATIONS, owner)
    keep = check.flag(keepdim, "keepdim", owner)
    qs = np.asarray(q.array if isinstance(q, Tensor) else q)
    if qs.ndim > 1 or qs.dtype.kind not in "iuf" or qs.dtype.kind == "b":
        raise ValueError(f"{owner}: q must be a number or a 0-d or 1-D tensor of them, got {q!r}")
    if isinstance(q, Tensor) and q.array.dtype != x.array.dtype:
        raise ValueError(f"{owner}: q must have the dtype of input ({x.dtype}), got {q.dtype}")
    if qs.size and not ((qs >= 0) & (qs <= 1)).all():
        raise ValueError(f"{owner}: q must be in [0, 1], got {qs.tolist()}")
    if x.size == 0:
        raise ValueError(f"{owner}() of an empty tensor of shape {x.shape} has no value")
    shape = x.shape
    if dim is None:
        flat, d = reshape(x, -1), 0
    else:
        d = normalize(pick_dim(dim, None, owner), x.ndim, owner) if x.ndim else 0
        flat = x if x.ndim else reshape(x, 1)
    values = sort(_last_axis(flat, d), dim=-1).values  # NaN last
    n = values.shape[-1]
    missing = np.isnan(values.array)
    dtype = values.array.dtype.type
    q_row = qs.reshape(-1).astype(dtype)
    if nan:
        count = (n - missing.sum(axis=-1, keepdims=True)).astype(dtype)
        ranks = np.where(count > 0, q_row * (count - 1), dtype(n - 1))
    else:
        ranks = np.where(missing.any(axis=-1, keepdims=True), dtype(n - 1), q_row * dtype(n - 1))
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as PyTorch's round
    below = np.floor(ranks).astype(np.int64)
    out = gather(values, -1, leaf(below))
    if interpolation in ("linear", "midpoint"):
        above = gather(values, -1, leaf(np.ceil(ranks).astype(np.int64)))
        w = np.full_like(ranks, 0.5) if interpolation == "midpoint" else (ranks - below).astype(dtype)
        out = _lerp(out, above, w)
    if qs.ndim:  # q's axis (last here) comes first
        out = permute(out, out.ndim - 1, *range(out.ndim - 1))
    else:
        out = reshape(out, out.shape[:-1])
    if keep:
        kept = (1,) * len(shape) if dim is None else shape[:d] + (1,) + shape[d + 1 :]
        out = reshape(out, qs.shape + kept)
    return out


def quantile(input: Any, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    r"""The ``q``-th quantiles of ``input`` along ``dim`` (of every element when None), as PyTorch.

    With the sorted values $x_{(0)} \le \dots \le x_{(n-1)}$ and the rank $r = q (n - 1)$,
    ``"linear"`` gives $x_{(\lfloor r \rfloor)} + (r - \lfloor r \rfloor)(x_{(\lceil r \rceil)} -
    x_{(\lfloor r \rfloor)})$; ``"lower"`` and ``"higher"`` the values at $\lfloor r \rfloor$ and
    $\lceil r \rceil$; ``"midpoint"`` their mean; ``"nearest"`` the value at $r$ rounded half to
    even. A slice that holds a NaN gives NaN.

    Args:
        input: a floating-point tensor.
        q: a number in $[0, 1]$, or a 0-d or 1-D tensor of them (of ``input``'s dtype).
        dim: the axis, or None for every element.
        keepdim: keep the reduced axis with size 1 (every axis with ``dim=None``).
        interpolation: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.

    Returns:
        A tensor of the reduced shape; a 1-D ``q`` adds a first axis, one entry per quantile.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> dn.quantile(x, 0.3).item(), x.quantile(dn.tensor([0.25, 0.5])).tolist()
        (1.2000000476837158, [1.0, 2.0])
        >>> dn.quantile(x, 0.3, interpolation="nearest").item()
        1.0
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input: Any, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    r"""``quantile`` that leaves NaN out: the rank is $r = q (m - 1)$ for the $m$ numbers of each slice
    (NaN for a slice of NaN alone).

    Args:
        input: a floating-point tensor.
        q: a number in $[0, 1]$, or a 0-d or 1-D tensor of them (of ``input``'s dtype).
        dim: the axis, or None for every element.
        keepdim: keep the reduced axis with size 1 (every axis with ``dim=None``).
        interpolation: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nanquantile(dn.tensor([float("nan"), 0.0, 10.0]), 0.5).item()
        5.0
    """
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


# -- NaN-aware sums ------------------------------------------------------------------------------
def _axes(x: Tensor, dim: Any, owner: str) -> Any:
    axes = pick_dim(dim, None, owner)
    if axes is None:
        return None
    if isinstance(axes, tuple):
        return tuple(normalize(a, x.ndim, owner) for a in axes) if axes else None
    return normalize(axes, x.ndim, owner)


class NanSum(Function):
    r"""$z = \sum_{x_i \ne \mathrm{NaN}} x_i$ over ``axis`` (divided by the count $m$ of numbers when
    ``mean``); $\partial z / \partial x_i = [x_i \ne \mathrm{NaN}]$ (over $m$), multiplied as in PyTorch,
    so a slice of NaN alone has a NaN mean and NaN gradients."""

    def forward(self, x: np.ndarray, axis: Any, keepdims: bool, mean: bool) -> np.ndarray:
        self.shape, self.axis, self.keepdims, self.mean = x.shape, axis, keepdims, mean
        self.kept = ~np.isnan(x)
        z = np.sum(np.where(self.kept, x, x.dtype.type(0)), axis=axis, keepdims=keepdims)
        if mean:
            self.count = np.sum(self.kept, axis=axis, keepdims=True).astype(x.dtype)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = z / (self.count if keepdims else np.squeeze(self.count, axis=axis))
        return np.asarray(z, dtype=x.dtype)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = _expand(delta, self.shape, self.axis, self.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.mean:
                g = g / self.count
            return np.broadcast_to(g, self.shape) * self.kept


def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    r"""$\sum x$ over ``dim`` with NaN counted as 0 (their gradient is 0).

    Args:
        input: a tensor (integers and bools sum to int64).
        dim: an axis or a tuple of axes (every axis when None).
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``input`` to this dtype first.

    Examples:
        >>> import deltanet as dn
        >>> dn.nansum(dn.tensor([1.0, float("nan"), 2.0])).item()
        3.0
    """
    x = _tensor(input)
    if dtype is not None:
        x = x.to(backend.resolve_dtype(dtype, "dtype"))
    keep = check.flag(keepdim, "keepdim", "nansum")
    axes = _axes(x, dim, "nansum")
    if x.array.dtype.kind != "f":
        total = Sum.apply(x, axis=axes, keepdims=keep)  # int64, or dtype= itself (wrapping), as PyTorch's
        return total if dtype is None or total.array.dtype == x.array.dtype else total.to(x.array.dtype)
    return NanSum.apply(x, axis=axes, keepdims=keep, mean=False)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    r"""The mean $\frac{1}{m} \sum x$ of the $m$ numbers that are not NaN, over ``dim`` (NaN when $m = 0$).

    Args:
        input: a floating-point tensor.
        dim: an axis or a tuple of axes (every axis when None).
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``input`` to this dtype first.

    Examples:
        >>> import deltanet as dn
        >>> dn.nanmean(dn.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1).tolist()
        [1.0, 3.0]
    """
    x = _tensor(input)
    if dtype is not None:
        x = x.to(backend.resolve_dtype(dtype, "dtype"))
    if x.array.dtype.kind != "f":
        raise ValueError(f"nanmean() needs a floating-point tensor, got dtype {x.dtype}")
    keep = check.flag(keepdim, "keepdim", "nanmean")
    return NanSum.apply(x, axis=_axes(x, dim, "nanmean"), keepdims=keep, mean=True)


# -- spread and location together ----------------------------------------------------------------
def var_mean(
    input: Any, dim: Any = None, unbiased: Any = None, keepdim: Any = None, *, correction: Any = None
) -> tuple[Tensor, Tensor]:
    r"""The variance $\frac{1}{N - c} \sum (x - \bar x)^2$ and the mean $\bar x$ over ``dim``, as a pair.

    Args:
        input: a floating-point tensor.
        dim: an axis or a tuple of axes (every axis when None).
        unbiased: True for $c = 1$, False for $c = 0$ (PyTorch's older argument).
        keepdim: keep the reduced axes with size 1.
        correction: $c$ itself (1 by default, PyTorch's default).

    Examples:
        >>> import deltanet as dn
        >>> v, m = dn.var_mean(dn.tensor([1.0, 2.0, 4.0]), correction=0)
        >>> round(v.item(), 4), round(m.item(), 4)
        (1.5556, 2.3333)
    """
    v = var(input, dim, unbiased, keepdim, correction=correction)
    return v, _mean(input, dim, keepdim)


def std_mean(
    input: Any, dim: Any = None, unbiased: Any = None, keepdim: Any = None, *, correction: Any = None
) -> tuple[Tensor, Tensor]:
    r"""The standard deviation $\sqrt{\mathrm{var}}$ and the mean over ``dim``, as a pair.

    Args:
        input: a floating-point tensor.
        dim: an axis or a tuple of axes (every axis when None).
        unbiased: True for correction 1, False for 0 (PyTorch's older argument).
        keepdim: keep the reduced axes with size 1.
        correction: the correction $c$ (1 by default).

    Examples:
        >>> import deltanet as dn
        >>> s, m = dn.std_mean(dn.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=0)
        >>> [round(v, 4) for v in s.tolist()], m.tolist()
        ([1.4142, 2.1213], [2.0, 3.5])
    """
    s = std(input, dim, unbiased, keepdim, correction=correction)
    return s, _mean(input, dim, keepdim)
