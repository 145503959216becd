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
from deltanet.distributed.world import (
    World,
    barrier,
    current,
    get_rank,
    get_world_size,
    init,
    is_initialized,
)

__all__ = [
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
