"""The Monitor callback: each warning in a scenario built to trigger it, silence on a healthy run,
the ways to silence it, and what it writes into the run folder."""

import json
import logging
import math
import warnings
from itertools import pairwise

import numpy as np
import pytest

import deltanet as dn
from deltanet import init, losses, nn, optim
from deltanet.training import rundir
from deltanet.training.monitor import (
    DeadUnitsWarning,
    DeltanetWarning,
    DivergingLossWarning,
    MetricCollapseWarning,
    Monitor,
    NonFiniteLossWarning,
    OutputActivationWarning,
    OverfittingWarning,
    SaturationWarning,
    SymmetricInitWarning,
    VanishingGradientWarning,
)


def monitored_fit(model, X, y, loss, opt, monitor, validation_data=None, run_dir=None, **kw):
    """fit with the Monitor given its data, as fit(..., monitor=True) does."""
    Xc = np.asarray(X, dtype=model.parameters()[0].data.dtype)
    monitor.set_fit_context(Xc, np.asarray(y), validation_data=validation_data, optimizer=opt, run_dir=run_dir)
    return dn.fit(model, Xc, y, loss, opt, validation_data=validation_data, callbacks=[monitor], run_dir=run_dir, **kw)


def kinds(monitor):
    return [e["kind"] for e in monitor.events]


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, 2)) + 2.0 * np.where(y[:, None] == 1, 1.0, -1.0)
    return X, y


def relu_mlp(sizes, seed=0, dtype="float64"):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], init="he_normal", rng=seed + i, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def test_healthy_run_is_silent(recwarn):
    X, y = blobs(240)
    model = relu_mlp([2, 16, 16, 2])
    monitor = Monitor(budget=None)  # probe every epoch: the strictest setting
    monitored_fit(
        model,
        X[:200],
        y[:200],
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
        monitor,
        validation_data=(X[200:], y[200:]),
        epochs=30,
        batch_size=20,
        rng=0,
        metrics=["accuracy", "error"],  # validation metrics are watched for a collapse too
    )
    assert monitor.events == []
    assert not [w for w in recwarn if issubclass(w.category, DeltanetWarning)]
    assert len({r["epoch"] for r in monitor.layer_history}) == 30  # it did look every epoch


def test_nonfinite_validation_loss_warns_and_stops():
    X, y = blobs(40)
    model = relu_mlp([2, 4, 1])
    Xv = np.full((4, 2), 1e300)  # finite inputs whose squared error overflows to inf
    monitor = Monitor()
    with pytest.warns(NonFiniteLossWarning, match=r"validation loss became inf at epoch 1.*learning rate"):
        history = monitored_fit(
            model,
            X,
            y.astype(float)[:, None],
            "mse",
            optim.SGD(model.parameters(), lr=0.01),
            monitor,
            validation_data=(Xv, np.zeros((4, 1))),
            epochs=5,
            batch_size=None,
        )
    assert len(history.epoch) == 1  # stopped after the first epoch
    assert kinds(monitor) == ["nonfinite"]


def test_nonfinite_loss_at_a_step_is_recorded_without_a_second_warning(tmp_path, recwarn):
    monitor = Monitor(run_dir=tmp_path)
    monitor.set_model(relu_mlp([2, 2]))
    monitor.on_train_begin({})
    monitor.on_nonfinite_loss(2, 4, "the loss became nan at epoch 3/5, step 5/8; training stopped")
    assert kinds(monitor) == ["nonfinite"] and monitor.events[0]["epoch"] == 3
    assert not [w for w in recwarn if issubclass(w.category, DeltanetWarning)]
    assert json.loads((tmp_path / "warnings.json").read_text())[0]["kind"] == "nonfinite"


def test_rising_loss_warns_that_the_learning_rate_is_too_high():
    X = np.linspace(-2, 2, 32)[:, None]
    y = 3 * X + 1
    model = nn.Linear(1, 1, dtype="float64")
    model.weight.data[...] = 0.0
    model.bias.data[...] = 0.0
    # Full-batch gradient descent on this quadratic diverges for lr > 2/λmax ≈ 0.74.
    monitor = Monitor()
    with pytest.warns(DivergingLossWarning, match=r"rose for 3 epochs in a row.*lr=1\.5\); try lr=0\.15"):
        history = monitored_fit(
            model, X, y, "mse", optim.SGD(model.parameters(), lr=1.5), monitor, epochs=6, batch_size=None
        )
    losses = history.history["loss"]
    assert all(b > a for a, b in pairwise(losses[1:]))  # the scenario does rise
    assert kinds(monitor) == ["diverging"]  # said once, not at every later epoch
    assert monitor.events[0]["epoch"] == 4  # epochs 1 → 4: three rises


def test_rising_loss_rule_needs_consecutive_rises():
    monitor = Monitor(warn=False)
    monitor.set_model(nn.Linear(1, 1))
    monitor.on_train_begin({})
    for epoch, loss in enumerate([1.0, 1.1, 1.2, 1.15, 1.3, 1.4]):  # never 3 rises in a row
        monitor.on_epoch_end(epoch, {"loss": loss})
    assert monitor.events == []
    monitor.on_epoch_end(6, {"loss": 1.5})  # 1.15 → 1.3 → 1.4 → 1.5
    assert kinds(monitor) == ["diverging"]


def test_a_small_rise_after_much_progress_is_not_divergence():
    def feed(losses):
        monitor = Monitor(warn=False)
        monitor.set_model(nn.Linear(1, 1))
        monitor.on_train_begin({})
        for epoch, loss in enumerate(losses):
            monitor.on_epoch_end(epoch, {"loss": loss})
        return kinds(monitor)

    # Momentum overshooting onto a plateau (the mirror-symmetry example): 0.4 back of 4.8 gained.
    assert feed([8.27, 4.25, 3.513, 3.728, 3.87, 3.935, 3.965]) == []
    # SGD noise near the minimum (iris): 0.002 back of 1.0 gained.
    assert feed([1.1, 0.5, 0.2, 0.0648, 0.0652, 0.0659, 0.0666]) == []
    # Undoing half of the progress is divergence: 1.0 → 0.2, then up to 0.65.
    assert feed([1.0, 0.5, 0.2, 0.3, 0.45, 0.65]) == ["diverging"]


def deep_stack(activation, depth=10, width=16, seed=0):
    layers = [nn.Linear(4, width, rng=seed, init="he_normal" if activation is nn.ReLU else None, dtype="float64")]
    for i in range(depth - 1):
        layers += [
            activation(),
            nn.Linear(
                width, width, rng=seed + i + 1, init="he_normal" if activation is nn.ReLU else None, dtype="float64"
            ),
        ]
    layers += [activation(), nn.Linear(width, 2, rng=seed + depth, dtype="float64")]
    return nn.Sequential(*layers)


def test_vanishing_gradients_in_a_deep_sigmoid_stack_and_not_in_relu_he():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((128, 4)), rng.integers(0, 2, 128)
    sigmoid = deep_stack(nn.Sigmoid)
    monitor = Monitor()
    with pytest.warns(VanishingGradientWarning, match=r"Layer '0' \(Linear\).*times smaller.*ReLU"):
        monitored_fit(
            sigmoid, X, y, "cross_entropy", optim.SGD(sigmoid.parameters(), lr=0.01), monitor, epochs=1, batch_size=32
        )
    assert kinds(monitor) == ["vanishing"] and monitor.events[0]["layer"] == "0"

    relu = deep_stack(nn.ReLU)
    quiet = Monitor()
    monitored_fit(relu, X, y, "cross_entropy", optim.SGD(relu.parameters(), lr=0.01), quiet, epochs=1, batch_size=32)
    assert "vanishing" not in kinds(quiet)


def test_relu_layer_with_a_large_negative_bias_is_reported_dead():
    X, y = blobs(64)
    model = relu_mlp([2, 16, 2])
    model[0].bias.data[...] = -50.0  # z = Wx + b < 0 for every sample: the ReLUs never fire
    monitor = Monitor()
    with (
        pytest.warns(DeadUnitsWarning, match=r"Layer '1' \(ReLU\): 100% of its 16 units output 0"),
        pytest.warns(VanishingGradientWarning, match="no gradient at all"),
    ):
        monitored_fit(
            model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.01), monitor, epochs=1, batch_size=None
        )
    # Vanishing follows too: the first layer gets no gradient through dead units.
    assert kinds(monitor) == ["vanishing", "dead"]


def test_dead_fraction_threshold_is_more_than_half():
    X, y = blobs(64)
    model = relu_mlp([2, 4, 2])
    model[0].weight.data[...] = 0.0
    model[0].bias.data[...] = [1.0, 1.0, -1.0, -1.0]  # exactly half dead: not reported
    monitor = Monitor(warn=False)
    monitored_fit(
        model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.0), monitor, epochs=1, batch_size=None
    )
    assert "dead" not in kinds(monitor)
    assert monitor.layer_history[1]["dead_fraction"] == 0.5
    model[0].bias.data[...] = [1.0, -1.0, -1.0, -1.0]  # three quarters
    monitor = Monitor(warn=False)
    monitored_fit(
        model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.0), monitor, epochs=1, batch_size=None
    )
    assert "dead" in kinds(monitor)


def test_overfitting_validation_rises_while_training_falls():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 10)), rng.integers(0, 2, 16)  # random labels: nothing to generalize
    Xv, yv = rng.standard_normal((64, 10)), rng.integers(0, 2, 64)
    model = relu_mlp([10, 64, 64, 2])
    monitor = Monitor()
    with pytest.warns(OverfittingWarning, match=r"validation loss rose .* training loss fell.*EarlyStopping"):
        history = monitored_fit(
            model,
            X,
            y,
            "cross_entropy",
            optim.Adam(model.parameters(), lr=0.01),
            monitor,
            validation_data=(Xv, yv),
            epochs=60,
            batch_size=None,
        )
    val, train = history.history["val_loss"], history.history["loss"]
    epoch = monitor.events[kinds(monitor).index("overfitting")]["epoch"]
    best = int(np.argmin(val[:epoch]))
    # The rule as documented: ≥ patience epochs since the best, all of them ≥ 2 % above it,
    # and the training loss lower than at the best epoch.
    assert epoch - 1 - best >= 5
    assert min(val[epoch - 5 : epoch]) > 1.02 * val[best]
    assert train[epoch - 1] < train[best]


@pytest.mark.parametrize(
    "stopper, advice",
    [
        (None, r"Stop early: callbacks=\[dn.callbacks.EarlyStopping"),
        (dict(patience=50), r"Your EarlyStopping \(patience=50\) will stop the run, but keeps the last weights"),
        (dict(patience=50, restore_best_weights=True), r"will stop the run and restore epoch \d+'s weights"),
        (dict(monitor="loss", patience=50), r"Your EarlyStopping watches 'loss'"),
    ],
)
def test_overfitting_advice_knows_the_early_stopping_callback(stopper, advice):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 10)), rng.integers(0, 2, 16)  # random labels: nothing to generalize
    Xv, yv = rng.standard_normal((64, 10)), rng.integers(0, 2, 64)
    model = relu_mlp([10, 64, 64, 2])
    callbacks = [] if stopper is None else [dn.callbacks.EarlyStopping(**stopper)]
    with pytest.warns(OverfittingWarning, match=advice):
        dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            optim.Adam(model.parameters(), lr=0.01),
            validation_data=(Xv, yv),
            epochs=30,
            batch_size=None,
            callbacks=callbacks,
            verbose=0,
        )


def test_no_overfitting_warning_while_validation_improves():
    monitor = Monitor(warn=False)
    monitor.set_model(nn.Linear(1, 1))
    monitor.on_train_begin({})
    for epoch in range(20):
        monitor.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 1.2 / (epoch + 1)})
    assert monitor.events == []


def test_constant_initialization_is_reported_symmetric():
    X, y = blobs(32)
    model = nn.Sequential(nn.Linear(2, 8, dtype="float64"), nn.Sigmoid(), nn.Linear(8, 2, dtype="float64"))
    for layer in (model[0], model[2]):
        init.constant(layer.weight, 0.5)
        init.zeros(layer.bias)
    monitor = Monitor()
    with (
        pytest.warns(SymmetricInitWarning, match=r"Layer '0' \(Linear\): its 8 units start with identical"),
        pytest.warns(VanishingGradientWarning),
    ):
        monitored_fit(
            model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), monitor, epochs=3, batch_size=None
        )
    # With softmax cross-entropy the symmetric hidden layer gets exactly no gradient: Σ_k δ_k = 0.
    assert kinds(monitor) == ["symmetric", "vanishing"] and "no gradient at all" in monitor.events[1]["message"]
    # ... and it was right: the units are still identical after training.
    W = model[0].weight.data
    assert np.allclose(W, W[:1])


def test_symmetry_is_not_reported_when_the_next_layer_breaks_it_or_for_the_output_layer():
    model = nn.Sequential(nn.Linear(2, 8, dtype="float64"), nn.Sigmoid(), nn.Linear(8, 2, dtype="float64", rng=0))
    init.zeros(model[0].weight)
    init.zeros(model[0].bias)  # identical hidden units, but the random W2 gives them different δ
    logistic = nn.Linear(2, 3, dtype="float64")
    init.zeros(logistic.weight)
    init.zeros(logistic.bias)  # zero-initialized output layer: fine
    for m in (model, logistic):
        monitor = Monitor(warn=False)
        monitor.set_model(m)
        monitor.on_train_begin({})
        assert monitor.events == []


def test_saturated_sigmoid_layer_is_reported():
    X, y = blobs(64)
    model = nn.Sequential(
        nn.Linear(2, 8, dtype="float64", rng=0), nn.Sigmoid(), nn.Linear(8, 2, dtype="float64", rng=1)
    )
    model[0].weight.data *= 100.0
    monitor = Monitor()
    with pytest.warns(SaturationWarning, match=r"Layer '1' \(Sigmoid\): \d+% of its outputs are saturated"):
        monitored_fit(
            model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.0), monitor, epochs=1, batch_size=None
        )


def test_saturation_is_a_hidden_layer_matter_of_the_first_epoch():
    X, y = blobs(64)

    def run(scale_hidden, scale_out):
        model = nn.Sequential(
            nn.Linear(2, 8, dtype="float64", rng=0), nn.Sigmoid(), nn.Linear(8, 1, dtype="float64", rng=1), nn.Sigmoid()
        )
        model[0].weight.data *= scale_hidden
        model[2].weight.data *= scale_out
        monitor = Monitor(warn=False, budget=None)
        monitored_fit(
            model,
            X,
            y.astype(float)[:, None],
            "bce",
            optim.SGD(model.parameters(), lr=0.0),
            monitor,
            epochs=2,
            batch_size=None,
        )
        return monitor

    confident = run(1.0, 1000.0)  # the output sigmoid saturates: confident, not a problem
    assert confident.layer_history[3]["fraction_saturated"] > 0.9 and "saturated" not in kinds(confident)
    assert kinds(run(100.0, 1.0)) == ["saturated"]  # the hidden one: badly scaled


def test_normalization_layers_are_not_compared_for_vanishing_gradients():
    model = nn.Sequential(
        nn.Linear(2, 4, dtype="float64"),
        nn.BatchNorm1d(4, dtype="float64"),
        nn.ReLU(),
        nn.Linear(4, 2, dtype="float64"),
    )
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    model[1].weight.grad.data[...] = 1e-9  # tiny γ gradient: not a weight layer
    model[1].bias.grad.data[...] = 1e-9
    monitor = Monitor(warn=False, budget=None)
    monitor.set_model(model)
    monitor.on_train_begin({})
    monitor.on_epoch_end(0, {"loss": 1.0})
    assert monitor.events == []
    model[0].weight.grad.data[...] = 1e-9  # the first Linear: vanishing
    model[0].bias.grad.data[...] = 1e-9
    monitor.on_epoch_end(1, {"loss": 0.9})
    assert kinds(monitor) == ["vanishing"] and monitor.events[0]["layer"] == "0"


def test_warnings_can_be_silenced_by_category_or_setting(caplog):
    def diverging(monitor):
        monitor.set_model(nn.Linear(1, 1))
        monitor.on_train_begin({})
        for epoch, loss in enumerate([1.0, 2.0, 3.0, 4.0]):
            monitor.on_epoch_end(epoch, {"loss": loss})
        return monitor

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeltanetWarning)
        m = diverging(Monitor())
    assert caught == [] and kinds(m) == ["diverging"]  # silent, but still recorded

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = diverging(Monitor(warn=False))
    assert caught == [] and kinds(m) == ["diverging"]

    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="deltanet.monitor"):
        warnings.simplefilter("always")
        diverging(Monitor(warn="log"))
    assert caught == []
    assert [r.name for r in caplog.records] == ["deltanet.monitor"] and "rose for 3 epochs" in caplog.text


def test_warning_points_at_the_callers_line():
    X = np.linspace(-2, 2, 32)[:, None]
    model = nn.Linear(1, 1, dtype="float64")
    model.weight.data[...] = 0.0
    model.bias.data[...] = 0.0
    with pytest.warns(DivergingLossWarning) as record:
        dn.fit(
            model,
            X,
            3 * X,
            "mse",
            optim.SGD(model.parameters(), lr=1.5),
            epochs=5,
            batch_size=None,
            callbacks=[Monitor()],
        )
    assert record[0].filename == __file__


def test_run_folder_gets_layer_statistics_summary_warnings_and_confusion_matrix(tmp_path):
    X, y = blobs(120)
    model = relu_mlp([2, 8, 2])
    monitor = Monitor(budget=None)
    monitored_fit(
        model,
        X[:100],
        y[:100],
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.1),
        monitor,
        validation_data=(X[100:], y[100:]),
        run_dir=tmp_path,
        epochs=4,
        batch_size=25,
        rng=0,
    )
    rows = rundir.read_layers(tmp_path)
    assert [(r["epoch"], r["layer"], r["type"]) for r in rows] == [
        (e, name, kind) for e in (1, 2, 3, 4) for name, kind in (("0", "Linear"), ("1", "ReLU"), ("2", "Linear"))
    ]
    last = [r for r in rows if r["epoch"] == 4]
    # Gradient norms are those the last step left in .grad; weight norms those of the weights.
    w = model[0]
    assert last[0]["weight_norm"] == pytest.approx(math.sqrt((w.weight.data**2).sum() + (w.bias.data**2).sum()))
    assert last[0]["grad_norm"] == pytest.approx(math.sqrt((w.weight.grad.data**2).sum() + (w.bias.grad.data**2).sum()))
    assert last[1]["grad_norm"] is None and last[1]["dead_fraction"] is not None
    # Activation statistics are those of the probe (≤ 256 training samples, here all 100).
    with dn.no_grad():
        hidden = np.maximum(model[0](dn.tensor(X[:100])).data, 0)
    assert last[1]["act_mean"] == pytest.approx(hidden.mean())
    assert last[1]["fraction_zero"] == pytest.approx((hidden == 0).mean())

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total_params"] == 2 * 8 + 8 + 8 * 2 + 2
    assert [layer["output_shape"] for layer in summary["layers"]] == [[8], [8], [2]]
    evaluation = json.loads((tmp_path / "evaluation.json").read_text())
    expected = dn.metrics.confusion_matrix(y[100:], dn.predict(model, X[100:]).argmax(axis=1), num_classes=2)
    assert evaluation["confusion_matrix"] == expected.tolist() and evaluation["data"] == "validation"
    assert not (tmp_path / "warnings.json").exists()  # a healthy run


def test_segmentation_examples_are_saved_for_a_segmentation_network(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 1, 8, 8))
    y = (X[:, 0] > 0).astype(np.int64)  # (N, H, W) class maps
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=0, dtype="float64"), nn.ReLU(), nn.Conv2d(4, 2, 1, rng=1, dtype="float64")
    )
    monitor = Monitor(warn=False)
    # The hooks as fit calls them (training itself is not the point here).
    monitor.set_fit_context(X, y, validation_data=(X, y), run_dir=tmp_path)
    monitor.set_model(model)
    monitor.on_train_begin({})
    monitor.on_epoch_end(0, {"loss": 0.7, "val_loss": 0.7})
    monitor.on_train_end({})
    with np.load(tmp_path / "segmentation.npz", allow_pickle=False) as data:
        assert data["image"].shape == (4, 1, 8, 8) and data["label"].shape == (4, 8, 8)
        assert np.array_equal(data["label"], y[:4])
        expected = dn.predict(model, X[:4]).argmax(axis=1)
        assert np.array_equal(data["prediction"], expected)
    assert json.loads((tmp_path / "evaluation.json").read_text())["task"] == "segmentation"
    assert [r["layer"] for r in rundir.read_layers(tmp_path)] == ["0", "1", "2"]


def test_probes_keep_to_the_time_budget_and_the_final_state_is_recorded():
    X, y = blobs(50)
    model = relu_mlp([2, 4, 2])
    monitor = Monitor(budget=0.01, warn=False)
    monitored_fit(
        model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.01), monitor, epochs=60, batch_size=None
    )
    probed = sorted({r["epoch"] for r in monitor.layer_history})
    assert probed[0] == 1 and probed[-1] == 60  # the first epoch and the end, always
    # A probe costs more than this model's one-step epoch, so a 1 % budget allows few of them.
    assert len(probed) <= 12


def test_the_monitor_does_not_change_training():
    X, y = blobs(60)
    weights = []
    for callbacks in ([], [Monitor(budget=None, warn=False)]):
        model = relu_mlp([2, 8, 2])
        if callbacks:
            callbacks[0].set_fit_context(X, y)
        dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            optim.SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=16,
            rng=0,
            callbacks=callbacks,
        )
        weights.append(model.state_dict())
    for key in weights[0]:
        assert np.array_equal(weights[0][key], weights[1][key])


def test_a_resumed_run_keeps_the_rows_and_warnings_of_its_first_part(tmp_path):
    def part(initial_epoch, losses):
        monitor = Monitor(run_dir=tmp_path, warn=False, budget=None)
        monitor.set_model(relu_mlp([2, 3, 2]))
        monitor.set_params({"initial_epoch": initial_epoch})
        monitor.on_train_begin({})
        for epoch, loss in enumerate(losses, start=initial_epoch):
            monitor.on_epoch_end(epoch, {"loss": loss})
        return monitor

    part(0, [1.0, 2.0, 3.0, 4.0])  # rising: one warning, epochs 1-4 probed
    resumed = part(4, [5.0, 6.0])
    assert [r["epoch"] for r in rundir.read_layers(tmp_path) if r["layer"] == "0"] == [1, 2, 3, 4, 5, 6]
    assert kinds(resumed) == ["diverging"]  # kept, and not given a second time
    assert len(json.loads((tmp_path / "warnings.json").read_text())) == 1
    part(0, [1.0])  # a new run starts the files again
    assert [r["epoch"] for r in rundir.read_layers(tmp_path)] == [1, 1]  # layers '0' and '2'
    assert not (tmp_path / "warnings.json").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"warn": "loud"}, "Monitor: warn must be one of 'warn', 'log', False, None, got 'loud'"),
        ({"warn": True}, "warn must be one of 'warn', 'log', False, None, got True"),
        ({"vanishing_ratio": 0.5}, "vanishing_ratio must be a number > 1, got 0.5"),
        ({"dead_fraction": 1.5}, r"dead_fraction must be a number in \(0, 1\), got 1.5"),
        ({"rising_epochs": 1}, "rising_epochs must be an integer >= 2, got 1"),
        ({"rising_epochs": True}, "rising_epochs must be an integer >= 2, got True"),
        ({"probe_size": 0}, "probe_size must be a positive integer, got 0"),
        ({"budget": 0}, r"budget must be a number in \(0, 1\), got 0"),
        ({"overfit_tolerance": -0.1}, "overfit_tolerance must be a number >= 0, got -0.1"),
        ({"collapse_ratio": 1.0}, r"collapse_ratio must be a number in \(0, 1\), got 1.0"),
        ({"collapse_patience": 0}, "collapse_patience must be a positive integer, got 0"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Monitor(**kwargs)


# -- an output activation that the loss applies itself -------------------------------------------


def classifier(*tail, classes=2, seed=0):
    return nn.Sequential(nn.Linear(2, classes, rng=seed, dtype="float64"), *tail)


def test_softmax_before_cross_entropy_is_reported_by_fits_own_monitor():
    X, y = blobs(64)
    model = classifier(nn.Softmax(dim=1))
    with pytest.warns(
        OutputActivationWarning, match=r"ends in Softmax .* softmax is applied twice.*Remove the Softmax layer"
    ):
        history = dn.fit(
            model, X, y, losses.CrossEntropy(), optim.SGD(model.parameters(), lr=1.0), epochs=20, batch_size=None
        )
    # What the message says: with 2 classes the loss cannot fall below log(e + 1) - 1 = 0.313.
    assert min(history.history["loss"]) > math.log(math.e + 1) - 1


def test_probabilities_returned_by_forward_are_reported():
    class SoftmaxInForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 3, rng=0, dtype="float64")

        def forward(self, x):
            return dn.functional.softmax(self.linear(x), axis=1)

    X, y = blobs(32)
    model = SoftmaxInForward()
    monitor = Monitor(warn=False)
    monitored_fit(model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), monitor, epochs=1)
    assert kinds(monitor) == ["output_activation"] and monitor.events[0]["epoch"] is None
    assert "sum to 1 over the classes" in monitor.events[0]["message"]
    assert "Return the logits" in monitor.events[0]["advice"]


def test_log_softmax_before_cross_entropy_is_reported_though_the_loss_is_right():
    X, y = blobs(32)
    curves = []
    for tail in ([nn.LogSoftmax(dim=1)], []):
        model = classifier(*tail)
        monitor = Monitor(warn=False)
        history = monitored_fit(
            model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=0.5), monitor, epochs=3, batch_size=None
        )
        curves.append(history.history["loss"])
        assert kinds(monitor) == (["output_activation"] if tail else [])
        if tail:
            assert monitor.events[0]["advice"].startswith("Remove the LogSoftmax layer")
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-12)  # log-softmax twice is log-softmax once


def test_sigmoid_before_bce_with_logits_is_reported():
    X, y = blobs(64)
    model = classifier(nn.Sigmoid(), classes=1)
    with pytest.warns(OutputActivationWarning, match=r"ends in Sigmoid .*Remove the Sigmoid layer"):
        history = dn.fit(
            model,
            X,
            y.astype(float)[:, None],
            "bce_with_logits",
            optim.SGD(model.parameters(), lr=1.0),
            epochs=20,
            batch_size=None,
        )
    assert min(history.history["loss"]) > -math.log(1 / (1 + math.exp(-1)))  # the floor the message quotes


@pytest.mark.parametrize(
    "tail, loss, expected",
    [
        (nn.Softmax(dim=1), losses.NLLLoss(), ["output_activation"]),  # probabilities where logs are due
        (nn.LogSoftmax(dim=1), losses.NLLLoss(), []),  # PyTorch's pair
        (nn.Softmax(dim=1), dn.functional.cross_entropy, ["output_activation"]),  # the function, not the module
    ],
)
def test_output_activation_against_other_losses(tail, loss, expected):
    X, y = blobs(32)
    model = classifier(tail)
    monitor = Monitor(warn=False)
    monitored_fit(model, X, y, loss, optim.SGD(model.parameters(), lr=0.1), monitor, epochs=1)
    assert kinds(monitor) == expected


def test_output_activation_without_data_reads_the_last_layer():
    monitor = Monitor(warn=False)
    monitor.set_fit_context(loss=losses.CrossEntropyLoss())
    monitor.set_model(classifier(nn.Softmax(dim=1)))
    monitor.on_train_begin({})
    assert kinds(monitor) == ["output_activation"]


# -- a validation metric that collapses ---------------------------------------------------------


def test_accuracy_collapse_after_a_learning_rate_jump():
    rng = np.random.default_rng(0)
    centers = np.array([[3, 3], [-3, 3], [3, -3], [-3, -3]])
    y = rng.integers(0, 4, 240)
    X = centers[y] + rng.standard_normal((240, 2))
    model = nn.Sequential(
        nn.Linear(2, 16, rng=0, init="he_normal", dtype="float64"), nn.ReLU(), nn.Linear(16, 4, rng=1, dtype="float64")
    )
    opt = optim.SGD(model.parameters(), lr=0.05)

    class LearningRateJump(dn.callbacks.Callback):  # a schedule gone wrong: 100 times the rate from epoch 5
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                opt.param_groups[0]["lr"] = 5.0

    monitor = Monitor(budget=None)
    with pytest.warns(MetricCollapseWarning, match=r"'val_accuracy' collapsed: it fell from its best, 1 at epoch 4"):
        history = dn.fit(
            model,
            X[:200],
            y[:200],
            "cross_entropy",
            opt,
            epochs=6,
            batch_size=20,
            rng=0,
            validation_data=(X[200:], y[200:]),
            metrics=["accuracy"],
            callbacks=[LearningRateJump(), monitor],
        )
    accuracy = history.history["val_accuracy"]
    assert accuracy[3] == 1.0 and max(accuracy[4:]) < 0.5  # the scenario: from perfect to below half
    assert kinds(monitor) == ["metric_collapse"] and monitor.events[0]["epoch"] == 6
    assert "lr=5); try lr=0.5" in monitor.events[0]["advice"]  # the rate at the time of the collapse


def test_the_reported_dice_collapse_is_no_longer_silent(tmp_path):
    monitor = Monitor(warn=False, run_dir=tmp_path)
    monitor.set_model(nn.Linear(1, 1))
    monitor.on_train_begin({})
    dice = [0.12, 0.31, 0.47, 0.07, 0.07]
    for epoch, value in enumerate(dice):
        monitor.on_epoch_end(epoch, {"loss": 0.5, "val_loss": 0.5, "val_dice_score": value})
        assert kinds(monitor) == ([] if epoch < 4 else ["metric_collapse"])
    event = monitor.events[0]
    assert event["epoch"] == 5 and event["layer"] is None
    assert "fell from its best, 0.47 at epoch 3, to 0.07 at epoch 5" in event["message"]
    assert "EarlyStopping(monitor='val_dice_score', mode='max'" in event["advice"]
    assert json.loads((tmp_path / "warnings.json").read_text())[0]["kind"] == "metric_collapse"


def test_a_metric_that_falls_while_the_validation_loss_improves_is_not_a_collapse():
    monitor = Monitor(warn=False)
    monitor.set_model(nn.Linear(1, 1))
    monitor.on_train_begin({})
    for epoch, (dice, val_loss) in enumerate([(0.488, 0.498), (0.052, 0.422), (0.052, 0.374), (0.177, 0.334)]):
        monitor.on_epoch_end(epoch, {"loss": val_loss, "val_loss": val_loss, "val_dice_score": dice})
    assert monitor.events == []


@pytest.mark.parametrize("monitor_first", [True, False])
def test_the_run_folder_evaluates_the_model_that_fit_returns(monitor_first, tmp_path):
    # EarlyStopping(restore_best_weights=True) puts the best epoch's weights back when training
    # ends: the Monitor's confusion matrix must be that model's, whatever the callbacks' order.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    Xv, yv = rng.normal(size=(30, 4)), rng.integers(0, 2, 30)  # noise: the validation loss rises
    dn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
    monitor, stopper = Monitor(warn=False), dn.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    dn.fit(model, X, y, "cross_entropy", dn.optim.Adam(model.parameters(), lr=0.05), epochs=30, batch_size=8,
           validation_data=(Xv, yv), callbacks=[monitor, stopper] if monitor_first else [stopper, monitor],
           verbose=0, run_dir=tmp_path)  # fmt: skip
    assert stopper.stopped_epoch > stopper.best_epoch  # the returned weights are not the last epoch's
    matrix = dn.metrics.confusion_matrix(yv, dn.predict(model, Xv).argmax(axis=1), num_classes=2)
    assert json.loads((tmp_path / "evaluation.json").read_text())["confusion_matrix"] == matrix.tolist()


@pytest.mark.parametrize("interrupted_after", [0, 1, 2])
def test_a_resumed_run_gives_the_warnings_of_the_uninterrupted_one(interrupted_after, tmp_path):
    # The loss rises from epoch 2 on (lr too high): "diverging" after 3 rising epochs, at epoch 4,
    # also when the run was interrupted before and resumed from its checkpoint.
    class Interrupt(dn.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == interrupted_after + 1:  # after the checkpoint of epoch interrupted_after
                raise KeyboardInterrupt

    X, y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])

    def train(callbacks, **kwargs):
        model = nn.Linear(1, 1, dtype="float64")
        model.weight.data[...] = 0.0
        model.bias.data[...] = 0.0
        return dn.fit(model, X, y, "mse", optim.SGD(model.parameters(), lr=0.5), epochs=6, batch_size=None,
                      callbacks=callbacks, verbose=0, run_dir=tmp_path / "run", **kwargs)  # fmt: skip

    monitor = Monitor(warn=False, budget=None)
    train([monitor])
    expected = [(e["kind"], e["epoch"]) for e in monitor.events]
    assert expected == [("diverging", 4)]
    checkpoints = dn.callbacks.ModelCheckpoint(tmp_path / "ckpt", monitor="loss")
    with pytest.raises(KeyboardInterrupt):
        train([Monitor(warn=False, budget=None), Interrupt(), checkpoints])
    resumed = Monitor(warn=False, budget=None)
    train([resumed], resume_from=tmp_path / "ckpt" / "last.dnet")
    assert [(e["kind"], e["epoch"]) for e in resumed.events] == expected
    written = json.loads((tmp_path / "run" / "warnings.json").read_text())
    assert [(e["kind"], e["epoch"]) for e in written] == expected


def test_probes_follow_a_schedule_of_training_steps(tmp_path):
    from deltanet.training.monitor import PROBE_STEPS

    X, y = blobs(100)
    model = relu_mlp([2, 4, 2])
    monitor = Monitor(warn=False)
    epochs = 2 * PROBE_STEPS // 10 + 5  # 10 steps an epoch: a probe every PROBE_STEPS / 10 epochs
    monitored_fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.01),
        monitor,
        run_dir=tmp_path,
        epochs=epochs,
        batch_size=10,
    )
    every = PROBE_STEPS // 10
    probed = sorted({r["epoch"] for r in monitor.layer_history})
    assert probed == [1, 1 + every, 1 + 2 * every, epochs]  # the schedule, and the final state
    record = json.loads((tmp_path / "probes.json").read_text())
    assert record["every_epochs"] == every and record["probed_epochs"] == probed
    assert record["cut_by_budget"] == []


def test_the_time_budget_cuts_probes_and_says_so(tmp_path, monkeypatch):
    from deltanet.training.monitor import PROBE_STEPS

    monkeypatch.setattr("deltanet.training.monitor.PROBE_FREE_SECONDS", 0.0)
    X, y = blobs(20)
    epochs = 2 * PROBE_STEPS + 50  # one step an epoch
    model = relu_mlp([2, 4, 2])
    monitor = Monitor(warn=False, budget=1e-9)
    monitored_fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.01),
        monitor,
        run_dir=tmp_path,
        epochs=epochs,
        batch_size=None,
    )
    probed = sorted({r["epoch"] for r in monitor.layer_history})
    assert probed == [1, epochs]  # the first probe and the final state are never cut
    record = json.loads((tmp_path / "probes.json").read_text())
    assert record["cut_by_budget"] == [1 + PROBE_STEPS, 1 + 2 * PROBE_STEPS] and record["probed_epochs"] == probed
