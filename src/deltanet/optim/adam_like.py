"""What NAdam, RAdam and Adamax share: Adam's hyperparameter checks and the loop over a group's parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.optim.adam import _pair
from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def check_adam_like_group(name: str, group: dict[str, Any]) -> None:
    """The checks that NAdam, RAdam and Adamax share with Adam: lr, betas, eps, weight_decay, switches."""
    _check_number(name, "lr", group["lr"])
    betas = group["betas"] = _pair(group["betas"])
    if not (isinstance(betas, tuple) and len(betas) == 2):
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    _check_number(name, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
    _check_number(name, "betas[1]", betas[1], 0.0, 1.0, high_open=True)
    _check_number(name, "eps", group["eps"])
    _check_number(name, "weight_decay", group["weight_decay"])
    _check_bool(name, "maximize", group["maximize"])
    _check_switches(name, group)


def update_each_parameter(
    optimizer: Optimizer,
    group: dict[str, Any],
    moments: tuple[str, ...],
    update: Callable[[np.ndarray, np.ndarray, dict[str, Any]], None],
    scalars: dict[str, Any] | None = None,
) -> None:
    """Run ``update(W, g, state)`` on every parameter of ``group`` that has a gradient.

    A parameter's state is created at its first gradient, as PyTorch does: ``step`` 0, the
    ``scalars`` (such as NAdam's ``mu_product``) and zeros shaped like the parameter for each
    name in ``moments``; ``step`` is counted up before ``update`` runs.

    Args:
        optimizer: the optimizer whose ``state`` holds the parameters' state.
        group: the param group.
        moments: the names of the state arrays (e.g. ``("exp_avg", "exp_avg_sq")``).
        update: applies the rule to the parameter array, its gradient and its state dict.
        scalars: the state's scalar entries and their initial values.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.optim.adam_like import update_each_parameter
        >>> w = dn.nn.Parameter(np.ones(2)); w.grad = np.ones(2)
        >>> opt = dn.optim.Adamax([w])
        >>> update_each_parameter(opt, opt.param_groups[0], ("exp_avg",), lambda W, g, st: None)
        >>> opt.state[w]
        {'step': 1, 'exp_avg': array([0., 0.])}
    """
    state = optimizer.state
    for p in group["params"]:
        grad = p._grad
        if grad is None:
            continue
        W = p.array
        st = state.get(p)
        if st is None:
            st = state[p] = {"step": 0, **(scalars or {}), **{name: np.zeros_like(W) for name in moments}}
        st["step"] += 1
        update(W, grad.array, st)
