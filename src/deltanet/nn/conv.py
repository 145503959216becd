"""Convolutional layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``, as in PyTorch.

A convolutional layer is a layer of neurons with local receptive fields and shared weights: the
same kernel W (one per output channel, or feature map) is applied at every position of the input.
Parameter shapes, ``state_dict`` keys and the default initialization are PyTorch's, so weights
move both ways; the computation is ``deltanet.functional.conv``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend, init
from deltanet.autograd import Tensor
from deltanet.functional import conv as F
from deltanet.functional.padding import pad
from deltanet.nn.module import Module, Parameter, call_named

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


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
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        check.one_of(padding_mode, "padding_mode", PADDING_MODES, name)
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'{name}: only padding_mode="zeros" is supported (as in PyTorch), got {padding_mode!r}')
        self.padding_mode = padding_mode
        self.in_channels = check.integer(in_channels, "in_channels", name, low=1)
        self.out_channels = check.integer(out_channels, "out_channels", name, low=1)
        self.groups = check.integer(groups, "groups", name, low=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
            )
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
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, name)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.init = init
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        """Draw new initial values: PyTorch's default, or the ``init`` given to the constructor."""
        generator = backend.get_rng(rng)
        if self.init is None:
            # kaiming_uniform(a=sqrt(5)) reduces to U(+-1/sqrt(fan_in)), fan_in = weight.shape[1] * prod(kernel)
            # (for a transposed convolution that is out_channels/groups * prod(kernel), as in PyTorch).
            fan_in, _ = init.fan_in_and_fan_out(self.weight.shape)
            bound = 1.0 / math.sqrt(fan_in)
            self.weight.array[...] = generator.uniform(-bound, bound, self.weight.shape)
            if self.bias is not None:
                self.bias.array[...] = generator.uniform(-bound, bound, self.bias.shape)
        else:
            init.get(self.init, owner=type(self).__name__)(self.weight, rng=generator)
            init.check_finite(self.weight, owner=type(self).__name__)
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
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def forward(self, x: Tensor) -> Tensor:
        options: tuple[Any, ...]
        if self._transposed:  # PyTorch's argument order for the transposed ops
            options = (self.stride, self.padding, self.output_padding, self.groups, self.dilation)
        elif self.padding_mode != "zeros":
            # PyTorch's way: pad with the mode first, then convolve without padding.
            pairs = F._padding_pairs(self.padding, self.kernel_size, self.stride, self.dilation, type(self).__name__)
            amounts = [n for pair in reversed(pairs) for n in pair]  # F.pad's order: last axis first
            x = call_named(self, pad, x, amounts, self.padding_mode)
            options = (self.stride, 0, self.dilation, self.groups)
        else:
            options = (self.stride, self.padding, self.dilation, self.groups)
        return call_named(self, self._function, x, self.weight, self.bias, *options)


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
        *,
        padding_mode: str = "zeros",
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
            padding_mode=padding_mode,
        )

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        """The transposed convolution; ``output_size`` picks the output's spatial size among those
        the stride allows (PyTorch's way of undoing a strided convolution whose input size was odd).

        Args:
            x: the input, $(N, C_{in}, *S)$.
            output_size: None, or the wanted spatial size (a sequence of one int per spatial axis,
                or with $N$ and $C$ in front); sets ``output_padding`` for this call.
        """
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding_for(x, output_size)
        options = (self.stride, self.padding, output_padding, self.groups, self.dilation)
        return call_named(self, self._function, x, self.weight, self.bias, *options)

    def _output_padding_for(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        name, dims = type(self).__name__, self._dims
        sizes = [int(n) for n in output_size]
        if len(sizes) == dims + 2:
            sizes = sizes[2:]
        if len(sizes) != dims or x.ndim < dims:
            raise ValueError(f"{name}: output_size must have {dims} or {dims + 2} elements, got {list(output_size)!r}")
        out = []
        for axis, wanted in enumerate(sizes):
            n = x.shape[x.ndim - dims + axis]
            k, s, p, d = self.kernel_size[axis], self.stride[axis], self.padding[axis], self.dilation[axis]
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= wanted < smallest + s:
                raise ValueError(
                    f"{name}: output_size {sizes} is not reachable: axis {axis} can be "
                    f"{smallest} to {smallest + s - 1} for an input of size {n}, got {wanted}"
                )
            out.append(wanted - smallest)
        return tuple(out)


class Conv1d(_ConvNd):
    r"""1-D convolution over sequences (signals): one kernel per output channel, slid along the axis.

    $$
    z_{n,o,i} = b_o + \sum_{c} \sum_{u} W_{o,c,u} \, \tilde x_{n,\,c,\,s i + d u}
    $$

    (cross-correlation, as in PyTorch) where $\tilde x$ is the zero-padded input and $c$ runs over
    the input channels of output channel $o$'s group. The computation is
    ``deltanet.functional.conv1d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, feature maps (channels) of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, an int or one per axis (default 1).
        padding: $p$, zeros on both sides: an int, one per axis, "valid" (none) or "same"
            (output as large as the input; stride 1 only).
        dilation: $d$, spacing between kernel taps (default 1).
        groups: $G$; the channels are split into $G$ groups convolved independently.
        bias: whether to learn $b$.
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)`` (the bias then starts at 0). The default is PyTorch's: $W$ and
            $b$ uniform in $\pm 1/\sqrt{\text{fan\_in}}$, $\text{fan\_in} = (C_{in}/G) \prod k$.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        output_padding: for the transposed layers only; must be 0 here.
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular": what the padding
            holds; the other modes pad the input with ``functional.pad`` first, as PyTorch does.

    Shape:
        - input: $(N, C_{in}, L)$.
        - output: $(N, C_{out}, L_{out})$ with
          $L_{out} = \left\lfloor \frac{L + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$.
        - weight: $(C_{out}, C_{in}/G, k)$; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv1d(2, 4, 3, padding="same", rng=0)
        >>> layer(dn.tensor(np.zeros((5, 2, 10)))).shape
        (5, 4, 10)
    """

    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    r"""2-D convolution over images: one feature map per output channel, from one shared kernel each.

    $$
    z_{n,o,i,j} = b_o + \sum_{c} \sum_{u,v} W_{o,c,u,v} \, \tilde x_{n,\,c,\,s i + d u,\,s j + d v}
    $$

    (cross-correlation, as in PyTorch) where $\tilde x$ is the zero-padded input and $c$ runs over
    the input channels of output channel $o$'s group: local receptive fields and shared weights.
    The computation is ``deltanet.functional.conv2d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, feature maps (channels) of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, an int or one per axis (default 1).
        padding: $p$, zeros on both sides: an int, one per axis, "valid" (none) or "same"
            (output as large as the input; stride 1 only).
        dilation: $d$, spacing between kernel taps (default 1).
        groups: $G$; the channels are split into $G$ groups convolved independently.
        bias: whether to learn $b$.
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)`` (the bias then starts at 0). The default is PyTorch's: $W$ and
            $b$ uniform in $\pm 1/\sqrt{\text{fan\_in}}$, $\text{fan\_in} = (C_{in}/G) \prod k$.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        output_padding: for the transposed layers only; must be 0 here.
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular": what the padding
            holds; the other modes pad the input with ``functional.pad`` first, as PyTorch does.

    Shape:
        - input: $(N, C_{in}, H, W)$.
        - output: $(N, C_{out}, H_{out}, W_{out})$ with
          $H_{out} = \left\lfloor \frac{H + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$, and $W_{out}$ alike.
        - weight: $(C_{out}, C_{in}/G, k_H, k_W)$; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv2d(1, 6, 5, padding=2, rng=0)   # LeNet-5's first layer
        >>> layer
        Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
        >>> layer.weight.shape, layer(dn.tensor(np.zeros((8, 1, 28, 28)))).shape
        ((6, 1, 5, 5), (8, 6, 28, 28))
    """

    _dims = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_ConvNd):
    r"""3-D convolution over volumes (CT, MRI): Conv2d with a third spatial axis.

    $$
    z_{n,o,\mathbf{i}} = b_o + \sum_{c} \sum_{\mathbf{u}} W_{o,c,\mathbf{u}} \,
    \tilde x_{n,\,c,\,s \mathbf{i} + d \mathbf{u}}
    $$

    with $\mathbf{i}$, $\mathbf{u}$ indices over the three spatial axes, $\tilde x$ the
    zero-padded input and $c$ over the input channels of $o$'s group. The computation is
    ``deltanet.functional.conv3d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, feature maps (channels) of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, an int or one per axis (default 1).
        padding: $p$, zeros on both sides: an int, one per axis, "valid" (none) or "same"
            (output as large as the input; stride 1 only).
        dilation: $d$, spacing between kernel taps (default 1).
        groups: $G$; the channels are split into $G$ groups convolved independently.
        bias: whether to learn $b$.
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)`` (the bias then starts at 0). The default is PyTorch's: $W$ and
            $b$ uniform in $\pm 1/\sqrt{\text{fan\_in}}$, $\text{fan\_in} = (C_{in}/G) \prod k$.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        output_padding: for the transposed layers only; must be 0 here.
        padding_mode: "zeros" (default), "reflect", "replicate" or "circular": what the padding
            holds; the other modes pad the input with ``functional.pad`` first, as PyTorch does.

    Shape:
        - input: $(N, C_{in}, D, H, W)$.
        - output: $(N, C_{out}, D_{out}, H_{out}, W_{out})$, each as for ``Conv2d``.
        - weight: $(C_{out}, C_{in}/G, k_D, k_H, k_W)$; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Conv3d(1, 2, 3, stride=2, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 1, 9, 9, 9)))).shape
        (1, 2, 4, 4, 4)
    """

    _dims = 3
    _function = staticmethod(F.conv3d)


class ConvTranspose1d(_ConvTransposeNd):
    r"""1-D transposed convolution (learned upsampling), the input gradient of ``Conv1d`` as a layer.

    Each input value scatters a weighted copy of the kernel onto the output, spaced by the stride:

    $$
    z_{n,o,t} = b_o + \sum_{c} \sum_{i,\,u \,:\, s i + d u - p = t} W_{c,o,u} \, x_{n,c,i}
    $$

    with $c$ over the input channels of $o$'s group. The computation is
    ``deltanet.functional.conv_transpose1d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, channels of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, the stride of the convolution this layer transposes (the upsampling factor).
        padding: $p$, the padding of the convolution this layer transposes (an int or one per
            axis): the output loses $p$ rows on each side.
        output_padding: extra rows added after (bottom/right), smaller than the stride or the
            dilation; picks among the sizes that a strided convolution maps to the same size.
        groups: $G$; the channels are split into $G$ groups.
        bias: whether to learn $b$.
        dilation: $d$, spacing between kernel taps (default 1).
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)``. The default bound is $1/\sqrt{\text{fan\_in}}$ with
            $\text{fan\_in} = (C_{out}/G) \prod k$, computed from the weight as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        padding_mode: "zeros" only (PyTorch's transposed layers take no other).

    Shape:
        - input: $(N, C_{in}, L)$.
        - output: $(N, C_{out}, L_{out})$ with $L_{out} = (L - 1)s - 2p + d(k - 1) + \text{output\_padding} + 1$.
        - weight: $(C_{in}, C_{out}/G, k)$; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose1d(4, 2, 2, stride=2, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 4, 5)))).shape
        (1, 2, 10)
    """

    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    r"""2-D transposed convolution (learned upsampling, as in U-Net's decoder).

    The input gradient of ``Conv2d`` as a layer: each input value scatters a weighted copy of the
    kernel onto the output, spaced by the stride,

    $$
    z_{n,o,\mathbf{t}} = b_o + \sum_{c} \sum_{\mathbf{i}, \mathbf{u} \,:\, s \mathbf{i} + d \mathbf{u} - p = \mathbf{t}}
    W_{c,o,\mathbf{u}} \, x_{n,c,\mathbf{i}}
    $$

    with $\mathbf{i}$, $\mathbf{u}$, $\mathbf{t}$ indices over the two spatial axes and $c$
    over the input channels of $o$'s group. The computation is
    ``deltanet.functional.conv_transpose2d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, channels of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, the stride of the convolution this layer transposes (the upsampling factor).
        padding: $p$, the padding of the convolution this layer transposes (an int or one per
            axis): the output loses $p$ rows on each side.
        output_padding: extra rows added after (bottom/right), smaller than the stride or the
            dilation; picks among the sizes that a strided convolution maps to the same size.
        groups: $G$; the channels are split into $G$ groups.
        bias: whether to learn $b$.
        dilation: $d$, spacing between kernel taps (default 1).
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)``. The default bound is $1/\sqrt{\text{fan\_in}}$ with
            $\text{fan\_in} = (C_{out}/G) \prod k$, computed from the weight as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        padding_mode: "zeros" only (PyTorch's transposed layers take no other).

    Shape:
        - input: $(N, C_{in}, H, W)$.
        - output: $(N, C_{out}, H_{out}, W_{out})$ with
          $H_{out} = (H - 1)s - 2p + d(k - 1) + \text{output\_padding} + 1$, and $W_{out}$ alike.
        - weight: $(C_{in}, C_{out}/G, k_H, k_W)$, as in PyTorch; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose2d(32, 16, 2, stride=2, rng=0)
        >>> layer.weight.shape, layer(dn.tensor(np.zeros((1, 32, 8, 8)))).shape
        ((32, 16, 2, 2), (1, 16, 16, 16))
    """

    _dims = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    r"""3-D transposed convolution (learned upsampling of volumes): ConvTranspose2d with a third axis.

    $$
    z_{n,o,\mathbf{t}} = b_o + \sum_{c} \sum_{\mathbf{i}, \mathbf{u} \,:\, s \mathbf{i} + d \mathbf{u} - p = \mathbf{t}}
    W_{c,o,\mathbf{u}} \, x_{n,c,\mathbf{i}}
    $$

    with indices over the three spatial axes. The computation is
    ``deltanet.functional.conv_transpose3d``.

    Args:
        in_channels: $C_{in}$, channels of the input.
        out_channels: $C_{out}$, channels of the output.
        kernel_size: $k$, an int or one per spatial axis.
        stride: $s$, the stride of the convolution this layer transposes (the upsampling factor).
        padding: $p$, the padding of the convolution this layer transposes (an int or one per
            axis): the output loses $p$ rows on each side.
        output_padding: extra rows added after (bottom/right), smaller than the stride or the
            dilation; picks among the sizes that a strided convolution maps to the same size.
        groups: $G$; the channels are split into $G$ groups.
        bias: whether to learn $b$.
        dilation: $d$, spacing between kernel taps (default 1).
        init: weight initializer, a name from ``deltanet.init`` or a function
            ``f(tensor, rng=)``. The default bound is $1/\sqrt{\text{fan\_in}}$ with
            $\text{fan\_in} = (C_{out}/G) \prod k$, computed from the weight as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.
        padding_mode: "zeros" only (PyTorch's transposed layers take no other).

    Shape:
        - input: $(N, C_{in}, D, H, W)$.
        - output: $(N, C_{out}, D_{out}, H_{out}, W_{out})$, each as for ``ConvTranspose2d``.
        - weight: $(C_{in}, C_{out}/G, k_D, k_H, k_W)$; bias: $(C_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.ConvTranspose3d(2, 1, 3, stride=2, padding=1, output_padding=1, rng=0)
        >>> layer(dn.tensor(np.zeros((1, 2, 4, 4, 4)))).shape
        (1, 1, 8, 8, 8)
    """

    _dims = 3
    _function = staticmethod(F.conv_transpose3d)
