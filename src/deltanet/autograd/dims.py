"""Axis arguments in both spellings: NumPy's (and deltanet's) ``axis=``/``keepdims=`` and PyTorch's
``dim=``/``keepdim=``. Either may be used; giving both spellings of one argument is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def pick_dim(dim: Any, axis: Any, owner: str) -> Any:
    """The axis argument, from ``dim`` or ``axis`` (a list becomes a tuple).

    Args:
        dim: PyTorch's spelling (None when not given).
        axis: NumPy's spelling (None when not given).
        owner: the function that takes them, for the message.

    Returns:
        None, an int or a tuple of ints.

    Raises:
        ValueError: both are given, or the value is not an integer (or a sequence of them).

    Examples:
        >>> from deltanet.autograd.dims import pick_dim
        >>> pick_dim(None, 1, "sum"), pick_dim([0, 1], None, "sum")
        (1, (0, 1))
    """
    if dim is not None and axis is not None:
        raise ValueError(f"{owner}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
    value = axis if dim is None else dim
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        for v in value:
            _check_int(v, owner, value)
        return tuple(int(v) for v in value)
    _check_int(value, owner, value)
    return int(value)


def _check_int(v: Any, owner: str, value: Any) -> None:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"{owner}: dim must be an integer or a tuple of integers, got {value!r}")


def pick_keepdim(keepdim: Any, keepdims: Any, owner: str) -> bool:
    """Whether reduced axes are kept, from ``keepdim`` or ``keepdims`` (False when neither is given).

    Args:
        keepdim: PyTorch's spelling (None when not given).
        keepdims: NumPy's spelling (None when not given).
        owner: the function that takes them, for the message.

    Raises:
        ValueError: both are given, or the value is not True or False.

    Examples:
        >>> from deltanet.autograd.dims import pick_keepdim
        >>> pick_keepdim(None, True, "sum")
        True
    """
    if keepdim is not None and keepdims is not None:
        raise ValueError(f"{owner}: give keepdim or keepdims, not both")
    value = keepdims if keepdim is None else keepdim
    if value is None:
        return False
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: keepdim must be True or False, got {value!r}")
    return bool(value)


def normalize(dim: int, ndim: int, owner: str) -> int:
    """``dim`` as a non-negative axis of a tensor with ``ndim`` axes (negative counts from the end).

    Args:
        dim: the axis, from ``-ndim`` to ``ndim - 1``.
        ndim: the number of axes.
        owner: the function that takes it, for the message.

    Raises:
        IndexError: ``dim`` is out of range (PyTorch raises an IndexError too).

    Examples:
        >>> from deltanet.autograd.dims import normalize
        >>> normalize(-1, 3, "softmax")
        2
    """
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{owner}: dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
            f"but got {dim})"
        )
    return dim % max(ndim, 1)
