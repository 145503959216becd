"""Layer 4: modules that hold parameters; their ``forward`` calls one functional op."""

from deltanet.nn.activation import (
    ELU,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    SiLU,
    Sigmoid,
    Softmax,
    Softplus,
    Step,
    Swish,
    Tanh,
)
from deltanet.nn.containers import ModuleList, Sequential
from deltanet.nn.linear import Flatten, Identity, Linear
from deltanet.nn.module import Module, Parameter

__all__ = [
    "ELU",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Module",
    "ModuleList",
    "PReLU",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Step",
    "Swish",
    "Tanh",
]
