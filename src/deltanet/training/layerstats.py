r"""Per-layer statistics of a network: gradient norms, activation statistics, dead and saturated
units, symmetric (constant-initialized) units.

These are the measurements behind the ``Monitor`` callback (layer 6) and the public functions of
``deltanet.diagnostics`` (layer 7), written once here so that both layers share them.

Definitions (the seeds' failure modes, [de Back 2018], [Hosny et al.], [Suk 2015]):

- gradient norm of a layer: $\lVert \partial L / \partial \theta \rVert_2$ over the parameters
  $\theta$ the layer owns (weight and bias together). Vanishing gradients show as norms that
  shrink layer by layer towards the input.
- fraction zero: the share of a layer's outputs that are exactly 0 (ReLU's sparsity).
- dead unit: a unit (a feature of an (N, F) output, a channel of an (N, C, ...) output) of a
  ReLU layer that is 0 for every sample of the data: no gradient passes it, it never learns.
- saturated output: sigmoid $a < 0.01$ or $a > 0.99$ ($|z| > 4.6$, $h'(z) = a(1 - a) < 0.01$);
  tanh $|a| > 0.99$ ($h'(z) = 1 - a^2 < 0.02$). Saturated units pass almost no gradient.
- symmetric units: the units of a hidden layer start with identical incoming weights and biases
  and the next layer gives them identical outgoing weights: they compute the same output and get
  the same gradient for ever (what constant initialization does).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from deltanet.autograd import Tensor, no_grad
from deltanet.nn import ReLU, Sigmoid, Tanh
from deltanet.nn.modes import kept_modes
from deltanet.nn.module import Module
from deltanet.nn.summary import LayerRecord, recording

SIGMOID_SATURATION = 0.01
TANH_SATURATION = 0.99


def own_parameters(module: Module) -> list[Tensor]:
    """The trainable parameters that ``module`` holds itself (not those of its children)."""
    return [p for p in module._parameters.values() if p is not None and p.requires_grad]


def parameterized_layers(model: Module, order: Sequence[str] | None = None) -> list[tuple[str, Module]]:
    """``(name, module)`` for every module that owns trainable parameters.

    Args:
        model: the network.
        order: layer names in the order of the forward pass (from ``forward_order``);
            modules not in it keep registration order after those in it.
    """
    layers = [(name, m) for name, m in model.named_modules() if own_parameters(m)]
    if order:
        rank = {name: i for i, name in enumerate(order)}
        layers.sort(key=lambda item: rank.get(item[0], len(rank)))
    return layers


def forward_record(model: Module, x: np.ndarray) -> tuple[list[str], np.ndarray | None]:
    """One forward pass on ``x`` (eval mode, no graph): the names of the leaf layers in the order
    it calls them, and the model's output (None when it is not a Tensor)."""
    with run_in_eval(model), no_grad(), recording(model) as records:
        out = model(Tensor._make(x))
    names: list[str] = []
    for r in records:
        if r.name not in names:
            names.append(r.name)
    return names, out.array if isinstance(out, Tensor) else None


def forward_order(model: Module, x: np.ndarray) -> list[str]:
    """Names of the leaf layers in the order a forward pass on ``x`` calls them (eval mode, no graph)."""
    return forward_record(model, x)[0]


class run_in_eval:
    """Context manager: evaluation mode inside (dropout off, batch norm on running statistics,
    nothing updated), the previous mode afterwards."""

    def __init__(self, model: Module) -> None:
        self.model = model
        self.modes = kept_modes(model)

    def __enter__(self) -> Module:
        self.modes = kept_modes(self.model)
        self.model.eval()
        return self.model

    def __exit__(self, *exc: Any) -> None:
        self.modes.restore()  # every module's own mode, not the model's


def gradient_norms(model: Module, order: Sequence[str] | None = None) -> OrderedDict[str, float]:
    r"""The gradient norm $\lVert \partial L / \partial \theta \rVert_2$ of every parameterized layer.

    Read from the ``.grad`` tensors already there (no computation but the norms); layers none of
    whose parameters has a gradient are left out.

    Args:
        model: the network, after ``backward``.
        order: layer names in the order of the forward pass (see ``parameterized_layers``).

    Returns:
        layer name → norm over the layer's own parameters $\theta$ (weight and bias together).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.layerstats import gradient_norms
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 1, dtype="float64"))
        >>> model[0].weight.grad = np.array([[3.0, 0.0]]); model[0].bias.grad = np.array([4.0])
        >>> dict(gradient_norms(model))
        {'0': 5.0}
    """
    norms: OrderedDict[str, float] = OrderedDict()
    for name, module in parameterized_layers(model, order):
        grads = [p.grad.array for p in own_parameters(module) if p.grad is not None]
        if grads:
            norms[name] = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
    return norms


def weight_norms(model: Module, order: Sequence[str] | None = None) -> OrderedDict[str, float]:
    r"""The norm $\lVert \theta \rVert_2$ of every parameterized layer's own parameters (weight and bias together).

    Args:
        model: the network.
        order: layer names in the order of the forward pass (see ``parameterized_layers``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.layerstats import weight_norms
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 1, dtype="float64"))
        >>> model[0].weight.data[...] = [[3.0, 0.0]]; model[0].bias.data[...] = 4.0
        >>> dict(weight_norms(model))
        {'0': 5.0}
    """
    return OrderedDict(
        (name, float(np.sqrt(sum(float(np.vdot(p.array, p.array)) for p in own_parameters(m)))))
        for name, m in parameterized_layers(model, order)
    )


def unit_axis_max(a: np.ndarray) -> np.ndarray:
    """The largest value of each unit over the samples (and positions): features of (N, F),
    channels of (N, C, ...)."""
    if a.ndim == 1:
        return a
    axes = tuple(i for i in range(a.ndim) if i != 1)
    return a.max(axis=axes)


def is_relu(module: Module) -> bool:
    return isinstance(module, ReLU)


def saturation_fraction(module: Module, a: np.ndarray) -> float | None:
    """Share of saturated outputs for a sigmoid or tanh layer (see the module docstring), else None."""
    if a.size == 0:
        return None
    if isinstance(module, Sigmoid):
        return float(np.mean((a < SIGMOID_SATURATION) | (a > 1 - SIGMOID_SATURATION)))
    if isinstance(module, Tanh):
        return float(np.mean(np.abs(a) > TANH_SATURATION))
    return None


def record_stats(records: Sequence[LayerRecord]) -> OrderedDict[str, dict[str, Any]]:
    """Statistics of each recorded layer output (first call of each layer).

    Returns:
        ``{name: {"type", "mean", "std", "fraction_zero", "fraction_saturated",
        "dead_fraction", "units"}}``; ``fraction_saturated`` is None except for sigmoid and tanh,
        ``dead_fraction`` None except for ReLU.
    """
    stats: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in records:
        if r.name in stats or not isinstance(r.output, Tensor):
            continue
        a = r.output.array
        if a.dtype.kind != "f" or a.size == 0:
            continue
        dead = None
        units = int(a.shape[1]) if a.ndim > 1 else int(a.shape[0])
        if is_relu(r.module):
            dead = float(np.mean(unit_axis_max(a) <= 0))
        stats[r.name] = {
            "type": type(r.module).__name__,
            "mean": float(a.mean()),
            "std": float(a.std()),
            "fraction_zero": float(np.mean(a == 0)),
            "fraction_saturated": saturation_fraction(r.module, a),
            "dead_fraction": dead,
            "units": units,
        }
    return stats


def layer_outputs_stats(model: Module, X: np.ndarray, batch_size: int = 1024) -> OrderedDict[str, dict[str, Any]]:
    """``record_stats`` of a forward pass over ``X`` in evaluation mode, without a graph.

    For more rows than ``batch_size`` the passes are batched and the statistics combined exactly
    (means and variances pooled, dead units = never positive in any batch).
    """
    parts: list[OrderedDict[str, dict[str, Any]]] = []
    sizes: list[int] = []
    unit_max: dict[str, np.ndarray] = {}
    with run_in_eval(model), no_grad():
        for start in range(0, max(len(X), 1), batch_size):
            xb = X[start : start + batch_size]
            with recording(model) as records:
                model(Tensor._make(xb))
            parts.append(record_stats(records))
            sizes.append(len(xb))
            for r in records:
                if is_relu(r.module) and isinstance(r.output, Tensor) and r.output.array.size:
                    m = unit_axis_max(r.output.array)
                    unit_max[r.name] = np.maximum(unit_max[r.name], m) if r.name in unit_max else m
    if len(parts) == 1:
        return parts[0]
    total = float(sum(sizes))
    merged: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for name, first in parts[0].items():
        rows = [(p[name], n) for p, n in zip(parts, sizes) if name in p]
        mean = sum(s["mean"] * n for s, n in rows) / total
        var = sum((s["std"] ** 2 + (s["mean"] - mean) ** 2) * n for s, n in rows) / total
        sat = first["fraction_saturated"]
        merged[name] = {
            "type": first["type"],
            "mean": mean,
            "std": float(np.sqrt(var)),
            "fraction_zero": sum(s["fraction_zero"] * n for s, n in rows) / total,
            "fraction_saturated": None if sat is None else sum(s["fraction_saturated"] * n for s, n in rows) / total,
            "dead_fraction": float(np.mean(unit_max[name] <= 0)) if name in unit_max else None,
            "units": first["units"],
        }
    return merged


def _units_identical(W: np.ndarray, b: np.ndarray | None) -> bool:
    """Whether every unit (row of W, with its bias) equals the first one."""
    rows = W.reshape(W.shape[0], -1)
    if not np.all(rows == rows[:1]):
        return False
    return b is None or bool(np.all(b == b[:1]))


def symmetric_layers(model: Module, order: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """Hidden layers whose units are interchangeable: ``[(name, units), ...]``.

    A layer with weight W (units on axis 0, more than one unit) is listed when all its units have
    the same incoming weights and bias, and the next parameterized layer either gives them the
    same outgoing weights (its W[:, j] equal for all j, when its axis 1 matches) or, when the
    shapes do not line up (a Flatten between), has all its weights equal. The last parameterized
    layer is never listed: output units are told apart by their targets.
    """
    layers = [
        (n, m, weight.array)
        for n, m in parameterized_layers(model, order)
        if isinstance(weight := getattr(m, "weight", None), Tensor) and weight.array.ndim >= 2
    ]
    found = []
    for (name, module, W), (_, _, V) in zip(layers, layers[1:]):
        units = W.shape[0]
        if units < 2:
            continue
        bias = getattr(module, "bias", None)
        if not _units_identical(W, bias.array if isinstance(bias, Tensor) else None):
            continue
        if V.shape[1] == units:
            columns = np.moveaxis(V, 1, 0).reshape(units, -1)
            same_out = bool(np.all(columns == columns[:1]))
        else:
            same_out = bool(np.all(V == V.flat[0]))
        if same_out:
            found.append((name, int(units)))
    return found


__all__ = [
    "SIGMOID_SATURATION",
    "TANH_SATURATION",
    "forward_order",
    "forward_record",
    "gradient_norms",
    "layer_outputs_stats",
    "own_parameters",
    "parameterized_layers",
    "record_stats",
    "run_in_eval",
    "saturation_fraction",
    "symmetric_layers",
    "unit_axis_max",
    "weight_norms",
]
