"""PyTorch's questions about dtypes: ``finfo`` and ``iinfo`` (the numerical limits that guard a
log or a division: ``eps = dn.finfo(x.dtype).eps``), ``promote_types``, ``result_type``,
``can_cast``, ``is_floating_point``, ``is_complex`` and ``is_nonzero``.

deltanet's dtypes are NumPy dtypes (``dn.float32 is numpy.dtype("float32")``), so ``dn.dtype`` is
``numpy.dtype`` and ``isinstance(x.dtype, dn.dtype)`` holds. Promotion is PyTorch's, not NumPy's:
int64 with float32 is float32 (NumPy: float64), and a Python float with an integer tensor is the
default dtype (``set_default_dtype``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd.conversions import _promote_pair, result_dtype
from deltanet.autograd.tensor import Tensor, leaf

dtype = np.dtype  # PyTorch's ``torch.dtype``, for ``isinstance`` and annotations

# The limits PyTorch reports, rounded as it prints them (``resolution`` is 10 ** -precision).
_BFLOAT16 = {
    "bits": 16,
    "eps": 0.0078125,
    "max": 3.3895313892515355e38,
    "tiny": 1.1754943508222875e-38,
    "resolution": 0.01,
}


def _dtype_argument(value: Any, owner: str) -> Any:
    """``value`` as a NumPy dtype (or ``dn.bfloat16``), refusing what PyTorch refuses (strings,
    numbers, None: PyTorch takes only a dtype)."""
    if isinstance(value, backend.UnsupportedDtype):
        return value
    if isinstance(value, type) and issubclass(value, np.generic):  # numpy.float32, the scalar type
        return np.dtype(value)
    if not isinstance(value, np.dtype):
        raise TypeError(f"{owner}(): argument 'type' must be a dtype such as dn.float32, got {value!r}")
    return value


class finfo:  # noqa: N801 - PyTorch's name
    r"""The limits of a floating-point dtype, as PyTorch's ``torch.finfo``: ``eps`` is the gap between
    1 and the next float ($2^{-23}$ in float32), ``tiny`` (= ``smallest_normal``) the smallest
    positive normal number, ``max``/``min`` the largest finite ones, ``resolution`` $10^{-p}$ for
    $p$ decimal digits, ``bits`` the width, ``dtype`` the name.

    float16 and bfloat16 are described too (code computes masks with their limits), though deltanet
    computes in float32 and float64 only.

    Args:
        type: a floating-point dtype; left out, the default dtype (``get_default_dtype()``).

    Raises:
        TypeError: an integer or bool dtype (use ``iinfo``), or not a dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.finfo(dn.float32).eps
        1.1920928955078125e-07
        >>> x = dn.tensor([0.0, 1.0])
        >>> dn.log(x + dn.finfo(x.dtype).eps)[0].item() > -16
        True
        >>> dn.finfo(dn.float64).tiny, dn.finfo(dn.float64).max
        (2.2250738585072014e-308, 1.7976931348623157e+308)
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's name
        d = backend.DEFAULT_DTYPE if type is None else _dtype_argument(type, "finfo")
        if isinstance(d, backend.UnsupportedDtype):
            limits = _BFLOAT16
            self.dtype = d.name
        else:
            if d.kind != "f":
                raise TypeError(
                    f"finfo() requires a floating point input type, got {d}; use dn.iinfo for integer types"
                )
            info = np.finfo(d)
            limits = {
                "bits": info.bits,
                "eps": float(info.eps),
                "max": float(info.max),
                "tiny": float(info.smallest_normal),
                "resolution": 10.0**-info.precision,
            }
            self.dtype = d.name
        self.bits = int(limits["bits"])
        self.eps, self.max, self.min = float(limits["eps"]), float(limits["max"]), -float(limits["max"])
        self.tiny = self.smallest_normal = float(limits["tiny"])
        self.resolution = float(limits["resolution"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    r"""The limits of an integer dtype, as PyTorch's ``torch.iinfo``: ``max`` and ``min`` (Python
    ints: $2^{63} - 1$ and $-2^{63}$ for int64), ``bits``, ``dtype`` (the name).

    Args:
        type: an integer dtype (``dn.int64``, ``dn.int32``, ``dn.uint8``, ...).

    Raises:
        TypeError: a floating-point or bool dtype, or not a dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.iinfo(dn.int64).max
        9223372036854775807
        >>> dn.iinfo(dn.uint8)
        iinfo(min=0, max=255, dtype=uint8)
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's name
        d = _dtype_argument(type, "iinfo")
        if isinstance(d, backend.UnsupportedDtype) or d.kind not in "iu":
            raise TypeError(f"iinfo() requires an integer input type, got {d}; use dn.finfo for floating-point types")
        info = np.iinfo(d)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def promote_types(type1: Any, type2: Any) -> np.dtype:
    r"""The dtype of an op on tensors of ``type1`` and ``type2``, by PyTorch's rule: the higher
    category of bool $<$ integer $<$ float wins whole, within one the wider.

    Args:
        type1: a dtype.
        type2: a dtype.

    Raises:
        TypeError: an argument that is not a dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.promote_types(dn.int64, dn.float32)
        dtype('float32')
        >>> dn.promote_types(dn.uint8, dn.int8)
        dtype('int16')
    """
    first, second = (_computable(t, "promote_types") for t in (type1, type2))
    return _promote_pair(first, second)


def _computable(value: Any, owner: str) -> np.dtype:
    d = _dtype_argument(value, owner)
    if isinstance(d, backend.UnsupportedDtype):
        raise TypeError(f"{owner}(): deltanet computes in float32 or float64, got {d.name}")
    backend.check_dtype(d)
    return d


def _operand(value: Any, owner: str) -> Tensor:
    """A tensor, or a Python number as PyTorch weighs it: a 0-d tensor of the lowest dtype of its
    category (bool, int64, default float), so that it never widens a tensor of its own category."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, np.bool_)):
        return leaf(np.array(bool(value)))
    if isinstance(value, (int, np.integer)):
        return leaf(np.array(int(value), dtype=backend.INDEX_DTYPE))
    if isinstance(value, (float, np.floating)):
        return leaf(np.array(float(value), dtype=backend.DEFAULT_DTYPE))
    raise TypeError(f"{owner}(): expected a tensor or a number, got {type(value).__name__}")


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    r"""The dtype that an arithmetic op on ``tensor1`` and ``tensor2`` gives, as PyTorch's
    ``torch.result_type``: tensors with axes decide within their category; a 0-d tensor or a
    Python number decides only when its category (bool $<$ integer $<$ float) is higher.

    Args:
        tensor1: a tensor or a Python number.
        tensor2: a tensor or a Python number.

    Raises:
        TypeError: an argument that is neither.

    Examples:
        >>> import deltanet as dn
        >>> dn.result_type(dn.tensor([1, 2]), 1.0)
        dtype('float32')
        >>> dn.result_type(dn.tensor([1.0]), dn.tensor(1.0, dtype=dn.float64))
        dtype('float32')
    """
    a, b = _operand(tensor1, "result_type"), _operand(tensor2, "result_type")
    if not isinstance(tensor1, Tensor) and not isinstance(tensor2, Tensor):
        return _promote_pair(a.array.dtype, b.array.dtype)
    numbers = [t for t, v in ((a, tensor1), (b, tensor2)) if not isinstance(v, Tensor)]
    if numbers:  # a number ranks below a 0-d tensor of its category: it decides by category only
        tensor = a if isinstance(tensor1, Tensor) else b
        number = numbers[0].array.dtype
        rank = {"b": 0, "u": 1, "i": 1, "f": 2}
        return number if rank[number.kind] > rank[tensor.array.dtype.kind] else tensor.array.dtype
    return result_dtype(a, b)


def can_cast(from_: Any, to: Any) -> bool:
    r"""Whether PyTorch's type promotion lets ``from_`` be cast to ``to`` in place (``x += y``): not
    to a lower category (float $\to$ integer, integer $\to$ bool), anything else yes (also float64
    $\to$ float32).

    Args:
        from_: the dtype of the value.
        to: the dtype it is written into.

    Raises:
        TypeError: an argument that is not a dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.can_cast(dn.float64, dn.float32), dn.can_cast(dn.float32, dn.int32)
        (True, False)
    """
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    source, target = _computable(from_, "can_cast"), _computable(to, "can_cast")
    return rank[source.kind] <= rank[target.kind]


def _tensor_argument(value: Any, owner: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{owner}(): argument 'input' must be a Tensor, got {type(value).__name__}")
    return value


def is_floating_point(input: Any) -> bool:  # noqa: A002 - PyTorch's name
    """Whether ``input``'s dtype is a floating-point one (float32 or float64).

    Args:
        input: a tensor.

    Raises:
        TypeError: ``input`` is not a tensor (as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.is_floating_point(dn.tensor([1.0])), dn.is_floating_point(dn.tensor([1]))
        (True, False)
    """
    return _tensor_argument(input, "is_floating_point").array.dtype.kind == "f"


def is_complex(input: Any) -> bool:  # noqa: A002 - PyTorch's name
    """Whether ``input`` is complex: always False, deltanet has no complex dtype.

    Args:
        input: a tensor.

    Raises:
        TypeError: ``input`` is not a tensor (as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.is_complex(dn.tensor([1.0]))
        False
    """
    return _tensor_argument(input, "is_complex").array.dtype.kind == "c"


def is_nonzero(input: Any) -> bool:  # noqa: A002 - PyTorch's name
    """Whether the single value of ``input`` is not zero (``bool(input)``).

    Args:
        input: a tensor of one element.

    Raises:
        TypeError: ``input`` is not a tensor.
        ValueError: ``input`` has no element or more than one.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_nonzero(dn.tensor([1.5])), dn.is_nonzero(dn.tensor(0))
        (True, False)
    """
    return bool(_tensor_argument(input, "is_nonzero"))
