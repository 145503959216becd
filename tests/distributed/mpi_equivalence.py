"""Run under ``mpiexec -n 2``: data-parallel fits against one process, in float64; rank 0 writes
the results as JSON to ``sys.argv[1]`` (read by ``test_equivalence.py``).

Every scenario trains 20 steps (35 samples, global batch 7: shares of 3 and 4 samples, so the
weighting of unequal shares is exercised at every step) with ``check_weights=True``, then rank 0
trains the same model on its own (``distributed=False``) and records the largest difference.
"""

from __future__ import annotations

import json
import sys

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.distributed.sharding import shard
from deltanet.training.monitor import Monitor

world = dn.distributed.init(check_weights=True)
rng = np.random.default_rng(3)
X, y = rng.normal(size=(35, 5)), rng.integers(0, 3, 35)
Xv, yv = rng.normal(size=(9, 5)), rng.integers(0, 3, 9)
FIT = dict(epochs=4, batch_size=7, rng=5, verbose=0, monitor=False)
# Labels the weighted loss ignores (-1), unevenly over the ranks' shares, and class weights: a
# mean over weighted or ignored labels divides by their weights' sum, not by the share's rows.
ignored = np.random.default_rng(4)
y_ignored = np.where(ignored.random(35) < 0.3, -1, y)
yv_ignored = np.where(ignored.random(9) < 0.3, -1, yv)


def build(kind: str) -> nn.Module:
    dn.manual_seed(0)
    norm = {"syncbn": nn.SyncBatchNorm, "bn": nn.BatchNorm1d, "bn_reference": nn.BatchNorm1d}.get(kind)
    middle = [norm(8, dtype="float64"), nn.ReLU()] if norm else [nn.Tanh()]
    if kind == "dropout":
        middle.append(nn.Dropout(0.3, rng=11))
    # No bias before batch norm: its gradient is 0 up to rounding, which Adam would scale up to
    # steps of size lr, different in any two runs.
    first = nn.Linear(5, 8, bias=norm is None, dtype="float64")
    return nn.Sequential(first, *middle, nn.Linear(8, 3, dtype="float64"))


def optimizer(name: str, model: nn.Module) -> dn.optim.Optimizer:
    if name == "sgd":
        return dn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return dn.optim.Adam(model.parameters(), lr=0.01)


def train(kind: str, opt: str, distributed: bool, reduction: str = "mean") -> tuple[nn.Module, dict]:
    model = build(kind)
    if reduction == "weighted":
        loss, targets = (
            dn.losses.CrossEntropy(weight=dn.tensor([1.0, 3.0, 0.5]), ignore_index=-1),
            (y_ignored, yv_ignored),
        )
    else:
        loss, targets = dn.losses.CrossEntropy(reduction=reduction), (y, yv)
    history = dn.fit(
        model,
        X,
        targets[0],
        loss,
        optimizer(opt, model),
        validation_data=(Xv, targets[1]),
        metrics=["accuracy"],
        regularizer=dn.regularizers.L2(1e-3),
        distributed=distributed,
        **FIT,
    )
    return model, history.history


def difference(a: nn.Module, b: nn.Module) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    return max(float(np.max(np.abs(sa[k] - sb[k]))) for k in sa)


def curves_difference(h1: dict, h2: dict) -> float:
    assert sorted(h1) == sorted(h2)
    return max(float(np.max(np.abs(np.subtract(h1[k], h2[k])))) for k in h1)


def dropout_reference() -> nn.Module:
    """Two ranks of data parallelism simulated in one process: rank r's rows with rank r's mask
    stream (the layer's generator jumped r times), each share's loss weighted by n_r / N."""
    model = build("dropout")
    opt, loss, penalty = optimizer("sgd", model), dn.losses.CrossEntropy(), dn.regularizers.L2(1e-3)
    streams = [np.random.default_rng(11), np.random.default_rng(11)]
    streams[1].bit_generator.state = streams[1].bit_generator.jumped(1).state
    order_rng = np.random.default_rng(5)
    for _ in range(FIT["epochs"]):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), 7):
            rows = order[start : start + 7]
            opt.zero_grad()
            for r in range(2):
                lo, hi = shard(len(rows), r, 2)
                model[2].rng = streams[r]
                L = loss(model(dn.tensor(X[rows[lo:hi]])), dn.tensor(y[rows[lo:hi]])) + penalty(model)
                L.backward(np.asarray((hi - lo) / len(rows)))
            opt.step()
    return model


class Counting:
    """The communicator, counting its Allreduce calls."""

    def __init__(self, comm):
        self.comm, self.allreduces = comm, 0

    def Allreduce(self, *args, **kwargs):
        self.allreduces += 1
        return self.comm.Allreduce(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.comm, name)


results: dict = {}
# A summed loss (reduction="sum") adds the ranks' losses with weight 1, the penalty with their shares.
scenarios = [("mlp", "sgd", "mean"), ("mlp", "adam", "mean"), ("syncbn", "sgd", "mean"), ("syncbn", "adam", "mean")]
more = [("bn", "sgd", "mean"), ("mlp", "sgd", "sum"), ("syncbn", "adam", "sum"), ("mlp", "sgd", "weighted")]
for kind, opt, reduction in [*scenarios, *more]:
    model, history = train(kind, opt, True, reduction)
    curves = world.allgather_json(history)
    if world.is_root:
        reference, reference_history = train("bn_reference" if kind == "syncbn" else kind, opt, False, reduction)
        results[f"{kind}-{opt}" + ("" if reduction == "mean" else f"-{reduction}")] = {
            "weights": difference(model, reference),
            "curves": curves_difference(history, reference_history),
            "ranks_curves": curves_difference(curves[0], curves[1]),
        }

model = build("dropout")
dn.fit(model, X, y, dn.losses.CrossEntropy(), optimizer("sgd", model), regularizer=dn.regularizers.L2(1e-3), **FIT)
masks = world.allgather_json(model[2].rng.random(4).tolist())  # the ranks' streams differ
if world.is_root:
    results["dropout-sgd"] = {"weights": difference(model, dropout_reference()), "masks_differ": masks[0] != masks[1]}


class Calls(dn.callbacks.Callback):
    """The Allreduce calls between the start and the end of training (set-up checks excluded)."""

    def on_train_begin(self, logs=None):
        self.first = counting.allreduces

    def on_train_end(self, logs=None):
        self.calls = counting.allreduces - self.first


# One Allreduce per step: a plain model, no validation and no training metrics.
counting = Counting(world.comm)
world.comm = counting
world.check_weights = False
model, calls = build("mlp"), Calls()
dn.fit(model, X, y, "cross_entropy", optimizer("sgd", model), callbacks=[calls], **FIT)
world.comm = counting.comm
if world.is_root:
    results["allreduces"] = {"calls": calls.calls, "steps": FIT["epochs"] * 5}


def monitored(distributed: bool) -> tuple[list, list]:
    """The Monitor's per-layer statistics and findings of a run (probed every epoch)."""
    model, monitor = build("mlp"), Monitor(warn=False, budget=None)
    settings = {**FIT, "monitor": monitor}
    dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optimizer("sgd", model),
        validation_data=(Xv, yv),
        distributed=distributed,
        **settings,
    )
    return monitor.layer_history, [(e["kind"], e["epoch"], e["layer"]) for e in monitor.events]


# The Monitor's statistics are those of the global batch: two ranks record what one process does.
world.check_weights = False
rows, events = monitored(True)
every_rank = world.allgather_json(rows)
if world.is_root:
    alone, alone_events = monitored(False)
    assert [(r["epoch"], r["layer"]) for r in rows] == [(r["epoch"], r["layer"]) for r in alone]
    results["monitor"] = {
        "rows": len(rows),
        "difference": max(
            abs(a[k] - b[k])
            for a, b in zip(rows, alone, strict=True)
            for k in a
            if isinstance(a[k], float) and isinstance(b[k], float)
        ),
        "ranks_equal": every_rank[0] == every_rank[1],
        "events_equal": events == alone_events,
    }

# A sweep spreads its runs over the ranks (SyncBatchNorm in each run: every run is its rank's
# alone) and every rank gets the whole table, the same as one process's.
grid = {"lr": [0.05, 0.2], "momentum": [0.0, 0.9]}
table = dn.sweep(lambda: build("syncbn"), X, y, grid, epochs=2, batch_size=7, validation_data=(Xv, yv))
tables = world.allgather_json([{k: v for k, v in row.items() if k != "seconds"} for row in table.rows])
if world.is_root:
    alone = dn.sweep(
        lambda: build("syncbn"), X, y, grid, epochs=2, batch_size=7, validation_data=(Xv, yv), distributed=False
    )
    results["sweep"] = {
        "ranks_equal": tables[0] == tables[1],
        "rows": len(table.rows),
        "difference": max(
            abs(a[k] - b[k]) for a, b in zip(table.rows, alone.rows, strict=True) for k in ("loss", "val_loss")
        ),
        "curves": table.histories[3].history["val_loss"] == alone.histories[3].history["val_loss"],
    }
    with open(sys.argv[1], "w") as out:
        json.dump(results, out, indent=1)
