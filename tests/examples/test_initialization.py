"""Constant vs large random vs Glorot vs He vs LSUV on the same deep ReLU network."""

import contextlib
import io
import re

import numpy as np
import pytest

pytest.importorskip("sklearn")

from deltanet.examples import initialization  # noqa: E402


@pytest.fixture(scope="module")
def result():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = initialization.run(quick=True, verbose=1)
    return {**result, "printed": printed.getvalue()}


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


def test_it_prints_what_it_returns(result):
    """The deck's two claims as printed: saturated sigmoids (part 2) and constants with dropout (part 3)."""
    printed = result["printed"]
    for scheme in ("large random", "Glorot"):
        row = result["sigmoid"][scheme]
        hidden, output = (round(100 * v) for v in row["saturated"])
        line = re.search(
            rf"^  {scheme}\s+hidden (\d+)%, output (\d+)%\s+([0-9.]+), ([0-9.]+)\s.*?([0-9.]+)%$", printed, re.M
        )
        assert line is not None
        assert [int(line[1]), int(line[2])] == [hidden, output]
        assert [float(line[3]), float(line[4])] == [round(g, 4) for g in row["grads"]]
        assert float(line[5]) == round(100 * row["accuracy"], 1)
    for label, key in (("without dropout", "without"), (f"with dropout p = {initialization.P}", "with")):
        units, accuracy = result["dropout"][key]["distinct_units"], result["dropout"][key]["accuracy"]
        expected = f"  {label:<22} {units:>2} of {initialization.DROPOUT_HIDDEN} hidden units distinct, "
        assert f"{expected}training accuracy {accuracy:.1%}" in printed
    assert printed.strip().splitlines()[-1] == result["summary"]
