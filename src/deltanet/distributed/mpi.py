"""MPI itself: ``mpi4py`` imported on first use, and how a launcher announces a job of several ranks.

``import deltanet`` never imports ``mpi4py``: importing ``mpi4py.MPI`` starts MPI (``MPI_Init``),
which has no business in a program that trains on one machine. ``deltanet[mpi]`` installs it
with MPICH from the package index (``pip install "deltanet[mpi]"``); on a cluster, build
``mpi4py`` against the cluster's own MPI instead (``pip install --no-binary mpi4py mpi4py`` with
that MPI's ``mpicc`` on the ``PATH``), so that it uses the fast network, in an environment without
the ``mpich`` package (its ``mpi.h`` and ``libmpi.so`` would be found first).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

INSTALL = (
    'pip install "deltanet[mpi]" (mpi4py with MPICH), or on a cluster pip install mpi4py built '
    "against the cluster's MPI (module load an MPI first)"
)

# What each launcher puts in every rank's environment: MPICH's Hydra and Intel MPI (PMI_SIZE),
# Open MPI (OMPI_COMM_WORLD_SIZE), MVAPICH (MV2_COMM_WORLD_SIZE). Slurm's srun with PMIx sets
# PMIX_RANK but no size that belongs to MPI; the world is then asked for.
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_RANK_ONLY_VARIABLES = ("PMIX_RANK",)


def load() -> Any:
    """The ``mpi4py.MPI`` module (starting MPI on the first call).

    Returns:
        ``mpi4py.MPI``.

    Raises:
        ImportError: mpi4py (or the MPI library it needs) is not installed; the message names the
            install.

    Examples:
        >>> from deltanet.distributed.mpi import INSTALL
        >>> "deltanet[mpi]" in INSTALL
        True
    """
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(f"deltanet.distributed needs mpi4py and an MPI library ({error}): {INSTALL}") from None
    return MPI


def launched_size() -> int:
    """The number of ranks a launcher (``mpiexec``, ``mpirun``, ``srun``) started, read from the
    environment it sets; 1 for a program started on its own.

    Returns:
        The world size the launcher announced, without starting MPI where the environment tells it.

    Examples:
        >>> import os
        >>> from deltanet.distributed.mpi import launched_size
        >>> launched_size() >= 1
        True
    """
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    if any(name in os.environ for name in _RANK_ONLY_VARIABLES):
        return int(load().COMM_WORLD.Get_size())
    return 1


def announced_size() -> int:
    """The number of ranks a launcher wrote into the environment (1 when none did); starts nothing.

    Unlike ``launched_size``, it never starts MPI to ask (so Slurm's ``srun`` with PMIx alone,
    which announces no size, gives 1).

    Examples:
        >>> from deltanet.distributed.mpi import announced_size
        >>> announced_size() >= 1
        True
    """
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return 1


def warn_if_launched(owner: str) -> None:
    """Warn that a launcher started several ranks but ``owner`` runs on this one alone.

    A script started with ``mpiexec -n 4`` that never calls ``deltanet.distributed.init()``
    trains the whole run four times, each rank writing the same files: almost always a
    forgotten line, so ``fit`` and ``sweep`` say so (``distributed=False`` silences it).

    Args:
        owner: the function that trains (``"fit"``, ``"sweep"``), for the message.

    Examples:
        >>> from deltanet.distributed.mpi import warn_if_launched
        >>> warn_if_launched("fit")  # started without a launcher: nothing to say
    """
    size = announced_size()
    if size > 1:
        warnings.warn(
            f"{owner}: this process is one of {size} ranks started by an MPI launcher (mpiexec, srun), but "
            f"data-parallel training is off, so every rank trains the whole run alone (and writes the same "
            f"files); call dn.distributed.init() first or pass distributed=True, or pass distributed=False to "
            f"train on each rank alone on purpose",
            UserWarning,
            stacklevel=4,
        )
