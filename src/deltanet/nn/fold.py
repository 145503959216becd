"""``Unfold`` and ``Fold``: image blocks to columns and back (``deltanet.functional.fold``)."""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.functional.conv import _ntuple
from deltanet.functional.fold import fold, unfold
from deltanet.nn.module import Module, call_named


class Unfold(Module):
    r"""The sliding $k_H \times k_W$ blocks of an image as columns (im2col), as ``torch.nn.Unfold``.

    $$
    \text{out}_{n,\ c k_H k_W + u k_W + v,\ i W_b + j} = x^{pad}_{n,\, c,\, i s_H + u d_H,\, j s_W + v d_W}
    $$

    Args:
        kernel_size: $k$, an int or $(k_H, k_W)$.
        dilation: $d$, the step between a block's values.
        padding: $p$ zeros on both sides of each axis.
        stride: $s$, the step between blocks.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C k_H k_W, L)$, $L$ the number of blocks.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Unfold(2)(dn.tensor(np.zeros((1, 3, 4, 4)))).shape
        (1, 12, 9)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        for value, name, low in ((kernel_size, "kernel_size", 1), (dilation, "dilation", 1), (padding, "padding", 0)):
            _ntuple(value, 2, name, type(self).__name__, low)
        _ntuple(stride, 2, "stride", type(self).__name__, 1)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, unfold, x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    r"""Columns of sliding blocks added back into an image (col2im), as ``torch.nn.Fold``.

    $$
    \text{out}_{n,c,y,x} = \sum_{\text{blocks and offsets landing on } (y, x)} \text{in}_{n,\ c k_H k_W + u k_W + v,\ l}
    $$

    the adjoint of ``Unfold``: values of overlapping blocks are summed.

    Args:
        output_size: $(H, W)$ of the image, or one int for both.
        kernel_size: $k$, an int or $(k_H, k_W)$.
        dilation: $d$, the step between a block's values.
        padding: $p$, the padding that ``Unfold`` added (dropped here).
        stride: $s$, the step between blocks.

    Shape:
        - input: $(N, C k_H k_W, L)$
        - output: $(N, C, H, W)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Fold((4, 4), 2)(dn.tensor(np.zeros((1, 12, 9)))).shape
        (1, 3, 4, 4)
    """

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _ntuple(output_size, 2, "output_size", name, 1)
        for value, arg, low in ((kernel_size, "kernel_size", 1), (dilation, "dilation", 1), (padding, "padding", 0)):
            _ntuple(value, 2, arg, name, low)
        _ntuple(stride, 2, "stride", name, 1)
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, fold, x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
