"""PyTorch's legacy typed constructors: ``FloatTensor``, ``DoubleTensor``, ``LongTensor``, ...

Old tutorials build tensors with ``torch.FloatTensor(data)`` or ``torch.LongTensor(3, 4)``. As in
PyTorch, data (a list, a NumPy array) becomes a tensor of the class's dtype (floats truncated
toward zero for the integer ones, a value out of their range refused); integers, or one ``Size``,
give an uninitialised tensor of that shape (its values are whatever the memory held: fill it before
reading it); no argument gives an empty tensor of shape (0,). A tensor of the class's dtype is
returned as it is (PyTorch returns an alias); one of another dtype is refused, as PyTorch refuses
it. A NumPy array of the class's dtype is shared, not copied, as in PyTorch.
``isinstance(t, torch.FloatTensor)`` is True for a float32 tensor, and ``t.type(torch.LongTensor)``
converts. ``torch.Tensor(...)`` itself follows the same rules with the default float dtype.

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

from deltanet.autograd.factories import empty
from deltanet.autograd.legacy_arguments import legacy_arguments, legacy_array
from deltanet.autograd.tensor import Tensor, leaf


def _typed_tensor(name: str, dtype: np.dtype, args: tuple[Any, ...], device: Any) -> Tensor:
    """The legacy rules for ``args``: data to ``dtype``, sizes to an uninitialised tensor, nothing to (0,)."""
    kind, value = legacy_arguments(name, args, {"device": device}, Tensor)
    if kind == "sizes":
        return empty(*value, dtype=dtype)
    if kind == "tensor":
        if value.dtype != dtype:
            raise TypeError(
                f"{name}: expected a tensor of dtype {dtype}, got dtype {value.dtype}; "
                f"convert it with .to(deltanet.{dtype})"
            )
        return value
    return leaf(legacy_array(name, value, dtype))


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
