"""One small training run with every source of randomness of deltanet: initial weights, the
shuffle, dropout masks (element and channel), batch-norm statistics and Adam's state. Shared by
``test_determinism.py`` in-process and in child processes (``python -m`` style, see ``main``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn

EPOCHS = 4
BATCH = 8
SAMPLES = 44  # 6 steps per epoch, the last one short


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12345)
    X = rng.standard_normal((SAMPLES, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 3, SAMPLES)
    return X, y


def build(seed: int) -> tuple[nn.Module, Any]:
    dn.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout2d(0.25),
        nn.Flatten(),
        nn.Linear(36, 16),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(16, 3),
    )
    return model, dn.optim.Adam(model.parameters(), lr=0.01)


def state(model: nn.Module) -> dict[str, np.ndarray]:
    """Every weight and buffer, copied."""
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}  # state_dict() shares memory


class Crash(Exception):
    """Stands for a process killed in the middle of training."""


class CrashAfter(dn.callbacks.Callback):
    """Raise ``Crash`` after the given number of optimizer steps (over the whole run)."""

    def __init__(self, steps: int) -> None:
        self.steps, self.seen = steps, 0

    def on_batch_end(self, step: int, logs: dict | None = None) -> None:
        self.seen += 1
        if self.seen == self.steps:
            raise Crash(f"crash after {self.steps} steps")


def train(
    seed: int,
    epochs: int = EPOCHS,
    callbacks: list | None = None,
    resume_from: Any = None,
    model_and_optimizer: tuple | None = None,
) -> nn.Module:
    X, y = data()
    model, optimizer = model_and_optimizer or build(seed)
    dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optimizer,
        epochs=epochs,
        batch_size=BATCH,
        shuffle=True,
        callbacks=callbacks,
        resume_from=resume_from,
    )
    return model


def main(argv: list[str]) -> None:
    """``plain SEED OUT.npz`` | ``crash SEED FOLDER STEPS`` | ``resume SEED CHECKPOINT OUT.npz``."""
    mode, seed = argv[0], int(argv[1])
    if mode == "plain":
        np.savez(argv[2], **state(train(seed)))
    elif mode == "crash":
        checkpoint = dn.callbacks.ModelCheckpoint(argv[2], monitor="loss", every_n_steps=4)
        try:
            train(seed, callbacks=[CrashAfter(int(argv[3])), checkpoint])
        except Crash:
            pass
        else:
            raise SystemExit("the run did not crash")
    elif mode == "resume":
        # A fresh process, a fresh model with other initial weights: everything comes from the file.
        model = train(seed + 1000, resume_from=argv[2])
        np.savez(argv[3], **state(model))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(sys.argv[1:])
