"""Run under ``mpiexec -n 2`` with a mode (``sys.argv[1]``): what a distributed ``fit`` refuses
before its first step, and what ``check_weights`` catches.

- ``refused``: three runs that every rank refuses alike, with a ValueError it can catch (nothing
  hangs, the script goes on): each rank given its own part of the data (PyTorch's habit of
  sharding by hand), an optimizer that needs a closure (L-BFGS), a batch smaller than the ranks;
  each rank prints one line per refusal;
- ``weights``: ``init(check_weights=True)``, and a callback that changes a weight on rank 1
  only: the check before the next step names the weight, and the job ends;
- ``flag``: no ``init()``: ``fit(..., distributed=True)`` alone starts MPI and trains
  data-parallel; each rank prints the world size and whether its weights equal rank 0's.
"""

from __future__ import annotations

import sys

import numpy as np

import deltanet as dn

mode = sys.argv[1]
world = dn.distributed.init(check_weights=mode == "weights") if mode != "flag" else None
rng = np.random.default_rng(0)
X, y = rng.normal(size=(40, 4)), rng.integers(0, 2, 40)


def attempt(what: str, X, y, optimizer: str = "sgd", batch_size: int = 8, callbacks=()) -> None:
    model = dn.nn.Linear(4, 2, dtype="float64", rng=0)
    opt = {"sgd": lambda: dn.optim.SGD(model.parameters(), lr=0.1), "lbfgs": lambda: dn.optim.LBFGS(model.parameters())}
    try:
        dn.fit(model, X, y, "cross_entropy", opt[optimizer](), epochs=2, batch_size=batch_size, verbose=0,
               callbacks=list(callbacks))  # fmt: skip
    except ValueError as error:
        print(f"rank {world.rank}: {what}: {error}", flush=True)


class Tamper(dn.callbacks.Callback):
    def on_batch_end(self, step, logs=None):
        if step == 1 and world.rank == 1:
            self.model.weight.data[0, 0] += 1e-3


if mode == "refused":
    attempt("own data", X[world.rank :: 2], y[world.rank :: 2])
    attempt("closure", X, y, optimizer="lbfgs")
    attempt("small batch", X, y, batch_size=1)
    print(f"rank {world.rank}: went on", flush=True)
elif mode == "flag":
    assert not dn.distributed.is_initialized()
    model = dn.nn.Linear(4, 2, dtype="float64", rng=0)
    model.weight.data += np.random.default_rng().normal(size=model.weight.shape)  # unlike on every rank
    dn.fit(model, X, y, "cross_entropy", dn.optim.SGD(model.parameters(), lr=0.1), batch_size=8, verbose=0,
           distributed=True)  # fmt: skip
    world = dn.distributed.current()
    weights = world.allgather_json(model.weight.data.tolist())
    print(f"rank {world.rank}: size {world.size}, equal {weights[0] == weights[world.rank]}", flush=True)
else:
    attempt("tampered", X, y, callbacks=[Tamper()])
    print(f"rank {world.rank}: finished", flush=True)
