"""What each layer does on some data: gradient flow, activation statistics, dead units.

The seeds' failure modes made measurable ([de Back 2018]: "vanishing gradients, fundamental
problem in deep learning"; the "dying ReLU issue"; saturated sigmoids). The definitions are in
``deltanet.training.layerstats``, shared with the ``Monitor`` callback.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.nn.modes import kept_modes
from deltanet.nn.module import Module
from deltanet.nn.summary import recording
from deltanet.training import layerstats
from deltanet.training import validation as checks
from deltanet.training.evaluation import output_shape, resolve_loss


def gradient_flow(model: Module, X: Any, y: Any, loss: Any, train: bool = False) -> OrderedDict[str, float]:
    r"""The gradient norm of each parameterized layer for one backward pass of ``loss`` on (X, y).

    For layer $l$ with parameters $\theta_l$ (weight and bias), the value is
    $\lVert \partial L / \partial \theta_l \rVert_2$. In a deep sigmoid network these norms shrink
    towards the input, since every layer multiplies the error by $\sigma'(z) \le 1/4$,

    $$
    \delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot h'(z^{(l)}),
    $$

    the vanishing gradients of the seeds.

    The model's ``.grad`` tensors are left as they were.

    Args:
        model: the network.
        X: inputs, shape (N, features...).
        y: targets, as for ``fit``.
        loss: a loss module, callable or name ("cross_entropy", "mse").
        train: compute in training mode (dropout active, batch norm on batch statistics and
            updating its running statistics); by default evaluation mode, which changes nothing.

    Returns:
        ``OrderedDict`` layer name → gradient norm, input side first (the order of the forward
        pass).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 1, dtype="float64"))
        >>> model[0].weight.data[...] = [[1.0, 0.0]]; model[0].bias.data[...] = 0.0
        >>> # L = mean((w·x + b − y)²) at x = (3, 4), y = 0: ∂L/∂W = 2·3·(3, 4), ∂L/∂b = 2·3
        >>> dict(dn.diagnostics.gradient_flow(model, np.array([[3.0, 4.0]]), np.array([[0.0]]), "mse"))
        {'0': 30.59411708155671}
    """
    checks.check_model(model, "gradient_flow")
    loss_fn = resolve_loss(loss)
    X = checks.check_X(X, model)
    y = checks.check_y(y, len(X), checks.loss_kind(loss_fn), output_shape(model, X), X.dtype)
    params = [p for p in model.parameters()]
    saved = [p.grad for p in params]
    modes = kept_modes(model)  # every module's own mode, given back
    model.train(bool(train))
    try:
        for p in params:
            p.grad = None
        with recording(model) as records:
            out = model(Tensor._make(X))
        L = loss_fn(out, Tensor._make(y))
        if not np.isfinite(L.array).all():
            raise ValueError(f"gradient_flow: the loss is {float(L.array)} on these data; gradients are meaningless")
        L.backward()
        order = []
        for r in records:
            if r.name not in order:
                order.append(r.name)
        return layerstats.gradient_norms(model, order)
    finally:
        modes.restore()
        for p, g in zip(params, saved):
            p.grad = g


def activation_stats(model: Module, X: Any, batch_size: int = 1024) -> OrderedDict[str, dict[str, Any]]:
    """Statistics of every layer's output on ``X`` (evaluation mode, no graph).

    For each leaf layer: ``mean`` and ``std`` of its outputs; ``fraction_zero`` (outputs exactly
    0: ReLU's sparsity); ``fraction_saturated`` for sigmoid ($a < 0.01$ or $a > 0.99$) and tanh
    ($|a| > 0.99$) layers, None for others; ``dead_fraction`` for ReLU layers (see
    ``dead_units``); ``type`` and ``units``.

    Args:
        model: the network.
        X: inputs, shape (N, features...).
        batch_size: rows per forward pass (statistics are pooled exactly over the batches).

    Returns:
        ``OrderedDict`` layer name → dict of statistics, in the order of the forward pass.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(1, 2, dtype="float64"), dn.nn.Sigmoid())
        >>> model[0].weight.data[...] = [[10.0], [0.0]]; model[0].bias.data[...] = 0.0
        >>> stats = dn.diagnostics.activation_stats(model, np.array([[-1.0], [1.0]]))
        >>> stats["1"]["fraction_saturated"]  # unit 0 at σ(±10), unit 1 at σ(0) = 0.5
        0.5
    """
    checks.check_model(model, "activation_stats")
    X = checks.check_X(X, model)
    return layerstats.layer_outputs_stats(model, X, batch_size=int(batch_size))


def dead_units(model: Module, X: Any, batch_size: int = 1024) -> OrderedDict[str, float]:
    """The fraction of units of each ReLU layer that never activate on ``X``.

    A unit (a feature of an (N, F) output, a channel of an (N, C, ...) output) is dead on X when
    its ReLU output is 0 for every sample (and every position): its gradient is 0 for all of X,
    so it cannot learn its way back (the "dying ReLU" of [de Back 2018]). A large negative bias,
    or one too large a step, puts units there.

    Args:
        model: the network; ReLU layers must be modules (``nn.ReLU()``) to be seen.
        X: inputs, shape (N, features...).
        batch_size: rows per forward pass.

    Returns:
        ``OrderedDict`` ReLU layer name → fraction of its units that are dead, in [0, 1].

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(1, 4, dtype="float64"), dn.nn.ReLU())
        >>> model[0].weight.data[...] = 1.0; model[0].bias.data[...] = [0.0, 0.0, -5.0, -5.0]
        >>> dict(dn.diagnostics.dead_units(model, np.array([[0.5], [1.0]])))
        {'1': 0.5}
    """
    checks.check_model(model, "dead_units")
    stats = activation_stats(model, X, batch_size)
    return OrderedDict((name, s["dead_fraction"]) for name, s in stats.items() if s["dead_fraction"] is not None)


__all__ = ["activation_stats", "dead_units", "gradient_flow"]
