r"""Layer, group and instance normalization: batch normalization's formula over other axes.

All three normalize groups of values to zero mean and unit (biased) variance and then apply a
learned per-element or per-channel scale $\gamma$ and shift $\beta$:

$$
\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta
$$

They differ only in which values share $\mu$ and $\sigma^2$:

| op | one group is | shape of $\gamma$, $\beta$ |
|---|---|---|
| ``layer_norm`` | the last ``len(normalized_shape)`` axes of one sample | ``normalized_shape`` |
| ``group_norm`` | one sample's $C / G$ channels of a group, all positions | $(C,)$ |
| ``instance_norm`` | one sample's channel, all positions | $(C,)$ |

Each one reshapes its input so that every group becomes one channel of a
$(1, \text{groups}, \text{values})$ array and calls the batch-norm ``Function``
(``deltanet.functional.batchnorm.BatchNorm``) on it, so the forward and the hand-written backward
are those of batch normalization (Ioffe & Szegedy 2015, section 3):

$$
\frac{\partial L}{\partial x} = \frac{1}{m \sqrt{\sigma^2 + \epsilon}}
\Big(m \hat\delta - \sum \hat\delta - \hat x \sum \hat\delta \hat x\Big)
$$

with $m$ the size of a group. The affine step is done after the reshape back, with broadcasting
products whose gradients the autograd engine already knows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.functional.batchnorm import BatchNorm


def _float_input(x: Any, owner: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor._make(x)
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: expected a floating-point input, got dtype {x.dtype}")
    return x


def _param(value: Any, shape: tuple[int, ...], name: str, owner: str) -> Tensor | None:
    if value is None:
        return None
    value = value if isinstance(value, Tensor) else Tensor._make(value)
    if tuple(value.shape) != shape:
        raise ValueError(f"{owner}: {name} must have shape {shape}, got shape {tuple(value.shape)}")
    return value


def _normalize_rows(x: Tensor, rows: int, eps: float, per_sample: int | None, **stats: Any) -> Tensor:
    r"""$\hat x$ of ``x`` viewed as ``rows`` groups (the channels of batch norm), in ``x``'s shape.

    ``per_sample`` is ``rows`` divided by the batch size when every group lies within one sample
    of axis 0, else None: the ONNX export reads it to keep the batch axis dynamic
    (``deltanet.onnx.recorders``)."""
    if x.size == 0:
        return x * 1.0  # nothing to normalize (and no mean of an empty group to take)
    values = x.size // rows
    z = BatchNorm.apply(
        x.reshape(1, rows, values),
        has_weight=False,
        has_bias=False,
        eps=eps,
        **{"running_mean": None, "running_var": None, "training": True, "momentum": 0.0, **stats},
    )
    return z.reshape(x.shape)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]) -> Tensor:
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    r"""Layer normalization (Ba, Kiros & Hinton 2016): each sample normalized over its last axes.

    $$
    y = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$ and $\sigma^2$ (biased) over the trailing axes given by ``normalized_shape``,
    separately for every leading index, in training and evaluation alike, as
    ``torch.nn.functional.layer_norm``.

    Args:
        input: $x$ of shape $(*, \text{normalized\_shape})$.
        normalized_shape: the sizes of the trailing axes to normalize over (an int or a tuple).
        weight: $\gamma$ of shape ``normalized_shape``, or None.
        bias: $\beta$ of shape ``normalized_shape``, or None.
        eps: $\epsilon > 0$ added to the variance.

    Raises:
        ValueError: the input's trailing axes are not ``normalized_shape``, or a parameter's
            shape does not match.

    Shape:
        - input: $(*, \text{normalized\_shape})$.
        - output: the input's shape.

    Examples:
        >>> import deltanet as dn
        >>> y = dn.functional.layer_norm(dn.tensor([[1.0, 3.0], [2.0, 6.0]]), 2, eps=0.0)
        >>> y.array.tolist()
        [[-1.0, 1.0], [-1.0, 1.0]]
    """
    owner = "layer_norm"
    x = _float_input(input, owner)
    shape = _normalized_shape(normalized_shape, owner)
    eps = check.number(eps, "eps", owner, low=0)
    if x.shape[x.ndim - len(shape) :] != shape or x.ndim < len(shape):
        raise ValueError(
            f"{owner}: expected an input whose last axes are normalized_shape={shape}, got shape {x.shape}"
        )
    gamma = _param(weight, shape, "weight", owner)
    beta = _param(bias, shape, "bias", owner)
    rows = math.prod(x.shape[: x.ndim - len(shape)])
    lead = x.ndim - len(shape)
    per_sample = math.prod(x.shape[1:lead]) if lead else None
    return _affine(_normalize_rows(x, rows, eps, per_sample), gamma, beta, shape)


def _normalized_shape(value: Any, owner: str) -> tuple[int, ...]:
    sizes = (value,) if isinstance(value, (int, np.integer)) else value
    try:
        shape = tuple(check.integer(s, "normalized_shape", owner, low=1) for s in sizes)
    except (TypeError, ValueError):
        raise check.fail(owner, "normalized_shape", "a positive integer or a tuple of them", value) from None
    if not shape:
        raise check.fail(owner, "normalized_shape", "a positive integer or a non-empty tuple of them", value)
    return shape


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    r"""Group normalization (Wu & He 2018): the channels of each sample split into groups, each normalized.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}} + \beta_c
    $$

    where $\mu_{ng}$, $\sigma^2_{ng}$ (biased) are over the $C / G$ channels of group $g$ of
    sample $n$ and all their positions; independent of the batch size, as
    ``torch.nn.functional.group_norm``. One group is layer normalization over $(C, *)$; $G = C$ is
    instance normalization.

    Args:
        input: $x$ of shape $(N, C, *)$.
        num_groups: $G$, a divisor of $C$.
        weight: $\gamma$ of shape $(C,)$, or None.
        bias: $\beta$ of shape $(C,)$, or None.
        eps: $\epsilon > 0$ added to the variance.

    Raises:
        ValueError: the input has fewer than 2 axes, $G$ does not divide $C$, or a parameter's
            shape does not match.

    Shape:
        - input: $(N, C, *)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 3.0], [10.0, 30.0]]]))   # (N, C, L) = (1, 2, 2)
        >>> dn.functional.group_norm(x, 2, eps=0.0).data.tolist()
        [[[-1.0, 1.0], [-1.0, 1.0]]]
    """
    owner = "group_norm"
    x = _float_input(input, owner)
    if x.ndim < 2:
        raise ValueError(f"{owner}: expected an input of shape (N, C, *) with at least 2 axes, got shape {x.shape}")
    channels = x.shape[1]
    groups = check.integer(num_groups, "num_groups", owner, low=1)
    if channels % groups:
        raise ValueError(f"{owner}: num_groups={groups} must divide the {channels} channels of the input {x.shape}")
    if x.shape[0] * channels // groups * math.prod(x.shape[2:]) == 1:  # PyTorch's test (_verify_batch_size)
        raise ValueError(f"{owner}: Expected more than 1 value per channel when training, got input size {x.shape}")
    eps = check.number(eps, "eps", owner, low=0)
    gamma = _param(weight, (channels,), "weight", owner)
    beta = _param(bias, (channels,), "bias", owner)
    y = _normalize_rows(x, x.shape[0] * groups, eps, groups)
    return _affine(y, gamma, beta, (1, channels) + (1,) * (x.ndim - 2))


def instance_norm(
    input: Any,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Instance normalization (Ulyanov et al. 2016): each channel of each sample normalized over its positions.

    $$
    y_{nc} = \gamma_c \, \frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + \beta_c
    $$

    with $\mu_{nc}$, $\sigma^2_{nc}$ (biased) over the positions of channel $c$ of sample $n$, as
    ``torch.nn.functional.instance_norm``. With running statistics and ``use_input_stats``, each
    running statistic $r$ is updated in place with the average over the batch of the per-sample
    values $s$: $r \leftarrow (1 - \text{momentum}) \, r + \text{momentum} \cdot \bar s$ (the
    unbiased variance for ``running_var``); with ``use_input_stats=False`` the running statistics
    normalize instead.

    Args:
        input: $x$ of shape $(N, C, *)$ with at least one spatial axis.
        running_mean: Tensor or array of shape $(C,)$ updated in place, or None.
        running_var: Tensor or array of shape $(C,)$ updated in place, or None.
        weight: $\gamma$ of shape $(C,)$, or None.
        bias: $\beta$ of shape $(C,)$, or None.
        use_input_stats: normalize with each instance's statistics (True) or the running ones.
        momentum: weight of the new statistics in the running averages, in $[0, 1]$.
        eps: $\epsilon > 0$ added to the variance.

    Raises:
        ValueError: the input has no spatial axis, a shape does not match, only one running
            statistic is given, or ``use_input_stats=False`` has none.

    Shape:
        - input: $(N, C, *)$.
        - output: the input's shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 3.0], [10.0, 30.0]]]))
        >>> dn.functional.instance_norm(x, eps=0.0).data.tolist()
        [[[-1.0, 1.0], [-1.0, 1.0]]]
    """
    owner = "instance_norm"
    x = _float_input(input, owner)
    if x.ndim < 3:
        raise ValueError(
            f"{owner}: expected an input of shape (N, C, *spatial) with a spatial axis, got shape {x.shape}"
        )
    n, channels = x.shape[:2]
    use_input_stats = check.flag(use_input_stats, "use_input_stats", owner)
    momentum = check.number(momentum, "momentum", owner, low=0, high=1)
    eps = check.number(eps, "eps", owner, low=0)
    gamma = _param(weight, (channels,), "weight", owner)
    beta = _param(bias, (channels,), "bias", owner)
    mean = running_mean.array if isinstance(running_mean, Tensor) else running_mean
    var = running_var.array if isinstance(running_var, Tensor) else running_var
    for name, value in (("running_mean", mean), ("running_var", var)):
        if value is not None and np.shape(value) != (channels,):
            raise ValueError(f"{owner}: {name} must have shape ({channels},), got shape {np.shape(value)}")
    if (mean is None) != (var is None):
        raise ValueError(f"{owner}: give both running_mean and running_var, or neither")
    if not use_input_stats and mean is None:
        raise ValueError(f"{owner}: use_input_stats=False normalizes with running_mean and running_var, got None")
    if use_input_stats and math.prod(x.shape[2:]) == 1:
        # As PyTorch, with or without running statistics: one position normalizes to 0 (bias alone).
        raise ValueError(f"{owner}: expected more than 1 spatial element when training, got input size {x.shape}")
    stats: dict[str, Any] = {}
    if mean is not None:
        # One copy of the statistics per sample, as batch norm sees each (n, c) as a channel;
        # their average over the batch is the update, as in PyTorch.
        tiled_mean, tiled_var = np.tile(mean, n), np.tile(var, n)
        stats = {"running_mean": tiled_mean, "running_var": tiled_var, "momentum": momentum}
        stats["training"] = use_input_stats
    y = _normalize_rows(x, n * channels, eps, channels, **stats)
    if mean is not None and use_input_stats and n:
        mean[...] = tiled_mean.reshape(n, channels).mean(axis=0)
        var[...] = tiled_var.reshape(n, channels).mean(axis=0)
        # PyTorch writes them with copy_: a Tensor's version goes up (a graph that saved it sees it).
        changed_in_place(t for t in (running_mean, running_var) if isinstance(t, Tensor))
    return _affine(y, gamma, beta, (1, channels) + (1,) * (x.ndim - 2))


__all__ = ["group_norm", "instance_norm", "layer_norm"]
