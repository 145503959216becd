r"""Root-mean-square layer normalization (Zhang & Sennrich 2019), as ``torch.nn.functional.rms_norm``.

Layer normalization re-centres and re-scales; RMSNorm keeps only the re-scaling, by the root mean
square of the values over the normalized axes:

$$
y = \frac{x}{\sqrt{\frac{1}{n} \sum_i x_i^2 + \epsilon}} \odot \gamma
$$

Built from the Tensor's own operations (square, mean, power, products), so its gradient is the
autograd engine's; there is no hand-written backward to get wrong.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.normalization import _float_input, _normalized_shape, _param


def rms_norm(input: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None) -> Tensor:
    r"""Divide each sample by its root mean square over the last axes and scale by $\gamma$.

    $$
    y = \frac{x}{\sqrt{\frac{1}{n} \sum_i x_i^2 + \epsilon}} \odot \gamma
    $$

    with the mean over the trailing axes of shape ``normalized_shape`` ($n$ values), separately
    for every leading index.

    Args:
        input: $x$ of shape $(*, \text{normalized\_shape})$.
        normalized_shape: the sizes of the trailing axes to normalize over (an int or a tuple).
        weight: $\gamma$ of shape ``normalized_shape``, or None.
        eps: $\epsilon \ge 0$; None (PyTorch's default) takes the machine epsilon of the input's
            dtype, ``finfo(dtype).eps``.

    Raises:
        ValueError: the input's trailing axes are not ``normalized_shape``, ``weight`` has
            another shape, or ``eps`` is negative.

    Shape:
        - input: $(*, \text{normalized\_shape})$.
        - output: the input's shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.rms_norm(dn.tensor([[3.0, 4.0]]), 2, eps=0.0).array.astype(float).round(4).tolist()
        [[0.8485, 1.1314]]
    """
    owner = "rms_norm"
    x = _float_input(input, owner)
    shape = _normalized_shape(normalized_shape, owner)
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape) :]) != shape:
        raise ValueError(
            f"{owner}: expected an input whose last axes are normalized_shape={shape}, got shape {tuple(x.shape)}"
        )
    eps = float(np.finfo(x.dtype).eps) if eps is None else check.number(eps, "eps", owner, low=0)
    gamma = _param(weight, shape, "weight", owner)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean_square = (x * x).mean(dim=axes, keepdim=True)
    y = x * (mean_square + eps) ** -0.5
    return y if gamma is None else y * gamma
