"""Convolutional layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``, as in PyTorch.

A convolutional layer is a layer of neurons with local receptive fields and shared weights: the
same kernel W (one per output channel, or feature map) is applied at every position of the input.
Parameter shapes, ``state_dict`` keys and the default initialization are PyTorch's, so weights
move both ways; the computation is :mod:`deltanet.functional.conv`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import backend, init
from deltanet.autograd import Tensor
from deltanet.functional import conv as F
from deltanet.nn.module import Module, Parameter


class _ConvNd(Module):
    """The parameters, checks and initialization shared by every convolutional layer."""

    _dims = 0
    _transposed = False
    _function: Any = None  # the functional op that forward calls

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        init: Any = None,
        rng: Any = None,
        dtype: Any = None,
        *,
        output_padding: Any = 0,
    ) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = F._ntuple(kernel_size, dims, "kernel_size", name, 1)
        self.stride = F._ntuple(stride, dims, "stride", name, 1)
        self.dilation = F._ntuple(dilation, dims, "dilation", name, 1)
        if self._transposed:
            self.padding: Any = F._ntuple(padding, dims, "padding", name, 0)
            self.output_padding = F._ntuple(output_padding, dims, "output_padding", name, 0)
            if any(e >= s and e >= d for e, s, d in zip(self.output_padding, self.stride, self.dilation)):
                raise ValueError(
                    f"{name}: output_padding must be smaller than either stride or dilation, got "
                    f"output_padding={output_padding!r}, stride={stride!r}, dilation={dilation!r}"
                )
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            if output_padding != 0:
                raise ValueError(f"{name}: output_padding is for transposed convolutions, got {output_padding!r}")
            F._padding_pairs(padding, self.kernel_size, self.stride, self.dilation, name)  # checks
            if not isinstance(padding, str):
                padding = F._ntuple(padding, dims, "padding", name, 0)
            self.padding = padding
            self.output_padding = (0,) * dims
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        dtype = np.dtype(dtype or backend.DEFAULT_DTYPE)
        backend.check_dtype(dtype)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.init = init
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        """Draw new initial values: PyTorch's default, or the ``init`` given to the constructor."""
        generator = backend.get_rng(rng)
        if self.init is None:
            # kaiming_uniform(a=√5) reduces to U(±1/√fan_in), fan_in = weight.shape[1]·∏kernel
            # (for a transposed convolution that is out_channels/groups·∏kernel, as in PyTorch).
            fan_in, _ = init.fan_in_and_fan_out(self.weight.shape)
            bound = 1.0 / math.sqrt(fan_in)
            self.weight.data[...] = generator.uniform(-bound, bound, self.weight.shape)
            if self.bias is not None:
                self.bias.data[...] = generator.uniform(-bound, bound, self.bias.shape)
        else:
            init.get(self.init)(self.weight, rng=generator)
            if self.bias is not None:
                init.zeros(self.bias)

    def extra_repr(self) -> str:
        dims = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def forward(self, x: Tensor) -> Tensor:
        try:
            if self._transposed:
                return self._function(
                    x,
                    self.weight,
                    self.bias,
                    self.stride,
                    self.padding,
                    self.output_padding,
                    self.groups,
                    self.dilation,
                )
            return self._function(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None


class _ConvTransposeNd(_ConvNd):
    """The transposed layers take PyTorch's argument order: output_padding, groups, bias, dilation."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        init: Any = None,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            init,
            rng,
            dtype,
            output_padding=output_padding,
        )


_ARGS = """
    Args:
        in_channels: C, channels of the input.
        out_channels: feature maps (channels) of the output.
        kernel_size: k, an int or one per spatial axis.
        stride: s, an int or one per axis.
        padding: zeros on both sides: an int, one per axis, "valid" or "same" (stride 1).
        dilation: d, spacing between kernel taps.
        groups: G; channels are split into G groups convolved independently.
        bias: whether to learn b.
        init: weight initializer, a name from :mod:`deltanet.init` or a function
            ``f(tensor, rng=)`` (the bias then starts at 0). The default is PyTorch's: W and b
            uniform in ±1/√fan_in, fan_in = (in_channels/groups)·∏k.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
"""

_TRANSPOSED_ARGS = """
    Args:
        in_channels, out_channels, kernel_size, stride, dilation, groups, bias, rng, dtype: as
            for the convolution (see :class:`Conv2d`).
        padding: the padding of the convolution this layer transposes (an int or one per axis):
            the output loses ``padding`` rows on each side.
        output_padding: extra rows added after (bottom/right), smaller than stride or dilation.
        init: as for :class:`Conv2d`; the default bound is 1/√fan_in with
            fan_in = (out_channels/groups)·∏k, computed from the weight as PyTorch does.
"""


class Conv1d(_ConvNd):
    __doc__ = (
        """1-D convolution over sequences (signals): z = W ⋆ x + b.
"""
        + _ARGS
        + """
    Shape:
        (N, C, L) -> (N, out_channels, ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1); ``weight`` is
        (out_channels, in_channels/groups, k), ``bias`` (out_channels,).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv1d(2, 4, 3, padding="same", rng=0)
        >>> layer(dn.tensor(np.zeros((5, 2, 10)))).shape
        (5, 4, 10)
    """
    )
    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    __doc__ = (
        """2-D convolution over images: z = W ⋆ x + b, one feature map per output channel.
"""
        + _ARGS
        + """
    Shape:
        (N, C, H, W) -> (N, out_channels, H_out, W_out), H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1;
        ``weight`` is (out_channels, in_channels/groups, kH, kW), ``bias`` (out_channels,).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv2d(1, 6, 5, padding=2, rng=0)   # LeNet-5's first layer
        >>> layer
        Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
        >>> layer.weight.shape, layer(dn.tensor(np.zeros((8, 1, 28, 28)))).shape
        ((6, 1, 5, 5), (8, 6, 28, 28))
    """
    )
    _dims = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_ConvNd):
    __doc__ = (
        """3-D convolution over volumes (CT, MRI): z = W ⋆ x + b.
"""
        + _ARGS
        + """
    Shape:
        (N, C, D, H, W) -> (N, out_channels, D_out, H_out, W_out), each as for Conv2d;
        ``weight`` is (out_channels, in_channels/groups, kD, kH, kW).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv3d(1, 2, 3, stride=2, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 1, 9, 9, 9)))).shape
        (1, 2, 4, 4, 4)
    """
    )
    _dims = 3
    _function = staticmethod(F.conv3d)


class ConvTranspose1d(_ConvTransposeNd):
    __doc__ = (
        """1-D transposed convolution (learned upsampling), the input gradient of Conv1d as a layer.
"""
        + _TRANSPOSED_ARGS
        + """
    Shape:
        (N, C, L) -> (N, out_channels, (L − 1)s − 2p + d(k − 1) + output_padding + 1);
        ``weight`` is (in_channels, out_channels/groups, k).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose1d(4, 2, 2, stride=2, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 4, 5)))).shape
        (1, 2, 10)
    """
    )
    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    __doc__ = (
        """2-D transposed convolution (learned upsampling, as in U-Net's decoder).
"""
        + _TRANSPOSED_ARGS
        + """
    Shape:
        (N, C, H, W) -> (N, out_channels, H_out, W_out),
        H_out = (H − 1)s − 2p + d(k − 1) + output_padding + 1; ``weight`` is
        (in_channels, out_channels/groups, kH, kW), as in PyTorch.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose2d(32, 16, 2, stride=2, rng=0)
        >>> layer.weight.shape, layer(dn.tensor(np.zeros((1, 32, 8, 8)))).shape
        ((32, 16, 2, 2), (1, 16, 16, 16))
    """
    )
    _dims = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    __doc__ = (
        """3-D transposed convolution (learned upsampling of volumes).
"""
        + _TRANSPOSED_ARGS
        + """
    Shape:
        (N, C, D, H, W) -> (N, out_channels, D_out, H_out, W_out), each as for ConvTranspose2d;
        ``weight`` is (in_channels, out_channels/groups, kD, kH, kW).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose3d(2, 1, 3, stride=2, padding=1, output_padding=1, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 2, 4, 4, 4)))).shape
        (1, 1, 8, 8, 8)
    """
    )
    _dims = 3
    _function = staticmethod(F.conv_transpose3d)
