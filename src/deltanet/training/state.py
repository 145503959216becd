"""``FitState``: where a run of ``fit`` stands, what its callbacks may read, and how that position is
saved into a checkpoint and restored from one.

The position is the epoch (from 0), the steps of it already applied, the epoch's running loss sums
and outputs so far, and every random state: the shuffle generator of ``fit`` (which draws each
epoch's order: a permutation, or N indices with replacement), the default
generator of ``dn.manual_seed`` (dropout masks, by default) and every generator a layer owns
(``Dropout(rng=seed)``). An epoch's data order is not stored: the shuffle generator's state at the
start of the epoch is, from which the same order is drawn again (and checked against its
SHA-256). With the weights and the optimizer state (``deltanet.training.checkpoint``), that is
all a resumed run needs to take every remaining step on the same weights, the same batch and the
same random numbers as the uninterrupted run: the final weights are equal bit for bit.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.io.errors import CheckpointError
from deltanet.nn.module import Module
from deltanet.training.callback import Callback, History
from deltanet.training.validation import as_tensor, mean_denominator, sums_over_samples


class FitState:
    """What one run of ``fit`` shares with its callbacks and checkpoints, and where the loop stands.

    Args:
        model: the model being trained.
        optimizer: its optimizer.
        X: the checked training samples.
        y: the checked training targets.
        validation_data: the checked ``(X_val, y_val)``, or None.
        batch_size: samples per step (None: the full batch).
        shuffle: False (the samples in sequence), True (a new permutation every epoch) or
            ``"with_replacement"`` (every epoch draws N samples at random with replacement).
        generator: the ``numpy.random.Generator`` that draws the order.
        output_shape: the model's output shape for one sample when the epoch's outputs are kept
            (for training metrics), else None.
        run_dir: ``fit``'s run folder, or None.
        loss: the loss module or function being minimized (the Monitor checks it against the
            model's output activation), or None.

    Attributes:
        history: the run's ``History``; ``callbacks``: every callback of the run, in order.
        validation: what ``fit`` evaluates after each epoch: ``validation_data``, or (on a loader,
            ``deltanet.training.loader_state``) the validation loader's checked batches.
        epoch: the current epoch (from 0); ``step``: the steps of it already applied.
        learning_rates: each param group's learning rate as the current epoch's steps began
            (after every ``on_epoch_begin``; a scheduler stepped at the epoch's end has not changed
            it), or None before the first epoch.
        total, penalty_total: the epoch's sums of batch loss (penalty) times batch size.
        outputs: the epoch's outputs so far (with ``output_shape``), in the epoch's order.
        epoch_y: the targets in the epoch's order.
        settings: samples, batch size, steps per epoch and shuffle: a checkpoint must have the
            same to be resumed.
        sync: in a data-parallel ``fit``, the ``deltanet.distributed.GradientSync`` whose world
            splits each batch (``world`` is its ``World``); None on one process. The batches are
            then this rank's shares of the global batches (``deltanet.distributed.sharding``),
            and ``total`` and ``outputs`` still account for the whole epoch.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.state import FitState
        >>> model = dn.nn.Linear(2, 1); opt = dn.optim.SGD(model.parameters(), lr=0.1)
        >>> state = FitState(model, opt, np.zeros((5, 2)), np.zeros((5, 1)), None, 2, True,
        ...                  np.random.default_rng(0), None, None)
        >>> state.steps_per_epoch, [len(xb.array) for xb, yb in state.batches()]
        (3, [2, 2, 1])
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        X: np.ndarray,
        y: np.ndarray,
        validation_data: tuple[np.ndarray, np.ndarray] | None,
        batch_size: int | None,
        shuffle: bool | str,
        generator: np.random.Generator,
        output_shape: tuple[int, ...] | None,
        run_dir: Any,
        loss: Any = None,
    ) -> None:
        self.model, self.optimizer, self.generator, self.loss = model, optimizer, generator, loss
        self.X, self.y, self.validation_data, self.run_dir = X, y, validation_data, run_dir
        # What fit evaluates after each epoch: validation_data, or a loader's checked batches.
        self.validation: Any = validation_data
        self.history = History()
        self.callbacks: list[Callback] = [self.history]
        n = len(X)
        self.size = n if batch_size is None else min(batch_size, n)
        self.steps_per_epoch = -(-n // self.size)
        self.replacement = shuffle == "with_replacement"
        # One full batch has no order, but a full batch drawn with replacement is another sample.
        self.shuffled = bool(shuffle) and (self.steps_per_epoch > 1 or self.replacement)
        self.settings: dict[str, Any] = {
            "samples": n,
            "batch_size": batch_size,
            "steps_per_epoch": self.steps_per_epoch,
            "shuffle": shuffle,
        }
        self.output_shape = output_shape
        self.epoch, self.step = 0, 0
        self.epochs: int | None = None  # fit's epochs, the run's total (a resumed run must reach its checkpoint)
        self.learning_rates: list[float] | None = None
        self.total = self.penalty_total = 0.0
        self.summed = sums_over_samples(loss)  # reduction="sum": batch losses add up (see epoch_loss)
        # A mean over weighted or ignored labels: a batch weighs its mean's denominator (see epoch_loss).
        self.denominator = mean_denominator(loss, y)
        self.outputs: np.ndarray | None = None
        self.epoch_X, self.epoch_y = X, y
        self.order: np.ndarray | None = None
        self.epoch_rng_state: dict[str, Any] | None = None
        self.resumed_after_stop = False
        # A data-parallel fit sets its deltanet.distributed.GradientSync here (None: one process).
        self.sync: Any = None
        self._rows = (0, n)  # this rank's rows of the epoch order in the current step
        self._outputs_summed = False
        self.last_size = 0  # the samples of the last step (the global batch, on several ranks)
        self._full = (as_tensor(X), as_tensor(y))  # the full batch, wrapped once
        self._identity: dict[str, Any] | None = None  # see identity()

    # -- the loop ------------------------------------------------------------------------------
    def batches(self) -> Any:
        """The current epoch's batches as ``(xb, yb)`` Tensors, from step ``self.step`` on (0, or
        where a resumed run stopped); a new epoch first draws its order."""
        if self.step == 0:
            self._begin_epoch()
        sync = self.sync
        if self.steps_per_epoch == 1 and sync is None and not self.shuffled:
            if self.step == 0:
                yield self._full
            return
        X, y, size, n = self.epoch_X, self.epoch_y, self.size, len(self.X)
        for start in range(self.step * size, n, size):
            lo, hi = (start, min(start + size, n)) if sync is None else sync.local(start, min(start + size, n))
            if sync is not None and self.denominator is not None:  # weighted or ignored labels
                sync.weigh_loss(self.denominator(y[lo:hi]), self.denominator(y[start : start + size]))
            self._rows = (lo, hi)
            yield as_tensor(X[lo:hi]), as_tensor(y[lo:hi])

    def epoch_size(self) -> int:
        """The samples of an epoch (N: a permutation, or N draws with replacement)."""
        return len(self.X)

    def epoch_targets(self) -> np.ndarray:
        """The targets in the epoch's order (for the training metrics)."""
        return self.epoch_y

    @property
    def validation_samples(self) -> int | None:
        """The number of validation samples (None: no validation, or a loader without a length)."""
        return None if self.validation_data is None else len(self.validation_data[0])

    @property
    def world(self) -> Any:
        """The ``deltanet.distributed.World`` of a data-parallel fit, else None."""
        return None if self.sync is None else self.sync.world

    def _begin_epoch(self) -> None:
        self.total = self.penalty_total = 0.0
        world = self.world
        if self.shuffled:
            self.epoch_rng_state = dict(self.generator.bit_generator.state)
            if world is None:
                self.order = draw_order(self.generator, len(self.X), self.replacement)
            else:  # rank 0 draws what one process would; the other ranks' generators are their own
                order = (
                    draw_order(self.generator, len(self.X), self.replacement)
                    if world.is_root
                    else np.empty(len(self.X), np.int64)
                )
                self.order = world.broadcast_(order.astype(np.int64, copy=False))
            self.epoch_X, self.epoch_y = self.X[self.order], self.y[self.order]  # one gather; batches are views
        if self.output_shape is not None:
            empty = np.empty if world is None else np.zeros  # ranks fill their rows; the rest is summed in
            self.outputs = empty((len(self.X), *self.output_shape), dtype=self.X.dtype)
            self._outputs_summed = False

    def record(self, value: float, penalty: float, outputs: np.ndarray) -> None:
        """Account for one applied step: its mean loss and penalty (of the global batch, in a
        data-parallel fit), and its outputs (this rank's rows)."""
        nb = min(self.size, len(self.X) - self.step * self.size)  # the (global) batch's samples
        if self.outputs is not None:
            lo = self.step * self.size if self.sync is None else self._rows[0]
            self.outputs[lo : lo + len(outputs)] = outputs
        if self.summed:
            self.total += value
        elif self.denominator is None:
            self.total += value * nb
        else:
            lo = self.step * self.size
            self.total += value * self.denominator(self.epoch_y[lo : lo + nb])
        self.penalty_total += penalty * nb
        self.step += 1
        self.last_size = nb

    def epoch_loss(self) -> float:
        r"""The epoch's training loss so far: the loss over its samples, as ``evaluate`` gives it.

        A mean loss: the batch means weighted by batch size, $\sum_b n_b L_b / N$. A summed loss
        (``reduction="sum"``): the batch sums added up, $\sum_b L_b$ (weighting them as means
        gave the average batch's sum, a number that changes with the batch size and that the
        validation loss, a sum over the whole validation set, did not match). A mean over
        weighted or ignored class labels (``CrossEntropy(weight=..., ignore_index=...)``): the
        batch means weighted by their denominators, $\sum_b D_b L_b / \sum_b D_b$
        (``deltanet.training.validation.mean_denominator``).
        """
        if self.summed:
            return self.total
        if self.denominator is None:
            return self.total / self.epoch_size()
        D = self.denominator(self.epoch_y[: min(self.step * self.size, len(self.X))])
        return self.total / D if D else float("nan")

    def epoch_outputs(self) -> np.ndarray:
        """The epoch's outputs, for the training metrics (kept when ``output_shape`` is given); in a
        data-parallel fit, every rank's rows summed in (once, at the end of the epoch)."""
        if self.outputs is None:
            raise RuntimeError("FitState.epoch_outputs: this run keeps no outputs (no training metrics)")
        if self.world is not None and not self._outputs_summed:
            self.world.sum_(self.outputs)
            self._outputs_summed = True
        return self.outputs

    def next_epoch(self) -> None:
        """Move to the next epoch (after its ``on_epoch_end``)."""
        self.epoch, self.step = self.epoch + 1, 0

    # -- checkpoints ---------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        """What a resumed run must share with the run that wrote the checkpoint, beyond
        ``settings``: the training data (a SHA-256 of X and y; None for a loader, whose data
        this cannot read without a pass), the validation arrays (their SHA-256, ``"none"``
        without validation; None for a validation loader), which early stopping, the best
        checkpoint and a plateau schedule follow, and the loss (``describe_loss``). Computed when
        first needed (a checkpoint written or read), once per fit: one pass over the data."""
        if self._identity is None:
            data = None if self.settings.get("data") == "loader" else data_digest(self.X, self.y)
            if isinstance(self.validation_data, tuple):
                validation: str | None = data_digest(*self.validation_data)
            else:
                validation = "none" if self.validation is None else None  # a loader's: not read here
            self._identity = {"data_sha256": data, "loss": describe_loss(self.loss), "validation_sha256": validation}
        return self._identity

    def snapshot(self, at_epoch_end: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The checkpoint's training section (JSON) and arrays for the position now: at the end of
        the current epoch, or after ``self.step`` steps of it."""
        arrays: dict[str, np.ndarray] = {}
        partial = None
        if at_epoch_end:
            epoch, step = self.epoch + 1, 0
        else:
            epoch, step = self.epoch, self.step
            partial = {"total": self.total, "penalty_total": self.penalty_total}
            if self.outputs is not None:
                done = self.outputs[: min(step * self.size, len(self.X))]
                arrays["outputs"] = done if self.world is None else self.world.sum_(done.copy())
        mid_shuffled = not at_epoch_end and self.shuffled and self.order is not None
        callbacks = {}
        for i, cb in enumerate(self.callbacks):
            own = cb.state_dict() if cb is not self.history else None
            if own:
                callbacks[callback_key(self.callbacks, cb)] = _pack(own, arrays, f"callback{i}")
        training = {
            **self.settings,
            **self.identity(),
            "epoch": epoch,
            "step": step,
            "partial": partial,
            "epoch_rng_state": _encode(self.epoch_rng_state) if mid_shuffled else None,
            "order_sha256": _digest(self.order) if mid_shuffled and self.order is not None else None,
            "world_size": 1 if self.world is None else self.world.size,
            "rng": {
                "fit": _encode(self.generator.bit_generator.state),
                **self._rank_states(),
                **({} if self.world is None else {"ranks": self.world.allgather_json(self._rank_states())}),
            },
            "history": {"epoch": list(self.history.epoch), "history": _pack(self.history.history, arrays, "history")},
            "stop_training": bool(getattr(self.model, "stop_training", False)) and at_epoch_end,
            "callbacks": callbacks,
        }
        return training, arrays

    def _rank_states(self) -> dict[str, Any]:
        """The random states of this rank's own draws (dropout): the default generator's and the layers'."""
        return {
            "default": _encode(backend.get_rng(None).bit_generator.state),
            "modules": {k: _encode(g.bit_generator.state) for k, g in module_generators(self.model).items()},
        }

    def restore(self, point: ResumePoint) -> None:
        """Continue from ``point`` (after ``on_train_begin``, which resets the callbacks): the
        History, the callbacks' states, every random state and the position in the epoch."""
        self.history.epoch, self.history.history = point.history_epoch, point.history
        for cb in self.callbacks:
            state = point.callback_states.get(callback_key(self.callbacks, cb))
            if state is not None and cb is not self.history:
                try:
                    cb.load_state_dict(state)
                except Exception as error:
                    raise CheckpointError(
                        f"training.callbacks: {type(cb).__name__} cannot take the saved state "
                        f"({type(error).__name__}: {error})"
                    ) from None
        for generator, state in point.generator_states(self):
            generator.bit_generator.state = state
        self.epoch, self.step = point.epoch, point.step
        self.resumed_after_stop = point.stop_training
        if point.step:  # in the middle of an epoch: its order, sums and outputs so far
            self.total, self.penalty_total = point.total, point.penalty_total
            self.epoch_rng_state = point.epoch_rng_state
            if point.order is not None:
                self.order = point.order
                self.epoch_X, self.epoch_y = self.X[point.order], self.y[point.order]
            if self.output_shape is not None:
                world = self.world
                self.outputs = (np.empty if world is None else np.zeros)(
                    (len(self.X), *self.output_shape), dtype=self.X.dtype
                )
                assert point.outputs is not None  # ResumePoint checked it
                if world is None or world.is_root:  # the saved rows count once in the epoch's sum
                    self.outputs[: len(point.outputs)] = point.outputs


class ResumePoint:
    """A checkpoint's training section, read and checked against this run before anything changes.

    Args:
        training: the ``training`` section of the checkpoint's ``config.json``.
        arrays: its ``training/*.npy`` arrays.
        state: the run that resumes.

    Raises:
        CheckpointError: naming the field that does not fit this run, or that is malformed.
    """

    def __init__(self, training: dict[str, Any], arrays: dict[str, np.ndarray], state: FitState) -> None:
        try:
            self._read(training, arrays, state)
        except CheckpointError:
            raise
        except Exception as error:  # malformed JSON: a TypeError, KeyError, ValueError... somewhere
            raise CheckpointError(f"training: malformed state ({type(error).__name__}: {error})"[:300]) from None

    def _read(self, training: dict[str, Any], arrays: dict[str, np.ndarray], state: FitState) -> None:
        for key, value in state.settings.items():
            if training.get(key) != value:
                raise CheckpointError(
                    f"training.{key} is {training.get(key)!r:.80}, but this fit has {value!r} "
                    f"(resume with the same data and settings)"
                )
        for key, value in state.identity().items():  # absent from checkpoints of older versions
            saved = training.get(key)
            if saved is not None and value is not None and saved != value:
                what = {
                    "data_sha256": "the training data differ",
                    "validation_sha256": "this fit has no validation data"
                    if value == "none"
                    else "the validation data differ",
                }.get(key, f"this fit's loss is {value!r:.80}")
                raise CheckpointError(
                    f"training.{key} is {saved!r:.80}, but {what}: a resumed run must continue the same "
                    f"run (to start a new one from these weights, load them with dn.load)"
                )
        world = state.world
        size, saved_size = 1 if world is None else world.size, training.get("world_size", 1)
        if saved_size != size:
            raise CheckpointError(
                f"training.world_size: the checkpoint was written by a run on {saved_size!r:.20} rank(s), this run "
                f"has {size}; resume at the same world size (mpiexec -n {saved_size!r:.20}): each rank's random "
                f"stream and batch norm statistics belong to its rank"
            )
        steps = state.steps_per_epoch
        epoch, step = training["epoch"], training["step"]
        if not (_count(epoch) and _count(step) and (step == 0 or steps is not None and step <= steps)):
            raise CheckpointError(f"training.epoch/step must be integers >= 0 (step <= {steps})")
        self.epoch, self.step = int(epoch), int(step)
        total = state.epochs
        if total is not None and (self.epoch > total or (self.step and self.epoch >= total)):
            where = f"in epoch {self.epoch + 1}" if self.step else f"at the end of epoch {self.epoch}"
            raise CheckpointError(
                f"training.epoch: the checkpoint is {where}, past epochs={total} of this fit; epochs is the "
                f"run's total, not a number of further epochs: give epochs >= {self.epoch + (1 if self.step else 0)}"
            )
        partial = training.get("partial") or {}
        self.total = float(partial.get("total", 0.0))
        self.penalty_total = float(partial.get("penalty_total", 0.0))
        self.stop_training = bool(training.get("stop_training", False))
        self.outputs = arrays.get("outputs")
        if step and state.output_shape is not None:
            want = (min(step * state.size, len(state.X)), *state.output_shape)
            if self.outputs is None or self.outputs.shape != want:
                raise CheckpointError(f"training/outputs.npy must have shape {want}")
        saved = training.get("history") or {}
        self.history_epoch = [int(e) for e in saved.get("epoch", [])]
        logged = saved.get("history", {}).items()
        self.history = {str(k): [float(v) for v in _unpack(values, arrays)] for k, values in logged}
        self.callback_states = {str(k): _unpack(v, arrays) for k, v in (training.get("callbacks") or {}).items()}
        # Every random state, tried on a fresh generator of its kind first: restore() cannot fail.
        rng = training["rng"]
        if world is not None:  # this rank's own states (the shuffle's is rank 0's, shared)
            ranks = rng["ranks"]
            if not isinstance(ranks, list) or len(ranks) != size:
                raise CheckpointError(f"training.rng.ranks must hold the random states of {size} ranks")
            rng = {**rng, **ranks[world.rank]}
        owned = module_generators(state.model)
        unknown = sorted(set(rng["modules"]) - set(owned))
        if unknown:
            raise CheckpointError(f"training.rng.modules: the model has no generator {unknown[0]!r:.80}")
        self._states = {
            "fit": _checked_state(state.generator, rng["fit"], "fit"),
            "default": _checked_state(backend.get_rng(None), rng["default"], "default"),
            **{k: _checked_state(owned[k], s, f"modules.{k}") for k, s in rng["modules"].items()},
        }
        self.epoch_rng_state = None
        self.order = None
        if step and state.shuffled:
            self.epoch_rng_state = _checked_state(state.generator, training["epoch_rng_state"], "epoch_rng_state")
            drawn = type(state.generator.bit_generator)()
            drawn.state = self.epoch_rng_state
            self.order = draw_order(np.random.Generator(drawn), len(state.X), state.replacement)
            if _digest(self.order) != training.get("order_sha256"):
                raise CheckpointError("training.epoch_rng_state does not give back the saved data order")

    def generator_states(self, state: FitState) -> list[tuple[np.random.Generator, dict[str, Any]]]:
        """``(generator, state)`` pairs to restore: the shuffle's, the default one, the layers'."""
        owned = module_generators(state.model)
        pairs = [(state.generator, self._states["fit"]), (backend.get_rng(None), self._states["default"])]
        return pairs + [(owned[k], s) for k, s in self._states.items() if k not in ("fit", "default")]


# -- helpers ------------------------------------------------------------------------------------
def draw_order(generator: np.random.Generator, n: int, replacement: bool) -> np.ndarray:
    """An epoch's order of the ``n`` samples: a permutation (each sample once), or ``n`` indices
    drawn at random with replacement (some samples twice or more, others not at all)."""
    return generator.integers(0, n, size=n) if replacement else generator.permutation(n)


def callback_key(callbacks: list[Callback], cb: Callback) -> str:
    """The name a callback's state is saved under: its class name, with ``#i`` for the i-th repeat."""
    same = [c for c in callbacks if type(c) is type(cb)]
    i = next(j for j, c in enumerate(same) if c is cb)
    return type(cb).__name__ + (f"#{i}" if i else "")


def module_generators(model: Any) -> dict[str, np.random.Generator]:
    """Generators owned by layers (``Dropout(rng=0)`` keeps one), by "module.path:attribute"."""
    found = {}
    for path, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{path}:{attr}"] = value
    return found


def _count(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and bool(value >= 0)


def data_digest(X: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the training data: the shapes, dtypes and bytes of X and y."""
    h = hashlib.sha256()
    for a in (X, y):
        h.update(f"{a.shape}{a.dtype.str}".encode())
        h.update(np.ascontiguousarray(a).data)
    return h.hexdigest()


def describe_loss(loss: Any) -> str:
    """The loss as a checkpoint and ``config.json`` record it: a loss module's repr (its class and
    options, ``CrossEntropyLoss(reduction='mean', label_smoothing=0.1)``) and the values of its
    buffers (class weights, which the repr leaves out: ``... with weight=[1.0, 3.0]``), else the
    qualified name of the function or class (a repr with a memory address would differ in every run).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.training.state import describe_loss
        >>> describe_loss(dn.losses.CrossEntropy(weight=dn.tensor([1.0, 3.0])))
        "CrossEntropyLoss(reduction='mean') with weight=[1.0, 3.0]"
    """
    if loss is None:
        return "None"
    if isinstance(loss, Module):
        buffers = [f"{name}={b.array.tolist()}" for name, b in loss.named_buffers() if b is not None]
        return repr(loss) + (f" with {', '.join(buffers)}" if buffers else "")
    name = getattr(loss, "__qualname__", None) or type(loss).__qualname__
    module = getattr(loss, "__module__", None) or type(loss).__module__
    return f"{module}.{name}"


def _digest(order: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(order, dtype=np.int64).tobytes()).hexdigest()


def _checked_state(generator: np.random.Generator, encoded: Any, where: str) -> dict[str, Any]:
    """A bit generator's saved state, decoded and tried on a fresh bit generator of the same kind."""
    state = _decode(encoded)
    try:
        type(generator.bit_generator)().state = state
    except Exception as error:
        raise CheckpointError(
            f"training.rng.{where}: not a state of {type(generator.bit_generator).__name__} ({error})"
        ) from None
    return state


def _encode(value: Any) -> Any:
    """JSON for a bit generator's state (its few small arrays inline, tagged with their dtype)."""
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, np.generic):
        return value.item()
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


def _pack(value: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """JSON for a callback's state: arrays become checkpoint members (``{"array": name}``),
    non-finite floats ``{"float": "inf"}``."""
    if isinstance(value, dict):
        return {str(k): _pack(v, arrays, prefix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pack(v, arrays, prefix) for v in value]
    if isinstance(value, np.ndarray):
        name = f"{prefix}_{sum(k.startswith(prefix + '_') for k in arrays)}"
        arrays[name] = value
        return {"array": name}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    return value


def _unpack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"array"}:
            if value["array"] not in arrays:
                raise CheckpointError(f"training: the array {value['array']!r:.80} is missing")
            return arrays[value["array"]]
        if set(value) == {"float"} and value["float"] in ("nan", "inf", "-inf"):
            return float(value["float"])
        return {k: _unpack(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(v, arrays) for v in value]
    return value
