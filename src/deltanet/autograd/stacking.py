r"""Joining tensors with NumPy's names: ``column_stack``, ``row_stack`` and ``dstack`` (``hstack``
and ``vstack`` are in ``arranging.py``), built on ``cat`` (so differentiable).

``column_stack`` makes each 0-d or 1-D tensor of $n$ elements a column $(n, 1)$ and joins
along axis 1; ``dstack`` lifts each tensor to three axes and joins along axis 2.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd.arranging import vstack
from deltanet.autograd.broadcasting import atleast_3d
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.shapes import _as_tensors, cat
from deltanet.autograd.tensor import Tensor


def column_stack(tensors: Any) -> Tensor:
    r"""Tensors joined as columns: 0-d and 1-D tensors of $n$ elements become $(n, 1)$ columns, the
    others are joined as they are along axis 1.

    Args:
        tensors: a non-empty sequence of tensors with equal numbers of rows.

    Examples:
        >>> import deltanet as dn
        >>> dn.column_stack([dn.tensor([1, 2]), dn.tensor([3, 4])]).tolist()
        [[1, 3], [2, 4]]
    """
    ts = _as_tensors(tensors, "column_stack")
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in ts], dim=1)


def row_stack(tensors: Any) -> Tensor:
    r"""Tensors joined as rows, one below the other: ``vstack`` under its other name.

    Args:
        tensors: a non-empty sequence of tensors.

    Examples:
        >>> import deltanet as dn
        >>> dn.row_stack([dn.tensor([1, 2]), dn.tensor([3, 4])]).tolist()
        [[1, 2], [3, 4]]
    """
    return vstack(_as_tensors(tensors, "row_stack"))


def dstack(tensors: Any) -> Tensor:
    r"""Tensors joined along their depth, axis 2, after ``atleast_3d``: two $(m, n)$ images become
    one $(m, n, 2)$.

    Args:
        tensors: a non-empty sequence of tensors.

    Examples:
        >>> import deltanet as dn
        >>> dn.dstack([dn.zeros(2, 3), dn.ones(2, 3)]).shape
        (2, 3, 2)
    """
    return cat([atleast_3d(_tensor(t)) for t in _as_tensors(tensors, "dstack")], dim=2)
