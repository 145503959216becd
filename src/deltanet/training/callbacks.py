"""Callbacks: code that ``fit`` calls at fixed points of training, with Keras's protocol (the hooks
and their order: ``deltanet.training.callback``).

What the seeds ask of training practice lives here: early stopping ("stop when the validation
loss stops improving", [Hosny et al.]), the record of the learning curves (``History``) that
"babysitting the learning process" reads, the learning-rate schedule, and checkpoints
(``ModelCheckpoint``, defined in ``deltanet.training.checkpoint`` and listed here).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.training.callback import Callback, History
from deltanet.training.checkpoint import ModelCheckpoint
from deltanet.training.direction import auto_mode
from deltanet.training.schedule import LearningRateScheduler
from deltanet.training.tensorboard import TensorBoard


class EarlyStopping(Callback):
    r"""Stop training when a monitored quantity has stopped improving (Keras's rules).

    After each epoch, the current value $v$ improves on the best value $v^*$ when
    $v < v^* - \Delta_{min}$ (mode "min") or $v > v^* + \Delta_{min}$ (mode "max"), with
    $\Delta_{min}$ = ``min_delta``. Training stops once ``patience`` epochs in a row have not
    improved (``patience=0``: at the first epoch that does not).

    Args:
        monitor: the key of the epoch logs to watch (default ``"val_loss"``).
        min_delta: the smallest change $\Delta_{min}$ that counts as an improvement (0 or more).
        patience: epochs without improvement to wait before stopping (0 or more).
        mode: ``"min"``, ``"max"``, or ``"auto"``: max for the scores of ``deltanet.metrics``
            (``val_accuracy``, ``val_f1``, ``val_dice``, ``val_iou``, ``val_roc_auc``, ...), min for
            a loss, an error and a name that says neither (``deltanet.training.direction``).
        restore_best_weights: when training ends, load the weights of the best epoch back into
            the model (otherwise the model keeps the weights of the last epoch). The best epoch's
            weights are kept as clones (``best_weights``): a ``state_dict()`` shares memory with
            the model and would follow the epochs after the best one.
        baseline: a value the monitored quantity must beat; until it does, epochs count as not
            improving.
        start_from_epoch: epochs to wait before monitoring at all (warm-up).
        verbose: print a line when training stops early and when the best weights are restored.

    Attributes:
        stopped_epoch: the epoch (from 0) at which training was stopped, 0 if it was not.
        best: the best value seen; ``best_epoch`` its epoch.
        best_weights: with ``restore_best_weights``, the best epoch's ``state_dict`` as clones
            (Tensors that no later training changes), else None.

    Examples:
        >>> from deltanet.training.callbacks import EarlyStopping
        >>> stop = EarlyStopping(monitor="val_loss", patience=2)
        >>> stop.mode
        'min'
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        baseline: float | None = None,
        start_from_epoch: int = 0,
        verbose: int = 0,
    ) -> None:
        super().__init__()
        owner = "EarlyStopping"
        if not isinstance(monitor, str) or not monitor:
            raise check.fail(owner, "monitor", "a log key such as 'val_loss'", monitor)
        mode = check.one_of(mode, "mode", ("auto", "min", "max"), owner)
        if mode == "auto":
            mode = auto_mode(monitor)
        self.monitor = monitor
        self.min_delta = check.number(min_delta, "min_delta", owner, low=0)
        self.patience = check.integer(patience, "patience", owner, low=0)
        self.mode = mode
        self.restore_best_weights = check.flag(restore_best_weights, "restore_best_weights", owner)
        self.baseline = check.optional_number(baseline, "baseline", owner)
        self.start_from_epoch = check.integer(start_from_epoch, "start_from_epoch", owner, low=0)
        self.verbose = check.one_of(verbose, "verbose", (0, 1, 2, False, True), owner)
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_weights: dict[str, Tensor] | None = None

    def _improves(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # A callback object may be reused across fits: forget the previous run.
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"EarlyStopping is conditioned on {self.monitor!r}, which is not in the epoch logs. "
                f"Available keys: {', '.join(logs) or 'none'} "
                f"(val_* keys need fit(..., validation_data=(X_val, y_val)))",
                UserWarning,
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _snapshot(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _snapshot(self.model)
            if self.baseline is None or self._improves(current, float(self.baseline)):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def state_dict(self) -> dict[str, Any]:
        """The counters, the best value and (with ``restore_best_weights``) the best epoch's
        weights, saved in checkpoints so that a resumed run restores the same weights."""
        return {
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best": self.best if math.isfinite(self.best) else None,
            "best_epoch": self.best_epoch,
            "best_weights": None
            if self.best_weights is None
            else {k: v.numpy() for k, v in self.best_weights.items()},  # clones: nothing else writes them
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict`` (``fit`` calls it when it resumes from a checkpoint).

        Raises:
            ValueError: the state lacks the best weights that ``restore_best_weights`` needs.
        """
        self.wait, self.stopped_epoch = int(state["wait"]), int(state["stopped_epoch"])
        best = state["best"]
        self.best = (math.inf if self.mode == "min" else -math.inf) if best is None else float(best)
        self.best_epoch = int(state["best_epoch"])
        weights = state.get("best_weights")
        if self.restore_best_weights and weights is None and best is not None:
            raise ValueError(
                "EarlyStopping: restore_best_weights=True, but the checkpoint holds no best weights "
                "(the interrupted run had restore_best_weights=False); resume with the same setting"
            )
        self.best_weights = (
            None if weights is None else {str(k): Tensor._make(np.asarray(v)) for k, v in weights.items()}
        )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}")
            self.model.load_state_dict(self.best_weights)

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, min_delta={self.min_delta}, patience={self.patience}, "
            f"mode={self.mode!r}, restore_best_weights={self.restore_best_weights})"
        )


def _snapshot(model: Any) -> dict[str, Tensor]:
    """The model's ``state_dict()`` as clones, which later training leaves alone (PyTorch's
    ``copy.deepcopy(model.state_dict())``)."""
    return {k: v.clone() for k, v in model.state_dict().items()}


class TerminateOnNaN(Callback):
    """Stop training quietly, without an exception, when the loss or the gradients become NaN or infinite.

    Without this callback ``fit`` raises ``TrainingDivergedError``. Either way the offending step
    is not applied: the loop checks the loss and the gradients before ``optimizer.step()``, so the
    model keeps the weights of the last good step. With this callback ``fit`` issues a
    ``UserWarning`` that names the epoch and step, and returns the History of the epochs that
    completed.

    Attributes:
        stopped_at: ``(epoch, step)`` (from 0) where the loss became non-finite, or None.

    Examples:
        >>> from deltanet.training.callbacks import TerminateOnNaN
        >>> TerminateOnNaN().stopped_at is None
        True
    """

    def __init__(self) -> None:
        super().__init__()
        self.stopped_at: tuple[int, int] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.stopped_at = None

    def on_nonfinite_loss(self, epoch: int, step: int, message: str) -> None:
        """Record where, warn, and stop (``fit`` then returns instead of raising)."""
        self.stopped_at = (epoch, step)
        warnings.warn(f"TerminateOnNaN: {message}", UserWarning, stacklevel=5)  # the line that called fit
        self.model.stop_training = True


__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "TensorBoard",
    "TerminateOnNaN",
]
