r"""Power-average pooling (LP pooling): the $p$-norm of each window, PyTorch's ``lp_pool*d``.

$$
a = \Big( \sum_{\text{window}} x^p \Big)^{1/p}
$$

computed as PyTorch does, from average pooling of $x^p$ times the window size, so that the
numbers and the edge cases agree: a window whose sum is 0 gives 0 and the gradient 0 there (not
$0 \cdot \infty$), a negative sum gives NaN for fractional $1/p$, $p = \infty$ is max pooling
of $|x|$ and $p = 1$ sum pooling. There is no padding; ``ceil_mode`` keeps a last, partial window.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, where
from deltanet.functional.conv import _ntuple
from deltanet.functional.pooling import _avg_pool, _max_pool


def _lp_pool(x: Any, norm_type: Any, kernel_size: Any, stride: Any, ceil_mode: Any, dims: int) -> Tensor:
    op = f"lp_pool{dims}d"
    x = as_tensor(x, owner=op)
    p = check.number(norm_type, "norm_type", op, finite=False)
    if p == 0 or math.isnan(p):
        raise check.fail(op, "norm_type", "a nonzero number (math.inf for max pooling of |x|)", norm_type)
    kernel = _ntuple(kernel_size, dims, "kernel_size", op, 1)
    if p == math.inf:
        return _max_pool(x.abs(), kernel_size, stride, 0, dims, ceil_mode)
    if p == -math.inf:
        return -_max_pool(-x.abs(), kernel_size, stride, 0, dims, ceil_mode)
    total = _avg_pool(x.pow(p), kernel_size, stride, 0, True, dims, ceil_mode).mul(math.prod(kernel))
    if p < 0:
        return total.pow(1.0 / p)
    # PyTorch's sign(s) * relu(|s|) makes the gradient 0 (not 0 * inf) where a window sums to 0.
    zero = total.array == 0
    return where(zero, 0.0, where(zero, 1.0, total).pow(1.0 / p))


def lp_pool2d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    r"""2-D power-average pooling, as ``torch.nn.functional.lp_pool2d``.

    $$
    a_{n,c,i,j} = \Big( \sum_{u < k_H,\ v < k_W} x_{n,c,\, i s + u,\, j s + v}^{\,p} \Big)^{1/p}
    $$

    Args:
        input: $(N, C, H, W)$.
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$, an int or $(k_H, k_W)$.
        stride: $s$; defaults to kernel_size.
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, H_{out}, W_{out})$, as for average pooling without padding.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[3.0, 4.0], [0.0, 0.0]]]]))
        >>> dn.functional.lp_pool2d(x, 2, 2).data.tolist()
        [[[[5.0]]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool1d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    r"""1-D power-average pooling, as ``torch.nn.functional.lp_pool1d``.

    $$
    a_{n,c,i} = \Big( \sum_{u < k} x_{n,c,\, i s + u}^{\,p} \Big)^{1/p}
    $$

    Args:
        input: $(N, C, L)$.
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$.
        stride: $s$; defaults to kernel_size.
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, L_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.functional.lp_pool1d(dn.tensor(np.array([[[1.0, 2.0, 2.0, 1.0]]])), 1, 2).data.tolist()
        [[[3.0, 3.0]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool3d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    r"""3-D power-average pooling, as ``torch.nn.functional.lp_pool3d``.

    $$
    a_{n,c,\mathbf{i}} = \Big( \sum_{\mathbf{u}} x_{n,c,\, s \mathbf{i} + \mathbf{u}}^{\,p} \Big)^{1/p}
    $$

    Args:
        input: $(N, C, D, H, W)$.
        norm_type: $p$, nonzero; ``math.inf`` gives max pooling of $|x|$.
        kernel_size: $k$, an int or $(k_D, k_H, k_W)$.
        stride: $s$; defaults to kernel_size.
        ceil_mode: keep a last, partial window.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.functional.lp_pool3d(dn.tensor(np.ones((1, 1, 2, 2, 2))), 2, 2).data.ravel().tolist()
        [2.8284271247461903]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)
