"""Training checkpoints: ``ModelCheckpoint`` writes them, ``fit(..., resume_from=path)`` reads
them and continues the run exactly.

A checkpoint is a ``deltanet.save`` file (see ``deltanet.io.files``) whose ``config.json``
also holds a ``training`` section:

- where the run is: ``epoch`` (from 0) and ``step`` (batches of that epoch already applied; 0 at
  an epoch boundary), and the run's settings (samples, batch size, steps per epoch, shuffle);
- the random state as JSON (``bit_generator.state`` of NumPy's generators): the shuffle generator
  of ``fit``, the default generator of ``dn.manual_seed`` (dropout masks, by default), and every
  generator a layer owns (``Dropout(rng=seed)``);
- the data order of the current epoch: the shuffle generator's state at the start of the epoch,
  from which the same permutation is drawn again (with its SHA-256 to prove it), so no index array
  is stored;
- mid-epoch, the epoch's running loss sums, and its outputs so far when metrics are computed
  (``training/outputs.npy``);
- the ``History``, whether a callback had asked to stop, and the
  state of callbacks that have ``state_dict()``/``load_state_dict()`` (``EarlyStopping``,
  ``ModelCheckpoint`` and the LR scheduler given to it).

The model's weights and buffers and the optimizer's state (momentum buffers, Adam moments and
step counts, learning rates) are the file's ``weights/`` and ``optimizer/`` members. With all of
that restored, every remaining step sees the same weights, the same batch and the same random
numbers as in the uninterrupted run, so the final weights are equal bit for bit.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.training.callbacks import Callback, History


class FitState:
    """What ``fit`` shares with checkpoint callbacks: where the loop is, and the epoch so far.

    ``fit`` creates one only when a callback asks for it (``ModelCheckpoint``), and updates it
    once per epoch and, inside its batch-callback branch, once per step.
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        generator: np.random.Generator,
        history: History,
        callbacks: list[Callback],
        settings: dict[str, Any],
    ) -> None:
        self.model, self.optimizer, self.generator = model, optimizer, generator
        self.history, self.callbacks, self.settings = history, callbacks, settings
        self.epoch = 0
        self.step = 0
        self.total = 0.0
        self.penalty_total = 0.0
        self.outputs: np.ndarray | None = None
        self.epoch_rng_state: dict[str, Any] | None = None
        self.order_digest: str | None = None

    def begin_epoch(self, epoch: int) -> None:
        """Called by ``fit`` before it draws the epoch's order."""
        self.epoch, self.step, self.total, self.penalty_total = epoch, 0, 0.0, 0.0
        self.epoch_rng_state = dict(self.generator.bit_generator.state)
        self.order_digest = None

    def set_order(self, order: np.ndarray | None) -> None:
        self.order_digest = None if order is None else _digest(order)


def _digest(order: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(order, dtype=np.int64).tobytes()).hexdigest()


# -- JSON for random states and logs -------------------------------------------------------------
def _encode(value: Any) -> Any:
    """JSON for a bit generator's state or a log value (arrays tagged, NumPy scalars unwrapped)."""
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"ndarray", "dtype"} and value["dtype"] in ("uint32", "uint64", "int64"):
            return np.array(value["ndarray"], dtype=value["dtype"])
        if set(value) == {"float"} and value["float"] in ("nan", "inf", "-inf"):
            return float(value["float"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _module_generators(model: Any) -> dict[str, np.random.Generator]:
    """Generators owned by layers (``Dropout(rng=0)`` keeps one), by "module.path:attribute"."""
    found = {}
    for path, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{path}:{attr}"] = value
    return found


def _callback_key(callbacks: list[Callback], cb: Callback) -> str:
    same = [c for c in callbacks if type(c) is type(cb)]
    i = next(j for j, c in enumerate(same) if c is cb)
    return type(cb).__name__ + (f"#{i}" if i else "")


# -- writing ------------------------------------------------------------------------------------
def capture(state: FitState, at_epoch_end: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The training section and arrays for a checkpoint taken now."""
    arrays: dict[str, np.ndarray] = {}
    if at_epoch_end:
        epoch, step, partial = state.epoch + 1, 0, None
    else:
        epoch, step = state.epoch, state.step
        partial = {"total": state.total, "penalty_total": state.penalty_total}
        if state.outputs is not None:
            arrays["outputs"] = state.outputs[: _done_samples(state)]
    callbacks = {}
    for cb in state.callbacks:
        if hasattr(cb, "state_dict") and not isinstance(cb, History):
            callbacks[_callback_key(state.callbacks, cb)] = _encode(cb.state_dict())
    default = backend.get_rng(None)
    training = {
        **state.settings,
        "epoch": epoch,
        "step": step,
        "partial": partial,
        "epoch_rng_state": None if at_epoch_end else _encode(state.epoch_rng_state),
        "order_sha256": None if at_epoch_end else state.order_digest,
        "rng": {
            "fit": _encode(state.generator.bit_generator.state),
            "default": _encode(default.bit_generator.state),
            "modules": {k: _encode(g.bit_generator.state) for k, g in _module_generators(state.model).items()},
        },
        "history": {"epoch": list(state.history.epoch), "history": _encode(state.history.history)},
        "stop_training": bool(getattr(state.model, "stop_training", False)) and at_epoch_end,
        "callbacks": callbacks,
    }
    return training, arrays


def _done_samples(state: FitState) -> int:
    size = state.settings["batch_size"] or state.settings["samples"]
    return min(state.step * min(size, state.settings["samples"]), state.settings["samples"])


class ModelCheckpoint(Callback):
    """Save the model, the optimizer and everything needed to resume training exactly.

    Writes ``dirpath/last.dnet`` after every epoch (and every ``every_n_steps`` optimizer steps
    when given), and ``dirpath/best.dnet`` whenever the monitored quantity improves. Each write is
    atomic (temporary file, fsync, ``os.replace``), so a crash mid-write leaves the previous file.
    ``fit(..., resume_from=checkpoint.last_path)`` continues the run as if it had never stopped
    (see ``deltanet.training.checkpoint`` for what is stored).

    ``fit`` calls checkpoint callbacks after all other callbacks, so what they save includes every
    other callback's update for that epoch or step.

    Args:
        dirpath: the folder to write into (created if missing).
        save_best_only: write only ``best.dnet`` at epoch ends, not ``last.dnet`` (step
            checkpoints still go to ``last.dnet``).
        monitor: the epoch-log key that decides "best" (default ``"val_loss"``).
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for keys ending in ``acc``, ``accuracy``
            or ``auc``).
        every_n_steps: also write ``last.dnet`` after every n-th optimizer step (counted over
            the whole run), for resuming mid-epoch.
        scheduler: an LR scheduler whose state is saved and restored with the checkpoint (its
            ``step()`` is yours to call, e.g. from a callback).

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
        if not isinstance(dirpath, (str, os.PathLike)):
            raise ValueError(f"ModelCheckpoint: dirpath must be a folder path, got {dirpath!r}")
        if not isinstance(save_best_only, (bool, np.bool_)):
            raise ValueError(f"ModelCheckpoint: save_best_only must be True or False, got {save_best_only!r}")
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"ModelCheckpoint: monitor must be a log key such as 'val_loss', got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if every_n_steps is not None and (not _nonneg_int(every_n_steps) or every_n_steps == 0):
            raise ValueError(f"ModelCheckpoint: every_n_steps must be None or an integer >= 1, got {every_n_steps!r}")
        if scheduler is not None and not (hasattr(scheduler, "state_dict") and hasattr(scheduler, "load_state_dict")):
            raise ValueError(f"ModelCheckpoint: scheduler must have state_dict()/load_state_dict(), got {scheduler!r}")
        if mode == "auto":
            mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) else "min"
        self.dirpath = os.fspath(dirpath)
        self.save_best_only = bool(save_best_only)
        self.monitor, self.mode = monitor, mode
        self.every_n_steps = None if every_n_steps is None else int(every_n_steps)
        self.scheduler = scheduler
        self.last_path = os.path.join(self.dirpath, "last.dnet")
        self.best_path = os.path.join(self.dirpath, "best.dnet")
        self.fit_state: FitState | None = None
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self._warned = False

    def set_fit_state(self, state: FitState) -> None:
        """Called by ``fit``: the loop state this callback saves."""
        self.fit_state = state

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        os.makedirs(self.dirpath, exist_ok=True)

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        if self.every_n_steps is None or self.fit_state is None:
            return
        state = self.fit_state
        done = state.epoch * state.settings["steps_per_epoch"] + state.step
        if done % self.every_n_steps == 0:
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
        from deltanet.io import files

        state = self.fit_state
        assert state is not None, "ModelCheckpoint writes only during fit, after set_fit_state"
        training, arrays = capture(state, at_epoch_end)
        files.write(path, state.model, optimizer=state.optimizer, training=training, arrays=arrays)

    def state_dict(self) -> dict[str, Any]:
        """The best value so far and the scheduler's state (JSON)."""
        return {
            "best": _encode(self.best),
            "best_epoch": self.best_epoch,
            "scheduler": None if self.scheduler is None else _encode(self.scheduler.state_dict()),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict`` (after ``on_train_begin``, when ``fit`` resumes)."""
        self.best = float(_decode(state["best"]))
        self.best_epoch = state["best_epoch"]
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(_decode(state["scheduler"]))

    def __repr__(self) -> str:
        return (
            f"ModelCheckpoint(dirpath={self.dirpath!r}, save_best_only={self.save_best_only}, "
            f"monitor={self.monitor!r}, mode={self.mode!r}, every_n_steps={self.every_n_steps})"
        )


# -- resuming ------------------------------------------------------------------------------------
class ResumePoint:
    """Where a resumed ``fit`` starts: read and checked by ``read_resume``, applied by fit."""

    def __init__(self, training: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.training = training
        self.epoch: int = training["epoch"]
        self.step: int = training["step"]
        partial = training.get("partial") or {}
        self.total = float(partial.get("total", 0.0))
        self.penalty_total = float(partial.get("penalty_total", 0.0))
        self.outputs = arrays.get("outputs")
        self.epoch_rng_state = _decode(training.get("epoch_rng_state"))
        self.stop_training = bool(training.get("stop_training", False))


def read_resume(
    path: Any, model: Any, optimizer: Any, settings: dict[str, Any], outputs_shape: tuple[int, ...] | None
) -> ResumePoint:
    """Load a checkpoint into ``model`` and ``optimizer``, check it fits this run, return where to
    start. Raises CheckpointError naming what does not fit."""
    from deltanet.io import files
    from deltanet.io.errors import CheckpointError

    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    if not isinstance(name, str):
        raise ValueError(f"resume_from must be a checkpoint file path, got {path!r}")
    before = model.state_dict()
    ckpt = files.load_checkpoint(name, model=model)
    try:
        training = ckpt.training
        if training is None:
            raise CheckpointError(
                f"{name!r}: a model file without training state (written by dn.save, "
                f"not ModelCheckpoint); load it with dn.load instead"
            )
        for key, value in settings.items():
            if training.get(key) != value:
                raise CheckpointError(
                    f"{name!r}: training.{key} is {training.get(key)!r:.80}, but this fit has {value!r} "
                    f"(resume with the same data and settings)"
                )
        steps = settings["steps_per_epoch"]
        epoch, step = training.get("epoch"), training.get("step")
        if not (_nonneg_int(epoch) and _nonneg_int(step) and step <= steps):
            raise CheckpointError(f"{name!r}: training.epoch/step must be integers (step <= {steps})")
        if ckpt.optimizer_state is None:
            raise CheckpointError(f"{name!r}: no optimizer state")
        if ckpt.optimizer_class != type(optimizer).__name__:
            raise CheckpointError(
                f"{name!r}: optimizer.class is {ckpt.optimizer_class!r}, but fit was given a {type(optimizer).__name__}"
            )
        names = {id(p): n for n, p in model.named_parameters()}
        ours = [names.get(id(p)) for g in optimizer.param_groups for p in g["params"]]
        if ours != ckpt.optimizer_state["param_names"]:
            raise CheckpointError(f"{name!r}: optimizer.param_names differ from this optimizer's parameters")
        try:
            point = ResumePoint(training, ckpt.arrays)
        except (TypeError, ValueError, AttributeError) as error:
            raise CheckpointError(f"{name!r}: training.partial/epoch_rng_state: {error}") from None
        if step and outputs_shape is not None:
            done = min(step * (settings["batch_size"] or settings["samples"]), settings["samples"])
            want = (done, *outputs_shape)
            if point.outputs is None or point.outputs.shape != want:
                raise CheckpointError(f"{name!r}: training/outputs.npy must have shape {want}")
        try:  # last: it changes the optimizer, and checks everything before it does
            optimizer.load_state_dict(ckpt.optimizer_state)
        except (ValueError, TypeError, KeyError) as error:
            raise CheckpointError(f"{name!r}: optimizer state: {error}") from None
        return point
    except BaseException:
        model.load_state_dict(before)  # nothing changes unless everything checks out
        raise


def _nonneg_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and bool(value >= 0)


def restore_rng(
    point: ResumePoint, model: Any, generator: np.random.Generator, n: int, shuffle_epoch: bool
) -> np.ndarray | None:
    """Put every generator back where it was; return the interrupted epoch's order (mid-epoch)."""
    from deltanet.io.errors import CheckpointError

    training = point.training
    rng: Any = training.get("rng")  # unvalidated JSON: a malformed one fails below as a CheckpointError
    order = None
    try:
        if point.step and shuffle_epoch:
            generator.bit_generator.state = _decode(training["epoch_rng_state"])
            order = generator.permutation(n)
            if _digest(order) != training.get("order_sha256"):
                raise CheckpointError("training.epoch_rng_state does not give back the saved data order")
        owned = _module_generators(model)
        for key, state in rng["modules"].items():
            if key not in owned:
                raise CheckpointError(f"training.rng.modules: the model has no generator {key!r:.80}")
            owned[key].bit_generator.state = _decode(state)
        backend.get_rng(None).bit_generator.state = _decode(rng["default"])
        generator.bit_generator.state = _decode(rng["fit"])
    except CheckpointError:
        raise
    except Exception as error:  # a malformed state: TypeError, ValueError, KeyError...
        raise CheckpointError(
            f"training.rng: cannot restore the random state ({type(error).__name__}: {error})"
        ) from None
    return order


def restore_callbacks(point: ResumePoint, history: History, callbacks: list[Callback]) -> None:
    """History and the callbacks' own states (call after ``on_train_begin``)."""
    from deltanet.io.errors import CheckpointError

    saved = point.training.get("history") or {}
    try:
        history.epoch = [int(e) for e in saved.get("epoch", [])]
        history.history = {str(k): list(_decode(v)) for k, v in saved.get("history", {}).items()}
        states = point.training.get("callbacks") or {}
        for cb in callbacks:
            key = _callback_key(callbacks, cb)
            if hasattr(cb, "load_state_dict") and key in states and not isinstance(cb, History):
                cb.load_state_dict(_decode(states[key]))
    except Exception as error:
        raise CheckpointError(f"training.callbacks/history: cannot restore ({type(error).__name__}: {error})") from None
