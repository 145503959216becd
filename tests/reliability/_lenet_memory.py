"""Train LeNet-5 for 200 steps under tracemalloc and print what ``test_memory.py`` checks, as JSON.

Run as a script (``python _lenet_memory.py``) so that the measurement sees a fresh interpreter:
inside a long test session, other tests' modules (PyTorch's, say) slow tracemalloc down severalfold
and their objects have nothing to do with this training run.
"""

from __future__ import annotations

import json
import sys
import tracemalloc

import numpy as np

import deltanet as dn
from deltanet.models import lenet5

STEPS = 200
BATCH = 4


class MemoryProbe(dn.callbacks.Callback):
    """All traced bytes after every step, NumPy's traced bytes after every 10th."""

    def __init__(self) -> None:
        self.numpy_bytes: dict[int, int] = {}
        self.all_bytes = np.zeros(STEPS, dtype=np.int64)  # preallocated: recording allocates nothing

    def on_batch_end(self, step: int, logs: dict | None = None) -> None:
        self.all_bytes[step] = tracemalloc.get_traced_memory()[0]
        if step % 10 == 9:
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
            )
            self.numpy_bytes[step] = sum(trace.size for trace in snapshot.traces)


class Leak(dn.callbacks.Callback):
    """A deliberate leak, to show that the measurement sees one: a copy of a gradient per step."""

    def __init__(self, model: dn.nn.Module) -> None:
        self.kept: list[np.ndarray] = []
        self.bias = list(model.parameters())[-1]

    def on_batch_end(self, step: int, logs: dict | None = None) -> None:
        self.kept.append(self.bias.grad.array.copy())


def measure(leak: bool = False) -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((STEPS * BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, STEPS * BATCH)
    dn.manual_seed(0)
    model = lenet5()
    optimizer = dn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    probe = MemoryProbe()
    tracemalloc.start(1)
    try:
        callbacks = [Leak(model), probe] if leak else [probe]
        history = dn.fit(model, X, y, "cross_entropy", optimizer, epochs=1, batch_size=BATCH, callbacks=callbacks)
    finally:
        tracemalloc.stop()
    return {
        "numpy_bytes": probe.numpy_bytes,
        "all_bytes": probe.all_bytes.tolist(),
        "loss": history.history["loss"][-1],
    }


if __name__ == "__main__":
    print(json.dumps(measure(leak="--leak" in sys.argv[1:])))
