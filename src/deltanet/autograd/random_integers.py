r"""``randint_like``: random integers $k$ with $\text{low} \le k < \text{high}$, uniformly, in the shape
(and, by default, the dtype) of another tensor, as PyTorch's ``randint_like``.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks, backend
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import _dtype, _finish
from deltanet.autograd.tensor import Tensor


def randint_like(
    input: Any,
    low: Any = 0,
    high: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""Random integers from ``low`` (included) to ``high`` (excluded) in ``input``'s shape and dtype
    (a float ``input`` gives whole numbers stored as floats, as in PyTorch); ``randint_like(x, high)``
    counts from 0.

    Args:
        input: the tensor whose shape (and dtype) to take.
        low: the smallest value (the bound, counting from 0, when ``high`` is not given).
        high: the bound, excluded.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: the dtype (``input``'s by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it (float dtypes only).

    Raises:
        ValueError: ``high`` not greater than ``low``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.randint_like(dn.zeros(4, dtype=dn.long), 3, 5, generator=0)
        >>> x.shape, bool(((x >= 3) & (x < 5)).all())
        ((4,), True)
    """
    backend.check_device(device)
    like = _tensor(input)
    if high is None:
        low, high = 0, low
    low = _checks.integer(low, "low", "randint_like")
    high = _checks.integer(high, "high", "randint_like")
    if high <= low:
        raise ValueError(f"randint_like(): high must be greater than low, got low={low}, high={high}")
    values = backend.get_rng(generator).integers(low, high, like.shape)
    return _finish(values.astype(_dtype(dtype, "randint_like", like.array.dtype)), requires_grad, "randint_like")
