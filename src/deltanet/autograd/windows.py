r"""``Tensor.unfold(dimension, size, step)``: the sliding windows of one axis, as a new last axis
(patches of an image, frames of a signal).

Window $w$ of axis $d$ holds $x[w \cdot \text{step} + j]$ for $j = 0, \dots, \text{size} - 1$; there
are $\lfloor (L - \text{size}) / \text{step} \rfloor + 1$ of them. The result is a read-only view
(windows overlap when $\text{step} < \text{size}$: writing into one would change the others; write
into ``x`` or into a ``clone()``). The gradient adds $\delta$ of every window back to the elements
it covers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor


class Unfold(Function):
    r"""$z[\dots, w, \dots, j] = x[\dots, w \cdot \text{step} + j, \dots]$ (the window axis last);
    $\partial L / \partial x$ adds each window's $\delta$ back where the window came from."""

    def forward(self, x: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
        self.shape, self.dim, self.size, self.step = x.shape, dim, size, step
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
        return windows[(slice(None),) * dim + (slice(None, None, step),)]

    def backward(self, delta: np.ndarray) -> np.ndarray:
        grad = np.zeros(self.shape, dtype=delta.dtype)
        along = np.moveaxis(grad, self.dim, -1)  # a view: writing into it writes grad
        windows = np.moveaxis(delta, self.dim, -2)  # (..., n windows, size)
        n = windows.shape[-2]
        for j in range(self.size):  # within one offset j the windows touch distinct elements
            along[..., j : j + (n - 1) * self.step + 1 : self.step] += windows[..., j]
        return grad


def unfold(self: Tensor, dimension: Any, size: Any, step: Any) -> Tensor:
    r"""The windows of ``size`` elements of axis ``dimension``, every ``step`` elements, as a new
    last axis: shape $(\dots, \lfloor (L - \text{size}) / \text{step} \rfloor + 1, \dots, \text{size})$
    (a read-only view).

    Args:
        dimension: the axis to slide along.
        size: the window's length (at most the axis's length).
        step: the distance between the starts of two windows (positive).

    Raises:
        ValueError: a size larger than the axis, a step that is not positive, or an axis out of range.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    d = normalize(_checks.integer(dimension, "dimension", "unfold"), max(self.ndim, 1), "unfold")
    length = self.shape[d] if self.ndim else 1
    size = _checks.integer(size, "size", "unfold", low=0)
    step = _checks.integer(step, "step", "unfold", low=1)
    if size > length:
        raise ValueError(f"unfold: size {size} is larger than the size {length} of dimension {d}")
    if self.ndim == 0:
        return Unfold.apply(self.reshape(1), dim=0, size=size, step=step).reshape(size)
    return Unfold.apply(self, dim=d, size=size, step=step)
