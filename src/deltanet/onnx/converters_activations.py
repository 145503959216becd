"""ONNX conversions of the activations beyond the seeds' (hard tanh and ReLU6, hard sigmoid and
swish, the shrinkages, threshold, RReLU in evaluation, CELU, SELU, Mish, log-sigmoid, softsign,
tanhshrink, GLU, softmin and ``Softmax2d``), in opset 17: ONNX's own operator where it has one
with the same formula (``Clip``, ``HardSigmoid``, ``HardSwish``, ``Shrink``, ``Celu``, ``Selu``,
``Softsign``), otherwise a few elementary nodes. ``deltanet.onnx.converters.CONVERTERS`` lists them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.functional.activations import implicit_softmax_dim
from deltanet.functional.smooth_activations import SELU_ALPHA, SELU_SCALE
from deltanet.nn.activation import GLU, Softmax2d, Softmin
from deltanet.nn.piecewise_activation import (
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    RReLU,
    Softshrink,
    Threshold,
)
from deltanet.nn.smooth_activation import CELU, SELU, LogSigmoid, Mish, Softsign, Tanhshrink


def hardtanh(g: Any, m: Hardtanh, path: str, x: Any, src: str, dst: str) -> None:
    low = g.constant(f"{path}.min_val", np.array(m.min_val, dtype=x.dtype))
    high = g.constant(f"{path}.max_val", np.array(m.max_val, dtype=x.dtype))
    g.node("Clip", [src, low, high], [dst])


def shrink(g: Any, m: Hardshrink, path: str, x: Any, src: str, dst: str) -> None:
    # ONNX's Shrink: x - bias above lambd, x + bias below -lambd, else 0
    bias = float(m.lambd) if isinstance(m, Softshrink) else 0.0
    g.node("Shrink", [src], [dst], lambd=float(m.lambd), bias=bias)


def threshold(g: Any, m: Threshold, path: str, x: Any, src: str, dst: str) -> None:
    cut = g.constant(f"{path}.threshold", np.array(m.threshold, dtype=x.dtype))
    value = g.constant(f"{path}.value", np.array(m.value, dtype=x.dtype))
    below = g.fresh(f"{path}.below")
    g.node("LessOrEqual", [src, cut], [below])
    g.node("Where", [below, value, src], [dst])


def rrelu(g: Any, m: RReLU, path: str, x: Any, src: str, dst: str) -> None:
    g.node("LeakyRelu", [src], [dst], alpha=(float(m.lower) + float(m.upper)) / 2)  # evaluation: the mean slope


def celu(g: Any, m: CELU, path: str, x: Any, src: str, dst: str) -> None:
    g.node("Celu", [src], [dst], alpha=float(m.alpha))


def selu(g: Any, m: SELU, path: str, x: Any, src: str, dst: str) -> None:
    g.node("Selu", [src], [dst], alpha=SELU_ALPHA, gamma=SELU_SCALE)


def mish(g: Any, m: Mish, path: str, x: Any, src: str, dst: str) -> None:
    soft, t = g.fresh(f"{path}.softplus"), g.fresh(f"{path}.tanh")  # ONNX's Mish needs opset 18
    g.node("Softplus", [src], [soft])
    g.node("Tanh", [soft], [t])
    g.node("Mul", [src, t], [dst])


def logsigmoid(g: Any, m: LogSigmoid, path: str, x: Any, src: str, dst: str) -> None:
    negative, soft = g.fresh(f"{path}.neg"), g.fresh(f"{path}.softplus")  # -softplus(-x)
    g.node("Neg", [src], [negative])
    g.node("Softplus", [negative], [soft])
    g.node("Neg", [soft], [dst])


def tanhshrink(g: Any, m: Tanhshrink, path: str, x: Any, src: str, dst: str) -> None:
    t = g.fresh(f"{path}.tanh")
    g.node("Tanh", [src], [t])
    g.node("Sub", [src, t], [dst])


def glu(g: Any, m: GLU, path: str, x: Any, src: str, dst: str) -> None:
    half = x.shape[m.dim] // 2
    sizes = g.constant(f"{path}.split", np.array([half, half], dtype=np.int64))
    first, second, gate = g.fresh(f"{path}.a"), g.fresh(f"{path}.b"), g.fresh(f"{path}.gate")
    g.node("Split", [src, sizes], [first, second], axis=int(m.dim))
    g.node("Sigmoid", [second], [gate])
    g.node("Mul", [first, gate], [dst])


def softmin(g: Any, m: Softmin, path: str, x: Any, src: str, dst: str) -> None:
    axis = implicit_softmax_dim(x.ndim) if m.dim is None else m.dim
    negative = g.fresh(f"{path}.neg")
    g.node("Neg", [src], [negative])
    g.node("Softmax", [negative], [dst], axis=int(axis))


def _simple(op: str, **attrs: Any) -> Any:
    def convert(g: Any, m: Any, path: str, x: Any, src: str, dst: str) -> None:
        g.node(op, [src], [dst], **attrs)

    return convert


CONVERTERS = {
    Hardtanh: hardtanh,  # ReLU6 is a Hardtanh(0, 6)
    Hardsigmoid: _simple("HardSigmoid", alpha=1.0 / 6, beta=0.5),
    Hardswish: _simple("HardSwish"),
    Hardshrink: shrink,  # Softshrink too (a subclass with the same attribute)
    Softshrink: shrink,
    Threshold: threshold,
    RReLU: rrelu,
    CELU: celu,
    SELU: selu,
    Mish: mish,
    LogSigmoid: logsigmoid,
    Softsign: _simple("Softsign"),
    Tanhshrink: tanhshrink,
    GLU: glu,
    Softmin: softmin,
    Softmax2d: _simple("Softmax", axis=-3),
}
