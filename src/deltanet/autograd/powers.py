r"""``float_power``: PyTorch's power in double precision, $x^y$ with both operands converted to
float64 first (the result is float64 whatever the inputs' dtypes), for exact powers of integers
and for a float32 model's statistics computed in double.

Written with ``Cast`` and the ``pow`` primitives, so its gradient is theirs: a float32 input gets a
float32 gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.elementwise import _tensor, pow
from deltanet.autograd.tensor import Tensor, leaf


def _double(value: Any, name: str) -> Any:
    if isinstance(value, Tensor):
        return to_dtype(value, backend.float64)
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        return to_dtype(_tensor(value), backend.float64)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"float_power: {name} must be a tensor or a number, got {value!r}")
    return float(value)


def float_power(input: Any, exponent: Any) -> Tensor:
    r"""$x^y$ elementwise with broadcasting, computed in float64 (both operands are converted first;
    the result is float64, as PyTorch's).

    Args:
        input: the base, a tensor or a number.
        exponent: a tensor or a number.

    Raises:
        TypeError: an operand is neither a tensor nor a number.

    Examples:
        >>> import deltanet as dn
        >>> y = dn.float_power(dn.tensor([2, 3]), 2)
        >>> y.dtype, y.tolist()
        (dtype('float64'), [4.0, 9.0])
    """
    x, y = _double(input, "input"), _double(exponent, "exponent")
    if not isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            raise TypeError("float_power: give at least one tensor (both input and exponent are numbers)")
        x = leaf(np.asarray(x, dtype=np.float64))
    return pow(x, y)


__all__ = ["float_power"]
