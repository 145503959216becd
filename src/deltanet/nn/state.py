"""Loading a state dict into a module's live arrays: PyTorch's ``load_state_dict`` rules.

Every key and shape is checked before anything is written, so a failed load changes nothing;
then the values are copied in place, so that optimizers, which hold the parameters, keep seeing
them. The result names the keys that did not match, as PyTorch's ``_IncompatibleKeys``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np


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
        """PyTorch's: what a notebook shows after ``model.load_state_dict(...)``."""
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"


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


def copy_state(own: Mapping[str, np.ndarray], state_dict: Any, strict: bool, owner: str) -> IncompatibleKeys:
    """Copy ``state_dict``'s arrays into the live arrays ``own`` (by key), after checking them all.

    Args:
        own: the module's live arrays by dotted name (parameters' ``.data`` and buffers).
        state_dict: a mapping from dotted names to arrays (NumPy, or PyTorch CPU tensors).
        strict: require the same keys.
        owner: the module's class name, for the messages.

    Returns:
        The missing and unexpected keys.

    Raises:
        StateDictError: with ``strict``, a key is missing or unexpected.
        ValueError: a shape does not match, or a value is not numeric.
        TypeError: ``state_dict`` is not a mapping (e.g. None, from a best-model variable that
            was never set).

    Examples:
        >>> import numpy as np
        >>> from deltanet.nn.state import copy_state
        >>> w = np.zeros(2)
        >>> copy_state({"w": w}, {"w": [1.0, 2.0], "x": 0}, strict=False, owner="M")
        IncompatibleKeys(missing_keys=[], unexpected_keys=['x'])
        >>> w.tolist()
        [1.0, 2.0]
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
            f"(this model has {list(own)})"
        )
    arrays: dict[str, np.ndarray] = {}
    for key in own:
        if key not in state_dict:
            continue
        value = state_dict[key]
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        value = np.asarray(value)
        if value.dtype.kind not in "fiub":
            raise ValueError(f"load_state_dict: {key!r} has unsupported dtype {value.dtype}")
        if value.shape != np.shape(own[key]):
            raise ValueError(f"load_state_dict: {key!r} expected shape {np.shape(own[key])}, got {value.shape}")
        arrays[key] = value
    for key, value in arrays.items():
        own[key][...] = value  # in place: optimizers keep their references
    return IncompatibleKeys(missing, unexpected)


__all__ = ["IncompatibleKeys", "StateDictError", "copy_state"]
