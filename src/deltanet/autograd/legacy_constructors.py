"""PyTorch's legacy typed constructors: ``FloatTensor``, ``DoubleTensor``, ``LongTensor``, ...

Old tutorials build tensors with ``torch.FloatTensor(data)`` or ``torch.LongTensor(3, 4)``. As in
PyTorch, data (a list, a NumPy array) becomes a tensor of the class's dtype (floats truncated
toward zero for the integer ones, a value out of their range refused); integers, or one ``Size``,
give an uninitialised tensor of that shape (its values are whatever the memory held: fill it before
reading it); no argument gives an empty tensor of shape (0,). A tensor of the class's dtype is
returned as it is (PyTorch returns an alias); one of another dtype is refused, as PyTorch refuses
it. ``isinstance(t, torch.FloatTensor)`` is True for a float32 tensor, and
``t.type(torch.LongTensor)`` converts. ``torch.Tensor(2, 3)`` stays refused: deltanet's ``Tensor``
takes data.

Examples:
    >>> import deltanet as dn
    >>> dn.FloatTensor([1, 2]).dtype, dn.LongTensor(2, 3).shape
    (dtype('float32'), (2, 3))
    >>> isinstance(dn.tensor([1.0]), dn.FloatTensor)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.factories import empty, tensor
from deltanet.autograd.tensor import Tensor


def _typed_tensor(name: str, dtype: np.dtype, args: tuple[Any, ...], device: Any) -> Tensor:
    """The legacy rules for ``args``: data to ``dtype``, sizes to an uninitialised tensor, nothing to (0,)."""
    backend.check_device(device)
    if not args:
        return empty(0, dtype=dtype)
    if all(check.is_integer(a) for a in args):
        return empty(*(int(a) for a in args), dtype=dtype)
    if len(args) != 1:
        raise TypeError(
            f"{name}: expected sizes (ints) or one data argument, got {len(args)} arguments of types "
            f"{[type(a).__name__ for a in args]}"
        )
    (data,) = args
    if isinstance(data, Tensor):
        if data.dtype != dtype:
            raise TypeError(
                f"{name}: expected a tensor of dtype {dtype}, got dtype {data.dtype}; "
                f"convert it with .to(deltanet.{dtype})"
            )
        return data
    if isinstance(data, tuple) and all(check.is_integer(a) for a in data) and type(data).__name__ == "Size":
        return empty(*data, dtype=dtype)
    if isinstance(data, (str, bytes)) or np.ndim(data) == 0 and not isinstance(data, np.ndarray):
        raise TypeError(f"{name}: data must be a sequence or an array, got {type(data).__name__} ({data!r})")
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: data must hold numbers, got dtype {array.dtype}")
    target = dtype
    if target.kind in "iu" and array.size and array.dtype.kind != "b":
        info = np.iinfo(target)
        if array.min() < info.min or array.max() > info.max:
            raise RuntimeError(f"{name}: value cannot be converted to type {target} without overflow")
    return tensor(array.astype(target))


class _TypedTensorClass(type):
    """The metaclass: calling the class builds a tensor of its dtype; ``isinstance`` checks the dtype."""

    legacy_dtype: np.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return _typed_tensor(cls.__name__, cls.legacy_dtype, args, device)

    def __instancecheck__(cls, value: Any) -> bool:
        return isinstance(value, Tensor) and value.dtype == cls.legacy_dtype


def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """``x.new(data or sizes)``: PyTorch's legacy constructor of a tensor of ``x``'s dtype.

    Args:
        self: the tensor whose dtype the new one takes.
        *args: data (a list or an array), or sizes (ints or one ``Size``), or nothing.
        device: only "cpu" (or None).

    Returns:
        A new tensor without history (uninitialised for sizes).

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([1.0]).new([2, 3]).tolist(), dn.tensor([1]).new(2, 2).shape
        ([2.0, 3.0], (2, 2))
    """
    return _typed_tensor("Tensor.new", self.dtype, args, device)


def _typed(name: str, dtype: Any, summary: str) -> type:
    doc = f"""{summary}

    Args:
        *args: data (a list or an array), or sizes (ints or one ``Size``), or nothing.
        device: only "cpu" (or None).

    Examples:
        >>> import deltanet as dn
        >>> dn.{name}([1, 0]).dtype
        dtype('{np.dtype(dtype)}')
    """
    return _TypedTensorClass(name, (), {"legacy_dtype": np.dtype(dtype), "__doc__": doc, "__module__": __name__})


FloatTensor = _typed("FloatTensor", np.float32, "A float32 tensor from data, or uninitialised of a shape (legacy).")
DoubleTensor = _typed("DoubleTensor", np.float64, "A float64 tensor from data, or uninitialised of a shape (legacy).")
LongTensor = _typed("LongTensor", np.int64, "An int64 tensor from data, or uninitialised of a shape (legacy).")
IntTensor = _typed("IntTensor", np.int32, "An int32 tensor from data, or uninitialised of a shape (legacy).")
BoolTensor = _typed("BoolTensor", np.bool_, "A bool tensor from data, or uninitialised of a shape (legacy).")
ByteTensor = _typed("ByteTensor", np.uint8, "A uint8 tensor from data, or uninitialised of a shape (legacy).")

__all__ = ["BoolTensor", "ByteTensor", "DoubleTensor", "FloatTensor", "IntTensor", "LongTensor"]
