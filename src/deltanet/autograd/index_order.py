r"""PyTorch's order of an index that mixes integers with advanced indices (``t[0, :, [1, 3]]``).

NumPy counts an integer as an advanced index when the index has another one: in
``c[0, :, [1, 3]]`` the two are separated by a slice, so NumPy puts the advanced axis first and
gives shape ``(2, 3)`` for ``c`` of shape ``(2, 3, 4)``. PyTorch selects the integer axes first
(a view, as ``select``) and applies NumPy's rule to what is left, ``[:, [1, 3]]``, which gives
``(3, 2)``. `split_integers` writes such an index as those two steps, so that indexing and
item assignment give PyTorch's shape; an index without both kinds is left to NumPy as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _is_integer(part: Any) -> bool:
    """An integer position: a Python or NumPy integer, or a 0-d integer array (PyTorch treats a
    0-d integer tensor as the integer it holds)."""
    if isinstance(part, (bool, np.bool_)):
        return False
    if isinstance(part, (int, np.integer)):
        return True
    return isinstance(part, np.ndarray) and part.ndim == 0 and part.dtype.kind in "iu"


def _is_advanced(part: Any) -> bool:
    """A sequence or an array of one or more axes (integer positions or a boolean mask)."""
    return isinstance(part, (list, tuple)) or (isinstance(part, np.ndarray) and part.ndim > 0)


def split_integers(index: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """``(first, second)`` such that ``x[first][second]`` is PyTorch's ``x[index]``, where
    ``index`` mixes integers with advanced indices; None where NumPy's ``x[index]`` already is.

    ``first`` holds the integers, slices, None and Ellipsis (a basic index: a view); ``second``
    holds the advanced indices at the axes that are left, full slices elsewhere.

    Args:
        index: an index with tensors already replaced by their arrays.
    """
    if not isinstance(index, tuple):
        return None
    if any(
        isinstance(p, (bool, np.bool_)) or (isinstance(p, np.ndarray) and p.ndim == 0 and p.dtype == bool)
        for p in index
    ):
        return None  # a boolean scalar adds an axis under NumPy's and PyTorch's rules alike
    if not (any(_is_integer(p) for p in index) and any(_is_advanced(p) for p in index)):
        return None
    first: list[Any] = []
    second: list[Any] = []
    for part in index:
        if _is_integer(part):
            first.append(int(part))
        elif _is_advanced(part):
            array = np.asarray(part)
            axes = array.ndim if array.dtype == bool else 1
            first.extend([slice(None)] * axes)
            second.append(part)
        elif part is None:
            first.append(None)
            second.append(slice(None))
        elif part is Ellipsis:
            first.append(Ellipsis)
            second.append(Ellipsis)
        else:  # a slice
            first.append(part)
            second.append(slice(None))
    return tuple(first), tuple(second)
