"""sweep: the seeds' grid, runs that start alike, rows equal to a direct fit, diverged runs, the
table and the plot."""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn, optim
from deltanet.diagnostics import SweepResult, sweep


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def build():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).double()


def test_the_seeds_grid_in_order_with_one_row_per_run():
    X, y = data()
    grid = {"lr": [0.1, 0.01, 0.001], "batch_size": [16, 32, 64, 128]}  # [Hosny et al.]
    result = sweep(build, X, y, grid, epochs=2, validation_data=(X[:32], y[:32]), metrics=["accuracy"])
    assert [(r["lr"], r["batch_size"]) for r in result.rows] == [
        (lr, b) for lr in grid["lr"] for b in grid["batch_size"]
    ]
    assert len(result.histories) == 12
    row = result.rows[0]
    for column in (
        "loss",
        "val_loss",
        "accuracy",
        "val_accuracy",
        "best_val_loss",
        "best_epoch",
        "epochs_run",
        "seconds",
        "diverged",
    ):
        assert column in row
    text = str(result)
    assert text.splitlines()[0].split()[:2] == ["lr", "batch_size"] and len(text.splitlines()) == 14


def test_each_row_equals_a_direct_fit_from_the_same_start():
    X, y = data()
    dn.manual_seed(3)
    result = sweep(build, X, y, {"lr": [0.5, 0.05]}, optimizer=optim.SGD, epochs=3, batch_size=16, rng=7)
    dn.manual_seed(3)
    first = build()  # the sweep's first model drew the same initial weights
    start = first.state_dict()
    for row, history in zip(result.rows, result.histories, strict=True):
        model = build()
        model.load_state_dict(start)
        direct = dn.fit(
            model, X, y, "cross_entropy", optim.SGD(model.parameters(), lr=row["lr"]), epochs=3, batch_size=16, rng=7
        )
        assert history.history["loss"] == direct.history["loss"]
        assert row["loss"] == direct.history["loss"][-1]


def test_other_hyperparameters_go_to_the_optimizer_and_fit():
    X, y = data()
    result = sweep(build, X, y, {"momentum": [0.0, 0.9], "epochs": [1, 3]}, optimizer="sgd", batch_size=None)
    assert [r["epochs_run"] for r in result.rows] == [1, 3, 1, 3]
    assert [r["momentum"] for r in result.rows] == [0.0, 0.0, 0.9, 0.9]
    # Same start: momentum 0 and 0.9 take the same first step (the buffer starts as the gradient),
    # so the losses before steps 1 and 2 agree; the third differs.
    plain, heavy = result.histories[1].history["loss"], result.histories[3].history["loss"]
    assert plain[:2] == heavy[:2] and plain[2] != heavy[2]


def test_diverged_runs_are_marked_and_never_best():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)) * 10
    y = X @ np.ones((4, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the diverging run is expected: no Monitor warning about it
        result = sweep(
            lambda: nn.Linear(4, 1, dtype="float64", rng=0),
            X,
            y,
            {"lr": [1e-3, 10.0]},
            loss="mse",
            epochs=100,
            batch_size=None,
        )
    assert [r["diverged"] for r in result.rows] == [False, True]
    assert result.rows[1]["loss"] == np.inf and result.histories[1] is None
    assert result.best()["lr"] == 1e-3


def test_best_picks_the_lowest_loss_or_highest_accuracy():
    rows = [{"lr": 0.1, "loss": 0.3, "accuracy": 0.9}, {"lr": 0.01, "loss": 0.2, "accuracy": 0.8}]
    result = SweepResult(["lr"], rows, [None, None])
    assert result.best()["lr"] == 0.01 and result.best("accuracy")["lr"] == 0.1
    with pytest.raises(ValueError, match="no column 'val_loss'"):
        result.best("val_loss")


@pytest.mark.parametrize("metric", ["val_dice", "val_iou", "val_roc_auc", "best_val_accuracy"])
def test_best_maximizes_every_score(metric):
    rows = [{"lr": 0.1, metric: 0.9}, {"lr": 0.01, metric: 0.2}]
    assert SweepResult(["lr"], rows, [None, None]).best(metric)["lr"] == 0.1


def test_sweep_plot_is_a_heat_map_of_the_grid():
    pytest.importorskip("matplotlib")
    X, y = data()
    result = sweep(build, X, y, {"lr": [0.1, 0.01], "batch_size": [16, 32, 64]}, epochs=1)
    fig = dn.plot.sweep(result)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2, 3)
    assert np.allclose(image, np.array(result.column("loss")).reshape(2, 3))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["16", "32", "64"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"grid": {}}, "grid must be a non-empty dict"),
        ({"grid": {"lr": []}}, r"grid\['lr'\] must be a non-empty list"),
        ({"grid": {"lr": [0.1]}, "rng": None}, "rng must be an int seed"),
        ({"grid": {"lr": [0.1]}, "optimizer": 3}, "optimizer must be a name"),
        ({"grid": {"nonsense": [1]}}, r"the optimizer does not take \['nonsense'\]"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    X, y = data()
    with pytest.raises(ValueError, match=message):
        sweep(build, X, y, **kwargs)
