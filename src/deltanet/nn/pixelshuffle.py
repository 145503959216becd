r"""``PixelShuffle`` and ``PixelUnshuffle``: move channels into pixels and back (no parameters).

The computation is ``deltanet.functional.pixel_shuffle``: a convolution to $C r^2$ channels
followed by ``PixelShuffle(r)`` is the sub-pixel convolution of Shi et al. (2016), an upsampling
layer without the checkerboard artefacts of a transposed convolution.
"""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from deltanet.nn.module import Module, call_named


class PixelShuffle(Module):
    r"""Rearrange $(*, C r^2, H, W)$ into $(*, C, H r, W r)$, as ``torch.nn.PixelShuffle``.

    $$
    \text{out}_{c,\; h r + i,\; w r + j} = \text{in}_{c r^2 + i r + j,\; h,\; w}
    $$

    Args:
        upscale_factor: $r \ge 1$.

    Shape:
        - input: $(*, C r^2, H, W)$.
        - output: $(*, C, H r, W r)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.PixelShuffle(2)(dn.tensor(np.zeros((1, 8, 3, 3)))).shape
        (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = check.integer(upscale_factor, "upscale_factor", type(self).__name__, low=1)

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, pixel_shuffle, x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    r"""Rearrange $(*, C, H r, W r)$ into $(*, C r^2, H, W)$: the inverse of ``PixelShuffle``.

    $$
    \text{out}_{c r^2 + i r + j,\; h,\; w} = \text{in}_{c,\; h r + i,\; w r + j}
    $$

    Args:
        downscale_factor: $r \ge 1$.

    Shape:
        - input: $(*, C, H r, W r)$.
        - output: $(*, C r^2, H, W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.PixelUnshuffle(2)(dn.tensor(np.zeros((1, 2, 6, 6)))).shape
        (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = check.integer(downscale_factor, "downscale_factor", type(self).__name__, low=1)

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, pixel_unshuffle, x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


__all__ = ["PixelShuffle", "PixelUnshuffle"]
