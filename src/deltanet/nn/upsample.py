"""``Upsample`` and its two fixed-mode forms: resize feature maps by nearest-neighbour, (bi/tri)linear
or bicubic interpolation."""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.upsample import INTERPOLATE_MODES, interpolate
from deltanet.nn.module import Module, call_named

_LINEAR = ("linear", "bilinear", "bicubic", "trilinear")


class Upsample(Module):
    r"""Resize feature maps to ``size`` or by ``scale_factor``, as ``torch.nn.Upsample`` (no parameters).

    Along each spatial axis the output is $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$, with $M$
    picking the nearest source pixel ("nearest") or interpolating between the two nearest (the
    linear modes); see ``deltanet.functional.interpolate``. The arguments are PyTorch's, in its
    order: give exactly one of ``size`` and ``scale_factor`` (by keyword: ``Upsample(2)`` is a
    *size* of 2, as in PyTorch).

    Args:
        size: the output size, an int or one per spatial axis.
        scale_factor: $r > 0$, one number or one per spatial axis; the output size is
            $\lfloor S \cdot r \rfloor$.
        mode: "nearest" (default), "nearest-exact", "linear" (1-D), "bilinear" or "bicubic"
            (2-D), "trilinear" (3-D) or "area".
        align_corners: for the linear modes, align the centres of the corner pixels (True) or
            the corners of the pixel grids (False; None means False); None for the other modes.
        recompute_scale_factor: with ``scale_factor``, take the source coordinates from the
            sizes rather than from $1/r$.

    Shape:
        - input: $(N, C, *S)$ with 1 to 3 spatial axes $S$.
        - output: $(N, C, *S_{out})$, $S_{out} = \lfloor S \cdot r \rfloor$ per axis, or ``size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> up = dn.nn.Upsample(scale_factor=2, mode="bilinear")
        >>> up  # PyTorch's text: the factor as a float, align_corners not shown
        Upsample(scale_factor=2.0, mode='bilinear')
        >>> up(dn.tensor(np.zeros((1, 16, 8, 8)))).shape
        (1, 16, 16, 16)
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check.one_of(mode, "mode", INTERPOLATE_MODES, name)
        if align_corners is not None and mode not in _LINEAR:
            raise ValueError(
                f"{name}: align_corners={align_corners!r} only applies to the linear modes {_LINEAR}, "
                f"not to {mode!r} (leave it None)"
            )
        if (size is None) == (scale_factor is None):
            raise ValueError(
                f"{name}: give exactly one of size and scale_factor (as PyTorch), got size={size!r}, "
                f"scale_factor={scale_factor!r}"
            )
        if scale_factor is not None:
            factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,)
            if not all(check.is_number(r) and 0 < r < math.inf for r in factors):
                raise check.fail(name, "scale_factor", "a positive number or a tuple of them", scale_factor)
        self.size = size
        # Stored as floats, as PyTorch does (``up.scale_factor`` is 2.0, and so is its repr).
        if isinstance(scale_factor, (tuple, list)):
            scale_factor = tuple(float(r) for r in scale_factor)
        elif scale_factor is not None:
            scale_factor = float(scale_factor)
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return call_named(
            self,
            interpolate,
            x,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        factor = self.scale_factor
        if factor is not None:  # as floats, whatever was assigned since
            factor = tuple(float(r) for r in factor) if isinstance(factor, (tuple, list)) else float(factor)
        what = f"size={self.size!r}" if self.size is not None else f"scale_factor={factor!r}"
        return f"{what}, mode={self.mode!r}"  # PyTorch's text, which leaves align_corners out


class UpsamplingNearest2d(Upsample):
    r"""``Upsample(size, scale_factor, mode="nearest")`` for $(N, C, H, W)$, as ``torch.nn.UpsamplingNearest2d``.

    Output pixel $(i, j)$ copies input pixel $(\lfloor i / r_H \rfloor, \lfloor j / r_W \rfloor)$
    (with $r$ the factor, or $n_{out} / n_{in}$ for a ``size``).

    Args:
        size: the output size $(H_{out}, W_{out})$, or one int for both.
        scale_factor: $r > 0$, one number or one per axis (exactly one of the two).

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.UpsamplingNearest2d(scale_factor=2)(dn.tensor(np.array([[[[1.0, 2.0]]]]))).array.tolist()
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    r"""``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``, as ``torch.nn.UpsamplingBilinear2d``.

    The corner pixels' centres map onto each other: output index $i$ reads the source coordinate
    $i \, (n_{in} - 1) / (n_{out} - 1)$ along each axis, interpolated linearly.

    Args:
        size: the output size $(H_{out}, W_{out})$, or one int for both.
        scale_factor: $r > 0$, one number or one per axis (exactly one of the two).

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> up = dn.nn.UpsamplingBilinear2d(scale_factor=2)
        >>> up
        UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')
        >>> up(dn.tensor(np.array([[[[0.0, 3.0]]]]))).array[0, 0, 0].tolist()
        [0.0, 1.0, 2.0, 3.0]
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
