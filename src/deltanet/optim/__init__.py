"""Layer 5: optimizers and learning-rate schedules, with PyTorch's names, defaults and update rules.

The optimizer owns parameter groups and state; each update rule is a pure function on arrays
(``sgd_update``, ``adagrad_update``, ``adadelta_update``, ``rmsprop_update``, ``adam_update``,
``rprop_update``, ...) with its pseudocode in the docstring. The same model with the same initial
weights follows the same trajectory as with ``torch.optim``.

Examples:
    >>> import deltanet as dn
    >>> model = dn.nn.Linear(4, 3)
    >>> opt = dn.optim.get("adam", model.parameters(), lr=0.01)
    >>> type(opt).__name__, opt.param_groups[0]["lr"]
    ('Adam', 0.01)
"""

from __future__ import annotations

from typing import Any

from deltanet.optim import lr_scheduler, swa_utils
from deltanet.optim.adadelta import Adadelta, adadelta_update
from deltanet.optim.adafactor import Adafactor, adafactor_update
from deltanet.optim.adagrad import Adagrad, adagrad_update
from deltanet.optim.adam import Adam, AdamW, adam_update
from deltanet.optim.adamax import Adamax, adamax_update
from deltanet.optim.asgd import ASGD, asgd_update
from deltanet.optim.conjugate_gradient import CG
from deltanet.optim.lbfgs import LBFGS
from deltanet.optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from deltanet.optim.nadam import NAdam, nadam_update
from deltanet.optim.optimizer import Optimizer
from deltanet.optim.radam import RAdam, radam_update
from deltanet.optim.rmsprop import RMSprop, rmsprop_update
from deltanet.optim.rprop import Rprop, rprop_update
from deltanet.optim.sgd import SGD, sgd_update

_REGISTRY: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adadelta": Adadelta,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "adamax": Adamax,
    "nadam": NAdam,
    "radam": RAdam,
    "asgd": ASGD,
    "rprop": Rprop,
    "adafactor": Adafactor,
    "lbfgs": LBFGS,
    "cg": CG,
}


def get(name: Any, params: Any = None, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name ("sgd", "adam", "adamw", "nadam", "radam", "adamax", "adagrad", "rmsprop", ...).

    Args:
        name: a name (case, "-" and "_" ignored), an Optimizer class, or an Optimizer instance
            (returned as it is; then no keyword arguments may be given).
        params: the parameters to optimize (``model.parameters()``).
        **kwargs: hyperparameters, e.g. ``lr=0.01, momentum=0.9``.

    Examples:
        >>> import deltanet as dn
        >>> opt = dn.optim.get("SGD", dn.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        >>> opt.param_groups[0]["momentum"]
        0.9
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise ValueError(
                f"optim.get: got an {type(name).__name__} instance and hyperparameters "
                f"{sorted(kwargs)}; set them when creating the optimizer"
            )
        return name
    if isinstance(name, type) and issubclass(name, Optimizer):
        cls = name
    elif isinstance(name, str):
        key = name.strip().lower().replace("-", "").replace("_", "")
        if key not in _REGISTRY:
            raise ValueError(f"optim.get: unknown optimizer {name!r}; expected one of {sorted(_REGISTRY)}")
        cls = _REGISTRY[key]
    else:
        raise ValueError(f"optim.get: expected an optimizer name, class or instance, got {type(name).__name__}")
    if params is None:
        raise ValueError(f"optim.get: {cls.__name__} needs the parameters to optimize (params=)")
    return cls(params, **kwargs)


# PyTorch's optimizers that deltanet does not have, and why (a clear AttributeError, not a bare one).
_NOT_HERE = {
    "SparseAdam": (
        "it steps on sparse gradients only (PyTorch's refuses dense ones), and deltanet has none "
        "(nn.Embedding(sparse=True) is refused); use Adam or AdamW"
    ),
    "Muon": (
        "PyTorch's Muon orthogonalizes the update in bfloat16, which NumPy does not have, so its "
        "steps cannot be matched; use AdamW, or write the update as an Optimizer subclass"
    ),
}


def __getattr__(name: str) -> Any:
    if name in _NOT_HERE:
        raise AttributeError(f"deltanet.optim has no {name} (torch.optim.{name}): {_NOT_HERE[name]}")
    raise AttributeError(f"module 'deltanet.optim' has no attribute {name!r}")


__all__ = [
    "ASGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "CG",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LBFGS",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "Optimizer",
    "PolynomialLR",
    "RMSprop",
    "Rprop",
    "ReduceLROnPlateau",
    "SGD",
    "SequentialLR",
    "StepLR",
    "adadelta_update",
    "adafactor_update",
    "adagrad_update",
    "adam_update",
    "adamax_update",
    "asgd_update",
    "nadam_update",
    "radam_update",
    "get",
    "lr_scheduler",
    "rmsprop_update",
    "rprop_update",
    "sgd_update",
    "swa_utils",
]
