"""[de Back 2018]'s cats-and-dogs table: 0.33/0.33, 0.25/0.71, 0.38/1.06."""

import math

import pytest

from deltanet.examples import cats_dogs


def test_the_decks_numbers():
    r = cats_dogs.run(verbose=0)
    assert r["matches"]
    assert r["NN1"]["classification error"] == pytest.approx(1 / 3) == r["NN2"]["classification error"]
    # hand-worked: squared errors summed over (dog, cat), averaged over the 3 pictures
    assert r["NN1"]["mean squared error"] == pytest.approx((0.02 + 0.02 + 0.72) / 3)
    assert r["NN2"]["mean squared error"] == pytest.approx((0.32 + 0.18 + 1.62) / 3)
    assert r["NN1"]["cross-entropy"] == pytest.approx(-(math.log(0.9) * 2 + math.log(0.4)) / 3)
    assert r["NN2"]["cross-entropy"] == pytest.approx(-(math.log(0.6) + math.log(0.7) + math.log(0.1)) / 3)
    for net, (mse, ce) in {"NN1": (0.25, 0.38), "NN2": (0.71, 1.06)}.items():
        assert round(r[net]["mean squared error"], 2) == mse and round(r[net]["cross-entropy"], 2) == ce


def test_summary_line(capsys):
    assert cats_dogs.main(["--quiet"]) == 0
    assert capsys.readouterr().out.strip() == (
        "cats-dogs: error 0.33/0.33, MSE 0.25/0.71, cross-entropy 0.38/1.06 (as the deck)"
    )


def test_the_cross_entropy_slide():
    """[de Back 2018]: ŷ = (0.1, 0.05, 0.2, 0.6, 0.05) against the one-hot class 4: −log 0.6."""
    r = cats_dogs.run(verbose=0)
    assert r["slide"] == pytest.approx(-math.log(0.6), rel=1e-12) == pytest.approx(0.5108, abs=5e-5)
    # another one-hot class picks another term
    assert cats_dogs.cross_entropy_of([0.1, 0.05, 0.2, 0.6, 0.05], [1, 0, 0, 0, 0]) == pytest.approx(-math.log(0.1))
