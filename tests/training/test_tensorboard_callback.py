"""dn.callbacks.TensorBoard: each epoch of ``fit`` in TensorBoard's event files, Keras's layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.training._callbacks import Interrupted

import deltanet as dn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402

X = np.random.default_rng(0).normal(size=(40, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def read(folder):
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


def curve(events, tag):
    return [(e.step, e.value) for e in events.Scalars(tag)]


def make(seed=3):
    dn.manual_seed(seed)
    model = dn.nn.Sequential(dn.nn.Linear(4, 8), dn.nn.ReLU(), dn.nn.Linear(8, 2))
    return model, dn.optim.SGD(model.parameters(), lr=0.1)


def train(model, opt, callbacks, epochs=3, **kwargs):
    return dn.fit(
        model, X, Y, "cross_entropy", opt, epochs=epochs, batch_size=8, metrics=["accuracy"],
        validation_data=(X[:10], Y[:10]), callbacks=callbacks, verbose=0, **kwargs,
    )  # fmt: skip


def f32(values):
    return [float(np.float32(v)) for v in values]


def test_each_epoch_is_logged_in_keras_layout(tmp_path):
    model, opt = make()
    halve = dn.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    board = dn.callbacks.TensorBoard(tmp_path, histogram_freq=2)
    history = train(model, opt, [halve, board])
    train_run, val_run = read(tmp_path / "train"), read(tmp_path / "validation")
    assert sorted(train_run.Tags()["scalars"]) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    assert sorted(val_run.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss"]
    assert curve(train_run, "epoch_loss") == list(enumerate(f32(history["loss"])))
    assert curve(val_run, "epoch_loss") == list(enumerate(f32(history["val_loss"])))
    assert curve(val_run, "epoch_accuracy") == list(enumerate(f32(history["val_accuracy"])))
    assert curve(train_run, "epoch_learning_rate") == list(enumerate(f32([0.1, 0.05, 0.025])))
    names = [name for name, _ in model.named_parameters()]
    assert sorted(train_run.Tags()["histograms"]) == sorted(names)
    assert [e.step for e in train_run.Histograms("0.weight")] == [0, 2]  # every 2 epochs
    last = train_run.Histograms("2.bias")[-1].histogram_value
    assert last.num == 2 and last.sum == pytest.approx(float(model[2].bias.array.astype(np.float64).sum()))


@pytest.mark.parametrize("board_first", [True, False])
@pytest.mark.parametrize("kind", ["scheduler", "function"])
def test_the_learning_rate_logged_is_the_one_the_epoch_trained_with(board_first, kind, tmp_path):
    # A scheduler steps at the epoch's end, a function sets the rate at its beginning: whatever
    # the order of the callbacks, epoch e is logged with the rate its steps used.
    model, opt = make()
    if kind == "scheduler":
        schedule = dn.callbacks.LearningRateScheduler(dn.optim.StepLR(opt, step_size=1, gamma=0.5))
    else:
        schedule = dn.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    board = dn.callbacks.TensorBoard(tmp_path)
    train(model, opt, [board, schedule] if board_first else [schedule, board])
    assert curve(read(tmp_path / "train"), "epoch_learning_rate") == list(enumerate(f32([0.1, 0.05, 0.025])))


def test_an_interrupted_run_keeps_its_epochs_and_a_resumed_one_hides_what_it_rewrites(tmp_path):
    class CrashAtEpochEnd(dn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise Interrupted  # after TensorBoard logged epoch 1, before the checkpoint saved it

    model, opt = make()
    reference = train(model, opt, [], epochs=3)

    model, opt = make()
    checkpoints = dn.callbacks.ModelCheckpoint(tmp_path / "ckpt")
    with pytest.raises(Interrupted):
        train(model, opt, [dn.callbacks.TensorBoard(tmp_path / "tb"), CrashAtEpochEnd(), checkpoints])
    assert [s for s, _ in curve(read(tmp_path / "tb" / "train"), "epoch_loss")] == [0, 1]  # flushed

    model, opt = make(seed=9)
    train(model, opt, [dn.callbacks.TensorBoard(tmp_path / "tb")], resume_from=tmp_path / "ckpt" / "last.dnet")
    assert curve(read(tmp_path / "tb" / "train"), "epoch_loss") == list(enumerate(f32(reference["loss"])))
    files = sorted((tmp_path / "tb" / "train").glob("events.out.tfevents.*"))
    restart = [e for e in EventFileLoader(str(files[-1])).Load() if e.HasField("session_log")]
    assert [(e.step, e.session_log.status) for e in restart] == [(1, 1)]  # SessionLog.START at epoch 1


def test_bad_arguments_get_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="TensorBoard: update_freq must be one of"):
        dn.callbacks.TensorBoard(tmp_path, update_freq="batch")
    with pytest.raises(ValueError, match="TensorBoard: histogram_freq must be"):
        dn.callbacks.TensorBoard(tmp_path, histogram_freq=-1)
    with pytest.raises(TypeError, match="TensorBoard: log_dir must be a folder path"):
        dn.callbacks.TensorBoard(None)
    assert not Path(tmp_path, "train").exists()  # nothing is written before training begins
