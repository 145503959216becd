r"""deltanet: a deep-learning library on NumPy that you can read end to end.

The backpropagated error of unit $j$, with weighted input $z_j$ and activation $h$, is

$$
\delta_j = h'(z_j) \sum_k w_{kj} \delta_k.
$$

Rumelhart, Hinton and Williams called the procedure the *generalized delta rule*.

Examples:
    >>> import deltanet as dn
    >>> model = dn.nn.Sequential(dn.nn.Linear(4, 16), dn.nn.Sigmoid(), dn.nn.Linear(16, 3))
    >>> model(dn.tensor([[5.1, 3.5, 1.4, 0.2]])).shape
    (1, 3)
"""

from __future__ import annotations

import importlib
from typing import Any

from deltanet import backend, functional, init, nn
from deltanet._version import __version__
from deltanet.autograd import Function, Tensor, cat, enable_grad, is_grad_enabled, no_grad, stack, tensor
from deltanet.backend import manual_seed
from deltanet.diagnostics import gradcheck

backend.keep_freed_memory()  # see its docstring: large temporaries are reused instead of page-faulted

# The upper layers load on first use: ``import deltanet`` stays fast, and the layers below never
# import the ones above them.
_LAZY_MODULES = {
    "losses": "deltanet.losses",
    "optim": "deltanet.optim",
    "regularizers": "deltanet.regularizers",
    "metrics": "deltanet.metrics",
    "data": "deltanet.data",
    "utils": "deltanet.utils",
    "training": "deltanet.training",
    "callbacks": "deltanet.training.callbacks",
    "diagnostics": "deltanet.diagnostics",
    "inference": "deltanet.inference",
    "examples": "deltanet.examples",
    "models": "deltanet.models",
    "io": "deltanet.io",
    "onnx": "deltanet.onnx",
    "plot": "deltanet.plot",
    "explain": "deltanet.explain",
}
_LAZY_NAMES = {
    "fit": "deltanet.training",
    "evaluate": "deltanet.training",
    "predict": "deltanet.training",
    "History": "deltanet.training",
    "save": "deltanet.io",
    "load": "deltanet.io",
    "report": "deltanet.reporting",
    "sweep": "deltanet.diagnostics",
    "lr_find": "deltanet.diagnostics",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(_LAZY_MODULES[name])
    elif name in _LAZY_NAMES:
        module = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'deltanet' has no attribute {name!r}")
    globals()[name] = module
    return module


__all__ = [
    "Function",
    "History",
    "Tensor",
    "__version__",
    "callbacks",
    "cat",
    "data",
    "diagnostics",
    "enable_grad",
    "evaluate",
    "explain",
    "fit",
    "functional",
    "gradcheck",
    "inference",
    "init",
    "io",
    "is_grad_enabled",
    "load",
    "models",
    "onnx",
    "losses",
    "manual_seed",
    "metrics",
    "nn",
    "no_grad",
    "optim",
    "plot",
    "predict",
    "regularizers",
    "report",
    "save",
    "stack",
    "sweep",
    "tensor",
    "training",
    "utils",
]
