"""Layer 4: modules that hold parameters; their ``forward`` calls one functional op.

The names are PyTorch's: ``import deltanet.nn as nn`` in place of ``import torch.nn as nn``,
with ``nn.functional``, ``nn.init`` and ``nn.utils`` beside them.
"""

from deltanet.nn import (
    functional,
    init,
    summary,  # noqa: F401 - installs Module.summary
    utils,
)
from deltanet.nn.activation import (
    ELU,
    GELU,
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
from deltanet.nn.containers import ModuleDict, ModuleList, Sequential
from deltanet.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.dropout import Dropout, Dropout2d, Dropout3d
from deltanet.nn.embedding import Embedding
from deltanet.nn.linear import Flatten, Identity, Linear, Unflatten
from deltanet.nn.local_response_norm import LocalResponseNorm
from deltanet.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)
from deltanet.nn.module import Module, Parameter
from deltanet.nn.normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm
from deltanet.nn.padding import (
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from deltanet.nn.parameter_containers import ParameterDict, ParameterList
from deltanet.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
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
from deltanet.nn.sync_batchnorm import SyncBatchNorm
from deltanet.nn.upsample import Upsample

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Dropout",
    "Dropout2d",
    "Dropout3d",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GroupNorm",
    "Identity",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Module",
    "ModuleDict",
    "ParameterDict",
    "ParameterList",
    "ModuleList",
    "PReLU",
    "Parameter",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "PixelShuffle",
    "PixelUnshuffle",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Step",
    "SyncBatchNorm",
    "Swish",
    "Tanh",
    "Unflatten",
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
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MultiMarginLoss",
    "NLLLoss",
    "SmoothL1Loss",
    "functional",
    "init",
    "utils",
    "LocalResponseNorm",
]
