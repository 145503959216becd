"""Run under ``mpiexec -n 2`` with a mode (``sys.argv[1]``): rank 1 fails in some way while rank 0
trains on; the test checks that the job ends, how, and with which message.

- ``raise``: a callback raises on rank 1 in the middle of ``fit``;
- ``uncaught``: rank 1 raises outside ``fit``, with nothing to catch it, while rank 0 waits;
- ``kill``: rank 1 dies by SIGKILL in the middle of ``fit``;
- ``nan``: the loss of rank 1's share becomes NaN at one step: every rank must raise
  ``TrainingDivergedError`` at that same step (rank 0 prints it), none may hang.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

import deltanet as dn

mode = sys.argv[1]
world = dn.distributed.init()
rng = np.random.default_rng(0)
X, y = rng.normal(size=(64, 4)), rng.integers(0, 2, 64)
model = dn.nn.Linear(4, 2, dtype="float64", rng=0)
opt = dn.optim.SGD(model.parameters(), lr=0.1)
calls = []


class Fail(dn.callbacks.Callback):
    def on_batch_end(self, step, logs=None):
        if self.fit_state.epoch == 1 and step == 2 and world.rank == 1:
            if mode == "raise":
                raise ValueError("a callback failed on rank 1 only")
            os.kill(os.getpid(), signal.SIGKILL)


def loss(output, target):
    calls.append(1)
    value = dn.losses.CrossEntropy()(output, target)
    return value * float("nan") if mode == "nan" and world.rank == 1 and len(calls) == 7 else value


if mode == "uncaught":
    if world.rank == 1:
        raise RuntimeError("rank 1 gave up before training")
    dn.distributed.barrier()  # rank 0 waits for a rank that is gone
try:
    dn.fit(model, X, y, loss, opt, epochs=3, batch_size=8, verbose=0, callbacks=[Fail()] if mode != "nan" else [])
except dn.training.TrainingDivergedError as error:
    print(f"rank {world.rank}: diverged at epoch {error.epoch}, step {error.step}", flush=True)
    sys.exit(0)
print(f"rank {world.rank}: finished", flush=True)
