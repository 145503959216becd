"""Training checkpoints: ``ModelCheckpoint`` writes them, ``fit(..., resume_from=path)`` reads
them and continues the run exactly.

A checkpoint is a ``deltanet.save`` file (see ``deltanet.io.files``): the model's weights and
buffers (``weights/``), the optimizer's state (``optimizer/``: momentum buffers, Adam's moments and
step counts, learning rates), and a ``training`` section in its ``config.json`` with the loop's
position, the random states, the ``History`` and the callbacks' own states (``EarlyStopping``'s
counters and best weights, a ``LearningRateScheduler``'s position), as ``FitState.snapshot``
writes it (``deltanet.training.state``). Arrays of that section are the ``training/*.npy`` members.

Never a non-finite weight: ``fit`` applies no update that would make one (``deltanet.training.step``),
and ``ModelCheckpoint`` checks the weights before each write and refuses non-finite ones.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.io import files
from deltanet.io.errors import CheckpointError
from deltanet.training import rundir
from deltanet.training.callback import Callback
from deltanet.training.direction import auto_mode
from deltanet.training.schedule import LearningRateScheduler
from deltanet.training.state import FitState, ResumePoint, callback_key
from deltanet.training.step import TrainingDivergedError


class ModelCheckpoint(Callback):
    """Save the model, the optimizer and everything needed to resume training exactly.

    Writes ``dirpath/last.dnet`` after every epoch (and every ``every_n_steps`` optimizer steps
    when given), and ``dirpath/best.dnet`` whenever the monitored quantity improves. Each write is
    atomic (temporary file, fsync, ``os.replace``), so a crash mid-write leaves the previous file.
    ``fit(..., resume_from=checkpoint.last_path)`` continues the run as if it had never stopped
    (see ``deltanet.training.state`` for what is stored). The folder is created and tried for
    writing when training begins, so that a folder that cannot be written fails at once, not
    after the first epoch.

    ``fit`` calls checkpoint callbacks after all other callbacks, so what they save includes every
    other callback's update for that epoch or step.

    In a data-parallel ``fit`` (``deltanet.distributed``), every rank takes part in each save (the
    checkpoint keeps every rank's random states) and rank 0 alone writes the file; resuming needs
    the same number of ranks, each of which reads the file (a folder all ranks see).

    Args:
        dirpath: the folder to write into (created if missing).
        save_best_only: write only ``best.dnet`` at epoch ends, not ``last.dnet`` (step
            checkpoints still go to ``last.dnet``).
        monitor: the epoch-log key that decides "best" (default ``"val_loss"``).
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for a score such as ``val_accuracy``,
            ``val_f1`` or ``val_dice``, min for a loss or an error: ``deltanet.training.direction``).
        every_n_steps: also write ``last.dnet`` after every n-th optimizer step (counted over
            the whole run), for resuming mid-epoch.
        scheduler: an LR scheduler whose state is saved and restored with the checkpoint, for a
            scheduler you step yourself; ``callbacks=[LearningRateScheduler(scheduler)]`` steps it
            and saves it without this argument.

    Attributes:
        last_path, best_path: the two files.
        best: the best monitored value so far; ``best_epoch`` its epoch (from 0).

    Examples:
        >>> import os, tempfile, numpy as np, deltanet as dn
        >>> X = np.random.default_rng(0).normal(size=(8, 2)); y = (X[:, 0] > 0).astype(int)
        >>> folder = tempfile.mkdtemp()
        >>> model = dn.nn.Linear(2, 2, rng=0); opt = dn.optim.SGD(model.parameters(), lr=0.1)
        >>> ckpt = dn.callbacks.ModelCheckpoint(folder, monitor="loss")
        >>> _ = dn.fit(model, X, y, "cross_entropy", opt, epochs=2, batch_size=4, rng=0, callbacks=[ckpt])
        >>> sorted(os.listdir(folder))
        ['best.dnet', 'last.dnet']
        >>> model2 = dn.nn.Linear(2, 2, rng=1); opt2 = dn.optim.SGD(model2.parameters(), lr=0.1)
        >>> _ = dn.fit(model2, X, y, "cross_entropy", opt2, epochs=3, batch_size=4, rng=0,
        ...            resume_from=ckpt.last_path)
    """

    def __init__(
        self,
        dirpath: Any,
        save_best_only: bool = False,
        monitor: str = "val_loss",
        mode: str = "auto",
        every_n_steps: int | None = None,
        scheduler: Any = None,
    ) -> None:
        super().__init__()
        owner = "ModelCheckpoint"
        if not isinstance(dirpath, (str, os.PathLike)):
            raise check.fail(owner, "dirpath", "a folder path", dirpath)
        if not isinstance(monitor, str) or not monitor:
            raise check.fail(owner, "monitor", "a log key such as 'val_loss'", monitor)
        mode = check.one_of(mode, "mode", ("auto", "min", "max"), owner)
        if every_n_steps is not None:
            every_n_steps = check.integer(every_n_steps, "every_n_steps", owner, low=1)
        if scheduler is not None and not isinstance(scheduler, _schedulers()):
            raise check.fail(
                owner, "scheduler", "a deltanet.optim scheduler (StepLR, ReduceLROnPlateau, ...)", scheduler
            )
        self.dirpath = os.fspath(dirpath)
        self.save_best_only = check.flag(save_best_only, "save_best_only", owner)
        self.monitor = monitor
        self.mode = mode if mode != "auto" else auto_mode(monitor)
        self.every_n_steps = every_n_steps
        self.scheduler: Any = scheduler
        self.last_path = os.path.join(self.dirpath, rundir.LAST_CHECKPOINT)
        self.best_path = os.path.join(self.dirpath, rundir.BEST_CHECKPOINT)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self._warned = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        if not _writes(self.fit_state):
            return
        try:
            os.makedirs(self.dirpath, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.dirpath):
                pass
        except OSError as error:
            raise OSError(
                error.errno, f"ModelCheckpoint: cannot write into dirpath {self.dirpath!r} ({error.strerror})"
            ) from None

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        state = self.fit_state
        if self.every_n_steps is None or state is None:
            return
        if (state.epoch * state.steps_per_epoch + state.step) % self.every_n_steps == 0:
            self._write(self.last_path, at_epoch_end=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.fit_state is None:
            raise RuntimeError("ModelCheckpoint works inside deltanet.fit, which gives it the optimizer")
        logs = logs or {}
        current = logs.get(self.monitor)
        improved = False
        if current is None:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"ModelCheckpoint is conditioned on {self.monitor!r}, which is not in the epoch logs. "
                    f"Available keys: {', '.join(logs) or 'none'}; best.dnet is not written",
                    UserWarning,
                    stacklevel=2,
                )
        elif math.isfinite(float(current)) and (
            float(current) < self.best if self.mode == "min" else float(current) > self.best
        ):
            self.best, self.best_epoch, improved = float(current), epoch, True
        if not self.save_best_only:
            self._write(self.last_path, at_epoch_end=True)
        if improved:
            self._write(self.best_path, at_epoch_end=True)

    def _write(self, path: str, at_epoch_end: bool) -> None:
        state: FitState = self.fit_state
        for name, value in state.model.state_dict().items():
            if value.dtype.kind == "f" and not np.isfinite(value.array).all():
                raise TrainingDivergedError(
                    f"ModelCheckpoint: the model's {name!r} holds NaN or infinity at epoch {state.epoch + 1}, "
                    f"step {state.step}; {os.path.basename(path)} was not overwritten and keeps the last "
                    f"finite weights",
                    state.epoch + 1,
                    state.step,
                    math.nan,
                )
        training, arrays = state.snapshot(at_epoch_end)  # on every rank: it gathers their random states
        if _writes(state):
            files.write(path, state.model, optimizer=state.optimizer, training=training, arrays=arrays)

    def state_dict(self) -> dict[str, Any]:
        """The best value so far and the scheduler's state."""
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict`` (after ``on_train_begin``, when ``fit`` resumes)."""
        self.best = float(state["best"])
        self.best_epoch = None if state["best_epoch"] is None else int(state["best_epoch"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])

    def __repr__(self) -> str:
        return (
            f"ModelCheckpoint(dirpath={self.dirpath!r}, save_best_only={self.save_best_only}, "
            f"monitor={self.monitor!r}, mode={self.mode!r}, every_n_steps={self.every_n_steps})"
        )


def _writes(state: FitState | None) -> bool:
    """Whether this process writes the files: always, but in a data-parallel fit only rank 0."""
    world = None if state is None else state.world
    return world is None or world.is_root


def read_resume(path: Any, state: FitState) -> ResumePoint:
    """Load a checkpoint's weights and optimizer state into the run's model and optimizer, check
    that the rest fits this run, and return where to continue (``FitState.restore`` applies it).

    Nothing changes unless everything checks out.

    Args:
        path: the checkpoint, written by ``ModelCheckpoint``.
        state: the run that resumes (its model, optimizer, settings and callbacks).

    Raises:
        CheckpointError: naming what does not fit.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise check.fail("fit", "resume_from", "a checkpoint file path", path)
    name = os.fspath(path)
    model, optimizer = state.model, state.optimizer
    before = {k: v.clone() for k, v in model.state_dict().items()}  # the weights to put back on failure
    ckpt = files.load_checkpoint(name, model=model)
    try:
        if ckpt.training is None:
            raise CheckpointError(
                "a model file without training state (written by dn.save, not ModelCheckpoint); "
                "load it with dn.load instead"
            )
        if ckpt.optimizer_state is None:
            raise CheckpointError("no optimizer state")
        if ckpt.optimizer_class != type(optimizer).__name__:
            raise CheckpointError(
                f"optimizer.class is {ckpt.optimizer_class!r}, but fit was given a {type(optimizer).__name__}"
            )
        names = {id(p): n for n, p in model.named_parameters()}
        ours = [names.get(id(p)) for g in optimizer.param_groups for p in g["params"]]
        if ours != ckpt.optimizer_state["param_names"]:
            raise CheckpointError("optimizer.param_names differ from this optimizer's parameters")
        point = ResumePoint(ckpt.training, ckpt.arrays, state)
        _check_schedules(ckpt.optimizer_state, point.callback_states, state.callbacks)
        try:  # last: it changes the optimizer, and checks everything before it does
            optimizer.load_state_dict(ckpt.optimizer_state)
        except (ValueError, TypeError, KeyError) as error:
            raise CheckpointError(f"optimizer state: {error}") from None
        return point
    except CheckpointError as error:
        model.load_state_dict(before)
        raise CheckpointError(f"{name!r}: {error}") from None
    except BaseException:
        model.load_state_dict(before)
        raise


def _check_schedules(optimizer_state: dict[str, Any], saved: dict[str, Any], callbacks: list[Callback]) -> None:
    """A learning-rate schedule must resume where it was, or the resumed run would use other rates.

    Raises:
        CheckpointError: the interrupted run had a scheduler whose position no callback saved, or
            a scheduler state and a scheduler callback of this run do not find each other.
    """
    carriers = {
        callback_key(callbacks, cb): cb
        for cb in callbacks
        if (isinstance(cb, LearningRateScheduler) and cb.is_scheduler)
        or (isinstance(cb, ModelCheckpoint) and cb.scheduler is not None)
    }
    in_checkpoint = {
        key for key, value in saved.items() if isinstance(value, dict) and value.get("scheduler") is not None
    }
    for key in sorted(set(carriers) - in_checkpoint):
        raise CheckpointError(
            f"this fit's {key} has a learning-rate scheduler, but the checkpoint holds no state for it: it "
            f"would restart the schedule; give the interrupted run's callbacks"
        )
    for key in sorted(in_checkpoint - set(carriers)):
        raise CheckpointError(
            f"the checkpoint holds the learning-rate scheduler state of {key}, but this fit has no such "
            f"callback to restore it into; give the interrupted run's callbacks"
        )
    groups = optimizer_state.get("param_groups") or []
    if not in_checkpoint and any(isinstance(g, dict) and "initial_lr" in g for g in groups):
        raise CheckpointError(
            "the interrupted run's optimizer had a learning-rate scheduler (its param groups carry "
            "'initial_lr'), but no checkpointed callback saved the scheduler's position, so the resumed "
            "run cannot continue the schedule; step it with callbacks=[dn.callbacks.LearningRateScheduler"
            "(scheduler)], which saves it, and start the run again"
        )


def _schedulers() -> tuple[type, ...]:
    from deltanet.optim import LRScheduler, ReduceLROnPlateau

    return (LRScheduler, ReduceLROnPlateau)
