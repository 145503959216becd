"""Super-resolution on pydicom's CT slices: the pixel shuffle is torch's; the quick run's network
already beats bicubic interpolation (it starts from it), and bicubic beats bilinear."""

import numpy as np
import pytest

import deltanet as dn

pytest.importorskip("pydicom")
pytest.importorskip("scipy")

from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.examples import super_resolution as sr  # noqa: E402


def test_the_network_uses_torchs_pixel_shuffle():
    torch = pytest.importorskip("torch")
    model = sr.SubPixelSR(rng=0)
    assert isinstance(model.shuffle, dn.nn.PixelShuffle) and model.shuffle.upscale_factor == 2
    low = np.random.default_rng(0).random((2, 1, 6, 5)).astype(np.float32)
    x = sr.network_input(low)
    upsampled = torch.tensor(np.stack([sr.bicubic(image[0]) for image in low])[:, None])
    np.testing.assert_array_equal(x[:, 1:], torch.nn.functional.pixel_unshuffle(upsampled, 2).numpy())
    np.testing.assert_array_equal(x[:, :1], low)
    z = x[:, 1:] + model.correction(dn.tensor(x)).data
    expected = torch.nn.functional.pixel_shuffle(torch.tensor(z), 2).numpy()
    np.testing.assert_allclose(model(dn.tensor(x)).data, expected, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope="module")
def quick():
    return run_printed(sr.run)


def test_quick_run_beats_bicubic(quick):
    scores = quick["scores"]
    assert scores["bicubic"][0] > scores["bilinear"][0] + 1.0
    assert scores["cnn"][0] > scores["bicubic"][0] + 0.1
    assert scores["cnn"][1] >= scores["bicubic"][1] - 1e-3


def test_it_prints_what_it_returns(quick):
    rows, scores = table(quick["printed"]), quick["scores"]
    for label, key in zip(
        ("bilinear", "bicubic (scipy zoom, order 3)", "sub-pixel CNN"), ("bilinear", "bicubic", "cnn"), strict=True
    ):
        assert rows[label] == [round(scores[key][0], 2), round(scores[key][1], 3)]
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
