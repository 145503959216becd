r"""Running products and differences along an axis: ``cumprod`` (beside ``cumsum`` of ``sorting.py``)
and ``diff``.

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
from deltanet.autograd.shapes import cat
from deltanet.autograd.sorting import Flip
from deltanet.autograd.tensor import Tensor


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
    elif x.data.dtype.kind in "biu":
        x = to_dtype(x, backend.INDEX_DTYPE)
    axis = normalize(pick_dim(dim, None, "cumprod"), x.ndim, "cumprod")
    if x.ndim == 0:
        return Flip.apply(x, axes=())  # the one element, as a new tensor with history
    return CumProd.apply(x, axis=axis)


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
        x = later != earlier if x.data.dtype == np.bool_ else later - earlier
    return x
