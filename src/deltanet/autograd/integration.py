r"""Integration by the trapezoidal rule, with PyTorch's names and arithmetic: ``trapezoid`` (and its
older name ``trapz``) and ``cumulative_trapezoid`` (areas under dose-response or ROC curves,
time-activity curves of dynamic scans).

$\int y \, dx \approx \sum_i \frac{(x_{i+1} - x_i)(y_i + y_{i+1})}{2}$ along ``dim``; with a constant
spacing $\Delta x$, PyTorch's $\Delta x \, (\sum_i y_i - (y_0 + y_{n-1}) / 2)$. Both are written with
the primitives, so they are differentiable in ``y`` and ``x``.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd.cumulative import diff
from deltanet.autograd.dims import normalize, pick_dim
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.reductions import sum as _sum
from deltanet.autograd.shapes import reshape
from deltanet.autograd.sorting import cumsum
from deltanet.autograd.tensor import Tensor


def _parts(y: Tensor, x: Any, dx: Any, dim: Any, owner: str) -> tuple[Tensor, Tensor, int, Any]:
    """The left and right ends of each interval along ``dim``, the axis, and the spacing: a number,
    or a tensor of interval widths that broadcasts against the ends."""
    if y.ndim == 0:
        raise ValueError(f"{owner}: y must have at least one axis, got a 0-d tensor")
    d = normalize(pick_dim(dim, None, owner), y.ndim, owner)
    before = (slice(None),) * d
    left, right = y[before + (slice(None, -1),)], y[before + (slice(1, None),)]
    if x is not None and dx is not None:
        raise TypeError(f"{owner}: give x or dx, not both")
    if x is None:
        return left, right, d, 1 if dx is None else check.number(dx, "dx", owner)
    xs = _tensor(x)
    if xs.ndim == 1:
        if xs.shape[0] != y.shape[d]:
            raise ValueError(f"{owner}: a 1-D x must have y's size along dim ({y.shape[d]}), got {xs.shape[0]}")
        shape = [1] * y.ndim
        shape[d] = -1
        xs = reshape(xs, *shape)
    elif xs.ndim != y.ndim:
        raise ValueError(f"{owner}: x must be 1-D or have y's number of axes ({y.ndim}), got shape {xs.shape}")
    return left, right, d, diff(xs, dim=d)


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    r"""The integral of ``y`` along ``dim`` by the trapezoidal rule, at the points ``x`` or with the
    constant spacing ``dx`` (1 when neither is given).

    Args:
        y: the values, a tensor with at least one axis.
        x: None, or the sample points: 1-D along ``dim``, or of ``y``'s shape.
        dx: None, or the constant spacing (not with ``x``).
        dim: the axis to integrate along (the last by default).

    Examples:
        >>> import deltanet as dn
        >>> dn.trapezoid(dn.tensor([1.0, 2.0, 4.0])).item()
        4.5
        >>> dn.trapezoid(dn.tensor([1.0, 2.0, 4.0]), dn.tensor([0.0, 1.0, 3.0])).item()
        7.5
    """
    values = _tensor(y)
    left, right, d, spacing = _parts(values, x, dx, dim, "trapezoid")
    if isinstance(spacing, Tensor):
        return _sum(spacing * (left + right), dim=d) / 2.0
    if values.shape[d] == 0:
        return _sum(values, dim=d) * 0.0
    before = (slice(None),) * d
    first, last = values[before + (0,)], values[before + (-1,)]
    return (_sum(values, dim=d) - (first + last) * 0.5) * spacing


def trapz(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    r"""PyTorch's older name of ``trapezoid``: $\int y \, dx$ by the trapezoidal rule along ``dim``.

    Args:
        y: the values.
        x: None, or the sample points.
        dx: None, or the constant spacing.
        dim: the axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.trapz(dn.tensor([1.0, 2.0]), dx=2).item()
        3.0
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    r"""The running integral of ``y`` along ``dim`` by the trapezoidal rule: one value per interval,
    $z_k = \sum_{i \le k} \frac{\Delta x_i (y_i + y_{i+1})}{2}$.

    Args:
        y: the values, a tensor with at least one axis.
        x: None, or the sample points: 1-D along ``dim``, or of ``y``'s shape.
        dx: None, or the constant spacing (not with ``x``).
        dim: the axis (the last by default).

    Examples:
        >>> import deltanet as dn
        >>> dn.cumulative_trapezoid(dn.tensor([1.0, 2.0, 4.0])).tolist()
        [1.5, 4.5]
    """
    values = _tensor(y)
    left, right, d, spacing = _parts(values, x, dx, dim, "cumulative_trapezoid")
    if isinstance(spacing, Tensor):
        return cumsum(spacing * (left + right), d) / 2.0
    return cumsum(spacing / 2.0 * (left + right), d)
