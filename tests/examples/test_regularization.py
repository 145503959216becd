"""L1 drives the useless weights to zero, L2 shrinks them all; the sinusoid is overfit and fixed."""

import numpy as np
import pytest

from deltanet.examples import regularization


@pytest.fixture(scope="module")
def result():
    return regularization.run(quick=True, verbose=0)


def test_l1_zeroes_noise_weights_l2_does_not(result):
    zeros = result["zeros"]
    assert zeros[None] == 0 and zeros["L1"] >= 4 and zeros["L2"] <= 2
    w = result["weights"]
    assert np.abs(w["L1"][4:]).sum() < 0.5 * np.abs(w[None][4:]).sum()


def test_l2_shrinks_every_relevant_weight_and_evens_the_copies(result):
    w = result["weights"]
    assert (np.abs(w["L2"][:2]) < np.abs(w[None][:2])).all()
    assert abs(w["L2"][2] - w["L2"][3]) < abs(w[None][2] - w[None][3])


def test_sinusoid_overfit_and_fixed(result):
    plain, l2 = result["sinusoid"]["plain"], result["sinusoid"]["l2"]
    assert plain["train_rmse"] < 0.05  # fits the 10 noisy points ...
    assert l2["train_rmse"] > 0.1  # ... which the regularized network does not try to
    assert l2["curve_rmse"] < plain["curve_rmse"] - 0.03  # and is closer to sin(2πx)
    assert l2["weight_norm"] < plain["weight_norm"] / 2
