"""EarlyStopping (Keras's rules: patience, min_delta, mode, restore_best_weights, reset, missing key),
History, and the callback argument checks."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn, optim
from deltanet.training.callbacks import Callback, EarlyStopping, History


class Script(Callback):
    """Overwrites the monitored value with a scripted sequence and snapshots the weights, so that
    EarlyStopping (placed after it) sees known numbers."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values
        self.states = []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.states.append(copy.deepcopy(self.model.state_dict()))  # state_dict() shares memory


def train(values, stopper, key="val_loss", epochs=None):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    dn.manual_seed(0)
    model = nn.Linear(2, 2)
    script = Script(key, values)
    history = dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.5),
        epochs=epochs or len(values),
        batch_size=None,
        validation_data=(X, y),
        callbacks=[script, stopper],
    )
    return model, history, script


@pytest.mark.parametrize(
    "values, patience, min_delta, stopped",
    [
        ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.4], 2, 0.0, 3),  # 2 epochs without improvement
        ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.4], 0, 0.0, 2),  # the first that does not improve
        ([1.0, 0.9, 0.95, 0.85, 0.97, 0.98, 0.99], 2, 0.0, 5),  # the count restarts at 0.85
        ([1.0, 0.95, 0.92, 0.91, 0.90, 0.89, 0.88], 1, 0.1, 1),  # steps smaller than min_delta
        ([1.0, 0.95, 0.92, 0.91, 0.90, 0.89, 0.88], 1, 0.0, None),
        ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], 0, 0.0, None),  # always improving: never stops
    ],
)
def test_early_stopping_patience_and_min_delta(values, patience, min_delta, stopped):
    stopper = EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta)
    _, history, _ = train(values, stopper)
    if stopped is None:
        assert history.epoch == list(range(len(values))) and stopper.stopped_epoch == 0
    else:
        assert history.epoch == list(range(stopped + 1))
        assert stopper.stopped_epoch == stopped


def test_mode_auto_maximizes_accuracy():
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    assert stopper.mode == "max"
    _, history, _ = train([0.5, 0.7, 0.6, 0.65, 0.9], stopper, key="val_accuracy")
    assert history.epoch == [0, 1, 2]  # 0.6 is the first epoch without improvement
    assert EarlyStopping(monitor="loss").mode == "min"
    assert EarlyStopping(monitor="val_loss", mode="max").mode == "max"


# Every score of deltanet.metrics that should rise, and the errors that should fall: "auto" must
# not stop (or keep the "best" checkpoint) at the worst Dice or F1 score of the run.
RISING = [
    "val_f1",
    "val_dice",
    "val_dice_score",
    "val_iou",
    "val_mean_iou",
    "val_jaccard",
    "val_precision",
    "val_average_precision",
    "val_recall",
    "val_sensitivity",
    "val_specificity",
    "val_roc_auc",
    "val_pr_auc",
    "val_accuracy",
    "val_acc",
    "accuracy",
    "f1",
    "dice",
]
FALLING = [
    "val_loss",
    "loss",
    "val_mse",
    "val_mae",
    "val_mean_squared_error",
    "val_mean_absolute_error",
    "val_classification_error",
    "val_error",
    "val_dice_loss",
    "penalty",
    "my_metric",
]


@pytest.mark.parametrize("key", RISING + FALLING)
def test_mode_auto_knows_which_way_each_metric_improves(key, tmp_path):
    want = "max" if key in RISING else "min"
    assert EarlyStopping(monitor=key).mode == want
    assert dn.callbacks.ModelCheckpoint(tmp_path, monitor=key).mode == want


def test_mode_auto_does_not_stop_a_rising_dice_score():
    stopper = EarlyStopping(monitor="val_dice", patience=1)
    _, history, _ = train([0.2, 0.5, 0.6, 0.7, 0.8], stopper, key="val_dice")
    assert history.epoch == [0, 1, 2, 3, 4] and stopper.stopped_epoch == 0


@pytest.mark.parametrize("restore", [True, False])
def test_restore_best_weights(restore):
    values = [1.0, 0.5, 0.7, 0.8, 0.9]
    stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=restore)
    model, history, script = train(values, stopper)
    assert history.epoch == [0, 1, 2, 3]
    expected = script.states[1] if restore else script.states[3]  # best epoch 1, or the last one
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in expected.items())
    if restore:
        assert stopper.best_epoch == 1 and stopper.best == 0.5
        assert any(not np.array_equal(script.states[3][k], v) for k, v in expected.items())


def test_restore_best_weights_also_when_training_runs_to_the_end():
    values = [1.0, 0.5, 0.7]
    stopper = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    model, history, script = train(values, stopper)
    assert history.epoch == [0, 1, 2] and stopper.stopped_epoch == 0
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in script.states[1].items())


def test_state_is_reset_at_train_begin():
    stopper = EarlyStopping(monitor="val_loss", patience=0)
    _, first, _ = train([0.1, 0.2, 0.3], stopper)
    assert first.epoch == [0, 1]
    # A second fit with worse values than the first run's best must not stop at once.
    _, second, _ = train([5.0, 4.0, 3.0], stopper)
    assert second.epoch == [0, 1, 2] and stopper.best == 3.0


def test_missing_monitor_warns_and_lists_available_keys():
    stopper = EarlyStopping(monitor="val_acc", patience=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    model = nn.Linear(2, 2)
    with pytest.warns(
        UserWarning,
        match=(
            r"EarlyStopping is conditioned on 'val_acc', which is "
            r"not in the epoch logs\. Available keys: loss, accuracy"
        ),
    ):
        history = dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            optim.SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=None,
            callbacks=[stopper],
            metrics=["accuracy"],
        )
    assert history.epoch == [0, 1, 2]  # never stops on a key it cannot see


def test_baseline_must_be_beaten():
    # Epochs that improve but stay above the baseline still count towards patience (Keras).
    values = [0.9, 0.8, 0.85, 0.7, 0.6]
    _, history, _ = train(values, EarlyStopping(monitor="val_loss", patience=2, baseline=0.5))
    assert history.epoch == [0, 1, 2]
    _, history, _ = train(values, EarlyStopping(monitor="val_loss", patience=2))
    assert history.epoch == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"patience": -1}, r"EarlyStopping: patience must be a non-negative integer, got -1"),
        ({"patience": 1.5}, r"EarlyStopping: patience must be a non-negative integer, got 1.5"),
        ({"min_delta": -0.1}, r"EarlyStopping: min_delta must be a number >= 0, got -0.1"),
        ({"mode": "lowest"}, r"EarlyStopping: mode must be one of 'auto', 'min', 'max', got 'lowest'"),
        ({"monitor": ""}, r"EarlyStopping: monitor must be a log key such as 'val_loss', got ''"),
        # Refused at construction, not after the first epoch (issue 13):
        ({"restore_best_weights": "no"}, r"EarlyStopping: restore_best_weights must be True or False, got 'no'"),
        ({"baseline": "abc"}, r"EarlyStopping: baseline must be a finite number or None, got 'abc'"),
        ({"start_from_epoch": -2}, r"EarlyStopping: start_from_epoch must be a non-negative integer, got -2"),
    ],
)
def test_early_stopping_hyperparameters_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


def test_history_records_per_epoch_lists():
    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    h.on_epoch_end(1, {"loss": 0.5, "val_loss": 1.5})
    assert h.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]}
    assert h.epoch == [0, 1] and h["loss"] == [1.0, 0.5]
    h.on_train_begin()
    assert h.history == {} and h.epoch == []


def test_history_lines_every_quantity_up_with_its_epoch():
    # A quantity logged from a later epoch on (a metric added when a run is resumed), or missing
    # in one, gets NaN where it was not logged: history.csv and the plots read list i as epoch i.
    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 0.9})
    h.on_epoch_end(1, {"loss": 0.8, "accuracy": 0.5})
    h.on_epoch_end(2, {"accuracy": 0.6})
    assert h.epoch == [0, 1, 2]
    assert h.history["loss"][:2] == [0.9, 0.8] and np.isnan(h.history["loss"][2])
    assert np.isnan(h.history["accuracy"][0]) and h.history["accuracy"][1:] == [0.5, 0.6]


def test_lazy_names_on_the_package():
    assert dn.callbacks.EarlyStopping is EarlyStopping
    assert dn.History is History
    assert dn.training.fit is dn.fit


def _lr_per_epoch(schedule_for, epochs=4, validation=True):
    """The learning rate each epoch's steps used, with LearningRateScheduler(schedule_for(opt))."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    model = nn.Linear(2, 2, rng=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen = {}

    class Spy(Callback):
        def on_batch_end(self, step, logs=None):
            seen[logs["epoch"]] = opt.param_groups[0]["lr"]

    dn.fit(model, X, y, "cross_entropy", opt, epochs=epochs, batch_size=4,
           validation_data=(X, y) if validation else None,
           callbacks=[dn.callbacks.LearningRateScheduler(schedule_for(opt)), Spy()])  # fmt: skip
    return [seen[e] for e in range(epochs)]


def test_learning_rate_scheduler_steps_pytorch_schedulers_after_each_epoch():
    assert _lr_per_epoch(lambda opt: optim.StepLR(opt, step_size=2, gamma=0.1)) == pytest.approx(
        [0.1, 0.1, 0.01, 0.01], rel=1e-12
    )
    # threshold 10: never "better", so every epoch after the first reduces the rate
    plateau = _lr_per_epoch(lambda opt: optim.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=10.0))
    assert plateau == pytest.approx([0.1, 0.05, 0.025, 0.0125], rel=1e-12)


def test_learning_rate_scheduler_takes_keras_functions():
    assert _lr_per_epoch(lambda opt: lambda epoch, lr: 0.1 * 0.5**epoch) == pytest.approx(
        [0.1, 0.05, 0.025, 0.0125], rel=1e-12
    )


def test_learning_rate_scheduler_arguments_are_checked():
    with pytest.raises(ValueError, match=r"got the class StepLR itself; build it on the optimizer first"):
        dn.callbacks.LearningRateScheduler(optim.StepLR)
    with pytest.raises(ValueError, match=r"schedule must be a deltanet.optim scheduler or a function .* got 0.1"):
        dn.callbacks.LearningRateScheduler(0.1)
    other = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"the scheduler was built on another optimizer than the one given to fit"):
        _lr_per_epoch(lambda opt: optim.StepLR(other, step_size=1))
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau is stepped with 'val_loss', which is not in the epoch"):
        _lr_per_epoch(lambda opt: optim.ReduceLROnPlateau(opt), validation=False)
    with pytest.raises(ValueError, match=r"schedule\(epoch, lr\) must be a number >= 0, got -1"):
        _lr_per_epoch(lambda opt: lambda epoch, lr: -1)


def test_reduce_on_plateau_must_watch_a_score_in_max_mode():
    # ReduceLROnPlateau's mode is "min" by default (PyTorch's): on val_accuracy it would cut the
    # rate while the accuracy rises.
    opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"mode='min'.*'val_accuracy' is a score.*mode='max'"):
        dn.callbacks.LearningRateScheduler(optim.ReduceLROnPlateau(opt), monitor="val_accuracy")
    with pytest.raises(ValueError, match=r"mode='max'.*'val_loss' is a loss or an error.*mode='min'"):
        dn.callbacks.LearningRateScheduler(optim.ReduceLROnPlateau(opt, mode="max"))
    dn.callbacks.LearningRateScheduler(optim.ReduceLROnPlateau(opt, mode="max"), monitor="val_dice")
    dn.callbacks.LearningRateScheduler(optim.ReduceLROnPlateau(opt, mode="max"), monitor="my_score")  # unknown name
    dn.callbacks.LearningRateScheduler(optim.ReduceLROnPlateau(opt), monitor="my_score")
