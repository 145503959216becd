r"""Writing values at computed positions: ``scatter``, ``scatter_add`` and ``index_add``, with
PyTorch's names and gradients (their in-place forms ``scatter_``, ``scatter_add_`` and
``index_add_`` are in ``inplace.py``).

``scatter`` along ``dim`` writes $z[\dots, \text{index}[i, j], \dots] = \text{src}[i, j]$ (for
``dim=0`` of 2-D tensors: $z_{\text{index}_{ij}, j} = \text{src}_{ij}$), the inverse of ``gather``;
``scatter_add`` adds instead of writing, so that repeated indices accumulate (a histogram, a
segment sum). The gradient of ``src`` is $\delta$ gathered back at ``index``; the input's is
$\delta$, with zeros where ``scatter`` overwrote it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import as_tensor
from deltanet.autograd.function import Function
from deltanet.autograd.shapes import positions_along
from deltanet.autograd.tensor import Tensor, leaf


class Scatter(Function):
    r"""$z = x$ with $z[\text{pos}(\text{index})] = \text{src}$ (or $\mathrel{+}=$ when ``accumulate``).

    $\partial L / \partial \text{src} = \delta[\text{pos}]$; $\partial L / \partial x = \delta$, with 0
    at the overwritten positions unless ``accumulate``.
    """

    def forward(self, x: np.ndarray, src: np.ndarray, index: np.ndarray, dim: int, accumulate: bool) -> np.ndarray:
        self.pos, self.accumulate, self.src_shape = positions_along(index, dim), accumulate, src.shape
        self.used = tuple(slice(0, n) for n in index.shape) if src.ndim else ()
        values = src[self.used] if src.ndim else np.broadcast_to(src, index.shape)
        z = x.copy()
        if accumulate:
            np.add.at(z, self.pos, values)
        else:
            z[self.pos] = values
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = delta
            if not self.accumulate:
                gx = delta.copy()
                gx[self.pos] = 0
        if self.needs_input_grad[1]:
            picked = delta[self.pos]
            if self.used:
                gs = np.zeros(self.src_shape, delta.dtype)
                gs[self.used] = picked
            else:
                gs = np.asarray(picked.sum(), dtype=delta.dtype)
        return gx, gs


class IndexAdd(Function):
    r"""$z = x$ with $z[\dots, \text{index}_i, \dots] \mathrel{+}= \text{src}[\dots, i, \dots]$ along ``dim``.

    $\partial L / \partial x = \delta$; $\partial L / \partial \text{src} = \delta$ taken at ``index``
    along ``dim``.
    """

    def forward(self, x: np.ndarray, src: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        self.index, self.dim = index, dim
        z = x.copy()
        where: Any = (slice(None),) * dim + (index,)
        np.add.at(z, where, src)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        gx = delta if self.needs_input_grad[0] else None
        gs = np.take(delta, self.index, axis=self.dim) if self.needs_input_grad[1] else None
        return gx, gs


def _index(index: Any, owner: str) -> np.ndarray:
    array = np.asarray(index.array if isinstance(index, Tensor) else index)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{owner}: index must be an integer (int64) tensor, got dtype {array.dtype}")
    return array


def scatter_arguments(input: Any, dim: Any, index: Any, src: Any, owner: str) -> tuple[Tensor, Tensor, dict]:
    """Check the arguments of a scatter (``src`` a tensor or a number); return ``x``, ``src`` and
    the options of ``Scatter``. Shared with the in-place forms.

    Args:
        input: the tensor written into.
        dim: the axis along which ``index`` points.
        index: an integer tensor of the same rank as ``input``.
        src: the values: a tensor at least as large as ``index`` on every axis, or a number.
        owner: the name of the calling function, for the messages.

    Returns:
        ``(x, src, options)``.
    """
    x = _tensor(input)
    idx = _index(index, owner)
    d = _checks.integer(dim, "dim", owner, low=-max(x.ndim, 1), high=max(x.ndim, 1) - 1) % max(x.ndim, 1)
    if idx.ndim != x.ndim:
        raise ValueError(f"{owner}: index must have as many dimensions as input ({x.ndim}), got shape {idx.shape}")
    if isinstance(src, Tensor):
        s = src
    elif isinstance(src, (int, float, np.number)) and not isinstance(src, bool):
        s = leaf(np.asarray(src, dtype=x.array.dtype))
    else:
        s = as_tensor(src)
    if s.ndim:
        if s.ndim != x.ndim or any(i > n for i, n in zip(idx.shape, s.shape, strict=True)):
            raise ValueError(
                f"{owner}: src must have index's rank and be at least as large on every axis, "
                f"got index {idx.shape} and src {s.shape}"
            )
        if s.array.dtype != x.array.dtype:
            raise ValueError(f"{owner}: src must have input's dtype {x.dtype}, got {s.dtype}")
    if any(i > n for k, (i, n) in enumerate(zip(idx.shape, x.shape, strict=True)) if k != d):
        raise ValueError(f"{owner}: index {idx.shape} is larger than input {x.shape} on an axis other than dim={d}")
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[d]):
        raise ValueError(
            f"{owner}: index out of range: values must be in [0, {x.shape[d]}) for dim={d}, got "
            f"{idx.min()} to {idx.max()}"
        )
    return x, s, {"index": idx, "dim": d}


def scatter(input: Any, dim: Any, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> Tensor:
    r"""A copy of ``input`` with ``src`` written at the positions ``index`` names along ``dim``
    (for 2-D tensors and ``dim=1``: $z_{i, \text{index}_{ij}} = \text{src}_{ij}$).

    Where ``index`` repeats a position, which value lands there is not defined (as in PyTorch);
    use ``scatter_add`` to accumulate.

    Args:
        input: the tensor to copy.
        dim: the axis along which ``index`` points.
        index: an int64 tensor of ``input``'s rank, no larger than ``input`` on the other axes.
        src: the values: a tensor at least as large as ``index`` on every axis, or a number.
        value: a number to write instead of ``src`` (PyTorch's keyword form).
        reduce: not supported (PyTorch deprecates it): use ``scatter_add`` or ``scatter_reduce``.

    Raises:
        ValueError: the shapes, dtypes or index values do not fit, or ``reduce`` is given.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3).scatter(1, dn.tensor([[2], [0]]), 1.0).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if reduce is not None:
        raise ValueError(f"scatter: reduce={reduce!r} is not supported; use scatter_add for sums")
    if (src is None) == (value is None):
        raise ValueError("scatter: give the values as src or as value, exactly one of the two")
    x, s, options = scatter_arguments(input, dim, index, src if value is None else value, "scatter")
    return Scatter.apply(x, s, accumulate=False, **options)


def scatter_add(input: Any, dim: Any, index: Any, src: Any) -> Tensor:
    r"""A copy of ``input`` with ``src`` added at the positions ``index`` names along ``dim``;
    repeated positions accumulate (for 1-D: $z_{\text{index}_i} \mathrel{+}= \text{src}_i$).

    Args:
        input: the tensor to copy.
        dim: the axis along which ``index`` points.
        index: an int64 tensor of ``input``'s rank, no larger than ``input`` on the other axes.
        src: a tensor at least as large as ``index`` on every axis.

    Raises:
        ValueError: the shapes, dtypes or index values do not fit.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3).scatter_add(0, dn.tensor([0, 1, 0]), dn.tensor([1.0, 2.0, 3.0])).tolist()
        [4.0, 2.0, 0.0]
    """
    x, s, options = scatter_arguments(input, dim, index, src, "scatter_add")
    return Scatter.apply(x, s, accumulate=True, **options)


def index_add_arguments(input: Any, dim: Any, index: Any, source: Any, owner: str) -> tuple[Tensor, Tensor, dict]:
    """Check the arguments of ``index_add``; return ``x``, ``source`` and the options of ``IndexAdd``.

    Args:
        input: the tensor added into.
        dim: the axis along which ``index`` points.
        index: a 1-D integer tensor.
        source: a tensor shaped like ``input`` but with ``len(index)`` along ``dim``.
        owner: the name of the calling function, for the messages.

    Returns:
        ``(x, source, options)``.
    """
    x = _tensor(input)
    s = _tensor(source)
    idx = _index(index, owner)
    d = _checks.integer(dim, "dim", owner, low=-max(x.ndim, 1), high=max(x.ndim, 1) - 1) % max(x.ndim, 1)
    if idx.ndim != 1:
        raise ValueError(f"{owner}: index must be 1-D, got shape {idx.shape}")
    expected = x.shape[:d] + (idx.size,) + x.shape[d + 1 :]
    if s.shape != expected:
        raise ValueError(f"{owner}: source must have shape {expected} (input's, with len(index) at dim), got {s.shape}")
    if s.array.dtype != x.array.dtype:
        raise ValueError(f"{owner}: source must have input's dtype {x.dtype}, got {s.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[d]):
        raise ValueError(
            f"{owner}: index out of range: values must be in [0, {x.shape[d]}), got {idx.min()} to {idx.max()}"
        )
    return x, s, {"index": idx, "dim": d}


def index_add(input: Any, dim: Any, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    r"""A copy of ``input`` with $\alpha \cdot$ ``source`` added at the rows ``index`` names along
    ``dim``; repeated indices accumulate.

    Args:
        input: the tensor to copy.
        dim: the axis along which ``index`` points.
        index: a 1-D int64 tensor.
        source: a tensor shaped like ``input`` but with ``len(index)`` along ``dim``.
        alpha: the factor of ``source``.

    Raises:
        ValueError: the shapes, dtypes or index values do not fit.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3, 2).index_add(0, dn.tensor([0, 2, 0]), dn.ones(3, 2)).tolist()
        [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    """
    x, s, options = index_add_arguments(input, dim, index, source, "index_add")
    alpha = alpha_of(alpha, x)
    return IndexAdd.apply(x, s if alpha == 1 else s * alpha, **options)


def alpha_of(alpha: Any, x: Tensor) -> Any:
    """``alpha`` as PyTorch's ``index_add`` takes it: converted to ``x``'s dtype, so a float factor
    of an integer tensor loses its fraction (2.5 is 2), and the scaled source keeps the dtype."""
    if x.array.dtype.kind in "iu" and isinstance(alpha, (float, np.floating)):
        return int(alpha)
    return alpha
