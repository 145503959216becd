"""The figures of the lecture decks: the activation functions with their derivatives, and the
effect of the weight and the bias on a sigmoid and a ReLU unit ([de Back 2018]: "effects of
weights and bias: scaling and shifts").

The curves are computed by deltanet itself: each function by its ``functional`` op, each
derivative by one backward pass through it, so the figures show the library's own derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import functional as F
from deltanet.autograd import Tensor
from deltanet.plot._figure import finish, new_figure

ACTIVATIONS: dict[str, tuple[str, Callable[[Tensor], Tensor]]] = {
    "step": ("step  a = [z ≥ 0]", F.step),
    "sigmoid": ("sigmoid  a = 1 / (1 + e^(−z))", F.sigmoid),
    "tanh": ("tanh  a = tanh z", F.tanh),
    "relu": ("ReLU  a = max(0, z)", F.relu),
    "leaky_relu": ("leaky ReLU  a = max(0.1z, z)", lambda z: F.leaky_relu(z, 0.1)),
    "elu": ("ELU  a = z or e^z − 1", F.elu),
    "swish": ("swish  a = z σ(z)", F.silu),
    "softplus": ("softplus  a = log(1 + e^z)", F.softplus),
}
SEEDS_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish")


def activation_derivative(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    r"""The activation $a = h(z)$ named ``name`` and its derivative $h'(z)$, through deltanet's forward and backward.

    Args:
        name: a key of ``ACTIVATIONS`` (``"sigmoid"``, ``"relu"``, ...).
        z: the points $z$, any shape.

    Returns:
        ``(a, da)``: $h(z)$ and $h'(z)$, of the shape of ``z``; ``da`` is None for the step, whose
        derivative is 0 almost everywhere and undefined at 0.

    Examples:
        >>> import numpy as np
        >>> from deltanet.plot.seeds_figures import activation_derivative
        >>> a, da = activation_derivative("sigmoid", np.array([0.0]))
        >>> float(a[0]), float(da[0])
        (0.5, 0.25)
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    fn = ACTIVATIONS[name][1]
    if name == "step":
        return fn(Tensor._make(np.asarray(z, dtype=np.float64))).array, None
    t = Tensor._make(np.asarray(z, dtype=np.float64), requires_grad=True)
    a = fn(t)
    a.sum().backward()
    return a.array, t.grad.array if t.grad is not None else None


def activation_functions(
    names: Any = SEEDS_ACTIVATIONS, derivatives: bool = True, z_range: tuple[float, float] = (-5, 5), path: Any = None
) -> Any:
    """One panel per activation function $a = h(z)$, with its derivative $h'(z)$ dashed.

    The sigmoid's derivative peaks at $1/4$ and vanishes for large $|z|$ (the vanishing gradients
    of [de Back 2018]); ReLU's is 1 for $z > 0$ and 0 below (dead units); leaky ReLU, ELU and swish
    keep a gradient for $z < 0$.

    Args:
        names: activations among step, sigmoid, tanh, relu, leaky_relu, elu, swish, softplus.
        derivatives: draw the derivatives too.
        z_range: the $z$ axis, ``(low, high)``.
        path: save the figure there.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> fig = dn.plot.activation_functions(["sigmoid", "relu"])
        >>> [a.get_title().split()[0] for a in fig.axes]
        ['sigmoid', 'ReLU']
    """
    names = [names] if isinstance(names, str) else list(names)
    for name in names:
        if name not in ACTIVATIONS:
            raise ValueError(f"activation_functions: unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    fig, axes = new_figure(rows, cols, (3.6 * cols, 2.9 * rows), squeeze=False)
    z = np.linspace(z_range[0], z_range[1], 401)
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        a, da = activation_derivative(name, z)
        ax.plot(z, a, color="tab:blue", label="h(z)")
        if derivatives and da is not None:
            ax.plot(z, da, "--", color="tab:orange", label="h'(z)")
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.axvline(0, color="0.6", linewidth=0.6)
        ax.set_title(ACTIVATIONS[name][0], fontsize="medium")
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    for k in range(len(names), rows * cols):
        fig.delaxes(axes[k // cols][k % cols])
    return finish(fig, path)


def weight_bias_effect(
    activation: str = "sigmoid",
    weights: Any = (0.5, 1.0, 2.0, 5.0),
    biases: Any = (-2.0, 0.0, 2.0),
    x_range: tuple[float, float] = (-5, 5),
    path: Any = None,
) -> Any:
    """The output $a = h(w x + b)$ of one unit: the weight sets the steepness, the bias shifts the curve.

    Left, $b = 0$ and one curve per weight; right, $w = 1$ and one curve per bias, as in
    [de Back 2018].

    Args:
        activation: ``"sigmoid"`` or ``"relu"`` (or any name of ``activation_functions``).
        weights: the values of $w$ on the left.
        biases: the values of $b$ on the right.
        x_range: the $x$ axis, ``(low, high)``.
        path: save the figure there.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> fig = dn.plot.weight_bias_effect("relu", weights=[1, 2], biases=[-1, 1])
        >>> [len(a.get_lines()) for a in fig.axes]
        [2, 2]
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"weight_bias_effect: unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
    x = np.linspace(x_range[0], x_range[1], 401)
    fig, (left, right) = new_figure(1, 2, (9, 3.4))
    for w in weights:
        a, _ = activation_derivative(activation, float(w) * x)
        left.plot(x, a, label=f"w = {w:g}")
    for b in biases:
        a, _ = activation_derivative(activation, x + float(b))
        right.plot(x, a, label=f"b = {b:g}")
    name = ACTIVATIONS[activation][0].split()[0]
    left.set_title(f"{name}(w x): the weight sets the steepness", fontsize="medium")
    right.set_title(f"{name}(x + b): the bias shifts the output", fontsize="medium")
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.set_ylabel("a")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return finish(fig, path)


__all__ = ["ACTIVATIONS", "activation_derivative", "activation_functions", "weight_bias_effect"]
