"""Loading a state dict into a module's live arrays: PyTorch's ``load_state_dict`` rules.

Every key and shape is checked before anything is written, so a failed load changes nothing;
then the values are copied in place, so that optimizers, which hold the parameters, keep seeing
them. The result names the keys that did not match, as PyTorch's ``_IncompatibleKeys``.

A ``state_dict`` shares memory with its model, so the values given may be the model's own
arrays: loading a model's ``state_dict()`` back into it is a no-op, and a value that views the
array of *another* key (``{"a.weight": sd["b.weight"], "b.weight": sd["a.weight"]}``, a swap) is
copied before anything is written, so that no write reads a value an earlier write changed.

Values are tensors or arrays: a list or a number raises PyTorch's error ("expected torch.Tensor or
Tensor-like object from checkpoint"). With ``assign=True`` (``Module.load_state_dict``) nothing is
copied: after the same checks, the module holds the given values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from deltanet.autograd import Tensor


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not match: the model's keys the state lacked, and the state's
    keys the model lacks (PyTorch's ``_IncompatibleKeys``).

    Attributes:
        missing_keys: keys of the model that the state dict did not have.
        unexpected_keys: keys of the state dict that the model does not have.
    """

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        """PyTorch's, its class name included: what a notebook shows after ``model.load_state_dict(...)``."""
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"


class StateDictError(KeyError, RuntimeError):
    """``load_state_dict(strict=True)`` found missing or unexpected keys.

    Both a ``KeyError`` and a ``RuntimeError`` (what PyTorch raises), so either habit catches it;
    its message is printed plainly (not quoted, as a ``KeyError``'s would be).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> try:
        ...     dn.nn.Linear(2, 2).load_state_dict({"weight": np.zeros((2, 2))})
        ... except RuntimeError as error:
        ...     print(error)
        load_state_dict for Linear: missing keys ['bias'], unexpected keys [] (this model has ['weight', 'bias'])
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StateDictShapeError(ValueError, RuntimeError):
    """``load_state_dict`` found a value whose shape is not its parameter's or buffer's (also with
    ``strict=False``, as PyTorch).

    Both a ``ValueError`` and a ``RuntimeError`` (what PyTorch raises, with "size mismatch for").

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> try:
        ...     dn.nn.Linear(2, 2).load_state_dict({"weight": np.zeros((3, 2))}, strict=False)
        ... except RuntimeError as error:
        ...     print(type(error).__name__)
        StateDictShapeError
    """


def _pruning_hint(missing: list[str], unexpected: list[str]) -> str:
    """What to do where the keys differ as a pruned and an unpruned model's do (``weight`` against
    ``weight_orig`` and ``weight_mask``, torch.nn.utils.prune's)."""

    def pruned(key: str, keys: list[str]) -> bool:
        return key + "_orig" in keys and key + "_mask" in keys

    def layer(key: str) -> tuple[str, str]:
        path, _, name = key.rpartition(".")
        return (f"model.get_submodule({path!r})" if path else "model"), name

    for key in missing:
        if pruned(key, unexpected):
            where, name = layer(key)
            return (
                f"; the state dict is of a model pruned on {key!r} (torch.nn.utils.prune): prune this "
                f"model the same way before loading, e.g. prune.identity({where}, {name!r})"
            )
    for key in unexpected:
        if pruned(key, missing):
            where, name = layer(key)
            return (
                f"; this model is pruned on {key!r} and the state dict is not: load it before pruning, "
                f"or call prune.remove({where}, {name!r}) first"
            )
    return ""


def copy_state(own: Mapping[str, np.ndarray], state_dict: Any, strict: bool, owner: str) -> IncompatibleKeys:
    """Copy ``state_dict``'s arrays into the live arrays ``own`` (by key), after checking them all.

    Args:
        own: the module's live arrays by dotted name (parameters' and buffers' ``.array``).
        state_dict: a mapping from dotted names to arrays: deltanet Tensors (a ``state_dict()``),
            NumPy arrays, or PyTorch CPU tensors.
        strict: require the same keys.
        owner: the module's class name, for the messages.

    Returns:
        The missing and unexpected keys.

    Raises:
        StateDictError: with ``strict``, a key is missing or unexpected.
        StateDictShapeError: a shape does not match (a ``ValueError`` and PyTorch's ``RuntimeError``).
        RuntimeError: a value is no tensor nor array (a list, a number), PyTorch's error.
        ValueError: a value is not numeric.
        TypeError: ``state_dict`` is not a mapping (e.g. None, from a best-model variable that
            was never set).

    Examples:
        >>> import numpy as np
        >>> from deltanet.nn.state import copy_state
        >>> w = np.zeros(2)
        >>> copy_state({"w": w}, {"w": np.array([1.0, 2.0]), "x": 0}, strict=False, owner="M")
        _IncompatibleKeys(missing_keys=[], unexpected_keys=['x'])
        >>> w.tolist()
        [1.0, 2.0]
    """
    result, arrays = checked_arrays(own, state_dict, strict, owner)
    _copy_aliases(own, arrays)
    for key, value in arrays.items():
        own[key][...] = value  # in place: optimizers keep their references
    return result


def checked_arrays(
    own: Mapping[str, np.ndarray], state_dict: Any, strict: bool, owner: str
) -> tuple[IncompatibleKeys, dict[str, np.ndarray]]:
    """The keys that did not match, and ``state_dict``'s values as NumPy arrays by key (views of
    the values' memory, not copies), after every check of ``copy_state``; nothing is written.

    Args:
        own: the module's live arrays by dotted name.
        state_dict: a mapping from dotted names to deltanet Tensors, NumPy arrays or PyTorch CPU tensors.
        strict: require the same keys.
        owner: the module's class name, for the messages.

    Returns:
        ``(IncompatibleKeys(missing, unexpected), arrays)``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.nn.state import checked_arrays
        >>> checked_arrays({"w": np.zeros(2)}, {"w": np.ones(2)}, strict=True, owner="M")[1]["w"].tolist()
        [1.0, 1.0]
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"load_state_dict for {owner}: expected a dict of arrays by parameter name (a state_dict), "
            f"got {type(state_dict).__name__}"
        )
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    if strict and (missing or unexpected):
        raise StateDictError(
            f"load_state_dict for {owner}: missing keys {missing}, unexpected keys {unexpected} "
            f"(this model has {list(own)}){_pruning_hint(missing, unexpected)}"
        )
    not_tensors = [
        f'\n\tWhile copying the parameter named "{key}", expected torch.Tensor or Tensor-like object from '
        f"checkpoint but received {type(state_dict[key])}"
        for key in own
        if key in state_dict
        and not isinstance(state_dict[key], (Tensor, np.ndarray, np.generic))
        and not hasattr(state_dict[key], "detach")
    ]
    if not_tensors:  # PyTorch's error: a list or a number is no tensor
        raise RuntimeError(f"Error(s) in loading state_dict for {owner}:" + "".join(not_tensors))
    arrays: dict[str, np.ndarray] = {}
    for key in own:
        if key not in state_dict:
            continue
        value = state_dict[key]
        if isinstance(value, Tensor):
            value = value.array
        elif hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        value = np.asarray(value)
        if value.dtype.kind not in "fiub":
            raise ValueError(f"load_state_dict: {key!r} has unsupported dtype {value.dtype}")
        if value.shape != np.shape(own[key]):
            raise StateDictShapeError(
                f"load_state_dict: {key!r} expected shape {np.shape(own[key])}, got {value.shape} (size mismatch "
                f"for {key}: copying a param with shape {value.shape} from checkpoint, the shape in current model "
                f"is {np.shape(own[key])})"
            )
        arrays[key] = value
    return IncompatibleKeys(missing, unexpected), arrays


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the end of its chain of ``.base``)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _copy_aliases(own: Mapping[str, np.ndarray], arrays: dict[str, np.ndarray]) -> None:
    """Replace, by a copy, each value that lies in the model's memory but is not exactly its own
    target: writing the targets one after the other would otherwise read a value that an earlier
    write already changed (a swap of two keys would load one array twice). A value that is its
    target's very view (a model's own ``state_dict()`` loaded back) is a no-op write and stays."""
    owners = {id(_root(live)) for live in own.values()}
    for key, value in arrays.items():
        if id(_root(value)) not in owners:
            continue  # memory the model does not hold: nothing the writes can change
        target = own[key]
        same_view = (
            value.__array_interface__["data"] == target.__array_interface__["data"]
            and value.strides == target.strides
            and value.dtype == target.dtype
        )
        if not same_view:
            arrays[key] = value.copy()


__all__ = ["IncompatibleKeys", "StateDictError", "StateDictShapeError", "checked_arrays", "copy_state"]
