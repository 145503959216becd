r"""Histograms of intensities, with PyTorch's names: ``histc`` (counts in equal bins over a range) and
``histogram`` (counts or densities, and the bin edges). Neither has a gradient (PyTorch's have none).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf


def histc(input: Any, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:  # noqa: A002 - PyTorch's names
    r"""A histogram of ``input`` with ``bins`` equal bins over $[\text{min}, \text{max}]$, as PyTorch's.

    Element $x$ falls in bin $\lfloor (x - \text{min}) \cdot \text{bins} / (\text{max} - \text{min})
    \rfloor$ (computed in the input's dtype, as PyTorch does), and $x = \text{max}$ in the last bin;
    values outside the range and NaN are left out. With ``min == max`` (the default 0 and 0) the range
    is that of the data; a range of one point is widened to $[\text{min} - 1, \text{max} + 1]$.
    The counts have the input's dtype and no gradient (PyTorch has none either).

    Args:
        input: a floating-point tensor (any shape; every element counts).
        bins: the number of bins (a positive integer).
        min: the lower end of the range.
        max: the upper end of the range.

    Examples:
        >>> import deltanet as dn
        >>> dn.histc(dn.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    x = _tensor(input).array
    if x.dtype.kind != "f":
        raise ValueError(f"histc() needs a floating-point tensor, got dtype {x.dtype}; convert first, e.g. x.float()")
    n = check.integer(bins, "bins", "histc", low=1)
    low, high = check.number(min, "min", "histc"), check.number(max, "max", "histc")
    if low > high:
        raise ValueError(f"histc: max must be larger than min, got min={min!r} and max={max!r}")
    values = x.reshape(-1)
    if low == high:
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
        if low == high:
            low, high = low - 1, high + 1
    t = x.dtype.type
    inside = values[(values >= t(low)) & (values <= t(high))]
    with np.errstate(invalid="ignore", over="ignore"):
        position = ((inside - t(low)) * t(n) / (t(high) - t(low))).astype(np.int64)
    position = np.minimum(position, n - 1)  # x == max goes into the last bin
    return leaf(np.bincount(position, minlength=n).astype(x.dtype))


class Histogram(NamedTuple):
    """What ``histogram`` returns, as PyTorch's ``torch.return_types.histogram``.

    Attributes:
        hist: the count (or density, or summed weight) of each bin.
        bin_edges: the ``bins + 1`` edges, ascending.

    Examples:
        >>> import deltanet as dn
        >>> hist, edges = dn.histogram(dn.tensor([0.0, 1.0, 2.0, 2.0, 5.0]), bins=2)
        >>> hist.tolist(), edges.tolist()
        ([4.0, 1.0], [0.0, 2.5, 5.0])
    """

    hist: Tensor
    bin_edges: Tensor


def _linspace(low: float, high: float, n: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``linspace`` in ``dtype``: from the start for the first half, from the end after,
    each value rounded once (its kernel's fused multiply-add, done here in a wider type)."""
    t = dtype.type
    start, end = t(low), t(high)
    step = (end - start) / t(n - 1) if n > 1 else t(0)
    wide = np.longdouble if dtype == np.float64 else np.float64
    i = np.arange(n)
    with np.errstate(over="ignore", invalid="ignore"):
        from_start = wide(start) + wide(step) * i
        from_end = wide(end) - wide(step) * (n - 1 - i)
    return np.where(i < n // 2, from_start, from_end).astype(dtype)


def histogram(
    input: Any,
    bins: Any,
    *,
    range: Any = None,
    weight: Any = None,
    density: bool = False,  # noqa: A002
) -> Histogram:
    r"""A histogram of ``input``: $h_k$ counts the $x$ with $e_k \le x < e_{k+1}$ (the last bin also
    holds $x = e_{\text{last}}$), or sums their ``weight``; with ``density``, $h_k / (\sum_j h_j \,
    (e_{k+1} - e_k))$, which integrates to 1.

    With a number of ``bins``, the edges are equally spaced over ``range`` (by default from the
    smallest to the largest value; a single value $v$ gives $[v - 0.5, v + 0.5]$, as PyTorch).

    Args:
        input: a floating-point tensor (any shape; every element counts).
        bins: the number of bins (a positive integer), or a 1-D tensor of increasing edges.
        range: None, or ``(min, max)`` for equally spaced bins.
        weight: None, or a tensor of ``input``'s shape: what each element adds to its bin.
        density: normalise to a probability density.

    Returns:
        ``(hist, bin_edges)``, both of ``input``'s dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.histogram(dn.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 4.0)).hist.tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    x = _tensor(input).array
    if x.dtype.kind != "f":
        raise ValueError(
            f"histogram() needs a floating-point tensor, got dtype {x.dtype}; convert first, e.g. x.float()"
        )
    check.flag(density, "density", "histogram")
    values = x.reshape(-1)
    if isinstance(bins, (Tensor, np.ndarray, list, tuple)):
        if range is not None:
            raise ValueError("histogram: range applies to a number of bins, not to given edges")
        edges = np.asarray(bins.array if isinstance(bins, Tensor) else bins, dtype=x.dtype)
        if edges.ndim != 1 or edges.size < 2 or (np.diff(edges) < 0).any():
            raise ValueError(f"histogram: bins must be 1-D increasing edges (at least 2), got {edges.tolist()}")
    else:
        n = check.integer(bins, "bins", "histogram", low=1)
        if range is None:
            finite = values[np.isfinite(values)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if low == high:
                low, high = low - 0.5, high + 0.5
        else:
            if not isinstance(range, (tuple, list)) or len(range) != 2:
                raise ValueError(f"histogram: range must be (min, max), got {range!r}")
            low, high = (check.number(r, "range", "histogram") for r in range)
            if low > high:
                raise ValueError(f"histogram: range must have min <= max, got {range!r}")
        edges = _linspace(low, high, n + 1, x.dtype)
    w = None
    if weight is not None:
        w = _tensor(weight).array
        if w.shape != x.shape:
            raise ValueError(f"histogram: weight must have input's shape {x.shape}, got {w.shape}")
        w = w.reshape(-1)
    hist, _ = np.histogram(values, bins=edges, weights=w)
    hist = hist.astype(x.dtype)
    if density:
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = (hist / (hist.sum() * np.diff(edges))).astype(x.dtype)
    return Histogram(leaf(hist), leaf(edges))
