r"""Normalization layers that do not depend on the batch: ``LayerNorm``, ``GroupNorm`` and
``InstanceNorm1d/2d/3d``, with PyTorch's arguments, defaults and ``state_dict`` keys.

Each normalizes groups of values to zero mean and unit variance and applies a learned scale
$\gamma$ (``weight``) and shift $\beta$ (``bias``); the computation is
``deltanet.functional.normalization``, which reuses batch normalization's op. Unlike
``BatchNorm``, ``LayerNorm`` and ``GroupNorm`` compute the same thing in training and evaluation
mode; ``InstanceNorm`` does too unless it tracks running statistics.
"""

from __future__ import annotations

import warnings
from typing import Any

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor
from deltanet.functional.normalization import _normalized_shape, group_norm, instance_norm, layer_norm
from deltanet.nn.batchnorm import affine_parameters, register_running_statistics
from deltanet.nn.module import Module, call_named


class LayerNorm(Module):
    r"""Layer normalization (Ba, Kiros & Hinton 2016): each sample normalized over its last axes.

    $$
    y = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$ and $\sigma^2$ (biased) over the trailing axes of shape ``normalized_shape``, for
    every leading index separately; the same in training and evaluation.

    Args:
        normalized_shape: the sizes of the trailing axes to normalize over (an int or a tuple).
        eps: $\epsilon > 0$ added to the variance.
        elementwise_affine: learn $\gamma$ (``weight``, ones) and $\beta$ (``bias``, zeros) of
            shape ``normalized_shape``.
        bias: learn $\beta$ too (with ``elementwise_affine``).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(*, \text{normalized\_shape})$.
        - output: the input's shape.
        - weight, bias: ``normalized_shape``.

    Examples:
        >>> import deltanet as dn
        >>> ln = dn.nn.LayerNorm(2)
        >>> ln(dn.tensor([[1.0, 3.0]])).array.round(3).tolist()
        [[-1.0, 1.0]]
        >>> list(ln.state_dict())
        ['weight', 'bias']
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.normalized_shape = _normalized_shape(normalized_shape, owner)
        self.eps = check.number(eps, "eps", owner, low=0, low_open=True)
        self.elementwise_affine = check.flag(elementwise_affine, "elementwise_affine", owner)
        with_bias = check.flag(bias, "bias", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        self.weight, self.bias = affine_parameters(self.normalized_shape, self.elementwise_affine, with_bias, dtype)

    def reset_parameters(self) -> None:
        r"""$\gamma = 1$ and $\beta = 0$."""
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, layer_norm, x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    r"""Group normalization (Wu & He 2018): the channels of each sample split into groups, each normalized.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}} + \beta_c
    $$

    with $\mu_{ng}$, $\sigma^2_{ng}$ (biased) over the $C/G$ channels of group $g$ of sample $n$
    and their positions: independent of the batch, so it works for batches of one (3-D medical
    volumes, say) where batch norm fails.

    Args:
        num_groups: $G$, a divisor of ``num_channels``.
        num_channels: $C$.
        eps: $\epsilon > 0$ added to the variance.
        affine: learn $\gamma$ (``weight``, ones) and $\beta$ (``bias``, zeros) of shape $(C,)$.
        dtype: float32 (default) or float64.
        bias: learn $\beta$ too (with ``affine``).

    Shape:
        - input: $(N, C, *)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> gn = dn.nn.GroupNorm(2, 4)
        >>> gn(dn.tensor(np.arange(16.0).reshape(1, 4, 4))).shape
        (1, 4, 4)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_groups = check.integer(num_groups, "num_groups", owner, low=1)
        self.num_channels = check.integer(num_channels, "num_channels", owner, low=1)
        if self.num_channels % self.num_groups:
            raise ValueError(f"{owner}: num_groups={num_groups} must divide num_channels={num_channels}")
        self.eps = check.number(eps, "eps", owner, low=0, low_open=True)
        self.affine = check.flag(affine, "affine", owner)
        with_bias = check.flag(bias, "bias", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        self.weight, self.bias = affine_parameters(self.num_channels, self.affine, with_bias, dtype)

    def forward(self, x: Tensor) -> Tensor:
        x = call_named(self, as_tensor, x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"{self!r}: expected an input of shape (N, {self.num_channels}, *), got shape {x.shape}")
        return call_named(self, group_norm, x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={bias}"


class _InstanceNorm(Module):
    """Shared base: checks, parameters, buffers and forward; subclasses set the ranks."""

    _dims = 0
    running_mean: Tensor | None  # registered buffers (declared for the type checker)
    running_var: Tensor | None
    num_batches_tracked: Tensor | None
    _optional_state = ("num_batches_tracked",)  # PyTorch loads dicts without it

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_features = check.integer(num_features, "num_features", owner, low=1)
        self.eps = check.number(eps, "eps", owner, low=0, low_open=True)
        self.momentum = check.optional_number(
            momentum, "momentum", owner, none="None (running statistics frozen)", low=0, high=1
        )
        self.affine = check.flag(affine, "affine", owner)
        self.track_running_stats = check.flag(track_running_stats, "track_running_stats", owner)
        with_bias = check.flag(bias, "bias", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        self.weight, self.bias = affine_parameters(self.num_features, self.affine, with_bias, dtype)
        register_running_statistics(self, self.num_features, self.track_running_stats, dtype)

    def forward(self, x: Tensor) -> Tensor:
        x = call_named(self, as_tensor, x)
        dims = self._dims
        if x.ndim not in (dims + 1, dims + 2) or (x.shape[-dims - 1] != self.num_features and self.affine):
            raise ValueError(
                f"{self!r}: expected an input of shape (N, {self.num_features}, *S) or ({self.num_features}, *S) "
                f"with {dims} spatial axes, got shape {x.shape}"
            )
        if x.shape[-dims - 1] != self.num_features:
            # Without affine parameters num_features is unused (unless running statistics are
            # kept, which then refuse the input): PyTorch warns and normalizes.
            warnings.warn(
                f"{type(self).__name__}: the input's {x.shape[-dims - 1]} channels do not match "
                f"num_features={self.num_features}, which is not used because affine=False",
                UserWarning,
                stacklevel=2,
            )
        unbatched = x.ndim == dims + 1
        if unbatched:
            x = x.reshape((1,) + x.shape)
        use_input_stats = self.training or not self.track_running_stats
        # As PyTorch's InstanceNorm: momentum=None means 0 (no cumulative average, unlike batch
        # norm), and num_batches_tracked stays 0 (it is kept for the state_dict keys only).
        momentum = 0.0 if self.momentum is None else self.momentum
        y = call_named(
            self,
            instance_norm,
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input_stats=use_input_stats,
            momentum=momentum,
            eps=self.eps,
        )
        return y.reshape(y.shape[1:]) if unbatched else y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    r"""Instance normalization (Ulyanov et al. 2016) of sequences: each channel of each sample over its positions.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + \beta_c
    $$

    PyTorch's defaults: no affine parameters and no running statistics. With
    ``track_running_stats=True`` the running averages of the per-instance statistics are kept in
    training and used in evaluation, as in PyTorch (whose ``num_batches_tracked`` buffer stays 0
    and whose ``momentum=None`` freezes them: both kept here for the same results and keys).

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None means 0 (the running
            statistics stay as they are), as in PyTorch.
        affine: learn $\gamma$ (``weight``) and $\beta$ (``bias``) of shape $(C,)$ (default False).
        track_running_stats: keep ``running_mean``/``running_var`` for evaluation (default False).
        dtype: float32 (default) or float64.
        bias: learn $\beta$ too (with ``affine``).

    Shape:
        - input: $(N, C, L)$ or $(C, L)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.InstanceNorm1d(2)(dn.tensor(np.array([[[1.0, 3.0], [10.0, 30.0]]]))).array.round(3).tolist()
        [[[-1.0, 1.0], [-1.0, 1.0]]]
    """

    _dims = 1


class InstanceNorm2d(_InstanceNorm):
    r"""Instance normalization of images: each channel of each sample over its $H \times W$ positions.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + \beta_c
    $$

    See ``InstanceNorm1d`` for the running statistics.

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None means 0, as in PyTorch.
        affine: learn $\gamma$ and $\beta$ of shape $(C,)$ (default False).
        track_running_stats: keep running statistics for evaluation (default False).
        dtype: float32 (default) or float64.
        bias: learn $\beta$ too (with ``affine``).

    Shape:
        - input: $(N, C, H, W)$ or $(C, H, W)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.InstanceNorm2d(3, affine=True)(dn.tensor(np.ones((2, 3, 4, 4)))).shape
        (2, 3, 4, 4)
    """

    _dims = 2


class InstanceNorm3d(_InstanceNorm):
    r"""Instance normalization of volumes: each channel of each sample over its $D \times H \times W$ positions.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + \beta_c
    $$

    See ``InstanceNorm1d`` for the running statistics.

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None means 0, as in PyTorch.
        affine: learn $\gamma$ and $\beta$ of shape $(C,)$ (default False).
        track_running_stats: keep running statistics for evaluation (default False).
        dtype: float32 (default) or float64.
        bias: learn $\beta$ too (with ``affine``).

    Shape:
        - input: $(N, C, D, H, W)$ or $(C, D, H, W)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.InstanceNorm3d(2)(dn.tensor(np.ones((1, 2, 2, 2, 2)))).shape
        (1, 2, 2, 2, 2)
    """

    _dims = 3


__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm"]
