r"""Running products, extremes and log-sum-exps, and differences along an axis: ``cumprod``,
``cummax``, ``cummin``, ``logcumsumexp`` (beside ``cumsum`` of ``sorting.py``) and ``diff``.

``cummax``/``cummin`` return ``(values, indices)``: the values are picked from the input at the
indices (the gradient goes there, as in PyTorch), and among equal values the index is the latest,
as PyTorch's; a NaN stays the running extreme from where it appears.

The gradient of a running product $z_i = \prod_{j \le i} x_j$ is
$\partial L / \partial x_j = \sum_{i \ge j} \delta_i \prod_{k \le i, k \ne j} x_k$. Where no $x$ is 0
that is $\frac{1}{x_j} \sum_{i \ge j} \delta_i z_i$, a running sum from the other end; a slice that
holds a 0 is computed without dividing (the products of the others, one position at a time), so
zeros in the input get PyTorch's exact gradient, not NaN.
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
from deltanet.autograd.shapes import cat, gather
from deltanet.autograd.sorting import Flip
from deltanet.autograd.tensor import Tensor, leaf


class CumProd(Function):
    r"""$z_i = \prod_{j \le i} x_j$ along ``axis``; $\partial L / \partial x_j = \sum_{i \ge j} \delta_i
    \prod_{k \le i, k \ne j} x_k$ (exact where some $x_k$ are 0)."""

    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        z = np.cumprod(x, axis=axis)
        self.save_for_backward(x, z)
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, z = self.saved_tensors
        axis = self.axis
        x, z, d = (np.moveaxis(a, axis, -1) for a in (x, z, delta))
        zero = (x == 0).any(axis=-1)
        g = np.empty(x.shape, dtype=np.result_type(x, d))
        fast = ~zero
        if fast.any():
            suffix = np.flip(np.cumsum(np.flip(d[fast] * z[fast], -1), axis=-1), -1)
            g[fast] = suffix / x[fast]
        if zero.any():
            g[zero] = _with_zeros(x[zero], d[zero])
        return np.moveaxis(g, -1, axis)


def _with_zeros(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    r"""Rows (last axis) of $\sum_{i \ge j} \delta_i \prod_{k \le i, k \ne j} x_k$, without division:
    for each $j$, the product before $j$ times the running products after it."""
    n = x.shape[-1]
    g = np.zeros_like(x, dtype=np.result_type(x, d))
    before = np.ones(x.shape[:-1], dtype=x.dtype)
    for j in range(n):
        after = np.cumprod(x[:, j + 1 :], axis=-1)
        g[:, j] = before * (d[:, j] + (d[:, j + 1 :] * after).sum(axis=-1))
        before = before * x[:, j]
    return g


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    r"""The running product along ``dim``: $z_i = \prod_{j \le i} x_j$.

    Integer and bool inputs give int64 products, as in PyTorch. The gradient is exact where the
    input holds zeros.

    Args:
        input: a tensor.
        dim: the axis to multiply along.
        dtype: convert the input to this dtype first (a float dtype keeps the gradient).

    Examples:
        >>> import deltanet as dn
        >>> dn.cumprod(dn.tensor([1.0, 2.0, 3.0, 0.5]), dim=0).tolist()
        [1.0, 2.0, 6.0, 3.0]
    """
    x = _tensor(input)
    if dtype is not None:
        x = to_dtype(x, backend.resolve_dtype(dtype, "cumprod"))
    elif x.array.dtype.kind in "biu":
        x = to_dtype(x, backend.INDEX_DTYPE)
    axis = normalize(pick_dim(dim, None, "cumprod"), x.ndim, "cumprod")
    if x.ndim == 0:
        return Flip.apply(x, axes=())  # the one element, as a new tensor with history
    z = CumProd.apply(x, axis=axis)
    # NumPy accumulates small integers in int64; dtype= is the result's dtype, as PyTorch's
    return z if z.array.dtype == x.array.dtype else to_dtype(z, x.array.dtype)


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    r"""The ``n``-th forward difference along ``dim``: $z_i = x_{i+1} - x_i$, applied ``n`` times.

    ``prepend`` and ``append`` are joined to ``input`` along ``dim`` first (they must match its other
    axes). Bool tensors give ``x[i+1] != x[i]``, as in PyTorch.

    Args:
        input: a tensor with at least one axis.
        n: how many times to take the difference (a non-negative integer).
        dim: the axis (the last by default).
        prepend: None, or a tensor to put before ``input`` along ``dim``.
        append: None, or a tensor to put after it.

    Examples:
        >>> import deltanet as dn
        >>> dn.diff(dn.tensor([1.0, 4.0, 9.0, 16.0])).tolist()
        [3.0, 5.0, 7.0]
        >>> dn.diff(dn.tensor([1, 4, 9, 16]), n=2).tolist()
        [2, 2]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("diff: needs a tensor with at least one axis, got a 0-d tensor")
    times = check.integer(n, "n", "diff", low=0)
    axis = normalize(pick_dim(dim, None, "diff"), x.ndim, "diff")
    parts = [_tensor(p) for p in (prepend, x, append) if p is not None] if (prepend, append) != (None, None) else [x]
    for p in parts:
        if p.ndim != x.ndim:
            raise ValueError(f"diff: prepend and append must have {x.ndim} axes like input, got shape {p.shape}")
    if len(parts) > 1:
        x = cat(parts, dim=axis)
    for _ in range(times):
        if x.shape[axis] == 0:
            break
        later = x[(slice(None),) * axis + (slice(1, None),)]
        earlier = x[(slice(None),) * axis + (slice(None, -1),)]
        x = later != earlier if x.array.dtype == np.bool_ else later - earlier
    return x


def _running_extreme(input: Any, dim: Any, owner: str) -> ValuesIndices:
    x = _tensor(input)
    axis = normalize(pick_dim(dim, None, owner), x.ndim, owner)
    if x.ndim == 0:
        return ValuesIndices(x * 1, leaf(np.zeros((), np.int64)))
    data = np.moveaxis(x.array, axis, -1)
    running = (np.maximum if owner == "cummax" else np.minimum).accumulate(data, axis=-1)
    # The index moves to i where x_i reaches the running extreme (ties: the latest), or is NaN.
    reached = data == running
    if data.dtype.kind == "f":
        reached |= np.isnan(data)
    positions = np.where(reached, np.arange(data.shape[-1]), 0)
    index = np.moveaxis(np.maximum.accumulate(positions, axis=-1), -1, axis).astype(np.int64)
    return ValuesIndices(gather(x, axis, leaf(index)), leaf(index))


def cummax(input: Any, dim: int) -> ValuesIndices:
    r"""The running maximum along ``dim``, $z_i = \max_{j \le i} x_j$, and where it was found.

    Args:
        input: a tensor.
        dim: the axis.

    Returns:
        A named pair ``(values, indices)``; ``indices`` is int64 (the latest among equal maxima).

    Examples:
        >>> import deltanet as dn
        >>> result = dn.cummax(dn.tensor([1.0, 3.0, 2.0, 3.0]), dim=0)
        >>> result.values.tolist(), result.indices.tolist()
        ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    return _running_extreme(input, dim, "cummax")


def cummin(input: Any, dim: int) -> ValuesIndices:
    r"""The running minimum along ``dim``, $z_i = \min_{j \le i} x_j$, and where it was found.

    Args:
        input: a tensor.
        dim: the axis.

    Returns:
        A named pair ``(values, indices)``; ``indices`` is int64 (the latest among equal minima).

    Examples:
        >>> import deltanet as dn
        >>> dn.cummin(dn.tensor([3.0, 1.0, 2.0, 1.0]), dim=0).indices.tolist()
        [0, 1, 1, 3]
    """
    return _running_extreme(input, dim, "cummin")


class LogCumSumExp(Function):
    r"""$z_i = \log \sum_{j \le i} e^{x_j}$ along ``axis`` (NumPy's ``logaddexp.accumulate``: no
    overflow); $\partial L / \partial x_j = \sum_{i \ge j} \delta_i e^{x_j - z_i}$, summed in log
    space for the positive and the negative $\delta$ apart (PyTorch's way), so it neither overflows
    nor underflows."""

    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        self.axis = axis
        z = np.logaddexp.accumulate(x, axis=axis)
        self.save_for_backward(x, z)
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, z = self.saved_tensors
        axis = self.axis

        def reverse_logcumsumexp(a: np.ndarray) -> np.ndarray:
            return np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis=axis), axis)

        with np.errstate(divide="ignore", invalid="ignore"):
            positive = np.exp(x + reverse_logcumsumexp(np.log(np.where(delta > 0, delta, 0)) - z))
            negative = np.exp(x + reverse_logcumsumexp(np.log(np.where(delta < 0, -delta, 0)) - z))
        zero = x.dtype.type(0)
        return np.where(np.isnan(positive), zero, positive) - np.where(np.isnan(negative), zero, negative)


def logcumsumexp(input: Any, dim: int) -> Tensor:
    r"""The running log-sum-exp along ``dim``: $z_i = \log \sum_{j \le i} e^{x_j}$, without overflow.

    Args:
        input: a floating-point tensor.
        dim: the axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.logcumsumexp(dn.tensor([-1000.0, 0.0, 1000.0]), dim=0).tolist()
        [-1000.0, 0.0, 1000.0]
    """
    x = _tensor(input)
    if x.array.dtype.kind != "f":
        raise ValueError(f"logcumsumexp() needs a floating-point tensor, got dtype {x.dtype}")
    axis = normalize(pick_dim(dim, None, "logcumsumexp"), x.ndim, "logcumsumexp")
    if x.ndim == 0:
        return Flip.apply(x, axes=())
    return LogCumSumExp.apply(x, axis=axis)
