"""Run under ``mpiexec -n 2`` with a folder (``sys.argv[1]``): a run interrupted in the middle of
an epoch and resumed from its checkpoint ends with the same weights as an uninterrupted one.

Dropout draws from each rank's own stream and training metrics keep every rank's outputs, so
the checkpoint must hold every rank's random states and the epoch's outputs so far. Run ``a``
also writes a run folder with a Monitor and prints progress: rank 0 alone must do so. Rank 0
writes ``results.json`` into the folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import deltanet as dn
from deltanet import nn

rng = np.random.default_rng(4)
X, y = rng.normal(size=(35, 5)), rng.integers(0, 3, 35)
Xv, yv = rng.normal(size=(9, 5)), rng.integers(0, 3, 9)


def build(seed: int) -> tuple[nn.Module, dn.optim.Optimizer]:
    dn.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(5, 8, dtype="float64"), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 3, dtype="float64")
    )
    return model, dn.optim.Adam(model.parameters(), lr=0.01)


def train(model, opt, epochs: int = 4, **kwargs):
    return dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        opt,
        epochs=epochs,
        batch_size=7,
        rng=5,
        validation_data=(Xv, yv),
        metrics=["accuracy"],
        **kwargs,
    )


class Stop(dn.callbacks.Callback):
    """Interrupt every rank after the 8th step (the last checkpoint is the 6th step's, mid-epoch)."""

    def on_batch_end(self, step, logs=None):
        if self.fit_state.epoch * self.fit_state.steps_per_epoch + self.fit_state.step == 8:
            raise dn.training.TrainingDivergedError("interrupted", 2, 4, 0.0)


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    world = dn.distributed.init()
    model, opt = build(0)
    ckpt_a = dn.callbacks.ModelCheckpoint(folder / "a", every_n_steps=3)
    train(model, opt, callbacks=[ckpt_a], run_dir=folder / "run", verbose=2)
    uninterrupted = {k: v.tolist() for k, v in model.state_dict().items()}

    model, opt = build(0)
    try:
        train(model, opt, callbacks=[Stop(), dn.callbacks.ModelCheckpoint(folder / "b", every_n_steps=3)], verbose=0)
    except dn.training.TrainingDivergedError:
        pass
    model, opt = build(1)  # other initial weights: the checkpoint must set them
    resumed_history = train(
        model,
        opt,
        callbacks=[dn.callbacks.ModelCheckpoint(folder / "b", every_n_steps=3)],
        resume_from=folder / "b" / "last.dnet",
        verbose=0,
    )
    resumed = {k: v.tolist() for k, v in model.state_dict().items()}
    same = world.allgather_json(resumed)
    if world.is_root:
        results = {
            "equal": all(np.array_equal(uninterrupted[k], resumed[k]) for k in resumed),
            "ranks_equal": same[0] == same[1],
            "epochs": len(resumed_history.epoch),
        }
        (folder / "results.json").write_text(json.dumps(results))
