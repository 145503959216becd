r"""Pooling (subsampling) in 1, 2 and 3 dimensions, from one N-d implementation.

Each output value summarizes one window of $\prod k$ input values of its channel; along each
spatial axis the output has $\lfloor (n + 2p - k)/s \rfloor + 1$ positions, as for a convolution
(the stride $s$ defaults to the kernel size $k$: non-overlapping windows).

| pooling | forward | backward $\partial L/\partial x$ |
|---|---|---|
| max | $a = \max_{\text{window}} x$ | $\delta$ at the (first) argmax, 0 elsewhere |
| average | $a = \frac{1}{n} \sum_{\text{window}} x$ | $\delta / n$ on every value of the window |

Max pooling pads with $-\infty$ (padding never wins), average pooling with zeros; $n$ is
$\prod k$ when the padding counts (``count_include_pad=True``, PyTorch's default), else the
number of real values in the window. As for the convolutions, the code loops over kernel offsets
only, each step reading one strided slice of the (padded) input for all windows at once, and the
arrays keep the memory order of their input (batch-innermost when they come out of a convolution).

Adaptive average pooling chooses the windows from the output size instead: output index $i$ of an
axis averages input indices $[\lfloor i \cdot n_{in}/n_{out} \rfloor, \lceil (i+1) \cdot n_{in}/n_{out}
\rceil)$, PyTorch's rule; it is computed as one small averaging matrix per axis.
"""

from __future__ import annotations

import math
from itertools import product
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.autograd.dead_units import pass_live
from deltanet.functional.conv import (
    _ntuple,
    batch_innermost,
    check_input,
    drop_batch,
    full_like_layout,
    in_layout,
    same_layout,
    unbatched,
)
from deltanet.functional.max_pool_indices import argmax_positions, max_pool_with_indices
from deltanet.functional.padding import pad


def _window(offset: tuple, stride: tuple, out_size: tuple) -> tuple[slice, ...]:
    """Index into a padded (N, C, *spatial) array of the values at ``offset`` in every window."""
    return (slice(None), slice(None)) + tuple(
        slice(k, k + (n - 1) * s + 1, s) for k, s, n in zip(offset, stride, out_size)
    )


def _padded(x: np.ndarray, padding: tuple[int, ...], value: float) -> np.ndarray:
    """x with ``padding`` values ``value`` on both sides of each spatial axis (x itself if none)."""
    if not any(padding):
        return x
    shape = x.shape[:2] + tuple(n + 2 * p for n, p in zip(x.shape[2:], padding))
    xpad = full_like_layout(x, shape, value)
    xpad[_crop(padding, x.shape[2:])] = x
    return xpad


def _crop(padding: tuple[int, ...], size: tuple[int, ...]) -> tuple[slice, ...]:
    return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(padding, size))


class MaxPoolNd(Function):
    """a = max over each window; backward routes delta to the first maximum of the window.

    Forward keeps only the running maximum (one ``np.maximum`` per kernel offset). Backward finds
    the first offset of each window that holds the maximum, ``x == a``, and masks out the later
    ties; it uses products with boolean masks rather than ``np.where`` or masked copies, which are
    ~20x slower on the random masks of real data; the products are taken on the bit patterns
    (``dead_units.pass_live``), so that a NaN or infinite delta reaches the argmax only, as in
    PyTorch. A NaN in a window propagates to the output; such a window has no ``x == a``, and the
    backward then takes the positions of ``return_indices=True`` (its last NaN, as PyTorch).
    """

    output_copied_on_edit = True  # PyTorch saves the input (indices for max pooling), not the output

    def forward(self, x: np.ndarray, *, kernel: tuple, stride: tuple, padding: tuple, out_size: tuple) -> np.ndarray:
        self.options = kernel, stride, padding, out_size, x.shape
        xpad = _padded(x, padding, -np.inf)
        offsets = list(product(*map(range, kernel)))
        a = full_like_layout(x, x.shape[:2] + out_size, None)
        np.copyto(a, xpad[_window(offsets[0], stride, out_size)])
        for offset in offsets[1:]:
            np.maximum(a, xpad[_window(offset, stride, out_size)], out=a)  # also propagates NaN
        self.save_for_backward(xpad, a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        kernel, stride, padding, out_size, shape = self.options
        xpad, a = self.saved_tensors
        delta = same_layout(delta, a)
        disjoint = all(s >= k for s, k in zip(stride, kernel))  # each input in one window at most
        # Windows that tile the input exactly write every value of gpad once: no zeros needed.
        tiles = disjoint and all(s == k and o * k == n for s, k, o, n in zip(stride, kernel, out_size, xpad.shape[2:]))
        gpad = full_like_layout(a, xpad.shape, None if tiles else 0, delta.dtype)
        offsets = list(product(*map(range, kernel)))
        taken = None  # windows whose (first) maximum has been found
        for i, offset in enumerate(offsets):
            index = _window(offset, stride, out_size)
            hit = xpad[index] == a
            if taken is None:
                taken = hit
            else:
                np.greater(hit, taken, out=hit)  # hit and not taken: ties keep the first maximum, as PyTorch does
                if i < len(offsets) - 1:
                    taken |= hit
            # delta * hit, exact where a non-finite delta meets a miss (NaN * 0): dead_units
            if disjoint:
                pass_live(delta, hit, out=gpad[index])
            else:
                gpad[index] += pass_live(delta, hit)
        # A window holding NaN has NaN for maximum and no x == a, where PyTorch's gradient goes to its
        # last NaN. a . a, one BLAS pass over the outputs (0.4 instructions a value), is finite when a
        # has no NaN (nor inf, nor overflows: those ask isnan for the answer).
        flat = a.ravel(order="K")  # a view: a is one dense block
        with np.errstate(over="ignore", invalid="ignore"):
            square = np.dot(flat, flat)
        if not np.isfinite(square) and np.isnan(a).any():
            return _nan_window_gradient(xpad[_crop(padding, shape[2:])], delta, kernel, stride, padding, out_size)
        return gpad[_crop(padding, shape[2:])]


def _nan_window_gradient(
    x: np.ndarray, delta: np.ndarray, kernel: tuple, stride: tuple, padding: tuple, out_size: tuple
) -> np.ndarray:
    """Max pooling's gradient through the positions that ``return_indices=True`` gives (PyTorch's
    rule: the first maximum, or the last NaN of the window): the path taken when a window holds NaN."""
    flat = argmax_positions(x, kernel, stride, padding, (1,) * len(kernel), out_size)
    N, C, *size = x.shape
    P = math.prod(size)
    offsets = (np.arange(N * C) * P).reshape((N, C) + (1,) * len(size))
    g = np.bincount((flat + offsets).ravel(), np.asarray(delta).ravel(), minlength=N * C * P)
    return g.astype(delta.dtype, copy=False).reshape(x.shape)


class AvgPoolNd(Function):
    r"""a = (1/n) * sum over each window; backward spreads delta/n over the window.

    Where windows do not overlap (stride >= kernel), backward writes $\delta / n$ into each window
    (``np.multiply(..., out=)``) instead of adding it to zeros; where they tile the input exactly
    it skips the zeros too, as max pooling does. The gradient comes out in the memory order of the
    input, so that the activation's backward before it multiplies arrays of one order (after a
    ``Flatten``, $\delta$ arrives in the other: the textbook LeNet's sigmoid backward took 4x longer).
    """

    def forward(
        self,
        x: np.ndarray,
        *,
        kernel: tuple,
        stride: tuple,
        padding: tuple,
        out_size: tuple,
        count_include_pad: bool,
    ) -> np.ndarray:
        xpad = _padded(x, padding, 0)
        offsets = list(product(*map(range, kernel)))
        a = full_like_layout(x, x.shape[:2] + out_size, None)
        if len(offsets) == 1:
            np.copyto(a, xpad[_window(offsets[0], stride, out_size)])
        else:  # the first two values of each window summed into a: one pass fewer than copy, add
            np.add(xpad[_window(offsets[0], stride, out_size)], xpad[_window(offsets[1], stride, out_size)], out=a)
        for offset in offsets[2:]:
            a += xpad[_window(offset, stride, out_size)]
        if count_include_pad or not any(padding):
            scale: Any = 1.0 / math.prod(kernel)
        else:
            scale = 1.0 / _real_counts(x.shape[2:], kernel, stride, padding, out_size)
        a *= scale
        self.options = kernel, stride, padding, out_size, x.shape, scale, batch_innermost(x)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        kernel, stride, padding, out_size, shape, scale, inner = self.options
        delta = in_layout(delta, inner)
        padded = shape[:2] + tuple(n + 2 * p for n, p in zip(shape[2:], padding))
        disjoint = all(s >= k for s, k in zip(stride, kernel))  # each input in one window at most
        # Windows that tile the input exactly (W5's 2x2, stride 2) write every value of gpad once: no zeros.
        tiles = disjoint and all(s == k and o * k == n for s, k, o, n in zip(stride, kernel, out_size, padded[2:]))
        gpad = full_like_layout(delta, padded, None if tiles else 0)
        if disjoint:  # gpad[window] = delta * scale, written in one pass per offset
            for offset in product(*map(range, kernel)):
                np.multiply(delta, scale, out=gpad[_window(offset, stride, out_size)])
        else:
            share = delta * scale
            for offset in product(*map(range, kernel)):
                gpad[_window(offset, stride, out_size)] += share
        return gpad[_crop(padding, shape[2:])]


def _real_counts(size: tuple, kernel: tuple, stride: tuple, padding: tuple, out_size: tuple) -> np.ndarray:
    """Number of non-padding values in each window, shaped (1, 1, *out_size) to broadcast."""
    counts = np.ones((1, 1) + (1,) * len(size))
    for axis, (n, k, s, p, o) in enumerate(zip(size, kernel, stride, padding, out_size)):
        start = np.arange(o) * s - p
        per_axis = np.minimum(start + k, n) - np.maximum(start, 0)
        counts = counts * per_axis.reshape((1, 1) + tuple(-1 if i == axis else 1 for i in range(len(size))))
    return counts


def _float_input(x: Any) -> Tensor:
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor._make(x.array.astype(backend.DEFAULT_DTYPE))


def _pool_args(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dims: int, op: str, ceil: bool = False) -> dict:
    """The checked geometry; with ``ceil`` a kernel larger than the padded input is allowed as long
    as one window starts inside (PyTorch's ``ceil_mode``: that window is clipped at the end)."""
    check_input(x, dims, op)
    kernel = _ntuple(kernel_size, dims, "kernel_size", op, 1)
    stride = kernel if stride is None else _ntuple(stride, dims, "stride", op, 1)
    padding = _ntuple(padding, dims, "padding", op, 0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size (as in PyTorch), got "
            f"padding {padding} for kernel_size {kernel}"
        )
    padded = tuple(n + 2 * p for n, p in zip(x.shape[2:], padding))
    reach = tuple(n + (s - 1 if ceil else 0) for n, s in zip(padded, stride))  # ceil: o = ceil((n - k) / s) + 1
    if any(k > n for k, n in zip(kernel, reach)):
        raise ValueError(
            f"{op}: the kernel {kernel} is larger than the padded input {padded} "
            f"(input shape {x.shape}, padding {padding})"
        )
    out_size = tuple((n - k) // s + 1 for n, k, s in zip(padded, kernel, stride))
    return dict(kernel=kernel, stride=stride, padding=padding, out_size=out_size)


def _ceil_windows(x: Tensor, args: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    r"""``ceil_mode=True``: the output size, and how far the last windows reach past the padded input.

    PyTorch's rule: $\lceil (n + 2p - k)/s \rceil + 1$ windows, less the last one when it would
    start in the right padding, $(o - 1) s \ge n + p$; every window starts inside the input or the
    left padding.
    """
    out_size, extra = [], []
    for n, k, s, p in zip(x.shape[2:], args["kernel"], args["stride"], args["padding"]):
        o = -(-(n + 2 * p - k) // s) + 1
        if (o - 1) * s >= n + p:
            o -= 1
        out_size.append(o)
        extra.append(max(0, (o - 1) * s + k - (n + 2 * p)))
    return tuple(out_size), tuple(extra)


def _right_padded(x: Tensor, extra: tuple[int, ...], value: float) -> Tensor:
    """x with ``extra`` values ``value`` after the end of each spatial axis (differentiable)."""
    if not any(extra):
        return x
    return pad(x, [a for e in reversed(extra) for a in (0, e)], value=value)


def _integer_max_pool(x: Tensor, args: dict, extra: tuple[int, ...]) -> Tensor:
    """Max pooling of an integer tensor, exact and of its dtype (as PyTorch); no gradient."""
    lowest = np.iinfo(x.dtype).min  # padding never wins
    widths = [(0, 0), (0, 0)] + [(p, p + e) for p, e in zip(args["padding"], extra)]
    xpad = np.pad(x.array, widths, constant_values=lowest)
    offsets = list(product(*map(range, args["kernel"])))
    a = xpad[_window(offsets[0], args["stride"], args["out_size"])].copy()
    for offset in offsets[1:]:
        np.maximum(a, xpad[_window(offset, args["stride"], args["out_size"])], out=a)
    return Tensor._make(a)


def _max_pool(
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dims: int,
    ceil_mode: bool = False,
    dilation: Any = 1,
    return_indices: bool = False,
) -> Any:
    x = as_tensor(x)
    if unbatched(x, dims):  # PyTorch's (C, *spatial)
        one = x.unsqueeze(0)
        return drop_batch(_max_pool(one, kernel_size, stride, padding, dims, ceil_mode, dilation, return_indices))
    if ceil_mode is not False or x.dtype.kind in "iu" or dilation != 1 or return_indices is not False:
        op = f"max_pool{dims}d"
        if check.flag(return_indices, "return_indices", op) or dilation != 1:
            check_input(x, dims, op)
            x = x if x.dtype.kind in "fiu" else _float_input(x)
            ceil = check.flag(ceil_mode, "ceil_mode", op)
            return max_pool_with_indices(x, kernel_size, stride, padding, dilation, ceil, return_indices, dims)
        return _max_pool_ceil_or_integer(x, kernel_size, stride, padding, dims, ceil_mode)
    x = _float_input(x)
    return MaxPoolNd.apply(x, **_pool_args(x, kernel_size, stride, padding, dims, f"max_pool{dims}d"))


def _max_pool_ceil_or_integer(x: Any, kernel_size: Any, stride: Any, padding: Any, dims: int, ceil_mode: Any) -> Tensor:
    op = f"max_pool{dims}d"
    ceil = check.flag(ceil_mode, "ceil_mode", op)
    x = as_tensor(x)
    if x.dtype.kind not in "iu":
        x = _float_input(x)
    args = _pool_args(x, kernel_size, stride, padding, dims, op, ceil)
    extra = (0,) * dims
    if ceil:
        args["out_size"], extra = _ceil_windows(x, args)
    if x.dtype.kind in "iu":
        return _integer_max_pool(x, args, extra)
    return MaxPoolNd.apply(_right_padded(x, extra, -np.inf), **args)


def _avg_pool(
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    count_include_pad: bool,
    dims: int,
    ceil_mode: bool = False,
    divisor_override: Any = None,
) -> Tensor:
    x = as_tensor(x)
    if unbatched(x, dims):  # PyTorch's (C, *spatial)
        one = x.unsqueeze(0)
        return drop_batch(
            _avg_pool(one, kernel_size, stride, padding, count_include_pad, dims, ceil_mode, divisor_override)
        )
    if x.dtype.kind != "f":
        return _integer_avg_pool(x, kernel_size, stride, padding, count_include_pad, dims, ceil_mode, divisor_override)
    args = _pool_args(x, kernel_size, stride, padding, dims, f"avg_pool{dims}d", ceil_mode is True)
    if ceil_mode is False and divisor_override is None:
        return AvgPoolNd.apply(x, count_include_pad=bool(count_include_pad), **args)
    return _avg_pool_divided(x, args, bool(count_include_pad), ceil_mode, divisor_override, f"avg_pool{dims}d")


def _avg_pool_divided(
    x: Tensor, args: dict, count_include_pad: bool, ceil_mode: Any, divisor_override: Any, op: str
) -> Tensor:
    r"""Average pooling with ``ceil_mode`` or ``divisor_override``: window sums over PyTorch's divisors.

    The sums are $\prod k$ times the average that counts the padding; the divisor of a window is
    ``divisor_override``, or its extent clipped to the input and its padding
    (``count_include_pad=True``: a last window of ``ceil_mode`` reaching past the right padding
    counts only up to it), or to the input alone (False).
    """
    extra = (0,) * len(args["kernel"])
    if check.flag(ceil_mode, "ceil_mode", op):
        args["out_size"], extra = _ceil_windows(x, args)
    a = AvgPoolNd.apply(_right_padded(x, extra, 0.0), count_include_pad=True, **args)
    divisor = _divisors(x.shape, args, count_include_pad, divisor_override, op)
    return a * np.asarray(math.prod(args["kernel"]) / divisor, dtype=x.dtype)


def _divisors(shape: tuple, args: dict, count_include_pad: bool, divisor_override: Any, op: str) -> Any:
    """PyTorch's divisor of each window, shaped (1, 1, *out_size), or ``divisor_override``."""
    if divisor_override is not None:
        divisor = check.integer(divisor_override, "divisor_override", op)
        if divisor == 0:
            raise check.fail(op, "divisor_override", "a nonzero int or None", divisor_override)
        return divisor
    dims = len(shape) - 2
    counts = np.ones((1, 1) + (1,) * dims, dtype=np.int64)
    for axis, (n, k, s, p, o) in enumerate(zip(shape[2:], *(args[key] for key in _GEOMETRY))):
        start = np.arange(o) * s - p
        if count_include_pad:
            count = np.minimum(start + k, n + p) - start
        else:
            count = np.minimum(start + k, n) - np.maximum(start, 0)
        counts = counts * count.reshape((1, 1) + tuple(-1 if i == axis else 1 for i in range(dims)))
    return counts


def _integer_avg_pool(
    x: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    count_include_pad: Any,
    dims: int,
    ceil_mode: Any,
    divisor_override: Any,
) -> Tensor:
    """Average pooling of int64 values as PyTorch: exact window sums, divided with truncation toward 0."""
    op = f"avg_pool{dims}d"
    if x.dtype != np.int64:
        raise ValueError(
            f"{op}: expected a floating-point or int64 input (PyTorch pools no other integer or bool dtype), "
            f"got {x.dtype}; convert with .float()"
        )
    args = _pool_args(x, kernel_size, stride, padding, dims, op, ceil_mode is True)
    extra = (0,) * dims
    if check.flag(ceil_mode, "ceil_mode", op):
        args["out_size"], extra = _ceil_windows(x, args)
    include = check.flag(count_include_pad, "count_include_pad", op)
    widths = [(0, 0), (0, 0)] + [(p, p + e) for p, e in zip(args["padding"], extra)]
    xpad = np.pad(x.array, widths)
    offsets = list(product(*map(range, args["kernel"])))
    total = xpad[_window(offsets[0], args["stride"], args["out_size"])].copy()
    for offset in offsets[1:]:
        total += xpad[_window(offset, args["stride"], args["out_size"])]
    divisor = _divisors(x.shape, args, include, divisor_override, op)
    return Tensor._make(np.sign(total) * np.sign(divisor) * (np.abs(total) // np.abs(divisor)))


_GEOMETRY = ("kernel", "stride", "padding", "out_size")


def max_pool2d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    dilation: Any = 1,
    return_indices: bool = False,
) -> Any:
    r"""2-D max pooling: each output is the maximum of a kH×kW window of its channel.

    $$
    a_{n,c,i,j} = \max_{u < k_H,\ v < k_W} x^{pad}_{n,c,\, is + u,\, js + v}
    $$

    Backward routes $\delta$ to the first maximum of each window (PyTorch's choice among ties).

    Args:
        x: input (N, C, H, W).
        kernel_size: $k$, an int or (kH, kW).
        stride: $s$, an int or a pair; defaults to kernel_size.
        padding: $p$ values $-\infty$ added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (PyTorch's rule: a last, partial window that
            starts inside the input or the left padding).
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima in the input's spatial
            axes (int64), for ``max_unpool``.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, \lfloor (H + 2p - k)/s \rfloor + 1, \lfloor (W + 2p - k)/s \rfloor + 1)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
        >>> dn.functional.max_pool2d(x, 2).data.tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _max_pool(x, kernel_size, stride, padding, 2, ceil_mode, dilation, return_indices)


def max_pool1d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    dilation: Any = 1,
    return_indices: bool = False,
) -> Any:
    r"""1-D max pooling over (N, C, L), with the arguments of `max_pool2d`.

    Args:
        x: input (N, C, L).
        kernel_size: $k$, an int or a 1-tuple.
        stride: $s$; defaults to kernel_size.
        padding: $p$ values $-\infty$ added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (PyTorch's rule: a last, partial window that
            starts inside the input or the left padding).
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima in the input's spatial
            axes (int64), for ``max_unpool``.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, \lfloor (L + 2p - k)/s \rfloor + 1)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.functional.max_pool1d(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0, 5.0]]])), 2).data.tolist()
        [[[3.0, 2.0]]]
    """
    return _max_pool(x, kernel_size, stride, padding, 1, ceil_mode, dilation, return_indices)


def max_pool3d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    dilation: Any = 1,
    return_indices: bool = False,
) -> Any:
    r"""3-D max pooling over (N, C, D, H, W), with the arguments of `max_pool2d`.

    Args:
        x: input (N, C, D, H, W).
        kernel_size: $k$, an int or (kD, kH, kW).
        stride: $s$; defaults to kernel_size.
        padding: $p$ values $-\infty$ added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (PyTorch's rule: a last, partial window that
            starts inside the input or the left padding).
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima in the input's spatial
            axes (int64), for ``max_unpool``.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each $\lfloor (n + 2p - k)/s \rfloor + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(64.0).reshape(1, 1, 4, 4, 4))
        >>> a = dn.functional.max_pool3d(x, 2)
        >>> a.shape, float(a.array[0, 0, 0, 0, 0])
        ((1, 1, 2, 2, 2), 21.0)
    """
    return _max_pool(x, kernel_size, stride, padding, 3, ceil_mode, dilation, return_indices)


def avg_pool2d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    count_include_pad: bool = True,
    ceil_mode: bool = False,
    divisor_override: Any = None,
) -> Tensor:
    r"""2-D average pooling: each output is the mean of a kH×kW window of its channel.

    $$
    a_{n,c,i,j} = \frac{1}{|w|} \sum_{u < k_H,\ v < k_W} x^{pad}_{n,c,\, is + u,\, js + v}
    $$

    with $|w| = k_H k_W$, or the number of non-padding values when ``count_include_pad=False``.

    Args:
        x: input (N, C, H, W).
        kernel_size: $k$, an int or (kH, kW).
        stride: $s$, an int or a pair; defaults to kernel_size.
        padding: $p$ zeros added on both sides, at most half the kernel size.
        count_include_pad: divide by $k_H k_W$ (True) or by the number of non-padding values.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, \lfloor (H + 2p - k)/s \rfloor + 1, \lfloor (W + 2p - k)/s \rfloor + 1)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
        >>> dn.functional.avg_pool2d(x, 2).data.tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    return _avg_pool(x, kernel_size, stride, padding, count_include_pad, 2, ceil_mode, divisor_override)


def avg_pool1d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    count_include_pad: bool = True,
    ceil_mode: bool = False,
    divisor_override: Any = None,
) -> Tensor:
    r"""1-D average pooling over (N, C, L), with the arguments of `avg_pool2d`.

    Args:
        x: input (N, C, L).
        kernel_size: $k$, an int or a 1-tuple.
        stride: $s$; defaults to kernel_size.
        padding: $p$ zeros added on both sides, at most half the kernel size.
        count_include_pad: divide by $k$ (True) or by the number of non-padding values.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, \lfloor (L + 2p - k)/s \rfloor + 1)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 3.0, 2.0]]]))
        >>> dn.functional.avg_pool1d(x, 2, stride=1, padding=1, count_include_pad=False).data.tolist()
        [[[1.0, 2.0, 2.5, 2.0]]]
    """
    return _avg_pool(x, kernel_size, stride, padding, count_include_pad, 1, ceil_mode, divisor_override)


def avg_pool3d(
    x: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    count_include_pad: bool = True,
    ceil_mode: bool = False,
    divisor_override: Any = None,
) -> Tensor:
    r"""3-D average pooling over (N, C, D, H, W), with the arguments of `avg_pool2d`.

    Args:
        x: input (N, C, D, H, W).
        kernel_size: $k$, an int or (kD, kH, kW).
        stride: $s$; defaults to kernel_size.
        padding: $p$ zeros added on both sides, at most half the kernel size.
        count_include_pad: divide by $k_D k_H k_W$ (True) or by the number of non-padding values.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each $\lfloor (n + 2p - k)/s \rfloor + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2))
        >>> dn.functional.avg_pool3d(x, 2).data.ravel().tolist()
        [3.5]
    """
    return _avg_pool(x, kernel_size, stride, padding, count_include_pad, 3, ceil_mode, divisor_override)


# -- adaptive and global average pooling ------------------------------------------------------
def _averaging_matrix(n_in: int, n_out: int, dtype: Any) -> np.ndarray:
    """A (n_out, n_in) matrix whose row i averages input indices [floor(i*in/out), ceil((i+1)*in/out))."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)  # ceiling division
    j = np.arange(n_in)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def tap_matrix(n_out: int, n_in: int, taps: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The matrix $M$ of a per-axis resampling and the marks of its taps, for ``apply_along``.

    ``taps`` lists, for each tap slot, the input index and the weight of every output. $M$ sums
    the weights of the taps that share an input; the marks keep what the sum hides: which inputs
    an output reads with a weight of 0, of more than 0 and of less than 0 (shape (3, n_out, n_in)).
    """
    M = np.zeros((n_out, n_in))
    marks = np.zeros((3, n_out, n_in), dtype=bool)
    rows = np.arange(n_out)
    for cols, weights in taps:
        np.add.at(M, (rows, cols), weights)
        for k, hit in enumerate((weights == 0, weights > 0, weights < 0)):
            marks[k, rows[hit], cols[hit]] = True
    return M, marks


def apply_along(a: np.ndarray, M: np.ndarray, axis: int, marks: np.ndarray | None = None) -> np.ndarray:
    """Multiply every line of ``a`` along ``axis`` by M: out[..., i, ...] = sum_j M[i, j] a[..., j, ...].

    Infinities and NaN count as a loop over each output's taps would count them (PyTorch's
    kernels): they reach only the outputs that read them, not every output through the zeros of
    the matrix product, so one NaN voxel spoils its neighbourhood, not the whole line. ``marks``
    (from ``tap_matrix``; by default the signs of M) says which outputs read an input with a weight
    of 0 (inf times 0 is NaN), of more or of less than 0 (+inf and -inf together are NaN).
    """
    finite = np.isfinite(a)
    if finite.all():
        return _along(a, M, axis)
    zero, positive_taps, negative_taps = (np.zeros_like(M, dtype=bool), M > 0, M < 0) if marks is None else marks
    with np.errstate(invalid="ignore"):
        out = _along(np.where(finite, a, 0), M, axis)
        up, down = np.isposinf(a), np.isneginf(a)
        nan = _along(np.isnan(a), zero | positive_taps | negative_taps, axis) + _along(up | down, zero, axis)
        positive = _along(up, positive_taps, axis) + _along(down, negative_taps, axis)
        negative = _along(up, negative_taps, axis) + _along(down, positive_taps, axis)
    out[positive > 0] = np.inf
    out[negative > 0] = -np.inf
    out[(nan > 0) | ((positive > 0) & (negative > 0))] = np.nan
    return out


def _along(a: np.ndarray, M: np.ndarray, axis: int) -> np.ndarray:
    if a.dtype == bool:  # counts of the outputs' taps on non-finite inputs
        a, M = a.astype(np.float32), M.astype(np.float32)
    return np.moveaxis(np.tensordot(a, M, axes=([axis], [1])), -1, axis)


class AdaptiveAvgPool(Function):
    """a = x averaged by one matrix per spatial axis; backward applies the transposed matrices."""

    def forward(self, x: np.ndarray, *, out_size: tuple) -> np.ndarray:
        self.matrices = [_averaging_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], out_size)]
        a = x
        for axis, M in enumerate(self.matrices, 2):
            a = apply_along(a, M, axis)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = delta
        for axis, M in enumerate(self.matrices, 2):
            g = apply_along(g, M.T, axis)
        return g


def _adaptive_avg_pool(x: Any, output_size: Any, dims: int) -> Tensor:
    op = f"adaptive_avg_pool{dims}d"
    x = _float_input(x)
    if unbatched(x, dims):  # PyTorch's (C, *spatial)
        return drop_batch(_adaptive_avg_pool(x.unsqueeze(0), output_size, dims))
    check_input(x, dims, op)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {dims} ints or None, got {output_size!r}")
    # None keeps the input's size on that axis, as in PyTorch.
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:]))
    out_size = _ntuple(sizes, dims, "output_size", op, 1)
    if 0 in x.shape[1:]:  # an empty window has no mean (it gave zeros)
        raise ValueError(f"{op}: expected an input with non-empty non-batch axes (as PyTorch), got shape {x.shape}")
    return AdaptiveAvgPool.apply(x, out_size=out_size)


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    r"""Average pooling to a fixed output size, whatever the input size (PyTorch's windows).

    Output index $i$ of an axis averages the inputs
    $[\lfloor i \cdot n_{in}/n_{out} \rfloor, \lceil (i+1) \cdot n_{in}/n_{out} \rceil)$; when
    $n_{out}$ divides $n_{in}$ these are non-overlapping windows of $n_{in}/n_{out}$ values, and
    ``output_size=1`` is global average pooling.

    Args:
        x: input (N, C, H, W).
        output_size: (H_out, W_out), or one int for both; None keeps the input's size on an axis.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, H_{out}, W_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
        >>> dn.functional.adaptive_avg_pool2d(x, 2).data.tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
        >>> dn.functional.adaptive_avg_pool2d(x, (1, 3)).array.round(2).tolist()
        [[[[6.5, 7.5, 8.5]]]]
    """
    return _adaptive_avg_pool(x, output_size, 2)


def adaptive_avg_pool1d(x: Tensor, output_size: Any) -> Tensor:
    r"""Adaptive average pooling over (N, C, L), with the windows of `adaptive_avg_pool2d`.

    Args:
        x: input (N, C, L).
        output_size: $L_{out}$, an int or a 1-tuple; None keeps the input's size.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, L_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.functional.adaptive_avg_pool1d(dn.tensor(np.array([[[1.0, 2.0, 3.0]]])), 2).data.tolist()
        [[[1.5, 2.5]]]
    """
    return _adaptive_avg_pool(x, output_size, 1)


def adaptive_avg_pool3d(x: Tensor, output_size: Any) -> Tensor:
    r"""Adaptive average pooling over (N, C, D, H, W), with the windows of `adaptive_avg_pool2d`.

    Args:
        x: input (N, C, D, H, W).
        output_size: (D_out, H_out, W_out), or one int for all; None keeps the input's size on an axis.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2))
        >>> dn.functional.adaptive_avg_pool3d(x, 1).data.ravel().tolist()
        [3.5]
    """
    return _adaptive_avg_pool(x, output_size, 3)


def global_avg_pool(x: Tensor) -> Tensor:
    r"""Global average pooling: the mean of each channel over all its positions $S$.

    $$
    a_{n,c} = \frac{1}{|S|} \sum_{s \in S} x_{n,c,s}
    $$

    The usual replacement of the flatten + fully connected head of a CNN (Lin et al. 2014).
    Unlike ``adaptive_avg_pool2d(x, 1)``, the spatial axes are dropped.

    Args:
        x: input (N, C, *spatial) with at least one spatial axis.

    Shape:
        - input: $(N, C, *)$ with at least one spatial axis
        - output: $(N, C)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(8.0).reshape(1, 2, 2, 2))
        >>> dn.functional.global_avg_pool(x).data.tolist()
        [[1.5, 5.5]]
    """
    x = _float_input(x)  # integers become float32, as for the other pools
    if x.ndim < 3:
        raise ValueError(f"global_avg_pool expects an input (N, C, *spatial) with at least 3 axes, got shape {x.shape}")
    return x.mean(axis=tuple(range(2, x.ndim)))
