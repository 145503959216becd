"""What type a tensor has and where it lives: ``to``, ``float``/``double``/``long``/``int``/``bool``,
``type``, ``type_as``, ``cpu``, ``cuda``, and ``parse_to_args`` for every ``to(...)`` of the library.
(The methods are installed on ``Tensor`` under PyTorch's names: ``to_float`` is ``t.float()``.)

As in PyTorch, a conversion to the dtype a tensor already has returns the tensor itself (no copy),
a conversion between float dtypes is recorded (the gradient is converted back), and a conversion
to an integer or bool dtype gives a tensor without history. deltanet computes on the CPU only:
``"cpu"`` is accepted everywhere, and a GPU device raises a ``RuntimeError`` that says so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.ops import Cast
from deltanet.autograd.tensor import Tensor, leaf

# The legacy type names of ``Tensor.type()``.
_TYPE_NAMES: dict[str, np.dtype] = {
    "torch.FloatTensor": backend.float32,
    "torch.DoubleTensor": backend.float64,
    "torch.LongTensor": backend.int64,
    "torch.IntTensor": backend.int32,
    "torch.ShortTensor": backend.int16,
    "torch.CharTensor": backend.int8,
    "torch.ByteTensor": backend.uint8,
    "torch.BoolTensor": backend.bool_,
}
_NAMES_OF_TYPES: dict[np.dtype, str] = {v: k for k, v in _TYPE_NAMES.items()}


def to_dtype(t: Tensor, dtype: np.dtype, copy: bool = False) -> Tensor:
    """``t`` converted to ``dtype``: itself when it has it already (unless ``copy``), recorded
    between float dtypes, without history to an integer or bool dtype."""
    if t.array.dtype == dtype and not copy:
        return t
    if dtype.kind == "f" and t.array.dtype.kind == "f":
        return Cast.apply(t, dtype=dtype)
    return leaf(t.array.astype(dtype))


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def check_number_fits(value: Any, dtype: np.dtype, owner: str) -> None:
    """PyTorch's check where a Python number becomes an element of a tensor (``fill_``,
    ``t[i] = v``, ``masked_fill``, ``index_fill``, ``full``): a value outside the dtype's range
    raises instead of wrapping (300 in uint8 was 44) or becoming ``inf`` (1e40 in float32). As in
    PyTorch, a negative integer may wrap into an unsigned dtype whose range holds its magnitude
    (-1 in uint8 is 255), an infinity or NaN is a float value, and bool takes anything.

    Raises:
        RuntimeError: ``value`` cannot be converted to ``dtype`` without overflow.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        v = float(value)
        fits = not math.isfinite(v) or abs(v) <= float(np.finfo(dtype).max)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        if isinstance(value, (float, np.floating)):
            v = float(value)
            fits = not math.isnan(v) and info.min <= v <= info.max
        else:
            n = int(value)
            fits = info.min <= n <= info.max or (dtype.kind == "u" and 0 < -n <= info.max)
    else:
        return
    if not fits:
        raise RuntimeError(f"{owner}: value {value!r} cannot be converted to type {dtype} without overflow")


def wrap_integer(value: int, dtype: np.dtype) -> np.ndarray:
    """A Python int as a 0-d array of the integer ``dtype``, wrapped modulo $2^{\\text{bits}}$ as
    PyTorch casts a number beside an integer tensor (``uint8 < -1`` compares with 255, ``uint8 + 300``
    adds 44); NumPy would raise or compare the exact values instead.

    Raises:
        OverflowError: ``value`` lies outside $[-2^{63}, 2^{64})$ (PyTorch's "int too big to convert").
    """
    if not -(2**63) <= value < 2**64:
        raise OverflowError(f"int too big to convert: {value} does not fit in 64 bits")
    return np.asarray(value % 2**64, dtype=np.uint64).astype(dtype)


def _promote_pair(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's ``promote_types``: the higher category wins whole (int64 with float32 is float32,
    where NumPy gives float64); within one category, the wider of the two (NumPy's rule)."""
    ca, cb = _CATEGORY.get(a.kind, 2), _CATEGORY.get(b.kind, 2)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_dtype(*tensors: Tensor) -> np.dtype:
    """The dtype PyTorch gives an op on ``tensors``: tensors with axes decide, unless a 0-d tensor
    is of a higher category (bool < integer < float), which then decides among the 0-d ones."""
    dimensioned = [t.array.dtype for t in tensors if t.array.ndim]
    zero_d = [t.array.dtype for t in tensors if not t.array.ndim]
    if not dimensioned or not zero_d:
        dtypes = dimensioned or zero_d
        out = dtypes[0]
        for d in dtypes[1:]:
            out = _promote_pair(out, d)
        return out
    high = result_dtype(*(t for t in tensors if t.array.ndim))
    low = result_dtype(*(t for t in tensors if not t.array.ndim))
    return low if _CATEGORY.get(low.kind, 2) > _CATEGORY.get(high.kind, 2) else high


def promote(*tensors: Tensor) -> list[Tensor]:
    """``tensors`` converted to their ``result_dtype`` (the ones that have it are passed as they are)."""
    first = tensors[0].array.dtype
    if all(t.array.dtype == first for t in tensors[1:]):
        return list(tensors)
    dtype = result_dtype(*tensors)
    return [to_dtype(t, dtype) for t in tensors]


def parse_to_args(*args: Any, **kwargs: Any) -> tuple[backend.device | None, np.dtype | None, bool, bool]:
    """Read the arguments of a ``to(...)`` call the way PyTorch does: ``to(dtype)``, ``to(device)``,
    ``to(device, dtype)``, ``to(other_tensor)``, with keywords ``device``, ``dtype``,
    ``non_blocking`` and ``copy``. ``Tensor.to`` and ``Module.to`` both use it.

    Args:
        args: positional arguments as given to ``to``.
        kwargs: keyword arguments as given to ``to``.

    Returns:
        ``(device, dtype, non_blocking, copy)``; ``device`` and ``dtype`` are None where not given.

    Raises:
        RuntimeError: the device is not the CPU (deltanet has no GPU backend).
        ValueError: an argument that is neither a device, a dtype nor a tensor, or one given twice.
        TypeError: an unknown keyword.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd import parse_to_args
        >>> parse_to_args("cpu", dn.float64)
        (device(type='cpu'), dtype('float64'), False, False)
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(unknown)}")
    place, dtype = kwargs.get("device"), kwargs.get("dtype")
    non_blocking, copy = kwargs.get("non_blocking", False), kwargs.get("copy", False)
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):  # to(other): other's dtype and device
        other = rest.pop(0)
        place, dtype = _once(place, backend.CPU, "device"), _once(dtype, other.dtype, "dtype")
    else:
        if rest and _is_device(rest[0]):
            place = _once(place, rest.pop(0), "device")
        if rest and not isinstance(rest[0], (bool, np.bool_)):
            dtype = _once(dtype, rest.pop(0), "dtype")
    if rest:
        non_blocking = rest.pop(0)
    if rest:
        copy = rest.pop(0)
    if rest:
        raise TypeError(f"to() got too many positional arguments: {args!r}")
    if place is not None:
        if isinstance(place, (int, np.integer)) and not isinstance(place, (bool, np.bool_)):
            place = backend.device("cuda", int(place))  # to(0) means the first GPU in PyTorch
        backend.check_device(place)
        place = place if isinstance(place, backend.device) else backend.device(place)
    if dtype is not None:
        dtype = backend.resolve_dtype(dtype, "to()")
    return place, dtype, check.flag(non_blocking, "non_blocking", "to()"), check.flag(copy, "copy", "to()")


def _once(current: Any, value: Any, what: str) -> Any:
    if current is not None:
        raise ValueError(f"to(): the {what} is given twice ({current!r} and {value!r})")
    return value


def _is_device(value: Any) -> bool:
    """Whether a positional argument of ``to`` names a device (not a dtype)."""
    if isinstance(value, backend.device):
        return True
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, str):
        try:
            backend.device(value)
        except ValueError:
            return False
        return True
    return False


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """This tensor converted to another dtype (``t.to(dn.float64)``) or moved to a device (only
    ``"cpu"``: it returns the tensor itself); see ``parse_to_args`` for the forms accepted."""
    _, dtype, _, copy = parse_to_args(*args, **kwargs)
    if dtype is None:
        return leaf_copy(self) if copy else self
    return to_dtype(self, dtype, copy)


def leaf_copy(t: Tensor) -> Tensor:
    """A recorded copy (PyTorch's ``to(copy=True)`` keeps the graph)."""
    return Cast.apply(t, dtype=t.array.dtype) if t.array.dtype.kind == "f" else leaf(t.array.copy())


def to_float(self: Tensor) -> Tensor:
    """This tensor as float32 (itself if it is float32 already)."""
    return to_dtype(self, backend.float32)


def to_double(self: Tensor) -> Tensor:
    """This tensor as float64 (itself if it is float64 already)."""
    return to_dtype(self, backend.float64)


def to_long(self: Tensor) -> Tensor:
    """This tensor as int64 (floats are truncated toward zero; no gradient flows through)."""
    return to_dtype(self, backend.int64)


def to_int(self: Tensor) -> Tensor:
    """This tensor as int32 (floats are truncated toward zero; no gradient flows through)."""
    return to_dtype(self, backend.int32)


def to_short(self: Tensor) -> Tensor:
    """This tensor as int16 (floats are truncated toward zero; no gradient flows through)."""
    return to_dtype(self, backend.int16)


def to_char(self: Tensor) -> Tensor:
    """This tensor as int8 (PyTorch's ``char()``; no gradient flows through)."""
    return to_dtype(self, backend.int8)


def to_byte(self: Tensor) -> Tensor:
    """This tensor as uint8 (PyTorch's ``byte()``, for image data; no gradient flows through)."""
    return to_dtype(self, backend.uint8)


def to_bool(self: Tensor) -> Tensor:
    """This tensor as bool (nonzero is True; no gradient flows through)."""
    return to_dtype(self, backend.bool_)


def to_half(self: Tensor) -> Tensor:
    """Refused: deltanet computes in float32 or float64."""
    raise ValueError("deltanet computes in float32 or float64, not float16 (half); use t.float()")


def to_bfloat16(self: Tensor) -> Tensor:
    """Refused: deltanet computes in float32 or float64."""
    raise ValueError("deltanet computes in float32 or float64, not bfloat16; use t.float()")


def tensor_type(self: Tensor, dtype: Any = None) -> Any:
    """With no argument, PyTorch's type name (``"torch.FloatTensor"``); with a dtype (or such a
    name), this tensor converted to it."""
    if dtype is None:
        return _NAMES_OF_TYPES.get(self.array.dtype, f"deltanet.{self.array.dtype}")
    if isinstance(dtype, str) and dtype in _TYPE_NAMES:
        return to_dtype(self, _TYPE_NAMES[dtype])
    if isinstance(getattr(dtype, "legacy_dtype", None), np.dtype):  # t.type(torch.LongTensor)
        return to_dtype(self, dtype.legacy_dtype)
    return to_dtype(self, backend.resolve_dtype(dtype, "type()"))


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor converted to ``other``'s dtype. ``other`` may also be a NumPy array (a tensor's
    ``.array``): ``x.type_as(y.array)`` works as ``x.type_as(y)``."""
    if isinstance(other, Tensor):
        return to_dtype(self, other.array.dtype)
    if isinstance(other, np.ndarray):
        return to_dtype(self, other.dtype)
    raise TypeError(f"type_as(): argument 'other' must be a Tensor, got {type(other).__name__}")


def cpu(self: Tensor) -> Tensor:
    """The tensor itself: it is on the CPU already."""
    return self


def cuda(self: Tensor, device: Any = None, non_blocking: bool = False) -> Tensor:
    """Refused with a ``RuntimeError``: deltanet has no GPU backend."""
    backend.check_device(backend.device("cuda") if device is None else device)
    return self  # not reached: check_device raised
