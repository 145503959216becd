"""3 tanh hidden units fit x², sin, |x| and the step from 50 points."""

import numpy as np
import pytest

from deltanet.examples import universal_approximator as ua


@pytest.fixture(scope="module")
def result():
    return ua.run(quick=True, verbose=0)


@pytest.mark.parametrize("name", ["square", "sine", "abs", "step"])
def test_fits(result, name):
    r = result[name]
    assert r["rmse"] < ua.EXPECTED_RMSE[name]
    assert len(r["x"]) == 50 and (np.abs(r["x"]) < 1).all()


def test_output_is_the_weighted_sum_of_three_hidden_units(result):
    r = result["sine"]
    model = r["model"]
    assert r["hidden"].shape == (50, 3)
    np.testing.assert_allclose(r["hidden"].sum(axis=1) + model[2].bias.data[0], r["prediction"], atol=1e-12)
    assert sum(p.size for p in model.parameters()) == 10


def test_plot(result, tmp_path):
    pytest.importorskip("matplotlib")
    ua.plot(result, tmp_path / "ua.png")
    assert (tmp_path / "ua.png").stat().st_size > 1000
