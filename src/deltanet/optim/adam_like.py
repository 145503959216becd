"""The hyperparameter checks that NAdam, RAdam and Adamax share with Adam (lr, betas, eps, decay, switches)."""

from __future__ import annotations

from typing import Any

from deltanet.optim.adam import _pair
from deltanet.optim.optimizer import _check_bool, _check_number, _check_switches


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
