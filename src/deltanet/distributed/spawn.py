"""``torch.multiprocessing.spawn`` for a script started by ``mpiexec``: each rank runs ``fn(rank, *args)``.

PyTorch's DDP tutorial starts its ranks from Python:
``mp.spawn(demo_basic, args=(world_size,), nprocs=world_size)``. deltanet's ranks are the
processes of an MPI job, started by the launcher, so under ``mpiexec -n N python script.py`` the
same line makes each of the N processes call ``fn(rank, *args)`` with its own MPI rank, which is
what PyTorch's N children would do. Started without a launcher, ``nprocs=1`` calls ``fn(0, *args)``
here, and any other ``nprocs`` raises an error that gives the ``mpiexec`` line to use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltanet import _checks as check
from deltanet.distributed import mpi


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> None:
    """Run ``fn(rank, *args)`` on each of the ``nprocs`` ranks of the MPI job (see the module docstring).

    Args:
        fn: the function each rank runs; its first argument is the rank.
        args: the other arguments of ``fn``.
        nprocs: the number of ranks: the job's size under ``mpiexec -n nprocs``, or 1 without a launcher.
        join: must be True (each rank returns when its ``fn`` has returned).
        daemon: accepted and unused.
        start_method: accepted and unused (no process is started).

    Raises:
        ValueError: ``nprocs`` is not the number of ranks the launcher started, or ``join=False``.

    Examples:
        >>> import deltanet.multiprocessing as mp
        >>> mp.spawn(lambda rank, word: print(rank, word), args=("alone",), nprocs=1)
        0 alone
    """
    if not callable(fn):
        raise TypeError(f"spawn: fn must be callable, got {type(fn).__name__}")
    nprocs = check.integer(nprocs, "nprocs", "spawn", low=1)
    if not check.flag(join, "join", "spawn"):
        raise ValueError("spawn: join=False is not supported: each MPI rank runs fn itself and returns when it is done")
    size = mpi.launched_size()
    if size == 1 and nprocs == 1:
        fn(0, *args)
        return
    if size != nprocs:
        raise ValueError(
            f"spawn(nprocs={nprocs}): deltanet starts no processes; its ranks are those of an MPI job, and this "
            f"process is one of {size}. Run the script as mpiexec -n {nprocs} python script.py: each rank then "
            f"calls fn(rank, *args) once"
        )
    fn(int(mpi.load().COMM_WORLD.Get_rank()), *args)
