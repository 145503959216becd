"""Layer 6: data-parallel training over MPI, used by ``fit``: sharding, one flat all-reduce per
step, rank-0 output.

```python
import deltanet as dn
dn.distributed.init()             # under mpiexec -n W: every fit of this script is data-parallel
history = dn.fit(model, X, y, "cross_entropy", opt, batch_size=64)   # 64 = the global batch
```

Run it with ``mpiexec -n 4 python train.py`` (or ``mpiexec -n 4 deltanet train config.toml``).
Every rank runs the same script on the whole data set; ``fit`` gives each rank its share of every
global batch (``sharding``), sums the gradients with one ``Allreduce`` per step (``gradients``),
and rank 0 alone prints and writes files. The result equals one process's to rounding
(``docs/distributed.md`` says exactly what is reproducible). ``mpi4py`` is imported on first use:
``pip install "deltanet[mpi]"``.
"""

from deltanet.distributed.failure import abort_on_error
from deltanet.distributed.gradients import GradientSync
from deltanet.distributed.mpi import launched_size, warn_if_launched
from deltanet.distributed.setup import start_fit
from deltanet.distributed.sharding import check_batches, shard
from deltanet.distributed.world import World, current, init

# torch.distributed's API (after the names fit uses: get_rank and get_world_size take a group here).
from deltanet.distributed.collectives import (  # isort: skip
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    monitored_barrier,
    recv,
    reduce,
    reduce_scatter_tensor,
    scatter,
    send,
)
from deltanet.distributed.objects import all_gather_object, broadcast_object_list  # isort: skip
from deltanet.distributed.process_group import (  # isort: skip
    Backend,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_node_local_rank,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    is_torchelastic_launched,
    new_group,
)

__all__ = [
    "Backend",
    "all_gather_object",
    "broadcast_object_list",
    "get_global_rank",
    "get_node_local_rank",
    "monitored_barrier",
    "recv",
    "reduce_scatter_tensor",
    "send",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "broadcast",
    "destroy_process_group",
    "gather",
    "get_backend",
    "group",
    "init_process_group",
    "is_available",
    "is_gloo_available",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "new_group",
    "reduce",
    "scatter",
    "GradientSync",
    "World",
    "abort_on_error",
    "barrier",
    "check_batches",
    "current",
    "get_rank",
    "get_world_size",
    "init",
    "is_initialized",
    "launched_size",
    "shard",
    "start_fit",
    "warn_if_launched",
]
