r"""``torch.nn.utils.fusion``: fold an evaluation-mode batch norm into the convolution or linear
layer before it, so that inference runs one layer instead of two.

Batch norm in evaluation mode is an affine map per channel, $y = \gamma (z - \mu) / \sqrt{\sigma^2
+ \epsilon} + \beta$, and $z = W x + b$ is affine too, so the pair is one layer with

$$
W' = W \cdot \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}, \qquad
b' = (b - \mu) \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}} + \beta
$$

(the scale multiplies each output channel's row of $W$; for a transposed convolution, whose
weight is (in, out, ...), the second axis). The results are PyTorch's, in the layer's dtypes.

Importable by PyTorch's path: ``from deltanet.nn.utils.fusion import fuse_conv_bn_eval``.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import numpy as np

from deltanet.nn.module import Module, Parameter
from deltanet.nn.pruning import array_of

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

M = TypeVar("M", bound=Module)


def _requires_grad(t: Any) -> bool:
    return bool(getattr(t, "requires_grad", False))


def _check_eval(layer: Module, bn: Any) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if getattr(bn, "running_mean", None) is None or getattr(bn, "running_var", None) is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def _with_bias(layer: M) -> M:
    """``layer``, whose constructor arguments say ``bias=True`` now that it has one, so that
    ``dn.save`` rebuilds it with a bias (a fused layer built with ``bias=False`` gets one)."""
    args = layer.__dict__.get("_init_args")
    if args is not None and args.get("bias") is False:
        args["bias"] = True
    return layer


def fuse_conv_bn_eval(conv: M, bn: Any, transpose: bool = False) -> M:
    r"""A new convolution that computes ``bn(conv(x))`` of the two layers in evaluation mode.

    Args:
        conv: a convolution (``Conv1d``/``2d``/``3d``, or a transposed one with ``transpose=True``).
        bn: a batch norm over its output channels, with running statistics.
        transpose: the convolution's weight is (in, out, ...), as a transposed convolution's.

    Returns:
        A copy of ``conv`` with the fused ``weight`` and ``bias`` (a bias is added if it had none).

    Raises:
        AssertionError: a layer in training mode, or a batch norm without running statistics
            (PyTorch's errors).

    Examples:
        >>> import deltanet as dn
        >>> conv, bn = dn.nn.Conv2d(1, 2, 3).eval(), dn.nn.BatchNorm2d(2).eval()
        >>> _ = bn.running_mean.fill_(0.5), bn.running_var.fill_(4.0)
        >>> x = dn.randn(1, 1, 5, 5)
        >>> fused = dn.nn.utils.fuse_conv_bn_eval(conv, bn)
        >>> bool(dn.allclose(fused(x), bn(conv(x)), atol=1e-6))
        True
    """
    _check_eval(conv, bn)
    fused: Any = copy.deepcopy(conv)
    weight, bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    fused.weight, fused.bias = weight, bias
    return _with_bias(fused)


def fuse_conv_bn_weights(
    conv_w: Any,
    conv_b: Any,
    bn_rm: Any,
    bn_rv: Any,
    bn_eps: float,
    bn_w: Any,
    bn_b: Any,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    r"""The fused convolution's weight and bias (see the module's formula).

    Args:
        conv_w: the convolution's weight.
        conv_b: its bias, or None (zeros).
        bn_rm: the batch norm's running mean $\mu$.
        bn_rv: its running variance $\sigma^2$.
        bn_eps: its $\epsilon$.
        bn_w: its scale $\gamma$, or None (ones).
        bn_b: its shift $\beta$, or None (zeros).
        transpose: the weight is (in, out, ...): scale its second axis.

    Returns:
        ``(weight, bias)`` as ``Parameter``s in the dtypes of ``conv_w`` and ``conv_b``; each
        requires a gradient as its input did (a bias made from None does not).

    Examples:
        >>> import deltanet as dn
        >>> w, b = dn.nn.utils.fuse_conv_bn_weights(dn.ones(2, 1, 1, 1), None, dn.zeros(2), dn.ones(2),
        ...                                          0.0, dn.tensor([2.0, 3.0]), dn.tensor([1.0, 1.0]))
        >>> w.flatten().tolist(), b.tolist(), b.requires_grad
        ([2.0, 3.0], [1.0, 1.0], False)
    """
    W = array_of(conv_w)
    mean, var = array_of(bn_rm), array_of(bn_rv)
    b = np.zeros_like(mean) if conv_b is None else array_of(conv_b)
    gamma = np.ones_like(mean) if bn_w is None else array_of(bn_w)
    beta = np.zeros_like(mean) if bn_b is None else array_of(bn_b)
    bias_dtype = W.dtype if conv_b is None else b.dtype
    rsqrt = 1.0 / np.sqrt(var + np.asarray(bn_eps, dtype=var.dtype))
    shape: tuple[int, ...] = ((1, -1) if transpose else (-1, 1)) + (1,) * (W.ndim - 2)
    fused_w = (W * (gamma * rsqrt).reshape(shape)).astype(W.dtype)
    fused_b = ((b - mean) * rsqrt * gamma + beta).astype(bias_dtype)
    return Parameter(fused_w, _requires_grad(conv_w)), Parameter(fused_b, _requires_grad(conv_b))


def fuse_linear_bn_eval(linear: M, bn: Any) -> M:
    r"""A new linear layer that computes ``bn(linear(x))`` of the two layers in evaluation mode.

    Args:
        linear: a ``Linear`` layer.
        bn: a batch norm over its outputs (``num_features`` equal to ``out_features``, or 1).

    Returns:
        A copy of ``linear`` with the fused ``weight`` and ``bias``.

    Raises:
        AssertionError: a layer in training mode, features that do not match, or a batch norm
            without running statistics (PyTorch's errors).

    Examples:
        >>> import deltanet as dn
        >>> linear, bn = dn.nn.Linear(3, 2).eval(), dn.nn.BatchNorm1d(2).eval()
        >>> _ = bn.running_var.fill_(9.0)
        >>> x = dn.randn(4, 3)
        >>> bool(dn.allclose(dn.nn.utils.fuse_linear_bn_eval(linear, bn)(x), bn(linear(x)), atol=1e-6))
        True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    out_features, num_features = getattr(linear, "out_features", None), getattr(bn, "num_features", None)
    if out_features != num_features and num_features != 1:
        raise AssertionError(
            f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={out_features} and bn.num_features={num_features}"
        )
    _check_eval(linear, bn)
    fused: Any = copy.deepcopy(linear)
    weight, bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    fused.weight, fused.bias = weight, bias
    return _with_bias(fused)


def fuse_linear_bn_weights(
    linear_w: Any, linear_b: Any, bn_rm: Any, bn_rv: Any, bn_eps: float, bn_w: Any, bn_b: Any
) -> tuple[Parameter, Parameter]:
    r"""The fused linear layer's weight and bias (see the module's formula).

    Args:
        linear_w: the layer's weight (out, in).
        linear_b: its bias, or None (zeros).
        bn_rm: the batch norm's running mean $\mu$.
        bn_rv: its running variance $\sigma^2$.
        bn_eps: its $\epsilon$.
        bn_w: its scale $\gamma$.
        bn_b: its shift $\beta$.

    Returns:
        ``(weight, bias)`` as ``Parameter``s in the dtypes of ``linear_w`` and ``linear_b``.

    Examples:
        >>> import deltanet as dn
        >>> w, b = dn.nn.utils.fuse_linear_bn_weights(dn.ones(2, 1), dn.ones(2), dn.zeros(2), dn.ones(2),
        ...                                           0.0, dn.tensor([2.0, 3.0]), dn.zeros(2))
        >>> w.flatten().tolist(), b.tolist()
        ([2.0, 3.0], [2.0, 3.0])
    """
    W = array_of(linear_w)
    mean, var = array_of(bn_rm), array_of(bn_rv)
    b = np.zeros_like(mean) if linear_b is None else array_of(linear_b)
    bias_dtype = W.dtype if linear_b is None else b.dtype
    scale = array_of(bn_w) * (1.0 / np.sqrt(var + np.asarray(bn_eps, dtype=var.dtype)))
    fused_w = W * scale[:, None].astype(W.dtype)
    fused_b = ((b - mean) * scale + array_of(bn_b)).astype(bias_dtype)
    return Parameter(fused_w, _requires_grad(linear_w)), Parameter(fused_b, _requires_grad(linear_b))
