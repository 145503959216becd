r"""``unique_consecutive``: each run of equal consecutive elements (or slices) collapsed to one,
as ``uniq`` does for lines of text. Not differentiable (it returns values of ``input`` chosen by
comparisons, and index tensors).

Run boundaries are where $x_i \ne x_{i - 1}$; ``inverse`` gives each element its run's number and
``counts`` each run's length.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks, backend
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf


def unique_consecutive(input: Any, return_inverse: Any = False, return_counts: Any = False, dim: Any = None) -> Any:
    r"""The elements of ``input`` with each run of equal consecutive ones kept once:
    $[1, 1, 2, 2, 3, 1, 1] \to [1, 2, 3, 1]$ (``unique`` would also merge the two runs of 1).

    Args:
        input: a tensor (flattened when ``dim`` is None).
        return_inverse: also return, for each element (or slice along ``dim``), the index of its run.
        return_counts: also return the length of each run.
        dim: the axis whose slices are compared; None compares the flattened elements.

    Returns:
        The values; with ``return_inverse`` and/or ``return_counts``, a tuple
        ``(values, inverse, counts)`` of those asked for (int64 indices and counts).

    Examples:
        >>> import deltanet as dn
        >>> dn.unique_consecutive(dn.tensor([1, 1, 2, 2, 3, 1, 1])).tolist()
        [1, 2, 3, 1]
        >>> [t.tolist() for t in dn.tensor([1, 1, 2]).unique_consecutive(return_counts=True)]
        [[1, 2], [2, 1]]
    """
    x = _tensor(input).array
    inverse_wanted = _checks.flag(return_inverse, "return_inverse", "unique_consecutive")
    counts_wanted = _checks.flag(return_counts, "return_counts", "unique_consecutive")
    if dim is None:
        moved, shape = x.reshape(-1, 1), x.shape
    else:
        d = normalize(_checks.integer(dim, "dim", "unique_consecutive"), max(x.ndim, 1), "unique_consecutive")
        moved = np.moveaxis(x.reshape(1) if x.ndim == 0 else x, d, 0)
        moved, shape = moved.reshape(moved.shape[0], -1), (moved.shape[0],)
    n = moved.shape[0]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (moved[1:] != moved[:-1]).any(axis=1)
    first = np.flatnonzero(starts)
    if dim is None:
        values = x.reshape(-1)[first]
    else:
        values = np.take(x.reshape(1) if x.ndim == 0 else x, first, axis=d)
    out: list[Tensor] = [leaf(np.ascontiguousarray(values))]
    if inverse_wanted:
        out.append(leaf((np.cumsum(starts) - 1).astype(backend.INDEX_DTYPE).reshape(shape)))
    if counts_wanted:
        out.append(leaf(np.diff(np.append(first, n)).astype(backend.INDEX_DTYPE)))
    return out[0] if len(out) == 1 else tuple(out)
