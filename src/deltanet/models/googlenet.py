r"""GoogLeNet (Inception v1; Szegedy et al. 2015), the "deep convolutional neural net" of [Suk 2015].

22 layers deep with 12 times fewer parameters than AlexNet, because most of its depth is made of
*inception blocks*: four branches side by side on the same input, concatenated along the channels,

$$
\mathrm{Inception}(x) = \big[\, B_1(x),\ B_2(x),\ B_3(x),\ B_4(x) \,\big]_{\text{channels}}
$$

- $B_1$: a 1×1 convolution;
- $B_2$: a 1×1 convolution that *reduces* the channels, then a 3×3 convolution;
- $B_3$: a 1×1 reduction, then a 5×5 convolution (3×3 in torchvision, see below);
- $B_4$: 3×3 max pooling (stride 1, so the size stays), then a 1×1 projection.

The network looks at each position at several scales at once, and the 1×1 reductions keep the
cost of the large kernels small. Every convolution here is torchvision's ``BasicConv2d``:
convolution without bias, batch normalization (``eps=0.001``), ReLU; the paper (2014) had no
batch normalization and used local response normalization after the stem instead.

torchvision's ``Inception`` uses a 3×3 kernel in $B_3$ where the paper has 5×5 (a known bug it
keeps so its pretrained weights still load: pytorch/vision issue 906); ``googlenet`` does the
same by default, and ``ch5x5_kernel_size=5`` builds the paper's block.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet import functional as F
from deltanet.autograd import Tensor, cat


class BasicConv2d(nn.Module):
    r"""Convolution without bias, batch normalization, ReLU: $a = \max(0, \mathrm{BN}(W * x))$.

    The convolution needs no bias because batch normalization's $\beta$ does that job.

    Args:
        in_channels: input channels.
        out_channels: output channels (feature maps).
        kernel_size: the square kernel's size.
        stride: the stride (default 1).
        padding: the zero padding on each side (default 0).
        rng: seed or ``numpy.random.Generator`` for the initial weights.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, c_{in}, H, W)$; output: $(N, c_{out}, H', W')$ as the convolution gives.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> block = dn.models.BasicConv2d(3, 8, 3, padding=1, rng=0)
        >>> block(dn.tensor(np.ones((2, 3, 5, 5), dtype=np.float32))).shape
        (2, 8, 5, 5)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False, rng=rng, dtype=dtype
        )
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    r"""The inception block: four branches on one input, concatenated along the channels.

    $$
    \mathrm{Inception}(x) = \big[\, B_1(x),\ B_2(x),\ B_3(x),\ B_4(x) \,\big]_{\text{channels}}
    $$

    | branch | layers | output channels |
    |---|---|---|
    | ``branch1`` | 1×1 conv | ``ch1x1`` |
    | ``branch2`` | 1×1 conv to ``ch3x3red``, 3×3 conv | ``ch3x3`` |
    | ``branch3`` | 1×1 conv to ``ch5x5red``, $k$×$k$ conv ($k$ = ``ch5x5_kernel_size``) | ``ch5x5`` |
    | ``branch4`` | 3×3 max-pool (stride 1, pad 1), 1×1 conv | ``pool_proj`` |

    Every convolution is a ``BasicConv2d`` padded to keep the size, so the output has
    ``ch1x1 + ch3x3 + ch5x5 + pool_proj`` channels at the input's height and width.

    Args:
        in_channels: the input's channels.
        ch1x1: channels of branch 1.
        ch3x3red: channels of branch 2's 1×1 reduction.
        ch3x3: channels of branch 2's 3×3 convolution.
        ch5x5red: channels of branch 3's 1×1 reduction.
        ch5x5: channels of branch 3's large convolution.
        pool_proj: channels of branch 4's 1×1 projection after the pooling.
        ch5x5_kernel_size: branch 3's kernel, 3 (torchvision's, the default) or 5 (the paper's).
        rng: seed or ``numpy.random.Generator`` for the initial weights.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, c_{in}, H, W)$.
        - output: $(N, \mathrm{ch1x1} + \mathrm{ch3x3} + \mathrm{ch5x5} + \mathrm{pool\_proj}, H, W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> block = dn.models.Inception(192, 64, 96, 128, 16, 32, 32, rng=0)  # GoogLeNet's 3a
        >>> block(dn.tensor(np.ones((1, 192, 7, 7), dtype=np.float32))).shape
        (1, 256, 7, 7)
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        ch5x5_kernel_size: int = 3,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "Inception"
        for name, value in (
            ("in_channels", in_channels),
            ("ch1x1", ch1x1),
            ("ch3x3red", ch3x3red),
            ("ch3x3", ch3x3),
            ("ch5x5red", ch5x5red),
            ("ch5x5", ch5x5),
            ("pool_proj", pool_proj),
        ):
            check.integer(value, name, owner, low=1)
        k = check.one_of(ch5x5_kernel_size, "ch5x5_kernel_size", (3, 5), owner)
        g = backend.get_rng(rng)

        def conv(c_in: int, c_out: int, size: int) -> BasicConv2d:
            return BasicConv2d(c_in, c_out, size, padding=size // 2, rng=g, dtype=dtype)

        self.branch1 = conv(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(conv(in_channels, ch3x3red, 1), conv(ch3x3red, ch3x3, 3))
        self.branch3 = nn.Sequential(conv(in_channels, ch5x5red, 1), conv(ch5x5red, ch5x5, k))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(in_channels, pool_proj, 1))

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], axis=1)


class InceptionAux(nn.Module):
    r"""An auxiliary classifier on an intermediate feature map (training only, as the paper's).

    Average-pool to 4×4, a 1×1 ``BasicConv2d`` to 128 channels, flatten (2048), a fully
    connected layer of 1024 ReLU units, dropout, and the class logits. Szegedy et al. add their
    losses (weighted 0.3) to the main loss so that gradient reaches the middle of the deep network.

    Args:
        in_channels: the channels of the feature map it reads.
        num_classes: the number of outputs.
        dropout: the dropout probability before the last layer (default 0.7, the paper's).
        rng: seed or ``numpy.random.Generator`` for the initial weights and the dropout masks.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, c_{in}, H, W)$; output: $(N, C)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> head = dn.models.InceptionAux(512, 10, rng=0)
        >>> head(dn.tensor(np.ones((2, 512, 14, 14), dtype=np.float32))).shape
        (2, 10)
    """

    def __init__(
        self, in_channels: int, num_classes: int, dropout: float = 0.7, rng: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        g = backend.get_rng(rng)
        self.conv = BasicConv2d(in_channels, 128, 1, rng=g, dtype=dtype)
        self.fc1 = nn.Linear(2048, 1024, rng=g, dtype=dtype)
        self.fc2 = nn.Linear(1024, num_classes, rng=g, dtype=dtype)
        self.dropout = nn.Dropout(dropout, rng=g)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))
        x = self.dropout(F.relu(self.fc1(x.reshape(x.shape[0], -1))))
        return self.fc2(x)


class GoogLeNetOutputs(NamedTuple):
    """What ``GoogLeNet`` returns in training mode with ``aux_logits=True`` (torchvision's order).

    Attributes:
        logits: the main classifier's logits, $(N, C)$.
        aux_logits2: the second auxiliary classifier's (after inception 4d).
        aux_logits1: the first auxiliary classifier's (after inception 4a).

    Examples:
        >>> from deltanet.models import GoogLeNetOutputs
        >>> GoogLeNetOutputs._fields
        ('logits', 'aux_logits2', 'aux_logits1')
    """

    logits: Tensor
    aux_logits2: Tensor
    aux_logits1: Tensor


# Inception blocks of the paper's Table 1: (in, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
_BLOCKS = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32),
    "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64),
    "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64),
    "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128),
    "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}

# torchvision's transform_input: ImageNet-normalized input -> the [-1, 1] scaling of the TensorFlow port.
_INPUT_SCALE = np.array([0.229, 0.224, 0.225]) / 0.5
_INPUT_SHIFT = (np.array([0.485, 0.456, 0.406]) - 0.5) / 0.5


class GoogLeNet(nn.Module):
    r"""GoogLeNet as torchvision builds it: a stem, nine inception blocks, average pooling, dropout, fc.

    | stage | layers | output for a 224×224 input |
    |---|---|---|
    | stem | ``conv1`` 64@7×7 /2, ``maxpool1``, ``conv2`` 64@1×1, ``conv3`` 192@3×3, ``maxpool2`` | 192 × 28 × 28 |
    | 3 | ``inception3a``, ``inception3b``, ``maxpool3`` | 480 × 14 × 14 |
    | 4 | ``inception4a`` … ``inception4e``, ``maxpool4`` | 832 × 7 × 7 |
    | 5 | ``inception5a``, ``inception5b`` | 1024 × 7 × 7 |
    | head | ``avgpool`` (to 1×1), flatten, ``dropout``, ``fc`` 1024 → C | $C$ logits |

    The max-poolings between stages use PyTorch's ``ceil_mode=True`` (the last, partial window
    counts). Parameters for $C = 1000$: 6,624,904 without the auxiliary classifiers
    (``aux_logits=False``; torchvision's count for ``GoogLeNet_Weights.IMAGENET1K_V1``, whose
    auxiliary heads it removes) and 13,004,888 with them (torchvision's default,
    ``aux_logits=True``). In training mode with ``aux_logits=True`` the forward pass returns
    ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)`` (train with a loss on each, e.g. the
    paper's $L + 0.3 (L_{aux1} + L_{aux2})$, in a loop of your own: ``dn.fit`` expects one
    output); in evaluation mode, or without them, the logits alone.

    Weights: PyTorch's default initialization of each layer (torchvision instead draws
    $\mathcal{N}(0, 0.01^2)$ for convolutions and linear layers; pass ``dn.init`` functions over
    ``model.parameters()`` to do the same). The ``state_dict`` keys are torchvision's.

    Args:
        num_classes: $C$ (default 1000).
        aux_logits: build the two auxiliary classifiers (default True, as torchvision).
        transform_input: rescale ImageNet-normalized input channels to $[-1, 1]$ as torchvision
            does for its ported weights, $x_c \sigma_c / 0.5 + (\mu_c - 0.5) / 0.5$ (default False).
        dropout: dropout before ``fc`` (default 0.2).
        dropout_aux: dropout in the auxiliary classifiers (default 0.7).
        ch5x5_kernel_size: the large kernel of each block's third branch, 3 (torchvision's,
            default) or 5 (the paper's; 380,928 more parameters, see ``Inception``).
        rng: seed or ``numpy.random.Generator`` for the initial weights and the dropout masks.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, 3, H, W)$, 224 × 224 in the paper (at least 32 × 32 here, and 32 × 32
          or more for the auxiliary heads' 4×4 pooling to average real pixels).
        - output: $(N, C)$ (or ``GoogLeNetOutputs`` of three such, see above).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.models.GoogLeNet(num_classes=10, aux_logits=False, rng=0).eval()
        >>> model(dn.tensor(np.zeros((1, 3, 64, 64), dtype=np.float32))).shape
        (1, 10)
        >>> sum(p.size for p in model.parameters())
        5610154
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        transform_input: bool = False,
        dropout: float = 0.2,
        dropout_aux: float = 0.7,
        ch5x5_kernel_size: int = 3,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "GoogLeNet"
        self.num_classes = check.integer(num_classes, "num_classes", owner, low=1)
        self.aux_logits = check.flag(aux_logits, "aux_logits", owner)
        self.transform_input = check.flag(transform_input, "transform_input", owner)
        p = check.number(dropout, "dropout", owner, low=0, high=1, high_open=True)
        p_aux = check.number(dropout_aux, "dropout_aux", owner, low=0, high=1, high_open=True)
        self.ch5x5_kernel_size = check.one_of(ch5x5_kernel_size, "ch5x5_kernel_size", (3, 5), owner)
        g = backend.get_rng(rng)

        self.conv1 = BasicConv2d(3, 64, 7, stride=2, padding=3, rng=g, dtype=dtype)
        self.conv2 = BasicConv2d(64, 64, 1, rng=g, dtype=dtype)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1, rng=g, dtype=dtype)

        def block(name: str) -> Inception:
            return Inception(*_BLOCKS[name], ch5x5_kernel_size=self.ch5x5_kernel_size, rng=g, dtype=dtype)

        self.inception3a, self.inception3b = block("inception3a"), block("inception3b")
        self.inception4a, self.inception4b = block("inception4a"), block("inception4b")
        self.inception4c, self.inception4d = block("inception4c"), block("inception4d")
        self.inception4e = block("inception4e")
        self.inception5a, self.inception5b = block("inception5a"), block("inception5b")
        self.aux1: InceptionAux | None = None
        self.aux2: InceptionAux | None = None
        if self.aux_logits:
            self.aux1 = InceptionAux(512, self.num_classes, p_aux, rng=g, dtype=dtype)
            self.aux2 = InceptionAux(528, self.num_classes, p_aux, rng=g, dtype=dtype)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p, rng=g)
        self.fc = nn.Linear(1024, self.num_classes, rng=g, dtype=dtype)

    def forward(self, x: Tensor) -> Any:
        shape = tuple(x.shape)
        if len(shape) != 4 or shape[1] != 3 or min(shape[2:]) < 32:
            raise ValueError(f"GoogLeNet: expected input of shape (N, 3, H, W) with H, W >= 32, got shape {shape}")
        if self.transform_input:
            x = x * _INPUT_SCALE.reshape(1, 3, 1, 1).astype(x.dtype) + _INPUT_SHIFT.reshape(1, 3, 1, 1).astype(x.dtype)
        x = F.max_pool2d(self.conv1(x), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.conv3(self.conv2(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.inception3b(self.inception3a(x)), 3, 2, ceil_mode=True)
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = F.max_pool2d(self.inception4e(x), 2, 2, ceil_mode=True)
        x = self.avgpool(self.inception5b(self.inception5a(x)))
        logits = self.fc(self.dropout(x.reshape(x.shape[0], -1)))
        if aux1 is not None and aux2 is not None:
            return GoogLeNetOutputs(logits, aux2, aux1)
        return logits

    def extra_repr(self) -> str:
        return (
            f"num_classes={self.num_classes}, aux_logits={self.aux_logits}, "
            f"transform_input={self.transform_input}, ch5x5_kernel_size={self.ch5x5_kernel_size}"
        )


def googlenet(
    num_classes: int = 1000,
    aux_logits: bool = True,
    transform_input: bool = False,
    dropout: float = 0.2,
    dropout_aux: float = 0.7,
    ch5x5_kernel_size: int = 3,
    rng: Any = None,
    dtype: Any = None,
) -> GoogLeNet:
    r"""Build a ``GoogLeNet`` (torchvision's; 6,624,904 parameters without the auxiliary heads).

    Args:
        num_classes: the number of outputs (default 1000).
        aux_logits: build the two auxiliary classifiers (default True, as torchvision's class).
        transform_input: torchvision's input rescaling for its ported weights (default False).
        dropout: dropout before the last layer (default 0.2).
        dropout_aux: dropout in the auxiliary classifiers (default 0.7).
        ch5x5_kernel_size: 3 (torchvision's, default) or 5 (the paper's).
        rng: seed or ``numpy.random.Generator`` for the initial weights and the dropout masks.
        dtype: float32 (default) or float64.

    Returns:
        ``GoogLeNet`` with these arguments.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.models.googlenet(aux_logits=False, rng=0)
        >>> sum(p.size for p in model.parameters())
        6624904
    """
    return GoogLeNet(num_classes, aux_logits, transform_input, dropout, dropout_aux, ch5x5_kernel_size, rng, dtype)


__all__ = ["BasicConv2d", "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet"]
