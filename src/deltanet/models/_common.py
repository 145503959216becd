"""The activation table shared by the model builders, and the check of an activation name."""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
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


def activation(name: Any, owner: str, allowed: tuple = tuple(ACTIVATIONS)) -> type:
    if not isinstance(name, str) or name.lower() not in allowed:
        raise check.fail(owner, "activation", f"one of {', '.join(map(repr, allowed))}", name)
    return ACTIVATIONS[name.lower()]
