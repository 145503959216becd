"""Memory: training does not grow from step to step, and backward frees the graph.

- LeNet-5 (``deltanet.models.lenet5``), one epoch of 200 steps on random 28×28 images: the bytes
  that NumPy holds (tracemalloc's NumPy domain) are the same at the end of the last 50 steps as
  at the end of the first 50; all traced memory (Python objects included) stops growing once
  CPython's free lists are warm; the number of live ``Function`` objects stays constant.
- After ``backward()`` every recorded ``Function`` but the root is gone (weak references die
  with reference counting alone, the cyclic collector switched off), the root drops its saved
  arrays, and ``retain_graph=True`` keeps them (so the check can fail).
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd import engine
from deltanet.models import lenet5

STEPS = 200
BATCH = 4


class MemoryProbe(dn.callbacks.Callback):
    """After every 10th step: NumPy's traced bytes, all traced bytes and live Functions."""

    def __init__(self) -> None:
        self.numpy_bytes: dict[int, int] = {}
        self.all_bytes = np.zeros(STEPS, dtype=np.int64)  # preallocated: recording allocates nothing
        self.functions: dict[int, int] = {}

    def on_batch_end(self, step: int, logs: dict | None = None) -> None:
        self.all_bytes[step] = tracemalloc.get_traced_memory()[0]
        if step % 10 == 9:
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)])
            self.numpy_bytes[step] = sum(trace.size for trace in snapshot.traces)
            self.functions[step] = sum(isinstance(o, dn.Function) for o in gc.get_objects())


@pytest.fixture(scope="module")
def lenet_run() -> MemoryProbe:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((STEPS * BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, STEPS * BATCH)
    dn.manual_seed(0)
    model = lenet5()
    optimizer = dn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    probe = MemoryProbe()
    tracemalloc.start(1)
    try:
        dn.fit(model, X, y, "cross_entropy", optimizer, epochs=1, batch_size=BATCH, callbacks=[probe])
    finally:
        tracemalloc.stop()
    assert len(probe.numpy_bytes) == STEPS // 10
    return probe


def test_numpy_memory_does_not_grow_over_200_lenet5_steps(lenet_run):
    steps = sorted(lenet_run.numpy_bytes)
    first = [lenet_run.numpy_bytes[s] for s in steps if s < 50]
    last = [lenet_run.numpy_bytes[s] for s in steps if s >= STEPS - 50]
    # The data (3.2 MB), the weights and their momentum buffers; a leak of even one 64-byte array
    # per step would add 9.6 kB over the 150 steps between the two windows.
    assert min(first) > 3_000_000
    assert max(last) - np.mean(first) <= 4096, (first, last)


def test_all_traced_memory_stops_growing(lenet_run):
    memory = lenet_run.all_bytes
    # CPython keeps freed tuples and frames on free lists, which fill up during the first ~100
    # steps; a graph kept alive per step (several kB of Functions, tuples and dicts) would add
    # hundreds of kB over the last 100.
    assert memory[-1] - memory[STEPS // 2] <= 64 * 1024, memory[STEPS // 2 :: 10]


def test_live_functions_stay_constant(lenet_run):
    counts = list(lenet_run.functions.values())
    # Between steps fit still holds the last loss and output, whose (emptied) creators live on.
    assert max(counts) <= 3 and len(set(counts)) == 1, counts


def _graph() -> tuple[dn.Tensor, list[weakref.ref], list]:
    dn.manual_seed(1)
    model = dn.nn.Sequential(dn.nn.Conv2d(1, 2, 3), dn.nn.ReLU(), dn.nn.MaxPool2d(2), dn.nn.Flatten(),
                             dn.nn.Linear(8, 3), dn.nn.Dropout(0.5))
    x = dn.tensor(np.random.default_rng(0).standard_normal((2, 1, 6, 6)))
    loss = dn.functional.cross_entropy(model(x), [0, 2])
    functions = engine.reachable_functions(loss)
    refs = [weakref.ref(fn) for fn in functions]
    # The arrays the functions saved for backward, except the leaves' own (weights, input).
    leaves = {id(p.data) for p in model.parameters()} | {id(x.data)}
    saved = [weakref.ref(a) for fn in functions for a in (getattr(fn, "saved_tensors", None) or ())
             if isinstance(a, np.ndarray) and id(a) not in leaves]
    del functions
    return loss, refs, saved


def test_backward_frees_the_graph():
    gc.disable()  # reference counting alone must free it: no cycles between functions and tensors
    try:
        loss, refs, saved = _graph()
        assert len(refs) >= 6 and all(r() is not None for r in refs) and len(saved) >= 4
        root = loss._ctx
        loss.backward()
        alive = [r() for r in refs if r() is not None]
        assert alive == [root], f"still alive after backward: {alive}"
        assert root.parents is None and root.saved_tensors is None
        assert all(r() is None for r in saved), "saved arrays outlived backward"
        del alive, root
        del loss
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_retain_graph_keeps_it():
    gc.disable()
    try:
        loss, refs, _ = _graph()
        loss.backward(retain_graph=True)
        assert all(r() is not None for r in refs)
        loss.backward()  # the second pass frees it
        assert sum(r() is not None for r in refs) == 1
    finally:
        gc.enable()


def test_no_graph_under_no_grad():
    dn.manual_seed(1)
    model = dn.nn.Sequential(dn.nn.Linear(4, 8), dn.nn.Tanh(), dn.nn.Linear(8, 2))
    with dn.no_grad():
        out = model(dn.tensor(np.ones((3, 4))))
    assert out._ctx is None and not out.requires_grad
