r"""``torch.nn.functional`` under its names and signatures: ``import deltanet.nn.functional as F``.

Everything of ``deltanet.functional`` is here (``F.relu``, ``F.conv2d``, ``F.cross_entropy``,
``F.pad``, ``F.interpolate``, ...). Where PyTorch's signature differs from deltanet's own
function, this module holds a thin wrapper with PyTorch's parameters, order and defaults that
calls it:

| function | what differs from ``deltanet.functional`` |
|---|---|
| ``softmax``, ``log_softmax`` | ``dim`` (PyTorch's implicit choice when None) instead of ``axis=-1`` |
| ``relu``, ``leaky_relu``, ``elu``, ``silu``, ``dropout*`` | ``inplace=True`` overwrites the input and returns it |
| the losses | positional ``weight``; ``size_average`` and ``reduce`` (deprecated in PyTorch) must be None |
| ``upsample`` | PyTorch's (``size`` first), an alias of ``interpolate`` |

An argument value deltanet does not implement (``dilation=2``, ``return_indices=True``, ...)
raises a ``ValueError`` naming it, never a silently different result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, clamp, norm, where
from deltanet.autograd.inplace import overwrite_with
from deltanet.functional import activations as _act
from deltanet.functional import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    affine_grid,
    batch_norm,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    dice_loss,
    embedding,
    fold,
    gelu,
    generalized_wasserstein_dice_loss,
    global_avg_pool,
    grid_sample,
    group_norm,
    hinge_loss,
    identity,
    instance_norm,
    interpolate,
    layer_norm,
    linear,
    local_response_norm,
    log_cosh_loss,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
    multi_head_attention_forward,
    one_hot,
    pad,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    scaled_dot_product_attention,
    sigmoid,
    softplus,
    step,
    tanh,
    unfold,
)
from deltanet.functional import losses as _losses
from deltanet.functional import pooling as _pool
from deltanet.functional.activations import implicit_softmax_dim
from deltanet.functional.ctc_loss import ctc_loss
from deltanet.functional.distance import bilinear, pairwise_distance
from deltanet.functional.dropout import dropout as _dropout
from deltanet.functional.dropout import dropout2d as _dropout2d
from deltanet.functional.dropout import dropout3d as _dropout3d
from deltanet.functional.dropout import dropout_in_place
from deltanet.functional.dropout_variants import alpha_dropout, dropout1d, feature_alpha_dropout
from deltanet.functional.embedding_bag import embedding_bag
from deltanet.functional.embedding_losses import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from deltanet.functional.gumbel_softmax import gumbel_softmax
from deltanet.functional.kl_div import kl_div as _kl_div
from deltanet.functional.likelihood_losses import gaussian_nll_loss, poisson_nll_loss
from deltanet.functional.pdist import pdist
from deltanet.functional.piecewise_activations import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    relu6,
    rrelu,
    softshrink,
    threshold,
)
from deltanet.functional.rms_norm import rms_norm
from deltanet.functional.smooth_activations import celu, logsigmoid, mish, selu, softsign, tanhshrink
from deltanet.nn.functional_inplace import celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu_, selu_, threshold_


def _inplace(inplace: Any, owner: str) -> bool:
    return check.flag(inplace, "inplace", owner)


def _legacy(size_average: Any, reduce: Any, owner: str) -> None:
    if size_average is not None or reduce is not None:
        raise ValueError(
            f"{owner}: size_average and reduce are deprecated in PyTorch and not supported; "
            f"use reduction='mean', 'sum' or 'none'"
        )


def _dim(input: Any, dim: Any, owner: str) -> int:
    axis = check.axis(dim, "dim", owner, none=True)
    if axis is None:
        ndim = as_tensor(input).ndim
        return implicit_softmax_dim(ndim)
    return axis


# -- activations ---------------------------------------------------------------------------------
def relu(input: Any, inplace: bool = False) -> Tensor:
    r"""$\max(0, z)$, elementwise (``deltanet.functional.relu`` with PyTorch's ``inplace``).

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it (``F.relu_``).

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> x = dn.tensor([-1.0, 2.0])
        >>> F.relu(x, inplace=True) is x, x.tolist()
        (True, [0.0, 2.0])
    """
    if _inplace(inplace, "relu"):
        return relu_(input)
    return _act.relu(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    r"""$z$ for $z > 0$, else $\text{negative\_slope} \cdot z$ (``deltanet.functional.leaky_relu``).

    Args:
        input: the pre-activation $z$.
        negative_slope: the slope for $z \le 0$.
        inplace: overwrite ``input`` with the result and return it (``F.leaky_relu_``).

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.leaky_relu(dn.tensor([-2.0]), 0.5).data.tolist()
        [-1.0]
    """
    if _inplace(inplace, "leaky_relu"):
        return leaky_relu_(input, negative_slope)
    return _act.leaky_relu(input, negative_slope)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""$z$ for $z > 0$, else $\alpha (e^z - 1)$ (``deltanet.functional.elu``).

    Args:
        input: the pre-activation $z$.
        alpha: $\alpha$.
        inplace: overwrite ``input`` with the result and return it (``F.elu_``).

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.elu(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """
    if _inplace(inplace, "elu"):
        return elu_(input, alpha)
    return _act.elu(input, alpha)


def silu(input: Any, inplace: bool = False) -> Tensor:
    r"""$z \, \sigma(z)$ (``deltanet.functional.silu``).

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.silu(dn.tensor([1.0])).item(), 4)
        0.7311
    """
    if _inplace(inplace, "silu"):
        return overwrite_with(input, _act.silu, "silu_")
    return _act.silu(input)


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r"""$s_i = e^{z_i} / \sum_k e^{z_k}$ along ``dim``, PyTorch's signature.

    Without ``dim`` PyTorch's implicit axis is used (0 for 0-, 1- and 3-D inputs, 1 otherwise,
    which is the last axis of a 2-D input); pass ``dim`` to be explicit.

    Args:
        input: the logits $z$.
        dim: the axis of the classes.
        _stacklevel: PyTorch's warning stack level; ignored.
        dtype: compute in this dtype (float32 or float64) instead of the input's.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.softmax(dn.tensor([[0.0, 0.0]]), dim=1).data.tolist()
        [[0.5, 0.5]]
    """
    z = _as_float(input, dtype)
    return _act.softmax(z, axis=_dim(z, dim, "softmax"))


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r"""$\log s_i = z_i - \log \sum_k e^{z_k}$ along ``dim``, PyTorch's signature (see ``softmax``).

    Args:
        input: the logits $z$.
        dim: the axis of the classes (PyTorch's implicit choice when None).
        _stacklevel: ignored.
        dtype: compute in this dtype instead of the input's.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.log_softmax(dn.tensor([[0.0, 0.0]]), dim=1).item(0), 4)
        -0.6931
    """
    z = _as_float(input, dtype)
    return _act.log_softmax(z, axis=_dim(z, dim, "log_softmax"))


def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r"""$s_i = e^{-z_i} / \sum_k e^{-z_k}$ along ``dim``, PyTorch's signature (see ``softmax``).

    Args:
        input: the inputs $z$.
        dim: the axis to normalize (PyTorch's implicit choice when None).
        _stacklevel: ignored.
        dtype: compute in this dtype instead of the input's.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.softmin(dn.tensor([[1.0, 1.0]]), dim=1).tolist()
        [[0.5, 0.5]]
    """
    z = _as_float(input, dtype)
    return _act.softmin(z, axis=_dim(z, dim, "softmin"))


def glu(input: Any, dim: int = -1) -> Tensor:
    r"""Gated linear unit $z_{[:h]} \odot \sigma(z_{[h:]})$ along ``dim`` (``deltanet.functional.glu``).

    Args:
        input: a tensor with an even size along ``dim``.
        dim: the axis that is halved.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.glu(dn.tensor([[2.0, 0.0]])).tolist()
        [[1.0]]
    """
    return _act.glu(input, dim)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    r"""$v / \max(\lVert v \rVert_p, \epsilon)$ along ``dim``: rows (by default) scaled to unit $p$-norm.

    Args:
        input: a floating-point tensor.
        p: the norm's order.
        dim: the axis along which each vector lies.
        eps: the smallest divisor (a zero vector stays zero).
        out: must be None (PyTorch's output argument is not supported).

    Raises:
        ValueError: ``out`` is given, or ``eps`` is negative.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.normalize(dn.tensor([[3.0, 4.0], [0.0, 0.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    if out is not None:
        raise ValueError("normalize: out= is not supported; use the returned tensor")
    check.number(eps, "eps", "normalize", low=0.0)
    v = as_tensor(input)
    return v / clamp(norm(v, p, dim, keepdim=True), min=eps)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r"""The cosine similarity along ``dim`` (broadcast), each norm clamped at ``eps``.

    $\frac{x_1 \cdot x_2}{\max(\lVert x_1 \rVert, \epsilon) \max(\lVert x_2 \rVert, \epsilon)}$.

    Each norm is clamped on its own, as in PyTorch 2.x, so that two short vectors (norms below
    ``eps`` only in their product) still have a cosine of the angle between them. As PyTorch's,
    the gradient passes through a clamped norm as if it were not clamped.

    Args:
        x1: a floating-point tensor.
        x2: a floating-point tensor that broadcasts with ``x1``.
        dim: the axis of the vectors.
        eps: the smallest divisor, for each norm.

    Raises:
        ValueError: ``eps`` is negative.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.cosine_similarity(dn.tensor([[1.0, 0.0]]), dn.tensor([[1.0, 1.0]])).tolist()
        [0.7071067690849304]
        >>> F.cosine_similarity(dn.tensor([[1e-5, 0.0]]), dn.tensor([[1e-5, 1e-5]])).tolist()
        [0.7071067690849304]
    """
    check.number(eps, "eps", "cosine_similarity", low=0.0)
    a, b = as_tensor(x1), as_tensor(x2)
    return ((a / _clamped_norm(a, dim, eps)) * (b / _clamped_norm(b, dim, eps))).sum(dim)


def _clamped_norm(v: Tensor, dim: int, eps: float) -> Tensor:
    r"""$\max(\lVert v \rVert, \epsilon)$ whose gradient is the norm's even where clamped
    (PyTorch clamps the norm in place under ``no_grad``)."""
    length = norm(v, 2, dim, keepdim=True)
    short = length.array < eps
    if not short.any():
        return length
    # length - length.detach() is exactly 0 and carries the norm's gradient; eps is the value.
    return where(Tensor._make(short), (length - length.detach()) + eps, length)


def _as_float(input: Any, dtype: Any) -> Tensor:
    z = as_tensor(input)
    if dtype is not None and z.dtype != np.dtype(dtype):
        if z.requires_grad:
            raise ValueError(
                f"dtype={np.dtype(dtype).name}: a cast of an input that requires a gradient is not "
                f"recorded for backward; cast the input before (e.g. build it in that dtype)"
            )
        z = Tensor._make(z.array.astype(dtype))
    return z


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Inverted dropout (``deltanet.functional.dropout``) with PyTorch's ``inplace``.

    Args:
        input: any tensor.
        p: the probability of dropping a unit, in $[0, 1)$.
        training: drop only when True.
        inplace: overwrite ``input`` with the result and return it (when not training, or with
            ``p = 0``, ``input`` is returned untouched, as by PyTorch).

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.dropout(dn.tensor([1.0, 2.0]), 0.5, training=False).data.tolist()
        [1.0, 2.0]
    """
    if _inplace(inplace, "dropout"):
        return dropout_in_place(input, lambda x: _dropout(x, p, training), p, training, "dropout")
    return _dropout(input, p, training)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Channel dropout (``deltanet.functional.dropout2d``) with PyTorch's ``inplace``.

    Args:
        input: a tensor $(N, C, *)$.
        p: the probability of dropping a channel.
        training: drop only when True.
        inplace: overwrite ``input`` with the result and return it.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.dropout2d(dn.tensor(np.ones((1, 2, 2))), training=False).shape
        (1, 2, 2)
    """
    if _inplace(inplace, "dropout2d"):
        return dropout_in_place(input, lambda x: _dropout2d(x, p, training), p, training, "dropout2d")
    return _dropout2d(input, p, training)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Channel dropout for volumes (``deltanet.functional.dropout3d``) with PyTorch's ``inplace``.

    Args:
        input: a tensor $(N, C, D, H, W)$ or $(C, D, H, W)$.
        p: the probability of dropping a channel.
        training: drop only when True.
        inplace: overwrite ``input`` with the result and return it.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.dropout3d(dn.tensor(np.ones((1, 2, 2, 2, 2))), training=False).shape
        (1, 2, 2, 2, 2)
    """
    if _inplace(inplace, "dropout3d"):
        return dropout_in_place(input, lambda x: _dropout3d(x, p, training), p, training, "dropout3d")
    return _dropout3d(input, p, training)


# -- losses --------------------------------------------------------------------------------------
def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Softmax cross-entropy from logits (``deltanet.functional.cross_entropy``), PyTorch's signature.

    Args:
        input: logits $(N, C)$ or $(N, C, d_1, \dots)$, or $(C)$ for one sample.
        target: class indices or class probabilities (a class index of shape $()$ for one sample).
        weight: rescaling per class, shape $(C,)$.
        size_average: deprecated in PyTorch; must be None.
        ignore_index: a class-index target to skip.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".
        label_smoothing: $\varepsilon \in [0, 1]$.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.cross_entropy(dn.tensor([[2.0, 0.0, 0.0]]), dn.tensor([0])).item(), 4)
        0.2395
    """
    _legacy(size_average, reduce, "cross_entropy")
    return _losses.cross_entropy(
        input, target, weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Negative log-likelihood $-w_y x_y$ (``deltanet.functional.nll_loss``), PyTorch's signature.

    Args:
        input: log-probabilities $(N, C)$ or $(N, C, d_1, \dots)$, or $(C)$ for one sample.
        target: class indices (shape $()$ for one sample).
        weight: rescaling per class.
        size_average: must be None.
        ignore_index: a target to skip.
        reduce: must be None.
        reduction: "mean", "sum" or "none".

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> round(F.nll_loss(dn.tensor(np.log([[0.9, 0.1]])), dn.tensor([0])).item(), 4)
        0.1054
    """
    _legacy(size_average, reduce, "nll_loss")
    return _losses.nll_loss(input, target, weight=weight, ignore_index=ignore_index, reduction=reduction)


def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    r"""Mean squared error (``deltanet.functional.mse_loss``), PyTorch's signature.

    Args:
        input: predictions.
        target: the same shape.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.mse_loss(dn.tensor([1.0, 2.0]), dn.tensor([0.0, 0.0])).item()
        2.5
    """
    _legacy(size_average, reduce, "mse_loss")
    return _losses.mse_loss(input, target, reduction=reduction)


def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error (``deltanet.functional.l1_loss``), PyTorch's signature.

    Args:
        input: predictions.
        target: the same shape.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.l1_loss(dn.tensor([1.0, -3.0]), dn.tensor([0.0, 0.0])).item()
        2.0
    """
    _legacy(size_average, reduce, "l1_loss")
    return _losses.l1_loss(input, target, reduction=reduction)


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Binary cross-entropy of probabilities (``deltanet.functional.binary_cross_entropy``), PyTorch's signature.

    Args:
        input: probabilities in $[0, 1]$.
        target: the same shape, in $[0, 1]$.
        weight: rescaling of each term, broadcast to the input.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.binary_cross_entropy(dn.tensor([0.9, 0.2]), dn.tensor([1.0, 0.0])).item(), 4)
        0.1643
    """
    _legacy(size_average, reduce, "binary_cross_entropy")
    return _losses.binary_cross_entropy(input, target, weight=weight, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    r"""Sigmoid + binary cross-entropy from logits (``deltanet.functional``'s), PyTorch's signature.

    Args:
        input: logits.
        target: the same shape, in $[0, 1]$.
        weight: rescaling of each term, broadcast to the input.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".
        pos_weight: weight of the positive examples, per class of the last axis.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.binary_cross_entropy_with_logits(dn.tensor([0.0]), dn.tensor([1.0])).item(), 4)
        0.6931
    """
    _legacy(size_average, reduce, "binary_cross_entropy_with_logits")
    return _losses.binary_cross_entropy_with_logits(
        input, target, weight=weight, reduction=reduction, pos_weight=pos_weight
    )


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""Huber loss (``deltanet.functional.huber_loss``), PyTorch's signature (``reduction`` before ``delta``).

    Args:
        input: predictions.
        target: the same shape.
        reduction: "mean", "sum" or "none".
        delta: where the quadratic part turns linear.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.huber_loss(dn.tensor([0.5, 3.0]), dn.tensor([0.0, 0.0])).item()
        1.3125
    """
    return _losses.huber_loss(input, target, reduction=reduction, delta=delta)


def smooth_l1_loss(
    input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    r"""Smooth L1 loss (``deltanet.functional.smooth_l1_loss``), PyTorch's signature.

    Args:
        input: predictions.
        target: the same shape.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".
        beta: where the quadratic part turns linear ($\ge 0$).

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.smooth_l1_loss(dn.tensor([0.5, 3.0]), dn.tensor([0.0, 0.0])).item()
        1.3125
    """
    _legacy(size_average, reduce, "smooth_l1_loss")
    return _losses.smooth_l1_loss(input, target, reduction=reduction, beta=beta)


def kl_div(
    input: Any,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    r"""Kullback-Leibler divergence (``deltanet.functional.kl_div``), PyTorch's signature.

    Args:
        input: log-probabilities.
        target: probabilities (or log-probabilities with ``log_target``).
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "batchmean", "sum" or "none".
        log_target: the target holds log-probabilities.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> x = dn.tensor(np.log([[0.5, 0.5]]))
        >>> round(F.kl_div(x, dn.tensor([[0.9, 0.1]]), reduction="batchmean").item(), 4)
        0.3681
    """
    _legacy(size_average, reduce, "kl_div")
    return _kl_div(input, target, reduction=reduction, log_target=log_target)


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Multi-class hinge loss (``deltanet.functional.multi_margin_loss``), PyTorch's signature.

    Args:
        input: scores $(N, C)$.
        target: class indices $(N,)$.
        p: 1 or 2.
        margin: the margin.
        weight: rescaling per class.
        size_average: must be None.
        reduce: must be None.
        reduction: "mean", "sum" or "none".

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.multi_margin_loss(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), dn.tensor([3])).item(), 4)
        0.325
    """
    _legacy(size_average, reduce, "multi_margin_loss")
    return _losses.multi_margin_loss(input, target, p=p, margin=margin, weight=weight, reduction=reduction)


# -- pooling and resizing ------------------------------------------------------------------------
def max_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""1-D max pooling (``deltanet.functional.max_pool1d``), PyTorch's signature.

    Args:
        input: $(N, C, L)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        return_indices: also return the flat positions of the maxima (int64).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.max_pool1d(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]])), 2).data.tolist()
        [[[3.0, 2.0]]]
    """
    return _pool.max_pool1d(input, kernel_size, stride, padding, ceil_mode, dilation, return_indices)


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""2-D max pooling (``deltanet.functional.max_pool2d``), PyTorch's signature.

    Args:
        input: $(N, C, H, W)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        return_indices: also return the flat positions of the maxima (int64).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.max_pool2d(dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).data.tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _pool.max_pool2d(input, kernel_size, stride, padding, ceil_mode, dilation, return_indices)


def max_pool3d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""3-D max pooling (``deltanet.functional.max_pool3d``), PyTorch's signature.

    Args:
        input: $(N, C, D, H, W)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        return_indices: also return the flat positions of the maxima (int64).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.max_pool3d(dn.tensor(np.ones((1, 1, 2, 2, 2))), 2).shape
        (1, 1, 1, 1, 1)
    """
    return _pool.max_pool3d(input, kernel_size, stride, padding, ceil_mode, dilation, return_indices)


def avg_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    r"""1-D average pooling (``deltanet.functional.avg_pool1d``), PyTorch's signature.

    Args:
        input: $(N, C, L)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: zeros on both sides.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        count_include_pad: divide by the whole window (True) or the values inside the input.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.avg_pool1d(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]])), 2).data.tolist()
        [[[2.0, 1.0]]]
    """
    return _pool.avg_pool1d(input, kernel_size, stride, padding, count_include_pad, ceil_mode)


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: Any = None,
) -> Tensor:
    r"""2-D average pooling (``deltanet.functional.avg_pool2d``), PyTorch's signature.

    Args:
        input: $(N, C, H, W)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: zeros on both sides.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        count_include_pad: divide by the whole window (True) or the values inside the input.
        divisor_override: divide each window sum by this nonzero int instead.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.avg_pool2d(dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).data.tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    return _pool.avg_pool2d(input, kernel_size, stride, padding, count_include_pad, ceil_mode, divisor_override)


def avg_pool3d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: Any = None,
) -> Tensor:
    r"""3-D average pooling (``deltanet.functional.avg_pool3d``), PyTorch's signature.

    Args:
        input: $(N, C, D, H, W)$.
        kernel_size: the window.
        stride: the step (default: the window).
        padding: zeros on both sides.
        ceil_mode: round the number of windows up (PyTorch's rule for the last window).
        count_include_pad: divide by the whole window (True) or the values inside the input.
        divisor_override: divide each window sum by this nonzero int instead.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.avg_pool3d(dn.tensor(np.ones((1, 1, 2, 2, 2))), 2).data.tolist()
        [[[[[1.0]]]]]
    """
    return _pool.avg_pool3d(input, kernel_size, stride, padding, count_include_pad, ceil_mode, divisor_override)


def upsample(
    input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest", align_corners: bool | None = None
) -> Tensor:
    r"""PyTorch's deprecated ``F.upsample``: ``interpolate`` with ``size`` first (not deltanet's ``upsample``).

    Args:
        input: $(N, C, *S)$.
        size: the output size.
        scale_factor: the factor (exactly one of the two).
        mode: as ``interpolate``.
        align_corners: as ``interpolate``.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.upsample(dn.tensor(np.zeros((1, 1, 2))), 4).shape
        (1, 1, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    r"""PyTorch's deprecated ``F.upsample_nearest``: ``interpolate(..., mode="nearest")``.

    Output index $i$ copies input index $\lfloor i \, n_{in} / n_{out} \rfloor$ along each axis.

    Args:
        input: $(N, C, *S)$.
        size: the output size.
        scale_factor: the factor (exactly one of the two).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.upsample_nearest(dn.tensor(np.array([[[1.0, 2.0]]])), scale_factor=2).data.tolist()
        [[[1.0, 1.0, 2.0, 2.0]]]
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    r"""PyTorch's deprecated ``F.upsample_bilinear``: ``interpolate(..., mode="bilinear", align_corners=True)``.

    Output index $i$ reads the source coordinate $i \, (n_{in} - 1) / (n_{out} - 1)$ along each
    axis, interpolated linearly.

    Args:
        input: $(N, C, H, W)$.
        size: the output size.
        scale_factor: the factor (exactly one of the two).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> F.upsample_bilinear(dn.tensor(np.array([[[[0.0, 3.0]]]])), scale_factor=2).data[0, 0, 0].tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


_TORCH_SIGNATURES = [
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "dropout3d",
    "elu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "relu",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "upsample",
]
__all__ = [
    "alpha_dropout",
    "dropout1d",
    "feature_alpha_dropout",
    "gumbel_softmax",
    "rms_norm",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "affine_grid",
    "channel_shuffle",
    "fold",
    "grid_sample",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "unfold",
    "upsample_bilinear",
    "upsample_nearest",
    "normalize",
    "cosine_similarity",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "dice_loss",
    "embedding",
    "gelu",
    "generalized_wasserstein_dice_loss",
    "global_avg_pool",
    "group_norm",
    "hinge_loss",
    "identity",
    "instance_norm",
    "interpolate",
    "layer_norm",
    "linear",
    "local_response_norm",
    "log_cosh_loss",
    "one_hot",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "sigmoid",
    "softplus",
    "step",
    "tanh",
    *_TORCH_SIGNATURES,
    "softmin",
    "glu",
    "bilinear",
    "pairwise_distance",
    "pdist",
    "embedding_bag",
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "gaussian_nll_loss",
    "poisson_nll_loss",
    "ctc_loss",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "relu6",
    "rrelu",
    "softshrink",
    "threshold",
    "celu",
    "logsigmoid",
    "mish",
    "selu",
    "softsign",
    "tanhshrink",
    "celu_",
    "elu_",
    "hardtanh_",
    "leaky_relu_",
    "relu_",
    "rrelu_",
    "selu_",
    "threshold_",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
]
