r"""``torch.distributed``'s collective operations on Tensors, over MPI: each writes into the tensors
it is given, in place, as PyTorch's do.

```python
t = torch.tensor([float(rank)])
dist.all_reduce(t, op=dist.ReduceOp.SUM)   # every rank: t = [0 + 1 + ... + (W - 1)]
```

Each call is one MPI collective (``Allreduce``, ``Bcast``, ``Allgather``, ``Reduce``,
``Gather``, ``Scatter``) on the tensor's NumPy array: no pickle goes over the wire. Every rank
must make the same calls in the same order, as in PyTorch. A tensor whose array is not
contiguous (a transpose) is sent as a contiguous copy and the result written back; integer and
boolean tensors are reduced as they are (``AVG`` is for floating tensors: an integer mean is
refused, as PyTorch refuses it). Each tensor written is marked as changed in place (its
``_version`` goes up, which PyTorch's collectives do not do): a backward pass through a graph
that saved the old values then raises instead of computing a wrong gradient.

``async_op=True`` returns a ``Work`` whose ``wait()`` returns at once: the operation has already
finished (deltanet's collectives are synchronous underneath; nothing overlaps).
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.distributed.process_group import _world
from deltanet.distributed.world import current


class RedOpType(enum.IntEnum):
    """The reductions (PyTorch's numbering); spelled ``dist.ReduceOp.SUM`` and so on."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    r"""How ``all_reduce`` and ``reduce`` combine the ranks' values, elementwise: ``SUM``
    ($\sum_r x_r$), ``AVG`` ($\frac{1}{W}\sum_r x_r$, floating tensors), ``PRODUCT``, ``MIN``,
    ``MAX``, and the bitwise ``BAND``, ``BOR``, ``BXOR`` (integer and boolean tensors).

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.ReduceOp.SUM
        <RedOpType.SUM: 0>
    """

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


class Work:
    """What a collective with ``async_op=True`` returns: already finished (see the module docstring).

    Args:
        tensors: the tensors the operation wrote.

    Examples:
        >>> from deltanet.distributed.collectives import Work
        >>> Work([]).wait()
        True
    """

    def __init__(self, tensors: list[Any]) -> None:
        self.tensors = tensors

    def wait(self, timeout: Any = None) -> bool:
        """Wait for the operation: it has finished already. Returns True, as PyTorch's does."""
        return True

    def is_completed(self) -> bool:
        """Always True: the operation finished before ``Work`` was returned."""
        return True

    def is_success(self) -> bool:
        """Always True (a failure raises, or aborts the job)."""
        return True

    def result(self) -> list[Any]:
        """The tensors the operation wrote."""
        return self.tensors

    def __repr__(self) -> str:
        return "Work(completed=True)"


def _array(tensor: Any, owner: str, name: str = "tensor") -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{owner}: {name} must be a Tensor, got {type(tensor).__name__}")
    return tensor.array


def _op(op: Any, owner: str) -> RedOpType:
    if not isinstance(op, RedOpType):
        raise TypeError(f"{owner}: op must be a dist.ReduceOp such as dist.ReduceOp.SUM, got {op!r}")
    return op


def _mpi_op(MPI: Any, op: RedOpType, dtype: np.dtype, owner: str) -> Any:
    if op is RedOpType.AVG and dtype.kind != "f":
        raise RuntimeError(
            f"{owner}: ReduceOp.AVG of a {dtype} tensor: the mean of integers is not an integer (PyTorch refuses "
            f"it too); convert to float first, or use ReduceOp.SUM and divide"
        )
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and dtype.kind not in "iub":
        raise RuntimeError(f"{owner}: ReduceOp.{op.name} needs an integer or boolean tensor, got {dtype}")
    names = {"AVG": "SUM", "PRODUCT": "PROD"}
    return getattr(MPI, names.get(op.name, op.name))


def _contiguous(array: np.ndarray) -> np.ndarray:
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


def _reduce_buffer(array: np.ndarray, op: RedOpType) -> tuple[np.ndarray, RedOpType]:
    """The array MPI reduces and the op: a boolean one as 0/1 bytes (MPI has no MIN or MAX of
    booleans), with PyTorch's meaning: SUM and MAX are "any", PRODUCT and MIN are "all"."""
    if array.dtype != np.bool_:
        return _contiguous(array), op
    if op in (RedOpType.SUM, RedOpType.MAX, RedOpType.BOR):
        op = RedOpType.MAX
    elif op in (RedOpType.PRODUCT, RedOpType.MIN, RedOpType.BAND):
        op = RedOpType.MIN
    return array.astype(np.uint8, order="C"), op


def _written(tensors: list[Tensor], async_op: bool) -> Work | None:
    changed_in_place(tensors)
    return Work(tensors) if async_op else None


def all_reduce(tensor: Tensor, op: Any = RedOpType.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    r"""Combine ``tensor`` over the ranks, in place: afterwards every rank holds $\text{op}_r\, x_r$.

    Args:
        tensor: this rank's values; overwritten with the result.
        op: a ``dist.ReduceOp`` (default ``SUM``).
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Returns:
        None, or a ``Work`` with ``async_op=True``.

    Raises:
        ValueError: the default group is not initialized.
        TypeError: ``tensor`` is not a Tensor, or ``op`` is not a ``dist.ReduceOp``.
        RuntimeError: ``AVG`` of an integer tensor, a bitwise op on a floating one.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.all_reduce.__name__
        'all_reduce'
    """
    world = _world("all_reduce", group)
    array, op = _array(tensor, "all_reduce"), _op(op, "all_reduce")
    MPI = world.MPI
    mpi_op = _mpi_op(MPI, op, array.dtype, "all_reduce")
    buffer, bool_op = _reduce_buffer(array, op)
    world.comm.Allreduce(MPI.IN_PLACE, buffer, op=mpi_op if bool_op is op else _mpi_op(MPI, bool_op, buffer.dtype, ""))
    if op is RedOpType.AVG:
        buffer /= world.size
    if buffer is not array:
        array[...] = buffer
    return _written([tensor], async_op)


def broadcast(
    tensor: Tensor, src: int = 0, group: Any = None, async_op: bool = False, group_src: Any = None
) -> Work | None:
    """Overwrite ``tensor`` on every rank with rank ``src``'s, in place.

    Args:
        tensor: rank ``src``'s values to send; the other ranks' are overwritten (same shape and dtype).
        src: the rank that sends.
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.
        group_src: PyTorch's name for ``src`` within a group (the same here: one group).

    Raises:
        ValueError: the default group is not initialized, or ``src`` is not a rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.broadcast.__name__
        'broadcast'
    """
    world = _world("broadcast", group)
    src = _rank(world, group_src if group_src is not None else src, "broadcast", "src")
    array = _array(tensor, "broadcast")
    buffer = _contiguous(array)
    world.comm.Bcast(buffer, root=src)
    if buffer is not array:
        array[...] = buffer
    return _written([tensor], async_op)


def reduce(
    tensor: Tensor, dst: int = 0, op: Any = RedOpType.SUM, group: Any = None, async_op: bool = False
) -> Work | None:
    """Combine ``tensor`` over the ranks into rank ``dst``'s ``tensor``; the other ranks' are left as they are.

    Args:
        tensor: this rank's values; on ``dst``, overwritten with the result.
        dst: the rank that receives.
        op: a ``dist.ReduceOp`` (default ``SUM``).
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, or ``dst`` is not a rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.reduce.__name__
        'reduce'
    """
    world = _world("reduce", group)
    dst = _rank(world, dst, "reduce", "dst")
    array, op = _array(tensor, "reduce"), _op(op, "reduce")
    MPI = world.MPI
    mpi_op = _mpi_op(MPI, op, array.dtype, "reduce")
    buffer, bool_op = _reduce_buffer(array, op)
    mpi_op = mpi_op if bool_op is op else _mpi_op(MPI, bool_op, buffer.dtype, "")
    if world.rank == dst:
        world.comm.Reduce(MPI.IN_PLACE, buffer, op=mpi_op, root=dst)
        if op is RedOpType.AVG:
            buffer /= world.size
        if buffer is not array:
            array[...] = buffer
        return _written([tensor], async_op)
    world.comm.Reduce(buffer, None, op=mpi_op, root=dst)
    return Work([tensor]) if async_op else None


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None, async_op: bool = False) -> Work | None:
    """Every rank's ``tensor``, written into ``tensor_list[r]`` for each rank ``r``, on every rank.

    Args:
        tensor_list: one Tensor per rank, each of ``tensor``'s shape and dtype; overwritten.
        tensor: this rank's values.
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, or ``tensor_list`` does not hold one
            Tensor of ``tensor``'s shape and dtype per rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.all_gather.__name__
        'all_gather'
    """
    world = _world("all_gather", group)
    array = _array(tensor, "all_gather")
    _check_list(tensor_list, world.size, array, "all_gather", "tensor_list")
    gathered = np.empty((world.size, *array.shape), dtype=array.dtype)
    world.comm.Allgather(_contiguous(array), gathered)
    for out, part in zip(tensor_list, gathered):
        out.array[...] = part
    return _written(list(tensor_list), async_op)


def all_gather_into_tensor(
    output_tensor: Tensor, input_tensor: Tensor, group: Any = None, async_op: bool = False
) -> Work | None:
    """Every rank's ``input_tensor``, in rank order, written into ``output_tensor`` on every rank.

    Args:
        output_tensor: ``W`` times the elements of ``input_tensor``, of its dtype: the inputs
            concatenated along dimension 0, ``(W * n, ...)``, or stacked, ``(W, n, ...)``.
        input_tensor: this rank's values.
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, or ``output_tensor`` has the wrong size or dtype.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.all_gather_into_tensor.__name__
        'all_gather_into_tensor'
    """
    world = _world("all_gather_into_tensor", group)
    array = _array(input_tensor, "all_gather_into_tensor", "input_tensor")
    out = _array(output_tensor, "all_gather_into_tensor", "output_tensor")
    if out.size != world.size * array.size or out.dtype != array.dtype:
        raise ValueError(
            f"all_gather_into_tensor: output_tensor must hold {world.size} x {array.size} elements of "
            f"{array.dtype} (the {world.size} ranks' inputs of shape {array.shape}), got shape {out.shape} "
            f"of {out.dtype}"
        )
    gathered = np.empty(out.size, dtype=array.dtype)
    world.comm.Allgather(_contiguous(array), gathered)
    out[...] = gathered.reshape(out.shape)
    return _written([output_tensor], async_op)


def gather(
    tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0, group: Any = None, async_op: bool = False
) -> Work | None:
    """Every rank's ``tensor``, written into ``gather_list[r]`` on rank ``dst`` alone.

    Args:
        tensor: this rank's values.
        gather_list: on ``dst``, one Tensor per rank of ``tensor``'s shape and dtype; None elsewhere.
        dst: the rank that receives.
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, a bad ``dst``, or a ``gather_list``
            missing on ``dst`` or given on another rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.gather.__name__
        'gather'
    """
    world = _world("gather", group)
    dst = _rank(world, dst, "gather", "dst")
    array = _array(tensor, "gather")
    if world.rank != dst:
        if gather_list:
            raise ValueError(f"gather: gather_list must be None or empty on the ranks other than dst={dst}")
        world.comm.Gather(_contiguous(array), None, root=dst)
        return Work([]) if async_op else None
    if gather_list is None:
        raise ValueError(f"gather: rank dst={dst} needs a gather_list of {world.size} Tensors")
    _check_list(gather_list, world.size, array, "gather", "gather_list")
    gathered = np.empty((world.size, *array.shape), dtype=array.dtype)
    world.comm.Gather(_contiguous(array), gathered, root=dst)
    for out, part in zip(gather_list, gathered):
        out.array[...] = part
    return _written(list(gather_list), async_op)


def scatter(
    tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0, group: Any = None, async_op: bool = False
) -> Work | None:
    """Write ``scatter_list[r]`` of rank ``src`` into rank ``r``'s ``tensor``, for every rank ``r``.

    Args:
        tensor: overwritten with this rank's part.
        scatter_list: on ``src``, one Tensor per rank of ``tensor``'s shape and dtype; None elsewhere.
        src: the rank that sends.
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, a bad ``src``, or a ``scatter_list``
            missing on ``src`` or given on another rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.scatter.__name__
        'scatter'
    """
    world = _world("scatter", group)
    src = _rank(world, src, "scatter", "src")
    array = _array(tensor, "scatter")
    parts = None
    if world.rank == src:
        if scatter_list is None:
            raise ValueError(f"scatter: rank src={src} needs a scatter_list of {world.size} Tensors")
        _check_list(scatter_list, world.size, array, "scatter", "scatter_list")
        parts = np.ascontiguousarray(np.stack([t.array for t in scatter_list]))
    elif scatter_list:
        raise ValueError(f"scatter: scatter_list must be None or empty on the ranks other than src={src}")
    buffer = np.empty_like(array, order="C")
    world.comm.Scatter(parts, buffer, root=src)
    array[...] = buffer
    return _written([tensor], async_op)


def _rank(world: Any, value: Any, owner: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) < world.size:
        raise ValueError(f"{owner}: {name} must be a rank from 0 to {world.size - 1}, got {value!r}")
    return int(value)


def _check_list(tensors: Any, size: int, like: np.ndarray, owner: str, name: str) -> None:
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        raise ValueError(f"{owner}: {name} must be a list of {size} Tensors (one per rank), got {tensors!r}")
    for t in tensors:
        data = _array(t, owner, name + " item")
        if data.shape != like.shape or data.dtype != like.dtype:
            raise ValueError(
                f"{owner}: each Tensor of {name} must have the shape {like.shape} and dtype {like.dtype} of the "
                f"input, got {data.shape} and {data.dtype}"
            )


def reduce_scatter_tensor(
    output: Tensor, input: Tensor, op: Any = RedOpType.SUM, group: Any = None, async_op: bool = False
) -> Work | None:
    """Combine ``input`` over the ranks and give rank ``r`` the ``r``-th of ``W`` equal parts of the result.

    Args:
        output: overwritten with this rank's part: ``input``'s elements divided by ``W``.
        input: this rank's values, ``W`` times ``output``'s elements (concatenated or stacked along dimension 0).
        op: a ``dist.ReduceOp`` (default ``SUM``).
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.

    Raises:
        ValueError: the default group is not initialized, or the sizes or dtypes do not fit.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.reduce_scatter_tensor.__name__
        'reduce_scatter_tensor'
    """
    world = _world("reduce_scatter_tensor", group)
    out, array = _array(output, "reduce_scatter_tensor", "output"), _array(input, "reduce_scatter_tensor", "input")
    op = _op(op, "reduce_scatter_tensor")
    if array.size != world.size * out.size or out.dtype != array.dtype:
        raise ValueError(
            f"reduce_scatter_tensor: input must hold {world.size} x {out.size} elements of {out.dtype} (one part "
            f"per rank of output's shape {out.shape}), got shape {array.shape} of {array.dtype}"
        )
    MPI = world.MPI
    mpi_op = _mpi_op(MPI, op, array.dtype, "reduce_scatter_tensor")
    buffer, bool_op = _reduce_buffer(array, op)
    mpi_op = mpi_op if bool_op is op else _mpi_op(MPI, bool_op, buffer.dtype, "")
    part = np.empty(out.size, dtype=buffer.dtype)
    world.comm.Reduce_scatter_block(buffer, part, op=mpi_op)
    if op is RedOpType.AVG:
        part /= world.size
    out[...] = part.reshape(out.shape)
    return _written([output], async_op)


def send(tensor: Tensor, dst: int, group: Any = None, tag: int = 0) -> None:
    """Send ``tensor`` to rank ``dst`` (which calls ``recv``); returns when the data are on their way.

    Args:
        tensor: the values to send.
        dst: the receiving rank (not this one).
        group: None or ``dist.group.WORLD``.
        tag: matches a ``recv`` with the same tag.

    Raises:
        ValueError: the default group is not initialized, or ``dst`` is not another rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.send.__name__
        'send'
    """
    world = _world("send", group)
    dst = _rank(world, dst, "send", "dst")
    if dst == world.rank:
        raise ValueError(f"send: dst={dst} is this rank; send to another one")
    world.comm.Send(_contiguous(_array(tensor, "send")), dest=dst, tag=int(tag))


def recv(tensor: Tensor, src: int | None = None, group: Any = None, tag: int = 0) -> int:
    """Receive into ``tensor`` (in place) what rank ``src`` (None: any rank) ``send``s; returns the sender.

    Args:
        tensor: overwritten with the data (the sender's shape and dtype).
        src: the sending rank, or None for any.
        group: None or ``dist.group.WORLD``.
        tag: matches a ``send`` with the same tag.

    Raises:
        ValueError: the default group is not initialized, or ``src`` is not a rank.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.recv.__name__
        'recv'
    """
    world = _world("recv", group)
    MPI = world.MPI
    source = MPI.ANY_SOURCE if src is None else _rank(world, src, "recv", "src")
    array = _array(tensor, "recv")
    buffer = np.empty_like(array, order="C")
    status = MPI.Status()
    world.comm.Recv(buffer, source=source, tag=int(tag), status=status)
    array[...] = buffer
    changed_in_place([tensor])
    return int(status.Get_source())


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank gets here (nothing to wait for in a one-process program).

    Args:
        group: None or ``dist.group.WORLD``.
        async_op: return a (finished) ``Work``.
        device_ids: None (deltanet has no GPUs).

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.barrier()
    """
    if device_ids:
        raise ValueError(f"barrier: device_ids={device_ids!r}, but deltanet runs on the CPU; leave it out")
    world = current()
    if world is not None:
        _world("barrier", group).barrier()
    return Work([]) if async_op else None


def monitored_barrier(group: Any = None, timeout: Any = None, wait_all_ranks: bool = False) -> None:
    """``barrier``: a rank that fails aborts the whole job anyway, so there is no hung rank to report.

    Args:
        group: None or ``dist.group.WORLD``.
        timeout: accepted and unused.
        wait_all_ranks: accepted and unused.

    Examples:
        >>> import deltanet.distributed as dist
        >>> dist.monitored_barrier()
    """
    barrier(group)
