"""The training loop: the seeds' three flavours of gradient descent, the tumor regression of
[Ibragimov] by hand, seeded shuffling, logs, modes, names, callbacks and the run folder."""

import csv
import io
import json
import re
import sys

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim, regularizers
from deltanet.training import Callback

# [Ibragimov]: tumor size -> survival, one linear neuron.
TUMOR_X = np.array([[0.5], [2.3], [2.9]])
TUMOR_Y = np.array([[3.2], [1.9], [1.0]])


def half_sum_of_squares(a, y):
    """The deck's loss ½ Σ (y' − y)² (its gradient Σ (y' − y) x gives the deck's updates)."""
    return 0.5 * losses.MSELoss(reduction="sum")(a, y)


def tumor_neuron():
    neuron = nn.Linear(1, 1, dtype=np.float64)
    neuron.weight.array[...] = 0.01
    neuron.bias.array[...] = 0.01
    return neuron


class CountingSGD(optim.SGD):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def step(self, closure=None):
        self.steps += 1
        return super().step(closure)


class BatchRecorder(Callback):
    def __init__(self):
        super().__init__()
        self.sizes = []
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, step, logs=None):
        self.sizes.append(logs["size"])
        self.events.append(("batch_end", step))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch))

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_tumor_regression_matches_the_deck():
    neuron = tumor_neuron()
    opt = optim.SGD(neuron.parameters(), lr=0.1)
    expected = [(0.88, 0.61), (0.19, 0.54), (0.50, 0.88)]
    for W, b in expected:
        dn.fit(neuron, TUMOR_X, TUMOR_Y, half_sum_of_squares, opt, epochs=1, batch_size=None)
        assert round(float(neuron.weight.array[0, 0]), 2) == W
        assert round(float(neuron.bias.array[0]), 2) == b
        if (W, b) == (0.88, 0.61):
            sse = 2 * dn.evaluate(neuron, TUMOR_X, TUMOR_Y, loss=half_sum_of_squares, metrics=[])["loss"]
            assert round(sse, 2) == 9.80  # the deck's "Loss = 9.8" (plain sum of squares)


def test_tumor_regression_hand_computed_updates_exactly():
    neuron = tumor_neuron()
    history = dn.fit(
        neuron, TUMOR_X, TUMOR_Y, half_sum_of_squares, optim.SGD(neuron.parameters(), lr=0.1), epochs=3, batch_size=None
    )
    W, b = 0.01, 0.01
    x, y = TUMOR_X.ravel(), TUMOR_Y.ravel()
    losses_by_hand = []
    for _ in range(3):
        r = W * x + b - y
        losses_by_hand.append(0.5 * np.sum(r**2))
        W, b = W - 0.1 * np.sum(r * x), b - 0.1 * np.sum(r)
    np.testing.assert_allclose(neuron.weight.array[0, 0], W, rtol=0, atol=1e-14)
    np.testing.assert_allclose(neuron.bias.array[0], b, rtol=0, atol=1e-14)
    # The logged loss is measured before each epoch's step: 14.55 / 2 first (the deck's 14.55).
    np.testing.assert_allclose(history.history["loss"], losses_by_hand, rtol=1e-13)
    assert round(2 * history.history["loss"][0], 2) == 14.55


def test_one_dimensional_y_is_a_column_for_a_one_output_model():
    a, b = tumor_neuron(), tumor_neuron()
    dn.fit(a, TUMOR_X, TUMOR_Y.ravel(), "mse", optim.SGD(a.parameters(), lr=0.1), epochs=2, batch_size=None)
    dn.fit(b, TUMOR_X, TUMOR_Y, "mse", optim.SGD(b.parameters(), lr=0.1), epochs=2, batch_size=None)
    assert np.array_equal(a.weight.array, b.weight.array)


@pytest.mark.parametrize(
    "batch_size, steps_per_epoch, sizes",
    [(None, 1, [10]), (1, 10, [1] * 10), (4, 3, [4, 4, 2]), (10, 1, [10]), (32, 1, [10])],
)
def test_flavours_take_the_expected_number_of_steps(batch_size, steps_per_epoch, sizes):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    dn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    opt = CountingSGD(model.parameters(), lr=0.1)
    recorder = BatchRecorder()
    history = dn.fit(
        model, X, y, losses.CrossEntropy(), opt, epochs=3, batch_size=batch_size, callbacks=[recorder], rng=0
    )
    assert opt.steps == 3 * steps_per_epoch
    assert recorder.sizes == sizes * 3
    assert history.epoch == [0, 1, 2]
    assert len(history.history["loss"]) == 3


def _reference_minibatch_sgd(X, y, W, b, lr, batch_size, epochs, seed, shuffle):
    """Mini-batch gradient descent on ½·mean squared error, written out in NumPy."""
    gen = np.random.default_rng(seed)
    n = len(X)
    for _ in range(epochs):
        order = gen.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            xb, yb = X[idx], y[idx]
            delta = (xb @ W.T + b - yb) * (2.0 / yb.size)  # d mean((a − y)²) / da
            W = W - lr * delta.T @ xb
            b = b - lr * delta.sum(axis=0)
    return W, b


@pytest.mark.parametrize("shuffle", [False, True])
def test_minibatch_updates_and_shuffle_order_match_a_numpy_reference(shuffle):
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((7, 2)), rng.standard_normal((7, 1))
    model = nn.Linear(2, 1, dtype=np.float64, rng=1)
    W0, b0 = model.weight.array.copy(), model.bias.array.copy()
    dn.fit(
        model,
        X,
        y,
        losses.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        epochs=4,
        batch_size=3,
        shuffle=shuffle,
        rng=11,
    )
    W, b = _reference_minibatch_sgd(X, y, W0, b0, 0.05, 3, 4, 11, shuffle)
    np.testing.assert_allclose(model.weight.array, W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.bias.array, b, rtol=1e-12, atol=1e-14)


def _train(seed_init, seed_shuffle, use_manual_seed=False):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    dn.manual_seed(seed_init)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if use_manual_seed:
        dn.manual_seed(seed_shuffle)
        dn.fit(model, X, y, losses.CrossEntropy(), opt, epochs=5, batch_size=8)
    else:
        dn.fit(model, X, y, losses.CrossEntropy(), opt, epochs=5, batch_size=8, rng=seed_shuffle)
    return model.state_dict()


@pytest.mark.parametrize("use_manual_seed", [False, True])
def test_same_seed_gives_bit_identical_weights(use_manual_seed):
    a = _train(0, 5, use_manual_seed)
    b = _train(0, 5, use_manual_seed)
    c = _train(0, 6, use_manual_seed)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a)  # another shuffle, other weights


def test_float32_model_trains_in_float32_and_float64_model_in_float64():
    X = np.random.default_rng(0).standard_normal((6, 2))  # float64 data
    y = np.array([0, 1, 0, 1, 0, 1])
    seen = []

    class Spy(nn.Module):
        def __init__(self, dtype):
            super().__init__()
            self.layer = nn.Linear(2, 2, dtype=dtype)

        def forward(self, x):
            seen.append(x.dtype)
            return self.layer(x)

    for dtype in (np.float32, np.float64):
        model = Spy(dtype)
        dn.fit(model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=None)
        assert set(seen) == {np.dtype(dtype)}
        assert model.layer.weight.array.dtype == dtype
        seen.clear()


def test_train_mode_during_steps_eval_mode_for_validation_and_restored():
    modes = []

    class ModeSpy(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(2, 2)

        def forward(self, x):
            modes.append((self.training, len(x.array)))
            return self.layer(x)

    model = ModeSpy()
    model.eval()
    X, y = np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1])
    Xv, yv = np.zeros((3, 2), np.float32), np.array([1, 1, 0])
    dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=None,
        validation_data=(Xv, yv),
    )
    steps = [m for m in modes if m[1] == 4 and m[0]]
    validation = [m for m in modes if m[1] == 3]
    assert len(steps) == 2 and len(validation) == 2
    assert all(training is False for training, _ in validation)
    assert model.training is False  # restored
    model.train()
    dn.fit(model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=None)
    assert model.training is True


def test_logs_loss_validation_and_metrics_with_keras_names():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 3, 20)
    Xv, yv = rng.standard_normal((9, 3)), rng.integers(0, 3, 9)
    dn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 3))
    history = dn.fit(
        model,
        X,
        y,
        losses.CrossEntropy(),
        optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=None,
        validation_data=(Xv, yv),
        metrics=["accuracy", "error"],
    )
    assert set(history.history) == {"loss", "accuracy", "error", "val_loss", "val_accuracy", "val_error"}
    # The last val_loss is the loss of the final weights on the validation data.
    final = dn.evaluate(model, Xv, yv, loss=losses.CrossEntropy(), metrics=["accuracy"])
    assert history.history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(final["accuracy"])
    for acc, err in zip(history.history["accuracy"], history.history["error"], strict=True):
        assert acc + err == pytest.approx(1.0)


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((5, 1)), rng.standard_normal((5, 1))
    model = nn.Linear(1, 1, dtype=np.float64, rng=0)
    batch_losses = []

    class Grab(Callback):
        def on_batch_end(self, step, logs=None):
            batch_losses.append((logs["loss"], logs["size"]))

    # lr=0: the weights stay, so each batch loss is that of the same model.
    history = dn.fit(
        model,
        X,
        y,
        "mse",
        optim.SGD(model.parameters(), lr=0.0),
        epochs=1,
        batch_size=2,
        shuffle=False,
        callbacks=[Grab()],
    )
    weighted = sum(v * n for v, n in batch_losses) / 5
    assert [n for _, n in batch_losses] == [2, 2, 1]
    assert history.history["loss"][0] == pytest.approx(weighted, rel=1e-12)
    full = np.mean((dn.predict(model, X) - y) ** 2)
    assert history.history["loss"][0] == pytest.approx(full, rel=1e-12)


@pytest.mark.parametrize("data", ["arrays", "loader"])
@pytest.mark.parametrize("batch_size", [3, 7, None])
def test_a_summed_loss_is_summed_over_the_epoch_as_the_validation_loss_is(data, batch_size):
    """With reduction="sum", each batch loss is a sum over its samples. Weighting those by batch
    size gave the average batch's sum: 1/steps of the validation loss on the same data and model,
    a gap that read as a model far better on its training data."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    loss = losses.CrossEntropy(reduction="sum")
    model = nn.Linear(3, 2, dtype=np.float64, rng=0)
    train = (X, y) if data == "arrays" else (dn.data.TensorDataset(dn.tensor(X), dn.tensor(y)), None)
    history = dn.fit(
        model,
        *train,
        loss,
        optim.SGD(model.parameters(), lr=0.0),  # lr=0: every batch sees the same model
        epochs=1,
        batch_size=batch_size,
        shuffle=False,
        validation_data=(X, y),
    )
    whole = dn.evaluate(model, X, y, loss=loss, metrics=[])["loss"]
    assert history.history["loss"][0] == pytest.approx(whole, rel=1e-12)
    assert history.history["val_loss"][0] == pytest.approx(whole, rel=1e-12)


def test_regularizer_is_added_to_the_objective_and_logged_apart():
    X, y = TUMOR_X, TUMOR_Y
    lam = 0.3
    a, b = tumor_neuron(), tumor_neuron()
    history = dn.fit(
        a,
        X,
        y,
        half_sum_of_squares,
        optim.SGD(a.parameters(), lr=0.1),
        epochs=1,
        batch_size=None,
        regularizer=regularizers.L2(lam),
    )
    # The same step by hand: loss + penalty, one backward.
    opt = optim.SGD(b.parameters(), lr=0.1)
    opt.zero_grad()
    L = half_sum_of_squares(b(dn.tensor(X)), dn.tensor(y)) + regularizers.L2(lam)(b)
    L.backward()
    opt.step()
    assert np.allclose(a.weight.array, b.weight.array, rtol=1e-14) and np.allclose(
        a.bias.array, b.bias.array, rtol=1e-14
    )
    penalty = float(regularizers.L2(lam)(tumor_neuron()).array)
    assert history.history["penalty"][0] == pytest.approx(penalty)
    assert history.history["loss"][0] == pytest.approx(0.5 * 14.5531, rel=1e-4)  # data loss only


def test_loss_and_optimizer_by_name():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    dn.manual_seed(0)
    model = nn.Linear(2, 2)
    w0 = model.weight.array.copy()
    history = dn.fit(model, X, y, "cross_entropy", "sgd", epochs=2, batch_size=4, rng=0)
    assert len(history.history["loss"]) == 2
    assert not np.array_equal(model.weight.array, w0)


def test_closure_optimizer_lbfgs_reaches_the_least_squares_line():
    neuron = tumor_neuron()
    lbfgs = optim.LBFGS(neuron.parameters(), tolerance_change=1e-14, line_search_fn="strong_wolfe")
    history = dn.fit(neuron, TUMOR_X, TUMOR_Y, "mse", lbfgs, epochs=2, batch_size=None)
    slope, intercept = np.polyfit(TUMOR_X.ravel(), TUMOR_Y.ravel(), 1)
    np.testing.assert_allclose([neuron.weight.array[0, 0], neuron.bias.array[0]], [slope, intercept], rtol=1e-6)
    assert history.history["loss"][0] == pytest.approx(14.5531 / 3, rel=1e-4)


def test_callback_order_and_params():
    recorder = BatchRecorder()
    model = nn.Linear(2, 2)
    dn.fit(
        model,
        np.zeros((4, 2)),
        np.array([0, 1, 1, 0]),
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=2,
        callbacks=[recorder],
        shuffle=False,
    )
    assert recorder.events == [
        "train_begin",
        ("epoch_begin", 0),
        ("batch_end", 0),
        ("batch_end", 1),
        ("epoch_end", 0),
        ("epoch_begin", 1),
        ("batch_end", 0),
        ("batch_end", 1),
        ("epoch_end", 1),
        "train_end",
    ]
    assert recorder.model is model
    assert recorder.params["epochs"] == 2 and recorder.params["steps"] == 2


def test_a_callback_can_stop_training():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    model = nn.Linear(2, 2)
    history = dn.fit(
        model,
        np.zeros((4, 2)),
        np.array([0, 1, 1, 0]),
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.1),
        epochs=10,
        callbacks=[StopAfterTwo()],
    )
    assert history.epoch == [0, 1]


def test_zero_epochs_trains_nothing():
    model = nn.Linear(2, 2)
    w0 = model.weight.array.copy()
    history = dn.fit(
        model, np.ones((4, 2)), np.array([0, 1, 1, 0]), "cross_entropy", optim.SGD(model.parameters(), lr=0.1), epochs=0
    )
    assert history.epoch == [] and history.history == {}
    assert np.array_equal(model.weight.array, w0)


def test_run_dir_gets_config_and_history(tmp_path):
    model = nn.Linear(2, 2)
    run = tmp_path / "runs" / "first"
    history = dn.fit(
        model,
        np.ones((4, 2)),
        np.array([0, 1, 1, 0]),
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.25, momentum=0.5),
        epochs=3,
        batch_size=2,
        validation_data=(np.ones((2, 2)), np.array([0, 1])),
        run_dir=run,
    )
    config = json.loads((run / "config.json").read_text())
    assert config["epochs"] == 3 and config["batch_size"] == 2 and config["samples"] == 4
    assert config["optimizer"]["name"] == "SGD" and config["optimizer"]["lr"] == 0.25
    assert config["optimizer"]["momentum"] == 0.5
    with open(run / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert [float(r["loss"]) for r in rows] == history.history["loss"]
    assert [float(r["val_loss"]) for r in rows] == history.history["val_loss"]


def _fit_into(run, model, monitor=True, **kwargs):
    X = np.random.default_rng(0).normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(int)
    opt = optim.SGD(model.parameters(), lr=0.1)
    return dn.fit(model, X, y, "cross_entropy", opt, epochs=2, batch_size=4, run_dir=run, monitor=monitor, **kwargs)


@pytest.mark.parametrize("second_monitor", [False, "own folder"])
def test_a_new_run_in_a_used_run_dir_leaves_nothing_of_the_earlier_run(second_monitor, tmp_path):
    run = tmp_path / "run"
    # The first run's Monitor warns (a Softmax before CrossEntropy) and writes its files.
    _fit_into(run, nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)), monitor=dn.training.Monitor(warn=False))
    assert {"layers.csv", "warnings.json", "summary.json", "evaluation.json"} <= {p.name for p in run.iterdir()}
    dn.report(run)
    monitor = False if second_monitor is False else dn.training.Monitor(run_dir=tmp_path / "elsewhere")
    _fit_into(run, nn.Linear(2, 2), monitor=monitor)
    # Nothing that the second run did not write is left to be read as its own (the report would
    # show the first model's layers, warnings and confusion matrix).
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "history.csv"]
    page = dn.report(run).read_text(encoding="utf-8")
    assert "Softmax" not in page


def test_fit_refuses_the_folder_of_a_finished_command_line_run(tmp_path):
    from deltanet.training import rundir

    run = tmp_path / "run"
    run.mkdir()
    (run / "history.csv").write_text("epoch,loss\n1,0.5\n")
    rundir.write_manifest(run, {"status": "complete", "files": {}})
    with pytest.raises(rundir.RunFolderError, match="finished run of 'deltanet train'"):
        _fit_into(run, nn.Linear(2, 2))
    with pytest.raises(rundir.RunFolderError, match="finished run of 'deltanet train'"):
        dn.training.Monitor(run_dir=run)
    assert (run / "history.csv").read_text() == "epoch,loss\n1,0.5\n"  # the run's files are untouched
    assert sorted(p.name for p in run.iterdir()) == ["history.csv", "manifest.json"]
    rundir.write_manifest(run, {"status": "training"})  # an unfinished one: deltanet train itself fits into it
    _fit_into(run, nn.Linear(2, 2))


def test_run_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="run_dir must be a folder"):
        dn.fit(
            model,
            np.ones((4, 2)),
            np.array([0, 1, 1, 0]),
            "cross_entropy",
            optim.SGD(model.parameters(), lr=0.1),
            run_dir=path,
        )


def test_a_run_dir_that_cannot_be_created_is_named(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    model = nn.Linear(2, 2)
    with pytest.raises(OSError, match=r"cannot create run_dir '.*file.txt.sub' \("):
        dn.fit(model, np.ones((4, 2)), np.array([0, 1, 1, 0]), "cross_entropy", optim.SGD(model.parameters(), lr=0.1),
               run_dir=tmp_path / "file.txt" / "sub")  # fmt: skip


def test_progress_as_keras_bar_per_epoch_line_per_epoch_or_silence(capsys):
    model = nn.Linear(2, 2)
    args = (model, np.ones((4, 2)), np.array([0, 1, 1, 0]), "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    dn.fit(*args, epochs=3, verbose=0, batch_size=2)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    dn.fit(*args, epochs=3, batch_size=2)  # "auto": stdout is captured, not a terminal
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    dn.fit(*args, epochs=3, verbose=1, batch_size=2)
    out = capsys.readouterr().out
    # One bar per epoch over its 2 steps, ending with the epoch's logs.
    assert [out.count(f"Epoch {e}/3") >= 1 for e in (1, 2, 3)] == [True] * 3 and "2/2" in out
    assert out.count("loss: ") == 3
    dn.fit(*args, epochs=2, verbose=2, batch_size=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and re.fullmatch(r"Epoch 2/2 - \d+\.\d\ds - \d+(ms|us)/step - loss: \S+", lines[1])


def test_verbose_auto_shows_the_bar_in_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    model = nn.Linear(2, 2)
    dn.fit(model, np.ones((4, 2)), np.array([0, 1, 1, 0]), "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    assert "Epoch 1/1" in capsys.readouterr().out


def test_verbose_auto_shows_the_bar_in_a_notebook_but_not_in_a_plain_ipython(monkeypatch):
    """In Jupyter, stdout is no terminal, yet Keras shows the bar: an IPython shell with a kernel."""
    import types

    from deltanet.training.progress import resolve_verbose

    shell = types.SimpleNamespace(kernel=object())
    ipython = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert resolve_verbose("auto") == 1
    shell.kernel = None  # a terminal IPython: no kernel, and stdout (captured here) is no terminal
    assert resolve_verbose("auto") == 0
    monkeypatch.delitem(sys.modules, "ipykernel")
    assert resolve_verbose("auto") == 0


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_never_fails_on_a_cp1252_console(monkeypatch, verbose):
    """A Windows console cannot encode the Greek letter of this metric's name (nor tqdm's block
    characters): the output replaces what it cannot write instead of crashing fit."""
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding="cp1252", errors="strict")
    monkeypatch.setattr(sys, "stdout", console)

    def accuracy_δ(y_true, output):
        return dn.metrics.accuracy(y_true, output)

    model = nn.Linear(2, 2)
    X, y = np.ones((4, 2)), np.array([0, 1, 1, 0])
    dn.fit(model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=2,
           verbose=verbose, metrics=[accuracy_δ])  # fmt: skip
    console.flush()
    text = raw.getvalue().decode("cp1252")
    assert "Epoch 2/2" in text and "accuracy_?: " in text
