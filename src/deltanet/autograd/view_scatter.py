r"""Writing a tensor into a view of a copy: ``select_scatter``, ``slice_scatter`` and
``diagonal_scatter``, PyTorch's out-of-place forms of ``x.select(dim, i).copy_(src)``,
``x[..., start:end:step].copy_(src)`` and ``x.diagonal(offset, dim1, dim2).copy_(src)``.

Each returns $z$, a copy of the input $x$ with the view $V$ (a row, a slice, a diagonal) replaced by
``src`` (cast to $x$'s dtype, as PyTorch's); ``src`` must have the view's shape exactly (no
broadcasting). The gradients split $\delta$ along the view:

$$
\frac{\partial L}{\partial x} = \delta \text{ with } 0 \text{ on } V, \qquad
\frac{\partial L}{\partial \text{src}} = \delta[V]
$$
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.arranging import _diagonal_view
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


class ViewScatter(Function):
    r"""$z = x$ with $z[V] = \text{src}$; $\partial L / \partial x = \delta$ with 0 on $V$,
    $\partial L / \partial \text{src} = \delta[V]$ (in ``src``'s dtype)."""

    def forward(self, x: np.ndarray, src: np.ndarray, view: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        self.view, self.src_dtype = view, src.dtype
        z = x.copy()
        view(z)[...] = src
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        gx = gsrc = None
        if self.needs_input_grad[0]:
            gx = delta.copy()
            self.view(gx)[...] = 0
        if self.needs_input_grad[1]:
            gsrc = self.view(delta).astype(self.src_dtype, copy=True)
        return gx, gsrc


def _scatter(input: Any, src: Any, view: Callable[[np.ndarray], np.ndarray], owner: str) -> Tensor:
    x = _tensor(input)
    if not isinstance(src, Tensor):
        raise TypeError(f"{owner}(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    shape = view(x.array).shape
    if tuple(src.shape) != shape:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. "
            f"src size = {list(src.shape)}, slice size = {list(shape)}"
        )
    return ViewScatter.apply(x, src, view=view)


def select_scatter(input: Any, src: Any, dim: Any, index: Any) -> Tensor:
    r"""A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``, as PyTorch's.

    Args:
        input: the tensor to copy (at least 1-D).
        src: a tensor of the selected slice's shape (``input``'s without ``dim``).
        dim: the axis to select along (negative counts from the end).
        index: the position on that axis (negative counts from the end).

    Raises:
        IndexError: ``dim`` or ``index`` is out of range.
        RuntimeError: ``src``'s shape is not the slice's.

    Examples:
        >>> import deltanet as dn
        >>> dn.select_scatter(dn.zeros(2, 3), dn.ones(3), 0, 1).tolist()
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("select_scatter: cannot select from a 0-D tensor")
    d = normalize(_checks.integer(dim, "dim", "select_scatter"), x.ndim, "select_scatter")
    i, size = _checks.integer(index, "index", "select_scatter"), x.shape[d]
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(x.shape)} at dimension {d}")
    key = (slice(None),) * d + (i % size,)
    return _scatter(x, src, lambda a: a[key], "select_scatter")


def slice_scatter(input: Any, src: Any, dim: Any = 0, start: Any = None, end: Any = None, step: Any = 1) -> Tensor:
    r"""A copy of ``input`` with ``input[..., start:end:step]`` (on axis ``dim``) replaced by ``src``,
    as PyTorch's (``start`` and ``end`` are clipped to the axis, as Python slices are).

    Args:
        input: the tensor to copy (at least 1-D).
        src: a tensor of the slice's shape.
        dim: the axis to slice.
        start: the slice's first position (None: 0).
        end: the position after its last (None: the axis' end).
        step: the stride, positive.

    Raises:
        RuntimeError: ``step`` is not positive, or ``src``'s shape is not the slice's.

    Examples:
        >>> import deltanet as dn
        >>> dn.slice_scatter(dn.zeros(2, 4), dn.ones(2, 2), dim=1, start=0, step=2).tolist()
        [[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]]
    """
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("slice_scatter: cannot slice a 0-D tensor")
    d = normalize(_checks.integer(dim, "dim", "slice_scatter"), x.ndim, "slice_scatter")
    first = None if start is None else _checks.integer(start, "start", "slice_scatter")
    last = None if end is None else _checks.integer(end, "end", "slice_scatter")
    k = _checks.integer(step, "step", "slice_scatter")
    if k <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(first, last, k),)
    return _scatter(x, src, lambda a: a[key], "slice_scatter")


def diagonal_scatter(input: Any, src: Any, offset: Any = 0, dim1: Any = 0, dim2: Any = 1) -> Tensor:
    r"""A copy of ``input`` with ``input.diagonal(offset, dim1, dim2)`` replaced by ``src``, as
    PyTorch's: $z_{i, i + k} = \text{src}_i$, every other element ``input``'s.

    Args:
        input: the tensor to copy (at least 2-D).
        src: a tensor of the diagonal's shape (``input``'s without ``dim1`` and ``dim2``, then the
            diagonal's length).
        offset: $k$: 0 the main diagonal, above it for $k > 0$, below for $k < 0$.
        dim1: the axis of rows.
        dim2: the axis of columns.

    Raises:
        RuntimeError: ``dim1`` equals ``dim2``, or ``src``'s shape is not the diagonal's.

    Examples:
        >>> import deltanet as dn
        >>> dn.diagonal_scatter(dn.zeros(2, 3), dn.ones(2), 1).tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    x = _tensor(input)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal_scatter: input must have at least 2 dimensions, got shape {list(x.shape)}")
    a = normalize(_checks.integer(dim1, "dim1", "diagonal_scatter"), x.ndim, "diagonal_scatter")
    b = normalize(_checks.integer(dim2, "dim2", "diagonal_scatter"), x.ndim, "diagonal_scatter")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    k = _checks.integer(offset, "offset", "diagonal_scatter")
    return _scatter(x, src, lambda m: _diagonal_view(m, k, a, b), "diagonal_scatter")
