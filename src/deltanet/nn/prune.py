r"""``torch.nn.utils.prune``: zero out a module's weights by magnitude, by channel norm, at random
or by a mask of your own, with PyTorch's mechanism and ``state_dict`` keys.

``prune.l1_unstructured(layer, "weight", amount=0.3)`` replaces the parameter ``weight`` by the
parameter ``weight_orig`` and the buffer ``weight_mask``; before every call a forward pre-hook sets
``layer.weight`` $= M \odot W_{\text{orig}}$ (``deltanet.nn.pruning``). Pruning the same tensor
again prunes among the units still unpruned; ``prune.remove(layer, "weight")`` makes it permanent.

- ``amount`` is a number of units (an int) or a fraction of them (a float in [0, 1], rounded half
  to even, as PyTorch).
- The deterministic methods (``L1Unstructured``, ``LnStructured``, ``global_unstructured``)
  choose PyTorch's units, also where values tie at the threshold: which tied units PyTorch's CPU
  ``topk`` returns depends on its C++ library's selection algorithm, which deltanet replays (that
  of libstdc++, used by Linux builds; a macOS build of PyTorch may choose other tied units). The
  replay is a Python loop over the entries, run only where a tie straddles the threshold.
- The random methods draw from deltanet's generator (``dn.manual_seed``), so they choose other
  units than PyTorch's for the same seed.
- ``dn.save(model)`` refuses a pruned model with a message: save ``model.state_dict()``
  (PyTorch's keys), or call ``prune.remove`` first. A PyTorch ``state_dict`` of a pruned model
  loads into a model pruned the same way (``prune.identity`` makes the keys). ``dn.onnx.export``
  writes the pruned weight, the hook's result, as a constant.
- A pruning that raises (a bad ``amount``, a norm PyTorch refuses) leaves the module as it was;
  PyTorch 2.13 drops an earlier pruning's hook then, so that its mask is no longer applied.

Importable by PyTorch's path: ``from deltanet.nn.utils import prune``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from deltanet.nn.module import Module
from deltanet.nn.pruning import BasePruningMethod, PruningContainer, array_of, as_tensor, pre_hooks
from deltanet.nn.pruning_methods import (
    CustomFromMask,
    Identity,
    L1Unstructured,
    LnStructured,
    RandomStructured,
    RandomUnstructured,
)

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


def _mask_or_ones(module: Module, name: str) -> np.ndarray:
    """The mask of ``module.<name>``, or ones where it is not pruned yet."""
    mask = getattr(module, name + "_mask", None)
    return array_of(mask) if mask is not None else np.ones_like(array_of(getattr(module, name)))


# -- the functions ---------------------------------------------------------------------------------
def identity(module: Module, name: str) -> Module:
    r"""Add the pruning parametrization to ``module.<name>`` without pruning anything: the
    parameter ``<name>_orig`` and a mask of ones ``<name>_mask``. Use it to load a PyTorch
    ``state_dict`` of a pruned model, whose keys it creates.

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.identity(dn.nn.Linear(2, 3), "bias")
        >>> m.bias_mask.tolist(), list(m.state_dict())
        ([1.0, 1.0, 1.0], ['weight', 'bias_orig', 'bias_mask'])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: Any) -> Module:
    r"""Prune ``amount`` of the still-unpruned entries of ``module.<name>`` at random
    (``RandomUnstructured``; deltanet's generator draws them).

    Args:
        module: the module.
        name: the parameter's name.
        amount: the number of entries (an int), or their fraction (a float in [0, 1]).

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.random_unstructured(dn.nn.Linear(5, 2), "weight", amount=0.3)
        >>> int((m.weight == 0).sum())
        3
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: Any, importance_scores: Any = None) -> Module:
    r"""Prune the ``amount`` still-unpruned entries of ``module.<name>`` with the smallest absolute
    values (or smallest ``importance_scores``), as PyTorch (``L1Unstructured``).

    Args:
        module: the module.
        name: the parameter's name.
        amount: the number of entries (an int), or their fraction (a float in [0, 1]).
        importance_scores: scores of the parameter's shape (default: the parameter).

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = dn.nn.Linear(3, 1, bias=False)
        >>> with dn.no_grad():
        ...     _ = m.weight.copy_(dn.tensor([[0.5, -2.0, 0.1]]))
        >>> prune.l1_unstructured(m, "weight", amount=2).weight.tolist()
        [[0.0, -2.0, 0.0]]
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: Any, dim: int) -> Module:
    r"""Prune ``amount`` still-unpruned channels of ``module.<name>`` along ``dim`` at random
    (``RandomStructured``; deltanet's generator draws them).

    Args:
        module: the module.
        name: the parameter's name.
        amount: the number of channels (an int), or their fraction (a float in [0, 1]).
        dim: the channels' axis.

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.random_structured(dn.nn.Conv2d(1, 4, 3), "weight", amount=0.5, dim=0)
        >>> m.weight_mask.sum((1, 2, 3)).tolist().count(0.0)
        2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: Any, n: Any, dim: int, importance_scores: Any = None) -> Module:
    r"""Prune the ``amount`` still-unpruned channels of ``module.<name>`` along ``dim`` with the
    smallest $L_n$ norm, as PyTorch (``LnStructured``).

    Args:
        module: the module.
        name: the parameter's name.
        amount: the number of channels (an int), or their fraction (a float in [0, 1]).
        n: the norm's order (a number, ``float("inf")``, ``float("-inf")``, ``"fro"``, ``"nuc"``).
        dim: the channels' axis.
        importance_scores: scores of the parameter's shape (default: the parameter).

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.ln_structured(dn.nn.Conv2d(2, 4, 3), "weight", amount=0.5, n=2, dim=0)
        >>> m.weight_mask.sum((1, 2, 3)).tolist().count(0.0)
        2
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters: Any, pruning_method: Any, importance_scores: Any = None, **kwargs: Any) -> None:
    r"""Prune several tensors together: ``pruning_method`` ranks the still-unpruned entries of all
    of them as one vector (so ``amount`` counts over all), and each tensor gets its part of the
    mask through ``custom_from_mask``, as PyTorch.

    Args:
        parameters: an iterable of ``(module, name)`` pairs.
        pruning_method: a class with ``PRUNING_TYPE = "unstructured"`` (``prune.L1Unstructured``).
        importance_scores: a dict from ``(module, name)`` to scores of that parameter's shape
            (default: the parameters).
        **kwargs: the method's arguments (``amount``).

    Raises:
        TypeError: ``parameters`` is not iterable, ``importance_scores`` not a dict, or the method
            not unstructured.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> net = dn.nn.Sequential(dn.nn.Linear(10, 4), dn.nn.Linear(4, 1))
        >>> prune.global_unstructured([(net[0], "weight"), (net[1], "weight")],
        ...                           pruning_method=prune.L1Unstructured, amount=10)
        >>> int(sum((b == 0).sum() for b in net.buffers()))
        10
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)
    scores = np.concatenate(
        [
            array_of(importance_scores.get((module, name), getattr(module, name))).reshape(-1)
            for module, name in parameters
        ]
    )
    default_mask = np.concatenate([_mask_or_ones(module, name).reshape(-1) for module, name in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            f'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
            f"Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = array_of(container.compute_mask(as_tensor(scores), as_tensor(default_mask)))
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        count = int(np.prod(param.shape))
        custom_from_mask(module, name, mask=as_tensor(final_mask[pointer : pointer + count].reshape(param.shape)))
        pointer += count


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    r"""Prune ``module.<name>`` with ``mask`` (0 prunes an entry), on top of earlier pruning
    (``CustomFromMask``).

    Args:
        module: the module.
        name: the parameter's name.
        mask: a tensor (or array) of the parameter's shape.

    Returns:
        ``module``, changed in place.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.custom_from_mask(dn.nn.Linear(5, 3), name="bias", mask=dn.tensor([0, 1, 0]))
        >>> m.bias_mask.tolist()
        [0.0, 1.0, 0.0]
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    r"""Make the pruning of ``module.<name>`` permanent: ``<name>`` is a parameter again, holding
    the pruned values (the ``<name>_orig`` object, so an optimizer keeps it), and ``<name>_orig``,
    ``<name>_mask`` and the hook are gone. Pruning is not undone.

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``.

    Raises:
        ValueError: ``module.<name>`` is not pruned.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.remove(prune.l1_unstructured(dn.nn.Linear(5, 7), "weight", 0.2), "weight")
        >>> list(m.state_dict()), int((m.weight == 0).sum())
        (['bias', 'weight'], 7)
    """
    hooks = pre_hooks(module)
    for key, hook in list(hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    r"""Whether ``module`` or one of its sub-modules has a pruning hook.

    Args:
        module: the module.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = dn.nn.Sequential(dn.nn.Linear(5, 7))
        >>> prune.is_pruned(m), prune.is_pruned(prune.identity(m[0], "weight") and m)
        (False, True)
    """
    return any(
        isinstance(hook, BasePruningMethod) for _, sub in module.named_modules() for hook in pre_hooks(sub).values()
    )
