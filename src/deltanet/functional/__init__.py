"""Layer 3: the neural-network operations, one ``Function`` per primitive, with hand-written
backward rules that follow the delta equations of the seeds.

``import deltanet.functional as F`` gives every op under one name, as ``torch.nn.functional``.
"""

from deltanet.functional.activations import (
    elu,
    identity,
    leaky_relu,
    log_softmax,
    prelu,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    step,
    tanh,
)
from deltanet.functional.batchnorm import batch_norm
from deltanet.functional.dropout import dropout, dropout2d
from deltanet.functional.linear import linear

__all__ = [
    "batch_norm",
    "dropout",
    "dropout2d",
    "elu",
    "identity",
    "leaky_relu",
    "linear",
    "log_softmax",
    "prelu",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "step",
    "tanh",
]
