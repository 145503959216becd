r"""Batch normalization layers (Ioffe & Szegedy 2015): ``BatchNorm1d``, ``BatchNorm2d``,
``BatchNorm3d``.

They differ only in the input ranks they accept; the work is done by
``deltanet.functional.batch_norm``, which normalizes every channel (axis 1) over all other
axes. Parameters ``weight`` ($\gamma$, ones) and ``bias`` ($\beta$, zeros) and buffers
``running_mean``, ``running_var`` and ``num_batches_tracked`` carry PyTorch's names, so the
``state_dict`` of a PyTorch batch-norm layer, converted to NumPy, loads as it is. The buffers are
Tensors that require no gradient, as PyTorch's (``bn.running_mean.clone()``, ``.numpy()``,
``.zero_()``), and are updated in place: a ``state_dict()`` taken before, or any reference to
them, sees the live values.

In training mode a layer normalizes with the batch statistics and updates the running ones;
in evaluation mode (``model.eval()``) it normalizes with the running statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.functional.batchnorm import batch_norm
from deltanet.nn.module import Module, Parameter


def affine_parameters(
    shape: Any, learn: bool, with_bias: bool, dtype: Any
) -> tuple[Parameter | None, Parameter | None]:
    r"""A normalization layer's scale $\gamma$ (``weight``, ones) and shift $\beta$ (``bias``, zeros)
    of ``shape``: the identity transform to start with; None for each that is not learned."""
    weight = Parameter(np.ones(shape, dtype=dtype)) if learn else None
    bias = Parameter(np.zeros(shape, dtype=dtype)) if learn and with_bias else None
    return weight, bias


def register_running_statistics(module: Module, num_features: int, track: bool, dtype: Any) -> None:
    """Register PyTorch's buffers ``running_mean`` (zeros), ``running_var`` (ones) and
    ``num_batches_tracked`` (an int64 0) on ``module``, Tensors without gradient; all three None
    when it does not ``track`` them."""
    if track:
        module.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype=dtype)))
        module.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype=dtype)))
        module.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64)))
    else:
        module.register_buffer("running_mean", None)
        module.register_buffer("running_var", None)
        module.register_buffer("num_batches_tracked", None)


class _BatchNorm(Module):
    """Shared base: parameters, buffers, validation and forward; subclasses set the ranks."""

    _ranks: tuple[int, ...] = ()
    # Registered parameters and buffers: weight and bias are None when affine is False, the
    # buffers when track_running_stats is False, and every use is guarded by that flag
    # (declared for the type checker only).
    weight: Parameter
    bias: Parameter
    running_mean: Tensor
    running_var: Tensor
    num_batches_tracked: Tensor
    _shapes: str = ""
    _optional_state = ("num_batches_tracked",)  # PyTorch loads dicts without it

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.eps = check.number(eps, "eps", name, low=0, low_open=True)
        self.momentum = check.optional_number(
            momentum, "momentum", name, none="None for a cumulative average", low=0, high=1
        )
        self.num_features = check.integer(num_features, "num_features", name, low=1)
        self.affine = check.flag(affine, "affine", name)
        self.track_running_stats = check.flag(track_running_stats, "track_running_stats", name)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, name)
        weight, bias = affine_parameters(self.num_features, self.affine, True, dtype)
        self.register_parameter("weight", weight)
        self.register_parameter("bias", bias)
        register_running_statistics(self, self.num_features, self.track_running_stats, dtype)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen (in place, as PyTorch's ``zero_()``
        and ``fill_(1)``: each buffer's version goes up)."""
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0
            changed_in_place((self.running_mean, self.running_var, self.num_batches_tracked))

    def reset_parameters(self) -> None:
        r"""$\gamma = 1$ and $\beta = 0$ (the identity transform), and fresh running statistics."""
        self.reset_running_stats()
        if self.affine:
            self.weight.array[...] = 1
            self.bias.array[...] = 0
            changed_in_place((self.weight, self.bias))  # as PyTorch's init.ones_ and zeros_

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in self._ranks or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected input of shape "
                f"{self._shapes} with C = {self.num_features} channels, got shape {tuple(x.shape)}"
            )

    def forward(self, x: Tensor) -> Tensor:
        try:
            return self._forward(x)
        except ValueError as error:
            message = str(error)
            raise ValueError(
                message if message.startswith(f"{type(self).__name__}(") else f"{self!r}: {message}"
            ) from None

    def _forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor._make(x)
        self._check_input(x)
        update = self.training and self.track_running_stats
        count = update and self.num_batches_tracked is not None
        # momentum=None: running = mean of all batch statistics so far (PyTorch's rule; 0 without a counter).
        momentum = 0.0 if self.momentum is None else self.momentum
        if count and self.momentum is None:
            momentum = 1.0 / (int(self.num_batches_tracked.array) + 1)
        # Evaluation without running statistics (none kept, or both set to None) uses the batch's.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        y = self._normalize(x, update, use_batch, momentum)
        if count:
            # In place, as PyTorch's add_(1) (its version goes up); unlike PyTorch's, only once the
            # batch was normalized, so that a refused batch is not counted.
            self.num_batches_tracked.array += 1
            changed_in_place((self.num_batches_tracked,))
        return y

    def _normalize(self, x: Tensor, update: bool, use_batch: bool, momentum: float) -> Tensor:
        """``batch_norm`` with the batch's statistics (``use_batch``) or the running ones, updating
        the running ones in place when ``update`` (written without a version bump, as PyTorch's kernel)."""
        running = update or not self.training
        mean, var = (self.running_mean, self.running_var) if running else (None, None)
        return batch_norm(
            x,
            None if mean is None else mean.array,
            None if var is None else var.array,
            self.weight,
            self.bias,
            training=use_batch,
            momentum=momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization of $(N, C)$ features or $(N, C, L)$ sequences, per channel.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$, $\sigma^2$ the mean and (biased) variance of the channel over the batch (and
    positions) in training, and the running statistics in evaluation. After each training batch
    $\text{running} \leftarrow (1 - \text{momentum}) \cdot \text{running} + \text{momentum} \cdot \text{batch value}$
    (the unbiased variance for ``running_var``).

    Args:
        num_features: $C$, the number of channels (features).
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            average over all batches seen.
        affine: learn $\gamma$ (``weight``) and $\beta$ (``bias``).
        track_running_stats: keep ``running_mean``/``running_var`` for evaluation; without them
            the batch statistics are used in both modes.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, C)$ or $(N, C, L)$.
        - output: the same shape.
        - weight, bias, running_mean, running_var: $(C)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> bn = dn.nn.BatchNorm1d(2)
        >>> y = bn(dn.tensor(np.array([[1.0, 10.0], [3.0, 30.0]])))
        >>> np.round(y.array, 3).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ranks = (2, 3)
    _shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization of $(N, C, H, W)$ feature maps, per channel over the batch and the positions.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$, $\sigma^2$ over the $N \cdot H \cdot W$ values of each channel (see ``BatchNorm1d``
    for the running statistics).

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            average.
        affine: learn $\gamma$ (``weight``) and $\beta$ (``bias``).
        track_running_stats: keep running statistics for evaluation.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, C, H, W)$.
        - output: $(N, C, H, W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.BatchNorm2d(3)(dn.tensor(np.ones((2, 3, 4, 4)))).shape
        (2, 3, 4, 4)
    """

    _ranks = (4,)
    _shapes = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    r"""Batch normalization of $(N, C, D, H, W)$ volumes, per channel over the batch and the positions.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$, $\sigma^2$ over the $N \cdot D \cdot H \cdot W$ values of each channel (see
    ``BatchNorm1d`` for the running statistics).

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            average.
        affine: learn $\gamma$ (``weight``) and $\beta$ (``bias``).
        track_running_stats: keep running statistics for evaluation.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, C, D, H, W)$.
        - output: $(N, C, D, H, W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.BatchNorm3d(2)(dn.tensor(np.ones((2, 2, 3, 3, 3)))).shape
        (2, 2, 3, 3, 3)
    """

    _ranks = (5,)
    _shapes = "(N, C, D, H, W)"
