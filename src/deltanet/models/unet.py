r"""``UNet``: a small, configurable U-Net (Ronneberger, Fischer and Brox 2015) in 2-D or 3-D.

The encoder repeats *double convolution, then max-pool*: the image shrinks by 2 per level while
the number of feature maps doubles, so deep levels see large context. The decoder climbs back
up: a transposed convolution (2×2, stride 2) doubles the resolution, the encoder's feature maps
of the same level are concatenated along the channel axis (the *skip connection*, which brings
back the fine detail that pooling lost), and a double convolution merges the two. A 1×1
convolution finally maps the features of every pixel to class scores: one logit per class
(softmax + ``CrossEntropy`` or ``DiceLoss``), or a single logit for a binary mask
(``BCEWithLogitsLoss`` or the binary ``DiceLoss``).

Every 3×3 convolution pads by 1 ("same"), so the output has the input's size, as long as each
spatial size is divisible by $2^{\mathrm{depth}}$ (each pooling halves it exactly).
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet.autograd import Tensor, cat

_LAYERS = {
    2: (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.ConvTranspose2d),
    3: (nn.Conv3d, nn.BatchNorm3d, nn.MaxPool3d, nn.ConvTranspose3d),
}


class UNet(nn.Module):
    r"""A U-Net with ``depth`` poolings and ``width`` feature maps at the top level.

    Level $l$ (0 = full resolution, $D$ = ``depth`` = the bottleneck) has $w\, 2^l$ feature maps,
    with $w$ = ``width``. Each block is (conv 3×3 → [BatchNorm] → ReLU) × 2; the convolutions
    have no bias when batch norm follows (its $\beta$ does that job).

    | sub-module | what | channels |
    |---|---|---|
    | ``encoders[l]`` | double conv at level $l < D$ | $c_{in} \to w$ ($l = 0$), else $w\, 2^{l-1} \to w\, 2^l$ |
    | ``pool`` | max pooling 2 (no parameters) | |
    | ``bottleneck`` | double conv at level $D$ | $w\, 2^{D-1} \to w\, 2^D$ |
    | ``ups[l]`` | transposed conv 2, stride 2: level $l + 1 \to l$ | $w\, 2^{l+1} \to w\, 2^l$ |
    | ``decoders[l]`` | double conv after ``cat([skip, up])`` | $2 w\, 2^l \to w\, 2^l$ |
    | ``head`` | 1×1 conv to class scores | $w \to$ ``classes`` |

    Args:
        in_channels: $c_{in}$, the channels of the input image (default 1).
        classes: output channels: the number of classes, or 1 for one logit per pixel
            (binary segmentation). Default 2.
        depth: $D$, the number of poolings, $\ge 1$ (default 2: three resolution levels).
        width: $w$, the feature maps at the top level, $\ge 1$ (default 16).
        dims: 2 (images, ``Conv2d``) or 3 (volumes, ``Conv3d``).
        batch_norm: batch normalization after each 3×3 convolution (default True).
        rng: seed or ``numpy.random.Generator`` for the initial weights.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, c_{in}, H, W)$, or $(N, c_{in}, D, H, W)$ with ``dims=3``; every spatial
          size divisible by $2^D$ (otherwise a ``ValueError`` says which sizes would fit).
        - output: $(N, \mathrm{classes}, H, W)$, or $(N, \mathrm{classes}, D, H, W)$.

    Raises:
        ValueError: an argument out of range (at construction), or an input of the wrong shape
            (at the call).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.models.UNet(in_channels=1, classes=3, depth=2, width=4, rng=0)
        >>> model(dn.tensor(np.zeros((2, 1, 16, 16), dtype=np.float32))).shape
        (2, 3, 16, 16)
        >>> sum(p.size for p in model.parameters())
        7487
    """

    def __init__(
        self,
        in_channels: int = 1,
        classes: int = 2,
        depth: int = 2,
        width: int = 16,
        dims: int = 2,
        batch_norm: bool = True,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "UNet"
        self.in_channels = check.integer(in_channels, "in_channels", owner, low=1)
        self.classes = check.integer(classes, "classes", owner, low=1)
        self.depth = check.integer(depth, "depth", owner, low=1)
        self.width = check.integer(width, "width", owner, low=1)
        self.dims = check.one_of(dims, "dims", (2, 3), owner)
        self.batch_norm = check.flag(batch_norm, "batch_norm", owner)
        conv, _, pool, up = _LAYERS[self.dims]
        generator = backend.get_rng(rng)
        widths = [self.width * 2**level for level in range(self.depth + 1)]

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return self._double_conv(c_in, c_out, generator, dtype)

        self.encoders = nn.ModuleList(
            [block(self.in_channels if level == 0 else widths[level - 1], widths[level]) for level in range(self.depth)]
        )
        self.pool = pool(2)
        self.bottleneck = block(widths[-2], widths[-1])
        self.ups = nn.ModuleList(
            [
                up(widths[level + 1], widths[level], 2, stride=2, rng=generator, dtype=dtype)
                for level in range(self.depth)
            ]
        )
        self.decoders = nn.ModuleList([block(2 * widths[level], widths[level]) for level in range(self.depth)])
        self.head = conv(widths[0], self.classes, 1, rng=generator, dtype=dtype)

    def _double_conv(self, c_in: int, c_out: int, generator: Any, dtype: Any) -> nn.Sequential:
        conv, norm, _, _ = _LAYERS[self.dims]
        layers: list = []
        for c in (c_in, c_out):
            layers.append(conv(c, c_out, 3, padding=1, bias=not self.batch_norm, rng=generator, dtype=dtype))
            if self.batch_norm:
                layers.append(norm(c_out, dtype=dtype))
            layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def _check_input(self, x: Tensor) -> None:
        expected = ("(N, C, H, W)", "(N, C, D, H, W)")[self.dims - 2]
        shape = tuple(x.shape)
        if len(shape) != self.dims + 2 or shape[1] != self.in_channels:
            raise ValueError(
                f"{self._name()}: expected input of shape {expected} with C = {self.in_channels}, got shape {shape}"
            )
        multiple = 2**self.depth
        spatial = shape[2:]
        if any(n % multiple for n in spatial):
            down = tuple(n - n % multiple for n in spatial)
            upper = tuple(-(-n // multiple) * multiple for n in spatial)
            fix = (
                f"at least {multiple} pixels per axis, e.g. pad to {upper}"
                if any(n < multiple for n in spatial)
                else f"e.g. crop to {down} or pad to {upper}"
            )
            raise ValueError(
                f"{self._name()}: every spatial size must be divisible by 2**depth = {multiple} "
                f"(each of the {self.depth} max-poolings halves it), got input of shape {shape} "
                f"with spatial size {spatial}; need {fix}"
            )

    def _name(self) -> str:
        return f"UNet(depth={self.depth}, dims={self.dims})"

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for level in reversed(range(self.depth)):
            x = self.ups[level](x)
            x = cat([skips[level], x], axis=1)
            x = self.decoders[level](x)
        return self.head(x)

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, classes={self.classes}, depth={self.depth}, "
            f"width={self.width}, dims={self.dims}, batch_norm={self.batch_norm}"
        )


def unet(
    in_channels: int = 1,
    classes: int = 2,
    depth: int = 2,
    width: int = 16,
    dims: int = 2,
    batch_norm: bool = True,
    rng: Any = None,
    dtype: Any = None,
) -> UNet:
    r"""Build a ``UNet``: the same arguments, the same network.

    Args:
        in_channels: the channels of the input image (default 1).
        classes: the number of classes, or 1 for one logit per pixel (default 2).
        depth: the number of poolings, $\ge 1$ (default 2).
        width: the feature maps at the top level, $\ge 1$ (default 16).
        dims: 2 (images) or 3 (volumes).
        batch_norm: batch normalization after each 3×3 convolution (default True).
        rng: seed or ``numpy.random.Generator`` for the initial weights.
        dtype: float32 (default) or float64.

    Returns:
        ``UNet(in_channels, classes, depth, width, dims, batch_norm, rng, dtype)``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.models.unet(in_channels=1, classes=1, depth=1, width=4, dims=3, rng=0)
        >>> model(dn.tensor(np.zeros((1, 1, 8, 8, 8), dtype=np.float32))).shape
        (1, 1, 8, 8, 8)
    """
    return UNet(in_channels, classes, depth, width, dims, batch_norm, rng, dtype)


__all__ = ["UNet", "unet"]
