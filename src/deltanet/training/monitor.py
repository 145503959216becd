"""``Monitor``: a callback that babysits training and says in plain words what goes wrong and what
to try (the seeds' "babysitting the learning process", ``seeds/001…``).

It watches for:

| warning class | when | checked |
|---|---|---|
| ``NonFiniteLossWarning`` | the epoch's loss or validation loss is NaN or infinite, or a weight is (training is stopped) | every epoch |
| ``DivergingLossWarning`` | the training loss rose ``rising_epochs`` epochs in a row and so undid at least half of the progress made since the first epoch (1 % of the loss if there was none): learning rate too high | every epoch |
| ``OverfittingWarning`` | the validation loss has stayed more than ``overfit_tolerance`` (relative) above its best for ``overfit_patience`` epochs while the training loss kept falling | every epoch |
| ``VanishingGradientWarning`` | a weight layer's (Linear, Conv) gradient norm is more than ``vanishing_ratio`` times smaller than the last weight layer's, or exactly 0 | probes |
| ``DeadUnitsWarning`` | more than ``dead_fraction`` of a ReLU layer's units are 0 on every probe sample | probes |
| ``SaturationWarning`` | more than ``saturated_fraction`` of a hidden sigmoid/tanh layer's outputs are saturated after the first epoch (badly scaled inputs or initialization; an output layer that saturates late is only confident) | first probe |
| ``SymmetricInitWarning`` | a hidden layer's units start identical (constant init) | train begin |

Each warning is given once per run (and per layer). They are subclasses of
``DeltanetWarning``, a ``UserWarning``: silence them all with
``warnings.filterwarnings("ignore", category=DeltanetWarning)``, one kind with its own class, or
pass ``Monitor(warn="log")`` to send them to the ``logging`` logger ``"deltanet.monitor"``
instead, or ``warn=False`` to only record them (``monitor.events``, the run folder).

Cost: the checks on the loss are a few comparisons per epoch. The per-layer statistics (a
"probe") read the gradients that the epoch's last step left in ``.grad`` (nothing recomputed)
and run one forward pass without a graph, in evaluation mode, over at most ``probe_size``
training samples. Probes run at the first epoch and then only as often as keeps their total time
under ``budget`` (2 %) of the training time, measured as training goes: every epoch for an
MNIST-sized epoch, rarely for a 150-sample full batch. Nothing runs per step.

``fit`` hands the monitor its data through ``Monitor.set_fit_context``; a Monitor without data
still checks the loss curves, the gradients and the initialization.
"""  # noqa: E501 - a Markdown table row cannot wrap

from __future__ import annotations

import logging
import math
import sys
import time
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from deltanet.training import layerstats, rundir
from deltanet.training.callbacks import Callback, EarlyStopping

logger = logging.getLogger("deltanet.monitor")


class DeltanetWarning(UserWarning):
    """Base class of deltanet's training advice; filter it to silence them all.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import DeltanetWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeltanetWarning)  # no training advice in this block
        ...     warnings.warn("the loss rose", DeltanetWarning)
    """


class NonFiniteLossWarning(DeltanetWarning):
    """The loss (or a weight) became NaN or infinite.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"nonfinite"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import NonFiniteLossWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", NonFiniteLossWarning)  # silence this kind only
        ...     warnings.warn("nonfinite", NonFiniteLossWarning)
    """


class DivergingLossWarning(DeltanetWarning):
    """The training loss rose for several epochs: the learning rate is probably too high.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"diverging"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import DivergingLossWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DivergingLossWarning)  # silence this kind only
        ...     warnings.warn("diverging", DivergingLossWarning)
    """


class OverfittingWarning(DeltanetWarning):
    """The validation loss rises while the training loss falls.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"overfitting"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import OverfittingWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", OverfittingWarning)  # silence this kind only
        ...     warnings.warn("overfitting", OverfittingWarning)
    """


class VanishingGradientWarning(DeltanetWarning):
    """A layer's gradient is orders of magnitude smaller than the last layer's.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"vanishing"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import VanishingGradientWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", VanishingGradientWarning)  # silence this kind only
        ...     warnings.warn("vanishing", VanishingGradientWarning)
    """


class DeadUnitsWarning(DeltanetWarning):
    """Most units of a ReLU layer output 0 for every sample.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"dead"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import DeadUnitsWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeadUnitsWarning)  # silence this kind only
        ...     warnings.warn("dead", DeadUnitsWarning)
    """


class SaturationWarning(DeltanetWarning):
    """Most outputs of a sigmoid or tanh layer sit on its flat tails.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"saturated"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import SaturationWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", SaturationWarning)  # silence this kind only
        ...     warnings.warn("saturated", SaturationWarning)
    """


class SymmetricInitWarning(DeltanetWarning):
    """The units of a hidden layer start identical and will stay so.

    A ``DeltanetWarning``; the ``Monitor`` records it as an event of kind ``"symmetric"``.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import SymmetricInitWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", SymmetricInitWarning)  # silence this kind only
        ...     warnings.warn("symmetric", SymmetricInitWarning)
    """


WARNING_CLASSES = {
    "nonfinite": NonFiniteLossWarning,
    "diverging": DivergingLossWarning,
    "overfitting": OverfittingWarning,
    "vanishing": VanishingGradientWarning,
    "dead": DeadUnitsWarning,
    "saturated": SaturationWarning,
    "symmetric": SymmetricInitWarning,
}


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside deltanet (the line that
    called ``fit``), so that the warning names the user's code."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value < 1:
        raise ValueError(f"Monitor: {name} must be a number in (0, 1), got {value!r}")
    return float(value)


def _check_count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"Monitor: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class Monitor(Callback):
    """Watch training and warn, with a suggested fix, about the failure modes of the seeds.

    See the module docstring for the table of warnings and their conditions.

    Args:
        run_dir: a folder for ``layers.csv``, ``warnings.json``, ``summary.json`` and the
            evaluation files (default: the ``run_dir`` of ``fit``, if any).
        warn: ``"warn"`` (Python ``warnings``, category ``DeltanetWarning``), ``"log"``
            (logger ``"deltanet.monitor"``, level WARNING), or False (record only).
        rising_epochs: epochs of rising training loss before ``DivergingLossWarning``.
        vanishing_ratio: last layer's gradient norm / a layer's gradient norm above which
            ``VanishingGradientWarning`` is given (1000).
        dead_fraction: share of dead units of a ReLU layer above which ``DeadUnitsWarning``
            is given (0.5).
        saturated_fraction: share of saturated outputs above which ``SaturationWarning``
            is given (0.5).
        overfit_patience: epochs without a new best validation loss before
            ``OverfittingWarning`` (5).
        overfit_tolerance: how far (relative) above its best the validation loss must be (0.02).
        probe_size: training samples of the per-layer probe (evenly spaced over X; no random
            draw, so the training's random stream is untouched).
        budget: the share of training time the probes may take (0.02); None probes every epoch.

    Attributes:
        events: the warnings given so far, as dicts ``{"kind", "epoch", "layer", "message",
            "advice"}`` (also those that ``warn=False`` kept quiet).
        layer_history: one dict per layer and probed epoch (the rows of ``layers.csv``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.monitor import Monitor
        >>> monitor = Monitor(warn=False)
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> model.weight.data[...] = 0.0; model.bias.data[...] = 0.0
        >>> _ = dn.fit(model, np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]]), "mse",
        ...            dn.optim.SGD(model.parameters(), lr=0.5), epochs=4, batch_size=None,
        ...            callbacks=[monitor])
        >>> [e["kind"] for e in monitor.events]
        ['diverging']
    """

    def __init__(
        self,
        run_dir: Any = None,
        warn: Any = "warn",
        rising_epochs: int = 3,
        vanishing_ratio: float = 1e3,
        dead_fraction: float = 0.5,
        saturated_fraction: float = 0.5,
        overfit_patience: int = 5,
        overfit_tolerance: float = 0.02,
        probe_size: int = 256,
        budget: float | None = 0.02,
    ) -> None:
        super().__init__()
        if warn not in ("warn", "log", False, None):
            raise ValueError(f"Monitor: warn must be 'warn', 'log' or False, got {warn!r}")
        if (
            isinstance(vanishing_ratio, bool)
            or not isinstance(vanishing_ratio, (int, float))
            or not vanishing_ratio > 1
        ):
            raise ValueError(f"Monitor: vanishing_ratio must be a number > 1, got {vanishing_ratio!r}")
        if (
            isinstance(overfit_tolerance, bool)
            or not isinstance(overfit_tolerance, (int, float))
            or not overfit_tolerance >= 0
        ):
            raise ValueError(f"Monitor: overfit_tolerance must be a number >= 0, got {overfit_tolerance!r}")
        if budget is not None:
            budget = _check_fraction("budget", budget)
        self.run_dir = None if run_dir is None else rundir.prepare(run_dir)
        self.warn = warn or False
        self.rising_epochs = _check_count("rising_epochs", rising_epochs, 2)
        self.vanishing_ratio = float(vanishing_ratio)
        self.dead_fraction = _check_fraction("dead_fraction", dead_fraction)
        self.saturated_fraction = _check_fraction("saturated_fraction", saturated_fraction)
        self.overfit_patience = _check_count("overfit_patience", overfit_patience)
        self.overfit_tolerance = float(overfit_tolerance)
        self.probe_size = _check_count("probe_size", probe_size)
        self.budget = budget
        self._X: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._validation: tuple[np.ndarray, np.ndarray] | None = None
        self._optimizer: Any = None
        self._fit_run_dir: Path | None = None
        self._early_stopping: EarlyStopping | None = None
        self._reset()

    # -- set-up ------------------------------------------------------------------------------
    def set_fit_context(
        self,
        X: Any = None,
        y: Any = None,
        validation_data: Any = None,
        optimizer: Any = None,
        run_dir: Any = None,
        callbacks: Any = (),
    ) -> None:
        """Called by ``fit`` once, before training, with the checked arrays.

        Args:
            X, y: the training data (the probe takes up to ``probe_size`` rows of X).
            validation_data: ``(X_val, y_val)`` or None: the confusion matrix or segmentation
                examples written to the run folder after training use it when given.
            optimizer: read for the learning rate quoted in the advice.
            run_dir: ``fit``'s run folder, used unless the Monitor was given its own.
            callbacks: the run's other callbacks; the advice on overfitting takes an
                ``EarlyStopping`` among them into account instead of suggesting one.
        """
        self._early_stopping = next((cb for cb in callbacks if isinstance(cb, EarlyStopping)), None)
        self._X = None if X is None else np.asarray(X)
        self._y = None if y is None else np.asarray(y)
        self._validation = (
            None if validation_data is None else (np.asarray(validation_data[0]), np.asarray(validation_data[1]))
        )
        self._optimizer = optimizer
        self._fit_run_dir = None if run_dir is None else Path(run_dir)

    def set_fit_state(self, state: Any) -> None:
        """Called by ``fit`` once, before training: the data and settings through ``set_fit_context``."""
        super().set_fit_state(state)
        self.set_fit_context(state.X, state.y, state.validation_data, state.optimizer, state.run_dir, state.callbacks)

    @property
    def output_dir(self) -> Path | None:
        """Where the files go: the Monitor's own ``run_dir``, else ``fit``'s, else None."""
        return self.run_dir if self.run_dir is not None else self._fit_run_dir

    def _reset(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.layer_history: list[dict[str, Any]] = []
        self._given: set[tuple[str | None, str | None]] = set()
        self._losses: list[float] = []
        self._val_losses: list[float] = []
        self._order: list[str] | None = None
        self._probe_X: np.ndarray | None = None
        self._probe_seconds = 0.0
        self._last_probe_seconds = 0.0
        self._probed_epoch: int | None = None
        self._start = time.perf_counter()
        self._stopped = False

    # -- reporting ---------------------------------------------------------------------------
    def _emit(self, kind: str, epoch: int | None, layer: str | None, message: str, advice: str) -> None:
        key = (kind, layer)
        if key in self._given:
            return
        self._given.add(key)
        event = {
            "kind": kind,
            "epoch": None if epoch is None else epoch + 1,
            "layer": layer,
            "message": message,
            "advice": advice,
        }
        self.events.append(event)
        text = f"{message} {advice}"
        if self.warn == "warn":
            warnings.warn(text, WARNING_CLASSES[kind], stacklevel=_user_stacklevel())
        elif self.warn == "log":
            logger.warning(text)
        if self.output_dir is not None:
            rundir.write_json(self.output_dir, "warnings.json", self.events)

    def _lr_text(self) -> str:
        groups = getattr(self._optimizer, "param_groups", None)
        if groups and "lr" in groups[0]:
            lr = groups[0]["lr"]
            return f" (lr={lr:g}); try lr={lr / 10:g}"
        return "; try a learning rate 10 times smaller"

    # -- hooks -------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        if self.output_dir is not None:
            if int(self.params.get("initial_epoch", 0) or 0) == 0:
                # A new run: no rows, warnings or results of an earlier run in this folder.
                for name in ("layers.csv", "warnings.json", "evaluation.json", "segmentation.npz"):
                    target = self.output_dir / name
                    if target.exists():
                        target.unlink()
            else:  # a resumed run (fit(resume_from=...)): keep what the first part recorded
                earlier = rundir.read_json(self.output_dir, "warnings.json", [])
                if isinstance(earlier, list):
                    self.events = [e for e in earlier if isinstance(e, dict)]
                    self._given = {(e.get("kind"), e.get("layer")) for e in self.events}
        if self._X is not None and len(self._X):
            n = len(self._X)
            index = np.unique(np.linspace(0, n - 1, min(self.probe_size, n)).round().astype(np.intp))
            self._probe_X = self._X[index]
            dtypes = [p.data.dtype for p in self.model.parameters()]
            if dtypes and self._probe_X.dtype.kind == "f" and self._probe_X.dtype != dtypes[0]:
                self._probe_X = self._probe_X.astype(dtypes[0])
            try:
                self._order = layerstats.forward_order(self.model, self._probe_X[:1])
            except Exception:  # the model refuses one sample (fit has checked it takes the data)
                self._order = None
            if self.output_dir is not None:
                from deltanet.nn.summary import summary

                try:
                    table = summary(self.model, self._X.shape[1:], dtype=self._X.dtype)
                    rundir.write_json(self.output_dir, "summary.json", table.to_dict())
                except (ValueError, TypeError):
                    pass
        for name, units in layerstats.symmetric_layers(self.model, self._order):
            self._emit(
                "symmetric",
                None,
                name,
                f"Layer {name!r} ({self._type(name)}): its {units} units start with identical weights and "
                f"biases, and the next layer weighs them identically, so they get identical gradients and "
                f"stay identical: the layer works as a single unit (constant initialization).",
                "Initialize the weights randomly, e.g. init='he_normal' for ReLU layers or "
                "init='glorot_uniform' for sigmoid/tanh (the default initialization is random too).",
            )

    def _type(self, name: str) -> str:
        for n, m in self.model.named_modules():
            if n == name:
                return type(m).__name__
        return "?"

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        val_loss = logs.get("val_loss")
        for key, value in (("loss", loss), ("val_loss", val_loss)):
            if value is not None and not math.isfinite(float(value)):
                self._nonfinite(
                    epoch,
                    f"The {'training' if key == 'loss' else 'validation'} loss became "
                    f"{float(value)} at epoch {epoch + 1}.",
                )
                return
        if loss is not None:
            self._losses.append(float(loss))
            self._check_rising(epoch)
        if val_loss is not None and loss is not None:
            self._val_losses.append(float(val_loss))
            self._check_overfitting(epoch)
        if self._probe_due(epoch):
            self._probe(epoch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        last = len(self._losses) - 1
        if last >= 0 and self._probed_epoch != last and not self._stopped:
            self._probe(last)  # the final state, once
        if self.output_dir is not None and not self._stopped:
            self._write_evaluation()

    def on_nonfinite_loss(self, epoch: int, step: int, message: str) -> None:
        """Record a NaN/Inf loss that ``fit`` met at a step (``fit`` itself raises or, with
        ``TerminateOnNaN``, warns; the Monitor adds no second warning, it keeps the event for
        the run folder and the report)."""
        warn, self.warn = self.warn, False
        try:
            self._emit("nonfinite", epoch, None, message.rstrip(".") + ".", _NONFINITE_ADVICE)
        finally:
            self.warn = warn
        self._stopped = True

    # -- the checks --------------------------------------------------------------------------
    def _nonfinite(self, epoch: int, message: str) -> None:
        self._emit("nonfinite", epoch, None, message + " Training was stopped.", _NONFINITE_ADVICE)
        self._stopped = True
        self.model.stop_training = True

    def _check_rising(self, epoch: int) -> None:
        k = self.rising_epochs
        if len(self._losses) <= k:
            return
        window = self._losses[-(k + 1) :]
        rising = all(b > a for a, b in zip(window, window[1:]))
        # A rise that undoes at least half of the progress made since the first epoch (or, when
        # there was none, 1 % of the loss): the noise of mini-batch SGD near a minimum, or the
        # overshoot of momentum onto a plateau, undoes far less.
        first, best, now = self._losses[0], min(self._losses), window[-1]
        if rising and now - best >= max(0.5 * (first - best), 0.01 * abs(best), 1e-12):
            self._emit(
                "diverging",
                epoch,
                None,
                f"The training loss rose for {k} epochs in a row, from {window[0]:.4g} at epoch "
                f"{epoch + 1 - k} to {window[-1]:.4g} at epoch {epoch + 1}: the steps overshoot the minimum.",
                f"The learning rate is probably too high{self._lr_text()}, or run dn.lr_find to pick one.",
            )

    def _check_overfitting(self, epoch: int) -> None:
        val, train = self._val_losses, self._losses[-len(self._val_losses) :]
        best = int(np.argmin(val))
        since = len(val) - 1 - best
        if since < self.overfit_patience:
            return
        recent = val[best + 1 :]
        threshold = val[best] + self.overfit_tolerance * abs(val[best])
        tail = recent[-self.overfit_patience :]
        if min(tail) > threshold and train[-1] < train[best]:
            self._emit(
                "overfitting",
                epoch,
                None,
                f"The validation loss rose from {val[best]:.4g} (epoch {epoch + 1 - since}) to {val[-1]:.4g} "
                f"(epoch {epoch + 1}) while the training loss fell from {train[best]:.4g} to {train[-1]:.4g}: "
                f"the network is overfitting (learning the training samples, not the task).",
                self._stop_early_advice(epoch + 1 - since)
                + "; or regularize (regularizer=dn.regularizers.L2(1e-4), nn.Dropout), or use more training data.",
            )

    def _stop_early_advice(self, best_epoch: int) -> str:
        stopper = self._early_stopping
        if stopper is None:
            return "Stop early: callbacks=[dn.callbacks.EarlyStopping(patience=5, restore_best_weights=True)]"
        if stopper.monitor != "val_loss":
            return (
                f"Your EarlyStopping watches {stopper.monitor!r}, which can keep improving while the "
                f"validation loss rises: EarlyStopping(monitor='val_loss', restore_best_weights=True) stops here"
            )
        if not stopper.restore_best_weights:
            return (
                f"Your EarlyStopping (patience={stopper.patience}) will stop the run, but keeps the last "
                f"weights: pass restore_best_weights=True to keep epoch {best_epoch}'s"
            )
        return (
            f"Your EarlyStopping (patience={stopper.patience}) will stop the run and restore epoch "
            f"{best_epoch}'s weights"
        )

    def _probe_due(self, epoch: int) -> bool:
        if self._stopped:
            return False
        if self.budget is None or self._probed_epoch is None:
            return True
        elapsed = time.perf_counter() - self._start - self._probe_seconds
        return self._probe_seconds + self._last_probe_seconds <= self.budget * elapsed

    def _probe(self, epoch: int) -> None:
        began = time.perf_counter()
        try:
            self._measure(epoch)
        finally:
            self._last_probe_seconds = time.perf_counter() - began
            self._probe_seconds += self._last_probe_seconds
            self._probed_epoch = epoch

    def _measure(self, epoch: int) -> None:
        model = self.model
        for name, p in model.named_parameters():
            if not np.isfinite(p.data).all():
                self._nonfinite(epoch, f"The parameter {name!r} holds NaN or infinite values after epoch {epoch + 1}.")
                return
        grads = layerstats.gradient_norms(model, self._order)
        weights = layerstats.weight_norms(model, self._order)
        weight_layers = {
            n for n, m in layerstats.parameterized_layers(model) if getattr(getattr(m, "weight", None), "ndim", 0) >= 2
        }
        acts = layerstats.layer_outputs_stats(model, self._probe_X) if self._probe_X is not None else {}
        rows = []
        names = list(weights)
        names += [n for n in acts if n not in weights]
        if self._order:
            rank = {n: i for i, n in enumerate(self._order)}
            names.sort(key=lambda n: rank.get(n, len(rank)))
        for name in names:
            stat = acts.get(name, {})
            rows.append(
                {
                    "epoch": epoch + 1,
                    "layer": name,
                    "type": stat.get("type") or self._type(name),
                    "grad_norm": grads.get(name),
                    "weight_norm": weights.get(name),
                    "act_mean": stat.get("mean"),
                    "act_std": stat.get("std"),
                    "fraction_zero": stat.get("fraction_zero"),
                    "fraction_saturated": stat.get("fraction_saturated"),
                    "dead_fraction": stat.get("dead_fraction"),
                }
            )
        self.layer_history.extend(rows)
        if self.output_dir is not None and rows:
            rundir.append_layer_rows(self.output_dir, rows)
        self._check_vanishing(epoch, {n: g for n, g in grads.items() if n in weight_layers})
        # Activations after the last weight layer are the output's (a confident sigmoid output
        # saturates, as it should).
        names_in_order = list(acts)
        last_weight = max((names_in_order.index(n) for n in weight_layers if n in acts), default=len(names_in_order))
        hidden = set(names_in_order[:last_weight])
        first_probe = self._probed_epoch is None
        for name, stat in acts.items():
            dead = stat.get("dead_fraction")
            if dead is not None and dead > self.dead_fraction:
                self._emit(
                    "dead",
                    epoch,
                    name,
                    f"Layer {name!r} (ReLU): {dead:.0%} of its {stat['units']} units output 0 for every probe "
                    f"sample after epoch {epoch + 1} (dead ReLUs): no gradient passes them, so they never learn again.",
                    f"Lower the learning rate{self._lr_text()}; check for large negative biases; use He "
                    f"initialization (init='he_normal'), or nn.LeakyReLU / nn.ELU, which keep a gradient for z < 0.",
                )
            sat = stat.get("fraction_saturated")
            if first_probe and name in hidden and sat is not None and sat > self.saturated_fraction:
                self._emit(
                    "saturated",
                    epoch,
                    name,
                    f"Layer {name!r} ({stat['type']}): {sat:.0%} of its outputs are saturated (on the flat tails, "
                    f"where the derivative is nearly 0) after epoch {epoch + 1}, so little gradient passes.",
                    "Standardize the inputs (dn.data.Standardizer), use Glorot initialization "
                    "(init='glorot_uniform') or smaller weights, or use ReLU in the hidden layers.",
                )

    def _check_vanishing(self, epoch: int, grads: dict[str, float]) -> None:
        if len(grads) < 2:
            return
        names = list(grads)
        last = grads[names[-1]]
        if not (last > 0 and math.isfinite(last)):
            return
        for name in names[:-1]:
            norm = grads[name]
            if norm == 0:
                self._emit(
                    "vanishing",
                    epoch,
                    name,
                    f"Layer {name!r} ({self._type(name)}) received no gradient at all (exactly 0) at epoch "
                    f"{epoch + 1}, while the last layer {names[-1]!r} did ({last:.3g}): it cannot learn.",
                    "Look for what blocks the way back: dead ReLUs (all outputs 0), units initialized identically "
                    "(constant initialization), or a layer whose output the loss does not use.",
                )
                return
            if norm * self.vanishing_ratio < last:
                self._emit(
                    "vanishing",
                    epoch,
                    name,
                    f"Layer {name!r} ({self._type(name)}): its gradient norm {norm:.3g} is {last / norm:.3g} times "
                    f"smaller than that of the last layer {names[-1]!r} ({last:.3g}) at epoch {epoch + 1}: the "
                    f"gradients vanish on their way back, and the early layers barely learn.",
                    "Use ReLU (nn.ReLU) instead of sigmoid/tanh in the hidden layers with He initialization "
                    "(init='he_normal'), add batch normalization (nn.BatchNorm1d), or use fewer layers.",
                )
                return  # the first (input-side) vanishing layer says it; the others follow from it

    # -- after training ----------------------------------------------------------------------
    def _write_evaluation(self) -> None:
        output_dir = self.output_dir
        if output_dir is None:  # the caller checks it; this tells the type checker
            return
        data = self._validation
        which = "validation"
        if data is None and self._X is not None and self._y is not None and self._probe_X is not None:
            n = len(self._X)
            index = np.unique(np.linspace(0, n - 1, min(self.probe_size, n)).round().astype(np.intp))
            data, which = (self._X[index], self._y[index]), "training (probe)"
        if data is None:
            return
        X, y = data
        if y.dtype.kind not in "iu":
            return
        from deltanet.training.evaluation import forward_in_batches

        with layerstats.run_in_eval(self.model):
            if y.ndim == 1:
                out = forward_in_batches(self.model, X, 256)
                if out.ndim != 2 or out.shape[1] < 2:
                    return
                from deltanet.metrics import confusion_matrix

                matrix = confusion_matrix(y, out.argmax(axis=1), num_classes=out.shape[1])
                rundir.write_json(
                    output_dir,
                    "evaluation.json",
                    {
                        "task": "classification",
                        "data": which,
                        "samples": int(len(y)),
                        "confusion_matrix": matrix.tolist(),
                        "accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
                    },
                )
            elif y.ndim >= 2:
                k = min(4, len(X))
                out = forward_in_batches(self.model, X[:k], None)
                if out.ndim != y.ndim + 1 or out.shape[2:] != y.shape[1:]:
                    return
                prediction = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(np.int64)
                image = X[:k]
                np.savez_compressed(
                    output_dir / "segmentation.npz",
                    image=image,
                    label=y[:k],
                    prediction=prediction.astype(np.int64),
                )
                rundir.write_json(
                    output_dir, "evaluation.json", {"task": "segmentation", "data": which, "samples": int(k)}
                )

    def __repr__(self) -> str:
        return f"Monitor(warn={self.warn!r}, budget={self.budget})"


_NONFINITE_ADVICE = (
    "Usual causes: a learning rate that is too high (try 10 times smaller, or dn.lr_find), "
    "inputs that are not standardized (dn.data.Standardizer), or a log of 0 in a hand-written loss "
    "(use losses.CrossEntropy on logits)."
)

__all__ = [
    "DeadUnitsWarning",
    "DeltanetWarning",
    "DivergingLossWarning",
    "Monitor",
    "NonFiniteLossWarning",
    "OverfittingWarning",
    "SaturationWarning",
    "SymmetricInitWarning",
    "VanishingGradientWarning",
]
