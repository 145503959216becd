"""Memory: training does not grow from step to step, and backward frees the graph.

- LeNet-5 (``deltanet.models.lenet5``, run by ``_lenet_memory.py`` in a fresh interpreter), one
  epoch of 200 steps on random 28×28 images: the bytes that NumPy holds (tracemalloc's NumPy
  domain) are the same at the end of the last 50 steps as at the end of the first 50; all traced
  memory (Python objects included, so a graph kept alive would show) stops growing once
  CPython's free lists are warm; and the same measurement does see a deliberate leak.
- After ``backward()`` every recorded ``Function`` but the root is gone (weak references die
  with reference counting alone, the cyclic collector switched off), the root drops its saved
  arrays, and ``retain_graph=True`` keeps them (so the check can fail).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd import engine

RUNNER = Path(__file__).with_name("_lenet_memory.py")
STEPS = 200


def measure(*args: str) -> dict:
    """The measurement of ``_lenet_memory.py``, in a fresh interpreter."""
    done = subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["numpy_bytes"] = {int(k): v for k, v in result["numpy_bytes"].items()}
    result["all_bytes"] = np.array(result["all_bytes"])
    assert len(result["numpy_bytes"]) == STEPS // 10 and len(result["all_bytes"]) == STEPS
    assert np.isfinite(result["loss"])
    return result


@pytest.fixture(scope="module")
def lenet_run() -> dict:
    return measure()


def growth(run: dict) -> float:
    """NumPy's bytes at the last five probes (steps 159-199) minus at the first five (9-49)."""
    steps = sorted(run["numpy_bytes"])
    first = [run["numpy_bytes"][s] for s in steps if s < 50]
    last = [run["numpy_bytes"][s] for s in steps if s >= STEPS - 50]
    return max(last) - float(np.mean(first))


def test_numpy_memory_does_not_grow_over_200_lenet5_steps(lenet_run):
    # The data (3.2 MB), the weights and their momentum buffers; a leak of even one 64-byte array
    # per step would add 9.6 kB over the 150 steps between the two windows.
    assert min(lenet_run["numpy_bytes"].values()) > 3_000_000
    assert growth(lenet_run) <= 4096, lenet_run["numpy_bytes"]


def test_the_measurement_sees_a_leak():
    # The same run with a callback that keeps a copy of the last layer's bias gradient (10 float32,
    # 40 bytes) every step: 150 steps apart, that is 6 kB.
    leaky = measure("--leak")
    assert 150 * 40 <= growth(leaky) <= 150 * 40 + 4096, leaky["numpy_bytes"]


def test_all_traced_memory_stops_growing(lenet_run):
    memory = lenet_run["all_bytes"]
    # CPython keeps freed tuples and frames on free lists, which fill up during the first ~100
    # steps; a graph kept alive per step (several kB of Functions, tuples and dicts) would add
    # hundreds of kB over the last 100.
    assert memory[-1] - memory[STEPS // 2] <= 64 * 1024, memory[STEPS // 2 :: 10]


def _graph() -> tuple[dn.Tensor, list[weakref.ref], list]:
    dn.manual_seed(1)
    model = dn.nn.Sequential(
        dn.nn.Conv2d(1, 2, 3), dn.nn.ReLU(), dn.nn.MaxPool2d(2), dn.nn.Flatten(), dn.nn.Linear(8, 3), dn.nn.Dropout(0.5)
    )
    x = dn.tensor(np.random.default_rng(0).standard_normal((2, 1, 6, 6)))
    loss = dn.functional.cross_entropy(model(x), [0, 2])
    functions = engine.reachable_functions(loss)
    refs = [weakref.ref(fn) for fn in functions]
    # The arrays the functions saved for backward, except the leaves' own (weights, input).
    leaves = {id(p.array) for p in model.parameters()} | {id(x.array)}
    saved = [
        weakref.ref(a)
        for fn in functions
        for a in (getattr(fn, "saved_tensors", None) or ())
        if isinstance(a, np.ndarray) and id(a) not in leaves
    ]
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
