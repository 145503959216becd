r"""``torch.nn.utils.prune``: zero out a module's weights by magnitude, by channel norm, at random
or by a mask of your own, with PyTorch's mechanism and ``state_dict`` keys.

``prune.l1_unstructured(layer, "weight", amount=0.3)`` replaces the parameter ``weight`` by the
parameter ``weight_orig`` and the buffer ``weight_mask``; before every call a forward pre-hook sets
``layer.weight`` $= M \odot W_{\text{orig}}$ (``deltanet.nn.pruning``). Pruning the same tensor
again prunes among the units still unpruned; ``prune.remove(layer, "weight")`` makes it permanent.

- ``amount`` is a number of units (an int) or a fraction of them (a float in [0, 1], rounded half
  to even, as PyTorch).
- The deterministic methods (``L1Unstructured``, ``LnStructured``, ``global_unstructured``)
  choose PyTorch's units. Where values tie at the threshold, deltanet takes the lowest indices;
  PyTorch's CPU ``topk`` takes tied units in its selection algorithm's order, so on ties the
  chosen units can differ (their number and the values kept do not).
- The random methods draw from deltanet's generator (``dn.manual_seed``), so they choose other
  units than PyTorch's for the same seed.
- ``dn.save(model)`` and ``dn.onnx.export`` refuse a pruned model with a message; save
  ``model.state_dict()`` (PyTorch's keys), or call ``prune.remove`` first. A PyTorch ``state_dict``
  of a pruned model loads into a model pruned the same way (``prune.identity`` makes the keys).

Importable by PyTorch's path: ``from deltanet.nn.utils import prune``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.nn.module import Module
from deltanet.nn.pruning import (
    BasePruningMethod,
    PruningContainer,
    array_of,
    as_tensor,
    pre_hooks,
    topk_indices,
    units_to_prune,
    validate_amount_init,
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


def _copy(mask: Any) -> np.ndarray:
    return np.array(array_of(mask), copy=True)


def _mask_or_ones(module: Module, name: str) -> np.ndarray:
    """The mask of ``module.<name>``, or ones where it is not pruned yet."""
    mask = getattr(module, name + "_mask", None)
    return array_of(mask) if mask is not None else np.ones_like(array_of(getattr(module, name)))


def _check_structured(t: np.ndarray, dim: int) -> None:
    if t.ndim <= 1:
        raise ValueError(
            f"Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {t.ndim} dims"
        )
    if dim >= t.ndim or dim < -t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _channel_norm(t: np.ndarray, n: Any, dim: int) -> np.ndarray:
    r"""The $L_n$ norm of each slice of ``t`` along ``dim`` (``torch.norm(t, p=n, dim=others)``)."""
    axes = tuple(d for d in range(t.ndim) if d != dim % t.ndim)
    a = np.abs(t.astype(np.float64) if t.dtype.kind != "f" else t)
    if n in ("nuc", "fro") and (n == "nuc" or len(axes) > 2):  # torch.norm's matrix norms
        if len(axes) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, axes))}")
        return np.linalg.norm(t, ord="nuc", axis=axes)
    if n == "fro":
        n = 2
    if isinstance(n, str) or not isinstance(n, (int, float, np.integer, np.floating)) or isinstance(n, bool):
        raise RuntimeError(f"linalg.vector_norm: Order {n} not supported.")
    if math.isinf(n):
        return a.max(axis=axes) if n > 0 else a.min(axis=axes)
    if n == 0:
        return (a != 0).sum(axis=axes).astype(a.dtype)
    with np.errstate(divide="ignore", over="ignore"):
        return np.power(np.power(a, n).sum(axis=axes), 1.0 / n)


class Identity(BasePruningMethod):
    r"""Prunes nothing: a mask of ones, with the pruning parametrization
    (``torch.nn.utils.prune.Identity``).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> _ = prune.Identity.apply(dn.nn.Linear(2, 3), "bias")
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Any, default_mask: Any) -> Any:
        r"""``default_mask`` as it is.

        Args:
            t: the importance scores (not used).
            default_mask: the mask of earlier pruning.
        """
        return default_mask


class RandomUnstructured(BasePruningMethod):
    r"""Prune ``amount`` of the still-unpruned entries, chosen at random
    (``torch.nn.utils.prune.RandomUnstructured``).

    The entries are those with the ``amount`` largest of uniform draws from deltanet's generator
    (``dn.manual_seed``), not PyTorch's: the same seed prunes other entries than in PyTorch.

    Args:
        amount: the number of entries (an int), or their fraction (a float in [0, 1]).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.random_unstructured(dn.nn.Linear(4, 2), "weight", amount=3)
        >>> int((m.weight_mask == 0).sum())
        3
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: Any) -> None:
        validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""``default_mask`` with ``amount`` random entries more set to 0.

        Args:
            t: the importance scores (only their shape is used).
            default_mask: the mask of earlier pruning.
        """
        scores = array_of(t)
        k = units_to_prune(self.amount, scores.size)
        mask = _copy(default_mask)
        if k != 0:
            prob = backend.get_rng().random(scores.shape)
            mask.reshape(-1)[topk_indices(prob, k, largest=True)] = 0
        return as_tensor(mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any) -> BasePruningMethod:  # type: ignore[override]
        r"""Prune ``module.<name>`` (see the class).

        Args:
            module: the module.
            name: the parameter's name.
            amount: the number or fraction of entries.
        """
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    r"""Prune ``amount`` of the still-unpruned entries with the smallest absolute values
    (``torch.nn.utils.prune.L1Unstructured``): the entries PyTorch prunes, but on ties at the
    threshold, where deltanet prunes the lowest indices (see the module's notes).

    Args:
        amount: the number of entries (an int), or their fraction (a float in [0, 1]).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> prune.L1Unstructured(amount=2).prune(dn.tensor([3.0, -1.0, 0.5, 4.0])).tolist()
        [3.0, -0.0, 0.0, 4.0]
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: Any) -> None:
        validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""``default_mask`` with the ``amount`` smallest $|t|$ set to 0.

        Args:
            t: the importance scores.
            default_mask: the mask of earlier pruning.
        """
        scores = array_of(t)
        k = units_to_prune(self.amount, scores.size)
        mask = _copy(default_mask)
        if k != 0:
            mask.reshape(-1)[topk_indices(np.abs(scores), k, largest=False)] = 0
        return as_tensor(mask)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: Any, importance_scores: Any = None
    ) -> BasePruningMethod:
        r"""Prune ``module.<name>`` (see the class).

        Args:
            module: the module.
            name: the parameter's name.
            amount: the number or fraction of entries.
            importance_scores: scores to rank the entries by (default: the parameter).
        """
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    r"""Prune ``amount`` of the still-unpruned channels along ``dim``, chosen at random
    (``torch.nn.utils.prune.RandomStructured``); the draws come from deltanet's generator.

    Args:
        amount: the number of channels (an int), or their fraction (a float in [0, 1]).
        dim: the axis whose slices are the channels (default -1).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> m = prune.random_structured(dn.nn.Linear(3, 4), "weight", amount=2, dim=0)
        >>> m.weight_mask.sum(1).tolist().count(0.0)
        2
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, dim: int = -1) -> None:
        validate_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""``default_mask`` times a mask with ``amount`` random channels at 0.

        Args:
            t: the importance scores (only their shape is used).
            default_mask: the mask of earlier pruning.

        Raises:
            ValueError: ``t`` has fewer than 2 dimensions.
            IndexError: ``dim`` is out of range.
        """
        scores = array_of(t)
        _check_structured(scores, self.dim)
        channels = scores.shape[self.dim]
        k = units_to_prune(self.amount, channels)
        if k == 0:
            return default_mask if isinstance(default_mask, Tensor) else as_tensor(_copy(default_mask))
        prob = backend.get_rng().random(channels)
        keep = prob > np.sort(prob)[k - 1]  # torch.kthvalue(prob, k): the k-th smallest
        mask = np.zeros_like(scores)
        mask[(slice(None),) * (self.dim % scores.ndim) + (keep,)] = 1
        return as_tensor(mask * array_of(default_mask).astype(mask.dtype))

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any, dim: int = -1) -> BasePruningMethod:  # type: ignore[override]
        r"""Prune ``module.<name>`` (see the class).

        Args:
            module: the module.
            name: the parameter's name.
            amount: the number or fraction of channels.
            dim: the channels' axis.
        """
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    r"""Prune ``amount`` of the still-unpruned channels along ``dim`` with the smallest $L_n$ norm
    (``torch.nn.utils.prune.LnStructured``):

    $$
    \lVert W_c \rVert_n = \Big(\sum_{i \in c} |w_i|^n\Big)^{1/n}
    $$

    over each channel $c$ (a slice along ``dim``). It keeps the channels with the largest norms;
    on ties at the threshold it keeps the lowest indices (see the module's notes).

    Args:
        amount: the number of channels (an int), or their fraction (a float in [0, 1]).
        n: the order: a number, ``float("inf")``, ``float("-inf")``, ``"fro"`` or ``"nuc"``
            (``torch.norm``'s ``p``: ``"nuc"`` needs a 3-dimensional tensor, ``"fro"`` one of at
            most 3).
        dim: the axis whose slices are the channels (default -1).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> w = dn.tensor([[1.0, 1.0], [3.0, 0.0], [0.5, 0.5]])
        >>> prune.LnStructured(amount=1, n=2, dim=0).prune(w).tolist()
        [[1.0, 1.0], [3.0, 0.0], [0.0, 0.0]]
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, n: Any, dim: int = -1) -> None:
        validate_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""``default_mask`` times a mask with the ``amount`` channels of smallest norm at 0.

        Args:
            t: the importance scores.
            default_mask: the mask of earlier pruning.

        Raises:
            ValueError: ``t`` has fewer than 2 dimensions.
            IndexError: ``dim`` is out of range.
        """
        scores = array_of(t)
        _check_structured(scores, self.dim)
        channels = scores.shape[self.dim]
        k = units_to_prune(self.amount, channels)
        norm = _channel_norm(scores, self.n, self.dim)
        if k == 0:
            return default_mask if isinstance(default_mask, Tensor) else as_tensor(_copy(default_mask))
        keep = topk_indices(norm, channels - k, largest=True)
        mask = np.zeros_like(scores)
        mask[(slice(None),) * (self.dim % scores.ndim) + (keep,)] = 1
        return as_tensor(mask * array_of(default_mask).astype(mask.dtype))

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: Any, n: Any, dim: int, importance_scores: Any = None
    ) -> BasePruningMethod:
        r"""Prune ``module.<name>`` (see the class).

        Args:
            module: the module.
            name: the parameter's name.
            amount: the number or fraction of channels.
            n: the norm's order.
            dim: the channels' axis.
            importance_scores: scores to rank the channels by (default: the parameter).
        """
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    r"""Prune with a mask of your own (``torch.nn.utils.prune.CustomFromMask``): the new mask is
    ``default_mask * mask``.

    Args:
        mask: a tensor (or array) of the pruned tensor's shape; 0 prunes an entry.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> prune.CustomFromMask(dn.tensor([1.0, 0.0])).prune(dn.tensor([2.0, 3.0])).tolist()
        [2.0, 0.0]
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""``default_mask * mask``.

        Args:
            t: the importance scores (not used).
            default_mask: the mask of earlier pruning.

        Raises:
            AssertionError: ``mask`` has another shape (PyTorch's error).
        """
        base, own = array_of(default_mask), array_of(self.mask)
        if base.shape != own.shape:
            raise AssertionError(f"default_mask shape {base.shape} must match self.mask shape {own.shape}")
        return as_tensor(base * own.astype(base.dtype))

    @classmethod
    def apply(cls, module: Module, name: str, mask: Any) -> BasePruningMethod:  # type: ignore[override]
        r"""Prune ``module.<name>`` with ``mask``.

        Args:
            module: the module.
            name: the parameter's name.
            mask: the mask.
        """
        return super().apply(module, name, mask=mask)


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
