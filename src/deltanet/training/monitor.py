"""``Monitor``: a callback that babysits training and says in plain words what goes wrong and what
to try (the seeds' "babysitting the learning process", [Hosny et al.]).

The Monitor is the thin part of three: it gathers statistics at the right moments, hands them to
the pure checks of ``monitor_checks``, and gives what they find with the texts of
``warnings_table`` (whose docstring holds the table of warnings and their rules): as a Python
warning, a log record or only a record, and in the run folder. The warnings are subclasses of
``DeltanetWarning``, a ``UserWarning``: silence them all with
``warnings.filterwarnings("ignore", category=DeltanetWarning)``, one kind with its own class
(``DeadUnitsWarning``, ``MetricCollapseWarning``, ...), or pass ``Monitor(warn="log")`` to send
them to the ``logging`` logger ``"deltanet.monitor"`` instead, or ``warn=False`` to only record
them (``monitor.events``, the run folder). Each is given once per run (and per layer).

When it looks:

- at train begin: the initialization (symmetric units) and the output activation against the
  loss (a Softmax before ``CrossEntropy``), on one forward pass over a few probe samples;
- every epoch: the loss curves and the validation metrics (a few comparisons);
- at probes: the per-layer statistics. A probe reads the gradients that the epoch's last step
  left in ``.grad`` (nothing recomputed) and runs one forward pass without a graph, in evaluation
  mode, over at most ``probe_size`` training samples. Nothing runs per step.

**When it probes: a schedule, bounded by a time budget.** Probes run at the end of the first
epoch, then every ``k`` epochs, ``k = ceil(PROBE_STEPS / steps per epoch)`` (every epoch for an
MNIST-sized epoch, every 200th for a full batch), and at the end of training. A probe costs
about a few training steps (one forward pass, no backward), so one per ``PROBE_STEPS`` = 200
steps is about 1-2 % of training. The schedule depends on the data's size and the batch size
only, so two runs of one config probe the same epochs and write the same ``layers.csv``, and a
resumed run probes those of the uninterrupted one. The time ``budget`` (2 %) is an upper bound
on top: a scheduled probe is cut when the probes so far and one more would take more than
``budget`` of the training time measured so far, and more than ``PROBE_FREE_SECONDS`` (1 s) in
all (below that, the share is not worth a clock's noise, which would make two runs differ). The
run folder's ``probes.json`` records the schedule, the epochs probed and those the budget cut
(a cut run's ``layers.csv`` depends on the machine's speed, and says so there). Measuring time
only, by the clock, would not slow training less: it would probe different epochs on every run.

``fit`` hands the monitor its data, optimizer, loss and run folder through
``Monitor.set_fit_context``; a Monitor without them still checks the loss curves, the gradients
and the initialization.

In a data-parallel ``fit`` (``deltanet.distributed``) every rank runs its Monitor on the same
numbers: the logs are those of the global batch and the whole validation set, the gradients
are the all-reduced ones and the weights are equal on every rank. The one input that differs,
the clock behind the probes' time budget, is rank 0's: it decides when to probe, for every rank.
Rank 0 alone gives the warnings and writes the files.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import losses
from deltanet.training import layerstats, rundir
from deltanet.training import monitor_checks as checks
from deltanet.training.callbacks import Callback, EarlyStopping
from deltanet.training.run_evaluation import write_evaluation
from deltanet.training.warnings_table import (
    CATEGORIES,
    DeadUnitsWarning,
    DeltanetWarning,
    DivergingLossWarning,
    MetricCollapseWarning,
    NonFiniteLossWarning,
    OutputActivationWarning,
    OverfittingWarning,
    SaturationWarning,
    SymmetricInitWarning,
    VanishingGradientWarning,
    issue,
    lr_hint,
    render,
)

logger = logging.getLogger("deltanet.monitor")

#: kind → warning class (the name ``CATEGORIES`` had before the table).
WARNING_CLASSES = CATEGORIES

# What a new run (not a resumed one) clears from its run folder.
_RUN_FILES = (rundir.LAYERS, rundir.PROBES, rundir.WARNINGS, rundir.EVALUATION, rundir.SEGMENTATION)
# Probe samples of the forward pass at train begin (layer order and the output check).
_FIRST_PASS_SAMPLES = 8
#: Training steps between two scheduled probes (see the module docstring).
PROBE_STEPS = 200
#: Seconds of probes that the time budget never cuts (see the module docstring).
PROBE_FREE_SECONDS = 1.0


class Monitor(Callback):
    """Watch training and warn, with a suggested fix, about the failure modes of the seeds.

    The warnings, their rules and their advice are the table in ``deltanet.training.warnings_table``.

    Args:
        run_dir: a folder for ``layers.csv``, ``warnings.json``, ``summary.json`` and the
            evaluation files (default: the ``run_dir`` of ``fit``, if any).
        warn: ``"warn"`` (Python ``warnings``, category ``DeltanetWarning``), ``"log"``
            (logger ``"deltanet.monitor"``, level WARNING), or False (record only).
        rising_epochs: epochs of rising training loss before ``DivergingLossWarning`` (3).
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
        budget: the share of training time the probes may take at most (0.02): an upper bound on
            the schedule of one probe every ``PROBE_STEPS`` steps; None probes every epoch.
        collapse_ratio: a validation score below this share of its best (an error above its best
            divided by it) has collapsed: ``MetricCollapseWarning`` (0.5).
        collapse_patience: epochs in a row a validation metric must stay collapsed (2).

    Attributes:
        events: the warnings given so far, as dicts ``{"kind", "epoch", "layer", "message",
            "advice"}`` (also those that ``warn=False`` kept quiet).
        layer_history: one dict per layer and probed epoch (the rows of ``layers.csv``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.monitor import Monitor
        >>> monitor = Monitor(warn=False)
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> model.weight.array[...] = 0.0; model.bias.array[...] = 0.0
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
        collapse_ratio: float = 0.5,
        collapse_patience: int = 2,
    ) -> None:
        super().__init__()
        me = "Monitor"

        def fraction(value: Any, name: str) -> float:
            return check.number(value, name, me, low=0, high=1, low_open=True, high_open=True)

        self.warn = check.one_of(warn, "warn", ("warn", "log", False, None), me) or False
        self.rising_epochs = check.integer(rising_epochs, "rising_epochs", me, low=2)
        self.vanishing_ratio = check.number(vanishing_ratio, "vanishing_ratio", me, low=1, low_open=True)
        self.dead_fraction = fraction(dead_fraction, "dead_fraction")
        self.saturated_fraction = fraction(saturated_fraction, "saturated_fraction")
        self.overfit_patience = check.integer(overfit_patience, "overfit_patience", me, low=1)
        self.overfit_tolerance = check.number(overfit_tolerance, "overfit_tolerance", me, low=0)
        self.probe_size = check.integer(probe_size, "probe_size", me, low=1)
        self.budget = None if budget is None else fraction(budget, "budget")
        self.collapse_ratio = fraction(collapse_ratio, "collapse_ratio")
        self.collapse_patience = check.integer(collapse_patience, "collapse_patience", me, low=1)
        self.run_dir = None if run_dir is None else rundir.prepare(run_dir)
        self._X: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._validation: tuple[np.ndarray, np.ndarray] | None = None
        self._optimizer: Any = None
        self._loss: Any = None
        self._fit_run_dir: Path | None = None
        self._early_stopping: EarlyStopping | None = None
        self._world: Any = None  # a data-parallel fit's deltanet.distributed.World
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
        loss: Any = None,
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
            loss: the loss module or function, checked against the model's output activation.
        """
        self._early_stopping = next((cb for cb in callbacks if isinstance(cb, EarlyStopping)), None)
        self._X = None if X is None else np.asarray(X)
        self._y = None if y is None else np.asarray(y)
        self._validation = (
            None if validation_data is None else (np.asarray(validation_data[0]), np.asarray(validation_data[1]))
        )
        self._optimizer = optimizer
        self._loss = loss
        self._fit_run_dir = None if run_dir is None else Path(run_dir)

    def set_fit_state(self, state: Any) -> None:
        """Called by ``fit`` once, before training: the data and settings through ``set_fit_context``."""
        super().set_fit_state(state)
        self._world = getattr(state, "world", None)
        self.set_fit_context(
            state.X, state.y, state.validation_data, state.optimizer, state.run_dir, state.callbacks, state.loss
        )

    @property
    def output_dir(self) -> Path | None:
        """Where the files go: the Monitor's own ``run_dir``, else ``fit``'s, else None (and None on
        the ranks but 0 of a data-parallel fit)."""
        if self._world is not None and not self._world.is_root:
            return None
        return self.run_dir if self.run_dir is not None else self._fit_run_dir

    def _reset(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.layer_history: list[dict[str, Any]] = []
        self._given: set[tuple[str | None, str | None]] = set()
        self._losses: list[float] = []
        self._val_losses: list[float] = []
        self._metrics: dict[str, tuple[list[float], list[float]]] = {}  # key -> (values, val_loss)
        self._order: list[str] | None = None
        self._types: dict[str, str] = {}
        self._probe_X: np.ndarray | None = None
        self._probe_seconds = 0.0
        self._last_probe_seconds = 0.0
        self._probed_epoch: int | None = None
        self._last_epoch: int | None = None
        self._every = 1  # epochs between scheduled probes (on_train_begin sets it)
        self._probed: list[int] = []
        self._cut: list[int] = []
        self._start = time.perf_counter()
        self._stopped = False

    # -- giving a finding --------------------------------------------------------------------
    def _give(
        self, finding: checks.Finding | None, epoch: int | None, advice_case: str | None = None, **extra: Any
    ) -> None:
        """Word ``finding`` with its row of the table and give it (once per kind and layer)."""
        if finding is None:
            return
        layer = finding.layer
        values = {
            "epoch": None if epoch is None else epoch + 1,
            "layer": layer,
            "type": self._types.get(layer or "", "?"),
            "lr_hint": lr_hint(self._learning_rate()),
            **extra,
            **finding.values,
        }
        message, advice = render(finding.kind, finding.case, values, advice_case)
        self._record(finding.kind, epoch, layer, message, advice)

    def _record(self, kind: str, epoch: int | None, layer: str | None, message: str, advice: str) -> None:
        key = (kind, layer)
        if key in self._given:
            return
        self._given.add(key)
        event = {"kind": kind, "epoch": None if epoch is None else epoch + 1, "layer": layer}
        event.update(message=message, advice=advice)
        self.events.append(event)
        text = f"{message} {advice}"
        if self._world is not None and not self._world.is_root:
            pass  # rank 0 gives it
        elif self.warn == "warn":
            issue(kind, text)
        elif self.warn == "log":
            logger.warning(text)
        if self.output_dir is not None:
            rundir.write_json(self.output_dir, rundir.WARNINGS, self.events)

    def _stop(self, finding: checks.Finding, epoch: int) -> None:
        self._give(finding, epoch)
        self._stopped = True
        self.model.stop_training = True

    def _learning_rate(self) -> float | None:
        groups = getattr(self._optimizer, "param_groups", None)
        return groups[0]["lr"] if groups and "lr" in groups[0] else None

    # -- hooks -------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        steps = int(self.params.get("steps") or 1)
        self._every = 1 if self.budget is None else max(1, math.ceil(PROBE_STEPS / max(steps, 1)))
        folder = self.output_dir
        if folder is not None:
            self._start_files(folder)
        self._types = {name: type(m).__name__ for name, m in self.model.named_modules()}
        output = None
        if self._X is not None and len(self._X):
            self._probe_X = self._probe_rows(self._X)
            try:
                self._order, output = layerstats.forward_record(self.model, self._probe_X[:_FIRST_PASS_SAMPLES])
            except Exception:  # the model refuses these samples (fit has checked it takes the data)
                self._order = None
            if folder is not None:
                self._write_summary(folder, self._X)
        for finding in checks.check_symmetric(layerstats.symmetric_layers(self.model, self._order)):
            self._give(finding, None)
        self._give(checks.check_output_activation(self._last_layer(), _loss_name(self._loss), output), None)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self._last_epoch = epoch
        loss, val_loss = logs.get("loss"), logs.get("val_loss")
        nonfinite = checks.check_nonfinite_loss(loss, val_loss)
        if nonfinite is not None:
            self._stop(nonfinite, epoch)
            return
        if loss is not None:
            self._losses.append(float(loss))
            first = epoch + 2 - len(self._losses)
            self._give(checks.check_diverging(self._losses, self.rising_epochs, first), epoch)
            if val_loss is not None:
                self._val_losses.append(float(val_loss))
                self._check_overfitting(epoch)
        for key, value in logs.items():
            if checks.metric_direction(key) is not None:
                values, val_losses = self._metrics.setdefault(key, ([], []))
                values.append(float(value))
                val_losses.append(math.nan if val_loss is None else float(val_loss))
                first = epoch + 2 - len(values)
                found = checks.check_metric_collapse(
                    key, values, self.collapse_ratio, self.collapse_patience, first, val_losses
                )
                self._give(found, epoch)
        if self._probe_due(epoch):
            self._probe(epoch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        last = self._last_epoch
        if last is not None and self._probed_epoch != last and not self._stopped:
            self._probe(last)  # the final state, once
        if self.output_dir is not None:
            self._write_probes(self.output_dir)
        if self.output_dir is not None and not self._stopped:
            self._write_evaluation(self.output_dir)

    def on_nonfinite_loss(self, epoch: int, step: int, message: str) -> None:
        """Record a NaN/Inf loss that ``fit`` met at a step (``fit`` itself raises or, with
        ``TerminateOnNaN``, warns; the Monitor adds no second warning, it keeps the event for
        the run folder and the report)."""
        warn, self.warn = self.warn, False
        try:
            self._give(checks.Finding("nonfinite", {"text": message.rstrip(".") + "."}, case="step"), epoch)
        finally:
            self.warn = warn
        self._stopped = True

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The curves the checks read, the warnings given and the first probe's mark: saved in
        checkpoints, so that a resumed run gives the warnings of the uninterrupted one, at the
        same epochs, and probes the epochs of its schedule (a cut by the time budget apart)."""
        return {
            "losses": list(self._losses),
            "val_losses": list(self._val_losses),
            "metrics": {key: {"values": list(v), "val_losses": list(w)} for key, (v, w) in self._metrics.items()},
            "events": [dict(e) for e in self.events],
            "probed_epoch": self._probed_epoch,
            "probed": list(self._probed),
            "cut": list(self._cut),
            "last_epoch": self._last_epoch,
            "stopped": self._stopped,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict`` (``fit`` calls it after ``on_train_begin`` when it resumes); the
        run folder's ``warnings.json`` gets the warnings given up to the checkpoint."""
        self._losses = [float(v) for v in state["losses"]]
        self._val_losses = [float(v) for v in state["val_losses"]]
        self._metrics = {
            str(k): ([float(x) for x in m["values"]], [float(x) for x in m["val_losses"]])
            for k, m in state["metrics"].items()
        }
        self.events = [dict(e) for e in state["events"]]
        self._given = {(e.get("kind"), e.get("layer")) for e in self.events}
        self._probed_epoch = None if state["probed_epoch"] is None else int(state["probed_epoch"])
        self._last_epoch = None if state["last_epoch"] is None else int(state["last_epoch"])
        self._probed = [int(e) for e in state.get("probed", [])]  # absent in checkpoints of deltanet 0.x
        self._cut = [int(e) for e in state.get("cut", [])]
        self._stopped = bool(state.get("stopped", False))
        if self.output_dir is not None:
            rundir.write_json(self.output_dir, rundir.WARNINGS, self.events)

    # -- gathering ---------------------------------------------------------------------------
    def _start_files(self, folder: Path) -> None:
        if int(self.params.get("initial_epoch", 0) or 0) == 0:
            # A new run: no rows, warnings or results of an earlier run in this folder.
            for name in _RUN_FILES:
                (folder / name).unlink(missing_ok=True)
            return
        # A resumed run (fit(resume_from=...)): keep what the first part recorded.
        earlier = rundir.read_json(folder, rundir.WARNINGS, [])
        if isinstance(earlier, list):
            self.events = [e for e in earlier if isinstance(e, dict)]
            self._given = {(e.get("kind"), e.get("layer")) for e in self.events}

    def _probe_rows(self, X: np.ndarray) -> np.ndarray:
        """Up to ``probe_size`` rows evenly spaced over X, in the model's dtype."""
        rows = X[self._probe_index(len(X))]
        dtypes = [p.array.dtype for p in self.model.parameters()]
        if dtypes and rows.dtype.kind == "f" and rows.dtype != dtypes[0]:
            rows = rows.astype(dtypes[0])
        return rows

    def _probe_index(self, n: int) -> np.ndarray:
        return np.unique(np.linspace(0, n - 1, min(self.probe_size, n)).round().astype(np.intp))

    def _write_summary(self, folder: Path, X: np.ndarray) -> None:
        from deltanet.nn.summary import summary

        try:
            table = summary(self.model, X.shape[1:], dtype=X.dtype)
        except (ValueError, TypeError):
            return
        rundir.write_json(folder, rundir.SUMMARY, table.to_dict())

    def _last_layer(self) -> str | None:
        """The class name of the last layer the forward pass calls (registration order without data)."""
        if self._order:
            return self._types.get(self._order[-1])
        leaves = [type(m).__name__ for _, m in self.model.named_modules() if next(m.children(), None) is None]
        return leaves[-1] if leaves else None

    def _check_overfitting(self, epoch: int) -> None:
        val = self._val_losses
        found = checks.check_overfitting(
            val, self._losses[-len(val) :], self.overfit_patience, self.overfit_tolerance, epoch + 2 - len(val)
        )
        stopper = self._early_stopping
        advice = checks.overfitting_advice(
            None if stopper is None else stopper.monitor, stopper is not None and stopper.restore_best_weights
        )
        extra = {} if stopper is None else {"watched": stopper.monitor, "patience": stopper.patience}
        self._give(found, epoch, advice, **extra)

    def _probe_due(self, epoch: int) -> bool:
        """Whether the schedule probes after ``epoch`` (from 0), and the time budget lets it."""
        if self._stopped or epoch % self._every != 0:
            return False
        if self.budget is None or self._probed_epoch is None:
            return True
        elapsed = time.perf_counter() - self._start - self._probe_seconds
        spent = self._probe_seconds + self._last_probe_seconds
        due = spent <= max(self.budget * elapsed, PROBE_FREE_SECONDS)
        due = due if self._world is None else self._world.decide(due)  # rank 0's clock, for every rank
        if not due:
            self._cut.append(epoch + 1)
        return due

    def _probe(self, epoch: int) -> None:
        began = time.perf_counter()
        try:
            self._measure(epoch)
        finally:
            self._last_probe_seconds = time.perf_counter() - began
            self._probe_seconds += self._last_probe_seconds
            self._probed_epoch = epoch
            if epoch + 1 not in self._probed:
                self._probed.append(epoch + 1)

    def _measure(self, epoch: int) -> None:
        model = self.model
        nonfinite = checks.check_nonfinite_parameters((name, p.array) for name, p in model.named_parameters())
        if nonfinite is not None:
            self._stop(nonfinite, epoch)
            return
        grads = layerstats.gradient_norms(model, self._order)
        weights = layerstats.weight_norms(model, self._order)
        weight_layers = {
            n for n, m in layerstats.parameterized_layers(model) if getattr(getattr(m, "weight", None), "ndim", 0) >= 2
        }
        acts = layerstats.layer_outputs_stats(model, self._probe_X) if self._probe_X is not None else {}
        rows = self._layer_rows(epoch, grads, weights, acts)
        self.layer_history.extend(rows)
        if self.output_dir is not None and rows:
            rundir.append_layer_rows(self.output_dir, rows)
        weight_grads = {n: g for n, g in grads.items() if n in weight_layers}
        self._give(checks.check_vanishing(weight_grads, self.vanishing_ratio), epoch)
        for finding in checks.check_dead_units(acts, self.dead_fraction):
            self._give(finding, epoch)
        if self._probed_epoch is None:  # saturation is a matter of the start: the first probe
            # Activations after the last weight layer are the output's (a confident sigmoid
            # output saturates, as it should).
            names = list(acts)
            last_weight = max((names.index(n) for n in weight_layers if n in acts), default=len(names))
            for finding in checks.check_saturation(acts, names[:last_weight], self.saturated_fraction):
                self._give(finding, epoch)

    def _layer_rows(
        self, epoch: int, grads: dict[str, float], weights: dict[str, float], acts: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The rows of ``layers.csv`` for this probe: parameterized layers and recorded outputs,
        in forward order."""
        names = list(weights) + [n for n in acts if n not in weights]
        if self._order:
            rank = {n: i for i, n in enumerate(self._order)}
            names.sort(key=lambda n: rank.get(n, len(rank)))
        rows = []
        for name in names:
            stat = acts.get(name, {})
            rows.append(
                {
                    "epoch": epoch + 1,
                    "layer": name,
                    "type": stat.get("type") or self._types.get(name, "?"),
                    "grad_norm": grads.get(name),
                    "weight_norm": weights.get(name),
                    "act_mean": stat.get("mean"),
                    "act_std": stat.get("std"),
                    "fraction_zero": stat.get("fraction_zero"),
                    "fraction_saturated": stat.get("fraction_saturated"),
                    "dead_fraction": stat.get("dead_fraction"),
                }
            )
        return rows

    def _write_probes(self, folder: Path) -> None:
        """``probes.json``: the schedule, the epochs probed (from 1) and those the time budget cut."""
        record: dict[str, Any] = {
            "every_epochs": self._every,
            "steps_between_probes": None if self.budget is None else PROBE_STEPS,
            "budget": self.budget,
            "probed_epochs": list(self._probed),
            "cut_by_budget": list(self._cut),
        }
        if self._cut:
            record["note"] = (
                "the time budget cut the probes of these epochs: layers.csv depends on this machine's speed; "
                "a larger budget (or budget=None: every epoch) gives the full schedule"
            )
        rundir.write_json(folder, rundir.PROBES, record)

    def _write_evaluation(self, folder: Path) -> None:
        if self._validation is not None:
            write_evaluation(self.model, folder, *self._validation, "validation")
        elif self._X is not None and self._y is not None and self._probe_X is not None:
            index = self._probe_index(len(self._X))
            write_evaluation(self.model, folder, self._X[index], self._y[index], "training (probe)")

    def __repr__(self) -> str:
        return f"Monitor(warn={self.warn!r}, budget={self.budget})"


def _loss_name(loss: Any) -> str | None:
    """The loss's canonical class name for the output-activation check: ``CrossEntropy`` (also
    for ``CrossEntropyLoss`` and ``F.cross_entropy``), ``NLLLoss``, ``BCEWithLogitsLoss``, else
    its own class or function name."""
    if loss is None:
        return None
    for cls, name in (
        (losses.CrossEntropy, "CrossEntropy"),
        (losses.NLLLoss, "NLLLoss"),
        (losses.BCEWithLogitsLoss, "BCEWithLogitsLoss"),
    ):
        if isinstance(loss, cls):
            return name
    functions = {
        "cross_entropy": "CrossEntropy",
        "nll_loss": "NLLLoss",
        "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    }
    own = getattr(loss, "__name__", None)
    return functions.get(own, own) if isinstance(own, str) else type(loss).__name__


__all__ = [
    "DeadUnitsWarning",
    "DeltanetWarning",
    "DivergingLossWarning",
    "MetricCollapseWarning",
    "Monitor",
    "NonFiniteLossWarning",
    "OutputActivationWarning",
    "OverfittingWarning",
    "SaturationWarning",
    "SymmetricInitWarning",
    "VanishingGradientWarning",
]
