r"""The neural-network functions that PyTorch exports from ``torch`` itself, with ``torch``'s signatures.

``torch.conv2d``, ``torch.dropout``, ``torch.batch_norm``, ``torch.embedding``, ... are ATen's
operators, and several take their arguments in another order than ``torch.nn.functional``:

| function | differs from ``F.*`` |
|---|---|
| ``dropout(input, p, train)`` | ``train`` is required and has another name |
| ``batch_norm``, ``instance_norm`` | ``weight, bias`` come before the running statistics; all required |
| ``embedding(weight, indices, padding_idx=-1)`` | the weight first; ``-1`` means no padding index |
| ``max_pool1d/2d/3d`` | no ``return_indices`` |
| ``layer_norm``, ``group_norm`` | a last ``cudnn_enable(d)`` flag |
| ``selu``, ``celu``, ``threshold``, ``rrelu`` | no ``inplace``; ``rrelu`` takes ``generator`` |

Each function here takes ``torch``'s parameters and calls deltanet's function; the ``cudnn``
flags are accepted and change nothing (deltanet has no cuDNN). ``torch.avg_pool2d`` does not
exist in PyTorch (only ``F.avg_pool2d``), and so not here either.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.nn import functional as F

# Same signatures as ``torch.nn.functional``'s: the functions themselves.
conv1d = F.conv1d
conv2d = F.conv2d
conv3d = F.conv3d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
prelu = F.prelu
hardshrink = F.hardshrink
pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle
adaptive_avg_pool1d = F.adaptive_avg_pool1d
avg_pool1d = F.avg_pool1d
bilinear = F.bilinear
channel_shuffle = F.channel_shuffle
relu_ = F.relu_
selu_ = F.selu_
celu_ = F.celu_
threshold_ = F.threshold_


def sigmoid_(input: Tensor) -> Tensor:
    r"""In place: $z \leftarrow 1 / (1 + e^{-z})$; returns ``input`` (``torch.sigmoid_``).

    Args:
        input: the tensor to overwrite.

    Examples:
        >>> import deltanet as dn
        >>> dn.sigmoid_(dn.tensor([0.0])).tolist()
        [0.5]
    """
    return _tensor(input, "sigmoid_").sigmoid_()


def tanh_(input: Tensor) -> Tensor:
    r"""In place: $z \leftarrow \tanh z$; returns ``input`` (``torch.tanh_``).

    Args:
        input: the tensor to overwrite.

    Examples:
        >>> import deltanet as dn
        >>> dn.tanh_(dn.tensor([0.0])).tolist()
        [0.0]
    """
    return _tensor(input, "tanh_").tanh_()


def _tensor(input: Any, owner: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise check.fail(owner, "input", "a Tensor (it is overwritten in place)", type(input).__name__)
    return input


def adaptive_max_pool1d(input: Any, output_size: Any) -> tuple[Tensor, Tensor]:
    r"""1-D adaptive max pooling, ``torch.adaptive_max_pool1d``: the maxima of ``output_size``
    windows that cover the input, and their indices (always both, as ATen returns them).

    Args:
        input: $(N, C, L)$ or $(C, L)$.
        output_size: the number of windows.

    Examples:
        >>> import deltanet as dn
        >>> values, indices = dn.adaptive_max_pool1d(dn.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        >>> values.tolist(), indices.tolist()
        ([[[3.0, 2.0]]], [[[1, 2]]])
    """
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def dropout(input: Any, p: Any, train: Any) -> Tensor:
    r"""Inverted dropout, ``torch.dropout(input, p, train)``: each element is 0 with probability $p$,
    else $x / (1 - p)$, when ``train``; ``input`` itself otherwise.

    Args:
        input: any tensor.
        p: the probability of dropping an element, in $[0, 1]$.
        train: drop only when True (required, as in PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.dropout(dn.ones(3), 0.5, False).tolist()
        [1.0, 1.0, 1.0]
    """
    return F.dropout(input, p, check.flag(train, "train", "dropout"))


def layer_norm(
    input: Any,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,
    eps: Any = 1e-5,
    cudnn_enable: Any = True,
) -> Tensor:
    r"""Layer normalization $\hat{x} = (x - \mu) / \sqrt{\sigma^2 + \epsilon}$ over the last axes,
    times ``weight`` plus ``bias`` (``torch.layer_norm``).

    Args:
        input: the tensor.
        normalized_shape: the shape of the last axes to normalize over.
        weight: the scale $\gamma$ (or None).
        bias: the shift $\beta$ (or None).
        eps: $\epsilon$.
        cudnn_enable: accepted (True or False); there is no cuDNN.

    Examples:
        >>> import deltanet as dn
        >>> [round(v, 4) for v in dn.layer_norm(dn.tensor([[1.0, 3.0]]), (2,))[0].tolist()]
        [-1.0, 1.0]
    """
    check.flag(cudnn_enable, "cudnn_enable", "layer_norm")
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Any, num_groups: Any, weight: Any = None, bias: Any = None, eps: Any = 1e-5, cudnn_enabled: Any = True
) -> Tensor:
    r"""Group normalization over groups of channels, $\hat{x} = (x - \mu_g) / \sqrt{\sigma_g^2 + \epsilon}$
    (``torch.group_norm``).

    Args:
        input: $(N, C, *)$.
        num_groups: the number of groups (dividing $C$).
        weight: the scale per channel (or None).
        bias: the shift per channel (or None).
        eps: $\epsilon$.
        cudnn_enabled: accepted (True or False); there is no cuDNN.

    Examples:
        >>> import deltanet as dn
        >>> dn.group_norm(dn.ones(1, 4, 2), 2).shape
        (1, 4, 2)
    """
    check.flag(cudnn_enabled, "cudnn_enabled", "group_norm")
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(
    input: Any,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,
    training: Any,
    momentum: Any,
    eps: Any,
    cudnn_enabled: Any,
) -> Tensor:
    r"""Batch normalization, ``torch.batch_norm``'s order: $\gamma \hat{x} + \beta$ with
    $\hat{x} = (x - \mu_B) / \sqrt{\sigma_B^2 + \epsilon}$ (the running statistics when not training).

    Args:
        input: $(N, C, *)$.
        weight: $\gamma$ per channel (or None).
        bias: $\beta$ per channel (or None).
        running_mean: the running means (updated when training), or None.
        running_var: the running variances (updated when training), or None.
        training: use (and update) the batch's statistics.
        momentum: the running statistics' update rate.
        eps: $\epsilon$.
        cudnn_enabled: accepted (True or False); there is no cuDNN.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[1.0], [3.0]])
        >>> [round(v, 4) for v in dn.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False)[:, 0].tolist()]
        [-1.0, 1.0]
    """
    check.flag(cudnn_enabled, "cudnn_enabled", "batch_norm")
    training = check.flag(training, "training", "batch_norm")
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Any,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,
    use_input_stats: Any,
    momentum: Any,
    eps: Any,
    cudnn_enabled: Any,
) -> Tensor:
    r"""Instance normalization (each sample and channel on its own), ``torch.instance_norm``'s order.

    $\hat{x} = (x - \mu_{nc}) / \sqrt{\sigma_{nc}^2 + \epsilon}$, times ``weight`` plus ``bias``.

    Args:
        input: $(N, C, *)$.
        weight: the scale per channel (or None).
        bias: the shift per channel (or None).
        running_mean: running means (or None).
        running_var: running variances (or None).
        use_input_stats: normalize with each instance's statistics (else the running ones).
        momentum: the running statistics' update rate.
        eps: $\epsilon$.
        cudnn_enabled: accepted (True or False); there is no cuDNN.

    Examples:
        >>> import deltanet as dn
        >>> dn.instance_norm(dn.ones(1, 2, 3), None, None, None, None, True, 0.1, 1e-5, False).shape
        (1, 2, 3)
    """
    check.flag(cudnn_enabled, "cudnn_enabled", "instance_norm")
    use = check.flag(use_input_stats, "use_input_stats", "instance_norm")
    return F.instance_norm(input, running_mean, running_var, weight, bias, use, momentum, eps)


def embedding(
    weight: Any, indices: Any, padding_idx: Any = -1, scale_grad_by_freq: Any = False, sparse: Any = False
) -> Tensor:
    r"""Rows of ``weight`` picked by ``indices``, $z = W[i]$: ``torch.embedding``, weight first.

    Args:
        weight: the table $W$, $(V, D)$.
        indices: integer indices into its rows.
        padding_idx: the row whose gradient stays zero; a negative value (the default, -1) means
            none, as in ATen (``F.embedding`` counts a negative index from the end instead).
        scale_grad_by_freq: scale gradients by the inverse frequency of the indices in the batch.
        sparse: must be False (deltanet's gradients are dense).

    Examples:
        >>> import deltanet as dn
        >>> dn.embedding(dn.tensor([[0.0, 1.0], [2.0, 3.0]]), dn.tensor([1, 1])).tolist()
        [[2.0, 3.0], [2.0, 3.0]]
    """
    index = check.integer(padding_idx, "padding_idx", "embedding")
    return F.embedding(indices, weight, None if index < 0 else index, None, 2.0, scale_grad_by_freq, sparse)


def _stride(stride: Any) -> Any:
    """ATen's empty stride (``[]`` or ``()``) means "the kernel size", F's None."""
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride


def max_pool1d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: Any = False
) -> Tensor:
    r"""1-D max pooling, $z = \max$ over each window (``torch.max_pool1d``: no ``return_indices``).

    Args:
        input: $(N, C, L)$ or $(C, L)$.
        kernel_size: the window.
        stride: the step (empty: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the output size up.

    Examples:
        >>> import deltanet as dn
        >>> dn.max_pool1d(dn.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).tolist()
        [[[3.0, 2.0]]]
    """
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: Any = False
) -> Tensor:
    r"""2-D max pooling, $z = \max$ over each window (``torch.max_pool2d``: no ``return_indices``).

    Args:
        input: $(N, C, H, W)$ or $(C, H, W)$.
        kernel_size: the window.
        stride: the step (empty: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the output size up.

    Examples:
        >>> import deltanet as dn
        >>> dn.max_pool2d(dn.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: Any = False
) -> Tensor:
    r"""3-D max pooling, $z = \max$ over each window (``torch.max_pool3d``: no ``return_indices``).

    Args:
        input: $(N, C, D, H, W)$ or $(C, D, H, W)$.
        kernel_size: the window.
        stride: the step (empty: the window).
        padding: implicit $-\infty$ padding on both sides.
        dilation: the step between the values of a window.
        ceil_mode: round the output size up.

    Examples:
        >>> import deltanet as dn
        >>> dn.max_pool3d(dn.ones(1, 1, 2, 2, 2), 2).shape
        (1, 1, 1, 1, 1)
    """
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def selu(input: Any) -> Tensor:
    r"""$\lambda z$ for $z > 0$, else $\lambda \alpha (e^z - 1)$ (``torch.selu``: no ``inplace``).

    Args:
        input: the pre-activation $z$.

    Examples:
        >>> import deltanet as dn
        >>> dn.selu(dn.tensor([1.0])).tolist()
        [1.0507010221481323]
    """
    return F.selu(input)


def celu(input: Any, alpha: Any = 1.0) -> Tensor:
    r"""$\max(0, z) + \min(0, \alpha (e^{z / \alpha} - 1))$ (``torch.celu``: no ``inplace``).

    Args:
        input: the pre-activation $z$.
        alpha: $\alpha$.

    Examples:
        >>> import deltanet as dn
        >>> dn.celu(dn.tensor([2.0])).tolist()
        [2.0]
    """
    return F.celu(input, alpha)


def threshold(input: Any, threshold: Any, value: Any) -> Tensor:
    r"""$z$ where $z > \text{threshold}$, else ``value`` (``torch.threshold``: no ``inplace``).

    Args:
        input: the pre-activation $z$.
        threshold: the threshold.
        value: the value below it.

    Examples:
        >>> import deltanet as dn
        >>> dn.threshold(dn.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
        [-1.0, 2.0]
    """
    return F.threshold(input, threshold, value)


def rrelu(
    input: Any, lower: Any = 1.0 / 8, upper: Any = 1.0 / 3, training: Any = False, generator: Any = None
) -> Tensor:
    r"""Randomized leaky ReLU: $z$ for $z \ge 0$, else $a z$, $a \sim U(\text{lower}, \text{upper})$
    when training, $a = (\text{lower} + \text{upper}) / 2$ otherwise (``torch.rrelu``).

    Args:
        input: the pre-activation $z$.
        lower: the smallest slope.
        upper: the largest slope.
        training: draw the slopes (else use their mean).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed for the slopes
            (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> dn.rrelu(dn.tensor([-2.0, 1.0])).tolist()
        [-0.4583333432674408, 1.0]
    """
    if generator is None:
        return F.rrelu(input, lower, upper, training)
    with backend.private_rng(backend.get_rng(generator)):
        return F.rrelu(input, lower, upper, training)


def rrelu_(
    input: Any, lower: Any = 1.0 / 8, upper: Any = 1.0 / 3, training: Any = False, generator: Any = None
) -> Tensor:
    r"""In place: ``rrelu``'s $z$ for $z \ge 0$, else $a z$ (``torch.rrelu_``); returns ``input``.

    Args:
        input: the tensor to overwrite.
        lower: the smallest slope.
        upper: the largest slope.
        training: draw the slopes $a \sim U(\text{lower}, \text{upper})$ (else use their mean).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed for the slopes
            (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> dn.rrelu_(dn.tensor([-3.0, 1.0]), 0.5, 0.5).tolist()
        [-1.5, 1.0]
    """
    if generator is None:
        return F.rrelu_(input, lower, upper, training)
    with backend.private_rng(backend.get_rng(generator)):
        return F.rrelu_(input, lower, upper, training)


__all__ = [
    "adaptive_max_pool1d",
    "bilinear",
    "celu_",
    "channel_shuffle",
    "relu_",
    "rrelu_",
    "selu_",
    "sigmoid_",
    "tanh_",
    "threshold_",
    "adaptive_avg_pool1d",
    "avg_pool1d",
    "batch_norm",
    "celu",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "dropout",
    "embedding",
    "group_norm",
    "hardshrink",
    "instance_norm",
    "layer_norm",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "rrelu",
    "selu",
    "threshold",
]
