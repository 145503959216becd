"""Layer 4: modules that hold parameters; their ``forward`` calls one functional op.

The names are PyTorch's: ``import deltanet.nn as nn`` in place of ``import torch.nn as nn``,
with ``nn.functional``, ``nn.init`` and ``nn.utils`` beside them.
"""

import sys

from deltanet.nn import (
    functional,
    fusion,
    init,
    memory_format,
    modules,
    norm_hooks,
    parameter,
    parametrizations,
    parametrize,
    prune,
    rnn_utils,
    skip_init,
    stateless,
    summary,  # noqa: F401 - installs Module.summary
    utils,
)
from deltanet.nn.activation import (
    ELU,
    GELU,
    GLU,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Step,
    Swish,
    Tanh,
)
from deltanet.nn.attention import MultiheadAttention
from deltanet.nn.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from deltanet.nn.bilinear import Bilinear
from deltanet.nn.channel_shuffle import ChannelShuffle
from deltanet.nn.circular_pad import CircularPad1d, CircularPad2d, CircularPad3d
from deltanet.nn.containers import ModuleDict, ModuleList, Sequential
from deltanet.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.ctc_loss import CTCLoss
from deltanet.nn.data_parallel import DataParallel
from deltanet.nn.distance import CosineSimilarity, PairwiseDistance
from deltanet.nn.dropout import Dropout, Dropout2d, Dropout3d
from deltanet.nn.dropout_variants import AlphaDropout, Dropout1d, FeatureAlphaDropout
from deltanet.nn.embedding import Embedding
from deltanet.nn.embedding_bag import EmbeddingBag
from deltanet.nn.embedding_loss import (
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from deltanet.nn.fold import Fold, Unfold
from deltanet.nn.likelihood_loss import GaussianNLLLoss, PoissonNLLLoss
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
from deltanet.nn.max_unpool import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
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
from deltanet.nn.piecewise_activation import (
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    ReLU6,
    RReLU,
    Softshrink,
    Threshold,
)
from deltanet.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
from deltanet.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    GlobalAvgPool,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from deltanet.nn.recurrent import GRU, LSTM, RNN, RNNBase
from deltanet.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from deltanet.nn.rms_norm import RMSNorm
from deltanet.nn.smooth_activation import CELU, SELU, LogSigmoid, Mish, Softsign, Tanhshrink
from deltanet.nn.sync_batchnorm import SyncBatchNorm
from deltanet.nn.transformer import TransformerEncoder, TransformerEncoderLayer
from deltanet.nn.transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer
from deltanet.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

# ``torch.nn.utils.rnn`` by its path: ``nn.utils.rnn.pad_sequence`` and ``from torch.nn.utils.rnn
# import pad_sequence`` after the rename (``nn.utils`` is a module, this one lives beside it).
setattr(utils, "rnn", rnn_utils)  # noqa: B010 - mypy refuses a new attribute on a module
sys.modules.setdefault("deltanet.nn.utils.rnn", rnn_utils)
# ``torch.nn.utils.parametrize`` and ``.parametrizations`` the same way, and the older hooks
# ``torch.nn.utils.weight_norm``/``spectral_norm`` with their ``remove_*``.
_SUBMODULES = (
    ("parametrize", parametrize),
    ("parametrizations", parametrizations),
    ("prune", prune),
    ("stateless", stateless),
)
for _name, _module in _SUBMODULES:
    setattr(utils, _name, _module)
    sys.modules.setdefault(f"deltanet.nn.utils.{_name}", _module)
for _name in norm_hooks.__all__:
    setattr(utils, _name, getattr(norm_hooks, _name))
# ``torch.nn.utils.fusion``, ``.memory_format`` and ``.init`` (``skip_init``), whose functions
# ``torch.nn.utils`` also has by name.
for _name, _module in (("fusion", fusion), ("memory_format", memory_format), ("init", skip_init)):
    setattr(utils, _name, _module)
    sys.modules.setdefault(f"deltanet.nn.utils.{_name}", _module)
    for _function in _module.__all__:
        setattr(utils, _function, getattr(_module, _function))
# ``from torch.nn.utils.clip_grad import clip_grad_norm_`` and ``.convert_parameters``'s
# ``parameters_to_vector``: those modules' functions are in ``nn.utils`` itself (by import path
# only, so that ``nn.utils`` does not hold itself as an attribute).
for _name in ("clip_grad", "convert_parameters"):
    sys.modules.setdefault(f"deltanet.nn.utils.{_name}", utils)

__all__ = [
    "AlphaDropout",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "Dropout1d",
    "FeatureAlphaDropout",
    "RMSNorm",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "ChannelShuffle",
    "DataParallel",
    "Fold",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "Unfold",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Dropout",
    "Dropout2d",
    "Dropout3d",
    "ELU",
    "Embedding",
    "EmbeddingBag",
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
    "modules",
    "parameter",
    "utils",
    "LocalResponseNorm",
    "GLU",
    "Softmax2d",
    "Softmin",
    "Bilinear",
    "CosineSimilarity",
    "PairwiseDistance",
    "CosineEmbeddingLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
    "CTCLoss",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "ReLU6",
    "RReLU",
    "Softshrink",
    "Threshold",
    "CELU",
    "SELU",
    "LogSigmoid",
    "Mish",
    "Softsign",
    "Tanhshrink",
    "MultiheadAttention",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
]
