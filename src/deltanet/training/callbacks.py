"""Callbacks: code that ``fit`` calls at fixed points of training, with Keras's protocol.

``fit`` calls, in this order:

```text
on_train_begin(logs)
for each epoch:   on_epoch_begin(epoch, logs)
    for each batch:   on_batch_end(step, logs)       # logs = {"loss", "size", "epoch"}
    on_epoch_end(epoch, logs)                         # logs = {"loss", "val_loss", metrics...}
on_train_end(logs)
```

``epoch`` and ``step`` are counted from 0, as in Keras. A callback stops training by setting
``self.model.stop_training = True``; the loop finishes the current epoch and returns.

What the seeds ask of training practice lives here: early stopping ("stop when the validation
loss stops improving", [Hosny et al.]) and the record of the learning curves (``History``)
that "babysitting the learning process" reads.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np


class Callback:
    """Base class: override the hooks you need; each receives a ``logs`` dict.

    Attributes:
        model: the model being trained (set by ``fit`` through ``set_model``).
        params: ``fit``'s settings (``epochs``, ``batch_size``, ``steps``, ``samples``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> class PrintLoss(dn.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, round(logs["loss"], 3))
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> model.weight.data[...] = 0.0; model.bias.data[...] = 0.0
        >>> X = np.array([[1.0], [2.0]]); y = np.array([[2.0], [4.0]])
        >>> _ = dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1),
        ...            epochs=2, batch_size=None, callbacks=[PrintLoss()])
        0 10.0
        1 1.06
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        """Remember the model that is being trained."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Remember ``fit``'s settings."""
        self.params = params

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once after the last epoch (also after a stop)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of every epoch with that epoch's ``loss``, ``val_loss`` and metrics."""

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        """Called after every optimizer step with that batch's ``loss`` and ``size``.

        ``fit`` calls it only for callbacks that override it, so that the common case costs
        nothing per step.
        """


class History(Callback):
    """The learning curves: one list per logged quantity, one entry per epoch.

    ``fit`` always records one and returns it.

    Attributes:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``.
        epoch: the epoch numbers recorded (from 0).

    Examples:
        >>> from deltanet.training import History
        >>> h = History()
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 0.9}); h.on_epoch_end(1, {"loss": 0.5})
        >>> h.history["loss"], h.epoch
        ([0.9, 0.5], [0, 1])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"


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
        mode: ``"min"``, ``"max"``, or ``"auto"`` (max for keys ending in ``acc``,
            ``accuracy`` or ``auc``, min otherwise).
        restore_best_weights: when training ends, load the weights of the best epoch back into
            the model (otherwise the model keeps the weights of the last epoch).
        baseline: a value the monitored quantity must beat; until it does, epochs count as not
            improving.
        start_from_epoch: epochs to wait before monitoring at all (warm-up).
        verbose: print a line when training stops early and when the best weights are restored.

    Attributes:
        stopped_epoch: the epoch (from 0) at which training was stopped, 0 if it was not.
        best: the best value seen; ``best_epoch`` its epoch.

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
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"EarlyStopping: monitor must be a log key such as 'val_loss', got {monitor!r}")
        for name, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"EarlyStopping: {name} must be an integer >= 0, got {value!r}")
        if not isinstance(min_delta, (int, float, np.number)) or not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) else "min"
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.patience = int(patience)
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = baseline
        self.start_from_epoch = int(start_from_epoch)
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_weights: dict[str, np.ndarray] | None = None

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
            self.best_weights = self.model.state_dict()
            self.best_epoch = epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self.baseline is None or self._improves(current, float(self.baseline)):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def state_dict(self) -> dict[str, Any]:
        """The counters and the best value, as JSON (saved in checkpoints; ``best_weights`` are
        not: after a resume, ``restore_best_weights`` restores the best weights seen since)."""
        return {
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best": self.best if math.isfinite(self.best) else None,
            "best_epoch": self.best_epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict`` (``fit`` calls it when it resumes from a checkpoint)."""
        self.wait, self.stopped_epoch = int(state["wait"]), int(state["stopped_epoch"])
        best = state["best"]
        self.best = (math.inf if self.mode == "min" else -math.inf) if best is None else float(best)
        self.best_epoch = int(state["best_epoch"])

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


class TerminateOnNaN(Callback):
    """Stop training quietly, without an exception, when the loss becomes NaN or infinite.

    Without this callback ``fit`` raises ``TrainingDivergedError``. Either
    way the offending step is not applied: the loop checks the loss before ``optimizer.step()``,
    so the model keeps the weights of the last finite step. With this callback ``fit`` issues a
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
        """Called by ``fit`` instead of raising: record where, warn, and stop."""
        self.stopped_at = (epoch, step)
        warnings.warn(f"TerminateOnNaN: {message}", UserWarning, stacklevel=3)
        self.model.stop_training = True


# ModelCheckpoint lives in training/checkpoint.py (it needs deltanet.io); it is a callback, so
# it is listed here too (``dn.callbacks.ModelCheckpoint``).
from deltanet.training.checkpoint import ModelCheckpoint  # noqa: E402

__all__ = ["Callback", "EarlyStopping", "History", "ModelCheckpoint", "TerminateOnNaN"]
