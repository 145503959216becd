"""``Upsample``: resize feature maps by nearest-neighbour or (bi/tri)linear interpolation."""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.functional.upsample import upsample
from deltanet.nn.module import Module

_MODES = ("nearest", "linear", "bilinear", "trilinear")


class Upsample(Module):
    r"""Upsample feature maps by ``scale_factor`` (or to ``size``), as ``torch.nn.Upsample`` (no parameters).

    Along each spatial axis the output is $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$, with $M$
    picking the nearest source pixel ("nearest") or interpolating between the two nearest (the
    linear modes); see ``deltanet.functional.upsample`` for $M$.

    Args:
        scale_factor: $r > 0$, one number or one per spatial axis; the output size is
            $\lfloor S \cdot r \rfloor$.
        mode: "nearest", "linear" (1-D), "bilinear" (2-D) or "trilinear" (3-D).
        align_corners: for the linear modes, align the centres of the corner pixels (True) or
            the corners of the pixel grids (False, PyTorch's default).
        size: a fixed output size instead of ``scale_factor``.

    Shape:
        - input: $(N, C, *S)$ with 1 to 3 spatial axes $S$.
        - output: $(N, C, *S_{out})$, $S_{out} = \lfloor S \cdot r \rfloor$ per axis, or ``size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> up = dn.nn.Upsample(scale_factor=2, mode="bilinear")
        >>> up
        Upsample(scale_factor=2, mode='bilinear')
        >>> up(dn.tensor(np.zeros((1, 16, 8, 8)))).shape
        (1, 16, 16, 16)
    """

    def __init__(
        self, scale_factor: Any = 2, mode: str = "nearest", align_corners: bool = False, size: Any = None
    ) -> None:
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f"Upsample: mode must be one of {_MODES}, got {mode!r}")
        if mode == "nearest" and align_corners:
            raise ValueError("Upsample: align_corners=True only applies to the linear modes, not to 'nearest'")
        if size is None:
            factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,)
            if not all(isinstance(r, (int, float)) and not isinstance(r, bool) and r > 0 for r in factors):
                raise ValueError(
                    f"Upsample: scale_factor must be a positive number or a tuple of them, got {scale_factor!r}"
                )
        self.scale_factor = None if size is not None else scale_factor
        self.mode = mode
        self.align_corners = bool(align_corners)
        self.size = size

    def forward(self, x: Tensor) -> Tensor:
        try:
            return upsample(x, self.scale_factor, self.mode, self.align_corners, size=self.size)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        corners = ", align_corners=True" if self.align_corners else ""
        return f"{what}, mode={self.mode!r}{corners}"
