r"""The Monitor's checks: pure functions from training statistics to findings.

Each check takes plain numbers (a list of epoch losses, a dict of gradient norms, the activation
statistics of ``layerstats``) and its thresholds, and returns a ``Finding`` (or a list of them, or
None): the kind of warning, the layer, which message the table (``warnings_table``) should use and
the numbers it quotes. No I/O and no state: the ``Monitor`` gathers the statistics, calls these,
and gives the findings.

Epochs in findings are counted from 1; a check over a curve takes ``first_epoch``, the epoch of
the curve's first value (a resumed run starts its curves later).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltanet.training.direction import FALLING_METRICS, RISING_METRICS, metric_words

# A score in [0, 1] must also lose this much to collapse: tiny scores wander at the start of training.
MIN_SCORE_DROP = 0.1
# Errors that are shares in [0, 1]: the collapse rule reads them as the score 1 - error.
ERROR_RATES = frozenset({"error", "error_rate", "classification_error"})


@dataclass(frozen=True)
class Finding:
    """What a check found: a kind of warning, where, and the numbers its message quotes.

    Attributes:
        kind: the row of ``warnings_table.KINDS`` (``"diverging"``).
        values: the numbers and names for the templates (``{"start": 1.2, ...}``).
        layer: the layer it concerns, or None for the whole run.
        case: which of the kind's messages applies (``""`` for a kind with one).

    Examples:
        >>> from deltanet.training.monitor_checks import check_diverging
        >>> finding = check_diverging([1.0, 2.0, 3.0, 4.0], rising_epochs=3)
        >>> finding.kind, finding.values["start"], finding.values["end"]
        ('diverging', 1.0, 4.0)
    """

    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    layer: str | None = None
    case: str = ""


def check_nonfinite_loss(loss: float | None, val_loss: float | None) -> Finding | None:
    """A NaN or infinite training or validation loss (the training loss is looked at first).

    Args:
        loss: the epoch's training loss, or None.
        val_loss: the epoch's validation loss, or None.
    """
    for which, value in (("training", loss), ("validation", val_loss)):
        if value is not None and not math.isfinite(float(value)):
            return Finding("nonfinite", {"which": which, "value": float(value)}, case="loss")
    return None


def check_nonfinite_parameters(parameters: Iterable[tuple[str, np.ndarray]]) -> Finding | None:
    """The first parameter that holds a NaN or an infinity.

    Args:
        parameters: ``(name, array)`` pairs (``model.named_parameters()`` with the arrays).
    """
    for name, data in parameters:
        if not np.isfinite(data).all():
            return Finding("nonfinite", {"name": name}, case="parameter")
    return None


def check_diverging(losses: Sequence[float], rising_epochs: int, first_epoch: int = 1) -> Finding | None:
    """The training loss rose ``rising_epochs`` epochs in a row and undid much of its progress.

    The rise must undo at least half of the progress made since the first epoch (or, when there
    was none, 1 % of the loss): the noise of mini-batch SGD near a minimum, or the overshoot of
    momentum onto a plateau, undoes far less.

    Args:
        losses: the training loss of each epoch so far.
        rising_epochs: how many rises in a row (2 or more).
        first_epoch: the epoch of ``losses[0]``.
    """
    k = rising_epochs
    if len(losses) <= k:
        return None
    window = list(losses[-(k + 1) :])
    rising = all(b > a for a, b in zip(window, window[1:]))
    first, best, now = losses[0], min(losses), window[-1]
    if not (rising and now - best >= max(0.5 * (first - best), 0.01 * abs(best), 1e-12)):
        return None
    end_epoch = first_epoch + len(losses) - 1
    return Finding(
        "diverging", {"rises": k, "start": window[0], "end": now, "start_epoch": end_epoch - k, "epoch": end_epoch}
    )


def check_overfitting(
    val_losses: Sequence[float], train_losses: Sequence[float], patience: int, tolerance: float, first_epoch: int = 1
) -> Finding | None:
    """The validation loss stayed above its best for ``patience`` epochs while the training loss fell.

    Overfitting is found when the best validation loss is ``patience`` or more epochs old, each of
    the last ``patience`` values is more than ``tolerance`` (relative) above it, and the training
    loss is now lower than at the best epoch.

    Args:
        val_losses: the validation loss of each epoch.
        train_losses: the training loss of the same epochs.
        patience: epochs without a new best.
        tolerance: how far above its best (relative) the validation loss must stay.
        first_epoch: the epoch of the first values.
    """
    val, train = list(val_losses), list(train_losses)
    if not val or len(train) != len(val):
        return None
    best = int(np.argmin(val))
    if len(val) - 1 - best < patience:
        return None
    threshold = val[best] + tolerance * abs(val[best])
    if not (min(val[-patience:]) > threshold and train[-1] < train[best]):
        return None
    return Finding(
        "overfitting",
        {
            "best": val[best],
            "best_epoch": first_epoch + best,
            "now": val[-1],
            "train_best": train[best],
            "train_now": train[-1],
            "epoch": first_epoch + len(val) - 1,
        },
    )


def overfitting_advice(watched: str | None, restores_best: bool) -> str:
    """Which overfitting advice fits the run's ``EarlyStopping``: ``"no_stopper"``, ``"other_key"``
    (it watches another quantity), ``"keeps_last"`` or ``"restores"`` (the best weights).

    Args:
        watched: the key the run's ``EarlyStopping`` watches, or None without one.
        restores_best: whether it restores the best weights.
    """
    if watched is None:
        return "no_stopper"
    if watched != "val_loss":
        return "other_key"
    return "restores" if restores_best else "keeps_last"


def metric_direction(key: str) -> str | None:
    """``"max"`` for a validation score that should rise, ``"min"`` for an error that should
    fall, None for the validation loss (the overfitting check watches it), a training metric, or
    a name that says neither.

    Args:
        key: an epoch-log key (``"val_accuracy"``, ``"val_dice_score"``, ``"val_mse"``).

    Examples:
        >>> from deltanet.training.monitor_checks import metric_direction
        >>> metric_direction("val_dice_score"), metric_direction("val_mse"), metric_direction("val_loss")
        ('max', 'min', None)
    """
    if not key.startswith("val_") or key == "val_loss":
        return None
    name, words = metric_words(key)
    if name.endswith("loss") or words & FALLING_METRICS:
        return "min"
    if words & RISING_METRICS:
        return "max"
    return None


def check_metric_collapse(
    key: str,
    values: Sequence[float],
    ratio: float,
    patience: int,
    first_epoch: int = 1,
    val_losses: Sequence[float] | None = None,
) -> Finding | None:
    r"""A validation metric that fell far below its best (or, for an error, rose far above it) and stayed.

    With the last ``patience`` values $v$ and the best value $b$ before them (the latest epoch
    that reached it is quoted), and $r$ = ``ratio``:

    - a score that should rise (``metric_direction`` "max") collapsed when every $v < r\,b$ and
      $b - v \ge 0.1$ (``MIN_SCORE_DROP``: tiny scores wander at the start of training);
    - an error rate in $[0, 1]$ (``ERROR_RATES``) is the score $1 - v$, under the same rule;
    - another error that should fall (a loss, mse, mae) collapsed when $b > 0$, every
      $v > b / r$, and every $v - b \ge (v_1 - b) / 2$: it undid at least half of its improvement
      since the first value $v_1$ (an error near 0 that doubles is noise, not a collapse).

    And, when the validation losses are given, the validation loss now is no lower than at the
    metric's best epoch: a metric that falls while the loss improves is the loss reshaping the
    predictions early in training (a segmentation network that first predicts foreground
    everywhere, then background, then learns the shapes), not a collapse. Non-finite values are
    not evidence: the last ``patience`` must be finite.

    Args:
        key: the epoch-log key (see ``metric_direction``; other keys find nothing).
        values: the metric of each epoch so far.
        ratio: $r$, in (0, 1).
        patience: epochs in a row the metric must stay collapsed.
        first_epoch: the epoch of ``values[0]``.
        val_losses: the validation loss of the same epochs, or None.

    Examples:
        >>> from deltanet.training.monitor_checks import check_metric_collapse
        >>> dice = [0.12, 0.31, 0.47, 0.07, 0.07]
        >>> finding = check_metric_collapse("val_dice", dice, ratio=0.5, patience=2)
        >>> finding.values["best"], finding.values["best_epoch"], finding.values["epoch"]
        (0.47, 3, 5)
    """
    direction = metric_direction(key)
    if direction is None or len(values) <= patience:
        return None
    tail = [float(v) for v in values[-patience:]]
    earlier = [float(v) for v in values[:-patience] if math.isfinite(v)]
    if not earlier or not all(math.isfinite(v) for v in tail):
        return None
    rate = key[4:].lower() in ERROR_RATES
    if direction == "max" or rate:
        best = min(earlier) if rate else max(earlier)
        scores = [1.0 - v for v in tail] if rate else tail
        best_score = 1.0 - best if rate else best
        limit = ratio * best_score
        if not (best_score > 0 and all(v < limit and best_score - v >= MIN_SCORE_DROP for v in scores)):
            return None
        if rate:
            limit = 1.0 - limit
    else:
        best = min(earlier)
        limit = best / ratio
        progress = earlier[0] - best
        if not (best > 0 and all(v > limit and v - best >= 0.5 * progress for v in tail)):
            return None
    best_index = max(i for i, v in enumerate(values[:-patience]) if v == best)
    if val_losses is not None and len(val_losses) == len(values) and val_losses[-1] < val_losses[best_index]:
        return None
    return Finding(
        "metric_collapse",
        {
            "key": key,
            "mode": direction,
            "best": best,
            "best_epoch": first_epoch + best_index,
            "now": tail[-1],
            "limit": limit,
            "patience": patience,
            "epoch": first_epoch + len(values) - 1,
        },
        case=direction,
    )


def check_vanishing(grad_norms: Mapping[str, float], ratio: float) -> Finding | None:
    """The first weight layer (from the input) whose gradient vanished, compared with the last.

    A layer's gradient norm vanished when it is exactly 0 (case ``"zero"``) or more than
    ``ratio`` times smaller than the last layer's (case ``"ratio"``). Only the first such layer
    is reported: the layers after it follow from it.

    Args:
        grad_norms: layer → gradient norm of the weight layers, in forward order.
        ratio: the allowed ratio (more than 1).
    """
    names = list(grad_norms)
    if len(names) < 2:
        return None
    last_layer = names[-1]
    last = grad_norms[last_layer]
    if not (last > 0 and math.isfinite(last)):
        return None
    for name in names[:-1]:
        norm = grad_norms[name]
        values = {"norm": norm, "last": last, "last_layer": last_layer}
        if norm == 0:
            return Finding("vanishing", values, layer=name, case="zero")
        if norm * ratio < last:
            return Finding("vanishing", {**values, "times": last / norm}, layer=name, case="ratio")
    return None


def check_dead_units(stats: Mapping[str, Mapping[str, Any]], dead_fraction: float) -> list[Finding]:
    """ReLU layers with more than ``dead_fraction`` of their units 0 on every probe sample.

    Args:
        stats: layer → activation statistics (``layerstats.layer_outputs_stats``).
        dead_fraction: the allowed share of dead units, in (0, 1).
    """
    return [
        Finding("dead", {"dead": stat["dead_fraction"], "units": stat["units"], "type": stat["type"]}, layer=name)
        for name, stat in stats.items()
        if stat.get("dead_fraction") is not None and stat["dead_fraction"] > dead_fraction
    ]


def check_saturation(
    stats: Mapping[str, Mapping[str, Any]], hidden: Iterable[str], saturated_fraction: float
) -> list[Finding]:
    """Hidden sigmoid or tanh layers with more than ``saturated_fraction`` of their outputs saturated.

    Args:
        stats: layer → activation statistics (``layerstats.layer_outputs_stats``).
        hidden: the layers before the last weight layer (an output layer may saturate: it is confident).
        saturated_fraction: the allowed share, in (0, 1).
    """
    hidden = set(hidden)
    return [
        Finding("saturated", {"saturated": stat["fraction_saturated"], "type": stat["type"]}, layer=name)
        for name, stat in stats.items()
        if name in hidden
        and stat.get("fraction_saturated") is not None
        and stat["fraction_saturated"] > saturated_fraction
    ]


def check_symmetric(symmetric_layers: Iterable[tuple[str, int]]) -> list[Finding]:
    """One finding per layer whose units start identical (``layerstats.symmetric_layers``).

    Args:
        symmetric_layers: ``(layer, units)`` pairs.
    """
    return [Finding("symmetric", {"units": units}, layer=name) for name, units in symmetric_layers]


def _rows_sum_to_one(output: np.ndarray, log: bool) -> bool:
    """Whether every row (axis 1) of ``output`` is a probability vector (``log``: of log-probabilities)."""
    if output.ndim < 2 or output.shape[1] < 2 or output.size == 0 or output.dtype.kind != "f":
        return False
    if not np.isfinite(output).all():
        return False
    atol = 1e3 * np.finfo(output.dtype).eps
    p = np.exp(output) if log else output
    return bool((p >= 0).all() and np.allclose(p.sum(axis=1), 1.0, rtol=0.0, atol=atol))


def check_output_activation(last_layer: str | None, loss: str | None, output: np.ndarray | None) -> Finding | None:
    """An output activation that the loss applies itself (or whose inverse it expects).

    Found: ``Softmax`` before ``CrossEntropy`` (case ``"softmax"``), outputs whose rows sum to 1
    before ``CrossEntropy`` without a ``Softmax`` layer (``"probabilities"``), ``LogSoftmax``
    before ``CrossEntropy`` (``"log_softmax"``), ``Softmax`` before ``NLLLoss``
    (``"softmax_nll"``), ``Sigmoid`` before ``BCEWithLogitsLoss`` (``"sigmoid"``). When the
    outputs are given, a Softmax or LogSoftmax layer must also show in them (rows of probabilities
    over axis 1): a last layer whose result the model transforms further is not reported.

    Args:
        last_layer: the class name of the last layer the forward pass calls (``"Softmax"``).
        loss: the loss's canonical class name (``"CrossEntropy"``, ``"NLLLoss"``, ``"BCEWithLogitsLoss"``).
        output: the model's outputs on a few samples, or None.

    Examples:
        >>> from deltanet.training.monitor_checks import check_output_activation
        >>> check_output_activation("Softmax", "CrossEntropy", None).case
        'softmax'
    """
    values = {"layer_type": last_layer, "loss": loss}
    shows = output is None or _rows_sum_to_one(output, log=last_layer == "LogSoftmax")
    if loss == "CrossEntropy":
        if last_layer in ("Softmax", "LogSoftmax") and shows:
            return Finding("output_activation", values, case="softmax" if last_layer == "Softmax" else "log_softmax")
        if output is not None and _rows_sum_to_one(output, log=False):
            return Finding("output_activation", values, case="probabilities")
    if loss == "NLLLoss" and last_layer == "Softmax" and shows:
        return Finding("output_activation", values, case="softmax_nll")
    if loss == "BCEWithLogitsLoss" and last_layer == "Sigmoid":
        return Finding("output_activation", values, case="sigmoid")
    return None


__all__ = [
    "ERROR_RATES",
    "FALLING_METRICS",
    "MIN_SCORE_DROP",
    "RISING_METRICS",
    "Finding",
    "check_dead_units",
    "check_diverging",
    "check_metric_collapse",
    "check_nonfinite_loss",
    "check_nonfinite_parameters",
    "check_output_activation",
    "check_overfitting",
    "check_saturation",
    "check_symmetric",
    "check_vanishing",
    "metric_direction",
    "overfitting_advice",
]
