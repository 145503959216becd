"""``World``: the ranks of one job and the few collective operations deltanet needs, on NumPy buffers.

Every operation uses mpi4py's buffer methods (``Allreduce``, ``Bcast``, ``Allgatherv``: the
capitalized ones) on contiguous NumPy arrays: no pickle goes over the wire, and the sums are
MPI's own. Small structured values (the random states a checkpoint keeps per rank) travel as
JSON bytes.

``init()`` starts MPI and returns the job's ``World`` (the same one on every later call);
``get_rank()`` and ``get_world_size()`` answer 0 and 1 in a program that never called it, as
``torch.distributed`` would after ``init_process_group``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.distributed import mpi
from deltanet.distributed.failure import abort_on_error, install_excepthook
from deltanet.distributed.sharding import shard


class World:
    """The ranks of an MPI job (``MPI.COMM_WORLD``), as ``fit`` and ``sweep`` use them.

    Args:
        comm: an ``mpi4py`` communicator.
        MPI: the ``mpi4py.MPI`` module (its ``IN_PLACE``, ``SUM``, ``MAX`` and ``BYTE``).
        check_weights: compare a checksum of every weight and buffer across the ranks before
            each step of ``fit`` and after its last one (a debugging aid: it costs a CRC-32 of the
            model per step).

    Attributes:
        rank: this process's rank, from 0; ``size``: the number of ranks.

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.get_world_size(), dn.distributed.get_rank()  # one process
        (1, 0)
    """

    def __init__(self, comm: Any, MPI: Any, check_weights: bool = False) -> None:
        self.comm, self.MPI = comm, MPI
        self.rank, self.size = int(comm.Get_rank()), int(comm.Get_size())
        self.check_weights = check.flag(check_weights, "check_weights", "distributed.init")

    @property
    def is_root(self) -> bool:
        """Whether this is rank 0, the one that prints and writes files."""
        return self.rank == 0

    # -- collectives on arrays ---------------------------------------------------------------------
    def sum_(self, array: np.ndarray) -> np.ndarray:
        """Sum ``array`` over the ranks, in place (one ``Allreduce`` with ``MPI.IN_PLACE``)."""
        if not array.flags.c_contiguous:
            raise ValueError("World.sum_: the array must be C-contiguous (it is reduced in place)")
        self.comm.Allreduce(self.MPI.IN_PLACE, array, op=self.MPI.SUM)
        return array

    def broadcast_(self, array: np.ndarray, root: int = 0) -> np.ndarray:
        """Overwrite ``array`` on every rank with rank ``root``'s, in place."""
        if not array.flags.c_contiguous:
            raise ValueError("World.broadcast_: the array must be C-contiguous (it is written in place)")
        self.comm.Bcast(array, root=root)
        return array

    def differ(self, values: Any) -> np.ndarray:
        """Which of the integers ``values`` are not the same on every rank (one ``Allreduce``).

        Args:
            values: integers of this rank (sizes, checksums), the same count on every rank.

        Returns:
            A boolean array: True where some rank has another value.
        """
        mine = np.asarray(values, dtype=np.int64).ravel()
        both = np.concatenate([mine, -mine])
        self.comm.Allreduce(self.MPI.IN_PLACE, both, op=self.MPI.MAX)
        highest, lowest = both[: len(mine)], -both[len(mine) :]
        return np.asarray(highest != lowest)

    def decide(self, flag: bool) -> bool:
        """Rank 0's ``flag`` on every rank (for a choice that depends on a clock or a file)."""
        value = np.array([1 if flag else 0], dtype=np.int64)
        return bool(self.broadcast_(value)[0])

    def allgather_json(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (JSON-serializable), in rank order, on every rank."""
        data = np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)
        counts = np.zeros(self.size, dtype=np.int64)
        self.comm.Allgather(np.array([len(data)], dtype=np.int64), counts)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        gathered = np.empty(int(counts.sum()), dtype=np.uint8)
        self.comm.Allgatherv(data, [gathered, (counts.tolist(), offsets.tolist()), self.MPI.BYTE])
        return [json.loads(gathered[o : o + c].tobytes()) for o, c in zip(offsets.tolist(), counts.tolist())]

    def gather_rows(self, n: int, compute: Callable[[int, int], np.ndarray]) -> np.ndarray:
        """Rows 0..n of an array that each rank computes a share of, whole on every rank.

        Rank r computes ``compute(lo, hi)`` for its share ``[lo, hi)`` (``shard``); the shares are
        put together by one sum over the ranks of arrays that are zero outside each rank's rows
        (adding zeros is exact, so each row is bit for bit the one its rank computed).

        Args:
            n: the number of rows.
            compute: ``compute(lo, hi)`` returns rows ``lo`` to ``hi`` (an array with ``hi - lo`` rows).
        """
        lo, hi = shard(n, self.rank, self.size)
        part = compute(lo, hi) if hi > lo else compute(0, 1)[:0]  # a rank without rows still needs the shape
        whole = np.zeros((n, *part.shape[1:]), dtype=part.dtype)
        whole[lo:hi] = part
        return self.sum_(whole)

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        self.comm.Barrier()

    # -- failures ------------------------------------------------------------------------------------
    def abort_on_error(self, passing: tuple[type[BaseException], ...] = (), describe: Any = None) -> Any:
        """A context manager: an exception inside prints this rank's error and aborts the job
        (``deltanet.distributed.failure.abort_on_error``)."""
        if describe is None:
            return abort_on_error(self.comm, self.rank, self.size, passing)
        return abort_on_error(self.comm, self.rank, self.size, passing, describe)

    def __repr__(self) -> str:
        return f"World(rank={self.rank}, size={self.size}, check_weights={self.check_weights})"


def checksums(arrays: list[np.ndarray]) -> np.ndarray:
    """A CRC-32 of each array's bytes, as int64 (for ``World.differ``)."""
    return np.array([zlib.crc32(np.ascontiguousarray(a).data) for a in arrays], dtype=np.int64)


_current: list[World] = []


def init(check_weights: bool = False) -> World:
    """Start MPI (if needed) and return the job's ``World``; ``fit`` then trains data-parallel.

    After ``init()``, ``fit`` and ``sweep`` use every rank of the job (``fit(distributed=False)``
    opts out), and an exception that nothing catches on one rank aborts the whole job instead
    of leaving the others waiting. Under a plain ``python`` (no launcher) the world has one rank
    and ``fit`` trains as always. Calling it again returns the same world (with the new
    ``check_weights``).

    Args:
        check_weights: before every step of ``fit`` (and after its last one), compare a CRC-32 of
            every weight and buffer across the ranks, and raise ``RuntimeError`` naming the first
            one that differs. A debugging aid: the ranks' weights are equal by construction.

    Returns:
        The ``World``.

    Raises:
        ImportError: mpi4py is not installed (the message names the install).

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.is_initialized()
        False
    """
    if _current:
        _current[0].check_weights = check.flag(check_weights, "check_weights", "distributed.init")
        return _current[0]
    MPI = mpi.load()
    world = World(MPI.COMM_WORLD, MPI, check_weights)
    if world.size > 1:
        install_excepthook(world.comm, world.rank, world.size)
    _current.append(world)
    return world


def current() -> World | None:
    """The ``World`` of ``init()``, or None before it."""
    return _current[0] if _current else None


def is_initialized() -> bool:
    """Whether ``init()`` has been called in this process.

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.is_initialized()
        False
    """
    return bool(_current)


def get_rank() -> int:
    """This process's rank (0 before ``init()`` and in a one-process program).

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.get_rank()
        0
    """
    return _current[0].rank if _current else 0


def get_world_size() -> int:
    """The number of ranks of the job (1 before ``init()`` and in a one-process program).

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.get_world_size()
        1
    """
    return _current[0].size if _current else 1


def barrier() -> None:
    """Wait until every rank gets here (nothing to wait for in a one-process program)."""
    if _current:
        _current[0].barrier()
