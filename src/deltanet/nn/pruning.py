r"""The mechanism of ``torch.nn.utils.prune``: a pruned tensor is its original times a mask,
recomputed by a forward pre-hook before every call,

$$
W = M \odot W_{\text{orig}}, \qquad \frac{\partial L}{\partial W_{\text{orig}}} = M \odot \frac{\partial L}{\partial W},
$$

so the optimizer trains ``<name>_orig`` (a parameter) while the layer computes with the pruned
``<name>`` (a plain attribute) and the mask ``<name>_mask`` (a buffer) keeps the pruned units at
zero. The ``state_dict`` keys are PyTorch's (``weight_orig``, ``weight_mask``).

``BasePruningMethod.apply`` installs the hook, or, when the tensor is pruned already, puts the
new method into a ``PruningContainer`` with the old one: the new method then sees only the units
(or channels) that are still unpruned, so ``amount`` counts those, as in PyTorch. The methods
themselves (``L1Unstructured``, ``LnStructured``, ...) and the functions live in
``deltanet.nn.prune``.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from deltanet.autograd import Tensor
from deltanet.nn.module import Module
from deltanet.nn.topk_ties import torch_topk_set


def pre_hooks(module: Module) -> Any:
    """The forward pre-hooks of ``module`` by handle id (PyTorch's ``module._forward_pre_hooks``)."""
    table = module.__dict__.get("_hooks")
    return {} if table is None else table["forward_pre"]


def array_of(value: Any) -> np.ndarray:
    """The NumPy array of a tensor, or of anything ``numpy.asarray`` takes (a PyTorch tensor, a list)."""
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a PyTorch tensor
        return np.asarray(value.detach().cpu().numpy())
    return np.asarray(value)


def as_tensor(array: np.ndarray) -> Tensor:
    """A tensor around ``array`` (no copy, no gradient)."""
    return Tensor._make(np.ascontiguousarray(array))


class BasePruningMethod(ABC):
    r"""The base of every pruning method (``torch.nn.utils.prune.BasePruningMethod``).

    A subclass sets ``PRUNING_TYPE`` (``"unstructured"``, ``"structured"`` with an attribute
    ``dim``, or ``"global"``) and writes ``compute_mask(t, default_mask)``: from the importance
    scores ``t`` and the mask of earlier pruning, the new mask (1 keeps a unit, 0 prunes it),
    which must keep the zeros of ``default_mask``. An instance is the forward pre-hook that sets
    ``module.<name>`` to $M \odot W_{\text{orig}}$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils import prune
        >>> class Negative(prune.BasePruningMethod):
        ...     PRUNING_TYPE = "unstructured"
        ...     def compute_mask(self, t, default_mask):
        ...         return default_mask * (t >= 0)
        >>> m = dn.nn.Linear(2, 1)
        >>> with dn.no_grad():
        ...     _ = m.weight.copy_(dn.tensor([[-1.0, 2.0]]))
        >>> _ = Negative.apply(m, "weight")
        >>> m.weight_mask.tolist(), m.weight.tolist()
        ([[0.0, 1.0]], [[-0.0, 2.0]])
    """

    PRUNING_TYPE: ClassVar[str]
    _tensor_name: str

    def __call__(self, module: Module, inputs: Any) -> None:
        r"""The forward pre-hook: ``module.<name> = apply_mask(module)``.

        Args:
            module: the pruned module.
            inputs: the call's positional arguments (not used).
        """
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Any, default_mask: Any) -> Any:
        r"""The new mask for importance scores ``t``, keeping the zeros of ``default_mask``.

        Args:
            t: the importance scores (the tensor itself unless others are given).
            default_mask: the mask of earlier pruning (ones the first time), of ``t``'s shape.
        """

    def apply_mask(self, module: Module) -> Tensor:
        r"""The pruned tensor $M \odot W_{\text{orig}}$ from ``<name>_mask`` and ``<name>_orig``;
        gradients flow to ``<name>_orig`` through the mask.

        Args:
            module: the pruned module.
        """
        if getattr(self, "_tensor_name", None) is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(
        cls, module: Module, name: str, *args: Any, importance_scores: Any = None, **kwargs: Any
    ) -> BasePruningMethod:
        r"""Prune ``module.<name>``: move the parameter to ``<name>_orig``, store the mask as the
        buffer ``<name>_mask`` and add the forward pre-hook; a tensor pruned already gets the new
        method in a ``PruningContainer`` after the old ones.

        Args:
            module: the module that holds the parameter.
            name: the parameter's name.
            *args: the method's arguments (``amount``, ...).
            importance_scores: scores of the tensor's shape to rank units by (default: the tensor).
            **kwargs: the method's keyword arguments.

        Returns:
            The hook installed (the method, or the container that holds it).

        Raises:
            AssertionError: ``importance_scores`` of another shape (PyTorch's error).
        """
        hooks = pre_hooks(module)
        found = [(k, h) for k, h in hooks.items() if isinstance(h, BasePruningMethod) and h._tensor_name == name]
        if len(found) > 1:
            raise AssertionError(
                f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. "
                f"Use a PruningContainer."
            )
        old_key, old = found[0] if found else (None, None)
        new = cls(*args, **kwargs)
        new._tensor_name = name
        orig = getattr(module, name)
        if importance_scores is not None:
            shape = tuple(np.shape(array_of(importance_scores)))
            if shape != tuple(orig.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of {module}, "
                    f"got {shape} vs {tuple(orig.shape)}"
                )
        else:
            importance_scores = orig
        method: BasePruningMethod = new
        if isinstance(old, PruningContainer):
            old.add_pruning_method(new)
            method = old
        elif old is not None:
            method = PruningContainer(old)
            method.add_pruning_method(new)
        if old is None:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = as_tensor(np.ones_like(orig.array))
        else:
            old_mask = getattr(module, name + "_mask")
            default_mask = as_tensor(old_mask.array.copy())
        try:
            scores = importance_scores
            if not isinstance(scores, Tensor):
                scores = as_tensor(array_of(scores))
            mask = method.compute_mask(scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask if isinstance(mask, Tensor) else as_tensor(array_of(mask)))
            setattr(module, name, method.apply_mask(module))
        except Exception:
            # The module is left as it was. (PyTorch 2.13 drops an earlier pruning's hook when a
            # later one fails, and then the mask is no longer applied.)
            if old is None:
                if name + "_mask" in module._buffers:
                    delattr(module, name + "_mask")
                module.__dict__.pop(name, None)
                module.register_parameter(name, orig)
                delattr(module, name + "_orig")
            else:
                module.register_buffer(name + "_mask", old_mask)
                if isinstance(old, PruningContainer):
                    old._pruning_methods = old._pruning_methods[:-1]
            raise
        if old_key is not None:
            del hooks[old_key]
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Any, default_mask: Any = None, importance_scores: Any = None) -> Tensor:
        r"""``t`` times the mask this method computes for it (no module involved).

        Args:
            t: the tensor to prune.
            default_mask: the mask of earlier pruning (default: ones).
            importance_scores: scores of ``t``'s shape to rank units by (default: ``t``).

        Raises:
            AssertionError: ``importance_scores`` of another shape (PyTorch's error).
        """
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as tensor t, "
                    f"got {tuple(importance_scores.shape)} vs {tuple(t.shape)}"
                )
        else:
            importance_scores = t
        default_mask = default_mask if default_mask is not None else as_tensor(np.ones_like(array_of(t)))
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        r"""Make the pruning permanent: ``<name>`` becomes a parameter again, holding the pruned
        values; ``<name>_orig`` and ``<name>_mask`` are gone. The parameter object is
        ``<name>_orig``'s, so an optimizer built before keeps training it.

        Args:
            module: the pruned module.
        """
        if getattr(self, "_tensor_name", None) is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.array = np.ascontiguousarray(weight.array)
        delattr(module, self._tensor_name + "_orig")
        delattr(module, self._tensor_name + "_mask")
        setattr(module, self._tensor_name, orig)


class PruningContainer(BasePruningMethod):
    r"""A sequence of pruning methods on one tensor, for iterative pruning
    (``torch.nn.utils.prune.PruningContainer``).

    ``BasePruningMethod.apply`` builds one when a tensor is pruned a second time. Its mask is the
    last method's, computed on what earlier ones left: the entries still unpruned
    (``"unstructured"``: the method sees them as one flat tensor), the channels not wholly
    pruned (``"structured"``), or every entry (``"global"``).

    Args:
        *args: pruning methods (one, which names the tensor, or several).

    Examples:
        >>> from deltanet.nn.utils import prune
        >>> first = prune.L1Unstructured(amount=2)
        >>> first._tensor_name = "weight"
        >>> container = prune.PruningContainer(first)
        >>> len(container), container[0] is first
        (1, True)
    """

    PRUNING_TYPE = "container"

    def __init__(self, *args: Any) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: Any) -> None:
        r"""Append ``method``, which must act on the container's tensor.

        Args:
            method: a ``BasePruningMethod`` (or None, kept as PyTorch keeps it).

        Raises:
            TypeError: ``method`` is not a pruning method.
            ValueError: it acts on another tensor.
        """
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and getattr(self, "_tensor_name", None) != getattr(method, "_tensor_name", None):
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named "
                f"'{getattr(self, '_tensor_name', None)}' to PruningContainer {self}. "
                f"Found '{getattr(method, '_tensor_name', None)}'"
            )
        self._pruning_methods += (method,)  # type: ignore[operator]

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Any, default_mask: Any) -> Tensor:
        r"""The last method's mask, computed on the part of ``t`` that ``default_mask`` leaves.

        Args:
            t: the importance scores.
            default_mask: the mask of the earlier methods.

        Raises:
            AttributeError: a ``"structured"`` method without ``dim``.
            IndexError: its ``dim`` is out of range.
            ValueError: an unknown ``PRUNING_TYPE``.
        """
        method = self._pruning_methods[-1]
        scores, mask = array_of(t), array_of(default_mask)
        new_mask = mask.astype(scores.dtype)  # a copy: default_mask is left as it was
        if method.PRUNING_TYPE == "unstructured":
            slc: Any = mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(
                    'Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.'
                )
            n_dims = scores.ndim
            dim = method.dim if method.dim >= 0 else n_dims + method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep_channel = mask.sum(axis=tuple(d for d in range(n_dims) if d != dim)) != 0
            slc = tuple(keep_channel if d == dim else slice(None) for d in range(n_dims))
        elif method.PRUNING_TYPE == "global":
            slc = (slice(None),) * scores.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial = method.compute_mask(as_tensor(scores[slc]), default_mask=as_tensor(mask[slc]))
        new_mask[slc] = array_of(partial).astype(new_mask.dtype)
        return as_tensor(new_mask)


# -- the amount to prune ---------------------------------------------------------------------------
def validate_amount_init(amount: Any) -> None:
    """PyTorch's check of ``amount`` when a method is made: an int >= 0 or a real in [0, 1]."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and int(amount) < 0) or (
        not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)
    ):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def units_to_prune(amount: Any, tensor_size: int) -> Any:
    """How many of ``tensor_size`` units ``amount`` prunes (a fraction is rounded half to even, as
    Python's ``round`` in PyTorch's code), refusing more than there are."""
    # an int stays itself (True too: PyTorch's topk then refuses it as k)
    count: Any = amount if isinstance(amount, numbers.Integral) else round(float(amount) * tensor_size)
    if isinstance(amount, numbers.Integral) and count > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}")
    return count


def topk_indices(values: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """The flat indices of the ``k`` largest (or smallest) ``values``, NaN counted as the largest,
    as PyTorch's CPU ``torch.topk`` chooses them: where values tie at the threshold, the tied
    indices it returns are found by replaying its selection algorithm (``deltanet.nn.topk_ties``)."""
    flat = values.reshape(-1)
    nan = np.isnan(flat)
    finite = np.where(nan, 0, flat)
    index = np.arange(flat.size)
    order = np.lexsort((index, -finite, ~nan)) if largest else np.lexsort((index, finite, nan))
    if 0 < k < flat.size:
        inside, outside = flat[order[k - 1]], flat[order[k]]
        if inside == outside or (np.isnan(inside) and np.isnan(outside)):
            return np.asarray(torch_topk_set(flat.tolist(), k, largest), dtype=np.intp)
    return order[:k]
