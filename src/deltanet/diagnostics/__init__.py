"""Layer 7: tools that check and explain training.

- ``gradcheck`` (an op or function) and ``gradcheck_model`` (a whole model) against
  central differences;
- ``gradient_flow``, ``activation_stats``, ``dead_units``: what each layer does on
  some data (vanishing gradients, saturated or dead units);
- ``lr_find``: the learning-rate range test (Smith 2017);
- ``sweep``: training over a grid of hyperparameters;
- ``Monitor`` and the ``DeltanetWarning`` family, re-exported from
  ``deltanet.training.monitor`` (the callback lives in the training layer so that ``fit`` can
  use it).

Only ``gradcheck`` is imported with the package (``import deltanet`` needs it); the rest loads on
first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from deltanet.diagnostics.gradcheck import GradcheckError, gradcheck

_LAZY = {
    "gradient_flow": "deltanet.diagnostics.flow",
    "activation_stats": "deltanet.diagnostics.flow",
    "dead_units": "deltanet.diagnostics.flow",
    "lr_find": "deltanet.diagnostics.lr_finder",
    "LRFinderResult": "deltanet.diagnostics.lr_finder",
    "sweep": "deltanet.diagnostics.sweeps",
    "SweepResult": "deltanet.diagnostics.sweeps",
    "gradcheck_model": "deltanet.diagnostics.model_gradcheck",
    "Monitor": "deltanet.training.monitor",
    "DeltanetWarning": "deltanet.training.monitor",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'deltanet.diagnostics' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = ["GradcheckError", "gradcheck", *_LAZY]
