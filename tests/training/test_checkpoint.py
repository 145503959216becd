"""ModelCheckpoint: which files it writes, what they hold, and its argument checks."""

import copy
import json
import os
import zipfile

import numpy as np
import pytest
from tests.training._callbacks import StepScheduler

import deltanet as dn
from deltanet import nn
from deltanet.training.callbacks import ModelCheckpoint

X = np.random.default_rng(1).normal(size=(24, 3))
Y = (X[:, 0] > 0).astype(int)


def model_and_opt(seed=0):
    dn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    return model, dn.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)


def config_of(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_last_and_best_files_hold_the_model_the_optimizer_and_the_training_state(tmp_path):
    model, opt = model_and_opt()
    ckpt = ModelCheckpoint(tmp_path / "ckpt")
    history = dn.fit(
        model, X, Y, "cross_entropy", opt, epochs=3, batch_size=8, validation_data=(X, Y), callbacks=[ckpt]
    )
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["best.dnet", "last.dnet"]
    last = dn.io.load_checkpoint(ckpt.last_path)
    for key, value in model.state_dict().items():
        assert np.array_equal(last.model.state_dict()[key], value)
    assert last.optimizer_class == "SGD"
    np.testing.assert_array_equal(
        last.optimizer_state["state"][0]["momentum_buffer"], opt.state_dict()["state"][0]["momentum_buffer"]
    )
    training = last.training
    assert (training["epoch"], training["step"]) == (3, 0)
    assert training["samples"] == 24 and training["batch_size"] == 8 and training["steps_per_epoch"] == 3
    assert training["history"]["history"] == history.history
    assert training["rng"]["default"]["bit_generator"] == "PCG64"
    best_epoch = int(np.argmin(history.history["val_loss"]))
    assert ckpt.best == history.history["val_loss"][best_epoch] and ckpt.best_epoch == best_epoch
    assert config_of(ckpt.best_path)["training"]["epoch"] == best_epoch + 1


def test_save_best_only_writes_only_improvements(tmp_path):
    model, opt = model_and_opt()
    ckpt = ModelCheckpoint(tmp_path, save_best_only=True, monitor="val_accuracy")
    assert ckpt.mode == "max"
    dn.fit(
        model,
        X,
        Y,
        "cross_entropy",
        opt,
        epochs=2,
        batch_size=8,
        validation_data=(X, Y),
        metrics=["accuracy"],
        callbacks=[ckpt],
    )
    assert os.listdir(tmp_path) == ["best.dnet"]


def test_every_n_steps_counts_steps_over_the_run(tmp_path):
    model, opt = model_and_opt()
    writes = []
    ckpt = ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=2)
    original = ckpt._write
    ckpt._write = lambda path, at_epoch_end: (
        writes.append((os.path.basename(path), at_epoch_end)) or original(path, at_epoch_end)
    )
    dn.fit(model, X, Y, "cross_entropy", opt, epochs=2, batch_size=8, callbacks=[ckpt])
    step_writes = [w for w in writes if not w[1]]
    assert len(step_writes) == 3  # steps 2, 4, 6 of 6
    assert writes.count(("last.dnet", True)) == 2


def test_checkpoint_runs_after_the_other_callbacks(tmp_path):
    model, opt = model_and_opt()
    order = []

    class Spy(dn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            order.append("spy")

    ckpt = ModelCheckpoint(tmp_path, monitor="loss")
    original = ckpt.on_epoch_end
    ckpt.on_epoch_end = lambda epoch, logs=None: (order.append("checkpoint"), original(epoch, logs))
    dn.fit(model, X, Y, "cross_entropy", opt, epochs=1, batch_size=8, callbacks=[ckpt, Spy()])
    assert order == ["spy", "checkpoint"]


def test_missing_monitor_warns_once_and_keeps_writing_last(tmp_path):
    model, opt = model_and_opt()
    with pytest.warns(UserWarning, match=r"ModelCheckpoint is conditioned on 'val_loss'.*Available keys: loss"):
        dn.fit(model, X, Y, "cross_entropy", opt, epochs=2, batch_size=8, callbacks=[ModelCheckpoint(tmp_path)])
    assert os.listdir(tmp_path) == ["last.dnet"]


def test_scheduler_state_is_saved_and_restored(tmp_path):
    def setup(seed=0):
        model, opt = model_and_opt(seed)
        sched = dn.optim.StepLR(opt, step_size=1, gamma=0.5)
        return model, opt, sched

    model, opt, sched = setup()
    dn.fit(model, X, Y, "cross_entropy", opt, epochs=4, batch_size=8, callbacks=[StepScheduler(sched)])

    first, opt1, sched1 = setup()
    dn.fit(
        first,
        X,
        Y,
        "cross_entropy",
        opt1,
        epochs=2,
        batch_size=8,
        callbacks=[StepScheduler(sched1), ModelCheckpoint(tmp_path, monitor="loss", scheduler=sched1)],
    )
    assert config_of(tmp_path / "last.dnet")["training"]["callbacks"]["ModelCheckpoint"]["scheduler"]["last_epoch"] == 2
    resumed, opt2, sched2 = setup(seed=3)
    dn.fit(
        resumed,
        X,
        Y,
        "cross_entropy",
        opt2,
        epochs=4,
        batch_size=8,
        callbacks=[StepScheduler(sched2), ModelCheckpoint(tmp_path / "again", monitor="loss", scheduler=sched2)],
        resume_from=tmp_path / "last.dnet",
    )
    assert sched2.last_epoch == sched.last_epoch == 4 and sched2.get_last_lr() == sched.get_last_lr()
    for key, value in model.state_dict().items():
        assert resumed.state_dict()[key].numpy().tobytes() == value.numpy().tobytes()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(dirpath=3), r"dirpath must be a folder path, got 3"),
        (dict(save_best_only="yes"), r"save_best_only must be True or False, got 'yes'"),
        (dict(monitor=""), r"monitor must be a log key"),
        (dict(mode="lowest"), r"mode must be one of 'auto', 'min', 'max', got 'lowest'"),
        (dict(every_n_steps=0), r"every_n_steps must be a positive integer, got 0"),
        (dict(scheduler=object()), r"scheduler must be a deltanet.optim scheduler \(StepLR, ReduceLROnPlateau, ...\)"),
    ],
)
def test_arguments_are_checked(kwargs, message, tmp_path):
    kwargs.setdefault("dirpath", tmp_path)
    with pytest.raises(ValueError, match=message):
        ModelCheckpoint(**kwargs)


def test_exported_names():
    assert dn.callbacks.ModelCheckpoint is ModelCheckpoint is dn.training.ModelCheckpoint


# -- issue 13 ---------------------------------------------------------------------------------------
def _unwritable_folder(tmp_path):
    """A folder this process cannot write into: read-only for a normal user; /proc for root."""
    if os.geteuid() != 0:
        folder = tmp_path / "read_only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if not os.path.isdir("/proc/self"):
        pytest.skip("running as root without /proc: no folder refuses writes")
    return "/proc"


def test_an_unwritable_folder_fails_before_the_first_epoch(tmp_path):
    folder = _unwritable_folder(tmp_path)
    model, opt = model_and_opt()
    before = copy.deepcopy(model.state_dict())
    steps = []

    class Count(dn.callbacks.Callback):
        def on_batch_end(self, step, logs=None):
            steps.append(step)

    with pytest.raises(OSError, match=r"ModelCheckpoint: cannot write into dirpath"):
        dn.fit(model, X, Y, "cross_entropy", opt, epochs=2, batch_size=8, callbacks=[Count(), ModelCheckpoint(folder)])
    assert steps == []
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_non_finite_weights_are_never_written(tmp_path):
    """A callback that corrupts the weights (here: at the end of epoch 2) cannot make the checkpoint
    non-finite: ModelCheckpoint refuses, and last.dnet keeps epoch 1's weights."""

    class Corrupt(dn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model[0].weight.data[0, 0] = np.nan

    model, opt = model_and_opt()
    snapshots = []

    class Snap(dn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(copy.deepcopy(self.model.state_dict()))

    with pytest.raises(dn.training.TrainingDivergedError, match=r"ModelCheckpoint: the model's '0.weight' holds NaN"):
        dn.fit(model, X, Y, "cross_entropy", opt, epochs=3, batch_size=8, monitor=False,
               callbacks=[Snap(), Corrupt(), ModelCheckpoint(tmp_path, monitor="loss")])  # fmt: skip
    saved = dn.io.load_checkpoint(tmp_path / "last.dnet").model.state_dict()
    assert all(np.array_equal(saved[k], v) for k, v in snapshots[0].items())


def test_checkpoint_files_get_the_permissions_of_a_normal_file(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    model, opt = model_and_opt()
    ckpt = ModelCheckpoint(tmp_path, monitor="loss")
    dn.fit(model, X, Y, "cross_entropy", opt, epochs=1, batch_size=8, callbacks=[ckpt])
    assert os.stat(ckpt.last_path).st_mode & 0o777 == 0o666 & ~umask
