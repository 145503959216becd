"""Pooling (subsampling) layers: max and average pooling in 1, 2 and 3 dimensions, adaptive and
global average pooling. They hold no parameters; the computation is
:mod:`deltanet.functional.pooling`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional import pooling as F
from deltanet.functional.conv import _ntuple
from deltanet.nn.module import Module


class _PoolNd(Module):
    """Checks and stores kernel_size, stride (default: kernel_size) and padding."""

    _dims = 0
    _function: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        kernel = _ntuple(kernel_size, dims, "kernel_size", name, 1)
        if stride is not None:
            _ntuple(stride, dims, "stride", name, 1)
        pads = _ntuple(padding, dims, "padding", name, 0)
        if any(2 * p > k for p, k in zip(pads, kernel)):
            raise ValueError(
                f"{name}: padding should be at most half of the kernel size, got padding={padding!r} "
                f"for kernel_size={kernel_size!r}"
            )
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def _call(self, x: Tensor, **options: Any) -> Tensor:
        try:
            return self._function(x, self.kernel_size, self.stride, self.padding, **options)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def forward(self, x: Tensor) -> Tensor:
        return self._call(x)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(_PoolNd):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding)
        if not isinstance(count_include_pad, (bool, np.bool_)):
            raise ValueError(
                f"{type(self).__name__}: count_include_pad must be True or False, got {count_include_pad!r}"
            )
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return self._call(x, count_include_pad=self.count_include_pad)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.count_include_pad else ", count_include_pad=False")


class MaxPool1d(_PoolNd):
    """1-D max pooling over (N, C, L): the maximum of each window; arguments as :class:`MaxPool2d`.

    Args:
        kernel_size: window length k.
        stride: step between windows (default: k).
        padding: −∞ added on both sides, at most k/2.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.MaxPool1d(2)(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]]))).data.tolist()
        [[[3.0, 2.0]]]
    """

    _dims = 1
    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_PoolNd):
    """2-D max pooling: the maximum of each kH×kW window of each channel (subsampling).

    Args:
        kernel_size: k, an int or (kH, kW).
        stride: step between windows, default k (non-overlapping windows).
        padding: −∞ added on both sides, at most half the kernel size.

    Shape:
        (N, C, H, W) -> (N, C, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> pool = dn.nn.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0)
        >>> pool(dn.tensor(np.zeros((8, 6, 28, 28)))).shape
        (8, 6, 14, 14)
    """

    _dims = 2
    _function = staticmethod(F.max_pool2d)


class MaxPool3d(_PoolNd):
    """3-D max pooling over (N, C, D, H, W); arguments as :class:`MaxPool2d`.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.MaxPool3d(2)(dn.tensor(np.zeros((1, 2, 4, 6, 8)))).shape
        (1, 2, 2, 3, 4)
    """

    _dims = 3
    _function = staticmethod(F.max_pool3d)


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling over (N, C, L); arguments as :class:`AvgPool2d`.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AvgPool1d(2)(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]]))).data.tolist()
        [[[2.0, 1.0]]]
    """

    _dims = 1
    _function = staticmethod(F.avg_pool1d)


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling: the mean of each kH×kW window of each channel (LeNet-5's subsampling).

    Args:
        kernel_size: k, an int or (kH, kW).
        stride: step between windows, default k.
        padding: zeros added on both sides, at most half the kernel size.
        count_include_pad: divide by kH·kW (True, PyTorch's default) or by the number of
            non-padding values in the window.

    Shape:
        (N, C, H, W) -> (N, C, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AvgPool2d(2)(dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))).data.tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    _dims = 2
    _function = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W); arguments as :class:`AvgPool2d`.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> float(dn.nn.AvgPool3d(2)(dn.tensor(np.ones((1, 1, 4, 4, 4)))).data.sum())
        8.0
    """

    _dims = 3
    _function = staticmethod(F.avg_pool3d)


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and bool(value >= 1)


class _AdaptiveAvgPoolNd(Module):
    _dims = 0
    _function: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
        if len(sizes) != dims or not all(s is None or _is_positive_int(s) for s in sizes):
            raise ValueError(
                f"{name}: output_size must be a positive int or a tuple of {dims} positive ints "
                f"(or None to keep an axis), got {output_size!r}"
            )
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        try:
            return self._function(x, self.output_size)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, L) to a fixed length, whatever the input length.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool1d(2)(dn.tensor(np.array([[[1.0, 2.0, 3.0, 4.0]]]))).data.tolist()
        [[[1.5, 3.5]]]
    """

    _dims = 1
    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, H, W) to a fixed (H_out, W_out), whatever the input size.

    Output index i of an axis averages inputs [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) (PyTorch's windows).
    ``AdaptiveAvgPool2d(1)`` is global average pooling that keeps the (1, 1) spatial axes; see
    :class:`GlobalAvgPool` for the (N, C) version.

    Args:
        output_size: (H_out, W_out), or one int for both; None keeps the input's size on an axis.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool2d(1)(dn.tensor(np.zeros((4, 16, 7, 7)))).shape
        (4, 16, 1, 1)
    """

    _dims = 2
    _function = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, D, H, W) to a fixed output size; see :class:`AdaptiveAvgPool2d`.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool3d((1, 2, 2))(dn.tensor(np.zeros((1, 3, 4, 4, 4)))).shape
        (1, 3, 1, 2, 2)
    """

    _dims = 3
    _function = staticmethod(F.adaptive_avg_pool3d)


class GlobalAvgPool(Module):
    """Global average pooling: the mean of each channel over all positions, (N, C, *S) -> (N, C).

    Replaces flatten + a large fully connected layer at the end of a CNN (Lin et al. 2014); for
    2-D inputs it equals ``AdaptiveAvgPool2d(1)`` followed by ``Flatten()``.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.GlobalAvgPool()(dn.tensor(np.ones((4, 16, 7, 7)))).shape
        (4, 16)
    """

    def forward(self, x: Tensor) -> Tensor:
        try:
            return F.global_avg_pool(x)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None
