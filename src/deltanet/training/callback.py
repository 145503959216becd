"""The ``Callback`` protocol: every hook that ``fit`` calls, declared and documented here (Keras's
names), and ``History``, the callback that ``fit`` always runs.

``fit`` calls, in this order:

```text
set_model(model); set_params(params); set_fit_state(state)     # once, before training
on_train_begin(logs)
for each epoch:
    on_epoch_begin(epoch, logs)                 # not again for an epoch resumed in its middle
    for each batch:
        on_batch_end(step, logs)                # logs = {"loss", "size", "epoch"}
    on_epoch_end(epoch, logs)                   # logs = {"loss", "val_loss", metrics...}
on_nonfinite_loss(epoch, step, message)         # only if the loss or the gradients become NaN/inf
on_train_end(logs)
```

``epoch`` and ``step`` count from 0, as in Keras. A callback stops training by setting
``self.model.stop_training = True``; the loop finishes the current epoch and returns.
``state_dict()``/``load_state_dict()`` carry a callback's own state through a checkpoint
(``ModelCheckpoint`` saves it, ``fit(resume_from=...)`` loads it back after ``on_train_begin``).
"""

from __future__ import annotations

import math
from typing import Any


class Callback:
    """Base class: override the hooks you need; each receives a ``logs`` dict.

    Attributes:
        model: the model being trained (set by ``fit`` through ``set_model``).
        params: ``fit``'s settings (``epochs``, ``batch_size``, ``steps``, ``samples``,
            ``verbose``, ``initial_epoch``).
        fit_state: the run's ``FitState`` (``deltanet.training.state``): the checked data, the
            optimizer, the run folder, the other callbacks and where the loop stands.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> class PrintLoss(dn.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, round(logs["loss"], 3))
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> model.weight.array[...] = 0.0; model.bias.array[...] = 0.0
        >>> X = np.array([[1.0], [2.0]]); y = np.array([[2.0], [4.0]])
        >>> _ = dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1),
        ...            epochs=2, batch_size=None, callbacks=[PrintLoss()])
        0 10.0
        1 1.06
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}
        self.fit_state: Any = None

    def set_model(self, model: Any) -> None:
        """Remember the model that is being trained (called once, before training)."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Remember ``fit``'s settings (called once, before training)."""
        self.params = params

    def set_fit_state(self, state: Any) -> None:
        """Remember the run's ``FitState`` (called once, before ``on_train_begin``).

        It holds what a callback may need beyond the model: ``state.X``, ``state.y``,
        ``state.validation_data``, ``state.optimizer``, ``state.run_dir``, ``state.callbacks``,
        and where the loop stands (``state.epoch``, ``state.step``).
        """
        self.fit_state = state

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once before the first epoch; reset the callback's state here (a callback
        object may serve several fits)."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once after the last epoch (also after a stop or ``TerminateOnNaN``)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of every epoch (``fit`` calls it only for callbacks that override it)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of every epoch with that epoch's ``loss``, ``val_loss`` and metrics."""

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        """Called after every optimizer step with that batch's ``loss``, ``size`` and ``epoch``.

        ``fit`` calls it only for callbacks that override it, so that the common case costs
        nothing per step.
        """

    def on_nonfinite_loss(self, epoch: int, step: int, message: str) -> None:
        """Called when a step's loss or gradients became NaN or infinite, before that step's update.

        The update is not applied; ``message`` says what happened, at which epoch and step. After
        the call ``fit`` raises ``TrainingDivergedError``, unless a ``TerminateOnNaN`` callback is
        in the run, which ends it quietly.
        """

    def state_dict(self) -> dict[str, Any]:
        """The callback's state for a checkpoint: JSON values and NumPy arrays (default: none)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (``fit`` calls it after ``on_train_begin`` when it resumes)."""


class History(Callback):
    """The learning curves: one list per logged quantity, one entry per epoch.

    ``fit`` always records one and returns it.

    Attributes:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``, each list as long
            as ``epoch``: a quantity not logged in an epoch (a metric added when a run is resumed)
            holds NaN there, so that entry i of every list belongs to ``epoch[i]``.
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
        done = len(self.epoch)
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, [math.nan] * done).append(value)
        for values in self.history.values():
            if len(values) == done:  # not logged in this epoch
                values.append(math.nan)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"


class CallbackList:
    """The run's callbacks, called in order; the per-step and per-epoch-begin hooks go only to the
    callbacks that override them, so that a run without such callbacks pays nothing for them.

    Args:
        callbacks: the callbacks, in the order their hooks run.

    Examples:
        >>> from deltanet.training.callback import CallbackList, History
        >>> hooks = CallbackList([History()])
        >>> hooks.per_step
        []
    """

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = list(callbacks)
        self.per_step = [cb for cb in self.callbacks if type(cb).on_batch_end is not Callback.on_batch_end]
        self.per_epoch = [cb for cb in self.callbacks if type(cb).on_epoch_begin is not Callback.on_epoch_begin]

    def __iter__(self) -> Any:
        return iter(self.callbacks)

    def setup(self, model: Any, params: dict[str, Any], state: Any) -> None:
        """``set_model``, ``set_params`` and ``set_fit_state`` of every callback."""
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
            cb.set_fit_state(state)

    def on_train_begin(self) -> None:
        for cb in self.callbacks:
            cb.on_train_begin({})

    def on_train_end(self) -> None:
        for cb in self.callbacks:
            cb.on_train_end({})

    def on_epoch_begin(self, epoch: int) -> None:
        for cb in self.per_epoch:
            cb.on_epoch_begin(epoch, {})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        for cb in self.per_step:
            cb.on_batch_end(step, logs)

    def on_nonfinite_loss(self, epoch: int, step: int, message: str) -> None:
        for cb in self.callbacks:
            cb.on_nonfinite_loss(epoch, step, message)
