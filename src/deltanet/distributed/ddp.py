r"""``DistributedDataParallel``: PyTorch's DDP wrapper, over MPI, for a training loop of one's own.

Each rank runs the same script on its own share of the data (``DistributedSampler``); the wrapper
makes the ranks train one model:

1. at construction, rank 0's parameters and buffers are broadcast to every rank (PyTorch does
   the same), so the ranks start equal whatever their seeds;
2. before each forward pass, rank 0's buffers (batch norm's running statistics) are broadcast
   (``broadcast_buffers=True``, PyTorch's default);
3. when ``loss.backward()`` has finished, every parameter's ``.grad`` is replaced by its mean over
   the ranks, in one ``Allreduce`` over a flat buffer:

$$
g \leftarrow \frac{1}{W} \sum_{r=0}^{W-1} g_r
$$

With a mean loss and equal shares of $n$ samples, this is the gradient of the mean loss over
the $W n$ samples, so the optimizers' steps keep the weights equal on every rank.

``no_sync()`` skips step 3 for the forward passes made inside it (gradient accumulation): their
gradients add up locally, and the first synchronized backward pass averages the sum. A parameter
that no rank used keeps ``grad`` None; one that some ranks used gets the mean with zeros for the
others (PyTorch's ``find_unused_parameters=True``; deltanet needs no flag for it). PyTorch
overlaps the all-reduce with the backward pass in buckets; deltanet does one after it (the
gradients are the same). ``deltanet.fit`` does not need this wrapper: ``fit`` after
``init_process_group`` is data-parallel already.
"""

from __future__ import annotations

import contextlib
import copy
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.autograd.function import is_grad_enabled
from deltanet.autograd.hooks import callbacks, queue_callback
from deltanet.autograd.inplace import changed_in_place
from deltanet.distributed.process_group import _world
from deltanet.nn.data_parallel import DataParallel  # torch.nn.parallel.DataParallel, by that path too
from deltanet.nn.module import Module


class DistributedDataParallel(Module):
    """Train ``module`` data-parallel over the ranks of the job (see the module docstring).

    Args:
        module: the model; the same architecture on every rank.
        device_ids: None or ``[]`` (deltanet runs on the CPU; PyTorch refuses device ids for a CPU
            module too).
        output_device: None (as ``device_ids``).
        dim: 0 (PyTorch's, for the scattering of inputs over devices, which DDP on CPUs never does).
        broadcast_buffers: broadcast rank 0's buffers before each forward pass.
        process_group: None or ``dist.group.WORLD``.
        bucket_cap_mb: accepted and unused (one all-reduce of every gradient).
        find_unused_parameters: accepted; unused parameters are always handled.
        check_reduction: accepted and unused.
        gradient_as_bucket_view: accepted and unused.
        static_graph: accepted and unused.
        **kwargs: PyTorch's other options, accepted and unused.

    Shape:
        - input and output: those of ``module``.

    Attributes:
        module: the wrapped model; ``state_dict()`` keys start with ``module.``, as PyTorch's.

    Raises:
        ValueError: ``init_process_group`` was not called, or GPU ``device_ids``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.parallel import DistributedDataParallel as DDP
        >>> try:  # each rank of the job calls dist.init_process_group("gloo") first
        ...     DDP(dn.nn.Linear(2, 1))
        ... except ValueError as error:
        ...     print(error)
        DistributedDataParallel: Default process group has not been initialized, ...
    """

    _world: Any
    _sync_next: bool
    _grad_hooks: list[Any]

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: Any = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        world = _world("DistributedDataParallel", process_group)
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        for name, value in (("device_ids", device_ids), ("output_device", output_device)):
            if value not in (None, [], ()) and not _is_cpu(value):
                raise ValueError(
                    f"DistributedDataParallel: {name}={value!r}, but deltanet runs on the CPU, where device_ids "
                    f"and output_device must be None (PyTorch refuses them for a CPU module too); leave them out"
                )
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters, self.static_graph = find_unused_parameters, static_graph
        self.require_backward_grad_sync = True  # False inside no_sync()
        object.__setattr__(self, "_world", world)
        object.__setattr__(self, "_sync_next", False)
        object.__setattr__(self, "_grad_hooks", [])
        self._sync_module_states()
        self._hook_parameters()

    def _hook_parameters(self) -> None:
        # The hooks hold the wrapper weakly: the global table of leaf hooks must not keep it alive.
        ref = weakref.ref(self)
        for p in self._synced_parameters():
            self._grad_hooks.append(p.register_hook(lambda grad: _on_gradient(ref)))

    def __deepcopy__(self, memo: dict[int, Any]) -> DistributedDataParallel:
        """A copy of the model in a new wrapper of the same group (``copy.deepcopy``, an EMA of the
        wrapped model): the MPI communicator is shared, not copied, and nothing is broadcast."""
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            if name not in ("_world", "_grad_hooks"):
                object.__setattr__(clone, name, copy.deepcopy(value, memo))
        object.__setattr__(clone, "_world", self._world)
        object.__setattr__(clone, "_grad_hooks", [])
        clone._hook_parameters()
        return clone

    # -- construction ------------------------------------------------------------------------------
    def _synced_parameters(self) -> list[Any]:
        return [p for p in self.module.parameters() if p.requires_grad]

    def _buffers_of_module(self) -> list[Any]:
        return [b for b in self.module.buffers() if isinstance(b, Tensor)]

    def _broadcast(self, tensors: list[Any]) -> None:
        for t in tensors:
            array = t.array
            buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
            self._world.comm.Bcast(buffer, root=0)
            if buffer is not array:
                array[...] = buffer
        changed_in_place(tensors)

    def _sync_module_states(self) -> None:
        """Rank 0's parameters and buffers on every rank (PyTorch's ``_sync_module_states``)."""
        if self._world.size > 1:
            self._broadcast([*self.module.parameters(), *self._buffers_of_module()])

    # -- forward and backward ----------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Broadcast rank 0's buffers (``broadcast_buffers``), then ``module(*inputs, **kwargs)``."""
        if self.broadcast_buffers and self._world.size > 1:
            buffers = self._buffers_of_module()
            if buffers:
                self._broadcast(buffers)
        if is_grad_enabled():  # as PyTorch's reducer: a forward pass without gradients leaves it armed
            object.__setattr__(self, "_sync_next", self.require_backward_grad_sync)
        return self.module(*inputs, **kwargs)

    def _average(self) -> None:
        """Replace every parameter's ``.grad`` by its mean over the ranks (one ``Allreduce``)."""
        object.__setattr__(self, "_sync_next", False)  # one average per forward pass through the wrapper
        params = self._synced_parameters()
        world = self._world
        if world.size == 1:
            return
        dtype = np.result_type(*[p.array.dtype for p in params])
        sizes = [p.array.size for p in params]
        flat = np.zeros(sum(sizes) + len(params), dtype=dtype)
        offset = 0
        for p, n in zip(params, sizes):
            if p.grad is not None:
                flat[offset : offset + n] = p.grad.array.ravel()
            offset += n
        flat[offset:] = [p.grad is not None for p in params]  # how many ranks have a gradient
        world.comm.Allreduce(world.MPI.IN_PLACE, flat, op=world.MPI.SUM)
        flat[:offset] /= world.size
        offset = 0
        for p, n, used in zip(params, sizes, flat[-len(params) :]):
            if used:
                mean = flat[offset : offset + n].reshape(p.array.shape)
                if p.grad is None:
                    p.grad = mean.astype(p.array.dtype, copy=True)
                else:
                    p.grad.array[...] = mean
            offset += n

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside the block, forward passes' gradients are not averaged: they accumulate on each
        rank until the first backward pass of a forward pass made outside it.

        Examples:
            >>> from deltanet.nn.parallel import DistributedDataParallel
            >>> DistributedDataParallel.no_sync.__name__
            'no_sync'
        """
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before

    def join(
        self, divide_by_initial_world_size: bool = True, enable: bool = True, throw_on_early_termination: bool = False
    ) -> Any:
        """Not supported: PyTorch's ``join()`` lets ranks with fewer batches stop early; here every rank
        must run the same number of backward passes.

        Raises:
            NotImplementedError: always; give every rank the same number of batches
                (``DistributedSampler`` pads its shares to equal sizes, or use ``drop_last=True``).
        """
        raise NotImplementedError(
            "DistributedDataParallel.join: uneven inputs are not supported in deltanet; give every rank the same "
            "number of batches (DistributedSampler pads the shares to equal sizes; DataLoader(drop_last=True) "
            "drops a short last batch)"
        )

    def register_comm_hook(self, state: Any, hook: Any) -> None:
        """Not supported: deltanet averages the gradients in one all-reduce of its own.

        Raises:
            NotImplementedError: always; compress or change the gradients in a hook on the parameters,
                or after ``backward()`` with ``dist.all_reduce``.
        """
        raise NotImplementedError(
            "DistributedDataParallel.register_comm_hook: deltanet averages the gradients in one all-reduce of its "
            "own and has no communication hooks; to change the gradients, edit p.grad after backward() (the "
            "averaged values) or use dist.all_reduce yourself with no_sync()"
        )

    def extra_repr(self) -> str:
        return ""


def _on_gradient(ref: Any) -> None:
    """A parameter's leaf hook: the backward pass reached the model, so average when it ends."""
    ddp = ref()
    if ddp is not None and ddp._sync_next and not any(getattr(c, "__self__", None) is ddp for c in callbacks.queued):
        queue_callback(ddp._average)


def _is_cpu(value: Any) -> bool:
    items = value if isinstance(value, (list, tuple)) else [value]
    return all(str(getattr(v, "type", v)) == "cpu" for v in items)


__all__ = ["DataParallel", "DistributedDataParallel"]
