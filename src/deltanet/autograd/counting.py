r"""Counting values, with PyTorch's names: ``bincount`` (class counts, confusion matrices), ``unique``
and ``count_nonzero``.

``bincount(x)[k]`` is the number of times the value $k$ occurs in ``x``; with ``weights`` it is
$z_k = \sum_{i : x_i = k} w_i$. The counts have no gradient (they come from integers); the
weighted sums are differentiable in ``w``: $\partial L / \partial w_i = \delta_{x_i}$, the delta of
the bin that $w_i$ went into. (PyTorch's ``bincount`` has no gradient for ``weights``: backward
through it raises there.)

``unique`` and ``count_nonzero`` have no gradient: their results are values picked out of the input,
counts and indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor, leaf


class BinCount(Function):
    r"""$z_k = \sum_{i : x_i = k} w_i$ for $k < n$ (``index`` holds the $x_i$); $\partial L / \partial w_i
    = \delta_{x_i}$."""

    def forward(self, w: np.ndarray, index: np.ndarray, length: int) -> np.ndarray:
        self.index = index
        return np.bincount(index, weights=w, minlength=length).astype(w.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return delta[self.index]


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    r"""How often each value $0, 1, \dots$ occurs in a 1-D tensor of non-negative integers.

    $z_k = \#\{i : x_i = k\}$, or $z_k = \sum_{i : x_i = k} w_i$ with ``weights``. The result has
    $\max(\max_i x_i + 1, \text{minlength})$ elements. Counts are int64; weighted sums keep a float
    dtype of ``weights`` (float32 or float64) and are float64 for integer or bool weights, as in
    PyTorch. The weighted sums are differentiable in ``weights``.

    Args:
        input: a 1-D tensor (or array) of non-negative integers (any integer dtype, not bool).
        weights: None, or a 1-D tensor of the same length: the amount each element adds to its bin.
        minlength: the least number of bins (an integer >= 0).

    Returns:
        A 1-D tensor: int64 counts, or the weighted sums.

    Raises:
        ValueError: ``input`` is not 1-D, not integer, or has a negative value; ``weights`` is
            not 1-D of the same length; ``minlength`` is negative.
        TypeError: ``minlength`` is not an integer.

    Examples:
        >>> import deltanet as dn
        >>> dn.bincount(dn.tensor([0, 2, 2, 3])).tolist()
        [1, 0, 2, 1]
        >>> dn.bincount(dn.tensor([1, 1]), minlength=4).tolist()
        [0, 2, 0, 0]
        >>> y, pred = dn.tensor([0, 1, 1, 2]), dn.tensor([0, 1, 2, 2])
        >>> dn.bincount(y * 3 + pred, minlength=9).reshape(3, 3).tolist()  # a confusion matrix
        [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
        >>> dn.bincount(dn.tensor([0, 0, 1]), weights=dn.tensor([0.5, 0.25, 2.0])).tolist()
        [0.75, 2.0]
    """
    if isinstance(minlength, bool) or not check.is_integer(minlength):
        raise TypeError(f"bincount: minlength must be an integer, got {minlength!r}")
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be >= 0, got {minlength}")
    x = _tensor(input).array
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise ValueError(
            f"bincount: input must be a 1-D tensor of non-negative integers, got shape {x.shape} of dtype {x.dtype}"
        )
    if x.size and x.min() < 0:
        raise ValueError(f"bincount: input must hold non-negative integers, got the value {x.min()}")
    index = x.astype(np.intp, copy=False)
    length = max(int(x.max()) + 1 if x.size else 0, int(minlength))
    if weights is None:
        return leaf(np.bincount(index, minlength=length).astype(np.int64, copy=False))
    w = _tensor(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise ValueError(f"bincount: weights must be 1-D with the length of input ({x.shape[0]}), got shape {w.shape}")
    if w.array.dtype.kind != "f":
        w = leaf(w.array.astype(np.float64))
    return BinCount.apply(w, index=index, length=length)


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
    x = _tensor(input).array
    axis = None if dim is None else check.integer(dim, "dim", "unique", low=-x.ndim, high=x.ndim - 1)
    # NaN is never equal to NaN: each one is its own value, as in PyTorch (NumPy's default groups them)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
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


def count_nonzero(input: Any, dim: Any = None) -> Tensor:
    r"""The number of nonzero (True) elements, over ``dim`` (an axis or a tuple of them) or all.

    Args:
        input: a tensor.
        dim: the axes to count over; None counts the whole tensor.

    Returns:
        An int64 tensor (0-D for ``dim=None``).

    Examples:
        >>> import deltanet as dn
        >>> mask = dn.tensor([[True, False], [True, True]])
        >>> dn.count_nonzero(mask).item(), dn.count_nonzero(mask, dim=1).tolist()
        (3, [1, 2])
    """
    x = _tensor(input)
    axes = None
    if dim is not None and not (isinstance(dim, (tuple, list)) and len(dim) == 0):  # dim=(): all, as PyTorch
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(normalize(check.integer(d, "dim", "count_nonzero"), x.ndim, "count_nonzero") for d in dims)
    return leaf(np.asarray(np.count_nonzero(x.array, axis=axes), dtype=np.int64))
