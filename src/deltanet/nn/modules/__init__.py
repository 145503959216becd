"""``torch.nn.modules`` by its paths: ``from torch.nn.modules.loss import _Loss`` after the rename.

``loss`` and ``utils`` are files of this package (``_Loss``, ``_WeightedLoss``; ``_pair`` and its
kin). The other submodules that PyTorch code imports by path are deltanet's own files under
PyTorch's names (``modules.conv`` is ``deltanet.nn.conv``, with ``_ConvNd``; ``modules.batchnorm``
has ``_BatchNorm``; ``modules.module`` has ``Module``), registered in ``sys.modules`` so that
``import deltanet.nn.modules.conv`` works too.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.nn.modules.conv import _ConvNd
    >>> isinstance(dn.nn.Conv2d(1, 1, 3), _ConvNd)
    True
"""

from __future__ import annotations

import sys

from deltanet.nn import (
    activation,
    batchnorm,
    containers,
    conv,
    distance,
    dropout,
    embedding,
    fold,
    linear,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    recurrent,
    transformer,
    upsample,
)
from deltanet.nn.modules import loss, utils
from deltanet.nn.modules.module import Module

# PyTorch's file name -> deltanet's module of the same layers.
_SAME_LAYERS = {
    "activation": activation,
    "batchnorm": batchnorm,
    "container": containers,
    "conv": conv,
    "distance": distance,
    "dropout": dropout,
    "flatten": linear,
    "fold": fold,
    "linear": linear,
    "normalization": normalization,
    "padding": padding,
    "pixelshuffle": pixelshuffle,
    "pooling": pooling,
    "rnn": recurrent,
    "sparse": embedding,
    "transformer": transformer,
    "upsampling": upsample,
}
_LAYER_NAMES: list[str] = []
for _name, _module in _SAME_LAYERS.items():
    globals()[_name] = _module
    sys.modules.setdefault(f"{__name__}.{_name}", _module)
    # ``torch.nn.modules.Linear``: the package holds every layer class too, as PyTorch's does.
    for _layer in getattr(_module, "__all__", None) or [n for n in vars(_module) if not n.startswith("_")]:
        _value = getattr(_module, _layer)
        if isinstance(_value, type) and issubclass(_value, Module) and _value.__module__ == _module.__name__:
            globals()[_layer] = _value
            _LAYER_NAMES.append(_layer)
for _layer in loss.__all__:
    if not _layer.startswith("_"):
        globals()[_layer] = getattr(loss, _layer)
        _LAYER_NAMES.append(_layer)
del _name, _module, _layer, _value

__all__ = ["Module", "loss", "module", "utils", *sorted(_SAME_LAYERS), *sorted(set(_LAYER_NAMES))]
