"""lr_find: the suggestion on convex problems against the best learning rate found by brute force;
weights and optimizer state restored; the steepest-descent rule; bad arguments."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn, optim
from deltanet.diagnostics import lr_find
from deltanet.diagnostics.lr_finder import steepest_descent

GRID = 10 ** np.arange(-4, 1.0001, 0.125)  # 8 learning rates per decade, 1e-4 ... 10


def regression(seed):
    """Least squares with correlated, standardized features: a convex quadratic."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((8, 8)) * 0.5 + np.eye(8)
    X = rng.standard_normal((512, 8)) @ A
    X = (X - X.mean(0)) / X.std(0)
    y = X @ rng.standard_normal((8, 1)) + 0.1 * rng.standard_normal((512, 1))
    return X, y


def best_learning_rate(X, y, epochs=2, batch_size=32):
    """The "best" learning rate: the one of GRID whose plain mini-batch SGD run (same initial
    weights, same shuffle) reaches the lowest training MSE on all of X after ``epochs`` epochs."""
    finals = []
    for lr in GRID:
        model = nn.Linear(8, 1, dtype="float64", rng=1)
        try:
            dn.fit(
                model, X, y, "mse", optim.SGD(model.parameters(), lr=lr), epochs=epochs, batch_size=batch_size, rng=0
            )
            final = float(np.mean((dn.predict(model, X) - y) ** 2))
        except FloatingPointError:
            final = np.inf
        finals.append(final if np.isfinite(final) else np.inf)
    return float(GRID[int(np.argmin(finals))])


@pytest.mark.parametrize("seed", range(6))
def test_suggestion_is_within_an_order_of_magnitude_of_the_best_rate_on_least_squares(seed):
    X, y = regression(seed)
    best = best_learning_rate(X, y)
    model = nn.Linear(8, 1, dtype="float64", rng=1)
    result = lr_find(
        model,
        X,
        y,
        "mse",
        optim.SGD(model.parameters(), lr=0.1),
        start_lr=1e-5,
        end_lr=10,
        num_steps=100,
        batch_size=32,
        rng=0,
    )
    # For these problems best ≈ 0.24–0.32 (stability ends at 2/λ_max of the Hessian 2XᵀX/N);
    # the suggestion lands at 0.03–0.3.
    assert 0.1 < best < 1.0
    assert abs(np.log10(result.suggestion / best)) <= 1.0, (result.suggestion, best)
    assert result.suggestion < result.min_loss_lr  # the steepest fall comes before the minimum


def test_weights_and_optimizer_state_are_restored():
    X, y = regression(0)
    model = nn.Linear(8, 1, dtype="float64", rng=1)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    dn.fit(model, X, y, "mse", opt, epochs=1, batch_size=64, rng=0)  # Adam has moments now
    weights, state = copy.deepcopy(model.state_dict()), opt.state_dict()  # state_dict() shares memory
    model.eval()
    result = lr_find(model, X, y, "mse", opt, num_steps=30, rng=0)
    assert len(result.lrs) >= 5
    for key, value in model.state_dict().items():
        assert np.array_equal(value, weights[key])
    after = opt.state_dict()
    assert after["param_groups"][0]["lr"] == 3e-3
    for i, entry in state["state"].items():
        for key, value in entry.items():
            assert np.array_equal(np.asarray(after["state"][i][key]), np.asarray(value))
    assert not model.training and all(p.grad is None for p in model.parameters())


def test_learning_rates_grow_exponentially_and_the_test_stops_when_the_loss_explodes():
    X, y = regression(1)
    model = nn.Linear(8, 1, dtype="float64", rng=1)
    result = lr_find(model, X, y, "mse", "sgd", start_lr=1e-4, end_lr=100, num_steps=60, rng=0)
    ratios = result.lrs[1:] / result.lrs[:-1]
    assert np.allclose(ratios, (100 / 1e-4) ** (1 / 59))
    assert result.lrs[0] == pytest.approx(1e-4)
    assert len(result.lrs) < 60  # diverged (lr far beyond 2/λ_max) before the end of the range
    assert result.losses[-1] > 4 * result.losses.min()


def test_smoothed_losses_are_the_bias_corrected_moving_average():
    X, y = regression(2)
    model = nn.Linear(8, 1, dtype="float64", rng=1)
    result = lr_find(model, X, y, "mse", "sgd", num_steps=20, smoothing=0.9, rng=0)
    average = 0.0
    for i, raw in enumerate(result.raw_losses):
        average = 0.9 * average + 0.1 * raw
        assert result.losses[i] == pytest.approx(average / (1 - 0.9 ** (i + 1)))


def test_steepest_descent_on_a_synthetic_curve():
    lrs = np.logspace(-6, 1, 71)
    x = np.log10(lrs)
    # log L falls by 3 along a logistic centred at η = 1e-3 (steepest there), and blows up past 1.
    losses = np.exp(-3.0 / (1.0 + np.exp(-4 * (x + 3))) + np.where(x > 0, 10 * x**2, 0))
    assert steepest_descent(lrs, losses, window=3) == pytest.approx(1e-3)
    # Only the part before the minimum counts: a steeper fall after it (from the blow-up) is ignored.
    losses[-3:] = [1e12, 1e6, 1.0]
    assert steepest_descent(lrs, losses, window=3) == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start_lr": 0}, "lr_find: start_lr must be a number > 0, got 0"),
        ({"start_lr": 1.0, "end_lr": 0.1}, "start_lr must be smaller than end_lr"),
        ({"num_steps": 3}, "num_steps must be an integer >= 5, got 3"),
        ({"smoothing": 1.0}, r"smoothing must be a number in \[0, 1\), got 1\.0"),
        ({"diverge": 1}, "diverge must be a number > 1, got 1"),
        ({"batch_size": None}, "lr_find: batch_size must be a positive integer, got None"),
        ({"batch_size": 0}, "lr_find: batch_size must be a positive integer, got 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    X, y = regression(0)
    model = nn.Linear(8, 1, dtype="float64")
    with pytest.raises(ValueError, match=message):
        lr_find(model, X, y, "mse", "sgd", **kwargs)


def test_closure_optimizers_are_refused():
    X, y = regression(0)
    model = nn.Linear(8, 1, dtype="float64")
    with pytest.raises(ValueError, match="needs a first-order optimizer.*LBFGS"):
        lr_find(model, X, y, "mse", optim.LBFGS(model.parameters()))
