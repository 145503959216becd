"""A failure on one rank stops every rank, with that rank's error shown: no job left hanging.

Collective operations wait for every rank. A rank that raises and leaves (or returns to a
``try``/``except`` around ``fit``) would leave the others waiting in their next ``Allreduce``
forever, so a distributed run turns an error on one rank into ``MPI_Abort``: the rank prints
its traceback (with its rank), and the launcher ends the whole job with a non-zero status.

A rank that dies without a word (``kill -9``, the out-of-memory killer, a crash in C) needs no
help here: the launcher sees the process end without ``MPI_Finalize`` and ends the job (MPICH's
Hydra: "BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES"; Open MPI's ``mpirun`` and Slurm's
``srun`` do the same).
"""

from __future__ import annotations

import contextlib
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

# Exit status of a job stopped by an error on one rank; 130 for Ctrl-C, as a shell reports it.
ERROR_STATUS = 1
INTERRUPT_STATUS = 130


def describe_traceback(error: BaseException) -> str:
    """The error's full traceback, as Python prints it."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()


#: Seconds between writing a failing rank's message and ``MPI_Abort``. The launcher forwards each
#: rank's output on its own time, and the abort tears the job down at once: a traceback written
#: just before it was lost in one CI run (only the line before it arrived).
FORWARD_SECONDS = 0.2


def _say_and_abort(comm: Any, rank: int, size: int, text: str, status: int) -> None:
    say(f"deltanet.distributed: rank {rank} of {size} failed; stopping all {size} ranks.\n{text}")
    comm.Abort(status)


def say(text: str) -> None:
    """Write ``text`` to stderr in one piece, then ``settle()``: what a rank says before an abort."""
    sys.stderr.write(text + "\n")
    settle()


def settle() -> None:
    """Flush stderr and stdout and give the launcher ``FORWARD_SECONDS`` to pass them on."""
    sys.stderr.flush()
    sys.stdout.flush()
    time.sleep(FORWARD_SECONDS)


@contextlib.contextmanager
def abort_on_error(
    comm: Any,
    rank: int,
    size: int,
    passing: tuple[type[BaseException], ...] = (),
    describe: Callable[[BaseException], str] = describe_traceback,
) -> Iterator[None]:
    """Inside the block, an exception on this rank prints it and aborts every rank of ``comm``.

    Args:
        comm: the ``mpi4py`` communicator of the job.
        rank: this process's rank, for the message.
        size: the number of ranks, for the message.
        passing: exception types that every rank raises together (``TrainingDivergedError``,
            raised after the all-reduce that made every rank see the same NaN): they propagate
            as usual, so that ``try``/``except`` and ``TerminateOnNaN`` work as on one process.
        describe: the text shown for an error (default: its traceback).

    Examples:
        >>> from deltanet.distributed.failure import abort_on_error
        >>> class OneRank:  # a stand-in communicator; a real one is mpi4py.MPI.COMM_WORLD
        ...     def Abort(self, status): print("abort", status)
        >>> with abort_on_error(OneRank(), 0, 1):
        ...     pass
    """
    try:
        yield
    except passing:
        raise
    except SystemExit as error:
        if error.code in (0, None):
            raise
        _say_and_abort(comm, rank, size, describe(error), ERROR_STATUS)
        raise
    except KeyboardInterrupt as error:
        _say_and_abort(comm, rank, size, describe(error), INTERRUPT_STATUS)
        raise
    except BaseException as error:
        _say_and_abort(comm, rank, size, describe(error), ERROR_STATUS)
        raise


_installed: list[Any] = []


def install_excepthook(comm: Any, rank: int, size: int) -> None:
    """Make an exception that nothing catches abort the job (once per process).

    The traceback is printed as Python prints it (after a line naming the rank; through the
    previous ``sys.excepthook`` when one was installed), then ``MPI_Abort`` ends every rank.
    Without it, a rank that dies of an uncaught exception exits normally and leaves the others
    waiting in a collective (the same as ``python -m mpi4py script.py`` does).

    Args:
        comm: the job's communicator.
        rank: this process's rank.
        size: the number of ranks.
    """
    if _installed:
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if previous is sys.__excepthook__:  # Python's own: its traceback, written with the line in one piece
            text = "".join(traceback.format_exception(kind, value, tb)).rstrip()
            say(f"deltanet.distributed: uncaught {kind.__name__} on rank {rank} of {size}:\n{text}")
        else:  # another hook (IPython's, a logger's) prints it its own way
            say(f"deltanet.distributed: uncaught {kind.__name__} on rank {rank} of {size}:")
            previous(kind, value, tb)
            settle()
        comm.Abort(INTERRUPT_STATUS if issubclass(kind, KeyboardInterrupt) else ERROR_STATUS)

    sys.excepthook = hook
    _installed.append(hook)
