"""Eight optimizers, one network, the same budget of passes over the data."""

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from deltanet.examples import optimizers  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return optimizers.run(quick=True, verbose=0)


def test_all_eight_ran_with_the_expected_number_of_updates(result):
    assert set(optimizers.OPTIMIZERS) <= set(result)
    n = 1347
    assert result["GD (batch)"]["updates"] == 6
    assert result["SGD (on-line)"]["updates"] == 6 * n
    assert result["mini-batch SGD"]["updates"] == 6 * 43
    assert result["L-BFGS"]["updates"] <= 7  # function evaluations, bounded by max_eval


def test_full_batch_gradient_descent_is_far_behind(result):
    gd = result["GD (batch)"]["train_loss"]
    for name in ("mini-batch SGD", "momentum", "AdaGrad", "RMSprop", "Adam"):
        assert result[name]["train_loss"] < gd / 3, name
        assert result[name]["test_accuracy"] > 0.85, name
    assert result["momentum"]["train_loss"] < result["mini-batch SGD"]["train_loss"]
    assert result["L-BFGS"]["train_loss"] < gd / 3  # curvature makes up for the single batch
