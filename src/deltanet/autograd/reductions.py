r"""Reductions: ``sum``, ``mean``, ``prod``, ``max``/``min`` (``amax``/``amin``), ``argmax``/``argmin``,
``var``/``std``, ``norm``, and the softmax family, over all axes or those given by ``dim``
(PyTorch) or ``axis`` (NumPy), with ``keepdim`` or ``keepdims``.

``max`` and ``min`` follow PyTorch: without an axis they give the extreme value (ties share the
gradient equally), with ``dim`` they give ``(values, indices)`` (the gradient goes to the index
found), and with a tensor they are the elementwise ``maximum``/``minimum``. With NumPy's
``axis=`` they give the values only, as ``numpy.max`` does (and as deltanet always did).

``var`` and ``std`` use PyTorch's default, the unbiased estimate (``correction=1``, divide by
$N - 1$), not NumPy's ``ddof=0``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from deltanet import backend
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.dims import normalize, pick_dim, pick_keepdim
from deltanet.autograd.elementwise import _tensor, maximum, minimum
from deltanet.autograd.function import Function
from deltanet.autograd.ops import Abs, Exp, Log
from deltanet.autograd.shapes import GetItem
from deltanet.autograd.tensor import Tensor, leaf


# -- primitives ----------------------------------------------------------------------------------
def _expand(grad: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back the reduced axes, so it broadcasts against the input."""
    if axis is None:
        return grad.reshape((1,) * len(shape))
    if keepdims:
        return grad
    axes = axis if isinstance(axis, tuple) else (axis,)
    return np.expand_dims(grad, tuple(a % len(shape) for a in axes))


class Sum(Function):
    r"""$z = \sum x$ over ``axis`` (all axes when None)."""

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        # Integers and bools sum to int64, as in PyTorch (NumPy gives uint64 for unsigned ones).
        dtype = np.int64 if x.dtype.kind in "biu" else None
        return np.asarray(x.sum(axis=axis, keepdims=keepdims, dtype=dtype))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = _expand(delta, self.shape, self.axis, self.keepdims)
        return np.broadcast_to(g, self.shape).copy()


class Max(Function):
    r"""$z = \max x$ over ``axis`` ($\min x$ with ``smallest``); ties share the gradient equally (as
    ``torch.amax``). ``nan_shares``: a NaN result gives its gradient to the NaNs (as the
    ``max()`` of a whole tensor in PyTorch), not NaN to every element (as ``amax``)."""

    def forward(
        self, x: np.ndarray, axis: Any = None, keepdims: bool = False, smallest: bool = False, nan_shares: bool = False
    ) -> np.ndarray:
        name = "min" if smallest else "max"
        if x.size == 0:
            if axis is None:
                raise ValueError(f"{name}() of an empty tensor of shape {x.shape} has no value")
            axes = axis if isinstance(axis, tuple) else (axis,)
            if any(-x.ndim <= a < x.ndim and x.shape[a] == 0 for a in axes):
                raise ValueError(f"{name}() over an empty axis has no value (tensor of shape {x.shape}, axis {axis})")
        # min itself, not -max(-x): negation wraps the smallest integer (-(-128) is -128 in int8) and
        # every unsigned one, and is refused for bools
        z = np.asarray(x.min(axis=axis, keepdims=keepdims) if smallest else x.max(axis=axis, keepdims=keepdims))
        self.save_for_backward(x, z)
        self.axis, self.keepdims, self.nan_shares = axis, keepdims, nan_shares
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, z = self.saved_tensors
        z = _expand(z, x.shape, self.axis, self.keepdims)
        mask = x == z
        if self.nan_shares:
            mask |= np.isnan(x) & np.isnan(z)
        count = mask.sum(axis=self.axis, keepdims=True, dtype=delta.dtype)  # float32 stays float32
        share = _expand(delta, x.shape, self.axis, self.keepdims) / count
        if self.nan_shares:  # x.max(): PyTorch puts the share at the maxima, 0 elsewhere even for a NaN delta
            return np.where(mask, share, np.zeros((), share.dtype))
        return mask * share  # amax: PyTorch's product


class Prod(Function):
    r"""$z = \prod x$ over ``axis`` (one axis, or all when None);
    $\partial z / \partial x_i = \prod_{j \ne i} x_j$, computed from prefix and suffix products, so
    it is exact where some $x_j$ are 0 (no division by $x_i$)."""

    def forward(self, x: np.ndarray, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        self.save_for_backward(x)
        self.axis, self.keepdims = axis, keepdims
        return np.asarray(np.prod(x, axis=axis, keepdims=keepdims))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        flat = x.reshape(-1) if self.axis is None else x
        axis = 0 if self.axis is None else self.axis
        others = _product_of_others(flat, axis).reshape(x.shape)
        return others * _expand(delta, x.shape, self.axis, self.keepdims)


def _product_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the others along ``axis`` (exclusive prefix times suffix)."""
    n = x.shape[axis]
    if n == 0:
        return np.ones_like(x)
    ones = np.ones_like(np.take(x, [0], axis=axis))
    before = np.concatenate([ones, np.cumprod(np.take(x, range(n - 1), axis=axis), axis=axis)], axis=axis)
    reversed_x = np.flip(np.take(x, range(1, n), axis=axis), axis=axis)
    after = np.concatenate([np.flip(np.cumprod(reversed_x, axis=axis), axis=axis), ones], axis=axis)
    return before * after


class VectorNorm(Function):
    r"""$z = (\sum |x|^p)^{1/p}$ over ``axis`` for $p > 0$;
    $\partial z / \partial x = \operatorname{sign}(x) |x|^{p-1} / z^{p-1}$ ($x / z$ for $p = 2$,
    $\operatorname{sign} x$ for $p = 1$), and PyTorch's 0 where $z = 0$ or, for $p < 1$, $x = 0$.

    For $p = \pm\infty$, $z = \max |x|$ (or $\min |x|$) and the gradient $\operatorname{sign} x$
    is shared evenly among the $x$ with $|x| = z$; none has it when $z$ is NaN (PyTorch's 0s).
    """

    def forward(self, x: np.ndarray, p: float, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        a = np.abs(x)
        if math.isinf(p):
            z = a.max(axis=axis, keepdims=keepdims) if p > 0 else a.min(axis=axis, keepdims=keepdims)
        elif p == 2:
            z = np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
        elif p == 1:
            z = np.sum(a, axis=axis, keepdims=keepdims)
        else:
            z = np.sum(a**p, axis=axis, keepdims=keepdims) ** (1 / p)
        z = np.asarray(z)
        self.save_for_backward(x, z)
        self.p, self.axis, self.keepdims = p, axis, keepdims
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, z = self.saved_tensors
        p = self.p
        d = _expand(delta, x.shape, self.axis, self.keepdims)
        if p == 1:
            return backend.sign(x) * d
        zx = _expand(z, x.shape, self.axis, self.keepdims)
        if math.isinf(p):  # sign(x) shared by the |x| equal to z (no |x| equals a NaN z)
            mask = np.abs(x) == zx
            count = mask.sum(axis=self.axis, keepdims=True, dtype=d.dtype)
            return backend.sign(x) * mask * d / np.maximum(count, 1)
        zero = np.zeros((), x.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                g = x * d / zx
            else:  # sign(x) |x|^(p-1), 0 at x = 0 also for p < 1 (PyTorch's value)
                g = np.where(x == 0, zero, np.sign(x) * np.abs(x) ** (p - 1)) * d / zx ** (p - 1)
        return np.where(zx == 0, zero, g)


# -- sums and products ---------------------------------------------------------------------------
def _dims(dim: Any, axis: Any, keepdim: Any, keepdims: Any, owner: str) -> tuple[Any, bool]:
    axes = pick_dim(dim, axis, owner)
    if axes == ():  # PyTorch reduces over every axis for an empty dim: x.sum(()) is x.sum() (NumPy: none)
        axes = None
    return axes, pick_keepdim(keepdim, keepdims, owner)


def _cast(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else to_dtype(x, backend.resolve_dtype(dtype, "dtype"))


def total_dtype(dtype: Any) -> np.dtype:
    return np.dtype(backend.resolve_dtype(dtype, "dtype"))


def sum(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
) -> Tensor:
    r"""$\sum x$ over ``dim`` (every axis when None).

    Args:
        input: a tensor (integers and bools sum to int64).
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.sum().item(), x.sum(dim=1).tolist(), x.sum(axis=0, keepdims=True).tolist()
        (10.0, [3.0, 7.0], [[4.0, 6.0]])
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "sum")
    total = Sum.apply(_cast(_tensor(input), dtype), axis=axes, keepdims=keep)
    # Sum gives int64 for integers; a narrower dtype= is the result's dtype (wrapping), as PyTorch's
    return total if dtype is None or total.array.dtype == total_dtype(dtype) else _cast(total, dtype)


def mean(
    input: Tensor, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
) -> Tensor:
    r"""The mean $\frac{1}{n} \sum x$ over ``dim`` (every axis when None): the sum times $1/n$.

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    An integer (or bool) tensor is averaged in float32, not truncated (PyTorch refuses it).

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=0).tolist()
        [2.0, 3.0]
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "mean")
    x = _cast(_tensor(input), dtype)
    if x.array.dtype.kind != "f":
        x = to_dtype(x, backend.DEFAULT_DTYPE)
    count = _count(x.shape, axes)
    return Sum.apply(x, axis=axes, keepdims=keep) * (1.0 / count if count else float("nan"))


def _count(shape: tuple[int, ...], axes: Any) -> int:
    chosen = range(len(shape)) if axes is None else axes if isinstance(axes, tuple) else (axes,)
    return math.prod(shape[a] for a in chosen)


def prod(
    input: Tensor, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
) -> Tensor:
    r"""The product $\prod x$ over one axis ``dim`` (every axis when None); its gradient is exact where
    some elements are 0.

    Args:
        input: a tensor.
        dim: one axis (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axis with size 1 (``keepdims`` is the same).
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Raises:
        ValueError: ``dim`` is a tuple (one axis at a time, as in PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(dim=1).tolist()
        [2.0, 12.0]
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "prod")
    if isinstance(axes, tuple):
        raise ValueError(f"prod: dim must be one axis (or None), got {axes}")
    x = _cast(_tensor(input), dtype)
    if x.array.dtype.kind in "biu":  # integers and bools multiply in int64, as in PyTorch (NumPy: uint64)
        x = to_dtype(x, np.dtype(np.int64))
    if axes is not None:
        axes = normalize(axes, x.ndim, "prod")
    product = Prod.apply(x, axis=axes, keepdims=keep)
    # int64 for integers; a narrower dtype= is the result's dtype (wrapping), as PyTorch's
    return product if dtype is None or product.array.dtype == total_dtype(dtype) else _cast(product, dtype)


# -- extremes ------------------------------------------------------------------------------------
class ValuesIndices(NamedTuple):
    """What ``max(dim)`` and ``min(dim)`` return, as PyTorch's ``torch.return_types.max``.

    Attributes:
        values: the extreme values along the axis (recorded: the gradient goes to ``indices``).
        indices: where they are (int64, no gradient).

    Examples:
        >>> import deltanet as dn
        >>> values, indices = dn.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
        >>> values.tolist(), indices.tolist()
        ([5.0, 7.0], [1, 0])
    """

    values: Tensor
    indices: Tensor


def amax(input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    r"""$\max x$ over ``dim`` (every axis when None); tied maxima share the gradient equally.

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.amax(dn.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=0).tolist()
        [7.0, 5.0]
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "amax")
    return Max.apply(_tensor(input), axis=axes, keepdims=keep)


def amin(input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    r"""$\min x$ over ``dim`` (every axis when None); tied minima share the gradient equally.

    Args:
        input: a tensor.
        dim: an axis or a tuple of axes (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.amin(dn.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=0).tolist()
        [1.0, 2.0]
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "amin")
    return Max.apply(_tensor(input), axis=axes, keepdims=keep, smallest=True)


class ExtremeAlong(Function):
    r"""The values of ``max(dim)``/``min(dim)``: $z = x$ at ``index`` along ``axis`` (``index`` has
    that axis of size 1: each line's first maximum, or minimum with ``smallest``); $\delta$ goes
    back to those positions only, as in PyTorch (``amax`` shares it among ties). ``smallest`` is not
    read here: it says which extreme ``index`` holds, for the ONNX export (ReduceMax or ReduceMin)."""

    def forward(self, x: np.ndarray, axis: int, index: np.ndarray, smallest: bool = False) -> np.ndarray:
        self.shape, self.axis, self.index = x.shape, axis, index
        return np.take_along_axis(x, index, axis)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = np.zeros(self.shape, dtype=delta.dtype)
        np.put_along_axis(g, self.index, delta, self.axis)
        return g


def _extreme(input: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, owner: str) -> Any:
    x = _tensor(input)
    if isinstance(dim, (Tensor, np.ndarray)):  # max(a, b): the elementwise maximum
        if keepdim is not None or axis is not None or keepdims is not None:
            raise ValueError(f"{owner}(other) takes no axis arguments")
        return (maximum if owner == "max" else minimum)(x, dim)
    reduce = amax if owner == "max" else amin
    if dim is None and axis is None and keepdim is None and keepdims is None:  # x.max(): NaN takes the gradient
        return Max.apply(x, axis=None, keepdims=False, smallest=owner == "min", nan_shares=True)
    if dim is None:  # the value over all axes (or NumPy's axis=): values only
        return reduce(x, axis=axis, keepdim=keepdim, keepdims=keepdims)
    if axis is not None:
        raise ValueError(f"{owner}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
    keep = pick_keepdim(keepdim, keepdims, owner)
    if isinstance(dim, (tuple, list)):
        raise ValueError(f"{owner}(dim=...) takes one axis and returns (values, indices); use a{owner} for several")
    d = normalize(pick_dim(dim, None, owner), x.ndim, owner)
    if x.ndim and x.shape[d] == 0:
        raise ValueError(f"{owner}(): the reduction axis {d} of a tensor of shape {x.shape} is empty")
    arg = np.argmax if owner == "max" else np.argmin
    where = np.expand_dims(arg(x.array, axis=d), d) if x.ndim else np.zeros((), np.int64)
    if x.ndim:
        values = ExtremeAlong.apply(x, axis=d, index=where, smallest=owner == "min")
    else:
        values = GetItem.apply(x, index=(Ellipsis,))
    indices = leaf(where.astype(np.int64))
    if not keep and x.ndim:
        values = values.squeeze(d)
        indices = leaf(indices.array.squeeze(d))
    return ValuesIndices(values, indices)


def max(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
) -> Any:
    r"""PyTorch's ``max``: the largest value (no ``dim``), ``(values, indices)`` along ``dim``, or the
    elementwise maximum with a tensor; with NumPy's ``axis=``, the values along it.

    Without ``dim`` tied maxima share the gradient equally; with ``dim`` it goes to the index
    returned (the first maximum), as in PyTorch.

    Args:
        input: a tensor.
        dim: one axis (then the result is ``(values, indices)``), or a tensor (elementwise maximum).
        keepdim: keep the reduced axis with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling: the maximum along these axes, values only.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> x.max().item(), x.max(dim=1).indices.tolist(), x.max(axis=1).tolist()
        (7.0, [1, 0], [5.0, 7.0])
    """
    return _extreme(input, dim, keepdim, axis, keepdims, "max")


def min(  # noqa: A001 - PyTorch's name
    input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
) -> Any:
    r"""PyTorch's ``min``: the smallest value (no ``dim``), ``(values, indices)`` along ``dim``, or the
    elementwise minimum with a tensor; with NumPy's ``axis=``, the values along it.

    Args:
        input: a tensor.
        dim: one axis (then the result is ``(values, indices)``), or a tensor (elementwise minimum).
        keepdim: keep the reduced axis with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling: the minimum along these axes, values only.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> values, indices = dn.min(dn.tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
        >>> values.tolist(), indices.tolist()
        ([1.0, 2.0], [0, 1])
    """
    return _extreme(input, dim, keepdim, axis, keepdims, "min")


def _arg(input: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, owner: str) -> Tensor:
    x = _tensor(input)
    d, keep = _dims(dim, axis, keepdim, keepdims, owner)
    if isinstance(d, tuple):
        raise ValueError(f"{owner}: dim must be one axis (or None), got {d}")
    if x.array.size == 0 and (d is None or x.shape[normalize(d, x.ndim, owner)] == 0):
        raise ValueError(f"{owner}() of an empty tensor of shape {x.shape}")
    fn = np.argmax if owner == "argmax" else np.argmin
    if d is None:
        return leaf(np.asarray(fn(x.array), dtype=np.int64))
    d = normalize(d, x.ndim, owner)
    return leaf(np.asarray(fn(x.array, axis=d, keepdims=keep), dtype=np.int64))


def argmax(input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The position of the largest value along ``dim`` (of the flattened tensor when None), int64.

    Args:
        input: a tensor.
        dim: one axis (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axis with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> pred, y = dn.tensor([[0.1, 0.9], [0.8, 0.2]]), dn.tensor([1, 1])
        >>> (pred.argmax(dim=1) == y).float().mean().item()
        0.5
    """
    return _arg(input, dim, keepdim, axis, keepdims, "argmax")


def argmin(input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The position of the smallest value along ``dim`` (of the flattened tensor when None), int64.

    Args:
        input: a tensor.
        dim: one axis (``axis`` is the same, NumPy's spelling).
        keepdim: keep the reduced axis with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.argmin(dn.tensor([3.0, 1.0, 2.0])).item()
        1
    """
    return _arg(input, dim, keepdim, axis, keepdims, "argmin")


# -- spread --------------------------------------------------------------------------------------
def _correction(unbiased: Any, correction: Any, owner: str) -> float:
    if unbiased is not None and correction is not None:
        raise ValueError(f"{owner}: give unbiased or correction, not both")
    if unbiased is not None:
        if not isinstance(unbiased, (bool, np.bool_)):
            raise ValueError(f"{owner}: unbiased must be True or False, got {unbiased!r}")
        return 1.0 if unbiased else 0.0
    if correction is None:
        return 1.0
    if isinstance(correction, (bool, np.bool_)) or not isinstance(correction, (int, float, np.integer, np.floating)):
        raise ValueError(f"{owner}: correction must be a number, got {correction!r}")
    return float(correction)


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: Any = None,
    *,
    correction: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    r"""The variance $\frac{1}{N - c} \sum (x - \bar x)^2$ over ``dim``, with PyTorch's default $c = 1$
    (unbiased), not NumPy's 0.

    Args:
        input: a floating-point tensor.
        dim: an axis or a tuple of axes (every axis when None; ``axis`` is the same).
        unbiased: True for $c = 1$, False for $c = 0$ (PyTorch's older argument).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        correction: $c$ itself (1 by default).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0, 3.0, 4.0])
        >>> round(x.var().item(), 6), x.var(unbiased=False).item()
        (1.666667, 1.25)
    """
    axes, keep = _dims(dim, axis, keepdim, keepdims, "var")
    c = _correction(unbiased, correction, "var")
    x = _tensor(input)
    if x.array.dtype.kind != "f":
        raise ValueError(f"var() needs a floating-point tensor, got dtype {x.dtype}")
    centered = x - mean(x, axes, keepdim=True)
    squares = Sum.apply(centered * centered, axis=axes, keepdims=keep)
    dof = builtins.max(0.0, _count(x.shape, axes) - c)
    if dof == 0:  # PyTorch divides by 0 too: NaN for a zero sum of squares, inf otherwise
        scale = np.where(squares.array == 0, np.nan, np.inf).astype(squares.dtype)
        with np.errstate(invalid="ignore"):
            return squares * leaf(scale)
    return squares * (1.0 / dof)


class StdFromVariance(Function):
    r"""$s = \sqrt{v}$ of a variance $v$; $\partial s / \partial v = 1 / (2 s)$, taken as 0 where
    $s = 0$ (all values equal), as PyTorch's ``std``: that subgradient keeps a constant slice from
    sending NaN ($\infty \cdot 0$) back to its values."""

    def forward(self, v: np.ndarray) -> np.ndarray:
        s = np.sqrt(v)
        self.save_for_backward(s)
        return s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (s,) = self.saved_tensors
        zero = s == 0
        return np.where(zero, 0, delta / np.where(zero, 1, 2 * s)).astype(s.dtype, copy=False)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: Any = None,
    *,
    correction: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    r"""The standard deviation $\sqrt{\mathrm{var}}$ over ``dim``, with PyTorch's default correction 1.

    Args:
        input: a floating-point tensor.
        dim: an axis or a tuple of axes (every axis when None; ``axis`` is the same).
        unbiased: True for correction 1, False for 0 (PyTorch's older argument).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        correction: the correction itself (1 by default).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.tensor([1.0, 3.0]).std().item(), 6)
        1.414214
    """
    v = var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return StdFromVariance.apply(v)


def norm(
    input: Tensor, p: Any = "fro", dim: Any = None, keepdim: Any = None, dtype: Any = None, *, axis: Any = None
) -> Tensor:
    r"""The vector $p$-norm $(\sum |x|^p)^{1/p}$ over ``dim`` (every element when None): ``"fro"`` and
    2 are the Euclidean norm, ``inf`` the largest $|x|$, 0 the number of nonzeros.

    The gradient is PyTorch's, 0 where the norm is 0.

    Args:
        input: a floating-point tensor.
        p: ``"fro"``, a positive number, ``inf``, ``-inf`` or 0.
        dim: an axis or a tuple of axes (``axis`` is the same).
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.

    Raises:
        ValueError: an unsupported ``p`` (such as ``"nuc"`` or a negative number).

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([3.0, 4.0]).norm().item(), dn.tensor([3.0, -4.0]).norm(p=1).item()
        (5.0, 7.0)
    """
    axes, keep = _dims(dim, axis, keepdim, None, "norm")
    x = _cast(_tensor(input), dtype)
    if p == "fro":
        p = 2
    if isinstance(p, str) or isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.number)):
        raise ValueError(f"norm: p must be 'fro' or a number, got {p!r}")
    if math.isinf(p) and x.array.size == 0:  # max's error for an empty tensor or axis
        return (
            Max.apply(Abs.apply(x), axis=axes, keepdims=keep)
            if p > 0
            else -Max.apply(-Abs.apply(x), axis=axes, keepdims=keep)
        )
    if p == 0:
        count = leaf(np.asarray((x.array != 0).sum(axis=axes, keepdims=keep), dtype=x.dtype))
        return count + Sum.apply(x * 0.0, axis=axes, keepdims=keep)  # no gradient, as in PyTorch
    if p < 0 and p != -math.inf:
        raise ValueError(f"norm: p must be positive, inf, -inf, 0 or 'fro', got {p!r}")
    return VectorNorm.apply(x, p=float(p), axis=axes, keepdims=keep)


# -- softmax family ------------------------------------------------------------------------------
def _softmax_dim(dim: Any, axis: Any, x: Tensor, owner: str) -> int:
    d = pick_dim(dim, axis, owner)
    if d is None or isinstance(d, tuple):
        raise ValueError(f"{owner}: give the axis that holds the classes, e.g. dim=-1 (got {d!r})")
    return normalize(d, x.ndim, owner)


class Softmax(Function):
    r"""$s_i = e^{z_i} / \sum_k e^{z_k}$; backward from the output: $s \odot (\delta - \sum_k \delta_k s_k)$."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        # initial=-inf: a softmax over an empty axis is empty, not NumPy's max() error. A row that
        # is all -inf (fully masked attention) gives NaN, as in PyTorch, without NumPy's warning.
        with np.errstate(invalid="ignore"):
            e = np.exp(z - z.max(axis=axis, keepdims=True, initial=-np.inf))
            s = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(s)
        self.axis = axis
        return s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (s,) = self.saved_tensors
        return s * (delta - (delta * s).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    r"""$\log s_i = z_i - \log \sum_k e^{z_k}$ (log-sum-exp); backward: $\delta - s \sum_k \delta_k$."""

    def forward(self, z: np.ndarray, axis: int) -> np.ndarray:
        # A row that is all -inf gives NaN, as in PyTorch, without NumPy's warning.
        with np.errstate(invalid="ignore"):
            shifted = z - z.max(axis=axis, keepdims=True, initial=-np.inf)
            # An empty input has nothing to normalize (and log-sum-exp over an empty axis is log 0).
            log_s = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)) if z.size else shifted
        self.save_for_backward(log_s)
        self.axis = axis
        return log_s

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (log_s,) = self.saved_tensors
        return delta - np.exp(log_s) * delta.sum(axis=self.axis, keepdims=True)


def softmax(input: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    r"""Softmax along ``dim``: $e^{x_i} / \sum_j e^{x_j}$, computed after subtracting the maximum.

    Args:
        input: a floating-point tensor.
        dim: the axis that holds the classes (required; ``axis`` is the same).
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[0.0, 0.0]]).softmax(dim=1).tolist()
        [[0.5, 0.5]]
    """
    x = _cast(_tensor(input), dtype)
    return Softmax.apply(x, axis=_softmax_dim(dim, axis, x, "softmax"))


def log_softmax(input: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    r"""$\log$ of the softmax along ``dim``: $x_i - \log \sum_j e^{x_j}$, stable for large $|x|$.

    Args:
        input: a floating-point tensor.
        dim: the axis that holds the classes (required; ``axis`` is the same).
        dtype: convert ``input`` to this dtype first.
        axis: NumPy's spelling of ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.tensor([[0.0, 0.0]]).log_softmax(dim=1)[0, 0].item(), 6)
        -0.693147
    """
    x = _cast(_tensor(input), dtype)
    return LogSoftmax.apply(x, axis=_softmax_dim(dim, axis, x, "log_softmax"))


def logsumexp(input: Tensor, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    r"""$\log \sum_j e^{x_j}$ along ``dim``, computed after subtracting the maximum.

    Args:
        input: a floating-point tensor.
        dim: the axis (or axes) to reduce (required; ``axis`` is the same).
        keepdim: keep the reduced axes with size 1 (``keepdims`` is the same).
        axis: NumPy's spelling of ``dim``.
        keepdims: NumPy's spelling of ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.logsumexp(dn.tensor([0.0, 0.0]), dim=0).item(), 6)
        0.693147
    """
    x = _tensor(input)
    if x.array.dtype.kind != "f":  # integers and bools give the default float dtype, as PyTorch
        x = _cast(x, backend.DEFAULT_DTYPE)
    axes, keep = _dims(dim, axis, keepdim, keepdims, "logsumexp")
    if axes is None:
        raise ValueError("logsumexp: give the axis (or axes) to reduce, e.g. dim=-1")
    m = x.array.max(axis=axes, keepdims=True, initial=-np.inf)  # an empty axis: -inf, as PyTorch
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):  # an all -inf row: -inf, as PyTorch, without a warning
        total = Log.apply(Sum.apply(Exp.apply(x - leaf(m)), axis=axes, keepdims=True)) + leaf(m)
    return total if keep else total.reshape(np.squeeze(m, axis=axes).shape)
