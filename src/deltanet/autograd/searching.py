r"""Where values fall among others, with PyTorch's names: ``searchsorted``, ``bucketize`` and ``isin``
(intensity binning, label lookup). The results are indices or masks: no gradient.

``searchsorted(sorted_sequence, values)`` gives, for each value $v$, the index $i$ with
$s_{i-1} < v \le s_i$ (``right=False``) or $s_{i-1} \le v < s_i$ (``right=True``); ``bucketize`` is
the same search with the arguments the other way round and a 1-D ``boundaries``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.tensor import Tensor, leaf


def _side(right: Any, side: Any, owner: str) -> Literal["left", "right"]:
    check.flag(right, "right", owner)
    if side is None:
        return "right" if right else "left"
    check.one_of(side, "side", ("left", "right"), owner)
    if right and side == "left":
        raise ValueError(f"{owner}: side='left' contradicts right=True; give one of them")
    return "right" if side == "right" else "left"


def _indices(found: np.ndarray, out_int32: Any, owner: str) -> Tensor:
    check.flag(out_int32, "out_int32", owner)
    return leaf(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def searchsorted(
    sorted_sequence: Any,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: Any = None,
    sorter: Any = None,
) -> Tensor:
    r"""For each value of ``input``, the index in ``sorted_sequence`` (sorted along its last axis) where it
    would be inserted to keep the order: $i$ with $s_{i-1} < v \le s_i$, or $s_{i-1} \le v < s_i$ with
    ``right=True``.

    A 1-D ``sorted_sequence`` serves every value; an N-D one has one sorted row per row of ``input``
    (the leading axes must be equal).

    Args:
        sorted_sequence: a tensor sorted ascending along its last axis (or unsorted, with ``sorter``).
        input: the values: a tensor or a number.
        out_int32: give int32 indices instead of int64.
        right: the last suitable index instead of the first.
        side: ``"left"`` or ``"right"``, the same choice as ``right`` (NumPy's spelling).
        sorter: None, or int64 indices that sort ``sorted_sequence`` along its last axis.

    Examples:
        >>> import deltanet as dn
        >>> edges = dn.tensor([1.0, 3.0, 5.0, 7.0])
        >>> dn.searchsorted(edges, dn.tensor([3.0, 6.0, 9.0])).tolist()
        [1, 3, 4]
        >>> dn.searchsorted(edges, dn.tensor([3.0, 6.0, 9.0]), right=True).tolist()
        [2, 3, 4]
    """
    where = _side(right, side, "searchsorted")
    seq = _tensor(sorted_sequence).array
    scalar = not isinstance(input, (Tensor, np.ndarray, list, tuple))
    values = np.asarray(input) if scalar else _tensor(input).array
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least one axis, got a 0-d tensor")
    if sorter is not None:
        order = _tensor(sorter).array
        if order.shape != seq.shape or order.dtype.kind not in "iu":
            raise ValueError(f"searchsorted: sorter must be integer indices of shape {seq.shape}, got {order.shape}")
        seq = np.take_along_axis(seq, order.astype(np.intp), axis=-1)
    nan = _has_nan(seq) or _has_nan(values)
    if seq.ndim == 1:
        if nan:
            found = _bisect(seq.reshape(1, -1), values.reshape(1, -1), where == "right").reshape(values.shape)
            return _indices(found, out_int32, "searchsorted")
        return _indices(np.searchsorted(seq, values, side=where), out_int32, "searchsorted")
    if scalar or values.shape[:-1] != seq.shape[:-1]:
        raise ValueError(
            "searchsorted: an N-D sorted_sequence needs input with the same leading axes, got "
            f"{seq.shape} and {values.shape}"
        )
    lead = math.prod(seq.shape[:-1])  # not -1: NumPy cannot infer it when the last axis is empty
    rows, last = seq.reshape(lead, seq.shape[-1]), values.reshape(lead, values.shape[-1])
    if nan or not lead:
        found = _bisect(rows, last, where == "right")
    else:
        found = np.stack([np.searchsorted(r, v, side=where) for r, v in zip(rows, last, strict=True)])
    return _indices(found.reshape(values.shape), out_int32, "searchsorted")


def _has_nan(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" and bool(np.isnan(a).any())


def _bisect(rows: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """PyTorch's binary search, step for step, for every value of ``values[r]`` in ``rows[r]`` at
    once: with NaN in either, the answer depends on the path the search takes (a NaN compares
    false, so the search moves right past it, and a NaN value lands after everything), which
    NumPy's search, sorting NaN last, does not reproduce."""
    n = rows.shape[-1]
    start = np.zeros(values.shape, dtype=np.int64)
    end = np.full(values.shape, n, dtype=np.int64)
    row = np.arange(rows.shape[0])[:, None]
    while True:
        active = start < end
        if not active.any():
            return start
        mid = start + ((end - start) >> 1)
        s_mid = rows[row, np.minimum(mid, n - 1)]
        onward = ~(s_mid > values) if right else ~(s_mid >= values)
        start = np.where(active & onward, mid + 1, start)
        end = np.where(active & ~onward, mid, end)


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    r"""The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: $i$ with
    $b_{i-1} < x \le b_i$, or $b_{i-1} \le x < b_i$ with ``right=True`` (0 below all, ``len(boundaries)``
    above all).

    Args:
        input: a tensor or a number.
        boundaries: a 1-D tensor sorted ascending.
        out_int32: give int32 indices instead of int64.
        right: close the buckets on the left instead of the right.

    Examples:
        >>> import deltanet as dn
        >>> dn.bucketize(dn.tensor([0.5, 1.0, 2.5]), dn.tensor([1.0, 2.0])).tolist()
        [0, 0, 2]
    """
    edges = _tensor(boundaries)
    if edges.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {edges.shape}")
    return searchsorted(edges, input, out_int32=out_int32, right=right)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    r"""A bool tensor of the shape of ``elements``: True where the element is one of ``test_elements``.

    Args:
        elements: a tensor (or a number).
        test_elements: a tensor of values (or a number).
        assume_unique: accepted for PyTorch's signature (a hint to go faster; the result is the same).
        invert: True where the element is *not* among them.

    Examples:
        >>> import deltanet as dn
        >>> labels = dn.tensor([[0, 3], [5, 1]])
        >>> dn.isin(labels, dn.tensor([1, 3])).tolist()
        [[False, True], [False, True]]
    """
    check.flag(assume_unique, "assume_unique", "isin")
    check.flag(invert, "invert", "isin")
    x = elements.array if isinstance(elements, Tensor) else np.asarray(elements)
    test = test_elements.array if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return leaf(np.asarray(np.isin(x, test, invert=bool(invert))))
