"""``torch.nn.modules.utils``: ``_single``, ``_pair``, ``_triple``, ``_quadruple`` and ``_ntuple``.

Custom layers written for PyTorch turn an int-or-tuple argument into a tuple with these
(``self.kernel_size = _pair(kernel_size)``). As in PyTorch, an iterable becomes a tuple of its
items, unchecked, and anything else is repeated $n$ times.

Examples:
    >>> from deltanet.nn.modules.utils import _pair, _triple
    >>> _pair(3), _pair((1, 2)), _triple(0)
    ((3, 3), (1, 2), (0, 0, 0))
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable
from itertools import repeat
from typing import Any


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple[Any, ...]]:
    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    """``t`` reversed, each item repeated ``n`` times: ``(1, 2), 2`` gives ``(2, 2, 1, 1)`` (F.pad's order)."""
    return tuple(x for x in reversed(t) for _ in range(n))
