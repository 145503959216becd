"""The Monitor's warnings as data: for each kind its class, title, rule, message and advice.

One row of ``KINDS`` holds everything a kind says: the ``DeltanetWarning`` subclass that carries
it (users filter on it: ``warnings.filterwarnings("ignore", category=DeadUnitsWarning)``), the
title the HTML report shows, the rule in words (with the ``Monitor`` settings that tune it), when
it is checked, and the message and advice templates that ``render`` fills with the numbers a check
found (``monitor_checks``). The classes are one-line subclasses whose docstrings are written from
their row; the table of rules below is rendered from the rows too.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any


@dataclass(frozen=True)
class WarningKind:
    """One kind of training advice: what triggers it and what it says.

    Attributes:
        kind: the short name recorded in ``Monitor.events`` and ``warnings.json`` (``"dead"``).
        category: the name of its ``DeltanetWarning`` subclass (``"DeadUnitsWarning"``).
        title: a few words for the report's heading of the event.
        summary: one sentence, the summary of the class's docstring.
        rule: when it is given, precisely, with the ``Monitor`` settings that tune it.
        checked: when the ``Monitor`` looks (every epoch, at probes, at train begin).
        messages: case → message template (``str.format`` fields from the check's numbers and
            ``epoch``, ``layer``, ``type``, ``lr_hint``); the case ``""`` when there is one.
        advice: case → advice template; a case not listed takes ``""``.

    Examples:
        >>> from deltanet.training.warnings_table import KINDS
        >>> KINDS["dead"].category, KINDS["dead"].title
        ('DeadUnitsWarning', 'Dead ReLUs')
    """

    kind: str
    category: str
    title: str
    summary: str
    rule: str
    checked: str
    messages: Mapping[str, str]
    advice: Mapping[str, str]


_REGULARIZE = "; or regularize (regularizer=dn.regularizers.L2(1e-4), nn.Dropout), or use more training data."

_ROWS = (
    WarningKind(
        kind="nonfinite",
        category="NonFiniteLossWarning",
        title="NaN / Inf loss",
        summary="The loss (or a weight) became NaN or infinite.",
        rule="the epoch's loss or validation loss is NaN or infinite, or a weight is (training is stopped)",
        checked="every epoch",
        messages={
            "loss": "The {which} loss became {value} at epoch {epoch}. Training was stopped.",
            "parameter": "The parameter {name!r} holds NaN or infinite values after epoch {epoch}. "
            "Training was stopped.",
            "step": "{text}",
        },
        advice={
            "": "Usual causes: a learning rate that is too high (try 10 times smaller, or dn.lr_find), "
            "inputs that are not standardized (dn.data.Standardizer), or a log of 0 in a hand-written loss "
            "(use losses.CrossEntropy on logits)."
        },
    ),
    WarningKind(
        kind="diverging",
        category="DivergingLossWarning",
        title="Loss rising",
        summary="The training loss rose for several epochs: the learning rate is probably too high.",
        rule="the training loss rose `rising_epochs` (3) epochs in a row and so undid at least half of the "
        "progress made since the first epoch (1 % of the loss if there was none)",
        checked="every epoch",
        messages={
            "": "The training loss rose for {rises} epochs in a row, from {start:.4g} at epoch {start_epoch} "
            "to {end:.4g} at epoch {epoch}: the steps overshoot the minimum."
        },
        advice={"": "The learning rate is probably too high{lr_hint}, or run dn.lr_find to pick one."},
    ),
    WarningKind(
        kind="overfitting",
        category="OverfittingWarning",
        title="Overfitting",
        summary="The validation loss rises while the training loss falls.",
        rule="the validation loss has stayed more than `overfit_tolerance` (0.02, relative) above its best for "
        "`overfit_patience` (5) epochs while the training loss kept falling",
        checked="every epoch",
        messages={
            "": "The validation loss rose from {best:.4g} (epoch {best_epoch}) to {now:.4g} (epoch {epoch}) "
            "while the training loss fell from {train_best:.4g} to {train_now:.4g}: the network is "
            "overfitting (learning the training samples, not the task)."
        },
        advice={
            "no_stopper": "Stop early: callbacks=[dn.callbacks.EarlyStopping(patience=5, "
            "restore_best_weights=True)]" + _REGULARIZE,
            "other_key": "Your EarlyStopping watches {watched!r}, which can keep improving while the "
            "validation loss rises: EarlyStopping(monitor='val_loss', restore_best_weights=True) stops here"
            + _REGULARIZE,
            "keeps_last": "Your EarlyStopping (patience={patience}) will stop the run, but keeps the last "
            "weights: pass restore_best_weights=True to keep epoch {best_epoch}'s" + _REGULARIZE,
            "restores": "Your EarlyStopping (patience={patience}) will stop the run and restore epoch "
            "{best_epoch}'s weights" + _REGULARIZE,
        },
    ),
    WarningKind(
        kind="metric_collapse",
        category="MetricCollapseWarning",
        title="Validation metric collapsed",
        summary="A validation metric fell far below its best and stayed there.",
        rule="a validation score that should rise (a `val_` metric whose name has accuracy, acc, dice, iou, "
        "jaccard, f1, precision, recall, auc, sensitivity or specificity in it) has been below `collapse_ratio` "
        "(0.5) times its best, and at least 0.1 below it, for `collapse_patience` (2) epochs in a row (an error "
        "rate, `val_error` or `val_classification_error`, counts as the score 1 - error); or another validation "
        "error that should fall (a `val_` metric whose name ends in loss, other than val_loss itself, or has "
        "error, mse, mae or rmse in it) has been above its best divided by `collapse_ratio` (twice the best) for "
        "as long, having undone at least half of its improvement since the first epoch; in both cases while the "
        "validation loss is no lower than at the metric's best epoch",
        checked="every epoch",
        messages={
            "max": "The validation metric {key!r} collapsed: it fell from its best, {best:.4g} at epoch "
            "{best_epoch}, to {now:.4g} at epoch {epoch}, and has stayed below {limit:.4g} for "
            "{patience} epochs in a row.",
            "min": "The validation metric {key!r} collapsed: it rose from its best, {best:.4g} at epoch "
            "{best_epoch}, to {now:.4g} at epoch {epoch}, and has stayed above {limit:.4g} for "
            "{patience} epochs in a row.",
        },
        advice={
            "": "Training left a good solution: the learning rate is probably too high{lr_hint}, or lower it on "
            "a plateau (dn.optim.lr_scheduler.ReduceLROnPlateau). Check that the validation data are prepared "
            "as the training data (the same normalization, augmentation on the training side only) and that "
            "their labels match. Keep the best weights: callbacks=[dn.callbacks.EarlyStopping(monitor={key!r}, "
            "mode={mode!r}, patience=5, restore_best_weights=True)]."
        },
    ),
    WarningKind(
        kind="vanishing",
        category="VanishingGradientWarning",
        title="Vanishing gradients",
        summary="A layer's gradient is orders of magnitude smaller than the last layer's.",
        rule="a weight layer's (Linear, Conv) gradient norm is more than `vanishing_ratio` (1000) times smaller "
        "than the last weight layer's, or exactly 0",
        checked="at probes",
        messages={
            "zero": "Layer {layer!r} ({type}) received no gradient at all (exactly 0) at epoch {epoch}, while the "
            "last layer {last_layer!r} did ({last:.3g}): it cannot learn.",
            "ratio": "Layer {layer!r} ({type}): its gradient norm {norm:.3g} is {times:.3g} times smaller than "
            "that of the last layer {last_layer!r} ({last:.3g}) at epoch {epoch}: the gradients vanish on their "
            "way back, and the early layers barely learn.",
        },
        advice={
            "zero": "Look for what blocks the way back: dead ReLUs (all outputs 0), units initialized identically "
            "(constant initialization), or a layer whose output the loss does not use.",
            "ratio": "Use ReLU (nn.ReLU) instead of sigmoid/tanh in the hidden layers with He initialization "
            "(init='he_normal'), add batch normalization (nn.BatchNorm1d), or use fewer layers.",
        },
    ),
    WarningKind(
        kind="dead",
        category="DeadUnitsWarning",
        title="Dead ReLUs",
        summary="Most units of a ReLU layer output 0 for every sample.",
        rule="more than `dead_fraction` (0.5) of a ReLU layer's units are 0 on every probe sample",
        checked="at probes",
        messages={
            "": "Layer {layer!r} ({type}): {dead:.0%} of its {units} units output 0 for every probe sample after "
            "epoch {epoch} (dead ReLUs): no gradient passes them, so they never learn again."
        },
        advice={
            "": "Lower the learning rate{lr_hint}; check for large negative biases; use He initialization "
            "(init='he_normal'), or nn.LeakyReLU / nn.ELU, which keep a gradient for z < 0."
        },
    ),
    WarningKind(
        kind="saturated",
        category="SaturationWarning",
        title="Saturated units",
        summary="Most outputs of a sigmoid or tanh layer sit on its flat tails.",
        rule="more than `saturated_fraction` (0.5) of a hidden sigmoid/tanh layer's outputs are saturated after "
        "the first epoch (badly scaled inputs or initialization; an output layer that saturates late is only "
        "confident)",
        checked="at the first probe",
        messages={
            "": "Layer {layer!r} ({type}): {saturated:.0%} of its outputs are saturated (on the flat tails, where "
            "the derivative is nearly 0) after epoch {epoch}, so little gradient passes."
        },
        advice={
            "": "Standardize the inputs (dn.data.Standardizer), use Glorot initialization (init='glorot_uniform') "
            "or smaller weights, or use ReLU in the hidden layers."
        },
    ),
    WarningKind(
        kind="symmetric",
        category="SymmetricInitWarning",
        title="Symmetric initialization",
        summary="The units of a hidden layer start identical and will stay so.",
        rule="a hidden layer's units start identical (constant initialization) and the next layer weighs them "
        "identically",
        checked="at train begin",
        messages={
            "": "Layer {layer!r} ({type}): its {units} units start with identical weights and biases, and the "
            "next layer weighs them identically, so they get identical gradients and stay identical: the layer "
            "works as a single unit (constant initialization)."
        },
        advice={
            "": "Initialize the weights randomly, e.g. init='he_normal' for ReLU layers or init='glorot_uniform' "
            "for sigmoid/tanh (the default initialization is random too)."
        },
    ),
    WarningKind(
        kind="output_activation",
        category="OutputActivationWarning",
        title="Activation applied twice",
        summary="The model ends in the activation that its loss applies itself.",
        rule="the model's last layer is Softmax (or its outputs are rows that sum to 1 on the probe samples) "
        "or LogSoftmax while the loss is CrossEntropy, which takes logits; Softmax before NLLLoss, which takes "
        "log-probabilities; or Sigmoid before BCEWithLogitsLoss",
        checked="at train begin",
        messages={
            "softmax": "The model ends in {layer_type} and the loss is CrossEntropy, which takes logits and "
            "applies softmax itself: softmax is applied twice. The second softmax sees numbers in [0, 1] and is "
            "nearly uniform, so the loss cannot fall below log(e + C - 1) - 1 for C classes (0.313 for 2, 1.85 "
            "for 10) and the gradients are small.",
            "probabilities": "The model's outputs sum to 1 over the classes on the probe samples (they are "
            "probabilities) and the loss is CrossEntropy, which takes logits and applies softmax itself: softmax "
            "is applied twice. The second softmax sees numbers in [0, 1] and is nearly uniform, so the loss "
            "cannot fall below log(e + C - 1) - 1 for C classes (0.313 for 2, 1.85 for 10) and the gradients "
            "are small.",
            "log_softmax": "The model ends in {layer_type} and the loss is CrossEntropy, which applies "
            "log-softmax itself. The loss is still right (log-softmax of log-probabilities changes nothing), but "
            "the layer is redundant work, and predict() returns log-probabilities instead of logits.",
            "softmax_nll": "The model ends in {layer_type} and the loss is NLLLoss, which takes "
            "log-probabilities: it gets probabilities, so it minimizes -p instead of -log p.",
            "sigmoid": "The model ends in {layer_type} and the loss is BCEWithLogitsLoss, which takes logits and "
            "applies the sigmoid itself: the sigmoid is applied twice, so the predicted probability stays "
            "between 0.5 and 0.731 and the loss cannot fall below 0.313 (0.693 for targets of 0).",
        },
        advice={
            "softmax": "Remove the Softmax layer: CrossEntropy applies log-softmax itself. Apply "
            "dn.functional.softmax to the outputs when you want probabilities, after training.",
            "probabilities": "Return the logits (the last layer's z) from forward, without softmax: CrossEntropy "
            "applies log-softmax itself. Apply dn.functional.softmax to the outputs when you want "
            "probabilities, after training.",
            "log_softmax": "Remove the LogSoftmax layer: CrossEntropy applies log-softmax itself (or keep it and "
            "use losses.NLLLoss, which takes log-probabilities).",
            "softmax_nll": "Use nn.LogSoftmax instead of nn.Softmax before NLLLoss, or remove the Softmax layer "
            "and use losses.CrossEntropy, which takes logits.",
            "sigmoid": "Remove the Sigmoid layer: BCEWithLogitsLoss applies the sigmoid itself (or keep it and "
            "use losses.BCELoss, which takes probabilities).",
        },
    ),
)

#: kind → its row of the table.
KINDS: dict[str, WarningKind] = {row.kind: row for row in _ROWS}

_CLASS_DOC = """{summary}

A ``DeltanetWarning``. The ``Monitor`` gives it when {rule} (checked {checked}), and records it
as an event of kind ``"{kind}"``.

Examples:
    >>> import warnings
    >>> from deltanet.training.monitor import {category}
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", {category})  # silence this kind only
    ...     warnings.warn("{kind}", {category})
"""


class DeltanetWarning(UserWarning):
    """Base class of deltanet's training advice; filter it to silence them all.

    Each subclass is one row of ``KINDS`` (its ``kind`` attribute names the row), and takes its
    docstring from it.

    Examples:
        >>> import warnings
        >>> from deltanet.training.monitor import DeltanetWarning
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeltanetWarning)  # no training advice in this block
        ...     warnings.warn("the loss rose", DeltanetWarning)
    """

    kind: str | None = None

    def __init_subclass__(cls, kind: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is None:  # a user's own subclass
            return
        row = KINDS[kind]
        if cls.__name__ != row.category:
            raise TypeError(f"the warning of kind {kind!r} is called {row.category}, not {cls.__name__}")
        cls.kind = kind
        cls.__doc__ = _CLASS_DOC.format(**vars(row))
        CATEGORIES[kind] = cls


#: kind → its ``DeltanetWarning`` subclass (filled by the class statements below).
CATEGORIES: dict[str, type[DeltanetWarning]] = {}


class NonFiniteLossWarning(DeltanetWarning, kind="nonfinite"):
    pass


class DivergingLossWarning(DeltanetWarning, kind="diverging"):
    pass


class OverfittingWarning(DeltanetWarning, kind="overfitting"):
    pass


class MetricCollapseWarning(DeltanetWarning, kind="metric_collapse"):
    pass


class VanishingGradientWarning(DeltanetWarning, kind="vanishing"):
    pass


class DeadUnitsWarning(DeltanetWarning, kind="dead"):
    pass


class SaturationWarning(DeltanetWarning, kind="saturated"):
    pass


class SymmetricInitWarning(DeltanetWarning, kind="symmetric"):
    pass


class OutputActivationWarning(DeltanetWarning, kind="output_activation"):
    pass


def render(kind: str, case: str, values: Mapping[str, Any], advice_case: str | None = None) -> tuple[str, str]:
    """The message and the advice of a finding: its row's templates filled with ``values``.

    Args:
        kind: the row of ``KINDS``.
        case: which message template (``""`` for a kind with one).
        values: the numbers and names the templates ask for.
        advice_case: which advice template (default: ``case``); one not listed takes ``""``.

    Examples:
        >>> from deltanet.training.warnings_table import render
        >>> message, advice = render("dead", "", {"layer": "1", "type": "ReLU", "dead": 0.75,
        ...                                       "units": 4, "epoch": 2, "lr_hint": ""})
        >>> message.split(": ")[1]
        '75% of its 4 units output 0 for every probe sample after epoch 2 (dead ReLUs)'
        >>> advice.split(";")[0]
        'Lower the learning rate'
    """
    row = KINDS[kind]
    advice = row.advice.get(case if advice_case is None else advice_case, row.advice.get("", ""))
    return row.messages[case].format(**values), advice.format(**values)


def lr_hint(lr: float | None) -> str:
    """The learning-rate part of an advice: the current rate and one ten times smaller.

    Args:
        lr: the optimizer's learning rate, or None when it has none.

    Examples:
        >>> from deltanet.training.warnings_table import lr_hint
        >>> lr_hint(0.5)
        ' (lr=0.5); try lr=0.05'
    """
    if lr is None:
        return "; try a learning rate 10 times smaller"
    return f" (lr={lr:g}); try lr={lr / 10:g}"


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside deltanet (the line that
    called ``fit``), so that the warning names the user's code."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def issue(kind: str, text: str) -> None:
    """Give ``text`` as a Python warning of ``kind``'s class, pointing at the user's line."""
    warnings.warn(text, CATEGORIES[kind], stacklevel=user_stacklevel())


def markdown_table() -> str:
    """The table of warnings as Markdown: class, kind, rule, when checked."""
    lines = ["| warning class | kind | when | checked |", "|---|---|---|---|"]
    lines += [f"| ``{r.category}`` | ``{r.kind}`` | {r.rule} | {r.checked} |" for r in _ROWS]
    return "\n".join(lines)


__doc__ = (__doc__ or "") + "\n" + markdown_table() + "\n"

__all__ = [
    "CATEGORIES",
    "KINDS",
    "DeadUnitsWarning",
    "DeltanetWarning",
    "DivergingLossWarning",
    "MetricCollapseWarning",
    "NonFiniteLossWarning",
    "OutputActivationWarning",
    "OverfittingWarning",
    "SaturationWarning",
    "SymmetricInitWarning",
    "VanishingGradientWarning",
    "WarningKind",
    "issue",
    "lr_hint",
    "markdown_table",
    "render",
]
