r"""Batch normalization (Ioffe & Szegedy 2015) as one fused op with a hand-written backward.

Each channel $c$ (axis 1) is normalized over every other axis: the batch, and for convolutional
inputs the positions, so $(N, C)$, $(N, C, L)$, $(N, C, H, W)$ and $(N, C, D, H, W)$ all work.
With $m = N \cdot \prod \text{spatial}$ values per channel, in training:

$$
\mu = \frac{1}{m} \sum x, \qquad \sigma^2 = \frac{1}{m} \sum (x - \mu)^2, \qquad
\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta
$$

($\sigma^2$ is the biased batch variance), and the running statistics are updated in place, as
PyTorch does (with the unbiased variance):

$$
\begin{aligned}
\text{running\_mean} &\leftarrow (1 - \text{momentum}) \cdot \text{running\_mean} + \text{momentum} \cdot \mu \\
\text{running\_var} &\leftarrow (1 - \text{momentum}) \cdot \text{running\_var}
    + \text{momentum} \cdot \sigma^2 \frac{m}{m - 1}
\end{aligned}
$$

In evaluation $\hat x = (x - \text{running\_mean}) / \sqrt{\text{running\_var} + \epsilon}$: the
output of a sample no longer depends on the rest of its batch.

Backward (Ioffe & Szegedy 2015, section 3), with $\delta = \partial L / \partial y$ and sums over
the $m$ values of a channel:

$$
\frac{\partial L}{\partial \gamma} = \sum \delta \hat x, \qquad
\frac{\partial L}{\partial \beta} = \sum \delta, \qquad
\hat\delta = \delta \gamma, \qquad
\frac{\partial L}{\partial x} = \frac{1}{m \sqrt{\sigma^2 + \epsilon}}
\Big(m \hat\delta - \sum \hat\delta - \hat x \sum \hat\delta \hat x\Big)
$$

The two subtracted sums are the paths through $\mu$ and $\sigma^2$, which every value of the
channel shares. In evaluation $\mu$ and $\sigma^2$ are constants, and
$\partial L / \partial x = \delta \gamma / \sqrt{\text{running\_var} + \epsilon}$.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd import Function, Tensor


class BatchNorm(Function):
    r"""$y = \gamma \hat x + \beta$ over axis 1 (see the module docstring for the formulas)."""

    def forward(
        self,
        x: np.ndarray,
        *params: np.ndarray,
        has_weight: bool,
        has_bias: bool,
        running_mean: np.ndarray | None,
        running_var: np.ndarray | None,
        training: bool,
        momentum: float,
        eps: float,
    ) -> np.ndarray:
        gamma = params[0] if has_weight else None
        beta = params[-1] if has_bias else None
        axes = (0,) + tuple(range(2, x.ndim))
        channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # how a (C,) vector broadcasts
        self.axes, self.channel, self.training = axes, channel, training
        self.has_weight, self.has_bias = has_weight, has_bias
        gamma_b = None if gamma is None else gamma.reshape(channel)

        if training and x.size == 0:
            # An empty batch has no statistics: the output is empty and the running ones stay, as PyTorch's.
            x_hat, inv_std = x.copy(), np.ones(channel, dtype=x.dtype)
            self.save_for_backward(x_hat, inv_std, gamma_b)
            y = x_hat
        elif training:
            m = x.size // max(x.shape[1], 1)
            mu = x.mean(axis=axes, keepdims=True)
            x_hat = x - mu
            var = np.mean(x_hat * x_hat, axis=axes, keepdims=True)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat *= inv_std
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mu.reshape(-1)
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * m / (m - 1)) * var.reshape(-1)
            self.save_for_backward(x_hat, inv_std, gamma_b)
            y = x_hat * gamma_b if gamma_b is not None else x_hat.copy()
        else:
            # Evaluation with running statistics: nn.BatchNorm passes them whenever training is False.
            assert running_mean is not None and running_var is not None
            inv_std = 1.0 / np.sqrt(running_var.reshape(channel) + eps)
            mean = running_mean.reshape(channel)
            # x is only kept to rebuild x_hat for dL/dgamma; keeping it costs no copy.
            keep_x = x if (has_weight and self.needs_input_grad[1]) else None
            self.save_for_backward(keep_x, mean, inv_std, gamma_b)
            scale = inv_std if gamma_b is None else gamma_b * inv_std
            y = (x - mean) * scale
        if beta is not None:
            y += beta.reshape(channel)
        return y

    def backward(self, delta: np.ndarray) -> tuple:
        needs = self.needs_input_grad
        axes = self.axes
        grads: list[Any] = [None]
        if self.training:
            x_hat, inv_std, gamma_b = self.saved_tensors
            if needs[0]:
                m = max(delta.size // max(delta.shape[1], 1), 1)  # an empty batch: an empty gradient
                delta_hat = delta * gamma_b if gamma_b is not None else delta
                sum_delta_hat = delta_hat.sum(axis=axes, keepdims=True)
                sum_delta_hat_x_hat = np.sum(delta_hat * x_hat, axis=axes, keepdims=True)
                grads[0] = (inv_std / m) * (m * delta_hat - sum_delta_hat - x_hat * sum_delta_hat_x_hat)
            if self.has_weight:
                grads.append(np.sum(delta * x_hat, axis=axes) if needs[1] else None)
        else:
            x, mean, inv_std, gamma_b = self.saved_tensors
            if needs[0]:
                grads[0] = delta * (inv_std if gamma_b is None else gamma_b * inv_std)
            if self.has_weight:
                x_hat = (x - mean) * inv_std if needs[1] else None
                grads.append(np.sum(delta * x_hat, axis=axes) if needs[1] else None)
        if self.has_bias:
            grads.append(delta.sum(axis=axes) if needs[-1] else None)
        return tuple(grads)


def _as_array(value: Any) -> np.ndarray | None:
    return value.array if isinstance(value, Tensor) else value


def check_per_channel(x: Tensor, running_mean: Any, running_var: Any, weight: Any, bias: Any, owner: str) -> None:
    """Raise ValueError naming ``owner`` unless each of the four given is one value per channel of
    ``x`` (axis 1), and the running statistics come both or not at all."""
    channels = x.shape[1]
    for name, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if value is not None and tuple(value.shape) != (channels,):
            raise ValueError(
                f"{owner}: {name} must have shape ({channels},), one value per channel of "
                f"the input of shape {x.shape}, got shape {tuple(value.shape)}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{owner}: give both running_mean and running_var, or neither")


def batch_norm(
    x: Tensor,
    running_mean: Tensor | np.ndarray | None,
    running_var: Tensor | np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Normalize each channel (axis 1) to zero mean and unit variance, then scale by $\gamma$ and shift by $\beta$.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    as ``torch.nn.functional.batch_norm``. In training $\mu$ and $\sigma^2$ are the batch mean and
    biased variance over every axis but 1, and each running statistic $r$ (when given) is updated
    in place with its batch value $s$ as $r \leftarrow (1 - \text{momentum}) \, r + \text{momentum} \cdot s$
    (the unbiased variance for ``running_var``). In evaluation $\mu$ and $\sigma^2$ are the running
    statistics. ``momentum`` here is the factor itself; ``nn.BatchNorm1d(momentum=None)`` passes
    $1/\text{num\_batches\_tracked}$ to get a cumulative average.

    Args:
        x: input of shape (N, C, *spatial), floating-point.
        running_mean, running_var: Tensors (a layer's buffers) or NumPy arrays of shape (C,),
            updated in place in training (their memory, as PyTorch's kernel: no version bump);
            None to use batch statistics only (training must then be True).
        weight, bias: $\gamma$ and $\beta$ of shape (C,), or None for no scale or no shift.
        training: batch statistics (True) or running statistics (False).
        momentum: weight of the new batch in the running averages, in $[0, 1]$.
        eps: $\epsilon \ge 0$ added to the variance, so a constant channel does not divide by 0.

    Raises:
        ValueError: a shape does not match the channels, only one of the running statistics is
            given, evaluation has none, or a training channel holds a single value.

    Shape:
        - input: $(N, C, *)$.
        - running_mean, running_var, weight, bias: $(C,)$.
        - output: $(N, C, *)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> mean, var = dn.zeros(2, dtype=dn.float64), dn.ones(2, dtype=dn.float64)
        >>> y = dn.functional.batch_norm(x, mean, var, training=True, eps=0.0)
        >>> y.array.tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> mean.tolist(), var.tolist()
        ([0.2, 2.0], [1.1, 20.9])
    """
    if not isinstance(x, Tensor):
        x = Tensor._make(x)
    if x.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of shape (N, C, *spatial) with at least 2 axes, got shape {x.shape}"
        )
    if x.dtype.kind != "f":
        raise ValueError(f"batch_norm: expected a floating-point input, got dtype {x.dtype}")
    running_mean, running_var = _as_array(running_mean), _as_array(running_var)
    check_per_channel(x, running_mean, running_var, weight, bias, "batch_norm")
    if not training and running_mean is None:
        raise ValueError(
            "batch_norm: evaluation (training=False) normalizes with running_mean and "
            "running_var, got None; pass them, or training=True to use batch statistics"
        )
    if training and x.shape[0] * math.prod(x.shape[2:]) == 1:  # PyTorch's test: an empty batch passes
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
    if isinstance(momentum, bool) or not (
        isinstance(momentum, (int, float, np.integer, np.floating)) and 0.0 <= momentum <= 1.0
    ):
        raise ValueError(f"batch_norm: momentum must be a number in [0, 1], got {momentum!r}")
    if isinstance(eps, bool) or not (
        isinstance(eps, (int, float, np.integer, np.floating)) and math.isfinite(eps) and eps >= 0
    ):
        raise ValueError(f"batch_norm: eps must be a non-negative number, got {eps!r}")
    params = [t for t in (weight, bias) if t is not None]
    return BatchNorm.apply(
        x,
        *params,
        has_weight=weight is not None,
        has_bias=bias is not None,
        running_mean=running_mean,
        running_var=running_var,
        training=bool(training),
        momentum=float(momentum),
        eps=float(eps),
    )
