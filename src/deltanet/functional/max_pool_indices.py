r"""Max pooling that knows where each maximum is: ``return_indices=True`` and ``dilation``.

The window of output $i$ along an axis reads the inputs $i s + u d - p$ for $u < k$ (the padding
reads $-\infty$). Going through the $\prod k$ offsets in order, a window takes a value when it is
larger than its maximum so far or NaN, PyTorch's rule, so among ties the first offset wins. The
position kept is the flat index into the input's spatial axes ($h W + w$ in 2-D), which
``return_indices=True`` returns and ``max_unpool`` reads; the output is the input gathered at
those positions, so its gradient goes there (``AdaptiveMaxPool``'s gather).
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional.adaptive_max_pool import AdaptiveMaxPool
from deltanet.functional.conv import _ntuple


def out_sizes(size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil: bool) -> tuple:
    """PyTorch's output size per axis, with its rule that a ``ceil_mode`` window starts inside."""
    out = []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil else span // s) + 1
        if ceil and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    return tuple(out)


def argmax_positions(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, out: tuple) -> Any:
    """Flat spatial positions of each window's maximum (first among ties, or a NaN), (N, C, *out)."""
    size = x.shape[2:]
    # Padding wide enough for every window: the left padding, and on the right what the last reaches.
    geometry = zip(size, kernel, stride, padding, dilation, out)
    right = [max(0, (o - 1) * s + d * (k - 1) - p - n + 1) for n, k, s, p, d, o in geometry]
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xpad = np.pad(x, [(0, 0), (0, 0)] + [(p, r) for p, r in zip(padding, right)], constant_values=lowest)
    starts = [np.arange(o) * s - p for o, s, p in zip(out, stride, padding)]
    # PyTorch's index of a window of -inf only: its first tap inside the input.
    first = [st + (-(-np.maximum(-st, 0) // d)) * d for st, d in zip(starts, dilation)]
    best = np.full(x.shape[:2] + out, lowest, dtype=x.dtype)
    index = _flat(first, size)
    index = np.broadcast_to(index, best.shape).copy()
    for offset in product(*map(range, kernel)):
        window = (slice(None), slice(None)) + tuple(
            slice(u * d, u * d + (o - 1) * s + 1, s) for u, d, o, s in zip(offset, dilation, out, stride)
        )
        values = xpad[window]
        take = values > best
        if x.dtype.kind == "f":
            take |= np.isnan(values)
        np.copyto(best, values, where=take)
        here = _flat([st + u * d for st, u, d in zip(starts, offset, dilation)], size)
        np.copyto(index, np.broadcast_to(here, take.shape), where=take)
    return index


def _flat(coordinates: list, size: tuple) -> np.ndarray:
    """Row-major flat index of the per-axis coordinates, broadcast over the output grid."""
    dims = len(size)
    flat = np.zeros((1,) * dims, dtype=np.int64)
    for axis, (c, n) in enumerate(zip(coordinates, size)):
        flat = flat * n + c.reshape(tuple(-1 if a == axis else 1 for a in range(dims)))
    return flat.reshape((1, 1) + flat.shape)


def max_pool_with_indices(
    x: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
    dims: int,
) -> Any:
    """Max pooling with any dilation; the values, and the indices when ``return_indices``."""
    op = f"max_pool{dims}d"
    kernel = _ntuple(kernel_size, dims, "kernel_size", op, 1)
    strides = kernel if stride is None else _ntuple(stride, dims, "stride", op, 1)
    pads = _ntuple(padding, dims, "padding", op, 0)
    dilations = _ntuple(dilation, dims, "dilation", op, 1)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size (as in PyTorch), got padding {pads} for "
            f"kernel_size {kernel}"
        )
    out = out_sizes(x.shape[2:], kernel, strides, pads, dilations, ceil_mode)
    if min(out) < 1:
        raise ValueError(
            f"{op}: the dilated kernel {kernel} (dilation {dilations}) is larger than the padded input "
            f"{tuple(n + 2 * p for n, p in zip(x.shape[2:], pads))} (input shape {x.shape})"
        )
    for axis, (n, k, s, p, d, o) in enumerate(zip(x.shape[2:], kernel, strides, pads, dilations, out)):
        # A window whose taps all fall in the padding has no input to take: PyTorch returns -inf
        # with an index outside the input (its backward then writes out of bounds).
        starts = np.arange(o) * s - p
        u = -(-np.maximum(-starts, 0) // d)  # the first tap at or after position 0
        if np.any((u >= k) | (starts + u * d >= n)):
            raise ValueError(
                f"{op}: a window along spatial axis {axis} reads only padding (kernel {kernel}, stride "
                f"{strides}, padding {pads}, dilation {dilations}, ceil_mode={ceil_mode}, input shape {x.shape})"
            )
    flat = argmax_positions(x.array, kernel, strides, pads, dilations, out)
    if x.dtype.kind == "f":
        a = AdaptiveMaxPool.apply(x, flat=flat)
    else:
        N, C = x.shape[:2]
        P, Q = int(np.prod(x.shape[2:])), int(np.prod(out))
        a = Tensor._make(
            np.take_along_axis(x.array.reshape(N, C, P), flat.reshape(N, C, Q), axis=2).reshape(flat.shape)
        )
    return (a, Tensor._make(flat)) if return_indices else a
