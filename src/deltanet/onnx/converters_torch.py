"""ONNX conversions of the layers of PyTorch's surface: GELU, the batch-free normalizations,
pixel shuffling and ``Unflatten`` (opset 17, the exporter's default; ``LayerNormalization`` needs
17). ``deltanet.onnx.converters.CONVERTERS`` lists them beside the others. Settings without an ONNX
equivalent raise ``ValueError``, which the exporter turns into an ``ExportError`` naming the layer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.nn.activation import GELU
from deltanet.nn.linear import Unflatten
from deltanet.nn.normalization import GroupNorm, LayerNorm, _InstanceNorm
from deltanet.nn.pixelshuffle import PixelShuffle, PixelUnshuffle


def gelu(g: Any, m: GELU, path: str, x: Any, src: str, dst: str) -> None:
    dtype = x.dtype
    half = g.constant(f"{path}.half", np.array(0.5, dtype=dtype))
    one = g.constant(f"{path}.one", np.array(1.0, dtype=dtype))
    inner, cdf2 = g.fresh(f"{path}.inner"), g.fresh(f"{path}.cdf2")
    if m.approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube, lin, t = g.fresh(f"{path}.cube"), g.fresh(f"{path}.lin"), g.fresh(f"{path}.t")
        three = g.constant(f"{path}.three", np.array(3.0, dtype=dtype))
        coef = g.constant(f"{path}.coef", np.array(0.044715, dtype=dtype))
        scale = g.constant(f"{path}.scale", np.array(math.sqrt(2 / math.pi), dtype=dtype))
        g.node("Pow", [src, three], [cube])
        g.node("Mul", [cube, coef], [lin])
        g.node("Add", [src, lin], [t])
        g.node("Mul", [t, scale], [inner])
        g.node("Tanh", [inner], [f"{inner}_tanh"])
        g.node("Add", [f"{inner}_tanh", one], [cdf2])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        root2 = g.constant(f"{path}.sqrt2", np.array(math.sqrt(2.0), dtype=dtype))
        g.node("Div", [src, root2], [inner])
        g.node("Erf", [inner], [f"{inner}_erf"])
        g.node("Add", [f"{inner}_erf", one], [cdf2])
    if m.approximate == "tanh":
        # x (1 + tanh) first, then 0.5: onnxruntime 1.32's FastGeluFusion removes a Mul(x, 0.5) that common
        # subexpression elimination has shared with another use of x * 0.5 (an exact GELU of the same
        # input, or the user's own x * 0.5), and the session then fails to load ("not a graph input,
        # initializer, or output of a previous node"); without that node there is nothing to share.
        xcdf2 = g.fresh(f"{path}.xcdf2")
        g.node("Mul", [src, cdf2], [xcdf2])
        g.node("Mul", [xcdf2, half], [dst])
        return
    xhalf = g.fresh(f"{path}.xhalf")
    g.node("Mul", [src, half], [xhalf])
    g.node("Mul", [xhalf, cdf2], [dst])


def _affine(g: Any, path: str, src: str, dst: str, weight: Any, bias: Any, shape: tuple[int, ...]) -> None:
    """dst = src * weight + bias, each reshaped to ``shape`` (either may be None)."""
    current = src
    for name, value, op in (("weight", weight, "Mul"), ("bias", bias, "Add")):
        if value is None:
            continue
        other = g.initializer(f"{path}.{name}", value.array.reshape(shape))
        out = g.fresh(f"{path}.{name}_out")
        g.node(op, [current, other], [out])
        current = out
    g.node("Identity", [current], [dst])


def layer_norm(g: Any, m: LayerNorm, path: str, x: Any, src: str, dst: str) -> None:
    shape = m.normalized_shape
    dtype = x.dtype
    scale = m.weight.array if m.weight is not None else np.ones(shape, dtype)
    bias = m.bias.array if m.bias is not None else np.zeros(shape, dtype)
    inputs = [src, g.initializer(f"{path}.weight", scale), g.initializer(f"{path}.bias", bias)]
    g.node("LayerNormalization", inputs, [dst], axis=-len(shape), epsilon=float(m.eps))


def _normalize_groups(g: Any, path: str, src: str, x: Any, groups: int, eps: float) -> str:
    """x viewed as (N, groups, -1), instance-normalized, in x's shape again: group norm without affine."""
    dtype = x.dtype
    grouped, normed, back, shape = (g.fresh(f"{path}.{s}") for s in ("grouped", "normed", "back", "shape"))
    g.node("Reshape", [src, g.constant(f"{path}.groups", np.array([0, groups, -1], dtype=np.int64))], [grouped])
    ones = g.initializer(f"{path}.ones", np.ones(groups, dtype))
    zeros = g.initializer(f"{path}.zeros", np.zeros(groups, dtype))
    g.node("InstanceNormalization", [grouped, ones, zeros], [normed], epsilon=float(eps))
    g.node("Shape", [src], [shape])
    g.node("Reshape", [normed, shape], [back])
    return back


def group_norm(g: Any, m: GroupNorm, path: str, x: Any, src: str, dst: str) -> None:
    normed = _normalize_groups(g, path, src, x, m.num_groups, m.eps)
    _affine(g, path, normed, dst, m.weight, m.bias, (1, m.num_channels) + (1,) * (x.ndim - 2))


def instance_norm(g: Any, m: _InstanceNorm, path: str, x: Any, src: str, dst: str) -> None:
    if x.ndim != m._dims + 2:
        raise ValueError("only batched inputs (N, C, *spatial) are exported")
    channel = (1, m.num_features) + (1,) * (x.ndim - 2)
    if m.track_running_stats:  # evaluation with running statistics: batch norm's formula
        assert m.running_mean is not None and m.running_var is not None  # registered with the flag
        dtype = x.dtype
        inputs = [
            src,
            g.initializer(f"{path}.scale", m.weight.array if m.weight is not None else np.ones(m.num_features, dtype)),
            g.initializer(f"{path}.shift", m.bias.array if m.bias is not None else np.zeros(m.num_features, dtype)),
            g.initializer(f"{path}.running_mean", m.running_mean.array),
            g.initializer(f"{path}.running_var", m.running_var.array),
        ]
        g.node("BatchNormalization", inputs, [dst], epsilon=float(m.eps))
        return
    normed = _normalize_groups(g, path, src, x, m.num_features, m.eps)
    _affine(g, path, normed, dst, m.weight, m.bias, channel)


def pixel_shuffle(g: Any, m: PixelShuffle | PixelUnshuffle, path: str, x: Any, src: str, dst: str) -> None:
    if x.ndim != 4:
        raise ValueError("only 4-D inputs (N, C, H, W) are exported")
    if isinstance(m, PixelShuffle):
        shuffle_nodes(g, path, src, dst, x.shape[1], int(m.upscale_factor), inverse=False)
    else:
        shuffle_nodes(g, path, src, dst, x.shape[1], int(m.downscale_factor), inverse=True)


def shuffle_nodes(g: Any, hint: str, src: str, dst: str, channels: int, r: int, inverse: bool) -> None:
    r"""Pixel shuffle (``inverse``: unshuffle) of a 4-D input of ``channels`` channels by ``r``:
    ONNX's DepthToSpace in mode CRD (channel $c r^2 + i r + j$ to the block's position $(i, j)$), as
    ``torch.onnx.export`` writes it; the inverse, SpaceToDepth, whose channels come block position
    first ($(i r + j) C + c$), then a ``Gather`` of the channels into PyTorch's order
    ($c r^2 + i r + j$). Neither holds the image size, so it may be dynamic."""
    if not inverse:
        g.node("DepthToSpace", [src], [dst], blocksize=r, mode="CRD")
        return
    blocks = g.fresh(f"{hint}.blocks")
    g.node("SpaceToDepth", [src], [blocks], blocksize=r)
    order = (np.arange(r * r)[None, :] * channels + np.arange(channels)[:, None]).reshape(
        -1
    )  # [c r^2 + k] reads k C + c
    g.node("Gather", [blocks, g.constant(f"{hint}.channels", order.astype(np.int64))], [dst], axis=1)


def unflatten(g: Any, m: Unflatten, path: str, x: Any, src: str, dst: str) -> None:
    axis = m.dim % x.ndim
    if axis == 0:
        raise ValueError("splitting the batch axis is not exported (the batch size is dynamic)")
    sizes = list(m.unflattened_size)
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes and known:
        sizes[sizes.index(-1)] = x.shape[axis] // known
    shape = [0, *x.shape[1:axis], *sizes, *x.shape[axis + 1 :]]
    g.node("Reshape", [src, g.constant(f"{path}.shape", np.array(shape, dtype=np.int64))], [dst])


CONVERTERS: dict[type, Any] = {
    GELU: gelu,
    LayerNorm: layer_norm,
    GroupNorm: group_norm,
    _InstanceNorm: instance_norm,
    PixelShuffle: pixel_shuffle,
    PixelUnshuffle: pixel_shuffle,
    Unflatten: unflatten,
}
