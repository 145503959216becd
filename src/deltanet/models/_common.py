"""Argument checks and the activation table shared by the model builders."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,
}


def positive_int(value: Any, name: str, owner: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{owner}: {name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def choice(value: Any, options: tuple, name: str, owner: str) -> Any:
    if isinstance(value, bool) or value not in options:
        raise ValueError(f"{owner}: {name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def activation(name: Any, owner: str, allowed: tuple = tuple(ACTIVATIONS)) -> type:
    if not isinstance(name, str) or name.lower() not in allowed:
        raise ValueError(f"{owner}: activation must be one of {', '.join(map(repr, allowed))}, got {name!r}")
    return ACTIVATIONS[name.lower()]
