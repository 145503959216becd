"""``LearningRateScheduler``: the callback that steps a learning-rate schedule once per epoch, so
that ``fit`` knows the schedule and its checkpoints carry the schedule's position."""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.training.callback import Callback
from deltanet.training.direction import known_mode


class LearningRateScheduler(Callback):
    r"""Step a learning-rate schedule after every epoch, and carry its state through checkpoints.

    PyTorch's order: the epoch trains with the current rate $\eta_t$, then ``scheduler.step()``
    sets $\eta_{t+1}$ (``StepLR``: $\eta_{t+1} = \gamma \, \eta_t$ every ``step_size`` epochs).
    ``ReduceLROnPlateau`` is stepped with the monitored value of the epoch logs. A plain function
    ``schedule(epoch, lr) -> lr`` (Keras's form) sets every group's rate before each epoch instead.

    Stepping the scheduler through this callback, rather than in a callback of your own, is what
    lets ``ModelCheckpoint`` save its position and ``fit(resume_from=...)`` restore it, so that a
    resumed run has the same rates as an uninterrupted one (``fit`` refuses to resume a run whose
    optimizer had a scheduler that no checkpoint saved).

    Args:
        schedule: a scheduler of ``deltanet.optim`` (``StepLR(opt, 10)``, ``ReduceLROnPlateau(opt)``)
            built on the optimizer given to ``fit``, or a function ``schedule(epoch, lr)`` returning
            the rate for that epoch (from 0).
        monitor: the epoch-log key given to ``ReduceLROnPlateau.step`` (default ``"val_loss"``).
            A score such as ``val_accuracy`` needs ``ReduceLROnPlateau(optimizer, mode="max")``, a
            loss or an error ``mode="min"`` (PyTorch's default); the other is refused.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 2, rng=0); opt = dn.optim.SGD(model.parameters(), lr=0.1)
        >>> sched = dn.callbacks.LearningRateScheduler(dn.optim.StepLR(opt, step_size=1, gamma=0.5))
        >>> X = np.zeros((4, 2)); y = np.array([0, 1, 0, 1])
        >>> _ = dn.fit(model, X, y, "cross_entropy", opt, epochs=3, callbacks=[sched])
        >>> opt.param_groups[0]["lr"]
        0.0125
    """

    def __init__(self, schedule: Any, monitor: str = "val_loss") -> None:
        super().__init__()
        from deltanet.optim import LRScheduler, ReduceLROnPlateau

        if isinstance(schedule, type):
            raise ValueError(
                f"LearningRateScheduler: schedule must be a scheduler object, got the class {schedule.__name__} "
                f"itself; build it on the optimizer first, e.g. {schedule.__name__}(optimizer, ...)"
            )
        if not isinstance(schedule, (LRScheduler, ReduceLROnPlateau)) and not callable(schedule):
            raise check.fail(
                "LearningRateScheduler",
                "schedule",
                "a deltanet.optim scheduler or a function (epoch, lr) -> lr",
                schedule,
            )
        if not isinstance(monitor, str) or not monitor:
            raise check.fail("LearningRateScheduler", "monitor", "a log key such as 'val_loss'", monitor)
        self.schedule, self.monitor = schedule, monitor
        self.is_scheduler = isinstance(schedule, (LRScheduler, ReduceLROnPlateau))
        self.on_plateau = isinstance(schedule, ReduceLROnPlateau)
        wanted = known_mode(monitor)
        if self.on_plateau and wanted is not None and schedule.mode != wanted:
            what = "a score, which should rise" if wanted == "max" else "a loss or an error, which should fall"
            raise ValueError(
                f"LearningRateScheduler: ReduceLROnPlateau(mode={schedule.mode!r}) would cut the learning rate "
                f"while {monitor!r} improves: {monitor!r} is {what}; build it with mode={wanted!r}"
            )

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.fit_state.optimizer if self.fit_state is not None else None
        if self.is_scheduler and optimizer is not None and self.schedule.optimizer is not optimizer:
            raise ValueError(
                "LearningRateScheduler: the scheduler was built on another optimizer than the one given "
                "to fit; build it on that one, e.g. StepLR(optimizer, step_size=10)"
            )

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.is_scheduler:
            for group in self.fit_state.optimizer.param_groups:
                group["lr"] = check.number(
                    self.schedule(epoch, group["lr"]), "schedule(epoch, lr)", "LearningRateScheduler", low=0
                )

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.is_scheduler:
            return
        if not self.on_plateau:
            self.schedule.step()
            return
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(
                f"LearningRateScheduler: ReduceLROnPlateau is stepped with {self.monitor!r}, which is not in "
                f"the epoch logs (available: {', '.join(logs or {}) or 'none'})"
            )
        self.schedule.step(value)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's ``state_dict()`` (a function schedule has no state: the epoch says it all)."""
        return {"scheduler": self.schedule.state_dict()} if self.is_scheduler else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the scheduler's state (``fit`` calls it when it resumes)."""
        if self.is_scheduler:
            self.schedule.load_state_dict(state["scheduler"])

    def __repr__(self) -> str:
        return f"LearningRateScheduler({type(self.schedule).__name__})"
