"""The two operands of an elementwise function of two tensors (``atan2``, ``xlogy``, ``fmod``, ...),
with PyTorch's dtypes: either may be a Python number (``torch.xlogy(2, t)``), they meet by
``elementwise.operands``' promotion, and a real-valued function computes integers in float32.
"""

from __future__ import annotations

from typing import Any

from deltanet import backend
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.elementwise import _tensor, operands
from deltanet.autograd.tensor import Tensor


def pair(input: Any, other: Any, *, real: bool = True) -> tuple[Tensor, Tensor]:
    """``input`` and ``other`` as two tensors of one dtype; with ``real``, float32 when both are
    integers or bools (an integer beside a float takes the float's dtype)."""
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        x, y = operands(_tensor(input), other)
    else:
        y, x = operands(other, input)
    if real and x.array.dtype.kind != "f":
        x, y = to_dtype(x, backend.DEFAULT_DTYPE), to_dtype(y, backend.DEFAULT_DTYPE)
    return x, y


def refuse_integers(x: Tensor, name: str) -> None:
    """PyTorch has no integer kernel for ``name`` (``hypot``, ``logaddexp``, ``frac``): say so."""
    if x.array.dtype.kind != "f":
        raise TypeError(
            f"{name}: needs floating-point tensors, got dtype {x.dtype} (as in PyTorch); convert first, e.g. x.float()"
        )
