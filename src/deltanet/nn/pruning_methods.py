r"""The pruning methods of ``torch.nn.utils.prune``: ``Identity``, ``RandomUnstructured``,
``L1Unstructured``, ``RandomStructured``, ``LnStructured`` and ``CustomFromMask``. Each computes a
mask from importance scores and the mask of earlier pruning; ``deltanet.nn.pruning`` holds the
mechanism that applies it, ``deltanet.nn.prune`` the functions (see its notes on ties and on
the random generator).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.nn.module import Module
from deltanet.nn.pruning import (
    BasePruningMethod,
    array_of,
    as_tensor,
    topk_indices,
    units_to_prune,
    validate_amount_init,
)


def _copy(mask: Any) -> np.ndarray:
    return np.array(array_of(mask), copy=True)


def _check_k(k: Any) -> None:
    """PyTorch's unstructured methods pass ``amount`` to ``topk`` as ``k``, which refuses a bool."""
    if isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' must be int, not bool (amount={k})")


def _check_structured(t: np.ndarray, dim: int) -> None:
    if t.ndim <= 1:
        raise ValueError(
            f"Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {t.ndim} dims"
        )
    if dim >= t.ndim or dim < -t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _unchanged(default_mask: Any) -> Tensor:
    """The mask when nothing more is pruned: ``default_mask`` itself, or a copy of it as a Tensor."""
    return default_mask if isinstance(default_mask, Tensor) else as_tensor(_copy(default_mask))


def _kept_channels(scores: np.ndarray, dim: int, keep: Any, default_mask: Any) -> Tensor:
    """``default_mask`` times a mask of ``scores``' shape that is 1 on the channels ``keep``
    (slices along ``dim``) and 0 on the others."""
    mask = np.zeros_like(scores)
    mask[(slice(None),) * (dim % scores.ndim) + (keep,)] = 1
    return as_tensor(mask * array_of(default_mask).astype(mask.dtype))


def _channel_norm(t: np.ndarray, n: Any, dim: int) -> np.ndarray:
    r"""The $L_n$ norm of each slice of ``t`` along ``dim`` (``torch.norm(t, p=n, dim=others)``)."""
    axes = tuple(d for d in range(t.ndim) if d != dim % t.ndim)
    a = np.abs(t.astype(np.float64) if t.dtype.kind != "f" else t)
    if n in ("nuc", "fro") and (n == "nuc" or len(axes) > 2):  # torch.norm's matrix norms
        if len(axes) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, axes))}")
        return np.linalg.norm(t, ord="nuc", axis=axes)
    if n == "fro" or n is None:  # torch.norm's p=None is the 2-norm
        n = 2
    if not isinstance(n, (int, float, np.integer, np.floating)):
        raise RuntimeError(f"linalg.vector_norm: Order {n} not supported.")
    n = float(n)
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
        _check_k(k)
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
    (``torch.nn.utils.prune.L1Unstructured``): the entries PyTorch prunes, ties included (see
    ``deltanet.nn.prune``).

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
        _check_k(k)
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
            return _unchanged(default_mask)
        prob = backend.get_rng().random(channels)
        keep = prob > np.sort(prob)[k - 1]  # torch.kthvalue(prob, k): the k-th smallest
        return _kept_channels(scores, self.dim, keep, default_mask)

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

    over each channel $c$ (a slice along ``dim``). It keeps the channels with the largest norms,
    PyTorch's also on ties (see ``deltanet.nn.prune``).

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
            return _unchanged(default_mask)
        keep = topk_indices(norm, channels - k, largest=True)
        return _kept_channels(scores, self.dim, keep, default_mask)

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
