r"""Batch normalization whose batch statistics are those of the global batch, over every rank.

In data-parallel training each rank holds a share $x_r$ of the global batch. ``sync_batch_norm``
normalizes with the mean and variance of all shares together, by summing over the ranks (the
``reduce`` argument, one in-place sum over the ranks; ``nn.SyncBatchNorm`` passes MPI's), so that
the output is that of ``batch_norm`` on the whole batch. With $m_r$ values per channel on rank $r$
and $m = \sum_r m_r$:

$$
\mu = \frac{1}{m} \sum_r \sum x_r, \qquad \sigma^2 = \frac{1}{m} \sum_r \sum (x_r - \mu)^2, \qquad
\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta
$$

(two sums over the ranks, the second for a variance as exact as one process's). Backward: the
two sums of the batch-norm rule run over every rank's $\delta$ (one more sum over the ranks):

$$
\frac{\partial L}{\partial x} = \frac{1}{m \sqrt{\sigma^2 + \epsilon}}
\Big(m \hat\delta - \sum_{\text{ranks}} \sum \hat\delta - \hat x \sum_{\text{ranks}} \sum \hat\delta \hat x\Big),
\qquad \hat\delta = \delta \gamma
$$

where $L$ is the sum of the ranks' objectives (each rank backpropagates its share of the global
batch's loss, and the gradients are summed: ``deltanet.distributed.gradients``). The gradients
of $\gamma$ and $\beta$ are this rank's part, $\sum \delta \hat x$ and $\sum \delta$, which that
same sum adds up. With ``reduce=None`` (one rank) all of it is ``batch_norm`` in training mode,
bit for bit in the forward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor
from deltanet.functional.batchnorm import check_per_channel

Reduce = Callable[[np.ndarray], Any]


class SyncBatchNorm(Function):
    r"""$y = \gamma \hat x + \beta$ with the batch statistics of every rank (see the module docstring)."""

    def forward(
        self,
        x: np.ndarray,
        *params: np.ndarray,
        has_weight: bool,
        has_bias: bool,
        running_mean: np.ndarray | None,
        running_var: np.ndarray | None,
        momentum: float,
        eps: float,
        reduce: Reduce | None,
    ) -> np.ndarray:
        gamma = params[0] if has_weight else None
        beta = params[-1] if has_bias else None
        C = x.shape[1]
        axes = (0,) + tuple(range(2, x.ndim))
        channel = (1, C) + (1,) * (x.ndim - 2)
        self.axes, self.reduce, self.has_weight, self.has_bias = axes, reduce, has_weight, has_bias
        sums = np.empty(C + 1, dtype=x.dtype)
        sums[:C] = x.sum(axis=axes)
        sums[C] = x.size // max(C, 1)
        if reduce is not None:
            reduce(sums)
        m = float(sums[C])
        if m <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got {int(m)} over all ranks")
        x_hat = x - (sums[:C] / m).reshape(channel)
        squares = np.sum(x_hat * x_hat, axis=axes)
        if reduce is not None:
            reduce(squares)
        var = squares / m
        inv_std = (1.0 / np.sqrt(var + eps)).reshape(channel)
        x_hat *= inv_std
        if running_mean is not None and running_var is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * (sums[:C] / m)
            running_var *= 1.0 - momentum
            running_var += (momentum * m / (m - 1)) * var
        gamma_b = None if gamma is None else gamma.reshape(channel)
        self.save_for_backward(x_hat, inv_std, gamma_b)
        self.m = m
        y = x_hat * gamma_b if gamma_b is not None else x_hat.copy()
        if beta is not None:
            y += beta.reshape(channel)
        return y

    def backward(self, delta: np.ndarray) -> tuple:
        x_hat, inv_std, gamma_b = self.saved_tensors
        needs, axes, m = self.needs_input_grad, self.axes, self.m
        grads: list[Any] = [None]
        if needs[0]:  # the same on every rank: each calls the sum below, or none does
            delta_hat = delta * gamma_b if gamma_b is not None else delta
            C = delta.shape[1]
            sums = np.empty(2 * C, dtype=delta.dtype)
            sums[:C] = delta_hat.sum(axis=axes)
            sums[C:] = np.sum(delta_hat * x_hat, axis=axes)
            if self.reduce is not None:
                self.reduce(sums)
            channel = inv_std.shape
            grads[0] = (inv_std / m) * (m * delta_hat - sums[:C].reshape(channel) - x_hat * sums[C:].reshape(channel))
        if self.has_weight:
            grads.append(np.sum(delta * x_hat, axis=axes) if needs[1] else None)
        if self.has_bias:
            grads.append(delta.sum(axis=axes) if needs[-1] else None)
        return tuple(grads)


def sync_batch_norm(
    x: Tensor,
    running_mean: Tensor | np.ndarray | None,
    running_var: Tensor | np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    momentum: float = 0.1,
    eps: float = 1e-5,
    reduce: Reduce | None = None,
) -> Tensor:
    r"""Batch normalization in training mode with the statistics of the global batch over all ranks.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$, $\sigma^2$ the mean and biased variance of each channel over every rank's share
    (see the module docstring); the running statistics, when given, are updated in place with
    them, as ``batch_norm`` does.

    Args:
        x: this rank's input, shape (N, C, *spatial), floating-point.
        running_mean, running_var: Tensors or NumPy arrays of shape (C,), updated in place (no
            version bump, as ``batch_norm``), or None.
        weight, bias: $\gamma$ and $\beta$ of shape (C,), or None.
        momentum: weight of the new batch in the running averages, in $[0, 1]$.
        eps: $\epsilon \ge 0$ added to the variance.
        reduce: ``reduce(array)`` sums a float array over the ranks in place (every rank calls
            it with arrays of the same size, in the same order); None for one rank.

    Raises:
        ValueError: a shape does not match the channels, only one running statistic is given,
            a channel holds a single value over all ranks, or a bad ``momentum``/``eps``.

    Shape:
        - input: $(N, C, *)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.functional.sync_batchnorm import sync_batch_norm
        >>> x = dn.tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> sync_batch_norm(x, None, None, eps=0.0).data.tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
    """
    if not isinstance(x, Tensor):
        x = Tensor._make(x)
    if x.ndim < 2 or x.dtype.kind != "f":
        raise ValueError(
            f"sync_batch_norm: expected a floating-point input of shape (N, C, *spatial), got shape "
            f"{x.shape} of dtype {x.dtype}"
        )
    check_per_channel(x, running_mean, running_var, weight, bias, "sync_batch_norm")
    momentum = check.number(momentum, "momentum", "sync_batch_norm", low=0, high=1)
    eps = check.number(eps, "eps", "sync_batch_norm", low=0)
    if reduce is not None and not callable(reduce):
        raise check.fail("sync_batch_norm", "reduce", "None or a function that sums an array over the ranks", reduce)
    params = [t for t in (weight, bias) if t is not None]
    return SyncBatchNorm.apply(
        x,
        *params,
        has_weight=weight is not None,
        has_bias=bias is not None,
        running_mean=running_mean.array if isinstance(running_mean, Tensor) else running_mean,
        running_var=running_var.array if isinstance(running_var, Tensor) else running_var,
        momentum=momentum,
        eps=eps,
        reduce=reduce,
    )
