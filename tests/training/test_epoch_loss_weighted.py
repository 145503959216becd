"""The epoch's training loss is the loss over its samples, also for a mean over weighted or ignored
class labels: ``CrossEntropy(weight=..., ignore_index=...)`` divides a batch's sum by
$\\sum_i w_{y_i}$ over its kept labels, so the batch means weigh those denominators, not the batch
sizes. With ``lr = 0`` the weights do not move, so the history's ``loss`` must equal
``evaluate``'s on the same data, and ``val_loss`` on it (before: 0.953 against 0.897)."""

import json

import numpy as np
import pytest
from tests.training._callbacks import CrashAfter, Interrupted

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3))
Y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, -1])  # the ignored label in the last (short) batch only
LOSSES = {
    "ignore_index": lambda: dn.losses.CrossEntropy(ignore_index=-1),
    "weight": lambda: dn.losses.CrossEntropy(weight=dn.tensor([1.0, 10.0, 2.0])),
    "weight_ignore_smoothing": lambda: dn.losses.CrossEntropy(
        weight=dn.tensor([1.0, 10.0, 2.0]), ignore_index=-1, label_smoothing=0.1
    ),
    "nll_weight": lambda: nn.NLLLoss(weight=dn.tensor([3.0, 1.0, 2.0]), ignore_index=-1),
}


def targets(name):
    return Y if "ignore" in name or name.startswith("nll") else np.where(Y < 0, 2, Y)


def model():
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 3, dtype="float64"))


def frozen_fit(name, data, **kwargs):
    m = model()
    loss = LOSSES[name]()
    if name.startswith("nll"):
        m = nn.Sequential(m, nn.LogSoftmax(dim=1))
    y = targets(name)
    history = dn.fit(
        m, *data(y), loss=loss, optimizer=dn.optim.SGD(m.parameters(), lr=0.0), epochs=2, verbose=0,
        validation_data=(X, y), **kwargs,
    )  # fmt: skip
    return history, dn.evaluate(m, X, y, loss=loss)["loss"]


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("shuffle", [False, True])
def test_the_epoch_loss_of_arrays_is_the_loss_over_the_epoch(name, shuffle):
    history, evaluated = frozen_fit(name, lambda y: (X, y), batch_size=4, shuffle=shuffle, rng=1)
    assert history.history["loss"] == pytest.approx([evaluated] * 2, rel=1e-12)
    assert history.history["val_loss"] == pytest.approx([evaluated] * 2, rel=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_the_epoch_loss_of_a_loader_is_the_loss_over_the_epoch(name):
    def loader(y):
        return (dn.utils.data.DataLoader(dn.utils.data.TensorDataset(X, y), batch_size=4),)

    history, evaluated = frozen_fit(name, loader)
    assert history.history["loss"] == pytest.approx([evaluated] * 2, rel=1e-12)


def test_label_maps_with_ignored_pixels():
    rng = np.random.default_rng(1)
    images = rng.normal(size=(5, 1, 4, 4))
    labels = rng.integers(0, 2, size=(5, 4, 4))
    labels[4, :3] = -1  # 12 of the 16 pixels of the last image (alone in its batch) are ignored
    dn.manual_seed(0)
    m = nn.Conv2d(1, 2, 3, padding=1, dtype="float64")
    loss = dn.losses.CrossEntropy(ignore_index=-1)
    history = dn.fit(m, images, labels, loss, dn.optim.SGD(m.parameters(), lr=0.0), epochs=1, batch_size=2,
                     shuffle=False, verbose=0)  # fmt: skip
    assert history.history["loss"][0] == pytest.approx(dn.evaluate(m, images, labels, loss=loss)["loss"], rel=1e-12)


def test_without_weights_or_ignored_labels_the_batches_weigh_their_sizes():
    # The usual case keeps its arithmetic: Σ n_b L_b / N, nothing computed per batch.
    m = model()
    loss = dn.losses.CrossEntropy()
    y = np.where(Y < 0, 2, Y)
    assert dn.training.validation.mean_denominator(loss, y) is None
    history = dn.fit(m, X, y, loss, dn.optim.SGD(m.parameters(), lr=0.0), epochs=1, batch_size=4, shuffle=False,
                     verbose=0)  # fmt: skip
    assert history.history["loss"][0] == pytest.approx(dn.evaluate(m, X, y, loss=loss)["loss"], rel=1e-12)


def test_a_run_resumed_in_the_middle_of_an_epoch_logs_the_same_losses(tmp_path):
    def run(callbacks=(), resume_from=None):
        dn.manual_seed(3)
        m = nn.Sequential(nn.Linear(3, 8, dtype="float64"), nn.Tanh(), nn.Linear(8, 3, dtype="float64"))
        opt = dn.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        history = dn.fit(m, X, Y, dn.losses.CrossEntropy(ignore_index=-1), opt, epochs=3, batch_size=4, rng=5,
                         verbose=0, callbacks=list(callbacks), resume_from=resume_from)  # fmt: skip
        return history

    whole = run()
    with pytest.raises(Interrupted):
        run([CrashAfter(5), dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=1)])
    resumed = run(resume_from=tmp_path / "last.dnet")
    assert resumed.history["loss"] == whole.history["loss"]


def test_the_class_weights_are_recorded_and_a_resume_with_others_is_refused(tmp_path):
    # The loss's repr leaves its weight buffer out: config.json recorded
    # "CrossEntropyLoss(reduction='mean')" for any weights, and a checkpoint resumed under others.
    def run(weight, folder, **kwargs):
        dn.manual_seed(3)
        m = nn.Sequential(nn.Linear(3, 3, dtype="float64"))
        loss = dn.losses.CrossEntropy(weight=dn.tensor(weight))
        return dn.fit(m, X, np.where(Y < 0, 2, Y), loss, dn.optim.SGD(m.parameters(), lr=0.1), epochs=2,
                      batch_size=4, verbose=0, run_dir=folder, **kwargs)  # fmt: skip

    run([1.0, 10.0, 2.0], tmp_path / "a", callbacks=[dn.callbacks.ModelCheckpoint(tmp_path / "ck", monitor="loss")])
    recorded = json.loads((tmp_path / "a" / "config.json").read_text())["loss"]
    assert recorded == "CrossEntropyLoss(reduction='mean') with weight=[1.0, 10.0, 2.0]"
    with pytest.raises(CheckpointError, match="loss"):
        run([1.0, 1.0, 1.0], tmp_path / "b", resume_from=tmp_path / "ck" / "last.dnet")
    assert "ignore_index=-1" in repr(nn.NLLLoss(ignore_index=-1))
