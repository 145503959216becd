r"""Sub-pixel rearrangement (Shi et al. 2016): ``pixel_shuffle`` and its inverse ``pixel_unshuffle``.

``pixel_shuffle`` moves groups of $r^2$ channels into $r \times r$ blocks of pixels, the
upsampling step of a sub-pixel convolution:

$$
\text{out}_{c,\; h r + i,\; w r + j} = \text{in}_{c r^2 + i r + j,\; h,\; w}
$$

It only moves values, so its backward pass moves $\delta$ back the same way: the gradient of
``pixel_shuffle`` is ``pixel_unshuffle`` of $\delta$, and the other way round.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor


def _shuffle(a: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = a.shape
    blocks = a.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)  # (..., C, H, r, W, r)
    return blocks.transpose(order).reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle(a: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = a.shape
    blocks = a.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)  # (..., C, r, r, H, W)
    return blocks.transpose(order).reshape(*lead, c * r * r, h // r, w // r)


class PixelShuffle(Function):
    r"""Channels $c r^2 + i r + j$ to pixel $(h r + i, w r + j)$ (``inverse``: back); backward: the inverse move."""

    def forward(self, x: np.ndarray, factor: int, inverse: bool) -> np.ndarray:
        self.factor, self.inverse = factor, inverse
        return np.ascontiguousarray(_unshuffle(x, factor) if inverse else _shuffle(x, factor))

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return _shuffle(delta, self.factor) if self.inverse else _unshuffle(delta, self.factor)


def _image(x: Any, owner: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor._make(x)
    if x.ndim < 3:
        raise ValueError(f"{owner}: expected an input of shape (*, C, H, W) with at least 3 axes, got shape {x.shape}")
    return x


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    r"""Rearrange $(*, C r^2, H, W)$ into $(*, C, H r, W r)$, as ``torch.nn.functional.pixel_shuffle``.

    $$
    \text{out}_{c,\; h r + i,\; w r + j} = \text{in}_{c r^2 + i r + j,\; h,\; w}
    $$

    Args:
        input: a tensor of shape $(*, C r^2, H, W)$.
        upscale_factor: $r \ge 1$.

    Raises:
        ValueError: fewer than 3 axes, or channels not divisible by $r^2$.

    Shape:
        - input: $(*, C r^2, H, W)$.
        - output: $(*, C, H r, W r)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(4.0).reshape(1, 4, 1, 1))
        >>> dn.functional.pixel_shuffle(x, 2).data[0, 0].tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    owner = "pixel_shuffle"
    x = _image(input, owner)
    r = check.integer(upscale_factor, "upscale_factor", owner, low=1)
    if x.shape[-3] % (r * r):
        raise ValueError(
            f"{owner}: the channels (axis -3) must be divisible by upscale_factor**2 = {r * r}, got shape {x.shape}"
        )
    return PixelShuffle.apply(x, factor=r, inverse=False)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    r"""Rearrange $(*, C, H r, W r)$ into $(*, C r^2, H, W)$: the inverse of ``pixel_shuffle``.

    $$
    \text{out}_{c r^2 + i r + j,\; h,\; w} = \text{in}_{c,\; h r + i,\; w r + j}
    $$

    Args:
        input: a tensor of shape $(*, C, H r, W r)$.
        downscale_factor: $r \ge 1$.

    Raises:
        ValueError: fewer than 3 axes, or a height or width not divisible by $r$.

    Shape:
        - input: $(*, C, H r, W r)$.
        - output: $(*, C r^2, H, W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(4.0).reshape(1, 1, 2, 2))
        >>> dn.functional.pixel_unshuffle(x, 2).data.reshape(-1).tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    owner = "pixel_unshuffle"
    x = _image(input, owner)
    r = check.integer(downscale_factor, "downscale_factor", owner, low=1)
    if x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"{owner}: height and width must be divisible by downscale_factor={r}, got shape {x.shape}")
    return PixelShuffle.apply(x, factor=r, inverse=True)


__all__ = ["pixel_shuffle", "pixel_unshuffle"]
