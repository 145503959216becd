r"""Coordinate grids and log-spaced values: ``meshgrid`` (voxel coordinates, sampling grids) and
``logspace`` (learning-rate and regularisation sweeps), with PyTorch's arguments.

``meshgrid`` is a reshape and a broadcast of each input, so its outputs are differentiable (the
gradient of an input is the sum of its grid's $\delta$ over the other axes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.factories import _dtype, _finish, linspace
from deltanet.autograd.shapes import expand, reshape
from deltanet.autograd.tensor import Tensor


def meshgrid(*tensors: Any, indexing: Any = None) -> tuple[Tensor, ...]:
    r"""Coordinate grids from 1-D tensors $x^{(1)}, \dots, x^{(k)}$: grid $j$ holds $x^{(j)}_{i_j}$ at
    every position $(i_1, \dots, i_k)$ (``indexing="ij"``, PyTorch's default), or with the first two
    axes swapped (``indexing="xy"``, NumPy's default and Cartesian order).

    PyTorch warns when ``indexing`` is left out and uses ``"ij"``; deltanet uses ``"ij"`` too.

    Args:
        tensors: 1-D (or 0-D) tensors, one by one or as one list.
        indexing: ``"ij"`` (matrix order, the default) or ``"xy"``.

    Returns:
        A tuple of $k$ tensors, each of shape $(n_1, \dots, n_k)$ (``"xy"``: $(n_2, n_1, n_3, \dots)$).

    Examples:
        >>> import deltanet as dn
        >>> ys, xs = dn.meshgrid(dn.arange(2), dn.arange(3), indexing="ij")
        >>> ys.tolist(), xs.tolist()
        ([[0, 0, 0], [1, 1, 1]], [[0, 1, 2], [0, 1, 2]])
    """
    mode = "ij" if indexing is None else check.one_of(indexing, "indexing", ("ij", "xy"), "meshgrid")
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("meshgrid: expects at least one tensor")
    xs = [_tensor(t) for t in tensors]
    for x in xs:
        if x.ndim > 1:
            raise ValueError(f"meshgrid: expects 0-D or 1-D tensors, got shape {x.shape}")
    xs = [reshape(x, -1) for x in xs]
    swap = mode == "xy" and len(xs) >= 2
    order = [1, 0, *range(2, len(xs))] if swap else list(range(len(xs)))
    shape = [xs[j].shape[0] for j in order]
    grids = []
    for j, x in enumerate(xs):
        axis = order.index(j)
        view = [1] * len(xs)
        view[axis] = -1
        grids.append(expand(reshape(x, *view), *shape))
    return tuple(grids)


def logspace(
    start: Any,
    end: Any,
    steps: Any,
    base: Any = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""``steps`` values $b^{s}, \dots, b^{e}$, their exponents evenly spaced from ``start`` to ``end``.

    Args:
        start: the first exponent $s$.
        end: the last exponent $e$.
        steps: how many values (a non-negative integer).
        base: the base $b$ (10 by default).
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.logspace(-3, 0, 4, dtype=dn.float64).tolist()
        [0.001, 0.01, 0.1, 1.0]
    """
    b = check.number(base, "base", "logspace")
    exponents = linspace(start, end, steps, dtype=backend.float64, device=device).array
    values = np.power(b, exponents).astype(_dtype(dtype, "logspace"))
    return _finish(values, requires_grad, "logspace")
