r"""Counting values, with PyTorch's names: ``bincount`` and ``unique`` (no gradients: their results
are counts and indices, or values picked out of the input without a rule to differentiate).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks, backend
from deltanet.autograd.tensor import Tensor, leaf


def _values(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def bincount(input: Any, weights: Any = None, minlength: Any = 0) -> Tensor:
    r"""How often each value $0, 1, \dots$ occurs in ``input``: $c_k = \sum_i [x_i = k]$, or the sum
    of the ``weights`` of those elements.

    Args:
        input: a 1-D tensor of non-negative integers.
        weights: a tensor of ``input``'s shape (the result takes its float dtype), or None.
        minlength: the smallest length of the result.

    Raises:
        ValueError: ``input`` is not 1-D, not integer, or has a negative value; ``weights`` has another shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.bincount(dn.tensor([0, 1, 1, 3])).tolist()
        [1, 2, 0, 1]
    """
    x = _values(input)
    n = _checks.integer(minlength, "minlength", "bincount", low=0)
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise ValueError(f"bincount: input must be a 1-D integer tensor, got shape {x.shape} and dtype {x.dtype}")
    if x.size and x.min() < 0:
        raise ValueError(f"bincount: input must be non-negative, got {x.min()}")
    if weights is None:
        return leaf(np.bincount(x, minlength=n).astype(backend.INDEX_DTYPE))
    w = _values(weights)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights must have input's shape {x.shape}, got {w.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return leaf(np.bincount(x, weights=w, minlength=n).astype(dtype))


def unique(
    input: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
) -> Any:
    r"""The distinct values of ``input`` in ascending order (or its distinct slices along ``dim``).

    Args:
        input: a tensor.
        sorted: accepted for PyTorch's signature; the values always come sorted (as PyTorch's do on the CPU).
        return_inverse: also return, for each element, the index of its value in the result.
        return_counts: also return how often each value occurs.
        dim: None (the flattened values) or an axis whose slices are compared.

    Returns:
        The values; with ``return_inverse`` or ``return_counts``, a tuple that adds them (int64).

    Examples:
        >>> import deltanet as dn
        >>> values, counts = dn.unique(dn.tensor([3, 1, 3]), return_counts=True)
        >>> values.tolist(), counts.tolist()
        ([1, 3], [1, 2])
    """
    x = _values(input)
    axis = None if dim is None else _checks.integer(dim, "dim", "unique", low=-x.ndim, high=x.ndim - 1)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    out = [leaf(np.asarray(values))]
    if return_inverse:
        out.append(leaf(inverse.reshape(x.shape if axis is None else (-1,)).astype(backend.INDEX_DTYPE)))
    if return_counts:
        out.append(leaf(counts.astype(backend.INDEX_DTYPE)))
    return out[0] if len(out) == 1 else tuple(out)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a deltanet tensor (a ``Parameter`` is one).

    Args:
        obj: any object.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_tensor(dn.zeros(2)), dn.is_tensor([0.0])
        (True, False)
    """
    return isinstance(obj, Tensor)
