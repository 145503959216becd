r"""Which of several tied values PyTorch's CPU ``topk`` returns, so that pruning chooses PyTorch's
units also on ties.

``torch.topk`` on the CPU puts (value, index) pairs in a vector and calls the C++ standard
library with a comparator on the values alone: ``std::partial_sort`` where $64 k \le n$, else
``std::nth_element``. Among values tied at the threshold, which indices end in the first $k$
places depends on those algorithms' steps; this file replays libstdc++'s (GCC's, which Linux
builds of PyTorch use): introselect with a median-of-three pivot and an insertion sort of the
last three or fewer, and heap selection. A macOS build (libc++) may choose other tied indices.

The replay runs in Python, so ``topk_indices`` (``deltanet.nn.pruning``) calls it only where a
tie straddles the threshold; elsewhere the $k$ values are determined by the values alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Pair = tuple[float, int]


def _comparator(largest: bool) -> Callable[[Pair, Pair], bool]:
    """PyTorch's: NaN counts as the largest value, the index is not compared."""
    if largest:
        return lambda x, y: (math.isnan(x[0]) and not math.isnan(y[0])) or x[0] > y[0]
    return lambda x, y: (not math.isnan(x[0]) and math.isnan(y[0])) or x[0] < y[0]


def _adjust_heap(q: list[Pair], first: int, hole: int, length: int, value: Pair, comp: Callable) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if comp(q[first + child], q[first + child - 1]):
            child -= 1
        q[first + hole] = q[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[first + hole] = q[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and comp(q[first + parent], value):
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _heap_select(q: list[Pair], first: int, middle: int, last: int, comp: Callable) -> None:
    length = middle - first
    if length >= 2:
        parent = (length - 2) // 2
        while True:
            _adjust_heap(q, first, parent, length, q[first + parent], comp)
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if comp(q[i], q[first]):
            value = q[i]
            q[i] = q[first]
            _adjust_heap(q, first, 0, length, value, comp)


def _insertion_sort(q: list[Pair], first: int, last: int, comp: Callable) -> None:
    for i in range(first + 1, last):
        value = q[i]
        if comp(value, q[first]):
            q[first + 1 : i + 1] = q[first:i]
            q[first] = value
        else:
            j = i
            while comp(value, q[j - 1]):
                q[j] = q[j - 1]
                j -= 1
            q[j] = value


def _median_to_first(q: list[Pair], result: int, a: int, b: int, c: int, comp: Callable) -> None:
    if comp(q[a], q[b]):
        pick = b if comp(q[b], q[c]) else c if comp(q[a], q[c]) else a
    else:
        pick = a if comp(q[a], q[c]) else c if comp(q[b], q[c]) else b
    q[result], q[pick] = q[pick], q[result]


def _partition(q: list[Pair], first: int, last: int, pivot: int, comp: Callable) -> int:
    while True:
        while comp(q[first], q[pivot]):
            first += 1
        last -= 1
        while comp(q[pivot], q[last]):
            last -= 1
        if not first < last:
            return first
        q[first], q[last] = q[last], q[first]
        first += 1


def _nth_element(q: list[Pair], nth: int, comp: Callable) -> None:
    first, last = 0, len(q)
    depth = 2 * (len(q).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last, comp)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        _median_to_first(q, first, first + 1, first + (last - first) // 2, last - 1, comp)
        cut = _partition(q, first + 1, last, first, comp)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last, comp)


def torch_topk_set(values: list[float], k: int, largest: bool) -> list[int]:
    """The indices of the ``k`` values that PyTorch's CPU ``topk`` returns (as a set, in no order).

    Args:
        values: the flat values, in order.
        k: how many (1 to ``len(values)``).
        largest: the largest ``k`` (else the smallest).

    Examples:
        >>> from deltanet.nn.topk_ties import torch_topk_set
        >>> sorted(torch_topk_set([1.0] * 10, 3, largest=False))
        [6, 7, 8]
    """
    comp = _comparator(largest)
    q: list[Pair] = [(v, i) for i, v in enumerate(values)]
    if k * 64 <= len(q):
        _heap_select(q, 0, k, len(q), comp)
    else:
        _nth_element(q, k - 1, comp)
    return [i for _, i in q[:k]]
