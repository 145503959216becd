"""RELIABILITY.md item 9: interrupt training, resume from the checkpoint, and the final weights
(and the history) equal the uninterrupted run's, bit for bit."""

import copy

import numpy as np
import pytest
from tests.training._callbacks import CrashAfter, Interrupted, StepScheduler

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError

X = np.random.default_rng(0).normal(size=(45, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
EPOCHS, BATCH = 4, 8  # 6 steps per epoch, the last one short


def make(optimizer, seed=3, own_rng=False, batch_norm=False):
    dn.manual_seed(seed)
    layers = [nn.Linear(4, 16), nn.BatchNorm1d(16)] if batch_norm else [nn.Linear(4, 16)]
    layers += [nn.ReLU(), nn.Dropout(0.3, rng=11 if own_rng else None), nn.Linear(16, 3)]
    model = nn.Sequential(*layers)
    if optimizer == "sgd":
        opt = dn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    else:
        opt = dn.optim.Adam(model.parameters(), lr=0.01)
    return model, opt


def run(model, opt, callbacks=(), resume_from=None, rng=None, epochs=EPOCHS, **kwargs):
    return dn.fit(
        model,
        X,
        Y,
        "cross_entropy",
        opt,
        epochs=epochs,
        batch_size=BATCH,
        metrics=["accuracy"],
        validation_data=(X[:10], Y[:10]),
        callbacks=list(callbacks),
        resume_from=resume_from,
        rng=rng,
        **kwargs,
    )


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert sa[key].numpy().tobytes() == sb[key].numpy().tobytes(), key


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
# A crash at step k leaves the checkpoint of step k - 1 (6 and 12: the last step of an epoch, taken
# before that epoch's end; 3, 12, 15, 23: in the middle of an epoch).
@pytest.mark.parametrize("crash_after", [4, 7, 13, 16, 24])
def test_resume_gives_the_uninterrupted_weights_bit_for_bit(optimizer, crash_after, tmp_path):
    model, opt = make(optimizer)
    history = run(model, opt)

    interrupted, opt1 = make(optimizer)
    with pytest.raises(Interrupted):
        run(interrupted, opt1, [CrashAfter(crash_after), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])

    resumed, opt2 = make(optimizer, seed=99)  # a fresh process would start from other weights
    dn.manual_seed(1234)  # ... and another random state
    resumed_history = run(resumed, opt2, resume_from=tmp_path / "last.dnet")
    assert_same_weights(resumed, model)
    assert resumed_history.history == history.history and resumed_history.epoch == history.epoch
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


def test_resume_from_an_epoch_checkpoint_without_step_checkpoints(tmp_path):
    model, opt = make("adam", batch_norm=True)
    run(model, opt)

    first, opt1 = make("adam", batch_norm=True)
    dn.fit(
        first,
        X,
        Y,
        "cross_entropy",
        opt1,
        epochs=2,
        batch_size=BATCH,
        metrics=["accuracy"],
        validation_data=(X[:10], Y[:10]),
        callbacks=[dn.callbacks.ModelCheckpoint(tmp_path)],
    )
    resumed, opt2 = make("adam", seed=5, batch_norm=True)
    run(resumed, opt2, resume_from=tmp_path / "last.dnet")
    assert_same_weights(resumed, model)  # batch norm's running statistics included


def test_a_metric_added_on_resume_is_logged_at_its_own_epochs(tmp_path):
    import csv

    first, opt1 = make("sgd")
    dn.fit(
        first,
        X,
        Y,
        "cross_entropy",
        opt1,
        epochs=2,
        batch_size=BATCH,
        callbacks=[dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss")],
    )
    resumed, opt2 = make("sgd")
    history = dn.fit(resumed, X, Y, "cross_entropy", opt2, epochs=4, batch_size=BATCH, metrics=["accuracy"],
                     resume_from=tmp_path / "last.dnet", run_dir=tmp_path / "run")  # fmt: skip
    accuracy = history.history["accuracy"]
    assert len(accuracy) == 4 and np.isnan(accuracy[:2]).all() and not np.isnan(accuracy[2:]).any()
    with open(tmp_path / "run" / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["accuracy"] for r in rows][:2] == ["nan", "nan"]
    assert [float(r["accuracy"]) for r in rows][2:] == accuracy[2:]


def test_resume_with_layer_owned_generator_and_fit_rng_seed(tmp_path):
    model, opt = make("sgd", own_rng=True)
    run(model, opt, rng=7)

    interrupted, opt1 = make("sgd", own_rng=True)
    with pytest.raises(Interrupted):
        run(interrupted, opt1, [CrashAfter(10), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=5)], rng=7)
    resumed, opt2 = make("sgd", own_rng=True, seed=8)
    run(resumed, opt2, resume_from=tmp_path / "last.dnet", rng=7)
    assert_same_weights(resumed, model)


def test_without_resume_the_interrupted_run_differs(tmp_path):
    """The test above can fail: restarting from the checkpoint's weights alone is not enough."""
    model, opt = make("adam")
    run(model, opt)
    interrupted, opt1 = make("adam")
    with pytest.raises(Interrupted):
        run(interrupted, opt1, [CrashAfter(9), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    naive, opt2 = make("adam")
    naive.load_state_dict(dn.load(tmp_path / "last.dnet").state_dict())
    dn.fit(naive, X, Y, "cross_entropy", opt2, epochs=EPOCHS - 1, batch_size=BATCH)
    assert not np.array_equal(naive[0].weight.data, model[0].weight.data)


def test_no_shuffle_and_full_batch_resume(tmp_path):
    for batch_size, shuffle in ((None, True), (BATCH, False)):
        model, opt = make("sgd")
        dn.fit(model, X, Y, "cross_entropy", opt, epochs=3, batch_size=batch_size, shuffle=shuffle)
        interrupted, opt1 = make("sgd")
        with pytest.raises(Interrupted):
            dn.fit(
                interrupted,
                X,
                Y,
                "cross_entropy",
                opt1,
                epochs=3,
                batch_size=batch_size,
                shuffle=shuffle,
                callbacks=[CrashAfter(2), dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=1)],
            )
        resumed, opt2 = make("sgd", seed=4)
        dn.fit(
            resumed,
            X,
            Y,
            "cross_entropy",
            opt2,
            epochs=3,
            batch_size=batch_size,
            shuffle=shuffle,
            resume_from=tmp_path / "last.dnet",
        )
        assert_same_weights(resumed, model)


def test_early_stopping_state_and_stop_survive_a_resume(tmp_path):
    def callbacks():
        return [dn.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=10.0)]

    model, opt = make("sgd")
    history = run(model, opt, callbacks())  # min_delta 10: never improves after the first epoch
    assert len(history.epoch) == 2

    first, opt1 = make("sgd")
    with pytest.raises(Interrupted):
        run(first, opt1, callbacks() + [CrashAfter(8), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    resumed, opt2 = make("sgd", seed=6)
    resumed_history = run(resumed, opt2, callbacks(), resume_from=tmp_path / "last.dnet")
    assert resumed_history.epoch == [0, 1]  # the saved wait counter stops it after the same epoch
    assert_same_weights(resumed, model)

    # A checkpoint written after the stop resumes to nothing more.
    again, opt3 = make("sgd", seed=7)
    final = tmp_path / "final"
    m4, o4 = make("sgd")
    run(m4, o4, callbacks() + [dn.callbacks.ModelCheckpoint(final)])
    h = run(again, opt3, callbacks(), resume_from=final / "last.dnet")
    assert h.epoch == [0, 1]
    assert_same_weights(again, m4)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(batch_size=4), r"training.batch_size is 8, but this fit has 4"),
        (dict(shuffle=False), r"training.shuffle is True, but this fit has False"),
        (dict(X=X[:40], Y=Y[:40]), r"training.samples is 45, but this fit has 40"),
        (dict(optimizer="adam"), r"optimizer.class is 'SGD', but fit was given a Adam"),
        # The same number of samples, other values: the run would go on with the old state on new data.
        (dict(X=X[::-1].copy()), r"training.data_sha256 is '[0-9a-f]{64}', but the training data differ"),
        (dict(Y=(Y + 1) % 3), r"training.data_sha256 is .*, but the training data differ.*load them with dn.load"),
        (
            dict(loss=dn.losses.CrossEntropy(label_smoothing=0.1)),
            r"training.loss is \"CrossEntropyLoss\(reduction='mean'\)\", but this fit's loss is "
            r"\"CrossEntropyLoss\(reduction='mean', label_smoothing=0.1\)\"",
        ),
        (
            dict(loss=dn.losses.MultiMarginLoss()),
            r"training.loss is \"CrossEntropyLoss.*\", but this fit's loss is \"MultiMarginLoss",
        ),
    ],
)
def test_resume_refuses_a_different_run(change, message, tmp_path):
    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [CrashAfter(3), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    other, other_opt = make(change.get("optimizer", "sgd"), seed=2)
    before = copy.deepcopy(other.state_dict())
    with pytest.raises(CheckpointError, match=message):
        dn.fit(
            other,
            change.get("X", X),
            change.get("Y", Y),
            change.get("loss", "cross_entropy"),
            other_opt,
            epochs=EPOCHS,
            batch_size=change.get("batch_size", BATCH),
            shuffle=change.get("shuffle", True),
            resume_from=tmp_path / "last.dnet",
        )
    for key, value in before.items():  # nothing was changed
        assert np.array_equal(other.state_dict()[key], value)


def test_a_checkpoint_without_the_data_and_loss_records_still_resumes(tmp_path, monkeypatch):
    # Checkpoints written before they recorded the data's hash and the loss resume as before.
    from deltanet.training.state import FitState

    reference, ref_opt = make("sgd")
    run(reference, ref_opt)
    model, opt = make("sgd")
    with monkeypatch.context() as patch:
        patch.setattr(FitState, "identity", lambda self: {})
        with pytest.raises(Interrupted):
            run(model, opt, [CrashAfter(7), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    resumed, resumed_opt = make("sgd", seed=2)
    run(resumed, resumed_opt, resume_from=tmp_path / "last.dnet")
    assert_same_weights(resumed, reference)


def test_resume_from_a_plain_model_file_or_another_model_is_refused(tmp_path):
    model, opt = make("sgd")
    dn.save(model, tmp_path / "model.dnet", optimizer=opt)
    with pytest.raises(CheckpointError, match=r"a model file without training state"):
        run(model, opt, resume_from=tmp_path / "model.dnet")
    with pytest.raises(Interrupted):
        run(model, opt, [CrashAfter(2), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    wider = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))
    with pytest.raises(
        CheckpointError, match=r"member 'weights/0.weight.npy': declares 384 bytes, but an array of shape \(32, 4\)"
    ):
        dn.fit(
            wider,
            X,
            Y,
            "cross_entropy",
            dn.optim.SGD(wider.parameters(), lr=0.1, momentum=0.9),
            epochs=EPOCHS,
            batch_size=BATCH,
            resume_from=tmp_path / "last.dnet",
        )


def test_malformed_training_state_raises_only_checkpoint_error(tmp_path):
    """Structured fuzz of the training section: each field (and each random state's field) takes
    odd values; resuming refuses with CheckpointError (or resumes, where the value is not used)."""
    import json

    from tests.io._craft import build, members

    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [CrashAfter(9), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    items = list(members(tmp_path / "last.dnet").items())
    config = json.loads(dict(items)["config.json"])
    training = config["training"]
    paths = (
        [(k,) for k in training]
        + [("rng", k) for k in training["rng"]]
        + [("rng", "default", k) for k in training["rng"]["default"]]
        + [("partial", "total"), ("history", "history")]
    )
    tried = 0
    for path in paths:
        for value in (None, -1, 10**30, "x", [], {}, [1.5], {"a": 1}):
            edited = json.loads(json.dumps(config))
            target = edited["training"]
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            mutant = tmp_path / f"m{tried}.dnet"
            mutant.write_bytes(build([(n, json.dumps(edited).encode() if n == "config.json" else d) for n, d in items]))
            other, other_opt = make("sgd", seed=5)
            try:
                run(other, other_opt, resume_from=mutant)
            except CheckpointError:
                pass
            except Exception as error:  # pragma: no cover - the failure being tested for
                raise AssertionError(
                    f"training.{'.'.join(path)} = {value!r}: {type(error).__name__}: {error}"
                ) from error
            tried += 1
    assert tried > 100


# -- issue 13: what a resumed run used to lose -------------------------------------------------------
class Script(dn.callbacks.Callback):
    """Overwrites val_loss with a scripted sequence, so that EarlyStopping sees known numbers."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


@pytest.mark.parametrize(
    "values, crash_after",
    [
        ([1.0, 0.5, 0.7, 0.8, 0.9], 20),  # best epoch 1, interrupted in epoch 3
        ([1.0, 0.9, 0.8, 0.3, 0.9], 8),  # best epoch 3, after the interruption in epoch 1
    ],
)
def test_early_stopping_restores_the_best_epoch_across_a_resume(values, crash_after, tmp_path):
    def callbacks():
        return [Script(values), dn.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]

    model, opt = make("sgd")
    run(model, opt, callbacks(), epochs=5)

    first, opt1 = make("sgd")
    with pytest.raises(Interrupted):
        checkpoint = dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)
        run(first, opt1, [*callbacks(), CrashAfter(crash_after), checkpoint], epochs=5)
    resumed, opt2 = make("sgd", seed=6)
    run(resumed, opt2, callbacks(), resume_from=tmp_path / "last.dnet", epochs=5)
    assert_same_weights(resumed, model)


def test_early_stopping_best_weights_need_the_same_setting(tmp_path):
    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(
            model,
            opt,
            [
                dn.callbacks.EarlyStopping(patience=9),
                CrashAfter(9),
                dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1),
            ],
        )
    other, other_opt = make("sgd", seed=2)
    with pytest.raises(CheckpointError, match=r"restore_best_weights=True, but the checkpoint holds no best weights"):
        run(other, other_opt, [dn.callbacks.EarlyStopping(patience=9, restore_best_weights=True)],
            resume_from=tmp_path / "last.dnet")  # fmt: skip


def schedules(kind, opt):
    if kind == "step":
        return dn.optim.StepLR(opt, step_size=1, gamma=0.5)
    return dn.optim.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=10.0)  # reduces every epoch


@pytest.mark.parametrize("kind", ["step", "plateau"])
@pytest.mark.parametrize("crash_after", [7, 12])
def test_a_learning_rate_schedule_resumes_bit_for_bit(kind, crash_after, tmp_path):
    model, opt = make("sgd")
    history = run(model, opt, [dn.callbacks.LearningRateScheduler(schedules(kind, opt))])

    first, opt1 = make("sgd")
    with pytest.raises(Interrupted):
        run(first, opt1, [dn.callbacks.LearningRateScheduler(schedules(kind, opt1)), CrashAfter(crash_after),
                          dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])  # fmt: skip
    resumed, opt2 = make("sgd", seed=6)
    sched = schedules(kind, opt2)
    resumed_history = run(
        resumed, opt2, [dn.callbacks.LearningRateScheduler(sched)], resume_from=tmp_path / "last.dnet"
    )
    assert_same_weights(resumed, model)
    assert resumed_history.history == history.history
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.05 * 0.5**EPOCHS
    assert sched.get_last_lr() == [0.05 * 0.5**EPOCHS]


def test_a_schedule_stepped_where_fit_cannot_see_it_is_refused_on_resume(tmp_path):
    """A scheduler stepped in a callback of one's own is not in the checkpoint: resuming would
    restart the schedule, so fit says so instead of training with other rates."""

    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [StepScheduler(dn.optim.StepLR(opt, 1)), CrashAfter(9),
                         dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])  # fmt: skip
    other, other_opt = make("sgd", seed=2)
    with pytest.raises(CheckpointError, match=r"had a learning-rate scheduler .*LearningRateScheduler\(scheduler\)"):
        run(other, other_opt, [StepScheduler(dn.optim.StepLR(other_opt, 1))], resume_from=tmp_path / "last.dnet")


def test_a_saved_schedule_must_find_its_callback_and_back(tmp_path):
    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [dn.callbacks.LearningRateScheduler(dn.optim.StepLR(opt, 1)), CrashAfter(9),
                         dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])  # fmt: skip
    other, other_opt = make("sgd", seed=2)
    with pytest.raises(CheckpointError, match=r"holds the learning-rate scheduler state of LearningRateScheduler"):
        run(other, other_opt, resume_from=tmp_path / "last.dnet")
    plain = tmp_path / "plain"
    m, o = make("sgd")
    with pytest.raises(Interrupted):
        run(m, o, [CrashAfter(9), dn.callbacks.ModelCheckpoint(plain, every_n_steps=1)])
    other, other_opt = make("sgd", seed=2)
    with pytest.raises(CheckpointError, match=r"this fit's LearningRateScheduler has a learning-rate scheduler"):
        run(other, other_opt, [dn.callbacks.LearningRateScheduler(dn.optim.StepLR(other_opt, 1))],
            resume_from=plain / "last.dnet")  # fmt: skip


class CrashAtEpochEnd(dn.callbacks.Callback):
    """A crash in the first epoch's end, after its last step was checkpointed."""

    def on_epoch_end(self, epoch, logs=None):
        raise Interrupted


@pytest.mark.parametrize(
    "crash, first",
    [(CrashAtEpochEnd, 1), (lambda: CrashAfter(7), 2), (lambda: CrashAfter(9), 2)],
    ids=["after the last step of epoch 1", "at the start of epoch 2", "in the middle of epoch 2"],
)
@pytest.mark.parametrize("verbose", [1, 2])
def test_a_resumed_run_shows_the_progress_of_every_remaining_epoch(crash, first, verbose, tmp_path, capsys):
    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [crash(), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)], verbose=0)
    resumed, opt2 = make("sgd", seed=6)
    capsys.readouterr()
    run(resumed, opt2, resume_from=tmp_path / "last.dnet", verbose=verbose)
    out = capsys.readouterr().out
    assert [f"Epoch {e}/{EPOCHS}" in out for e in range(1, EPOCHS + 1)] == [e >= first for e in range(1, EPOCHS + 1)]
    assert out.count("val_loss: ") == EPOCHS - first + 1


def test_resume_after_the_last_step_of_an_epoch_before_its_end(tmp_path):
    """The checkpoint of the epoch's last step (step == steps per epoch): the resumed run only
    finishes that epoch (its logs, its callbacks) and goes on."""
    model, opt = make("adam")
    history = run(model, opt)
    first, opt1 = make("adam")
    with pytest.raises(Interrupted):
        run(first, opt1, [CrashAtEpochEnd(), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    resumed, opt2 = make("adam", seed=8)
    resumed_history = run(resumed, opt2, resume_from=tmp_path / "last.dnet")
    assert_same_weights(resumed, model)
    assert resumed_history.history == history.history


def test_resuming_with_fewer_epochs_than_the_checkpoint_is_refused(tmp_path):
    # epochs is the run's total: a checkpoint of epoch 3 resumed with epochs=2 ("2 more") would
    # train nothing and return the checkpoint's history as if it had.
    model, opt = make("sgd")
    run(model, opt, [dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss")], epochs=3)
    other, other_opt = make("sgd", seed=2)
    before = copy.deepcopy(other.state_dict())
    with pytest.raises(CheckpointError, match=r"the checkpoint is at the end of epoch 3, past epochs=2 of this fit"):
        run(other, other_opt, resume_from=tmp_path / "last.dnet", epochs=2)
    assert all(np.array_equal(before[k].numpy(), v.numpy()) for k, v in other.state_dict().items())
    history = run(other, other_opt, resume_from=tmp_path / "last.dnet", epochs=3)  # a finished run: nothing left
    assert history.epoch == [0, 1, 2]


@pytest.mark.parametrize(
    "validation, message",
    [
        ((X[10:20], Y[10:20]), r"training.validation_sha256 is .*, but the validation data differ"),
        (None, r"training.validation_sha256 is .*, but this fit has no validation data"),
    ],
)
def test_resume_refuses_other_validation_data(validation, message, tmp_path):
    # Early stopping, the best checkpoint and a plateau schedule follow the validation loss: on
    # other validation data the resumed run would not continue the interrupted one.
    model, opt = make("sgd")
    with pytest.raises(Interrupted):
        run(model, opt, [CrashAfter(8), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1)])
    other, other_opt = make("sgd", seed=2)
    with pytest.raises(CheckpointError, match=message):
        dn.fit(other, X, Y, "cross_entropy", other_opt, epochs=EPOCHS, batch_size=BATCH, metrics=["accuracy"],
               validation_data=validation, resume_from=tmp_path / "last.dnet")  # fmt: skip
