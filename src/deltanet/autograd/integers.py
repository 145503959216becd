r"""Integer and bit operations, with PyTorch's names: ``gcd``, ``lcm``, ``bitwise_and``,
``bitwise_or``, ``bitwise_xor`` and ``bitwise_not`` (the functions behind ``& | ^ ~``),
``bitwise_left_shift`` and ``bitwise_right_shift`` (behind ``<<`` and ``>>``).

They take integer (or, for the bitwise ones, bool) tensors and give tensors without history;
floating-point tensors raise, as PyTorch's have no such kernels. Operands meet by PyTorch's
promotion (``int32 & int64`` is int64; a Python integer keeps the tensor's dtype).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.binary import pair
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf


def _integers(name: str, kinds: str, *tensors: Tensor) -> None:
    for t in tensors:
        if t.array.dtype.kind not in kinds:
            what = "integer or bool" if "b" in kinds else "integer"
            raise TypeError(f"{name}: needs {what} tensors, got dtype {t.dtype} (as in PyTorch)")


def _binary(name: str, ufunc: Any, kinds: str, input: Any, other: Any) -> Tensor:
    if isinstance(other, float) or isinstance(input, float):
        raise TypeError(f"{name}: needs integers, got a float ({other if isinstance(other, float) else input!r})")
    x, y = pair(input, other, real=False)
    _integers(name, kinds, x, y)
    return leaf(np.asarray(ufunc(x.array, y.array)))


def gcd(input: Any, other: Any) -> Tensor:
    r"""The greatest common divisor of each pair of integers, elementwise with broadcasting
    (non-negative; $\gcd(0, 0) = 0$).

    Args:
        input: an integer tensor.
        other: an integer tensor or an integer.

    Raises:
        TypeError: a floating-point or bool tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.gcd(dn.tensor([12, -6, 0]), dn.tensor([18, 4, 0])).tolist()
        [6, 2, 0]
    """
    return _binary("gcd", np.gcd, "iu", input, other)


def lcm(input: Any, other: Any) -> Tensor:
    r"""The least common multiple of each pair of integers, elementwise with broadcasting (non-negative).

    Args:
        input: an integer tensor.
        other: an integer tensor or an integer.

    Raises:
        TypeError: a floating-point or bool tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.lcm(dn.tensor([4, -6]), dn.tensor([6, 4])).tolist()
        [12, 12]
    """
    return _binary("lcm", np.lcm, "iu", input, other)


def bitwise_and(input: Any, other: Any) -> Tensor:
    r"""The bitwise AND of integers (logical AND of bools), elementwise with broadcasting: ``input & other``.

    Args:
        input: an integer or bool tensor.
        other: an integer or bool tensor, or a Python integer or bool.

    Raises:
        TypeError: a floating-point tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.bitwise_and(dn.tensor([12, 10]), 6).tolist()
        [4, 2]
    """
    return _binary("bitwise_and", np.bitwise_and, "iub", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    r"""The bitwise OR of integers (logical OR of bools), elementwise with broadcasting: ``input | other``.

    Args:
        input: an integer or bool tensor.
        other: an integer or bool tensor, or a Python integer or bool.

    Raises:
        TypeError: a floating-point tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.bitwise_or(dn.tensor([12, 10]), 1).tolist()
        [13, 11]
    """
    return _binary("bitwise_or", np.bitwise_or, "iub", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    r"""The bitwise XOR of integers (logical XOR of bools), elementwise with broadcasting: ``input ^ other``.

    Args:
        input: an integer or bool tensor.
        other: an integer or bool tensor, or a Python integer or bool.

    Raises:
        TypeError: a floating-point tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.bitwise_xor(dn.tensor([True, False]), dn.tensor([True, True])).tolist()
        [False, True]
    """
    return _binary("bitwise_xor", np.bitwise_xor, "iub", input, other)


def bitwise_not(input: Any) -> Tensor:
    r"""The bitwise NOT of integers ($-x - 1$ in two's complement; logical NOT of bools): ``~input``.

    Args:
        input: an integer or bool tensor.

    Raises:
        TypeError: a floating-point tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.bitwise_not(dn.tensor([0, 5])).tolist()
        [-1, -6]
    """
    x = _tensor(input)
    _integers("bitwise_not", "iub", x)
    return leaf(np.asarray(np.invert(x.array)))


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    r"""Each integer shifted left by ``other`` bits, $x \cdot 2^n$ in two's complement: ``input << other``.

    Args:
        input: an integer tensor (or a Python integer, with ``other`` a tensor).
        other: the number of bits, an integer tensor (broadcast) or a Python integer.

    Raises:
        TypeError: a floating-point or bool tensor.

    Examples:
        >>> import deltanet as dn
        >>> (dn.tensor([1, -3]) << 2).tolist()
        [4, -12]
    """
    return _binary("bitwise_left_shift", np.left_shift, "iu", input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    r"""Each integer shifted right by ``other`` bits, $\lfloor x / 2^n \rfloor$ (the sign kept,
    as in PyTorch and NumPy): ``input >> other``.

    Args:
        input: an integer tensor (or a Python integer, with ``other`` a tensor).
        other: the number of bits, an integer tensor (broadcast) or a Python integer.

    Raises:
        TypeError: a floating-point or bool tensor.

    Examples:
        >>> import deltanet as dn
        >>> (dn.tensor([12, -7]) >> 1).tolist()
        [6, -4]
    """
    return _binary("bitwise_right_shift", np.right_shift, "iu", input, other)


# Python's shift operators, as methods of Tensor (``methods.py``): ``x << n``, ``x >> n``, ``n << x``, ``n >> x``.
def __lshift__(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(self, other)


def __rshift__(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(self, other)


def __rlshift__(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(other, self)


def __rrshift__(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(other, self)


__all__ = [
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "gcd",
    "lcm",
]
