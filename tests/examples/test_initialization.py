"""Constant vs large random vs Glorot vs He vs LSUV on the same deep ReLU network."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from deltanet.examples import initialization  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return initialization.run(quick=True, verbose=0)


def test_zeros_and_constants_do_not_break_the_symmetry(result):
    assert result["zeros"]["first_grad"] == 0.0 and max(result["zeros"]["stds"]) == 0.0
    assert result["constant"]["identical_units"]  # every unit of the layer still the same after training
    assert result["zeros"]["accuracy"] < 0.2 and result["constant"]["accuracy"] < 0.2


def test_large_random_explodes(result):
    stds = result["large random"]["stds"]
    assert stds[-1] > 1e4 * stds[0]
    assert result["large random"]["diverged"] is not None and "diverged" in result["large random"]["diverged"]


def test_signal_size_through_the_depth(result):
    glorot, he, lsuv = (np.array(result[k]["stds"]) for k in ("Glorot", "He", "LSUV"))
    # Glorot halves the variance at each ReLU layer: the std shrinks by about √2 per layer
    assert 0.4 < (glorot[-1] / glorot[0]) ** (1 / (len(glorot) - 1)) < 0.9
    assert 0.3 < he.min() and he.max() < 3  # He keeps it
    assert 0.4 < lsuv.min() and lsuv.max() < 0.9  # LSUV: unit variance before the ReLU, ≈ 0.58 after


def test_good_initializations_learn(result):
    for name in ("He", "LSUV"):
        assert result[name]["accuracy"] > 0.75
    assert result["He"]["accuracy"] > result["constant"]["accuracy"] + 0.5


def test_large_random_weights_saturate_sigmoids_and_learn_slowly(result):
    """[Hosny et al.]: "large random values - small gradients, slow convergence"."""
    large, glorot = result["sigmoid"]["large random"], result["sigmoid"]["Glorot"]
    assert large["saturated"][0] > 0.4 and max(glorot["saturated"]) < 0.01
    assert large["grads"][0] < glorot["grads"][0] and large["grads"][1] < glorot["grads"][1] / 2
    assert large["curve"][-1] > 2 * glorot["curve"][-1]  # the error falls slowly
    assert large["accuracy"] < glorot["accuracy"] - 0.2


def test_dropout_makes_constant_initialization_possible(result):
    """[Hosny et al.]: "dropout makes it possible to use constant initialization for all parameters"."""
    without, with_ = result["dropout"]["without"], result["dropout"]["with"]
    assert without["distinct_units"] == 1 and with_["distinct_units"] == initialization.DROPOUT_HIDDEN
    assert with_["accuracy"] > 0.9 > 0.5 > without["accuracy"]


def test_helpers():
    assert initialization.distinct_units(np.array([[1.0, 0.0], [1.0 + 1e-6, 0.0], [0.0, 1.0]])) == 2
