"""Layer 4: modules that hold parameters; their ``forward`` calls one functional op."""

from deltanet.nn.activation import (
    ELU,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Swish,
    Tanh,
)
from deltanet.nn.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from deltanet.nn.containers import ModuleList, Sequential
from deltanet.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.dropout import Dropout, Dropout2d
from deltanet.nn.linear import Flatten, Identity, Linear
from deltanet.nn.local_response_norm import LocalResponseNorm
from deltanet.nn.module import Module, Parameter
from deltanet.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    GlobalAvgPool,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from deltanet.nn.upsample import Upsample

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Dropout",
    "Dropout2d",
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
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "GlobalAvgPool",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "Upsample",
    "LocalResponseNorm",
]
