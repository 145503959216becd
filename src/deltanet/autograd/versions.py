"""Numbering and version counters: how ``backward()`` notices that an in-place operation changed an
array that a recorded function saved.

One counter numbers both the recorded functions (``Function.seq``, a topological order) and the
in-place edits, so "edited after the function was recorded" is one comparison of two numbers.

A tensor and its views share one ``Version`` (as in PyTorch: they share memory). Every in-place
operation bumps it and stamps it with the current number. A function that saved an array of that
memory and was recorded before the last stamp sees stale data: ``backward()`` refuses to use it and
reports the version it expected, computed from the stamps it kept.

The engine pays for none of this while no in-place edit happened after the oldest function of the
graph it walks (``last_edit()``), which is every ordinary training step.
"""

from __future__ import annotations

import weakref
from collections import deque
from itertools import count
from typing import Any

# Functions and in-place edits in the order they happened; a function's inputs always come from
# functions numbered before it.
sequence = count()


class _Clock:
    """Holds the number of the latest in-place edit, read by the engine as ``Clock.last_edit`` (an
    attribute, not a call, on the path of every ``backward()``).

    One instance with a slot, not a class attribute: writing a class attribute invalidates the
    interpreter's attribute caches of the class and costs about 1,400 instructions, which every
    optimizer step pays.
    """

    __slots__ = ("last_edit",)

    def __init__(self) -> None:
        self.last_edit = -1  # the number of the latest in-place edit of any tensor


Clock = _Clock()


class Version:
    """The version counter of one piece of memory, shared by a tensor and its views.

    ``count`` is the number of in-place edits (PyTorch's ``t._version``); ``stamps`` keeps the
    numbers of the most recent ones (None before the first), enough to say which version a
    function saw.
    """

    __slots__ = ("count", "stamps", "maker", "views", "reassigned")
    KEPT = 32

    def __init__(self, maker: Any = None) -> None:
        self.count = 0
        self.stamps: deque[int] | None = None
        # The function that made this memory's values (weakly: a detached copy kept for a report
        # must not keep a whole graph alive); an in-place edit through any tensor sharing the
        # memory makes its saved output stale.
        self.maker = None if maker is None else weakref.ref(maker)
        # The live views of this memory's base, whose history is remade when the base gets a new one
        # (by id: tensors compare elementwise, so they cannot be set members).
        self.views: dict[int, weakref.ref[Any]] | None = None
        # (number, tensor, array, how) for each ``t.data = other`` or ``t.set_(other)`` of a tensor
        # with this counter: the array it held before (weakly, both), which a function recorded
        # earlier may have saved.
        self.reassigned: list[tuple[int, weakref.ref[Any], weakref.ref[Any], str]] | None = None

    def add_view(self, view: Any) -> None:
        """Remember a view of this memory (weakly), to remake its history if the base's changes."""
        views = self.views
        if views is None:
            views = self.views = {}
        key = id(view)
        if key not in views:
            views[key] = weakref.ref(view, _forget(views, key))

    def live_views(self) -> list[Any]:
        """The views remembered that still exist."""
        if not self.views:
            return []
        return [v for v in (ref() for ref in list(self.views.values())) if v is not None]

    def bump(self) -> int:
        """Record one in-place edit now; return its number."""
        stamp = Clock.last_edit = next(sequence)
        self.count += 1
        stamps = self.stamps
        if stamps is None:
            self.stamps = deque((stamp,), self.KEPT)
        else:
            stamps.append(stamp)  # the oldest falls out beyond KEPT
        return stamp

    def reassign(self, tensor: Any, old: Any, how: str = "`.data = ...`") -> None:
        """Record that ``tensor`` (of this counter) was given new memory now (``tensor.data = other``,
        or ``how``), replacing the array ``old``; the count is unchanged, as PyTorch's ``_version`` is."""
        stamp = Clock.last_edit = next(sequence)
        entry = (stamp, weakref.ref(tensor), weakref.ref(old), how)
        kept = [e for e in self.reassigned or () if e[1]() is not None and e[2]() is not None]
        self.reassigned = (kept + [entry])[-self.KEPT :]

    def edited_after(self, seq: int) -> bool:
        """Whether an in-place edit happened after the function numbered ``seq`` was recorded."""
        return self.stamps is not None and self.stamps[-1] > seq

    def at(self, seq: int) -> int | None:
        """The version the function numbered ``seq`` saw (None when too many edits happened since)."""
        stamps = self.stamps
        if stamps is None:
            return self.count  # never edited: 0
        later = sum(1 for s in stamps if s > seq)
        if later == len(stamps) and self.count > len(stamps):
            return None  # the stamps kept do not reach back that far
        return self.count - later


def _forget(views: dict[int, Any], key: int) -> Any:
    """The callback that drops a view from ``views`` when it is garbage-collected."""

    def forget(_: Any) -> None:
        views.pop(key, None)

    return forget


def last_edit() -> int:
    """The number of the latest in-place edit of any tensor (-1 before the first)."""
    return Clock.last_edit
