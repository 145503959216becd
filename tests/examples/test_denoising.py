"""The denoising example on pydicom's real CT slices: the quick run's CNN already beats the noisy
input clearly; the filters' widths are chosen on the training patches."""

import numpy as np
import pytest

pytest.importorskip("pydicom")
pytest.importorskip("scipy")

from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.examples import denoising  # noqa: E402


@pytest.fixture(scope="module")
def quick():
    return run_printed(denoising.run)


def test_quick_run_removes_noise(quick):
    scores = quick["scores"]
    assert scores["noisy"][0] == pytest.approx(26.0, abs=0.3)  # sigma 0.05 on [0, 1]: 10 log10(1 / 0.0025)
    assert scores["cnn"][0] > scores["noisy"][0] + 2.5
    assert scores["cnn"][1] > scores["noisy"][1] + 0.1
    # The classical filters, tuned on the training patches, are strong on smooth CT.
    assert scores["gaussian"][0] > scores["noisy"][0] + 5 and scores["median"][0] > scores["noisy"][0] + 5
    assert quick["history"].history["loss"][-1] < quick["history"].history["loss"][0]


def test_residual_network_outputs_input_minus_noise():
    import deltanet as dn

    model = denoising.ResidualDenoiser(rng=0)
    x = np.random.default_rng(0).random((1, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(model(dn.tensor(x)).data, x - model.noise(dn.tensor(x)).data, rtol=1e-6)


def test_half_resolution_averages_blocks():
    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(denoising.half_resolution(image), [[2.5, 4.5], [10.5, 12.5]])


def test_it_prints_what_it_returns(quick):
    rows, scores = table(quick["printed"]), quick["scores"]
    sigma, size = quick["gaussian_sigma"], quick["median_size"]
    labels = ("noisy", f"Gaussian filter σ = {sigma}", f"median filter {size}×{size}", "residual CNN")
    for label, key in zip(labels, ("noisy", "gaussian", "median", "cnn"), strict=True):
        assert rows[label] == [round(scores[key][0], 2), round(scores[key][1], 3)]
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
