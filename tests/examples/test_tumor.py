"""The 1-neuron network of [Ibragimov]: the deck's W/b sequence, its losses, and the factor 2."""

import numpy as np
import pytest

from deltanet.examples import tumor

X = np.array([0.5, 2.3, 2.9])
Y = np.array([3.2, 1.9, 1.0])


@pytest.fixture(scope="module")
def result():
    return tumor.run(quick=True, verbose=0)


def test_first_steps_by_hand(result):
    start, first = result["steps"][0], result["steps"][1]
    outputs = 0.01 * X + 0.01
    np.testing.assert_allclose(start["outputs"], [0.015, 0.033, 0.039])
    assert start["loss"] == pytest.approx(((outputs - Y) ** 2).sum()) == pytest.approx(14.553, abs=5e-4)
    assert start["l1_loss"] == pytest.approx(6.013)  # the deck's sum of absolute differences
    assert start["grad_W"] == pytest.approx(((outputs - Y) * X).sum()) == pytest.approx(-8.6735)
    # W ← W − 0.1 Σ(y' − y)x: the gradient of ½Σ, as the deck's numbers are
    assert first["W"] == pytest.approx(0.01 + 0.1 * 8.6735)
    assert (round(first["W"], 2), round(first["b"], 2), round(first["loss"], 1)) == (0.88, 0.61, 9.8)


def test_every_deck_line_is_reproduced(result):
    assert len(result["comparison"]) == 15 and result["all_match"]
    for row in result["comparison"]:
        (W, b, loss), (w, bb, ll) = row["deck"], row["here"]
        assert abs(W - w) <= 0.015 and abs(b - bb) <= 0.015 and abs(loss - ll) <= 0.035, row


def test_the_deck_continues_from_b_050_not_from_its_own_054(result):
    steps = result["steps"]
    assert round(steps[2]["b"], 2) == 0.54
    # from b = 0.54 the deck's next printed line (W 0.19, b 0.90, Loss 5.37) is not reached ...
    assert abs(steps[4]["loss"] - 5.37) > 0.1
    # ... from b = 0.50 it is (two steps on)
    assert result["continuation"][2]["loss"] == pytest.approx(5.348, abs=1e-3)


def test_gradients_agree_with_the_closed_form_every_step(result):
    for r in result["steps"]:
        residual = r["W"] * X + r["b"] - Y
        assert r["grad_W"] == pytest.approx((residual * X).sum(), abs=1e-12)
        assert r["grad_b"] == pytest.approx(residual.sum(), abs=1e-12)
        assert r["half_loss"] == pytest.approx(0.5 * r["loss"])


def test_descent_approaches_least_squares():
    records = tumor.descend(X, Y, 0.01, 0.01, 3000)
    slope, intercept = np.polyfit(X, Y, 1)
    assert records[-1]["W"] == pytest.approx(slope, abs=1e-6)
    assert records[-1]["b"] == pytest.approx(intercept, abs=1e-6)


def test_the_two_neuron_chain(result):
    """[Ibragimov]'s "more neurons": dLoss/dW1 = 2 sum((g2(g1(x)) - y) W2 x) = -0.1762, all at 0.01."""
    chain = result["chain"]
    g1 = 0.01 * X + 0.01
    residual = 0.01 * g1 + 0.01 - Y
    assert chain["loss"] == pytest.approx((residual**2).sum())
    assert chain["grad_W1"] == pytest.approx(2 * (residual * 0.01 * X).sum(), rel=1e-12)
    assert round(chain["grad_W1"], 4) == -0.1762
    assert chain["grad_b1"] == pytest.approx(2 * (residual * 0.01).sum(), rel=1e-12)
    assert chain["grad_W2"] == pytest.approx(2 * (residual * g1).sum(), rel=1e-12)
    assert chain["grad_b2"] == pytest.approx(2 * residual.sum(), rel=1e-12)


def test_dead_patients_need_a_nonlinear_unit(result):
    dead = result["dead_patients"]
    assert dead["one linear neuron"]["max_error"] > 0.2
    assert dead["4 ReLU neurons + output"]["loss"] < 1e-3


def test_main_quiet_and_plot(tmp_path, capsys):
    assert tumor.main(["--quick", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == result_line()
    pytest.importorskip("matplotlib")
    assert tumor.main(["--quick", "--quiet", "--plot", str(tmp_path / "t.png")]) == 0
    assert (tmp_path / "t.png").stat().st_size > 1000


def result_line():
    return "tumor: 15/15 deck lines reproduced; step 1: W = 0.88, b = 0.61, Loss = 9.80"
