r"""$\delta$ through the live units only: the exact select behind the backward of ReLU, the clamps
and max pooling, at the cost of the product it replaces.

These backwards are $\delta \odot m$ with a 0/1 mask $m$ ($m = [a > 0]$ for ReLU, the clamp's
range, each window's argmax for max pooling). Written as that product, a dead unit gets
$\delta \cdot 0$, which is NaN when $\delta$ is NaN or infinite (``NaN * 0 = inf * 0 = NaN``).
PyTorch writes them as selects, ``where(m, delta, 0)``: a dead unit gets 0 whatever $\delta$ is,
so an overflow behind a ReLU does not reach the weights in front of it. ``np.where`` is that
select, but it was 4-15x slower than the product (1,117 against 78 us at (64, 6, 28, 28) float32).

So the product is taken on the bit patterns: $\delta$ viewed as integers of its width (``int32``
for ``float32``) times the mask as integers 0 or 1. An integer product by 1 is the bit pattern of
$\delta$ itself (NaN, infinities and $-0$ included) and by 0 is the pattern of $+0.0$: exactly
the select, in one vector pass like the floating-point product. (For 64-bit values, a bitwise and
with the mask 0 or -1, all bits set: the same result without a 64-bit integer multiply.) ``DELTANET_REFERENCE=1`` takes
``np.where``, the formula itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.backend import REFERENCE

#: The signed integer of each floating-point width (float16, float32, float64).
_BITS: dict[int, np.dtype] = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}


def mask_bits(dtype: Any) -> np.dtype | None:
    """The integer dtype that holds the bit pattern of a ``dtype`` value, or None when the exact
    product is not available (complex and non-float dtypes: they take ``np.where``).

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.dead_units import mask_bits
        >>> mask_bits(np.float32)
        dtype('int32')
    """
    dtype = np.dtype(dtype)
    if REFERENCE or dtype.kind != "f" or not dtype.isnative:
        return None
    return _BITS.get(dtype.itemsize)


def live_mask(a: np.ndarray, compare: Any, value: Any, dtype: Any) -> np.ndarray:
    r"""The mask $[\text{compare}(a, \text{value})]$ as integers 0/1 of ``dtype``'s width (booleans
    where ``mask_bits`` has none), in the memory order of ``a``: the ``live`` of ``pass_live``.

    The comparison writes its 0/1 straight into the integers (one pass, as ``np.greater`` into
    floats does).

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.dead_units import live_mask
        >>> live_mask(np.array([0.0, 2.0]), np.not_equal, 0, np.float64).tolist()
        [0, 1]
    """
    bits = mask_bits(dtype)
    return compare(a, value) if bits is None else compare(a, value, out=np.empty_like(a, dtype=bits))


def pass_live(delta: np.ndarray, live: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r"""$\delta$ where ``live``, $+0.0$ elsewhere, exactly, for any $\delta$ (NaN and inf too).

    The plain formula is $\delta \odot [\text{live}]$; as a floating-point product a NaN or
    infinite $\delta$ at a dead unit gives NaN there (``NaN * 0``), where PyTorch's select gives 0.
    Here the product is one of integers, on $\delta$'s bit pattern (see the module's docstring).

    Args:
        delta: the incoming gradient (any float dtype; others take ``np.where``).
        live: booleans, or integers 0/1 (``live_mask``), broadcastable to ``delta``.
        out: where to write (an array of ``delta``'s dtype, or of the integers of its width, as
            ``live`` itself); a new array when None.

    Returns:
        The gradient, of ``delta``'s dtype (``out`` viewed as that dtype when given).

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.dead_units import pass_live
        >>> pass_live(np.array([np.nan, np.inf, 2.0]), np.array([False, False, True])).tolist()
        [0.0, 0.0, 2.0]
    """
    bits = mask_bits(delta.dtype)
    if bits is None:  # the select itself
        g = np.where(live, delta, np.zeros((), delta.dtype))
        if out is None:
            return g
        target = out if out.dtype == delta.dtype else out.view(delta.dtype)
        np.copyto(target, g)
        return target
    out_bits = None if out is None else (out if out.dtype == bits else out.view(bits))
    if bits.itemsize == 8:
        # No 64-bit integer multiply in AVX2 (NumPy emulates it): the mask 0/1 becomes 0/-1 (all
        # bits set), and a bitwise and keeps delta's bits or none, the same result in fewer steps.
        # (the mask is written into out, which may be live itself, when their shapes agree)
        same_shape = out_bits is not None and live.shape == out_bits.shape
        mask = np.subtract(0, live, out=out_bits if same_shape else None, dtype=bits)
        g = np.bitwise_and(delta.view(bits), mask, out=out_bits)
    else:
        g = np.multiply(delta.view(bits), live, out=out_bits, dtype=bits)
    return np.asarray(g).view(delta.dtype)


__all__ = ["live_mask", "mask_bits", "pass_live"]
