"""The op registry: every ``Function`` subclass of deltanet, with what the tests need to check it.

Each entry (an :class:`OpInfo`) names the ``Function`` class and gives

- ``call``: how a user reaches it, through a public function (``F.conv2d``, ``x + y``, ...);
- ``reference``: the same forward written in plain NumPy, independently of deltanet (naive loops
  for the convolutions and pools);
- ``samples(rng)``: valid inputs on several shapes (broadcasting, size-1 axes, empty axes where
  they mean something, several option combinations);
- ``errors``: invalid inputs with the error class and a regular expression its message matches.

``tests/reliability/test_ops_registry.py`` runs one suite over all of them (gradcheck in float64,
float32 kept, non-contiguous inputs, declared errors) and fails when a ``Function`` subclass of the
package has no entry here: adding an op means adding it below.

Conventions of a :class:`Sample`: positional ``inputs`` that are NumPy arrays become tensors;
float arrays require a gradient (and are gradchecked) unless their position is in ``constant``,
in which case they are passed as plain arrays (BatchNorm's running statistics, labels of a hinge
loss). Other positional values and all ``kwargs`` are passed as they are.
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import deltanet as dn
import deltanet.functional as F
from deltanet.autograd import (
    aliases,
    angles,
    bessel,
    counting,
    cumulative,
    gamma,
    inplace,
    logarithms,
    logodds,
    matrices,
    ops,
    periodic,
    reductions,
    rounding,
    scattering,
    shapes,
    signs,
    sorting,
    special,
    special_functions,
    statistics,
    trigonometry,
)

# Modules by path: ``deltanet.functional`` re-exports functions that shadow some of its submodules
# (``functional.linear`` is the function).
scatter_reduce_mod = importlib.import_module("deltanet.autograd.scatter_reduce")
windows_mod = importlib.import_module("deltanet.autograd.windows")
act = importlib.import_module("deltanet.functional.activations")
bn = importlib.import_module("deltanet.functional.batchnorm")
sbn = importlib.import_module("deltanet.functional.sync_batchnorm")
conv_mod = importlib.import_module("deltanet.functional.conv")
drop = importlib.import_module("deltanet.functional.dropout")
lin = importlib.import_module("deltanet.functional.linear")
lrn = importlib.import_module("deltanet.functional.lrn")
L = importlib.import_module("deltanet.functional.losses")
pool = importlib.import_module("deltanet.functional.pooling")
ups = importlib.import_module("deltanet.functional.upsample")
emb = importlib.import_module("deltanet.functional.embedding")
kld = importlib.import_module("deltanet.functional.kl_div")
padding_mod = importlib.import_module("deltanet.functional.padding")
shuffle = importlib.import_module("deltanet.functional.pixel_shuffle")


@dataclass
class Sample:
    """One call of an op: ``call(*inputs, **kwargs)``; see the module docstring."""

    name: str
    inputs: tuple
    kwargs: dict = field(default_factory=dict)
    constant: tuple = ()


@dataclass
class ErrorCase:
    """An invalid call and the error it must raise (``exc``, message matching ``match``)."""

    name: str
    inputs: tuple
    kwargs: dict
    exc: type
    match: str


@dataclass
class OpInfo:
    function: type
    call: Callable[..., Any]
    reference: Callable[..., np.ndarray] | None
    samples: Callable[[np.random.Generator], list[Sample]]
    errors: list[ErrorCase] = field(default_factory=list)
    differentiable: bool = True
    # Forward-only ops: what backward raises instead of a gradient.
    backward_error: tuple[type, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.function.__module__.rsplit('.', 1)[-1]}.{self.function.__qualname__}"


def S(name: str, *inputs: Any, constant: tuple = (), **kwargs: Any) -> Sample:
    return Sample(name, inputs, kwargs, constant)


def E(name: str, exc: type, match: str, *inputs: Any, **kwargs: Any) -> ErrorCase:
    return ErrorCase(name, inputs, kwargs, exc, match)


#: Base classes that hold no op of their own and are never applied.
ABSTRACT = {L._ElementwiseLoss, dn.autograd.function._CtxNode}

REGISTRY: list[OpInfo] = []


def register(info: OpInfo) -> OpInfo:
    REGISTRY.append(info)
    return info


# -- helpers for samples -----------------------------------------------------------------------
def normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.asarray(rng.standard_normal(shape))


def away_from_zero(rng: np.random.Generator, *shape: int, gap: float = 0.1) -> np.ndarray:
    """Values with |x| ≥ gap: no sample sits on a kink of relu, abs, ... (gradcheck steps 1e-6)."""
    x = rng.standard_normal(shape)
    return np.asarray(np.where(x >= 0, x + gap, x - gap))


def positive(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.asarray(rng.uniform(0.5, 2.0, shape))


def probabilities(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.asarray(rng.uniform(0.1, 0.9, shape))


def labels(rng: np.random.Generator, classes: int, *shape: int) -> np.ndarray:
    return rng.integers(0, classes, shape)


def prob_rows(rng: np.random.Generator, shape: tuple, axis: int = 1) -> np.ndarray:
    p = rng.uniform(0.05, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


# -- NumPy references --------------------------------------------------------------------------
def ref_scatter(x, src, index, dim, accumulate):
    z = x.copy()
    for position in np.ndindex(*index.shape):  # naive: one element at a time
        target = list(position)
        target[dim] = index[position]
        z[tuple(target)] = (z[tuple(target)] if accumulate else 0) + src[position]
    return z


def ref_tensor_unfold(x, d, size, step):
    starts = range(0, x.shape[d] - size + 1, step)
    windows = np.stack([np.take(x, range(s, s + size), axis=d) for s in starts], axis=d)
    return np.moveaxis(windows, d + 1, -1)


def ref_index_add(x, src, index, dim):
    z = np.moveaxis(x.copy(), dim, 0)
    for i, row in enumerate(index):
        z[row] += np.moveaxis(src, dim, 0)[i]
    return np.moveaxis(z, 0, dim)


def ref_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def ref_log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    m = z.max(axis=axis, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore"):  # log Σ over an empty axis; the result is empty anyway
        return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def _reduce(loss: np.ndarray, reduction: str, count: float | None = None) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.sum() / (loss.size if count is None else count))


def _tuple(value: Any, d: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


def ref_conv(x, W, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Naive N-d convolution (cross-correlation) with PyTorch's arguments."""
    d = x.ndim - 2
    s, dl = _tuple(stride, d), _tuple(dilation, d)
    k = W.shape[2:]
    if padding == "same":
        pads = [(dl[i] * (k[i] - 1) // 2, dl[i] * (k[i] - 1) - dl[i] * (k[i] - 1) // 2) for i in range(d)]
    elif padding == "valid":
        pads = [(0, 0)] * d
    else:
        pads = [(p, p) for p in _tuple(padding, d)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    n, out_channels = x.shape[0], W.shape[0]
    cpg, opg = x.shape[1] // groups, out_channels // groups
    out_size = [(xp.shape[2 + i] - dl[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(d)]
    z = np.zeros((n, out_channels, *out_size))
    for o in range(out_channels):
        g = o // opg
        for pos in itertools.product(*map(range, out_size)):
            window = xp[
                (slice(None), slice(g * cpg, (g + 1) * cpg))
                + tuple(slice(pos[i] * s[i], pos[i] * s[i] + dl[i] * (k[i] - 1) + 1, dl[i]) for i in range(d))
            ]
            z[(slice(None), o) + pos] = (window * W[o]).sum(axis=tuple(range(1, d + 2)))
    if b is not None:
        z += b.reshape((1, -1) + (1,) * d)
    return z


def ref_conv_transpose(x, W, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Naive N-d transposed convolution: every input value scatters a weighted kernel."""
    d = x.ndim - 2
    s, p, op, dl = (_tuple(v, d) for v in (stride, padding, output_padding, dilation))
    k = W.shape[2:]
    n, c_in = x.shape[:2]
    cpg, opg = c_in // groups, W.shape[1]
    full = [(x.shape[2 + i] - 1) * s[i] + dl[i] * (k[i] - 1) + 1 + op[i] for i in range(d)]
    y = np.zeros((n, opg * groups, *full))
    for c in range(c_in):
        g = c // cpg
        for pos in itertools.product(*map(range, x.shape[2:])):
            target = (slice(None), slice(g * opg, (g + 1) * opg)) + tuple(
                slice(pos[i] * s[i], pos[i] * s[i] + dl[i] * (k[i] - 1) + 1, dl[i]) for i in range(d)
            )
            y[target] += x[(slice(None), c) + pos].reshape((n,) + (1,) * (d + 1)) * W[c]
    out = [full[i] - op[i] - 2 * p[i] + op[i] for i in range(d)]
    y = y[(slice(None), slice(None)) + tuple(slice(p[i], p[i] + out[i]) for i in range(d))]
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * d)
    return y


def ref_pool(x, kernel_size, stride=None, padding=0, kind="max", count_include_pad=True):
    d = x.ndim - 2
    k = _tuple(kernel_size, d)
    s = k if stride is None else _tuple(stride, d)
    p = _tuple(padding, d)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p], constant_values=fill)
    real = np.pad(np.ones(x.shape[2:]), [(q, q) for q in p])
    out_size = [(xp.shape[2 + i] - k[i]) // s[i] + 1 for i in range(d)]
    a = np.zeros(x.shape[:2] + tuple(out_size))
    for pos in itertools.product(*map(range, out_size)):
        idx = tuple(slice(pos[i] * s[i], pos[i] * s[i] + k[i]) for i in range(d))
        window = xp[(slice(None), slice(None)) + idx]
        spatial = tuple(range(2, 2 + d))
        if kind == "max":
            a[(slice(None), slice(None)) + pos] = window.max(axis=spatial)
        else:
            count = math.prod(k) if count_include_pad else real[idx].sum()
            a[(slice(None), slice(None)) + pos] = window.sum(axis=spatial) / count
    return a


def ref_adaptive_avg_pool(x, output_size):
    d = x.ndim - 2
    out = _tuple(output_size, d)
    out = tuple(x.shape[2 + i] if out[i] is None else out[i] for i in range(d))
    a = np.zeros(x.shape[:2] + out)
    for pos in itertools.product(*map(range, out)):
        idx = []
        for i, o in enumerate(pos):
            n = x.shape[2 + i]
            idx.append(slice((o * n) // out[i], -((-(o + 1) * n) // out[i])))
        a[(slice(None), slice(None)) + pos] = x[(slice(None), slice(None)) + tuple(idx)].mean(
            axis=tuple(range(2, 2 + d))
        )
    return a


def ref_upsample(x, scale_factor=2, mode="nearest", align_corners=False, size=None):
    """Point by point: each output value from its source coordinate on every spatial axis."""
    d = x.ndim - 2
    n_in = x.shape[2:]
    if size is not None:
        n_out = _tuple(size, d)
        scale = [n_in[i] / n_out[i] for i in range(d)]
    else:
        r = _tuple(scale_factor, d)
        n_out = tuple(int(math.floor(n_in[i] * r[i])) for i in range(d))
        scale = [1.0 / r[i] for i in range(d)]
    y = np.zeros(x.shape[:2] + tuple(n_out))
    for pos in itertools.product(*map(range, n_out)):
        if mode == "nearest":
            src = tuple(min(int(math.floor(pos[i] * scale[i])), n_in[i] - 1) for i in range(d))
            y[(slice(None), slice(None)) + pos] = x[(slice(None), slice(None)) + src]
            continue
        corners = []
        for i in range(d):
            if align_corners:
                c = pos[i] * (n_in[i] - 1) / (n_out[i] - 1) if n_out[i] > 1 else 0.0
            else:
                c = max((pos[i] + 0.5) * scale[i] - 0.5, 0.0)
            j0 = min(int(math.floor(c)), n_in[i] - 1)
            j1 = min(j0 + 1, n_in[i] - 1)
            lam = c - j0
            corners.append(((j0, 1 - lam), (j1, lam)))
        value = 0.0
        for combo in itertools.product(*corners):
            weight = math.prod(w for _, w in combo)
            value = value + weight * x[(slice(None), slice(None)) + tuple(j for j, _ in combo)]
        y[(slice(None), slice(None)) + pos] = value
    return y


def ref_batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    else:
        mu, var = running_mean.reshape(shape), running_var.reshape(shape)
    y = (x - mu) / np.sqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def ref_dropout(x, p=0.5, training=True, rng=None, channels=False):
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if channels else x.shape
    keep = np.random.default_rng(rng).random(shape) >= p
    return x * keep / (1 - p)


def ref_cross_entropy(z, y, reduction="mean", label_smoothing=0.0, weight=None, ignore_index=-100):
    c = z.shape[1]
    log_s = np.moveaxis(ref_log_softmax(z, 1), 1, -1).reshape(-1, c)
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=float)
    eps = label_smoothing
    if y.shape == z.shape:  # probabilities
        t = np.moveaxis(y, 1, -1).reshape(-1, c)
        t = (1 - eps) * t + eps / c
        loss = -(w * t * log_s).sum(axis=1)
        return _reduce(loss.reshape(z.shape[:1] + z.shape[2:]), reduction)
    labels_ = y.reshape(-1)
    keep = labels_ != ignore_index
    safe = np.where(keep, labels_, 0)
    picked = log_s[np.arange(len(safe)), safe]
    loss = -(1 - eps) * w[safe] * picked - (eps / c) * (w * log_s).sum(axis=1)
    loss = np.where(keep, loss, 0.0)
    return _reduce(loss.reshape(y.shape), reduction, (w[safe] * keep).sum())


def ref_nll(x, y, reduction="mean", weight=None, ignore_index=-100):
    c = x.shape[1]
    flat = np.moveaxis(x, 1, -1).reshape(-1, c)
    labels_ = y.reshape(-1)
    keep = labels_ != ignore_index
    safe = np.where(keep, labels_, 0)
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=float)
    loss = np.where(keep, -w[safe] * flat[np.arange(len(safe)), safe], 0.0)
    return _reduce(loss.reshape(y.shape), reduction, (w[safe] * keep).sum())


def ref_multi_margin(x, y, p=1, margin=1.0, weight=None, reduction="mean"):
    n, c = x.shape
    loss = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                loss[i] += max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
        loss[i] *= (1.0 if weight is None else weight[y[i]]) / c
    return _reduce(loss, reduction)


# == autograd primitives =======================================================================
def _broadcast_pairs(rng: np.random.Generator) -> list[Sample]:
    return [
        S("same shape", normal(rng, 2, 3), normal(rng, 2, 3)),
        S("row vector", normal(rng, 2, 3), normal(rng, 3)),
        S("both stretched", normal(rng, 4, 1, 3), normal(rng, 2, 1)),
        S("scalar", normal(rng), normal(rng, 2)),
        S("size 1", normal(rng, 1), normal(rng, 1, 1)),
        S("empty", normal(rng, 0, 3), normal(rng, 3)),
    ]


_BAD_BROADCAST = [
    E("shapes do not broadcast", ValueError, r"broadcast.*\(2,3\).*\(4,\)", np.ones((2, 3)), np.ones(4)),
]

register(OpInfo(ops.Add, lambda x, y: x + y, np.add, _broadcast_pairs, _BAD_BROADCAST))
register(OpInfo(ops.Mul, lambda x, y: x * y, np.multiply, _broadcast_pairs, _BAD_BROADCAST))
register(
    OpInfo(
        ops.Div,
        lambda x, y: x / y,
        np.divide,
        lambda rng: [
            S("same shape", normal(rng, 2, 3), away_from_zero(rng, 2, 3)),
            S("row", normal(rng, 4, 3), away_from_zero(rng, 3)),
            S("column", normal(rng, 4, 3), away_from_zero(rng, 4, 1)),
            S("scalar divisor", normal(rng, 2), away_from_zero(rng)),
            S("scalar dividend", normal(rng), away_from_zero(rng, 2, 2)),
            S("empty", normal(rng, 0, 3), away_from_zero(rng, 3)),
        ],
        _BAD_BROADCAST,
    )
)
register(
    OpInfo(
        ops.Neg,
        lambda x: -x,
        np.negative,
        lambda rng: [S("2-D", normal(rng, 2, 3)), S("0-D", normal(rng)), S("empty", normal(rng, 0, 2))],
    )
)
register(
    OpInfo(
        ops.Pow,
        lambda x, exponent: x**exponent,
        lambda x, exponent: x**exponent,
        lambda rng: [
            S("square", normal(rng, 2, 3), exponent=2),
            S("sqrt", positive(rng, 3), exponent=0.5),
            S("reciprocal", positive(rng, 2, 2), exponent=-1),
            S("cube, size 1", normal(rng, 1), exponent=3),
            S("empty", positive(rng, 0), exponent=2),
        ],
        [
            E(
                "exponent not a number",
                ValueError,
                r"exponent must be a number or a tensor, got 'a'",
                np.ones(2),
                exponent="a",
            )
        ],
    )
)
register(
    OpInfo(
        ops.Exp,
        lambda x: x.exp(),
        np.exp,
        lambda rng: [S("2-D", normal(rng, 2, 3)), S("0-D", normal(rng)), S("empty", normal(rng, 0))],
    )
)
register(
    OpInfo(
        ops.Log,
        lambda x: x.log(),
        np.log,
        lambda rng: [S("2-D", positive(rng, 2, 3)), S("size 1", positive(rng, 1, 1)), S("empty", positive(rng, 0))],
    )
)
register(
    OpInfo(
        logarithms.Log1p,
        logarithms.log1p,
        np.log1p,
        lambda rng: [S("2-D", positive(rng, 2, 3)), S("near 0", positive(rng, 4) * 1e-6), S("empty", positive(rng, 0))],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
    )
)
register(
    OpInfo(
        logarithms.Expm1,
        logarithms.expm1,
        np.expm1,
        lambda rng: [S("2-D", normal(rng, 2, 3)), S("near 0", normal(rng, 4) * 1e-6), S("empty", normal(rng, 0))],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
    )
)
register(
    OpInfo(
        logarithms.LogBase,
        lambda x: logarithms.log2(x) + logarithms.log10(x),
        lambda x: np.log2(x) + np.log10(x),
        lambda rng: [S("2-D", positive(rng, 2, 3)), S("size 1", positive(rng, 1, 1)), S("empty", positive(rng, 0))],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
    )
)

register(
    OpInfo(
        ops.Tanh,
        F.tanh,
        np.tanh,
        lambda rng: [S("2-D", normal(rng, 2, 3)), S("3-D", normal(rng, 2, 1, 2)), S("empty", normal(rng, 0, 2))],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
    )
)
register(
    OpInfo(
        ops.Sigmoid,
        F.sigmoid,
        ref_sigmoid,
        lambda rng: [
            S("2-D", normal(rng, 2, 3)),
            S("large", 20 * normal(rng, 5)),
            S("0-D", normal(rng)),
            S("empty", normal(rng, 0)),
        ],
        [E("float16 data", ValueError, r"float32 or float64, got float16", np.ones(2, np.float16))],
    )
)
register(
    OpInfo(
        ops.ReLU,
        F.relu,
        lambda z: np.maximum(z, 0),
        lambda rng: [S("2-D", away_from_zero(rng, 3, 4)), S("0-D", away_from_zero(rng)), S("empty", normal(rng, 0, 3))],
        [E("complex data", ValueError, r"numeric data.*got dtype complex128", np.ones(2, complex))],
    )
)
register(
    OpInfo(
        ops.MatMul,
        lambda x, y: x @ y,
        np.matmul,
        lambda rng: [
            S("matrix @ matrix", normal(rng, 2, 3), normal(rng, 3, 4)),
            S("vector @ matrix", normal(rng, 3), normal(rng, 3, 2)),
            S("matrix @ vector", normal(rng, 2, 3), normal(rng, 3)),
            S("vector @ vector", normal(rng, 3), normal(rng, 3)),
            S("batched, broadcast", normal(rng, 2, 1, 2, 3), normal(rng, 3, 3, 2)),
            S("size 1", normal(rng, 1, 1), normal(rng, 1, 1)),
            S("empty rows", normal(rng, 0, 3), normal(rng, 3, 2)),
            S("empty inner", normal(rng, 2, 0), normal(rng, 0, 2)),
        ],
        [
            E(
                "inner sizes differ",
                ValueError,
                r"mismatch in its core dimension.*size 4 is different from 3",
                np.ones((2, 3)),
                np.ones((4, 2)),
            ),
            E("0-D operand", ValueError, r"does not have enough dimensions", np.ones(()), np.ones(3)),
        ],
    )
)


def _axis_samples(rng: np.random.Generator, values: Callable) -> list[Sample]:
    return [
        S("all axes", values(rng, 2, 3)),
        S("axis 0", values(rng, 2, 3), axis=0),
        S("axis -1 keepdims", values(rng, 2, 3, 2), axis=-1, keepdims=True),
        S("two axes", values(rng, 2, 3, 2), axis=(0, 2)),
        S("size-1 axis", values(rng, 1, 3), axis=0),
        S("0-D", values(rng)),
    ]


register(
    OpInfo(
        reductions.Sum,
        lambda x, **kw: x.sum(**kw),
        lambda x, axis=None, keepdims=False: x.sum(axis=axis, keepdims=keepdims),
        lambda rng: _axis_samples(rng, normal) + [S("empty axis", normal(rng, 0, 3), axis=0)],
        [
            E(
                "axis out of range",
                ValueError,
                r"axis 3 is out of bounds for array of dimension 2",
                np.ones((2, 3)),
                axis=3,
            )
        ],
    )
)
register(
    OpInfo(
        reductions.Max,
        lambda x, **kw: x.max(**kw),
        lambda x, axis=None, keepdims=False: x.max(axis=axis, keepdims=keepdims),
        lambda rng: _axis_samples(rng, normal) + [S("empty, other axis", normal(rng, 0, 3), axis=1)],
        [
            E("empty", ValueError, r"max\(\) of an empty tensor of shape \(0, 3\)", np.ones((0, 3))),
            E("empty reduced axis", ValueError, r"max\(\) over an empty axis.*shape \(0, 3\)", np.ones((0, 3)), axis=0),
            E("axis out of range", ValueError, r"axis 2 is out of bounds", np.ones((2, 3)), axis=2),
        ],
    )
)
register(
    OpInfo(
        reductions.ExtremeAlong,
        lambda x, dim, keepdim=False, smallest=False: (x.min if smallest else x.max)(dim=dim, keepdim=keepdim).values,
        lambda x, dim, keepdim=False, smallest=False: (np.min if smallest else np.max)(x, axis=dim, keepdims=keepdim),
        lambda rng: [
            S("max along rows", normal(rng, 3, 4), dim=1),
            S("max along columns, kept", normal(rng, 3, 4), dim=0, keepdim=True),
            S("min along the middle axis", normal(rng, 2, 3, 4), dim=1, smallest=True),
            S("min of a vector", normal(rng, 5), dim=-1, smallest=True),
        ],
        [
            E(
                "empty reduced axis",
                ValueError,
                r"max\(\): the reduction axis 0 of a tensor of shape \(0, 3\) is empty",
                np.ones((0, 3)),
                dim=0,
            )
        ],
    )
)
register(
    OpInfo(
        shapes.Reshape,
        lambda x, shape: x.reshape(shape),
        lambda x, shape: x.reshape(shape),
        lambda rng: [
            S("2-D to 1-D", normal(rng, 2, 3), shape=(6,)),
            S("-1", normal(rng, 2, 3, 2), shape=(3, -1)),
            S("0-D", normal(rng), shape=(1, 1)),
            S("empty", normal(rng, 0, 4), shape=(2, 0, 2)),
        ],
        [
            E(
                "wrong size",
                ValueError,
                r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) to \(4, 2\)",
                np.ones((2, 3)),
                shape=(4, 2),
            )
        ],
    )
)
register(
    OpInfo(
        shapes.Transpose,
        lambda x, axes=None: x.transpose(axes) if axes else x.T,
        lambda x, axes=None: np.transpose(x, axes),
        lambda rng: [
            S("matrix", normal(rng, 2, 3)),
            S("permutation", normal(rng, 2, 3, 4), axes=(2, 0, 1)),
            S("size 1", normal(rng, 1, 3, 1), axes=(1, 2, 0)),
            S("empty", normal(rng, 0, 3)),
        ],
        [
            E(
                "repeated axis",
                ValueError,
                r"permute: dims must be a permutation of the 3 axes",
                np.ones((2, 3, 4)),
                axes=(0, 0, 1),
            )
        ],
    )
)
register(
    OpInfo(
        shapes.GetItem,
        lambda x, index: x[index],
        lambda x, index: x[index],
        lambda rng: [
            S("slice", normal(rng, 4, 3), index=(slice(1, 3),)),
            S("step and int", normal(rng, 4, 3), index=(slice(None, None, 2), 1)),
            S("repeated fancy index", normal(rng, 4, 3), index=np.array([0, 2, 0, 0])),
            S("boolean mask", normal(rng, 4), index=np.array([True, False, True, True])),
            S("new axis and ellipsis", normal(rng, 2, 3), index=(Ellipsis, None)),
            S("empty selection", normal(rng, 4, 3), index=np.array([], dtype=np.int64)),
        ],
        [E("index out of range", IndexError, r"index 5 is out of bounds for axis 0 with size 3", np.ones(3), index=5)],
    )
)
register(
    OpInfo(
        shapes.Cat,
        lambda *xs, axis=0: dn.cat(xs, axis=axis),
        lambda *xs, axis=0: np.concatenate(xs, axis=axis),
        lambda rng: [
            S("axis 0", normal(rng, 2, 3), normal(rng, 1, 3)),
            S("axis 1, three inputs", normal(rng, 2, 1), normal(rng, 2, 2), normal(rng, 2, 3), axis=1),
            S("negative axis", normal(rng, 2, 2), normal(rng, 2, 1), axis=-1),
            S("one empty", normal(rng, 0, 3), normal(rng, 2, 3)),
        ],
        [
            E("ranks differ", ValueError, r"cat\(\) needs tensors of equal rank", np.ones((2, 3)), np.ones(3)),
            E(
                "sizes differ",
                ValueError,
                r"cat\(\) along axis 0 needs equal sizes on the other axes",
                np.ones((2, 3)),
                np.ones((2, 4)),
            ),
            E(
                "axis out of range",
                ValueError,
                r"cat\(\) axis 2 is out of range for tensors of rank 2",
                np.ones((2, 3)),
                axis=2,
            ),
        ],
    )
)
register(
    OpInfo(
        shapes.Stack,
        lambda *xs, axis=0: dn.stack(xs, axis=axis),
        lambda *xs, axis=0: np.stack(xs, axis=axis),
        lambda rng: [
            S("axis 0", normal(rng, 2, 3), normal(rng, 2, 3)),
            S("last axis", normal(rng, 3), normal(rng, 3), normal(rng, 3), axis=1),
            S("0-D", normal(rng), normal(rng)),
            S("empty", normal(rng, 0, 2), normal(rng, 0, 2), axis=1),
        ],
        [
            E("shapes differ", ValueError, r"stack\(\) needs tensors of equal shape", np.ones(2), np.ones(3)),
            E(
                "axis out of range",
                ValueError,
                r"stack\(\) axis 3 is out of range for tensors of rank 1",
                np.ones(2),
                axis=3,
            ),
        ],
    )
)


def _UNARY(values: Callable) -> Callable[[np.random.Generator], list[Sample]]:
    """Samples of a unary elementwise op: 2-D, 0-D and empty inputs drawn by ``values``."""
    return lambda rng: [S("2-D", values(rng, 2, 3)), S("0-D", values(rng)), S("empty", values(rng, 0, 2))]


_STRING_DATA = [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))]
register(OpInfo(ops.Sin, dn.sin, np.sin, _UNARY(normal), _STRING_DATA))
register(OpInfo(ops.Cos, dn.cos, np.cos, _UNARY(normal), _STRING_DATA))

# -- elementwise math: logodds, angles, periodic, signs, gamma, bessel ----------------------------
try:
    from scipy import special as _scipy_special
except ImportError:  # pragma: no cover - the forwards are still checked against PyTorch in tests/autograd
    _scipy_special = None


def _probabilities(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.asarray(rng.uniform(0.1, 0.9, shape))


def _off_integers(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Values at least 0.1 from an integer (poles of lgamma and digamma, jumps of frac and fmod)."""
    x = rng.uniform(-4.0, 4.0, shape)
    return np.asarray(np.floor(x) + 0.1 + 0.8 * (x - np.floor(x)))


_INTEGER_TENSORS = dn.tensor([1, 2]), dn.tensor([3, 4])
register(
    OpInfo(
        logodds.Logit,
        lambda x, eps=None: dn.logit(x, eps=eps),
        lambda x, eps=None: (
            np.log(np.clip(x, eps, 1 - eps) / (1 - np.clip(x, eps, 1 - eps)))
            if eps is not None
            else np.log(x / (1 - x))
        ),
        lambda rng: [
            S("2-D", _probabilities(rng, 2, 3)),
            S("0-D", _probabilities(rng)),
            S("eps cuts the ends", np.array([0.01, 0.3, 0.7, 0.995]), eps=0.05),
            S("empty", _probabilities(rng, 0, 2)),
        ],
        [E("negative eps", ValueError, r"logit: eps must be a number in \[0, 0.5\], got -1", np.ones(2) / 2, eps=-1)],
    )
)
register(
    OpInfo(
        logodds.XLogY,
        dn.xlogy,
        lambda x, y: np.where(x == 0, 0.0, x * np.log(y)),
        lambda rng: [
            S("same shape", normal(rng, 2, 3), positive(rng, 2, 3)),
            S("zeros of x", np.array([0.0, 0.5, 0.0, -1.5]), positive(rng, 4)),
            S("broadcast", normal(rng, 3), positive(rng, 2, 1)),
            S("empty", normal(rng, 0, 3), positive(rng, 3)),
        ],
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        logodds.LogAddExp,
        lambda x, y, base=0: (dn.logaddexp2 if base == 2 else dn.logaddexp)(x, y),
        lambda x, y, base=0: np.log2(2**x + 2**y) if base == 2 else np.log(np.exp(x) + np.exp(y)),
        lambda rng: [
            S("same shape", normal(rng, 2, 3), normal(rng, 2, 3)),
            S("broadcast, base 2", normal(rng, 3), normal(rng, 2, 1), base=2),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [
            E(
                "integer tensors",
                TypeError,
                r"logaddexp: needs floating-point tensors, got dtype int64",
                *_INTEGER_TENSORS,
            )
        ],
    )
)
register(
    OpInfo(
        angles.Atan2,
        dn.atan2,
        np.arctan2,
        lambda rng: [
            S("same shape", away_from_zero(rng, 2, 3), away_from_zero(rng, 2, 3)),
            S("broadcast", away_from_zero(rng, 3), away_from_zero(rng, 2, 1)),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        angles.Hypot,
        dn.hypot,
        lambda x, y: np.sqrt(x * x + y * y),
        lambda rng: [
            S("same shape", away_from_zero(rng, 2, 3), away_from_zero(rng, 2, 3)),
            S("broadcast", away_from_zero(rng, 3), away_from_zero(rng, 2, 1)),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [E("integer tensors", TypeError, r"hypot: needs floating-point tensors, got dtype int64", *_INTEGER_TENSORS)],
    )
)
register(
    OpInfo(
        angles.Sinc,
        dn.sinc,
        lambda x: np.where(x == 0, 1.0, np.sin(np.pi * x) / (np.pi * np.where(x == 0, 1.0, x))),
        lambda rng: [
            S("2-D", normal(rng, 2, 3) * 2),
            S("at 0", np.array([0.0, 0.25, -1.5])),
            S("empty", normal(rng, 0)),
        ],
        _STRING_DATA,
    )
)
register(
    OpInfo(
        periodic.Fmod,
        dn.fmod,
        lambda x, y: x - y * np.trunc(x / y),
        lambda rng: [
            # x / y away from integers: fmod jumps where it is one (gradcheck steps 1e-6).
            S(
                "same shape",
                np.array([[3.5, -2.5, 4.2], [-7.3, 0.4, 1.1]]),
                np.array([[2.0, 1.5, -3.0], [2.0, -0.9, 0.7]]),
            ),
            S("broadcast", np.array([3.5, -2.5, 4.2]), np.array([[2.0], [-1.5]])),
            S("empty", normal(rng, 0, 2), away_from_zero(rng, 2)),
        ],
        [
            E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4)),
            E(
                "integer zero",
                ZeroDivisionError,
                r"fmod: integer division by zero",
                dn.tensor([7, 8]),
                np.zeros(2, int),
            ),
        ],
    )
)
register(
    OpInfo(
        periodic.Frac,
        dn.frac,
        lambda x: x - np.trunc(x),
        _UNARY(_off_integers),
        [E("integer tensor", TypeError, r"frac: needs floating-point tensors, got dtype int64", dn.tensor([1, 2]))],
    )
)
register(
    OpInfo(
        signs.Copysign,
        dn.copysign,
        lambda x, y: np.abs(x) * np.where(np.signbit(y), -1.0, 1.0),
        lambda rng: [
            S("same shape", away_from_zero(rng, 2, 3), away_from_zero(rng, 2, 3)),
            S("broadcast", away_from_zero(rng, 3), away_from_zero(rng, 2, 1)),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        signs.Heaviside,
        dn.heaviside,
        lambda x, values: np.where(x == 0, values, (x > 0).astype(float)),
        lambda rng: [
            S("zeros and a value", np.array([[-1.5, 0.0, 2.0], [0.0, 3.0, -0.5]]), np.array(0.5)),
            S("values broadcast", np.array([0.0, -1.0, 0.0]), np.array([0.25, 0.5, 0.75])),
        ],
        [
            E("values not a tensor", TypeError, r"heaviside: values must be a tensor, got float", np.zeros(2), 0.5),
            E(
                "other dtype",
                ValueError,
                r"heaviside: values must have the input's dtype float64",
                np.zeros(2),
                dn.tensor(0.5),
            ),
        ],
        differentiable=False,
        backward_error=(RuntimeError, r"the derivative for heaviside is not implemented"),
    )
)
register(
    OpInfo(
        gamma.Lgamma,
        dn.lgamma,
        None if _scipy_special is None else _scipy_special.gammaln,
        lambda rng: [
            S("positive", positive(rng, 2, 3) * 3),
            S("negative, off the poles", _off_integers(rng, 5)),
            S("empty", positive(rng, 0)),
        ],
        _STRING_DATA,
    )
)
register(
    OpInfo(
        gamma.Polygamma,
        lambda x, n: dn.polygamma(n, x),
        None if _scipy_special is None else (lambda x, n: _scipy_special.polygamma(n, x)),
        lambda rng: [
            S("digamma", positive(rng, 2, 3) * 3, n=0),
            S("digamma, negative", _off_integers(rng, 5), n=0),
            S("trigamma", positive(rng, 2, 3) * 5, n=1),
            S("order 3, negative", _off_integers(rng, 4), n=3),
            S("empty", positive(rng, 0), n=2),
        ],
        [E("negative order", ValueError, r"polygamma: n must be a non-negative integer, got -1", np.ones(2), n=-1)],
    )
)
_ELEMENTARY_DOMAIN = {
    "tan": (-1.2, 1.2), "atan": (-3.0, 3.0), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "sinh": (-3.0, 3.0),
    "cosh": (-3.0, 3.0), "asinh": (-3.0, 3.0), "acosh": (1.1, 4.0), "atanh": (-0.9, 0.9), "exp2": (-3.0, 3.0),
}  # fmt: skip
_NUMPY_NAME = {"atan": "arctan", "asin": "arcsin", "acos": "arccos", "asinh": "arcsinh", "acosh": "arccosh",
               "atanh": "arctanh"}  # fmt: skip
register(
    OpInfo(
        trigonometry.Elementary,
        lambda x, which: getattr(dn, which)(x),
        lambda x, which: getattr(np, _NUMPY_NAME.get(which, which))(x),
        lambda rng: (
            [
                S(f"{name}, 2-D", np.asarray(rng.uniform(low, high, (2, 3))), which=name)
                for name, (low, high) in _ELEMENTARY_DOMAIN.items()
            ]
            + [S("empty", normal(rng, 0, 2), which="tan"), S("0-D", np.asarray(rng.uniform(-0.5, 0.5)), which="atanh")]
        ),
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]), which="tan")],
    )
)
register(
    OpInfo(
        special_functions.Entr,
        dn.special.entr,
        lambda x: np.where(x == 0, 0.0, -x * np.log(np.where(x > 0, x, 1.0))),
        _UNARY(positive),
        _STRING_DATA,
    )
)
register(
    OpInfo(
        aliases.FMax,
        lambda x, y, largest=True: (dn.fmax if largest else dn.fmin)(x, y),
        lambda x, y, largest=True: np.fmax(x, y) if largest else np.fmin(x, y),
        lambda rng: [
            S("same shape", normal(rng, 2, 3), normal(rng, 2, 3)),
            S("NaN ignored", np.array([1.0, np.nan, 2.0]), np.array([0.5, 0.25, np.nan])),
            S("broadcast, fmin", normal(rng, 3), normal(rng, 2, 1), largest=False),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        bessel.I0,
        dn.i0,
        lambda x: sum((x / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(60)),
        _UNARY(lambda rng, *shape: np.asarray(normal(rng, *shape) * 4)),
        _STRING_DATA,
    )
)
register(
    OpInfo(
        ops.Sqrt,
        dn.sqrt,
        np.sqrt,
        _UNARY(positive),
        _STRING_DATA,
    )
)
register(OpInfo(ops.Abs, dn.abs, np.abs, _UNARY(away_from_zero), _STRING_DATA))
register(
    OpInfo(
        ops.Clamp,
        lambda x, low=None, high=None: dn.clamp(x, low, high),
        lambda x, low=None, high=None: np.clip(x, low, high),
        lambda rng: [
            S("both bounds", normal(rng, 3, 4), low=-0.5, high=0.5),
            S("min only", normal(rng, 5), low=0.1),
            S("max only", normal(rng, 2, 2), high=-0.2),
            S("empty", normal(rng, 0, 3), low=0.0, high=1.0),
        ],
        [
            E("no bound", ValueError, r"clamp: give min, max or both", np.ones(2)),
            E("bound not a number", ValueError, r"clamp: min must be a number.*got 'a'", np.ones(2), low="a"),
        ],
    )
)
register(
    OpInfo(
        ops.PowTensor,
        lambda x, y: x**y,
        np.power,
        lambda rng: [
            S("positive base", positive(rng, 2, 3), normal(rng, 2, 3)),
            S("broadcast exponent", positive(rng, 2, 3), normal(rng, 3)),
            S("negative base, integer exponents", normal(rng, 4), np.array([2.0, 3.0, -1.0, 0.0]), constant=(1,)),
            S("empty", positive(rng, 0, 2), normal(rng, 2)),
        ],
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        ops.Maximum,
        dn.maximum,
        np.maximum,
        _broadcast_pairs,
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        ops.Minimum,
        dn.minimum,
        np.minimum,
        _broadcast_pairs,
        [E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4))],
    )
)
register(
    OpInfo(
        ops.FloorDivide,
        lambda x, y: x // y,
        np.floor_divide,
        lambda rng: [
            S("same shape", normal(rng, 2, 3) * 5, away_from_zero(rng, 2, 3)),
            S("broadcast", normal(rng, 3) * 5, away_from_zero(rng, 2, 1)),
            S("empty", normal(rng, 0, 2), away_from_zero(rng, 2)),
        ],
        [
            E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4)),
            E(
                "integer zero",
                ZeroDivisionError,
                r"floor_divide: integer division by zero",
                dn.tensor([7, 8]),  # a tensor: integer arrays alone would meet NumPy's own operator
                np.zeros(2, int),
            ),
        ],
        differentiable=False,
        backward_error=(RuntimeError, r"derivative for floor_divide \(//\) is not implemented"),
    )
)
register(
    OpInfo(
        ops.Remainder,
        lambda x, y: x % y,
        np.remainder,
        lambda rng: [
            # x / y away from integers: the remainder jumps where it is one (gradcheck steps 1e-6).
            S(
                "same shape",
                np.array([[3.5, -2.5, 4.2], [-7.3, 0.4, 1.1]]),
                np.array([[2.0, 1.5, -3.0], [2.0, -0.9, 0.7]]),
            ),
            S("broadcast", np.array([3.5, -2.5, 4.2]), np.array([[2.0], [-1.5]])),
            S("empty", normal(rng, 0, 2), away_from_zero(rng, 2)),
        ],
        [
            E("shapes do not broadcast", ValueError, r"broadcast", np.ones((2, 3)), np.ones(4)),
            E(
                "integer zero",
                ZeroDivisionError,
                r"remainder: integer division by zero",
                dn.tensor([7, 8]),
                np.zeros(2, int),
            ),
        ],
    )
)
register(
    OpInfo(
        sorting.Flip,
        lambda x, dims: dn.flip(x, dims),
        lambda x, dims: np.flip(x, dims),
        lambda rng: [
            S("one axis", normal(rng, 3, 4), dims=[1]),
            S("two axes", normal(rng, 2, 3, 4), dims=[0, -1]),
            S("empty", normal(rng, 0, 2), dims=[0]),
        ],
        [
            E("axis twice", ValueError, r"flip: each axis may appear once in dims", np.ones((2, 2)), dims=[0, 0]),
            E("axis out of range", IndexError, r"flip: dimension out of range", np.ones(2), dims=[1]),
        ],
    )
)
register(
    OpInfo(
        sorting.CumSum,
        lambda x, dim: dn.cumsum(x, dim),
        lambda x, dim: np.cumsum(x, axis=dim),
        lambda rng: [
            S("vector", normal(rng, 5), dim=0),
            S("last axis", normal(rng, 2, 3, 4), dim=-1),
            S("middle axis", normal(rng, 2, 3, 4), dim=1),
            S("empty", normal(rng, 0, 3), dim=1),
        ],
        [E("axis out of range", IndexError, r"cumsum: dimension out of range", np.ones(2), dim=1)],
    )
)
register(
    OpInfo(
        ops.Where,
        lambda x, y, condition: dn.where(condition, x, y),
        lambda x, y, condition: np.where(condition, x, y),
        lambda rng: [
            S("same shape", normal(rng, 2, 3), normal(rng, 2, 3), condition=rng.random((2, 3)) > 0.5),
            S("broadcast", normal(rng, 3), normal(rng, 2, 1), condition=np.array([True, False, True])),
            S("empty", normal(rng, 0, 2), normal(rng, 2), condition=np.zeros((0, 2), bool)),
        ],
        [
            E(
                "condition not bool",
                ValueError,
                r"condition must be a bool tensor",
                np.ones(2),
                np.ones(2),
                condition=1.0,
            )
        ],
    )
)
register(
    OpInfo(
        ops.Cast,
        lambda x, dtype=None: x.clone() if dtype is None else x.to(dtype),
        lambda x, dtype=None: x.copy(),
        _UNARY(normal),
        [E("float16", ValueError, r"float32 or float64, got float16", np.ones(2), dtype="float16")],
    )
)
register(
    OpInfo(
        reductions.Prod,
        lambda x, **kw: x.prod(**kw),
        lambda x, dim=None, keepdim=False: np.prod(x, axis=dim, keepdims=keepdim),
        lambda rng: [
            S("all", normal(rng, 2, 3)),
            S("dim 0", normal(rng, 3, 2), dim=0),
            S("dim -1 keepdim", normal(rng, 2, 4), dim=-1, keepdim=True),
            S("one zero", np.array([[0.0, 2.0, -1.5], [1.0, 0.5, 3.0]]), dim=1),
            S("two zeros", np.array([0.0, 2.0, 0.0, 1.5])),
            S("0-D", normal(rng)),
            S("empty axis", normal(rng, 0, 3), dim=0),
        ],
        [E("several axes", ValueError, r"prod: dim must be one axis", np.ones((2, 3)), dim=(0, 1))],
    )
)
register(
    OpInfo(
        importlib.import_module("deltanet.autograd.arranging").Diagonal,
        lambda x, **kw: dn.diagonal(x, **kw),
        lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2).copy(),
        lambda rng: [
            S("main", normal(rng, 3, 3)),
            S("above, batch first", normal(rng, 2, 3, 4), offset=1, dim1=1, dim2=2),
            S("below, swapped axes", normal(rng, 4, 2, 3), offset=-1, dim1=2, dim2=0),
            S("past the corner: empty", normal(rng, 2, 2), offset=3),
        ],
        [E("one axis twice", ValueError, r"diagonal: dim1 and dim2 must differ", np.ones((2, 2)), dim1=1, dim2=1)],
    )
)
register(
    OpInfo(
        reductions.StdFromVariance,
        lambda x, **kw: x.std(**kw),
        lambda x, dim=None, keepdim=False, correction=1: np.std(x, axis=dim, keepdims=keepdim, ddof=correction),
        lambda rng: [
            S("every element", normal(rng, 2, 3)),
            S("dim 1, keepdim", normal(rng, 3, 4), dim=1, keepdim=True),
            S("two dims, correction 0", normal(rng, 2, 3, 2), dim=(0, 2), correction=0),
        ],
        [E("integer dim of a float", ValueError, r"dim must be an integer", np.ones((2, 2)), dim=1.5)],
    )
)
register(
    OpInfo(
        reductions.VectorNorm,
        lambda x, **kw: x.norm(**kw),
        lambda x, p=2, dim=None, keepdim=False: (np.abs(x) ** p).sum(axis=dim, keepdims=keepdim) ** (1 / p),
        lambda rng: [
            S("Euclidean", normal(rng, 2, 3)),
            S("p=1, dim 1", away_from_zero(rng, 3, 4), p=1, dim=1),
            S("p=3, two dims keepdim", normal(rng, 2, 3, 2), p=3, dim=(0, 2), keepdim=True),
            S("0-D", normal(rng)),
            S("empty", normal(rng, 0, 3), dim=1),
        ],
        [E("nuclear norm", ValueError, r"norm: p must be 'fro' or a number, got 'nuc'", np.ones((2, 2)), p="nuc")],
    )
)
register(
    OpInfo(
        shapes.Expand,
        lambda x, shape: x.expand(*shape),
        lambda x, shape: np.broadcast_to(
            x, [x.shape[i - len(shape) + x.ndim] if n == -1 else n for i, n in enumerate(shape)]
        ),
        lambda rng: [
            S("column", normal(rng, 3, 1), shape=(3, 4)),
            S("new leading axis", normal(rng, 2), shape=(3, 2)),
            S("-1 keeps a size", normal(rng, 1, 3), shape=(2, -1)),
            S("empty", normal(rng, 1, 2), shape=(0, 2)),
        ],
        [
            E(
                "size mismatch",
                ValueError,
                r"expand: size 4 does not match axis 1 of size 3",
                np.ones((2, 3)),
                shape=(2, 4),
            )
        ],
    )
)
register(
    OpInfo(
        shapes.Repeat,
        lambda x, repeats: x.repeat(*repeats),
        lambda x, repeats: np.tile(x, repeats),
        lambda rng: [
            S("1-D", normal(rng, 3), repeats=(2,)),
            S("2-D", normal(rng, 2, 3), repeats=(2, 3)),
            S("new axis", normal(rng, 2), repeats=(3, 1)),
            S("empty", normal(rng, 0, 2), repeats=(2, 1)),
        ],
        [
            E(
                "too few repeats",
                ValueError,
                r"repeat: needs at least 2 non-negative counts",
                np.ones((2, 3)),
                repeats=(2,),
            )
        ],
    )
)


def _overwritten(x: dn.Tensor, src: Any) -> dn.Tensor:
    """``copy_`` recorded: an interior tensor (x * 1) whose values are replaced."""
    return (x * 1).copy_(src)


def _assigned(x: dn.Tensor, value: Any, index: Any) -> dn.Tensor:
    """``y[index] = value`` recorded on an interior tensor."""
    y = x * 1
    y[index] = value
    return y


def _ref_assigned(x: np.ndarray, value: np.ndarray, index: Any) -> np.ndarray:
    y = x.copy()
    y[index] = value
    return y


register(
    OpInfo(
        inplace.Overwrite,
        _overwritten,
        lambda x, src: np.broadcast_to(src, x.shape).copy(),
        lambda rng: [
            S("same shape", normal(rng, 2, 3), normal(rng, 2, 3)),
            S("broadcast source", normal(rng, 2, 3), normal(rng, 3)),
            S("empty", normal(rng, 0, 3), normal(rng, 3)),
        ],
        [E("source too large", ValueError, r"broadcast", np.ones(3), np.ones((2, 3)))],
    )
)
register(
    OpInfo(
        inplace.SetItem,
        _assigned,
        _ref_assigned,
        lambda rng: [
            S("rows", normal(rng, 4, 3), normal(rng, 2, 3), index=(slice(1, 3),)),
            S("broadcast value", normal(rng, 4, 3), normal(rng, 3), index=(0,)),
            S("distinct fancy index", normal(rng, 5), normal(rng, 2), index=np.array([3, 0])),
            S("boolean mask", normal(rng, 4), normal(rng, 2), index=np.array([True, False, False, True])),
            S("empty", normal(rng, 0, 2), normal(rng, 2), index=(slice(None),)),
        ],
        [E("value does not fit", ValueError, r"could not broadcast", np.ones((4, 3)), np.ones(4), index=(0,))],
    )
)


def _put_added(x: dn.Tensor, value: Any, index: Any) -> dn.Tensor:
    """``index_put_(..., accumulate=True)`` recorded on an interior tensor."""
    y = x * 1
    y.index_put_(tuple(dn.tensor(i) for i in index), value, accumulate=True)
    return y


def _ref_put_added(x: np.ndarray, value: np.ndarray, index: Any) -> np.ndarray:
    y = x.copy()
    np.add.at(y, index, value)
    return y


register(
    OpInfo(
        inplace.PutAdd,
        _put_added,
        _ref_put_added,
        lambda rng: [
            S(
                "repeated cells",
                normal(rng, 3, 4),
                normal(rng, 5),
                index=(np.array([0, 2, 0, 1, 0]), np.array([1, 3, 1, 0, 1])),
            ),
            S("broadcast value", normal(rng, 4, 3), normal(rng, 3), index=(np.array([1, 1]),)),
            S("empty", normal(rng, 3), normal(rng, 0), index=(np.zeros(0, int),)),
        ],
        [
            E(
                "float index",
                ValueError,
                r"index_put_: index tensors must be integer or bool",
                np.ones(3),
                np.ones(1),
                index=(np.array([0.0]),),
            )
        ],
    )
)
register(
    OpInfo(
        counting.BinCount,
        lambda w, x, minlength=0: dn.bincount(dn.tensor(x), weights=w, minlength=minlength),
        lambda w, x, minlength=0: np.bincount(x, weights=w, minlength=minlength),
        lambda rng: [
            S("weights", normal(rng, 8), x=labels(rng, 4, 8)),
            S("minlength", normal(rng, 5), x=labels(rng, 3, 5), minlength=6),
            S("empty", normal(rng, 0), x=np.zeros(0, int), minlength=2),
        ],
        [
            E("negative value", ValueError, r"bincount: input must hold non-negative", np.ones(2), x=np.array([0, -1])),
            E("weights too short", ValueError, r"bincount: weights must be 1-D", np.ones(1), x=np.array([0, 1])),
        ],
    )
)

# == activations ================================================================================
register(
    OpInfo(
        act.Step,
        F.step,
        lambda z: (z >= 0).astype(z.dtype),
        lambda rng: [S("2-D", away_from_zero(rng, 2, 3)), S("empty", normal(rng, 0))],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
        differentiable=False,
        backward_error=(RuntimeError, r"step function cannot be trained by backpropagation"),
    )
)
register(
    OpInfo(
        act.LeakyReLU,
        F.leaky_relu,
        lambda z, negative_slope=0.01: np.where(z > 0, z, negative_slope * z),
        lambda rng: [
            S("default slope", away_from_zero(rng, 2, 3)),
            S("slope 0.2", away_from_zero(rng, 4), negative_slope=0.2),
            S("empty", normal(rng, 0, 2)),
        ],
        [
            E(
                "slope not a number",
                ValueError,
                r"leaky_relu: negative_slope must be a finite number, got 'a'",
                np.ones(2),
                "a",
            )
        ],
    )
)
register(
    OpInfo(
        act.PReLU,
        F.prelu,
        lambda z, alpha: np.where(
            z > 0, z, (alpha.reshape((1, -1) + (1,) * (z.ndim - 2)) if alpha.size > 1 else alpha) * z
        ),
        lambda rng: [
            S("one alpha", away_from_zero(rng, 2, 3), rng.uniform(0.1, 0.5, 1)),
            S("alpha per channel", away_from_zero(rng, 2, 3, 2), rng.uniform(0.1, 0.5, 3)),
            S("empty batch", normal(rng, 0, 3), rng.uniform(0.1, 0.5, 3)),
        ],
        [
            E(
                "alpha per channel, wrong channels",
                ValueError,
                r"prelu: 3 parameters need an input with 3 channels on axis 1, got shape \(2, 4\)",
                np.ones((2, 4)),
                np.ones(3),
            )
        ],
    )
)
register(
    OpInfo(
        act.ELU,
        F.elu,
        lambda z, alpha=1.0: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))),
        lambda rng: [
            S("default alpha", away_from_zero(rng, 2, 3)),
            S("alpha 0.5", away_from_zero(rng, 4), alpha=0.5),
            S("empty", normal(rng, 0)),
        ],
        [E("alpha not a number", ValueError, r"elu: alpha must be a finite number, got 'a'", np.ones(2), "a")],
    )
)
register(
    OpInfo(
        act.SiLU,
        F.silu,
        lambda z: z * ref_sigmoid(z),
        lambda rng: [
            S("2-D", normal(rng, 2, 3)),
            S("large", 30 * normal(rng, 4)),
            S("0-D", normal(rng)),
            S("empty", normal(rng, 0)),
        ],
    )
)
register(
    OpInfo(
        act.Softplus,
        F.softplus,
        lambda z, beta=1.0, threshold=20.0: np.where(beta * z > threshold, z, np.log1p(np.exp(beta * z)) / beta),
        lambda rng: [
            S("default", normal(rng, 2, 3)),
            S("beta 2, beyond the threshold", np.array([-3.0, 0.5, 12.0, 30.0]), beta=2.0),
            S("0-D", normal(rng)),
            S("empty", normal(rng, 0)),
        ],
        [
            E("beta zero", ValueError, r"softplus: beta must be positive and finite, got 0", np.ones(2), beta=0),
            E(
                "beta NaN",
                ValueError,
                r"softplus: beta must be a finite number, got nan",
                np.ones(2),
                beta=float("nan"),
            ),
            E(
                "threshold not a number",
                ValueError,
                r"softplus: threshold must be a number, got None",
                np.ones(2),
                threshold=None,
            ),
        ],
    )
)
register(
    OpInfo(
        act.Softmax,
        F.softmax,
        lambda z, axis=-1: np.exp(ref_log_softmax(z, axis)),
        lambda rng: [
            S("rows", normal(rng, 2, 3)),
            S("axis 0", normal(rng, 3, 2), axis=0),
            S("3-D, middle axis", normal(rng, 2, 3, 2), axis=1),
            S("one class", normal(rng, 2, 1)),
            S("empty batch", normal(rng, 0, 3)),
            S("empty class axis", normal(rng, 2, 0)),
        ],
        [
            E(
                "axis out of range",
                ValueError,
                r"axis 2 is out of bounds for array of dimension 2",
                np.ones((2, 3)),
                axis=2,
            )
        ],
    )
)
register(
    OpInfo(
        act.LogSoftmax,
        F.log_softmax,
        ref_log_softmax,
        lambda rng: [
            S("rows", normal(rng, 2, 3)),
            S("axis 0", normal(rng, 3, 2), axis=0),
            S("large logits", 1e3 * normal(rng, 2, 3)),
            S("empty batch", normal(rng, 0, 3)),
            S("empty class axis", normal(rng, 2, 0)),
        ],
        [E("axis out of range", ValueError, r"axis 2 is out of bounds", np.ones((2, 3)), axis=2)],
    )
)

# == linear, batch norm, dropout ================================================================
register(
    OpInfo(
        lin.Linear,
        F.linear,
        lambda x, W, b=None: x @ W.T + (0 if b is None else b),
        lambda rng: [
            S("batch", normal(rng, 2, 3), normal(rng, 4, 3), normal(rng, 4)),
            S("no bias", normal(rng, 2, 3), normal(rng, 4, 3)),
            S("one sample, 1-D", normal(rng, 3), normal(rng, 2, 3), normal(rng, 2)),
            S("extra batch axes", normal(rng, 2, 2, 3), normal(rng, 1, 3), normal(rng, 1)),
            S("empty batch", normal(rng, 0, 3), normal(rng, 2, 3), normal(rng, 2)),
        ],
        [
            E(
                "feature count",
                ValueError,
                r"linear: expected input with 3 features in its last axis, got shape \(2, 4\)",
                np.ones((2, 4)),
                np.ones((2, 3)),
            ),
            E("0-D input", ValueError, r"expected input with 3 features.*got shape \(\)", np.ones(()), np.ones((2, 3))),
        ],
    )
)


def _bn_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        S(
            "training (N, C)",
            normal(rng, 4, 3),
            np.zeros(3),
            np.ones(3),
            positive(rng, 3),
            normal(rng, 3),
            constant=(1, 2),
            training=True,
        ),
        S(
            "training (N, C, L), no running stats",
            normal(rng, 2, 2, 3),
            None,
            None,
            positive(rng, 2),
            normal(rng, 2),
            training=True,
        ),
        S("training, no affine", normal(rng, 3, 2, 2, 2), np.zeros(2), np.ones(2), constant=(1, 2), training=True),
        S(
            "evaluation",
            normal(rng, 2, 3),
            normal(rng, 3),
            positive(rng, 3),
            positive(rng, 3),
            normal(rng, 3),
            constant=(1, 2),
            training=False,
        ),
    ]


register(
    OpInfo(
        bn.BatchNorm,
        F.batch_norm,
        ref_batch_norm,
        _bn_samples,
        [
            E(
                "rank 1",
                ValueError,
                r"batch_norm: expected an input of shape \(N, C, \*spatial\).*got shape \(3,\)",
                np.ones(3),
                np.zeros(3),
                np.ones(3),
            ),
            E(
                "running stats of the wrong size",
                ValueError,
                r"batch_norm: running_mean must have shape \(3,\).*got shape \(2,\)",
                np.ones((2, 3)),
                np.zeros(2),
                np.ones(2),
            ),
            E(
                "one value per channel",
                ValueError,
                r"Expected more than 1 value per channel when training",
                np.ones((1, 3)),
                None,
                None,
                training=True,
            ),
            E(
                "momentum",
                ValueError,
                r"batch_norm: momentum must be a number in \[0, 1\], got 2",
                np.ones((2, 3)),
                None,
                None,
                training=True,
                momentum=2,
            ),
            E(
                "eval without statistics",
                ValueError,
                r"evaluation \(training=False\) normalizes with running_mean",
                np.ones((2, 3)),
                None,
                None,
            ),
        ],
    )
)
register(
    OpInfo(
        sbn.SyncBatchNorm,
        sbn.sync_batch_norm,  # one rank (reduce=None): batch norm in training mode
        lambda x, rm, rv, weight=None, bias=None, **kw: ref_batch_norm(x, rm, rv, weight, bias, training=True, **kw),
        lambda rng: [
            S("(N, C)", normal(rng, 4, 3), np.zeros(3), np.ones(3), positive(rng, 3), normal(rng, 3), constant=(1, 2)),
            S("(N, C, L), no running stats", normal(rng, 2, 2, 3), None, None, positive(rng, 2), normal(rng, 2)),
            S("(N, C, D, H, W), no affine", normal(rng, 2, 2, 2, 2, 2), np.zeros(2), np.ones(2), constant=(1, 2)),
        ],
        [
            E(
                "rank 1",
                ValueError,
                r"sync_batch_norm: expected a floating-point input of shape",
                np.ones(3),
                None,
                None,
            ),
            E(
                "one value per channel",
                ValueError,
                r"Expected more than 1 value per channel",
                np.ones((1, 3)),
                None,
                None,
            ),
            E("weight size", ValueError, r"weight must have shape \(3,\)", np.ones((2, 3)), None, None, np.ones(2)),
            E(
                "momentum",
                ValueError,
                r"momentum must be a number in \[0, 1\], got 2",
                np.ones((2, 3)),
                None,
                None,
                momentum=2,
            ),
            E("reduce", ValueError, r"reduce must be None or a function", np.ones((2, 3)), None, None, reduce=3),
        ],
    )
)
register(
    OpInfo(
        drop.Dropout,
        lambda x, channels=False, **kw: (F.dropout2d if channels else F.dropout)(x, **kw),
        ref_dropout,
        lambda rng: [
            S("p 0.5", normal(rng, 3, 4), p=0.5, rng=7),
            S("p 0.2, 3-D", normal(rng, 2, 2, 3), p=0.2, rng=3),
            S("channels", normal(rng, 2, 3, 2, 2), p=0.5, rng=1, channels=True),
            S("empty", normal(rng, 0, 3), p=0.5, rng=0),
        ],
        [
            E("p = 1", ValueError, r"dropout: p must be in \[0, 1\), got p=1\.0", np.ones(2), p=1.0),
            E("p not a number", ValueError, r"dropout: p must be a number in \[0, 1\), got 'a'", np.ones(2), p="a"),
            E(
                "integer data",
                ValueError,
                r"dropout: expected a floating-point input, got dtype int64",
                np.ones(2, np.int64),
            ),
            E(
                "channels of a vector",
                ValueError,
                r"dropout2d: expected an input of shape \(N, C, \*spatial\).*got shape \(3,\)",
                np.ones(3),
                channels=True,
            ),
        ],
    )
)

# == losses =====================================================================================
_REDUCTIONS = ("mean", "sum", "none")


def _elementwise_samples(make_input: Callable, make_target: Callable, constant_target: bool = False) -> Callable:
    def samples(rng: np.random.Generator) -> list[Sample]:
        const = (1,) if constant_target else ()
        out = [
            S(
                f"(2, 3), {reduction}",
                make_input(rng, 2, 3),
                make_target(rng, 2, 3),
                constant=const,
                reduction=reduction,
            )
            for reduction in _REDUCTIONS
        ]
        out.append(S("1-D, size 1", make_input(rng, 1), make_target(rng, 1), constant=const))
        out.append(S("0-D", make_input(rng), make_target(rng), constant=const, reduction="sum"))
        out.append(S("empty, sum", make_input(rng, 0, 2), make_target(rng, 0, 2), constant=const, reduction="sum"))
        return out

    return samples


def _loss_errors(call_name: str, target: np.ndarray | None = None) -> list[ErrorCase]:
    x = np.full((2, 3), 0.5)
    y = np.full((2, 3), 0.5) if target is None else target
    return [
        E(
            "shapes differ",
            ValueError,
            rf"{call_name}: input shape \(2, 3\) and target shape \(3, 2\) must match",
            x,
            y.reshape(3, 2),
        ),
        E(
            "bad reduction",
            ValueError,
            rf"{call_name}: reduction must be 'mean', 'sum' or 'none', got 'avg'",
            x,
            y,
            reduction="avg",
        ),
        E("NaN target", ValueError, rf"{call_name}: target contains NaN or Inf", x, np.full_like(y, np.nan)),
        E(
            "integer input",
            ValueError,
            rf"{call_name}: input must be floating-point.*got dtype int64",
            np.ones((2, 3), np.int64),
            y,
        ),
    ]


register(
    OpInfo(
        L.SquaredError,
        F.mse_loss,
        lambda a, y, reduction="mean": _reduce((a - y) ** 2, reduction),
        _elementwise_samples(normal, normal),
        _loss_errors("mse_loss"),
    )
)


def _l1_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for reduction in _REDUCTIONS:
        y = normal(rng, 2, 3)
        out.append(S(f"(2, 3), {reduction}", y + away_from_zero(rng, 2, 3), y, reduction=reduction))
    y = normal(rng, 1)
    out.append(S("size 1", y + away_from_zero(rng, 1), y))
    out.append(S("empty, sum", normal(rng, 0), normal(rng, 0), reduction="sum"))
    return out


register(
    OpInfo(
        L.AbsoluteError,
        F.l1_loss,
        lambda a, y, reduction="mean": _reduce(np.abs(a - y), reduction),
        _l1_samples,
        _loss_errors("l1_loss"),
    )
)


def _huber_ref(a, y, reduction="mean", delta=1.0):
    d = np.abs(a - y)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _huber_samples(rng: np.random.Generator) -> list[Sample]:
    a = np.array([[0.3, -0.2, 2.5], [-3.0, 0.9, -1.4]])
    return [
        S("both branches", a, np.zeros((2, 3)), reduction="none"),
        S("delta 0.5, mean", normal(rng, 2, 3) * 2, normal(rng, 2, 3), delta=0.55),
        S("sum", normal(rng, 4), normal(rng, 4), reduction="sum", delta=2.05),
        S("empty, sum", normal(rng, 0), normal(rng, 0), reduction="sum"),
    ]


register(
    OpInfo(
        L.Huber,
        F.huber_loss,
        _huber_ref,
        _huber_samples,
        _loss_errors("huber_loss")
        + [
            E(
                "delta zero",
                ValueError,
                r"huber_loss: delta must be a positive finite number, got 0",
                np.ones(2),
                np.ones(2),
                delta=0,
            ),
        ],
    )
)
register(
    OpInfo(
        L.LogCosh,
        F.log_cosh_loss,
        lambda a, y, reduction="mean": _reduce(np.log(np.cosh(a - y)), reduction),
        _elementwise_samples(normal, normal),
        _loss_errors("log_cosh_loss"),
    )
)


def _bce_ref(p, y, reduction="mean"):
    return _reduce(-(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100)), reduction)


register(
    OpInfo(
        L.BinaryCrossEntropy,
        F.binary_cross_entropy,
        _bce_ref,
        _elementwise_samples(probabilities, probabilities),
        _loss_errors("binary_cross_entropy")
        + [
            E(
                "probability above 1",
                ValueError,
                r"binary_cross_entropy: input probabilities must be in \[0, "
                r"1\], got values from 1\.5 to 1\.5.*apply sigmoid first",
                np.array([0.5, 1.5]),
                np.array([0.0, 1.0]),
            ),
            E(
                "target above 1",
                ValueError,
                r"binary_cross_entropy: target must be in \[0, 1\], got values from 2 to 2",
                np.array([0.5, 0.5]),
                np.array([0.0, 2.0]),
            ),
        ],
    )
)


def _bce_logits_ref(z, y, reduction="mean", pos_weight=None):
    w = 1.0 if pos_weight is None else pos_weight
    loss = -(w * y * np.log(ref_sigmoid(z)) + (1 - y) * np.log(1 - ref_sigmoid(z)))
    return _reduce(loss, reduction)


def _bce_logits_samples(rng: np.random.Generator) -> list[Sample]:
    return _elementwise_samples(normal, probabilities)(rng) + [
        S("pos_weight per class", normal(rng, 3, 2), probabilities(rng, 3, 2), pos_weight=np.array([2.0, 0.5])),
    ]


register(
    OpInfo(
        L.SigmoidBinaryCrossEntropy,
        F.binary_cross_entropy_with_logits,
        _bce_logits_ref,
        _bce_logits_samples,
        _loss_errors("binary_cross_entropy_with_logits")
        + [
            E(
                "pos_weight does not broadcast",
                ValueError,
                r"pos_weight of shape \(3,\) does not broadcast to the input's shape \(2, 2\)",
                np.ones((2, 2)),
                np.ones((2, 2)),
                pos_weight=np.ones(3),
            ),
        ],
    )
)


def _hinge_ref(f, t, reduction="mean"):
    t = np.where(t == 0, -1, t)
    return _reduce(np.maximum(0, 1 - t * f), reduction)


def _hinge_samples(rng: np.random.Generator) -> list[Sample]:
    def scores(rng, *shape):
        # Keep 1 − t·f away from 0, the kink.
        f = rng.uniform(-2, 2, shape)
        return np.asarray(np.where(np.abs(np.abs(f) - 1) < 0.1, f * 1.3, f))

    def signs(rng, *shape):
        return np.asarray(rng.choice([-1.0, 1.0], shape))

    out = _elementwise_samples(scores, signs, constant_target=True)(rng)
    out.append(S("{0, 1} labels", scores(rng, 4), np.array([0.0, 1.0, 1.0, 0.0]), constant=(1,)))
    return out


register(
    OpInfo(
        L.Hinge,
        F.hinge_loss,
        _hinge_ref,
        _hinge_samples,
        [
            E(
                "label 2",
                ValueError,
                r"hinge_loss: labels must be -1 or \+1 \(or 0 and 1\), got 2",
                np.ones(2),
                np.array([1, 2]),
            )
        ],
    )
)


def _ce_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        S("class indices, mean", normal(rng, 4, 3), labels(rng, 3, 4)),
        S("class indices, none", normal(rng, 3, 4), labels(rng, 4, 3), reduction="none"),
        S("probabilities, sum", normal(rng, 3, 3), prob_rows(rng, (3, 3)), reduction="sum"),
        S(
            "weights and smoothing",
            normal(rng, 4, 3),
            labels(rng, 3, 4),
            weight=np.array([0.5, 2.0, 1.0]),
            label_smoothing=0.1,
        ),
        S("ignore_index", normal(rng, 4, 3), np.array([0, -100, 2, 1])),
        S("ignore a class index", normal(rng, 4, 3), np.array([0, 1, 2, 1]), ignore_index=1, reduction="sum"),
        S("(N, C, d) maps", normal(rng, 2, 3, 4), labels(rng, 3, 2, 4)),
        S("(N, C, d) probabilities, smoothing", normal(rng, 2, 3, 2), prob_rows(rng, (2, 3, 2)), label_smoothing=0.2),
        S("one sample, one class", normal(rng, 1, 1), np.array([0])),
        S("empty batch, sum", normal(rng, 0, 3), np.zeros(0, np.int64), reduction="sum"),
    ]


register(
    OpInfo(
        L.SoftmaxCrossEntropy,
        F.cross_entropy,
        ref_cross_entropy,
        _ce_samples,
        [
            E(
                "label out of range",
                ValueError,
                r"cross_entropy: class indices must be in \[0, 3\) for 3 classes, got 3 \(1 target\(s\) out of range\)",
                np.ones((2, 3)),
                np.array([0, 3]),
            ),
            E(
                "negative label",
                ValueError,
                r"cross_entropy: class indices must be in \[0, 3\).*got -1",
                np.ones((2, 3)),
                np.array([0, -1]),
            ),
            E(
                "non-integer label",
                ValueError,
                r"cross_entropy: class indices must be integers, got the non-integer value 0\.5",
                np.ones((2, 3)),
                np.array([0.5, 1.0]),
            ),
            E(
                "target shape",
                ValueError,
                r"cross_entropy: for input of shape \(2, 3\) the target "
                r"must be class indices of shape \(2,\), got shape \(3,\)",
                np.ones((2, 3)),
                np.array([0, 1, 2]),
            ),
            E(
                "1-D logits",
                ValueError,
                r"cross_entropy expects logits of shape \(N, C\).*got shape \(3,\)",
                np.ones(3),
                np.array([0]),
            ),
            E(
                "probabilities out of [0, 1]",
                ValueError,
                r"cross_entropy: probability targets must be in \[0, 1\]",
                np.ones((2, 2)),
                np.array([[1.5, -0.5], [0.5, 0.5]]),
            ),
            E(
                "string labels",
                ValueError,
                r"cross_entropy: cannot use target of type ndarray.*dtype <U",
                np.ones((2, 2)),
                np.array(["a", "b"]),
            ),
            E(
                "weight shape",
                ValueError,
                r"cross_entropy: weight must have one value per class, shape \(3,\), got shape \(2,\)",
                np.ones((2, 3)),
                np.array([0, 1]),
                weight=np.ones(2),
            ),
            E(
                "label_smoothing",
                ValueError,
                r"cross_entropy: label_smoothing must be in \[0, 1\], got 1\.5",
                np.ones((2, 3)),
                np.array([0, 1]),
                label_smoothing=1.5,
            ),
        ],
    )
)


def _nll_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        S("mean", normal(rng, 4, 3), labels(rng, 3, 4)),
        S("weights, sum", normal(rng, 3, 3), labels(rng, 3, 3), weight=np.array([1.0, 0.5, 2.0]), reduction="sum"),
        S("ignore, none", normal(rng, 3, 2), np.array([1, -100, 0]), reduction="none"),
        S("(N, C, d)", normal(rng, 2, 3, 2), labels(rng, 3, 2, 2)),
        S("empty batch, sum", normal(rng, 0, 2), np.zeros(0, np.int64), reduction="sum"),
    ]


register(
    OpInfo(
        L.NegativeLogLikelihood,
        F.nll_loss,
        ref_nll,
        _nll_samples,
        [
            E(
                "label out of range",
                ValueError,
                r"nll_loss: class indices must be in \[0, 2\) for 2 classes, got 5",
                np.ones((2, 2)),
                np.array([0, 5]),
            ),
            E(
                "1-D input",
                ValueError,
                r"nll_loss expects log-probabilities of shape \(N, C\).*got shape \(2,\)",
                np.ones(2),
                np.array([0]),
            ),
        ],
    )
)


def _margin_samples(rng: np.random.Generator) -> list[Sample]:
    def scores(n, c):
        # Scores on a grid of spacing 0.37 (+ noise): no margin m − x_y + x_i sits at 0.
        return rng.integers(-4, 5, (n, c)) * 0.37 + rng.uniform(-0.05, 0.05, (n, c))

    return [
        S("p 1, mean", scores(4, 3), labels(rng, 3, 4)),
        S("p 2, margin 0.5, sum", scores(3, 4), labels(rng, 4, 3), p=2, margin=0.5, reduction="sum"),
        S("weights, none", scores(3, 3), labels(rng, 3, 3), weight=np.array([1.0, 2.0, 0.5]), reduction="none"),
        S("empty batch, sum", scores(0, 3), np.zeros(0, np.int64), reduction="sum"),
    ]


register(
    OpInfo(
        L.MultiMargin,
        F.multi_margin_loss,
        ref_multi_margin,
        _margin_samples,
        [
            E(
                "p = 3",
                ValueError,
                r"multi_margin_loss: p must be 1 or 2, got 3",
                np.ones((2, 2)),
                np.array([0, 1]),
                p=3,
            ),
            E(
                "3-D scores",
                ValueError,
                r"multi_margin_loss expects scores of shape \(N, C\), got shape \(1, 2, 2\)",
                np.ones((1, 2, 2)),
                np.array([[0, 1]]),
            ),
            E(
                "label out of range",
                ValueError,
                r"multi_margin_loss: class indices must be in \[0, 2\)",
                np.ones((2, 2)),
                np.array([0, 2]),
            ),
        ],
    )
)

# == convolutions ===============================================================================
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _conv_call(x, W, b=None, call=None, **kw):
    return (call or _CONV[x.ndim - 2])(x, W, b, **kw)


def _conv_t_call(x, W, b=None, call=None, **kw):
    return (call or _CONV_T[x.ndim - 2])(x, W, b, **kw)


def _conv_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        S("1-D, stride 2, padding 1", normal(rng, 2, 2, 7), normal(rng, 3, 2, 3), normal(rng, 3), stride=2, padding=1),
        S("1-D, padding same, dilation 2", normal(rng, 1, 1, 6), normal(rng, 2, 1, 2), padding="same", dilation=2),
        S("2-D", normal(rng, 2, 2, 4, 5), normal(rng, 3, 2, 3, 2), normal(rng, 3)),
        S(
            "2-D, groups 2, stride (1, 2), no bias",
            normal(rng, 1, 4, 4, 5),
            normal(rng, 2, 2, 2, 2),
            groups=2,
            stride=(1, 2),
        ),
        S("2-D, 1x1 kernel, size-1 input", normal(rng, 1, 1, 1, 1), normal(rng, 2, 1, 1, 1), normal(rng, 2)),
        S("3-D, padding 1", normal(rng, 1, 1, 3, 3, 3), normal(rng, 2, 1, 2, 2, 2), normal(rng, 2), padding=1),
        S("empty batch", normal(rng, 0, 2, 4, 4), normal(rng, 1, 2, 3, 3), normal(rng, 1)),
    ]


register(
    OpInfo(
        conv_mod.ConvNd,
        _conv_call,
        ref_conv,
        _conv_samples,
        [
            E(
                "rank",
                ValueError,
                r"conv2d expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(3, 4\)",
                np.ones((3, 4)),
                np.ones((1, 3, 2, 2)),
                call=F.conv2d,
            ),
            E(
                "channels",
                ValueError,
                r"conv2d: a weight of shape \(1, 3, 2, 2\).*expects an input with 3 channels, got shape \(1, 2, 4, 4\)",
                np.ones((1, 2, 4, 4)),
                np.ones((1, 3, 2, 2)),
            ),
            E(
                "kernel larger than the input",
                ValueError,
                r"conv2d: the kernel \(3, 3\).*is larger than the padded input \(2, 2\)",
                np.ones((1, 1, 2, 2)),
                np.ones((1, 1, 3, 3)),
            ),
            E(
                "stride 0",
                ValueError,
                r"conv2d: stride must be >= 1, got 0",
                np.ones((1, 1, 4, 4)),
                np.ones((1, 1, 2, 2)),
                stride=0,
            ),
            E(
                "groups do not divide",
                ValueError,
                r"conv2d: groups=2 must divide the input channels, got input shape \(1, 3, 4, 4\)",
                np.ones((1, 3, 4, 4)),
                np.ones((2, 1, 2, 2)),
                groups=2,
            ),
            E(
                "bias shape",
                ValueError,
                r"conv1d: expected a bias of shape \(2,\), got shape \(3,\)",
                np.ones((1, 1, 4)),
                np.ones((2, 1, 2)),
                np.ones(3),
            ),
            E(
                "padding same with stride",
                ValueError,
                r"conv1d: padding='same' needs stride 1",
                np.ones((1, 1, 4)),
                np.ones((1, 1, 2)),
                padding="same",
                stride=2,
            ),
        ],
    )
)


def _conv_t_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        S(
            "1-D, stride 2, output_padding 1",
            normal(rng, 2, 2, 3),
            normal(rng, 2, 3, 3),
            normal(rng, 3),
            stride=2,
            output_padding=1,
        ),
        S("1-D, padding 1, dilation 2", normal(rng, 1, 1, 4), normal(rng, 1, 2, 2), padding=1, dilation=2),
        S("2-D", normal(rng, 2, 2, 3, 2), normal(rng, 2, 3, 2, 3), normal(rng, 3)),
        S("2-D, groups 2, stride 2", normal(rng, 1, 4, 2, 2), normal(rng, 4, 1, 2, 2), groups=2, stride=2),
        S("2-D, size-1 input", normal(rng, 1, 1, 1, 1), normal(rng, 1, 2, 2, 2), normal(rng, 2)),
        S("3-D, stride 2", normal(rng, 1, 2, 2, 2, 2), normal(rng, 2, 1, 2, 2, 2), normal(rng, 1), stride=2),
        S("empty batch", normal(rng, 0, 2, 3, 3), normal(rng, 2, 1, 2, 2)),
    ]


register(
    OpInfo(
        conv_mod.ConvTransposeNd,
        _conv_t_call,
        ref_conv_transpose,
        _conv_t_samples,
        [
            E(
                "rank",
                ValueError,
                r"conv_transpose1d expects a 3-D input \(N, C, L\) \(or 2-D \(C, L\), one sample\), got shape \(3,\)",
                np.ones((3,)),
                np.ones((3, 1, 2)),
                call=F.conv_transpose1d,
            ),
            E(
                "channels",
                ValueError,
                r"conv_transpose2d: a weight of shape \(3, 1, 2, 2\).*expects "
                r"an input with 3 channels, got shape \(1, 2, 4, 4\)",
                np.ones((1, 2, 4, 4)),
                np.ones((3, 1, 2, 2)),
            ),
            E(
                "output_padding too large",
                ValueError,
                r"conv_transpose2d: output_padding must be smaller than either stride or dilation",
                np.ones((1, 1, 2, 2)),
                np.ones((1, 1, 2, 2)),
                stride=2,
                output_padding=2,
            ),
            E(
                "empty output",
                ValueError,
                r"conv_transpose1d: the output would have size \(-1,\), which is not positive",
                np.ones((1, 1, 1)),
                np.ones((1, 1, 1)),
                padding=1,
            ),
        ],
    )
)

# == pooling and upsampling =====================================================================
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_ADAPTIVE = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _pool_samples(rng: np.random.Generator, avg: bool) -> list[Sample]:
    out = [
        S("1-D, k 2", normal(rng, 2, 2, 5), kernel_size=2),
        S("1-D, k 3, stride 1, padding 1", normal(rng, 1, 2, 4), kernel_size=3, stride=1, padding=1),
        S("2-D, k 2", normal(rng, 2, 1, 4, 4), kernel_size=2),
        S("2-D, k (2, 3), stride (1, 2)", normal(rng, 1, 2, 3, 5), kernel_size=(2, 3), stride=(1, 2)),
        S("3-D, k 2", normal(rng, 1, 1, 2, 4, 2), kernel_size=2),
        S("size-1 window", normal(rng, 1, 1, 1, 1), kernel_size=1),
        S("empty batch", normal(rng, 0, 2, 4, 4), kernel_size=2),
    ]
    if avg:
        out.append(
            S(
                "count_include_pad False",
                normal(rng, 1, 1, 3, 4),
                kernel_size=2,
                stride=1,
                padding=1,
                count_include_pad=False,
            )
        )
    return out


def _pool_errors(fns: dict) -> list[ErrorCase]:
    name = fns[2].__name__
    return [
        E(
            "rank",
            ValueError,
            rf"{name} expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(4, 4\)",
            np.ones((4, 4)),
            kernel_size=2,
            call=fns[2],
        ),
        E(
            "kernel larger than the input",
            ValueError,
            rf"{name}: the kernel \(3, 3\) is larger than the padded input \(2, 2\)",
            np.ones((1, 1, 2, 2)),
            kernel_size=3,
            call=fns[2],
        ),
        E(
            "padding above half the kernel",
            ValueError,
            rf"{name}: padding should be at most half of the kernel size",
            np.ones((1, 1, 4, 4)),
            kernel_size=2,
            padding=2,
            call=fns[2],
        ),
        E(
            "kernel_size 0",
            ValueError,
            rf"{name}: kernel_size must be >= 1, got 0",
            np.ones((1, 1, 4, 4)),
            kernel_size=0,
            call=fns[2],
        ),
    ]


register(
    OpInfo(
        pool.MaxPoolNd,
        lambda x, call=None, **kw: (call or _MAX_POOL[x.ndim - 2])(x, **kw),
        lambda x, **kw: ref_pool(x, kind="max", **kw),
        lambda rng: _pool_samples(rng, avg=False),
        _pool_errors(_MAX_POOL),
    )
)
register(
    OpInfo(
        pool.AvgPoolNd,
        lambda x, call=None, **kw: (call or _AVG_POOL[x.ndim - 2])(x, **kw),
        lambda x, **kw: ref_pool(x, kind="avg", **kw),
        lambda rng: _pool_samples(rng, avg=True),
        _pool_errors(_AVG_POOL),
    )
)
register(
    OpInfo(
        pool.AdaptiveAvgPool,
        lambda x, output_size, call=None: (call or _ADAPTIVE[x.ndim - 2])(x, output_size),
        ref_adaptive_avg_pool,
        lambda rng: [
            S("1-D, 5 to 3 (overlapping windows)", normal(rng, 2, 2, 5), output_size=3),
            S("2-D, 4x4 to 2x2", normal(rng, 1, 2, 4, 4), output_size=2),
            S("2-D, (1, 3), None keeps an axis", normal(rng, 1, 1, 3, 5), output_size=(None, 3)),
            S("3-D, to 1", normal(rng, 1, 1, 2, 3, 2), output_size=1),
            S("upsampling 2 to 3", normal(rng, 1, 1, 2), output_size=3),
            S("empty batch", normal(rng, 0, 1, 4, 4), output_size=2),
        ],
        [
            E(
                "rank",
                ValueError,
                r"adaptive_avg_pool2d expects a 4-D input \(N, C, H, W\) .*, got shape \(4, 4\)",
                np.ones((4, 4)),
                2,
                call=F.adaptive_avg_pool2d,
            ),
            E(
                "size 0",
                ValueError,
                r"adaptive_avg_pool2d: output_size must be >= 1, got \(0, 0\)",
                np.ones((1, 1, 4, 4)),
                0,
            ),
            E(
                "wrong length",
                ValueError,
                r"adaptive_avg_pool2d: output_size must be an int or a tuple of 2 ints or None, got \(1, 2, 3\)",
                np.ones((1, 1, 4, 4)),
                (1, 2, 3),
            ),
        ],
    )
)
register(
    OpInfo(
        ups.Interpolate,
        F.upsample,
        ref_upsample,
        lambda rng: [
            S("nearest x2, 2-D", normal(rng, 2, 1, 2, 3)),
            S("nearest x3, 1-D", normal(rng, 1, 2, 3), scale_factor=3),
            S("nearest to size (5, 3)", normal(rng, 1, 1, 2, 3), size=(5, 3)),
            S("nearest x1.5", normal(rng, 1, 1, 4), scale_factor=1.5),
            S("linear 1-D", normal(rng, 1, 2, 3), mode="linear"),
            S("bilinear, align_corners", normal(rng, 1, 1, 2, 3), mode="bilinear", align_corners=True),
            S("bilinear to size (3, 5)", normal(rng, 1, 1, 2, 2), mode="bilinear", size=(3, 5)),
            S("trilinear", normal(rng, 1, 1, 2, 2, 2), mode="trilinear"),
            S("size-1 input", normal(rng, 1, 1, 1, 1), mode="bilinear"),
            S("empty batch", normal(rng, 0, 2, 2, 2)),
        ],
        [
            E(
                "rank",
                ValueError,
                r"upsample expects an input \(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got shape \(2, 2\)",
                np.ones((2, 2)),
            ),
            E(
                "mode",
                ValueError,
                r"upsample: mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got 'cubic'",
                np.ones((1, 1, 2, 2)),
                mode="cubic",
            ),
            E(
                "mode for the rank",
                ValueError,
                r"upsample: mode 'bilinear' needs a 4-D input, got shape \(1, 1, 2\)",
                np.ones((1, 1, 2)),
                mode="bilinear",
            ),
            E(
                "scale factor 0",
                ValueError,
                r"upsample: scale_factor must be positive, got 0",
                np.ones((1, 1, 2)),
                scale_factor=0,
            ),
            E(
                "empty output",
                ValueError,
                r"upsample: scale_factor 0\.1 gives an empty output from shape \(1, 1, 2\)",
                np.ones((1, 1, 2)),
                scale_factor=0.1,
            ),
        ],
    )
)


# == ops of the PyTorch surface (issue 12) =======================================================
_erf = np.vectorize(math.erf, otypes=[np.float64])


def ref_gelu(z, approximate="none"):
    if approximate == "tanh":
        return 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    return 0.5 * z * (1 + _erf(z / math.sqrt(2)))


register(
    OpInfo(
        act.GELU,
        F.gelu,
        ref_gelu,
        lambda rng: [
            S("exact (2, 3)", normal(rng, 2, 3) * 3),
            S("tanh (4,)", normal(rng, 4) * 3, approximate="tanh"),
            S("0-D", normal(rng)),
            S("empty", normal(rng, 0, 2)),
        ],
        [
            E(
                "approximate",
                ValueError,
                r"gelu: approximate must be 'none' or 'tanh', got 'fast'",
                np.ones(2),
                approximate="fast",
            ),
            E("integers", ValueError, r"gelu: expected a floating-point input, got dtype int64", np.ones(2, np.int64)),
        ],
    )
)


def _embedding_call(W, indices, **kw):
    return F.embedding(indices, W, **kw)


register(
    OpInfo(
        emb.Embedding,
        _embedding_call,
        lambda W, indices, **kw: W[indices],
        lambda rng: [
            S("(2, 3) indices, repeats", normal(rng, 5, 3), np.array([[0, 4, 4], [1, 0, 2]])),
            S("1-D indices", normal(rng, 4, 2), np.array([3, 1])),
            S("0-D index", normal(rng, 4, 2), np.array(2)),
            S("no index", normal(rng, 4, 2), np.zeros(0, np.int64)),
        ],
        [
            E(
                "index out of range",
                ValueError,
                r"embedding: indices must be in \[0, 5\).*got 5",
                np.ones((5, 2)),
                np.array([5]),
            ),
            E(
                "float indices",
                ValueError,
                r"embedding: expected integer indices, got dtype float64",
                np.ones((5, 2)),
                np.array([1.0]),
            ),
            E(
                "padding_idx",
                ValueError,
                r"embedding: padding_idx must be an integer in \[-5, 4\], got 5",
                np.ones((5, 2)),
                np.array([1]),
                padding_idx=5,
            ),
            E(
                "sparse",
                ValueError,
                r"embedding: sparse gradients are not supported",
                np.ones((5, 2)),
                np.array([1]),
                sparse=True,
            ),
        ],
    )
)


def ref_kl_div(x, target, reduction="mean", log_target=False):
    if log_target:
        terms = np.exp(target) * (target - x)
    else:
        terms = np.where(target > 0, target * np.log(np.where(target > 0, target, 1.0)), 0.0) - target * x
    if reduction == "batchmean":
        return terms.sum() / x.shape[0]
    return _reduce(terms, reduction)


register(
    OpInfo(
        kld.KLDivergence,
        F.kl_div,
        ref_kl_div,
        lambda rng: [
            S("batchmean", np.log(prob_rows(rng, (3, 4))), prob_rows(rng, (3, 4)), reduction="batchmean"),
            S(
                "sum, log target",
                np.log(prob_rows(rng, (2, 3))),
                np.log(prob_rows(rng, (2, 3))),
                reduction="sum",
                log_target=True,
            ),
            S("none, (2, 3, 2)", np.log(prob_rows(rng, (2, 3, 2))), prob_rows(rng, (2, 3, 2)), reduction="none"),
            S("empty, sum", normal(rng, 0, 3), probabilities(rng, 0, 3), reduction="sum"),
        ],
        [
            E(
                "reduction",
                ValueError,
                r"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'",
                np.ones(2),
                np.ones(2),
                reduction="avg",
            ),
            E(
                "shapes",
                ValueError,
                r"kl_div: input shape \(2,\) and target shape \(3,\) must match",
                np.ones(2),
                np.ones(3),
                reduction="sum",
            ),
            E(
                "integer input",
                ValueError,
                r"kl_div: input must be floating-point.*int64",
                np.ones(2, np.int64),
                np.ones(2),
                reduction="sum",
            ),
        ],
    )
)


def _smooth_l1_ref(a, y, reduction="mean", beta=1.0):
    d = np.abs(a - y)
    return _reduce(d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


register(
    OpInfo(
        L.SmoothL1,
        F.smooth_l1_loss,
        _smooth_l1_ref,
        lambda rng: [
            S("both branches", np.array([[0.3, -0.2, 2.5], [-3.0, 0.9, -1.4]]), np.zeros((2, 3)), reduction="none"),
            S("beta 0.55, mean", normal(rng, 2, 3) * 2, normal(rng, 2, 3), beta=0.55),
            S("beta 0 (L1), sum", away_from_zero(rng, 4), np.zeros(4), reduction="sum", beta=0.0),
            S("empty, sum", normal(rng, 0), normal(rng, 0), reduction="sum"),
        ],
        _loss_errors("smooth_l1_loss")
        + [
            E(
                "beta",
                ValueError,
                r"smooth_l1_loss: beta must be a number >= 0, got -1",
                np.ones(2),
                np.ones(2),
                beta=-1,
            )
        ],
    )
)

_NP_PAD_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def ref_pad(x, pad, mode="constant", value=None):
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    grown = [(max(a, 0), max(b, 0)) for a, b in pairs]
    kw = {"constant_values": 0.0 if value is None else value} if mode == "constant" else {}
    out = np.pad(x, grown, mode=_NP_PAD_MODE[mode], **kw)
    crop = tuple(slice(-min(a, 0), out.shape[i] + min(b, 0)) for i, (a, b) in enumerate(pairs))
    return out[crop]


register(
    OpInfo(
        padding_mod.Pad,
        F.pad,
        ref_pad,
        lambda rng: [
            S("constant (2, 1)", normal(rng, 2, 3, 4), (2, 1)),
            S("constant value, two axes", normal(rng, 2, 3), (1, 0, 2, 2), value=1.5),
            S("constant crop", normal(rng, 2, 5), (-1, 2)),
            S("reflect (N, C, H, W)", normal(rng, 1, 2, 4, 5), (2, 1, 3, 0), mode="reflect"),
            S("replicate (N, C, D, H, W)", normal(rng, 1, 1, 2, 3, 3), (1, 2, 0, 1, 2, 1), mode="replicate"),
            S("circular", normal(rng, 2, 2, 4), (3, 2), mode="circular"),
            S("empty batch", normal(rng, 0, 2, 3), (1, 1), mode="reflect"),
        ],
        [
            E("odd length", ValueError, r"pad: pad must be an even number of ints", np.ones((2, 3)), (1, 2, 3)),
            E(
                "too many pairs",
                ValueError,
                r"pad: pad \(1, 1, 1, 1, 1, 1\) has 3 pairs, more than the 2 axes",
                np.ones((2, 3)),
                (1, 1, 1, 1, 1, 1),
            ),
            E(
                "reflect too wide",
                ValueError,
                r"pad: reflect padding must be smaller than the axis it pads, got padding \(3, 0\)",
                np.ones((1, 2, 3)),
                (3, 0),
                mode="reflect",
            ),
            E(
                "value with reflect",
                ValueError,
                r"pad: mode 'reflect' takes no value",
                np.ones((1, 2, 3)),
                (1, 1),
                mode="reflect",
                value=2.0,
            ),
            E(
                "mode",
                ValueError,
                r"pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'wrap'",
                np.ones((1, 2, 3)),
                (1, 1),
                mode="wrap",
            ),
            E(
                "replicate rank",
                ValueError,
                r"pad: mode 'replicate' pads the last 1, 2 or 3 axes",
                np.ones(3),
                (1, 1),
                mode="replicate",
            ),
        ],
    )
)


def _shuffle_call(x, r, inverse=False):
    return (F.pixel_unshuffle if inverse else F.pixel_shuffle)(x, r)


def ref_pixel_shuffle(x, r, inverse=False):
    *lead, c, h, w = x.shape
    if inverse:
        out = np.empty((*lead, c * r * r, h // r, w // r))
        for k in range(c * r * r):
            ch, i, j = k // (r * r), (k // r) % r, k % r
            out[..., k, :, :] = x[..., ch, i::r, j::r]
        return out
    out = np.empty((*lead, c // (r * r), h * r, w * r))
    for k in range(c):
        ch, i, j = k // (r * r), (k // r) % r, k % r
        out[..., ch, i::r, j::r] = x[..., k, :, :]
    return out


register(
    OpInfo(
        shuffle.PixelShuffle,
        _shuffle_call,
        ref_pixel_shuffle,
        lambda rng: [
            S("shuffle r=2", normal(rng, 1, 8, 2, 3), 2),
            S("shuffle r=3, batch 2", normal(rng, 2, 9, 1, 2), 3),
            S("shuffle without batch", normal(rng, 4, 2, 2), 2),
            S("unshuffle r=2", normal(rng, 2, 2, 4, 6), 2, inverse=True),
            S("empty batch", normal(rng, 0, 4, 2, 2), 2),
        ],
        [
            E(
                "channels",
                ValueError,
                r"pixel_shuffle: the channels \(axis -3\) must be divisible by upscale_factor\*\*2 = 4",
                np.ones((1, 3, 2, 2)),
                2,
            ),
            E("rank", ValueError, r"pixel_shuffle: expected an input of shape \(\*, C, H, W\)", np.ones((4, 2)), 2),
            E(
                "factor",
                ValueError,
                r"pixel_shuffle: upscale_factor must be a positive integer, got 0",
                np.ones((1, 4, 2, 2)),
                0,
            ),
            E(
                "unshuffle size",
                ValueError,
                r"pixel_unshuffle: height and width must be divisible by downscale_factor=2",
                np.ones((1, 1, 3, 2)),
                2,
                inverse=True,
            ),
        ],
    )
)


# == local response normalization ================================================================
def ref_local_response_norm(x: np.ndarray, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """b_c = a_c (k + alpha/n sum_{c' in [c - n//2, c + (n-1)//2]} a_c'^2)^-beta, a loop over channels."""
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        window = x[:, max(0, c - size // 2) : c + (size - 1) // 2 + 1]
        out[:, c] = x[:, c] * (k + alpha / size * (window**2).sum(axis=1)) ** -beta
    return out


register(
    OpInfo(
        lrn.LocalResponseNorm,
        F.local_response_norm,
        ref_local_response_norm,
        lambda rng: [
            S("AlexNet's", normal(rng, 2, 6, 3, 3), 5, alpha=5e-4, beta=0.75, k=2.0),
            S("even size, strong", normal(rng, 1, 4, 2, 3), 2, alpha=0.8, beta=1.1, k=0.7),
            S("3-D input, one channel", normal(rng, 2, 1, 5), 3, alpha=0.5),
            S("empty batch", normal(rng, 0, 3, 2, 2), 3),
        ],
        [
            E(
                "rank 2",
                ValueError,
                r"local_response_norm: expected an input of shape \(N, C, \*\)",
                np.ones((2, 3)),
                2,
            ),
            E(
                "size 0",
                ValueError,
                r"local_response_norm: size must be a positive integer, got 0",
                np.ones((1, 2, 2)),
                0,
            ),
            E("k = 0", ValueError, r"local_response_norm: k must be .*> 0, got 0", np.ones((1, 2, 2)), 2, k=0),
        ],
    )
)


register(
    OpInfo(
        matrices.Einsum,
        lambda *xs, equation: dn.einsum(equation, *xs),
        lambda *xs, equation: np.einsum(equation, *xs),
        lambda rng: [
            S("batched product", normal(rng, 2, 3, 4), normal(rng, 2, 4, 5), equation="bij,bjk->bik"),
            S("attention scores", normal(rng, 2, 3, 4), normal(rng, 2, 5, 4), equation="bqd,bkd->bqk"),
            S("sum of one axis", normal(rng, 3, 4), equation="ij->j"),
            S("implicit output", normal(rng, 3, 4), normal(rng, 4), equation="ij,j"),
            S("axis summed in one operand", normal(rng, 2, 3), normal(rng, 3, 4, 2), equation="ij,jkl->ik"),
            S("three operands", normal(rng, 2, 3), normal(rng, 3, 4), normal(rng, 4), equation="ij,jk,k->i"),
            S("empty", normal(rng, 0, 3), normal(rng, 3, 2), equation="ij,jk->ik"),
        ],
        [
            E(
                "ellipsis",
                ValueError,
                r"einsum: '\.\.\.' \(ellipsis\) is not supported",
                np.ones((2, 3)),
                equation="...j->j",
            ),
            E("diagonal", ValueError, r"einsum: a subscript repeated", np.ones((3, 3)), equation="ii->i"),
            E("operand count", ValueError, r"names 2 operands, got 1", np.ones((2, 3)), equation="ij,jk->ik"),
            E(
                "rank",
                ValueError,
                r"subscripts 'ijk' name 3 axes of a tensor of shape \(2, 3\)",
                np.ones((2, 3)),
                equation="ijk->i",
            ),
            E(
                "unknown output",
                ValueError,
                r"the output 'z' names a subscript no operand has",
                np.ones(2),
                equation="i->z",
            ),
        ],
    )
)
register(
    OpInfo(
        ops.RoundedDivide,
        lambda x, y, mode: dn.div(x, y, rounding_mode=mode),
        lambda x, y, mode: np.floor_divide(x, y) if mode == "floor" else np.trunc(x / y),
        lambda rng: [
            # x / y away from integers: the result jumps where it is one (gradcheck steps 1e-6).
            S("floor", np.array([[3.5, -2.5, 4.2], [-7.3, 0.4, 1.1]]), np.array([2.0, 1.5, -3.0]), mode="floor"),
            S("trunc", np.array([[3.5, -2.5, 4.2], [-7.3, 0.4, 1.1]]), np.array([2.0, 1.5, -3.0]), mode="trunc"),
            S("empty", normal(rng, 0, 2), away_from_zero(rng, 2), mode="trunc"),
        ],
        [
            E(
                "mode",
                ValueError,
                r"div: rounding_mode must be None, 'floor' or 'trunc', got 'round'",
                np.ones(2),
                np.ones(2),
                mode="round",
            ),
            E(
                "integer zero",
                ZeroDivisionError,
                r"div: integer division by zero",
                dn.tensor([7, 8]),
                np.zeros(2, int),
                mode="trunc",
            ),
        ],
    )
)


register(
    OpInfo(
        scattering.Scatter,
        lambda x, src, index, dim, accumulate: (dn.scatter_add if accumulate else dn.scatter)(
            x, dim, dn.tensor(index), src
        ),
        ref_scatter,
        lambda rng: [
            S(
                "scatter dim 1",
                normal(rng, 2, 3),
                normal(rng, 2, 3),
                index=np.array([[2, 0, 1], [1, 2, 0]]),
                dim=1,
                accumulate=False,
            ),
            S(
                "scatter, smaller index",
                normal(rng, 3, 3),
                normal(rng, 2, 3),
                index=np.array([[2, 0], [1, 2]]),
                dim=0,
                accumulate=False,
            ),
            S(
                "scatter_add repeats",
                normal(rng, 3),
                normal(rng, 5),
                index=np.array([0, 2, 0, 0, 1]),
                dim=0,
                accumulate=True,
            ),
            S(
                "scatter_add 3-D",
                normal(rng, 2, 3, 2),
                normal(rng, 2, 2, 2),
                index=np.array([[[0, 2], [2, 2]], [[1, 0], [0, 0]]]),
                dim=1,
                accumulate=True,
            ),
            S(
                "empty index",
                normal(rng, 2, 3),
                normal(rng, 2, 3),
                index=np.zeros((2, 0), np.int64),
                dim=1,
                accumulate=True,
            ),
        ],
        [
            E(
                "index out of range",
                ValueError,
                r"scatter_add: index out of range",
                np.ones(3),
                np.ones(1),
                index=np.array([3]),
                dim=0,
                accumulate=True,
            ),
            E(
                "float index",
                ValueError,
                r"scatter: index must be an integer",
                np.ones(3),
                np.ones(1),
                index=np.array([0.0]),
                dim=0,
                accumulate=False,
            ),
        ],
    )
)
register(
    OpInfo(
        scattering.IndexAdd,
        lambda x, src, index, dim: dn.index_add(x, dim, dn.tensor(index), src),
        ref_index_add,
        lambda rng: [
            S("rows", normal(rng, 3, 2), normal(rng, 4, 2), index=np.array([0, 2, 0, 0]), dim=0),
            S("columns", normal(rng, 2, 3), normal(rng, 2, 2), index=np.array([2, 2]), dim=1),
            S("empty", normal(rng, 3, 2), normal(rng, 0, 2), index=np.zeros(0, np.int64), dim=0),
        ],
        [
            E(
                "source shape",
                ValueError,
                r"index_add: source must have shape \(2, 2\)",
                np.ones((3, 2)),
                np.ones((3, 2)),
                index=np.array([0, 1]),
                dim=0,
            ),
        ],
    )
)


register(
    OpInfo(
        rounding.Rounded,
        lambda x, op, decimals=0: getattr(dn, op)(x, decimals=decimals) if op == "round" else getattr(dn, op)(x),
        lambda x, op, decimals=0: np.round(x, decimals) if op == "round" else getattr(np, op)(x),
        lambda rng: [
            # values away from the jumps (gradcheck steps 1e-6): the gradient is 0 everywhere else
            S("floor", np.array([[0.3, -1.7, 2.2], [4.6, -0.4, 1.1]]), op="floor"),
            S("ceil", np.array([0.3, -1.7, 2.2]), op="ceil"),
            S("trunc", np.array([0.3, -1.7, 2.2]), op="trunc"),
            S("round", np.array([[0.3, -1.7], [2.2, 5.4]]), op="round"),
            S("round to 1 decimal", np.array([0.31, -1.77, 2.22]), op="round", decimals=1),
            S("sign", np.array([0.3, -1.7, 2.2]), op="sign"),
            S("empty", normal(rng, 0, 2), op="floor"),
        ],
        [E("decimals", ValueError, r"round: decimals must be an integer", np.ones(2), op="round", decimals=0.5)],
    )
)


# -- piecewise-linear and smooth activations (PyTorch's hardtanh ... tanhshrink) ------------------
pw = importlib.import_module("deltanet.functional.piecewise_activations")
sm = importlib.import_module("deltanet.functional.smooth_activations")


def away_from(rng: np.random.Generator, kinks: tuple, *shape: int, scale: float = 3.0) -> np.ndarray:
    """Normal values times ``scale``, moved at least 0.05 away from each kink (gradcheck steps 1e-6)."""
    x = scale * rng.standard_normal(shape)
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x = np.where(near, k + np.where(x >= k, 0.05, -0.05), x)
    return np.asarray(x)


def _activation_samples(kinks: tuple) -> Callable[[np.random.Generator], list[Sample]]:
    return lambda rng: [
        S("2-D", away_from(rng, kinks, 3, 4)),
        S("0-D", away_from(rng, kinks)),
        S("empty", normal(rng, 0, 2)),
    ]


_INT_INPUT = [E("integer input", ValueError, r"expected a floating-point input, got dtype int64", np.arange(3))]

register(
    OpInfo(
        pw.Hardtanh,
        F.hardtanh,
        lambda z, min_val=-1.0, max_val=1.0: np.clip(z, min_val, max_val),
        lambda rng: [
            S("default", away_from(rng, (-1, 1), 3, 4)),
            S("(-2, 0.5)", away_from(rng, (-2, 0.5), 5), min_val=-2.0, max_val=0.5),
            S("empty", normal(rng, 0)),
        ],
        [
            *_INT_INPUT,
            E("max below min", ValueError, r"hardtanh: max_val must be at least min_val", np.ones(2), 1.0, 0.0),
        ],
    )
)
register(
    OpInfo(
        pw.Hardsigmoid,
        F.hardsigmoid,
        lambda z: np.clip(z + 3, 0, 6) / 6,
        _activation_samples((-3, 3)),
        _INT_INPUT,
    )
)
register(
    OpInfo(
        pw.Hardswish,
        F.hardswish,
        lambda z: z * np.clip(z + 3, 0, 6) / 6,
        _activation_samples((-3, 3)),
        _INT_INPUT,
    )
)
register(
    OpInfo(
        pw.Shrink,
        lambda z, soft=True, lambd=0.5: (F.softshrink if soft else F.hardshrink)(z, lambd),
        lambda z, soft=True, lambd=0.5: np.where(np.abs(z) > lambd, z - np.sign(z) * lambd if soft else z, 0.0).astype(
            z.dtype
        ),
        lambda rng: [
            S("soft", away_from(rng, (-0.5, 0.5), 3, 4)),
            S("hard", away_from(rng, (-0.5, 0.5), 3, 4), soft=False),
            S("soft, lambd 1", away_from(rng, (-1, 1), 6), lambd=1.0),
            S("empty", normal(rng, 0)),
        ],
        [E("negative lambd", ValueError, r"softshrink: lambd must be", np.ones(2), lambd=-1.0)],
    )
)
register(
    OpInfo(
        pw.Threshold,
        lambda z, threshold=0.1, value=-2.0: F.threshold(z, threshold, value),
        lambda z, threshold=0.1, value=-2.0: np.where(z > threshold, z, value).astype(z.dtype),
        lambda rng: [
            S("2-D", away_from(rng, (0.1,), 3, 4)),
            S("threshold -1, value 5", away_from(rng, (-1,), 6), threshold=-1.0, value=5.0),
            S("empty", normal(rng, 0)),
        ],
        [E("threshold not a number", ValueError, r"threshold: threshold must be", np.ones(2), threshold="a")],
    )
)
register(
    OpInfo(
        pw.RReLU,
        lambda z, lower=0.1, upper=0.3: F.rrelu(z, lower, upper),
        lambda z, lower=0.1, upper=0.3: np.where(z > 0, z, (lower + upper) / 2 * z),
        lambda rng: [S("2-D", away_from(rng, (0,), 3, 4)), S("0-D", away_from(rng, (0,))), S("empty", normal(rng, 0))],
        [E("upper below lower", ValueError, r"rrelu: upper must be at least lower", np.ones(2), 0.5, 0.1)],
    )
)
register(
    OpInfo(
        sm.CELU,
        F.celu,
        lambda z, alpha=1.0: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0) / alpha)),
        lambda rng: [
            S("default", away_from(rng, (0,), 3, 4)),
            S("alpha 0.5", away_from(rng, (0,), 5), alpha=0.5),
            S("large", 1e4 * away_from(rng, (0,), 4, scale=1.0)),
            S("empty", normal(rng, 0)),
        ],
        [*_INT_INPUT, E("alpha zero", ValueError, r"celu: alpha must not be 0", np.ones(2), alpha=0.0)],
    )
)
register(
    OpInfo(
        sm.SELU,
        F.selu,
        lambda z: sm.SELU_SCALE * np.where(z > 0, z, sm.SELU_ALPHA * np.expm1(np.minimum(z, 0))),
        _activation_samples((0,)),
        _INT_INPUT,
    )
)
for _fn, _cls, _ref in (
    (F.mish, sm.Mish, lambda z: z * np.tanh(np.logaddexp(0, z))),
    (F.logsigmoid, sm.LogSigmoid, lambda z: -np.logaddexp(0, -z)),
    (F.softsign, sm.Softsign, lambda z: z / (1 + np.abs(z))),
    (F.tanhshrink, sm.Tanhshrink, lambda z: z - np.tanh(z)),
):
    register(
        OpInfo(
            _cls,
            _fn,
            _ref,
            lambda rng: [
                S("2-D", normal(rng, 3, 4)),
                S("large", 40 * away_from(rng, (0,), 6, scale=1.0)),
                S("0-D", normal(rng)),
                S("empty", normal(rng, 0, 2)),
            ],
            _INT_INPUT,
        )
    )


# == spatial transformer, adaptive max pooling, im2col (portf) ===================================
gs_mod = importlib.import_module("deltanet.functional.grid_sample")
amp_mod = importlib.import_module("deltanet.functional.adaptive_max_pool")
fold_mod = importlib.import_module("deltanet.functional.fold")


def _ref_source(g: float, n: int, padding_mode: str, align_corners: bool) -> float:
    """One normalized coordinate to a pixel coordinate, scalar code after PyTorch's kernels."""
    u = (g + 1) / 2 * (n - 1) if align_corners else ((g + 1) * n - 1) / 2
    if padding_mode == "reflection":
        low, high = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        span = high - low
        if span <= 0:
            return 0.0
        v = abs(u - low)
        flips, extra = math.floor(v / span), math.fmod(v, span)
        u = low + extra if flips % 2 == 0 else high - extra
    if padding_mode in ("border", "reflection"):
        u = min(max(u, 0.0), n - 1.0)
    return u


def ref_grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """A loop over the grid points: bilinear (or trilinear) weights of the 2^d neighbours, or the nearest."""
    N, C, *size = x.shape
    dims = len(size)
    out = np.zeros((N, C) + grid.shape[1:-1])
    for n in range(N):
        for q in itertools.product(*map(range, grid.shape[1:-1])):
            u = [
                _ref_source(grid[(n, *q, dims - 1 - a)], size[a], padding_mode, bool(align_corners))
                for a in range(dims)
            ]
            if mode == "nearest":
                j = [int(np.rint(v)) for v in u]
                if all(0 <= ja < na for ja, na in zip(j, size, strict=True)):
                    out[(n, slice(None), *q)] = x[(n, slice(None), *j)]
                continue
            for bits in itertools.product((0, 1), repeat=dims):
                j = [math.floor(v) + b for v, b in zip(u, bits, strict=True)]
                w = math.prod(1 - abs(v - ja) for v, ja in zip(u, j, strict=True))
                if all(0 <= ja < na for ja, na in zip(j, size, strict=True)):
                    out[(n, slice(None), *q)] += w * x[(n, slice(None), *j)]
    return out


def ref_adaptive_max_pool(x, output_size, return_indices=False):
    dims = x.ndim - 2
    sizes = output_size if isinstance(output_size, tuple) else (output_size,) * dims
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:], strict=True))
    out = np.empty(x.shape[:2] + sizes)
    for i in itertools.product(*map(range, sizes)):
        box = tuple(slice((k * n) // o, -((-(k + 1) * n) // o)) for k, n, o in zip(i, x.shape[2:], sizes, strict=True))
        out[(..., *i)] = x[(slice(None), slice(None), *box)].max(axis=tuple(range(2, x.ndim)), initial=-np.inf)
    return out


def _pairs(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _blocks(size, kernel_size, dilation, padding, stride):
    k, d, p, s = map(_pairs, (kernel_size, dilation, padding, stride))
    return (
        k,
        d,
        p,
        s,
        [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(size, k, d, p, s, strict=True)],
    )


def ref_unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Loops over channels, offsets and blocks: column l of row (c, u, v) is x_pad[c, i s + u d, j s + v d]."""
    k, d, p, s, b = _blocks(x.shape[2:], kernel_size, dilation, padding, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    out = np.empty((x.shape[0], x.shape[1] * k[0] * k[1], b[0] * b[1]))
    for c, u, v, i, j in itertools.product(range(x.shape[1]), range(k[0]), range(k[1]), range(b[0]), range(b[1])):
        out[:, (c * k[0] + u) * k[1] + v, i * b[1] + j] = xp[:, c, i * s[0] + u * d[0], j * s[1] + v * d[1]]
    return out


def ref_fold(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    size = _pairs(output_size)
    k, d, p, s, b = _blocks(size, kernel_size, dilation, padding, stride)
    C = cols.shape[1] // (k[0] * k[1])
    out = np.zeros((cols.shape[0], C, size[0] + 2 * p[0], size[1] + 2 * p[1]))
    for c, u, v, i, j in itertools.product(range(C), range(k[0]), range(k[1]), range(b[0]), range(b[1])):
        out[:, c, i * s[0] + u * d[0], j * s[1] + v * d[1]] += cols[:, (c * k[0] + u) * k[1] + v, i * b[1] + j]
    return out[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]]


def _grid(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.asarray(rng.uniform(-1.4, 1.4, shape))


register(
    OpInfo(
        gs_mod.GridSample,
        F.grid_sample,
        ref_grid_sample,
        lambda rng: [
            S("bilinear zeros", normal(rng, 2, 2, 3, 4), _grid(rng, 2, 2, 3, 2)),
            S("bilinear border, corners", normal(rng, 1, 2, 3, 3), _grid(rng, 1, 3, 2, 2), "bilinear", "border", True),
            S("bilinear reflection", normal(rng, 1, 1, 4, 3), _grid(rng, 1, 2, 2, 2), padding_mode="reflection"),
            S(
                "reflection, corners",
                normal(rng, 1, 1, 3, 4),
                _grid(rng, 1, 2, 3, 2),
                padding_mode="reflection",
                align_corners=True,
            ),
            S("nearest", normal(rng, 1, 2, 3, 4), _grid(rng, 1, 2, 2, 2), mode="nearest"),
            S("trilinear", normal(rng, 1, 2, 2, 3, 2), _grid(rng, 1, 2, 1, 2, 3)),
            S("size-1 input", normal(rng, 1, 1, 1, 1), _grid(rng, 1, 2, 2, 2), padding_mode="border"),
            S("empty batch", normal(rng, 0, 2, 3, 3), _grid(rng, 0, 2, 2, 2)),
        ],
        [
            E("rank", ValueError, r"grid_sample: input must be 4-D", np.ones((2, 3, 3)), np.ones((2, 2, 2))),
            E(
                "grid shape",
                ValueError,
                r"grid_sample: grid must be \(N, H_out, W_out, 2\)",
                np.ones((1, 1, 3, 3)),
                np.ones((1, 2, 2, 3)),
            ),
            E(
                "padding mode",
                ValueError,
                r"grid_sample: padding_mode must be one of 'zeros', 'border', 'reflection', got 'circular'",
                np.ones((1, 1, 3, 3)),
                np.zeros((1, 2, 2, 2)),
                padding_mode="circular",
            ),
            E(
                "bicubic",
                ValueError,
                r"grid_sample: mode='bicubic' is not implemented",
                np.ones((1, 1, 3, 3)),
                np.zeros((1, 2, 2, 2)),
                mode="bicubic",
            ),
        ],
    )
)
register(
    OpInfo(
        amp_mod.AdaptiveMaxPool,
        lambda x, output_size, call=None: (call or _ADAPTIVE_MAX[x.ndim - 2])(x, output_size),
        ref_adaptive_max_pool,
        lambda rng: [
            S("1-D, 5 to 3 (overlapping windows)", away_from_zero(rng, 2, 2, 5), output_size=3),
            S("2-D, 5x4 to 2x3", normal(rng, 1, 2, 5, 4), output_size=(2, 3)),
            S("2-D, None keeps an axis", normal(rng, 1, 1, 3, 5), output_size=(None, 2)),
            S("3-D, to 1", normal(rng, 1, 1, 2, 3, 2), output_size=1),
            S("upsampling 2 to 3", normal(rng, 1, 1, 2), output_size=3),
            S("empty batch", normal(rng, 0, 1, 4, 4), output_size=2),
        ],
        [
            E(
                "rank",
                ValueError,
                r"adaptive_max_pool2d expects a 4-D input \(N, C, H, W\) .*, got shape \(4, 4\)",
                np.ones((4, 4)),
                2,
                call=F.adaptive_max_pool2d,
            ),
            E(
                "size 0",
                ValueError,
                r"adaptive_max_pool2d: output_size must be >= 1, got \(0, 0\)",
                np.ones((1, 1, 4, 4)),
                0,
            ),
        ],
    )
)
register(
    OpInfo(
        fold_mod.Unfold,
        F.unfold,
        ref_unfold,
        lambda rng: [
            S("k 2", normal(rng, 2, 3, 4, 4), 2),
            S("k (2, 3), dilation, padding, stride", normal(rng, 1, 2, 5, 6), (2, 3), (2, 1), 1, (2, 1)),
            S("k 1", normal(rng, 1, 2, 2, 3), 1),
            S("empty batch", normal(rng, 0, 2, 3, 3), 2),
        ],
        [
            E("rank", ValueError, r"unfold: expected a 3-D \(unbatched\) or 4-D input", np.ones((3, 3)), 2),
            E("kernel", ValueError, r"unfold: the dilated kernel \(3, 3\)", np.ones((1, 1, 2, 2)), 3),
        ],
    )
)
register(
    OpInfo(
        fold_mod.Fold,
        F.fold,
        ref_fold,
        lambda rng: [
            S("k 2 to 3x3", normal(rng, 2, 8, 4), (3, 3), 2),
            S("k (2, 3), dilation, padding, stride", normal(rng, 1, 12, 9), (5, 6), (2, 3), (2, 1), 1, (2, 2)),
            S("non-overlapping", normal(rng, 1, 4, 4), 4, 2, stride=2),
            S("empty batch", normal(rng, 0, 4, 4), 3, 2),
        ],
        [
            E(
                "channels",
                ValueError,
                r"fold: expected size of input's dimension 1 to be divisible",
                np.ones((1, 5, 4)),
                3,
                2,
            ),
            E(
                "blocks",
                ValueError,
                r"fold: given output_size=\(3, 3\).*expected input.size\(2\) to be 4",
                np.ones((1, 4, 5)),
                3,
                2,
            ),
        ],
    )
)

unpool_mod = importlib.import_module("deltanet.functional.max_unpool")


def ref_max_unpool(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """A loop over the values: each written at its flat position of a zero output."""
    dims = x.ndim - 2
    k = (kernel_size,) * dims if isinstance(kernel_size, int) else kernel_size
    s = k if stride is None else ((stride,) * dims if isinstance(stride, int) else stride)
    p = (padding,) * dims if isinstance(padding, int) else padding
    size = (
        tuple(output_size)[-dims:]
        if output_size is not None
        else tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(x.shape[2:], s, p, k, strict=True))
    )
    out = np.zeros(x.shape[:2] + (math.prod(size),))
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for value, position in zip(x[n, c].ravel(), np.asarray(indices)[n, c].ravel(), strict=True):
            out[n, c, position] = value
    return out.reshape(x.shape[:2] + size)


def _unpool_sample(rng, shape, kernel_size, stride=None, padding=0, **kw):
    x = normal(rng, *shape)
    dims = len(shape) - 2
    _, indices = getattr(F, f"max_pool{dims}d")(dn.tensor(x), kernel_size, stride, padding, return_indices=True)
    pooled = np.asarray(rng.standard_normal(indices.shape))
    return S(f"{dims}-D k {kernel_size}", pooled, indices.data, kernel_size, stride, padding, constant=(1,), **kw)


register(
    OpInfo(
        unpool_mod.MaxUnpool,
        lambda x, indices, *args, **kw: _UNPOOL[x.ndim - 2](x, indices, *args, **kw),
        ref_max_unpool,
        lambda rng: [
            _unpool_sample(rng, (2, 2, 6), 2),
            _unpool_sample(rng, (1, 2, 6, 7), 3, 3, 1, output_size=(1, 2, 6, 7)),  # disjoint windows: no index twice
            _unpool_sample(rng, (1, 1, 5, 5), 2, output_size=(5, 5)),
            _unpool_sample(rng, (1, 1, 4, 4, 4), 2),
            _unpool_sample(rng, (0, 2, 4, 4), 2),
        ],
        [
            E(
                "indices shape",
                ValueError,
                r"max_unpool2d: indices must be the integer tensor of the input's shape",
                np.ones((1, 1, 2, 2)),
                np.zeros((1, 1, 2, 1), np.int64),
                2,
            ),
            E(
                "index out of range",
                ValueError,
                r"max_unpool2d: indices must be in \[0, 16\)",
                np.ones((1, 1, 2, 2)),
                np.full((1, 1, 2, 2), 16),
                2,
            ),
            E(
                "output size",
                ValueError,
                r"max_unpool2d: output_size \(7, 7\) must be within a stride",
                np.ones((1, 1, 2, 2)),
                np.zeros((1, 1, 2, 2), np.int64),
                2,
                output_size=(7, 7),
            ),
        ],
    )
)
_UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}


# -- module hooks: identities that let a full backward hook see the gradients ---------------------
hooks_mod = importlib.import_module("deltanet.nn.hooks")
_hooked = dn.nn.Identity()
_hooked.register_full_backward_hook(lambda module, grad_input, grad_output: None)


def _hook_samples(rng: np.random.Generator) -> list[Sample]:
    return [S("2-D", normal(rng, 2, 3)), S("0-D", normal(rng)), S("empty", normal(rng, 0, 2))]


# -- statistics, running products, special functions, scatter_reduce (porte) -------------------
def ref_scatter_reduce(x, src, index, dim, reduce, include_self=True):
    """Each output position reduced over its own value (if included) and the src values sent there."""
    z = x.copy()
    groups: dict[tuple, list] = {}
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        groups.setdefault(tuple(target), []).append(src[pos])
    combine = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for target, values in groups.items():
        z[target] = combine(([x[target]] if include_self else []) + values)
    return z


def _with_nan(rng: np.random.Generator, *shape: int) -> np.ndarray:
    x = normal(rng, *shape)
    x[x > 1.0] = np.nan
    return x


try:
    from scipy.special import erfinv as _scipy_erfinv
except ImportError:  # pragma: no cover - the forward is still checked against PyTorch in tests/autograd
    _scipy_erfinv = None

register(
    OpInfo(
        statistics.NanSum,
        lambda x, dim=None, mean=False: (dn.nanmean if mean else dn.nansum)(x, dim),
        lambda x, dim=None, mean=False: (np.nanmean if mean else np.nansum)(x, axis=dim),
        lambda rng: [
            S("sum, no NaN", normal(rng, 3, 4), dim=1),
            S("sum with NaN", _with_nan(rng, 3, 4)),
            S("mean with NaN, two axes", _with_nan(rng, 2, 3, 4), dim=(0, 2), mean=True),
            S("mean, 0-D", normal(rng), mean=True),
        ],
        [E("integer mean", ValueError, r"nanmean\(\) needs a floating-point tensor", dn.tensor([1, 2]), mean=True)],
    )
)
register(
    OpInfo(
        cumulative.CumProd,
        lambda x, dim: dn.cumprod(x, dim),
        lambda x, dim: np.cumprod(x, axis=dim),
        lambda rng: [
            S("vector", normal(rng, 5), dim=0),
            S("with zeros", np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5], [2.0, 1.0, 0.5, 0.0]]), dim=1),
            S("middle axis", normal(rng, 2, 3, 4), dim=1),
            S("empty", normal(rng, 0, 3), dim=1),
        ],
        [E("axis out of range", IndexError, r"cumprod: dimension out of range", np.ones(2), dim=1)],
    )
)
register(
    OpInfo(
        cumulative.LogCumSumExp,
        lambda x, dim: dn.logcumsumexp(x, dim),
        lambda x, dim: np.log(np.cumsum(np.exp(x), axis=dim)),
        lambda rng: [
            S("vector", normal(rng, 5), dim=0),
            S("last axis", normal(rng, 2, 3, 4), dim=-1),
            S("first axis", normal(rng, 3, 2), dim=0),
            S("empty", normal(rng, 0, 3), dim=1),
        ],
        [E("integer input", ValueError, r"logcumsumexp\(\) needs a floating-point tensor", dn.tensor([1, 2]), dim=0)],
    )
)
register(
    OpInfo(
        special.Lerp,
        dn.lerp,
        lambda a, b, w: np.where(np.asarray(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - np.asarray(w))),
        lambda rng: [
            S("tensor weight", normal(rng, 2, 3), normal(rng, 2, 3), probabilities(rng, 2, 3)),
            S("broadcast", normal(rng, 1, 3), normal(rng, 2, 1), normal(rng, 3)),
            S("number weight", normal(rng, 4), normal(rng, 4), 0.75),
            S("empty", normal(rng, 0, 3), normal(rng, 0, 3), 0.25),
        ],
        [
            E(
                "integer input",
                ValueError,
                r"lerp: input and end must be float tensors",
                dn.tensor([1, 2]),
                dn.tensor([1, 2]),
                0.5,
            )
        ],
    )
)
register(
    OpInfo(
        special.NanToNum,
        dn.nan_to_num,
        lambda x, nan=0.0, posinf=None, neginf=None: np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
        lambda rng: [
            S("finite", normal(rng, 2, 3)),
            S("replacements", normal(rng, 4), nan=1.0, posinf=2.0, neginf=-2.0),
            S("empty", normal(rng, 0, 3)),
        ],
        _STRING_DATA,
    )
)
register(OpInfo(special.Erf, dn.erf, np.vectorize(math.erf, otypes=[float]), _UNARY(normal), _STRING_DATA))
register(OpInfo(special.Erfc, dn.erfc, np.vectorize(math.erfc, otypes=[float]), _UNARY(normal), _STRING_DATA))
register(
    OpInfo(
        special.Erfinv,
        dn.erfinv,
        _scipy_erfinv,
        _UNARY(lambda rng, *shape: np.asarray(rng.uniform(-0.95, 0.95, shape))),
        _STRING_DATA,
    )
)
register(
    OpInfo(
        scatter_reduce_mod.ScatterReduce,
        lambda x, src, index, dim, reduce, include_self=True: dn.scatter_reduce(
            x, dim, dn.tensor(index), src, reduce, include_self=include_self
        ),
        ref_scatter_reduce,
        lambda rng: (
            [
                S(
                    f"{reduce}, include_self={keep}",
                    normal(rng, 2, 3),
                    normal(rng, 2, 4),
                    index=np.array([[0, 2, 0, 1], [1, 1, 2, 1]]),
                    dim=1,
                    reduce=reduce,
                    include_self=keep,
                )
                for reduce in ("sum", "prod", "mean", "amax", "amin")
                for keep in (True, False)
            ]
            + [
                S(
                    "prod with a zero",
                    normal(rng, 3),
                    np.array([0.0, 2.0, 1.5, 0.0]),
                    index=np.array([0, 0, 1, 2]),
                    dim=0,
                    reduce="prod",
                ),  # fmt: skip
                S("empty index", normal(rng, 3), normal(rng, 0), index=np.zeros(0, np.int64), dim=0, reduce="amax"),
            ]
        ),
        [
            E(
                "unknown reduce",
                ValueError,
                r"reduce must be one of",
                np.ones(2),
                np.ones(2),
                index=np.array([0, 1]),
                dim=0,
                reduce="max",
            ),  # fmt: skip
            E(
                "number src",
                TypeError,
                r"src must be a tensor",
                np.ones(2),
                1.0,
                index=np.array([0, 1]),
                dim=0,
                reduce="sum",
            ),  # fmt: skip
        ],
    )
)


register(
    OpInfo(
        windows_mod.Unfold,
        lambda x, dimension, size, step: x.unfold(dimension, size, step),
        lambda x, dimension, size, step: ref_tensor_unfold(x, dimension % x.ndim, size, step),
        lambda rng: [
            S("overlapping frames", normal(rng, 7), dimension=0, size=3, step=1),
            S("patches of rows, a gap between", normal(rng, 2, 9, 3), dimension=1, size=2, step=3),
            S("last axis", normal(rng, 2, 5), dimension=-1, size=5, step=2),
        ],
        [
            E(
                "window too large",
                ValueError,
                r"unfold: size 4 is larger than the size 3",
                np.ones((2, 3)),
                dimension=1,
                size=4,
                step=1,
            )
        ],
    )
)


_HOOK_ERRORS = [
    E("two tensors into a hooked module", NotImplementedError, r"one tensor, got 2", np.ones(2), np.ones(2))
]
for _hook_function in (hooks_mod._HookInput, hooks_mod._HookOutput):
    register(OpInfo(_hook_function, lambda x, *more: _hooked(x, *more), lambda x: x, _hook_samples, _HOOK_ERRORS))


# == random draws ================================================================================
sampling_mod = importlib.import_module("deltanet.autograd.sampling")


def _away_from_draws(shape: tuple) -> np.ndarray:
    """Probabilities 0.3 away from the uniform draws of ``generator=0``: the draw is then constant
    near them, so its numerical derivative is 0, the gradient PyTorch gives a draw."""
    u = np.random.default_rng(0).random(shape)
    return np.where(u < 0.5, u + 0.3, u - 0.3)


register(
    OpInfo(
        sampling_mod.RandomDraw,
        lambda p: dn.bernoulli(p, generator=0),
        lambda p: (np.random.default_rng(0).random(p.shape) < p).astype(p.dtype),
        lambda rng: [
            S("vector", _away_from_draws((5,))),
            S("matrix", _away_from_draws((3, 4))),
            S("empty", _away_from_draws((0, 2))),
        ],
        [
            E(
                "probability above 1",
                ValueError,
                r"bernoulli\(\): p must hold probabilities in \[0, 1\]",
                np.array([1.5]),
            ),
            E("integer tensor", ValueError, r"bernoulli\(\): input must be a floating-point tensor", dn.tensor([1])),
        ],
    )
)


# The entries of linalg and of later ports live in their own modules (they import this one).
from tests.reliability import op_registry_linalg, op_registry_port  # noqa: E402, F401


def registered() -> dict[type, OpInfo]:
    """The registry by Function class."""
    return {info.function: info for info in REGISTRY}


def package_functions() -> set[type]:
    """Every ``Function`` subclass defined in the deltanet package (after importing all of it)."""
    import pkgutil

    for module in pkgutil.walk_packages(dn.__path__, "deltanet."):
        try:
            importlib.import_module(module.name)
        except ImportError as error:  # a module of an optional extra that is not installed
            if 'pip install "deltanet[' not in str(error):
                raise

    found: set[type] = set()
    stack = [dn.Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return {cls for cls in found if cls.__module__.split(".")[0] == "deltanet"}
