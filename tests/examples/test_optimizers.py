"""Eight optimizers, one network, the same budget of passes over the data."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from deltanet.examples import optimizers  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return optimizers.run(quick=True, verbose=0)


def test_all_eight_ran_with_the_expected_number_of_updates(result):
    assert set(optimizers.OPTIMIZERS) <= set(result)
    n = 1347
    assert result["GD (batch)"]["updates"] == 6
    for name in ("SGD (on-line)", "on-line, in sequence", "on-line, with replacement"):
        assert result[name]["updates"] == 6 * n
    assert result["mini-batch SGD"]["updates"] == 6 * 43
    assert result["L-BFGS"]["updates"] <= 7  # function evaluations, bounded by max_eval


def test_full_batch_gradient_descent_is_far_behind(result):
    gd = result["GD (batch)"]["train_loss"]
    for name in ("mini-batch SGD", "momentum", "AdaGrad", "RMSprop", "Adam"):
        assert result[name]["train_loss"] < gd / 3, name
        assert result[name]["test_accuracy"] > 0.85, name
    assert result["momentum"]["train_loss"] < result["mini-batch SGD"]["train_loss"]
    # Curvature makes up for the single batch; in 6 evaluations only partly: PyTorch's first step
    # is scaled by 1/|g|_1, and the line search spends evaluations finding the scale (30 reach 0.0015).
    assert result["L-BFGS"]["train_loss"] < gd / 1.5


def test_on_line_in_sequence_shuffled_and_with_replacement(result):
    """[Suk 2015]: "cycling through the data either in sequence or by selecting at random with
    replacement"; the three orders give three different runs from the same start, all of which learn."""
    names = ("SGD (on-line)", "on-line, in sequence", "on-line, with replacement")
    losses = [result[name]["train_loss"] for name in names]
    assert len(set(losses)) == 3
    assert max(losses) < result["mini-batch SGD"]["train_loss"]  # 1,347 updates a pass against 43
    seen = result["with_replacement_seen"]
    assert seen == len(np.unique(np.random.default_rng(0).integers(0, 1347, size=1347)))
    assert 0.6 < seen / 1347 < 0.66  # about 1 - 1/e
