"""``torch.distributed``'s process group, over MPI: ``init_process_group`` and the questions about it.

A PyTorch DDP script runs under ``mpiexec -n W python train.py`` after renaming the import:

```python
import deltanet.distributed as dist
dist.init_process_group(backend="gloo")   # the ranks are those of the MPI job
rank, world_size = dist.get_rank(), dist.get_world_size()
```

The ranks always come from MPI (``MPI.COMM_WORLD``), whatever the backend and ``init_method``
say: ``"gloo"`` and ``"mpi"`` (or None) are accepted and both mean MPI; ``"nccl"`` (GPUs) is
refused. deltanet starts no processes and opens no sockets of its own, so ``torchrun``'s
environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``) cannot make a job: where it announces
another world than MPI's, ``init_process_group`` says to launch with ``mpiexec`` instead. A
plain ``python train.py`` is a job of one rank.

Differences from PyTorch: ``get_rank()`` and ``get_world_size()`` answer 0 and 1 before
``init_process_group`` (PyTorch raises), as ``fit`` needs; MPI cannot be restarted, so
``destroy_process_group`` forgets the group (``is_initialized()`` is False again and a new
``init_process_group`` works) and MPI ends when the process does.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from deltanet.distributed.world import World, _current, current, init

# The names PyTorch accepts that run here (all over MPI), and those that need hardware deltanet has not.
_BACKENDS = ("gloo", "mpi", "cpu:gloo", "cpu:mpi")
_GPU_BACKENDS = ("nccl", "cuda:nccl", "ucc", "xccl", "hccl", "cpu:gloo,cuda:nccl")
NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class Backend(str):
    """Backend names, as PyTorch spells them (``dist.Backend.GLOO == "gloo"``); GLOO and MPI both run over MPI here.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.Backend.GLOO
        'gloo'
    """

    GLOO = "gloo"
    MPI = "mpi"
    NCCL = "nccl"
    UNDEFINED = "undefined"


_state: dict[str, Any] = {}  # "backend": the name init_process_group was given


class ProcessGroup:
    """The group of every rank of the job (``dist.group.WORLD``); deltanet has no other groups.

    Examples:
        >>> from deltanet.distributed.process_group import ProcessGroup
        >>> ProcessGroup.__name__
        'ProcessGroup'
    """

    def size(self) -> int:
        """The number of ranks."""
        return get_world_size()

    def rank(self) -> int:
        """This process's rank."""
        return get_rank()

    def __repr__(self) -> str:
        return f"ProcessGroup(WORLD, size={get_world_size()})"


class _Group:
    """``dist.group``: ``dist.group.WORLD`` is the default group (None before ``init_process_group``)."""

    @property
    def WORLD(self) -> ProcessGroup | None:
        return _WORLD if current() is not None else None


_WORLD = ProcessGroup()
group = _Group()
GroupMember = group


def is_available() -> bool:
    """Whether distributed training can run here: ``mpi4py`` is installed.

    Examples:
        >>> import deltanet.distributed as dist
        >>> isinstance(dist.is_available(), bool)
        True
    """
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """Whether the ``"mpi"`` backend can run (``mpi4py`` is installed).

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.is_mpi_available() == dist.is_available()
        True
    """
    return is_available()


def is_gloo_available() -> bool:
    """Whether ``backend="gloo"`` can run: it does, over MPI, where ``mpi4py`` is installed.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.is_gloo_available() == dist.is_available()
        True
    """
    return is_available()


def is_nccl_available() -> bool:
    """Always False: deltanet runs on the CPU.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.is_nccl_available()
        False
    """
    return False


def is_torchelastic_launched() -> bool:
    """Always False: deltanet's jobs are started by an MPI launcher, never by ``torchrun``.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.is_torchelastic_launched()
        False
    """
    return False


def _check_backend(backend: Any) -> str:
    if backend is None:
        return "mpi"
    if not isinstance(backend, str):
        raise TypeError(f"init_process_group: backend must be a string such as 'gloo', got {type(backend).__name__}")
    name = backend.lower()
    if name in _GPU_BACKENDS:
        raise ValueError(
            f"init_process_group: backend={backend!r} needs GPUs, and deltanet runs on the CPU; use "
            f"backend='gloo' or 'mpi' (both run over MPI here) and launch with mpiexec -n N python script.py"
        )
    if name not in _BACKENDS:
        raise ValueError(f"init_process_group: backend must be 'gloo', 'mpi' or None, got {backend!r}")
    return name.split(":")[-1]


def _announced(name: str) -> int | None:
    value = os.environ.get(name, "")
    return int(value) if value.strip().lstrip("-").isdigit() else None


def _check_launch(world: World, rank: int, world_size: int) -> None:
    """Refuse a rank or world size (given, or from torchrun's environment) that MPI's job does not have."""
    launch = (
        "deltanet's ranks are the processes of an MPI job: launch the script with mpiexec -n N python "
        "script.py (torchrun and torch.multiprocessing.spawn start processes MPI does not know)"
    )
    for what, given, mpi_value in (("world_size", world_size, world.size), ("rank", rank, world.rank)):
        if given not in (-1, None) and given != mpi_value:
            raise ValueError(
                f"init_process_group: {what}={given}, but MPI gives this process {what} {mpi_value}; {launch}"
            )
    for variable, mpi_value in (("WORLD_SIZE", world.size), ("RANK", world.rank)):
        value = _announced(variable)
        if value is not None and value != mpi_value:
            raise ValueError(
                f"init_process_group: the environment says {variable}={value} (torchrun's), but MPI gives this "
                f"process {mpi_value}; {launch}"
            )


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the job's default process group: every rank of the MPI job that runs this script.

    Call it on every rank, once (as in PyTorch); ``fit`` then trains data-parallel too, as after
    ``deltanet.distributed.init()``. An exception that nothing catches on one rank afterwards
    aborts the whole job instead of leaving the others waiting.

    Args:
        backend: ``"gloo"``, ``"mpi"`` or None (MPI in each case); GPU backends (``"nccl"``) are refused.
        init_method: accepted and unused (``"env://"``, ``"tcp://..."``, ``"file://..."``): MPI's
            launcher connects the ranks.
        timeout: accepted and unused (MPI waits without a limit; a rank that fails aborts the job).
        world_size: -1, or the number of ranks, which must be MPI's.
        rank: -1, or this process's rank, which must be MPI's.
        store: must be None (deltanet has no key-value store; MPI connects the ranks).
        group_name: accepted and unused.
        pg_options: accepted and unused.
        device_id: None or a CPU device (deltanet has no GPUs).

    Raises:
        ValueError: the group is already initialized; a GPU backend; a ``rank``/``world_size``
            (given, or ``RANK``/``WORLD_SIZE`` from torchrun's environment) that differs from MPI's.
        ImportError: mpi4py is not installed (the message names the install).

    Examples:
        >>> import deltanet.distributed as dist
        >>> try:
        ...     dist.init_process_group(backend="nccl")
        ... except ValueError as error:
        ...     print(error)
        init_process_group: backend='nccl' needs GPUs, and deltanet runs on the CPU; ...
    """
    name = _check_backend(backend)
    if "backend" in _state:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise ValueError("init_process_group: store must be None: deltanet connects the ranks with MPI, not a store")
    if device_id is not None and str(getattr(device_id, "type", device_id)) != "cpu":
        raise ValueError(f"init_process_group: device_id={device_id!r}, but deltanet runs on the CPU; leave it out")
    world = init()
    _check_launch(world, rank, world_size)
    _state["backend"] = name if backend is not None else "mpi"


def destroy_process_group(group: Any = None) -> None:
    """Leave the default process group: ``is_initialized()`` is False afterwards.

    MPI itself ends with the process (it cannot be restarted); a later ``init_process_group``
    joins the same job again.

    Args:
        group: None or ``dist.group.WORLD``.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.destroy_process_group()  # nothing to leave: no error, as in PyTorch 2
    """
    _check_group(group, "destroy_process_group")
    _state.clear()
    _current.clear()


def is_initialized() -> bool:
    """Whether this process has joined the default group (``init_process_group`` or ``deltanet.distributed.init``).

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.is_initialized()
        False
    """
    return current() is not None


def get_backend(group: Any = None) -> str:
    """The backend's name as ``init_process_group`` was given it (``"gloo"`` or ``"mpi"``); MPI in both cases.

    Args:
        group: None or ``dist.group.WORLD``.

    Raises:
        ValueError: the default group is not initialized.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.get_backend()
        Traceback (most recent call last):
        ...
        ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    _check_group(group, "get_backend")
    if current() is None:
        raise ValueError(NOT_INITIALIZED)
    return str(_state.get("backend", "mpi"))


def get_rank(group: Any = None) -> int:
    """This process's rank (0 before ``init_process_group`` and in a one-process program).

    Args:
        group: None or ``dist.group.WORLD``.

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.get_rank()
        0
    """
    _check_group(group, "get_rank")
    world = current()
    return world.rank if world is not None else 0


def get_world_size(group: Any = None) -> int:
    """The number of ranks (1 before ``init_process_group`` and in a one-process program).

    Args:
        group: None or ``dist.group.WORLD``.

    Examples:
        >>> import deltanet as dn
        >>> dn.distributed.get_world_size()
        1
    """
    _check_group(group, "get_world_size")
    world = current()
    return world.size if world is not None else 1


def new_group(
    ranks: Any = None, timeout: Any = None, backend: Any = None, pg_options: Any = None, **kwargs: Any
) -> ProcessGroup:
    """A group of ranks: deltanet has only the group of every rank (``ranks`` None or all of them).

    Args:
        ranks: None or every rank of the job.
        timeout: accepted and unused.
        backend: accepted and unused.
        pg_options: accepted and unused.
        **kwargs: PyTorch's other options, accepted and unused.

    Raises:
        ValueError: the default group is not initialized.
        NotImplementedError: a subset of the ranks.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.new_group.__name__
        'new_group'
    """
    world = _world("new_group")
    if ranks is not None and sorted(int(r) for r in ranks) != list(range(world.size)):
        raise NotImplementedError(
            f"new_group(ranks={list(ranks)}): deltanet's collectives run over every rank of the job only; "
            f"give every rank (ranks=None) or run a separate mpiexec job for the subset"
        )
    return _WORLD


def _check_group(given: Any, owner: str) -> None:
    if given is not None and given is not _WORLD:
        raise ValueError(
            f"{owner}: group must be None or dist.group.WORLD (deltanet has no other groups), got {given!r}"
        )


def _world(owner: str, group: Any = None) -> World:
    """The job's ``World``; ``ValueError`` (PyTorch's message) before ``init_process_group``."""
    _check_group(group, owner)
    world = current()
    if world is None:
        raise ValueError(f"{owner}: {NOT_INITIALIZED}")
    return world


def get_global_rank(group: Any, group_rank: int) -> int:
    """The rank in the job of rank ``group_rank`` of ``group``: the same number (deltanet has one group).

    Args:
        group: None or ``dist.group.WORLD``.
        group_rank: a rank of the group.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.get_global_rank.__name__
        'get_global_rank'
    """
    world = _world("get_global_rank", group)
    if isinstance(group_rank, bool) or not isinstance(group_rank, int) or not 0 <= group_rank < world.size:
        raise ValueError(f"get_global_rank: group_rank must be a rank from 0 to {world.size - 1}, got {group_rank!r}")
    return group_rank


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among the ranks on its machine.

    ``LOCAL_RANK`` when the environment has it (torchrun's; PyTorch reads only that), else MPI's
    own count of the ranks that share this machine (``MPI.COMM_TYPE_SHARED``) after
    ``init_process_group``, else ``fallback_rank``.

    Args:
        fallback_rank: the answer when neither is known (None: raise).

    Raises:
        RuntimeError: nothing gives the local rank and ``fallback_rank`` is None.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.get_node_local_rank(fallback_rank=0) >= 0
        True
    """
    value = _announced("LOCAL_RANK")
    if value is not None:
        return value
    world = current()
    if world is not None:
        if "local_rank" not in _state:
            local = world.comm.Split_type(world.MPI.COMM_TYPE_SHARED)
            _state["local_rank"] = int(local.Get_rank())
            local.Free()
        return int(_state["local_rank"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "get_node_local_rank: LOCAL_RANK is not in the environment and the process group is not initialized; "
        "call init_process_group first or pass fallback_rank"
    )
