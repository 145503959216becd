"""The arguments of PyTorch's legacy constructors: ``torch.Tensor(...)``, ``torch.FloatTensor(...)``,
``x.new(...)``.

Each takes data (a list, a tuple, a NumPy array, any sequence), or sizes (integers, or one
``Size``), or nothing; a tensor is taken as it is (PyTorch returns an alias of it). This module
sorts the arguments into those three cases and converts data to the constructor's dtype, as
PyTorch's ``legacy_new_from_sequence`` does: NumPy arrays of that dtype are shared, not copied;
Python numbers pass through float64, so ``torch.Tensor([1, 2])`` is the default float dtype. It
imports nothing of ``deltanet.autograd`` (``Tensor`` imports it): the tensor class is passed in.

Examples:
    >>> import numpy as np
    >>> from deltanet.autograd.legacy_arguments import legacy_array
    >>> legacy_array("Tensor", [1, 2], np.dtype(np.float32))
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend

_NUMBER_KINDS = "biuf"


def _is_index(value: Any, tensor_type: type) -> bool:
    """Whether ``value`` reads as one size: an integer (not a bool), or a 0-d integer array or
    tensor (they have ``__index__``, so PyTorch takes ``torch.Tensor(np.array(3))`` as a size)."""
    if check.is_integer(value):
        return True
    array = getattr(value, "array", None) if isinstance(value, tensor_type) else value
    return isinstance(array, np.ndarray) and array.ndim == 0 and array.dtype.kind in "iu"


def _sizes(owner: str, sizes: Any) -> tuple[int, ...]:
    shape = tuple(int(n) for n in sizes)
    if any(n < 0 for n in shape):
        bad = next(n for n in shape if n < 0)
        raise RuntimeError(f"{owner}: Trying to create tensor with negative dimension {bad}: {list(shape)}")
    return shape


def legacy_arguments(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], tensor_type: type) -> tuple[str, Any]:
    """Sort a legacy constructor's arguments as PyTorch's overloads do.

    Args:
        owner: the constructor's name, put in front of every message (``"Tensor"``).
        args: its positional arguments.
        kwargs: its keyword arguments: ``device`` (only ``"cpu"``), ``data`` or ``size``.
        tensor_type: the ``Tensor`` class.

    Returns:
        ``("sizes", shape)``, ``("tensor", t)`` or ``("data", data)``.

    Examples:
        >>> from deltanet.autograd.legacy_arguments import legacy_arguments
        >>> legacy_arguments("Tensor", (2, 3), {}, type(None))
        ('sizes', (2, 3))
    """
    device = kwargs.pop("device", None)
    if "data" in kwargs or "size" in kwargs:
        if args or len(kwargs) > 1:
            raise TypeError(
                f"{owner}: expected data= or size= alone (and device=), got {len(args)} positional "
                f"arguments and keywords {sorted(kwargs)}"
            )
        args = (kwargs.pop("data"),) if "data" in kwargs else tuple(kwargs.pop("size"))
    if kwargs:
        raise TypeError(
            f"{owner}: unexpected keyword argument {next(iter(kwargs))!r}: PyTorch's legacy constructor takes "
            f"data or sizes and device= only; use dn.tensor(data, dtype=..., requires_grad=...) for the rest"
        )
    backend.check_device(device)
    if not args:
        return "sizes", (0,)
    if len(args) == 1 and isinstance(args[0], tensor_type):
        if device is not None:
            raise RuntimeError(
                f"{owner}: the legacy constructor of the form {owner}(tensor, device=device) is not supported; "
                f"use dn.tensor(...) or dn.as_tensor(...) instead"
            )
        return "tensor", args[0]
    if _is_index(args[0], tensor_type) and all(
        isinstance(a, (int, np.integer)) or _is_index(a, tensor_type) for a in args[1:]
    ):
        return "sizes", _sizes(owner, args)
    if len(args) != 1:
        raise TypeError(
            f"{owner}: expected sizes (ints) or one data argument, got {len(args)} arguments of types "
            f"{[type(a).__name__ for a in args]}"
        )
    (data,) = args
    if isinstance(data, tuple) and type(data).__name__ == "Size":  # dn.Size (or torch.Size): sizes
        return "sizes", _sizes(owner, data)
    return "data", data


def legacy_array(owner: str, data: Any, dtype: np.dtype) -> np.ndarray:
    """``data`` as an array of ``dtype`` by the legacy rules: a NumPy array of that dtype shared,
    another converted (integers truncated toward zero, out-of-range values refused), Python data
    read through float64 as PyTorch reads it.

    Args:
        owner: the constructor's name, put in front of every message.
        data: a sequence or a NumPy array (not a scalar: PyTorch refuses those).
        dtype: the dtype of the result.

    Returns:
        The array, sharing ``data``'s memory where it is an array of ``dtype``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.legacy_arguments import legacy_array
        >>> legacy_array("LongTensor", [1.7, -2.5], np.dtype(np.int64))
        array([ 1, -2])
    """
    if isinstance(data, np.ndarray):
        array = data
        if array.dtype.kind == "c":
            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
            array = array.real
        elif array.dtype.kind not in _NUMBER_KINDS:
            raise TypeError(f"{owner}: data must hold numbers, got a NumPy array of dtype {array.dtype}")
    else:
        scalar = TypeError(f"{owner}: data must be a sequence or an array, got {type(data).__name__} ({data!r})")
        if isinstance(data, (str, bytes, dict, np.generic)) or not hasattr(type(data), "__getitem__"):
            raise scalar
        try:
            array = np.asarray(data)
        except ValueError as error:  # a ragged nested list
            raise ValueError(
                f"{owner}: data must be a rectangular nest of numbers, got one NumPy cannot read ({error})"
            ) from None
        if array.ndim == 0:
            raise scalar
        if array.dtype.kind == "O":  # Python integers beyond int64: read as floats, as PyTorch does
            try:
                array = np.asarray(data, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{owner}: data must hold numbers, got {data!r}") from None
        if array.dtype.kind not in _NUMBER_KINDS:
            raise TypeError(f"{owner}: data must hold numbers, got dtype {array.dtype}")
        if array.dtype.kind in "iu" and dtype.kind == "f":
            array = array.astype(np.float64)  # PyTorch unpacks each Python number as a double
    if dtype.kind in "iu" and array.size and array.dtype.kind != "b":
        info = np.iinfo(dtype)
        if array.min() < info.min or array.max() > info.max:
            raise RuntimeError(f"{owner}: value cannot be converted to type {dtype} without overflow")
    return np.asarray(array, dtype=dtype)
