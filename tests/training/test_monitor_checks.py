"""The Monitor's pure checks on plain lists, dicts and arrays: no model, no training."""

import math

import numpy as np
import pytest

from deltanet.training.monitor_checks import (
    MIN_SCORE_DROP,
    Finding,
    check_dead_units,
    check_diverging,
    check_metric_collapse,
    check_nonfinite_loss,
    check_nonfinite_parameters,
    check_output_activation,
    check_overfitting,
    check_saturation,
    check_symmetric,
    check_vanishing,
    metric_direction,
    overfitting_advice,
)

# -- the loss curves --------------------------------------------------------------------------


def test_nonfinite_loss_names_which_loss():
    assert check_nonfinite_loss(0.5, 0.7) is None
    assert check_nonfinite_loss(0.5, None) is None
    found = check_nonfinite_loss(0.5, math.inf)
    assert (found.kind, found.case, found.values) == ("nonfinite", "loss", {"which": "validation", "value": math.inf})
    assert check_nonfinite_loss(math.nan, math.inf).values["which"] == "training"  # the training loss first


def test_nonfinite_parameters_name_the_first_bad_one():
    good, bad = np.ones(3), np.array([1.0, np.nan])
    assert check_nonfinite_parameters([("0.weight", good)]) is None
    found = check_nonfinite_parameters([("0.weight", good), ("0.bias", bad), ("2.weight", bad)])
    assert found.case == "parameter" and found.values == {"name": "0.bias"}


def test_diverging_needs_consecutive_rises():
    assert check_diverging([1.0, 1.1, 1.2, 1.15, 1.3, 1.4], rising_epochs=3) is None
    found = check_diverging([1.0, 1.1, 1.2, 1.15, 1.3, 1.4, 1.5], rising_epochs=3)
    assert found.values == {"rises": 3, "start": 1.15, "end": 1.5, "start_epoch": 4, "epoch": 7}


def test_diverging_counts_epochs_from_first_epoch():
    found = check_diverging([1.0, 2.0, 3.0, 4.0], rising_epochs=3, first_epoch=11)  # a resumed run
    assert (found.values["start_epoch"], found.values["epoch"]) == (11, 14)
    assert check_diverging([1.0, 2.0, 3.0], rising_epochs=3) is None  # too few epochs to tell


@pytest.mark.parametrize(
    "losses, diverging",
    [
        ([8.27, 4.25, 3.513, 3.728, 3.87, 3.935, 3.965], False),  # momentum overshooting onto a plateau
        ([1.1, 0.5, 0.2, 0.0648, 0.0652, 0.0659, 0.0666], False),  # SGD noise near the minimum
        ([1.0, 0.5, 0.2, 0.3, 0.45, 0.65], True),  # half of the progress undone
        ([1.0, 1.0, 1.0, 1.0], False),  # flat is not rising
        ([1.0, 1.02, 1.04, 1.06], True),  # no progress at all: 1 % of the loss is enough
    ],
)
def test_diverging_rise_must_undo_half_of_the_progress(losses, diverging):
    assert (check_diverging(losses, rising_epochs=3) is not None) is diverging


def test_overfitting_rule_as_documented():
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    val = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]  # best at epoch 2, then 5.6 % above for 6 epochs
    assert check_overfitting(val[:6], train[:6], patience=5, tolerance=0.02) is None  # 4 epochs since the best
    found = check_overfitting(val[:7], train[:7], patience=5, tolerance=0.02, first_epoch=3)
    assert found.values == {
        "best": 0.9,
        "best_epoch": 4,
        "now": 0.95,
        "train_best": 0.8,
        "train_now": 0.2,
        "epoch": 9,
    }
    assert check_overfitting(val, train, patience=5, tolerance=0.1) is None  # within the tolerance
    rising_train = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    assert check_overfitting(val, rising_train, patience=5, tolerance=0.02) is None  # training did not fall
    assert check_overfitting(val, train[:-1], patience=5, tolerance=0.02) is None  # curves that do not line up


def test_overfitting_advice_follows_the_early_stopping_settings():
    assert overfitting_advice(None, False) == "no_stopper"
    assert overfitting_advice("loss", True) == "other_key"
    assert overfitting_advice("val_loss", False) == "keeps_last"
    assert overfitting_advice("val_loss", True) == "restores"


# -- validation metrics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, direction",
    [
        ("val_accuracy", "max"),
        ("val_acc", "max"),
        ("val_dice_score", "max"),
        ("val_mean_iou", "max"),
        ("val_f1", "max"),
        ("val_mse", "min"),
        ("val_mean_squared_error", "min"),
        ("val_classification_error", "min"),
        ("val_dice_loss", "min"),  # a loss, though it names Dice
        ("val_loss", None),  # the overfitting check watches it
        ("accuracy", None),  # a training metric
        ("val_penalty", None),  # says neither
    ],
)
def test_metric_direction(key, direction):
    assert metric_direction(key) == direction


def test_the_reported_dice_collapse_is_found():
    # A real report: the validation Dice went 0.47 -> 0.07 and the Monitor said nothing.
    dice = [0.12, 0.31, 0.47, 0.07]
    assert check_metric_collapse("val_dice_score", dice, ratio=0.5, patience=2) is None  # one epoch: wait
    found = check_metric_collapse("val_dice_score", [*dice, 0.07], ratio=0.5, patience=2)
    assert (found.kind, found.case) == ("metric_collapse", "max")
    assert found.values["best"] == 0.47 and found.values["best_epoch"] == 3
    assert found.values["now"] == 0.07 and found.values["epoch"] == 5
    assert found.values["limit"] == pytest.approx(0.235)
    # It stays found while the metric stays down (the Monitor gives it once).
    assert check_metric_collapse("val_dice_score", [*dice, 0.07, 0.09], ratio=0.5, patience=2) is not None


@pytest.mark.parametrize(
    "values",
    [
        [0.3, 0.45, 0.4, 0.47, 0.44, 0.46],  # a noisy but healthy curve
        [0.47, 0.07, 0.3, 0.07],  # one bad epoch, a recovery, another bad epoch: not in a row
        [0.9, 0.5, 0.46],  # below half only once
        [0.05, 0.15, 0.06, 0.05],  # tiny scores wander: less than MIN_SCORE_DROP below the best
        [0.47, math.nan, math.nan],  # non-finite values are not evidence
    ],
)
def test_no_collapse(values):
    assert check_metric_collapse("val_dice_score", values, ratio=0.5, patience=2) is None


def test_collapse_rule_thresholds_are_strict():
    # Below half the best *and* at least 0.1 under it, for every one of the last `patience` epochs.
    assert check_metric_collapse("val_accuracy", [0.8, 0.4, 0.4], ratio=0.5, patience=2) is None  # = half
    assert check_metric_collapse("val_accuracy", [0.8, 0.39, 0.39], ratio=0.5, patience=2) is not None
    assert check_metric_collapse("val_accuracy", [0.18, 0.085, 0.085], ratio=0.5, patience=2) is None
    assert MIN_SCORE_DROP == 0.1
    assert check_metric_collapse("val_accuracy", [0.9, 0.5, 0.5], ratio=0.6, patience=2) is not None
    assert check_metric_collapse("val_accuracy", [0.9, 0.1, 0.1, 0.1], ratio=0.5, patience=3) is not None
    found = check_metric_collapse("val_accuracy", [math.nan, 0.9, 0.2, 0.2], ratio=0.5, patience=2, first_epoch=5)
    assert found.values["best_epoch"] == 6 and found.values["epoch"] == 8


def test_error_rates_collapse_as_one_minus_the_score():
    # An error rate of 0.1 that jumps to 0.6: the score 1 - error fell from 0.9 to 0.4.
    found = check_metric_collapse("val_classification_error", [0.3, 0.1, 0.6, 0.6], ratio=0.5, patience=2)
    assert found.case == "min" and found.values["best"] == pytest.approx(0.1)
    assert found.values["limit"] == pytest.approx(0.55)  # 1 - 0.5 * 0.9
    assert check_metric_collapse("val_error", [0.0, 0.05, 0.05], ratio=0.5, patience=2) is None  # noise


def test_unbounded_errors_collapse_when_they_double_and_undo_half_the_progress():
    assert check_metric_collapse("val_mse", [1.0, 0.2, 0.7, 0.8], ratio=0.5, patience=2).values["best"] == 0.2
    assert check_metric_collapse("val_mse", [1.0, 0.2, 0.45, 0.5], ratio=0.5, patience=2) is None  # under half back
    assert check_metric_collapse("val_mse", [1.0, 1e-4, 3e-4, 3e-4], ratio=0.5, patience=2) is None  # noise near 0
    assert check_metric_collapse("val_mse", [0.2, 5.0, 5.0], ratio=0.5, patience=2) is not None  # blew up at once
    assert check_metric_collapse("val_mse", [0.0, 0.1, 0.1], ratio=0.5, patience=2) is None  # best 0: no ratio


def test_no_collapse_while_the_validation_loss_improves():
    # A small segmentation network (seen in a run): all foreground at epoch 1, all background at
    # epochs 2-3, then the shapes. The Dice fell, but the validation loss fell all along.
    dice = [0.488, 0.052, 0.052, 0.177, 0.439, 0.68]
    val_loss = [0.498, 0.422, 0.374, 0.334, 0.293, 0.25]
    assert check_metric_collapse("val_dice_score", dice[:3], ratio=0.5, patience=2) is not None  # Dice alone
    assert check_metric_collapse("val_dice_score", dice[:3], 0.5, 2, val_losses=val_loss[:3]) is None
    # The same Dice with a validation loss that got worse (or stayed) is a collapse; unknown losses don't count.
    assert check_metric_collapse("val_dice_score", dice[:3], 0.5, 2, val_losses=[0.498, 0.6, 0.498]) is not None
    assert check_metric_collapse("val_dice_score", dice[:3], 0.5, 2, val_losses=[math.nan] * 3) is not None


def test_validation_loss_itself_is_left_to_the_overfitting_check():
    assert check_metric_collapse("val_loss", [0.2, 5.0, 5.0], ratio=0.5, patience=2) is None


# -- per-layer statistics -----------------------------------------------------------------------


def test_vanishing_threshold_is_a_ratio_to_the_last_layer():
    assert check_vanishing({"0": 1.01e-3, "2": 1.0}, ratio=1000) is None
    found = check_vanishing({"0": 0.99e-3, "2": 1.0}, ratio=1000)
    assert (found.layer, found.case) == ("0", "ratio")
    assert found.values["times"] == pytest.approx(1 / 0.99e-3) and found.values["last_layer"] == "2"


def test_vanishing_reports_the_first_layer_from_the_input_and_zero_gradients():
    found = check_vanishing({"0": 0.0, "2": 1e-9, "4": 1.0}, ratio=1000)
    assert (found.layer, found.case) == ("0", "zero")
    assert check_vanishing({"0": 1e-9, "2": 1e-9, "4": 1.0}, ratio=1000).layer == "0"
    assert check_vanishing({"0": 1.0}, ratio=1000) is None  # nothing to compare with
    assert check_vanishing({"0": 0.0, "2": 0.0}, ratio=1000) is None  # no gradient anywhere: nothing to say
    assert check_vanishing({"0": 1.0, "2": math.nan}, ratio=1000) is None


def stats(**layers):
    return {
        name: {"type": kind, "dead_fraction": dead, "fraction_saturated": sat, "units": 4}
        for name, (kind, dead, sat) in layers.items()
    }


def test_dead_units_more_than_the_fraction():
    layer_stats = stats(a=("ReLU", 0.5, None), b=("ReLU", 0.75, None), c=("Sigmoid", None, 0.9))
    assert [(f.layer, f.values["dead"]) for f in check_dead_units(layer_stats, 0.5)] == [("b", 0.75)]


def test_saturation_only_in_hidden_layers():
    layer_stats = stats(a=("Sigmoid", None, 0.9), b=("Tanh", None, 0.4), c=("Sigmoid", None, 0.99))
    assert [f.layer for f in check_saturation(layer_stats, hidden=["a", "b"], saturated_fraction=0.5)] == ["a"]


def test_symmetric_layers_become_findings():
    assert check_symmetric([("0", 8)]) == [Finding("symmetric", {"units": 8}, layer="0")]
    assert check_symmetric([]) == []


# -- the output activation against the loss ---------------------------------------------------


def softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


Z = np.random.default_rng(0).standard_normal((8, 3))


@pytest.mark.parametrize(
    "last, loss, output, case",
    [
        ("Softmax", "CrossEntropy", None, "softmax"),
        ("Softmax", "CrossEntropy", softmax(Z), "softmax"),
        ("Softmax", "CrossEntropy", softmax(Z).astype(np.float32), "softmax"),
        ("Linear", "CrossEntropy", softmax(Z), "probabilities"),  # F.softmax inside forward
        ("Softmax", "CrossEntropy", softmax(Z.reshape(2, 3, 2, 2)), "softmax"),  # segmentation (N, C, H, W)
        ("LogSoftmax", "CrossEntropy", None, "log_softmax"),
        ("LogSoftmax", "CrossEntropy", np.log(softmax(Z)), "log_softmax"),
        ("Softmax", "NLLLoss", softmax(Z), "softmax_nll"),
        ("Sigmoid", "BCEWithLogitsLoss", None, "sigmoid"),
    ],
)
def test_output_activation_the_loss_applies_itself(last, loss, output, case):
    found = check_output_activation(last, loss, output)
    assert found.kind == "output_activation" and found.case == case


@pytest.mark.parametrize(
    "last, loss, output",
    [
        ("Linear", "CrossEntropy", Z),  # logits: right
        ("Linear", "CrossEntropy", None),
        ("LogSoftmax", "NLLLoss", np.log(softmax(Z))),  # PyTorch's pair: right
        ("Sigmoid", "BCELoss", None),  # probabilities for the loss on probabilities: right
        ("Softmax", "MSELoss", softmax(Z)),  # not a loss that applies softmax
        ("Softmax", "CrossEntropy", 2 * softmax(Z)),  # the model transforms the softmax further
        ("Linear", "CrossEntropy", softmax(Z[:, :1])),  # one column always sums to 1: not evidence
        ("Linear", "CrossEntropy", np.array([[1.5, -0.5], [2.0, -1.0]])),  # rows sum to 1, but p < 0
        (None, None, None),
    ],
)
def test_output_activation_not_reported(last, loss, output):
    assert check_output_activation(last, loss, output) is None
