r"""What the page draws, computed from the model: every unit over the input plane, the weights.

For a 2-D data set each unit's output $z_j$ is evaluated on a grid over the plane
$[-1.2, 1.2]^2$ (small images, one per unit, like TensorFlow Playground's), and the network's
class probabilities on a finer grid (the decision boundary). For the 1-D regression the same
values are taken along the $x$ axis: each unit is a small curve and the output is the fitted
curve. Values are rounded to 3 decimals: they are drawn, not computed with.

The forward pass runs the model's own modules one by one (in evaluation mode, so dropout is off)
and keeps the output of every activation: the $z$ of the hidden units.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor, no_grad
from deltanet.nn import Dropout, Linear, Sequential
from deltanet.playground.datasets import EXTENT, PlaygroundData

UNIT_GRID = 24  # the small images of the units
OUTPUT_GRID = 60  # the decision boundary
CURVE_POINTS = 120  # the regression's curves


def plane(size: int) -> np.ndarray:
    """``size`` × ``size`` points over the plane, row by row from the top left (as pixels)."""
    ticks = np.linspace(-EXTENT, EXTENT, size, dtype=np.float32)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def line(size: int) -> np.ndarray:
    """``size`` points along the $x$ axis, shape (size, 1)."""
    return np.linspace(-EXTENT, EXTENT, size, dtype=np.float32)[:, None]


def layer_outputs(model: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """The inputs, each hidden layer's activations $z$, and the output, for the rows of ``X``.

    The model is put in evaluation mode for the pass (and back into its mode after); the output
    is the last Linear's $a$ (the logits of a classifier).
    """
    was_training = model.training
    model.eval()
    outputs = [X]
    try:
        with no_grad():
            h = Tensor._make(X)
            modules = list(model)
            for i, module in enumerate(modules):
                h = module(h)
                # a hidden layer's z: the output of its activation (a Dropout after it is the
                # identity in evaluation mode)
                if i < len(modules) - 1 and not isinstance(module, (Linear, Dropout)):
                    outputs.append(np.asarray(h.array))
            outputs.append(np.asarray(h.array))
    finally:
        model.train(was_training)
    return outputs


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _rounded(values: np.ndarray) -> list[Any]:
    return np.round(np.asarray(values, dtype=np.float64), 3).tolist()


def weights(model: Sequential) -> list[dict[str, Any]]:
    """Every Linear's weight $W$ (out × in) and bias $b$, rounded, input side first."""
    layers = [m for m in model if isinstance(m, Linear)]
    return [{"W": _rounded(m.weight.array), "b": [] if m.bias is None else _rounded(m.bias.array)} for m in layers]


def draw(model: Sequential, data: PlaygroundData) -> dict[str, Any]:
    """The units' images (or curves) and the output view of ``model`` on ``data``'s inputs.

    Args:
        model: the playground's ``Sequential``.
        data: the run's data (its task and number of features choose the view).

    Returns:
        ``{"units": [[values per unit] per layer], "output": {...}, "weights": [...]}``; for a
        2-D set ``output`` holds the class probabilities on the fine grid (``"probs"``, one list
        per class), for the regression the fitted curve (``"x"``, ``"y"``).

    Examples:
        >>> from deltanet.playground import config, datasets, network, views
        >>> data = datasets.load("xor", n=20)
        >>> picture = views.draw(network.build(config.Config(hidden=(3,)), data).model, data)
        >>> [len(layer) for layer in picture["units"]], len(picture["units"][1][0]) == views.UNIT_GRID ** 2
        ([2, 3, 2], True)
    """
    two_d = data.X_train.shape[1] == 2
    points = plane(UNIT_GRID) if two_d else line(CURVE_POINTS)
    per_layer = layer_outputs(model, points)
    if data.task == "classification":
        per_layer[-1] = _softmax(per_layer[-1])
    units = [[_rounded(layer[:, j]) for j in range(layer.shape[1])] for layer in per_layer]
    output: dict[str, Any]
    if data.task == "classification":
        fine = plane(OUTPUT_GRID) if two_d else line(CURVE_POINTS)
        probs = _softmax(layer_outputs(model, fine)[-1])
        output = {"grid": OUTPUT_GRID, "probs": [_rounded(probs[:, c]) for c in range(probs.shape[1])]}
    else:
        output = {"x": _rounded(points[:, 0]), "y": _rounded(per_layer[-1][:, 0])}
    return {"units": units, "output": output, "weights": weights(model), "grid": UNIT_GRID if two_d else None}


def points(data: PlaygroundData) -> dict[str, Any]:
    """The training and test points, for the scatter plot over the output view."""

    def rows(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
        target = y.reshape(len(y), -1)[:, 0]
        return np.round(np.column_stack([X[:, 0], X[:, 1] if X.shape[1] > 1 else target, target]), 3).tolist()

    return {"train": rows(data.X_train, data.y_train), "test": rows(data.X_test, data.y_test)}


__all__ = ["draw", "layer_outputs", "line", "plane", "points", "weights"]
