"""Pooling (subsampling) layers: max and average pooling in 1, 2 and 3 dimensions, adaptive max
and average pooling, global average pooling, power-average (LP) pooling. They hold no parameters; the computation is
``deltanet.functional.pooling``.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import adaptive_max_pool as AMP
from deltanet.functional import lp_pool as LP
from deltanet.functional import pooling as F
from deltanet.functional.conv import _ntuple
from deltanet.nn.module import Module, call_named


class _PoolNd(Module):
    """Checks and stores kernel_size, stride (default: kernel_size) and padding."""

    _dims = 0
    _function: Any = None
    _max = True  # max pooling: dilation and return_indices; average pooling has neither

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        if self._max:
            _ntuple(dilation, dims, "dilation", name, 1)
            self.dilation = dilation
            self.return_indices = check.flag(return_indices, "return_indices", name)
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
        self.ceil_mode = check.flag(ceil_mode, "ceil_mode", name)

    def _call(self, x: Tensor, **options: Any) -> Tensor:
        return call_named(self, self._function, x, self.kernel_size, self.stride, self.padding, **options)

    def forward(self, x: Tensor) -> Any:
        return self._call(x, ceil_mode=self.ceil_mode, dilation=self.dilation, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


def only_defaults(owner: str, **options: Any) -> None:
    """PyTorch's pooling options that deltanet takes at their default values only."""
    defaults = {"dilation": 1, "return_indices": False, "ceil_mode": False, "divisor_override": None}
    for name, value in options.items():
        default = defaults[name]
        same = value == default and type(value) is type(default)
        if name == "dilation" and isinstance(value, (tuple, list)):
            same = all(v == 1 and type(v) is int for v in value)
        if not same:
            raise ValueError(f"{owner}: {name}={value!r} is not supported; only the default {default!r}")


class _AvgPoolNd(_PoolNd):
    _max = False

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode=ceil_mode)
        name = type(self).__name__
        if divisor_override is not None and check.integer(divisor_override, "divisor_override", name) == 0:
            raise check.fail(name, "divisor_override", "a nonzero int or None", divisor_override)
        self.count_include_pad = check.flag(count_include_pad, "count_include_pad", name)
        self.divisor_override = divisor_override
        if self._dims == 1:  # PyTorch keeps AvgPool1d's sizes as 1-tuples (and prints them so)
            self.kernel_size, self.stride, self.padding = (
                _ntuple(v, 1, n, name, 0)
                for v, n in ((kernel_size, "kernel_size"), (self.stride, "stride"), (padding, "padding"))
            )

    def forward(self, x: Tensor) -> Tensor:
        return self._call(
            x,
            count_include_pad=self.count_include_pad,
            ceil_mode=self.ceil_mode,
            divisor_override=self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"  # PyTorch's text


class MaxPool1d(_PoolNd):
    r"""1-D max pooling: the maximum of each window of $k$ values of a channel.

    $$
    z_{n,c,i} = \max_{0 \le u < k} \tilde x_{n,\,c,\,s i + u}
    $$

    where $\tilde x$ is the input padded with $-\infty$ (padding never wins). The gradient goes to
    the (first) maximum of each window. The computation is ``deltanet.functional.max_pool1d``.

    Args:
        kernel_size: $k$, an int.
        stride: $s$, the step between windows (default $k$: non-overlapping windows).
        padding: $p$, $-\infty$ added on both sides, at most half the kernel size.
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima (for ``MaxUnpool``).
        ceil_mode: round the number of windows up (a last, partial window that starts inside the
            input or the left padding).

    Shape:
        - input: $(N, C, L)$.
        - output: $(N, C, L_{out})$ with $L_{out} = \left\lfloor \frac{L + 2p - k}{s} \right\rfloor + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.MaxPool1d(2)(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]]))).array.tolist()
        [[[3.0, 2.0]]]
    """

    _dims = 1
    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_PoolNd):
    r"""2-D max pooling: the maximum of each $k_H \times k_W$ window of each channel (subsampling).

    $$
    z_{n,c,i,j} = \max_{0 \le u < k_H,\ 0 \le v < k_W} \tilde x_{n,\,c,\,s i + u,\,s j + v}
    $$

    where $\tilde x$ is the input padded with $-\infty$ (padding never wins). The gradient goes to
    the (first) maximum of each window. The computation is ``deltanet.functional.max_pool2d``.

    Args:
        kernel_size: $k$, an int or $(k_H, k_W)$.
        stride: $s$, the step between windows (default $k$: non-overlapping windows).
        padding: $p$, $-\infty$ added on both sides, at most half the kernel size.
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima (for ``MaxUnpool``).
        ceil_mode: round the number of windows up (a last, partial window that starts inside the
            input or the left padding).

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$ with
          $H_{out} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1$, and $W_{out}$ alike.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> pool = dn.nn.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> pool(dn.tensor(np.zeros((8, 6, 28, 28)))).shape
        (8, 6, 14, 14)
    """

    _dims = 2
    _function = staticmethod(F.max_pool2d)


class MaxPool3d(_PoolNd):
    r"""3-D max pooling over volumes: the maximum of each $k_D \times k_H \times k_W$ window.

    $$
    z_{n,c,\mathbf{i}} = \max_{\mathbf{u}} \tilde x_{n,\,c,\,s \mathbf{i} + \mathbf{u}}
    $$

    where $\tilde x$ is the input padded with $-\infty$ (padding never wins). The gradient goes to
    the (first) maximum of each window. The computation is ``deltanet.functional.max_pool3d``.
    The multi-indices $\mathbf{i}$ and $\mathbf{u}$ run over the three spatial axes.

    Args:
        kernel_size: $k$, an int or $(k_D, k_H, k_W)$.
        stride: $s$, the step between windows (default $k$: non-overlapping windows).
        padding: $p$, $-\infty$ added on both sides, at most half the kernel size.
        dilation: $d$, the step between the values of a window.
        return_indices: also return the flat positions of the maxima (for ``MaxUnpool``).
        ceil_mode: round the number of windows up (a last, partial window that starts inside the
            input or the left padding).

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each as for ``MaxPool2d``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.MaxPool3d(2)(dn.tensor(np.zeros((1, 2, 4, 6, 8)))).shape
        (1, 2, 2, 3, 4)
    """

    _dims = 3
    _function = staticmethod(F.max_pool3d)


class AvgPool1d(_AvgPoolNd):
    r"""1-D average pooling: the mean of each window of $k$ values of a channel.

    $$
    z_{n,c,i} = \frac{1}{m} \sum_{0 \le u < k} \tilde x_{n,\,c,\,s i + u}
    $$

    where $\tilde x$ is the zero-padded input and $m$ is $k$ (``count_include_pad=True``) or the
    number of non-padding values in the window. The computation is
    ``deltanet.functional.avg_pool1d``.

    Args:
        kernel_size: $k$, an int.
        stride: $s$, the step between windows (default $k$).
        padding: $p$, zeros added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        count_include_pad: divide by $k$ (True, PyTorch's default) or by the number of
            non-padding values in the window.
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, L)$.
        - output: $(N, C, L_{out})$ with $L_{out} = \left\lfloor \frac{L + 2p - k}{s} \right\rfloor + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AvgPool1d(2)(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]]))).array.tolist()
        [[[2.0, 1.0]]]
    """

    _dims = 1
    _function = staticmethod(F.avg_pool1d)


class AvgPool2d(_AvgPoolNd):
    r"""2-D average pooling: the mean of each $k_H \times k_W$ window of each channel (LeNet-5's subsampling).

    $$
    z_{n,c,i,j} = \frac{1}{m} \sum_{0 \le u < k_H,\ 0 \le v < k_W} \tilde x_{n,\,c,\,s i + u,\,s j + v}
    $$

    where $\tilde x$ is the zero-padded input and $m$ is $k_H k_W$ (``count_include_pad=True``) or the
    number of non-padding values in the window. The computation is
    ``deltanet.functional.avg_pool2d``.

    Args:
        kernel_size: $k$, an int or $(k_H, k_W)$.
        stride: $s$, the step between windows (default $k$).
        padding: $p$, zeros added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        count_include_pad: divide by $k_H k_W$ (True, PyTorch's default) or by the number of
            non-padding values in the window.
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$ with
          $H_{out} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1$, and $W_{out}$ alike.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AvgPool2d(2)(dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))).array.tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    _dims = 2
    _function = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    r"""3-D average pooling over volumes: the mean of each $k_D \times k_H \times k_W$ window.

    $$
    z_{n,c,\mathbf{i}} = \frac{1}{m} \sum_{\mathbf{u}} \tilde x_{n,\,c,\,s \mathbf{i} + \mathbf{u}}
    $$

    where $\tilde x$ is the zero-padded input and $m$ is $k_D k_H k_W$ (``count_include_pad=True``) or the
    number of non-padding values in the window. The computation is
    ``deltanet.functional.avg_pool3d``.

    Args:
        kernel_size: $k$, an int or $(k_D, k_H, k_W)$.
        stride: $s$, the step between windows (default $k$).
        padding: $p$, zeros added on both sides, at most half the kernel size.
        ceil_mode: round the number of windows up (a last, partial window, divided by its
            extent inside the input and padding).
        count_include_pad: divide by $k_D k_H k_W$ (True, PyTorch's default) or by the number of
            non-padding values in the window.
        divisor_override: divide every window sum by this nonzero int instead.

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each as for ``AvgPool2d``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> float(dn.nn.AvgPool3d(2)(dn.tensor(np.ones((1, 1, 4, 4, 4)))).array.sum())
        8.0
    """

    _dims = 3
    _function = staticmethod(F.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _dims = 0
    _function: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        check.sizes(output_size, "output_size", name, count=dims, special=(None, "keep the axis"))
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, self._function, x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    r"""Average pooling of $(N, C, L)$ to a fixed length, whatever the input length.

    Output index $i$ averages the input window $[b_i, e_i)$ (PyTorch's windows):

    $$
    z_{n,c,i} = \frac{1}{e_i - b_i} \sum_{b_i \le j < e_i} x_{n,c,j}, \qquad
    b_i = \left\lfloor \frac{i \, n_{in}}{n_{out}} \right\rfloor, \quad
    e_i = \left\lceil \frac{(i + 1) \, n_{in}}{n_{out}} \right\rceil
    $$

    Args:
        output_size: $L_{out}$, an int (None keeps the input's length).

    Shape:
        - input: $(N, C, L)$.
        - output: $(N, C, L_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool1d(2)(dn.tensor(np.array([[[1.0, 2.0, 3.0, 4.0]]]))).array.tolist()
        [[[1.5, 3.5]]]
    """

    _dims = 1
    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    r"""Average pooling of $(N, C, H, W)$ to a fixed $(H_{out}, W_{out})$, whatever the input size.

    Along each axis, output index $i$ averages the input window $[b_i, e_i)$ (PyTorch's windows),
    with $n_{in}$ and $n_{out}$ that axis's input and output sizes:

    $$
    z_{n,c,i} = \frac{1}{e_i - b_i} \sum_{b_i \le j < e_i} x_{n,c,j}, \qquad
    b_i = \left\lfloor \frac{i \, n_{in}}{n_{out}} \right\rfloor, \quad
    e_i = \left\lceil \frac{(i + 1) \, n_{in}}{n_{out}} \right\rceil
    $$

    ``AdaptiveAvgPool2d(1)`` is global average pooling that keeps the $(1, 1)$ spatial axes; see
    ``GlobalAvgPool`` for the $(N, C)$ version.

    Args:
        output_size: $(H_{out}, W_{out})$, or one int for both; None keeps the input's size on an
            axis.

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool2d(1)(dn.tensor(np.zeros((4, 16, 7, 7)))).shape
        (4, 16, 1, 1)
    """

    _dims = 2
    _function = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    r"""Average pooling of $(N, C, D, H, W)$ to a fixed output size, with the windows of ``AdaptiveAvgPool2d``.

    Along each axis, output index $i$ averages the input indices
    $[\lfloor i \, n_{in} / n_{out} \rfloor, \lceil (i + 1) \, n_{in} / n_{out} \rceil)$.

    Args:
        output_size: $(D_{out}, H_{out}, W_{out})$, or one int for all three; None keeps the
            input's size on an axis.

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveAvgPool3d((1, 2, 2))(dn.tensor(np.zeros((1, 3, 4, 4, 4)))).shape
        (1, 3, 1, 2, 2)
    """

    _dims = 3
    _function = staticmethod(F.adaptive_avg_pool3d)


class GlobalAvgPool(Module):
    r"""Global average pooling: the mean of each channel over all its positions, $(N, C, *S) \to (N, C)$.

    $$
    z_{n,c} = \frac{1}{|S|} \sum_{\mathbf{i} \in S} x_{n,c,\mathbf{i}}
    $$

    Replaces flatten + a large fully connected layer at the end of a CNN (Lin et al. 2014); for
    2-D inputs it equals ``AdaptiveAvgPool2d(1)`` followed by ``Flatten()``.

    Shape:
        - input: $(N, C, *S)$ with 1 to 3 spatial axes $S$.
        - output: $(N, C)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.GlobalAvgPool()(dn.tensor(np.ones((4, 16, 7, 7)))).shape
        (4, 16)
    """

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, F.global_avg_pool, x)


class _AdaptiveMaxPoolNd(Module):
    _dims = 0
    _function: Any = None

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        check.sizes(output_size, "output_size", name, count=self._dims, special=(None, "keep the axis"))
        self.output_size = output_size
        self.return_indices = check.flag(return_indices, "return_indices", name)

    def forward(self, x: Tensor) -> Any:
        return call_named(self, self._function, x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"  # PyTorch's text, without return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    r"""Max pooling of $(N, C, L)$ to a fixed length, with the windows of ``AdaptiveAvgPool1d``.

    $$
    z_{n,c,i} = \max_{b_i \le j < e_i} x_{n,c,j}, \qquad
    b_i = \left\lfloor \frac{i \, n_{in}}{n_{out}} \right\rfloor, \quad
    e_i = \left\lceil \frac{(i + 1) \, n_{in}}{n_{out}} \right\rceil
    $$

    Args:
        output_size: $L_{out}$, an int (None keeps the input's length).
        return_indices: also return the positions of the maxima (for ``MaxUnpool``-style code).

    Shape:
        - input: $(N, C, L)$.
        - output: $(N, C, L_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveMaxPool1d(2)(dn.tensor(np.array([[[1.0, 4.0, 2.0, 3.0]]]))).array.tolist()
        [[[4.0, 3.0]]]
    """

    _dims = 1
    _function = staticmethod(AMP.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    r"""Max pooling of $(N, C, H, W)$ to a fixed $(H_{out}, W_{out})$, whatever the input size.

    Along each axis output index $i$ covers the inputs
    $[\lfloor i \, n_{in} / n_{out} \rfloor, \lceil (i + 1) \, n_{in} / n_{out} \rceil)$, and
    $z_{n,c,i,j}$ is the maximum of that box; the gradient goes to its first maximum.

    Args:
        output_size: $(H_{out}, W_{out})$, or one int for both; None keeps the input's size on an axis.
        return_indices: also return the flat positions $h W + w$ of the maxima.

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveMaxPool2d((1, 1))(dn.tensor(np.arange(6.0).reshape(1, 1, 2, 3))).array.tolist()
        [[[[5.0]]]]
    """

    _dims = 2
    _function = staticmethod(AMP.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    r"""Max pooling of $(N, C, D, H, W)$ to a fixed output size, with the windows of ``AdaptiveMaxPool2d``.

    $$
    z_{n,c,\mathbf{i}} = \max_{\mathbf{u} \in \text{window}(\mathbf{i})} x_{n,c,\mathbf{u}}
    $$

    Args:
        output_size: $(D_{out}, H_{out}, W_{out})$, or one int for all; None keeps an axis.
        return_indices: also return the flat positions $(d H + h) W + w$ of the maxima.

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.AdaptiveMaxPool3d(1)(dn.tensor(np.zeros((2, 3, 4, 4, 4)))).shape
        (2, 3, 1, 1, 1)
    """

    _dims = 3
    _function = staticmethod(AMP.adaptive_max_pool3d)


class _LPPoolNd(Module):
    _dims = 0
    _function: Any = None

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        if not check.is_number(norm_type) or norm_type == 0 or norm_type != norm_type:
            raise check.fail(name, "norm_type", "a nonzero number (math.inf for max pooling of |x|)", norm_type)
        _ntuple(kernel_size, self._dims, "kernel_size", name, 1)
        if stride is not None:
            _ntuple(stride, self._dims, "stride", name, 1)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = check.flag(ceil_mode, "ceil_mode", name)

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, self._function, x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    r"""1-D power-average pooling: the $p$-norm of each window, as ``torch.nn.LPPool1d``.

    $$
    z_{n,c,i} = \Big( \sum_{u < k} x_{n,c,\, s i + u}^{\,p} \Big)^{1/p}
    $$

    Args:
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$.
        stride: $s$ (default $k$).
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, L)$.
        - output: $(N, C, L_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.LPPool1d(2, 2)(dn.tensor(np.array([[[3.0, 4.0]]]))).array.tolist()
        [[[5.0]]]
    """

    _dims = 1
    _function = staticmethod(LP.lp_pool1d)


class LPPool2d(_LPPoolNd):
    r"""2-D power-average pooling: the $p$-norm of each $k_H \times k_W$ window, as ``torch.nn.LPPool2d``.

    $$
    z_{n,c,i,j} = \Big( \sum_{u < k_H,\ v < k_W} x_{n,c,\, s i + u,\, s j + v}^{\,p} \Big)^{1/p}
    $$

    $p = 1$ is sum pooling and $p \to \infty$ max pooling of $|x|$.

    Args:
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$, an int or $(k_H, k_W)$.
        stride: $s$ (default $k$).
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> pool = dn.nn.LPPool2d(2, 3)
        >>> pool
        LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
        >>> pool(dn.tensor(np.ones((1, 1, 6, 6)))).array[0, 0].tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """

    _dims = 2
    _function = staticmethod(LP.lp_pool2d)


class LPPool3d(_LPPoolNd):
    r"""3-D power-average pooling: the $p$-norm of each window of a volume, as ``torch.nn.LPPool3d``.

    $$
    z_{n,c,\mathbf{i}} = \Big( \sum_{\mathbf{u}} x_{n,c,\, s \mathbf{i} + \mathbf{u}}^{\,p} \Big)^{1/p}
    $$

    Args:
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$, an int or $(k_D, k_H, k_W)$.
        stride: $s$ (default $k$).
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.LPPool3d(1, 2)(dn.tensor(np.ones((1, 1, 2, 2, 2)))).array.ravel().tolist()
        [8.0]
    """

    _dims = 3
    _function = staticmethod(LP.lp_pool3d)
