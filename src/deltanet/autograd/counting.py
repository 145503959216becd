r"""Counting values, with PyTorch's names: ``unique``, ``bincount`` and ``count_nonzero``.

What a segmentation script asks of its label maps (which labels occur, how many pixels each
class has, how many voxels a mask covers) before it weighs its loss: $n_c = \sum_i [y_i = c]$.
The results are counts and values picked from the input, so none has a gradient (as in PyTorch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf


def unique(
    input: Any,
    sorted: bool = True,  # noqa: A002 - PyTorch's name
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: Any = None,
) -> Any:
    r"""The distinct values of ``input``, in ascending order (flattened), as ``torch.unique``.

    Args:
        input: a tensor.
        sorted: accepted for PyTorch's signature; the values always come sorted (as PyTorch's
            CPU result does).
        return_inverse: also return, for each element, the index of its value in the output
            (a tensor of ``input``'s shape).
        return_counts: also return how many times each value occurs, $n_c$.
        dim: only None (the flattened input) is supported.

    Returns:
        The values; with ``return_inverse`` and/or ``return_counts``, a tuple
        ``(values, inverse, counts)`` of the requested ones, in that order. Indices and counts
        are int64.

    Raises:
        ValueError: ``dim`` is not None.

    Examples:
        >>> import deltanet as dn
        >>> mask = dn.tensor([[0, 2], [2, 1]])
        >>> dn.unique(mask).tolist()
        [0, 1, 2]
        >>> values, counts = dn.unique(mask, return_counts=True)
        >>> counts.tolist()
        [1, 1, 2]
    """
    x = _tensor(input)
    check.flag(sorted, "sorted", "unique")
    check.flag(return_inverse, "return_inverse", "unique")
    check.flag(return_counts, "return_counts", "unique")
    if dim is not None:
        raise ValueError(f"unique: dim={dim!r} is not supported; only dim=None (the flattened input)")
    values, inverse, counts = np.unique(x.data, return_inverse=True, return_counts=True)
    out = [leaf(values)]
    if return_inverse:
        out.append(leaf(inverse.reshape(x.shape).astype(np.int64)))
    if return_counts:
        out.append(leaf(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    r"""How often each non-negative integer occurs in the 1-D ``input``: $n_c = \sum_i [x_i = c]$
    (or $\sum_i w_i [x_i = c]$ with ``weights``), for $c = 0, \dots, \max(\max x, \text{minlength} - 1)$.

    Args:
        input: a 1-D tensor of non-negative integers (class labels).
        weights: optional 1-D weights $w$ of the same length.
        minlength: the least length of the result.

    Returns:
        int64 counts; with float weights, sums in the weights' dtype (float64 for float64
        weights, float32 otherwise, as in PyTorch).

    Raises:
        ValueError: ``input`` is not 1-D, not integer or has a negative value; ``weights`` has
            another length; ``minlength`` is negative.

    Examples:
        >>> import deltanet as dn
        >>> dn.bincount(dn.tensor([0, 2, 2, 1, 2]), minlength=4).tolist()
        [1, 1, 3, 0]
    """
    x = _tensor(input)
    minlength = check.integer(minlength, "minlength", "bincount", low=0)
    if x.ndim != 1 or x.data.dtype.kind not in "biu":
        raise ValueError(f"bincount: expected a 1-D tensor of integers, got shape {x.shape} and dtype {x.data.dtype}")
    if x.data.size and x.data.min() < 0:
        raise ValueError(f"bincount: values must be non-negative, got {int(x.data.min())}")
    if weights is None:
        return leaf(np.bincount(x.data, minlength=minlength).astype(np.int64))
    w = _tensor(weights)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights must have the input's shape {x.shape}, got {w.shape}")
    dtype = np.float64 if w.data.dtype == np.float64 else np.float32
    return leaf(np.bincount(x.data, weights=w.data, minlength=minlength).astype(dtype))


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
    if dim is not None:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(normalize(check.integer(d, "dim", "count_nonzero"), x.ndim, "count_nonzero") for d in dims)
    return leaf(np.asarray(np.count_nonzero(x.data, axis=axes), dtype=np.int64))
