"""``all_gather_object`` and ``broadcast_object_list``: Python values between the ranks, as JSON.

PyTorch pickles the objects; deltanet never uses pickle (a pickle can run code when it is read),
so the objects travel as JSON text. That covers what scripts send this way (metrics, counts,
file names, lists and dicts of them); anything JSON would change (a tuple that would come back a
list, a dict with integer keys, a NumPy array, a Tensor) is refused with a ``TypeError`` on the
sending rank before anything is sent, rather than arriving changed. For Tensors use
``all_gather`` and ``broadcast``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from deltanet.distributed.process_group import _world


def _same(a: Any, b: Any) -> bool:
    """Whether ``b`` (read back from JSON) is ``a``, type for type (``==`` says ``1 == 1.0`` and ``(1,) != [1]``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _encode(value: Any, owner: str) -> bytes:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{owner}: deltanet sends objects as JSON (never pickle) and cannot send {type(value).__name__} "
            f"({error}); send numbers, strings, lists and dicts with string keys, or Tensors with "
            f"all_gather/broadcast"
        ) from None
    if not _same(value, json.loads(text)):
        raise TypeError(
            f"{owner}: {value!r} would arrive changed as JSON (a tuple becomes a list, integer dict keys become "
            f"strings); deltanet sends objects as JSON, never pickle: send lists and dicts with string keys"
        )
    return text.encode("utf-8")


def _gather_bytes(world: Any, data: bytes) -> list[bytes]:
    counts = np.zeros(world.size, dtype=np.int64)
    world.comm.Allgather(np.array([len(data)], dtype=np.int64), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gathered = np.empty(int(counts.sum()), dtype=np.uint8)
    mine = np.frombuffer(data, dtype=np.uint8)
    world.comm.Allgatherv(mine, [gathered, (counts.tolist(), offsets.tolist()), world.MPI.BYTE])
    return [gathered[o : o + c].tobytes() for o, c in zip(offsets.tolist(), counts.tolist(), strict=True)]


def all_gather_object(object_list: list[Any], obj: Any, group: Any = None) -> None:
    """Every rank's ``obj``, written into ``object_list[r]`` for each rank ``r``, on every rank.

    Args:
        object_list: a list of ``W`` items (any), overwritten.
        obj: this rank's value (JSON: numbers, strings, None, booleans, lists, dicts with string keys).
        group: None or ``dist.group.WORLD``.

    Raises:
        ValueError: the default group is not initialized, or ``object_list`` is not of length ``W``.
        TypeError: ``obj`` cannot travel as JSON unchanged.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.all_gather_object.__name__
        'all_gather_object'
    """
    world = _world("all_gather_object", group)
    if not isinstance(object_list, list) or len(object_list) != world.size:
        raise ValueError(f"all_gather_object: object_list must be a list of {world.size} items, got {object_list!r}")
    data = _encode(obj, "all_gather_object")
    for r, part in enumerate(_gather_bytes(world, data)):
        object_list[r] = json.loads(part)


def broadcast_object_list(object_list: list[Any], src: int = 0, group: Any = None, device: Any = None) -> None:
    """Overwrite ``object_list`` on every rank with rank ``src``'s items (the same length on every rank).

    Args:
        object_list: rank ``src``'s values to send (JSON, as for ``all_gather_object``); the other
            ranks' are overwritten.
        src: the rank that sends.
        group: None or ``dist.group.WORLD``.
        device: None or a CPU device.

    Raises:
        ValueError: the default group is not initialized, or ``src`` is not a rank.
        TypeError: an item cannot travel as JSON unchanged.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.broadcast_object_list.__name__
        'broadcast_object_list'
    """
    world = _world("broadcast_object_list", group)
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= int(src) < world.size:
        raise ValueError(f"broadcast_object_list: src must be a rank from 0 to {world.size - 1}, got {src!r}")
    if not isinstance(object_list, list):
        raise ValueError(f"broadcast_object_list: object_list must be a list, got {type(object_list).__name__}")
    data = _encode(object_list, "broadcast_object_list") if world.rank == int(src) else b""
    size = np.array([len(data)], dtype=np.int64)
    world.comm.Bcast(size, root=int(src))
    buffer = np.frombuffer(data, dtype=np.uint8).copy() if data else np.empty(int(size[0]), dtype=np.uint8)
    world.comm.Bcast(buffer, root=int(src))
    received = json.loads(buffer.tobytes())
    if len(received) != len(object_list):
        raise ValueError(
            f"broadcast_object_list: rank {src} sent {len(received)} items, this rank's list has {len(object_list)}; "
            f"give every rank a list of the same length"
        )
    object_list[:] = received
