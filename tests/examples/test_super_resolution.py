"""Super-resolution on pydicom's CT slices: the pixel shuffle is torch's; the quick run's network
already beats bicubic interpolation (it starts from it), and bicubic beats bilinear."""

import numpy as np
import pytest

import deltanet as dn

pytest.importorskip("pydicom")
pytest.importorskip("scipy")

from deltanet.examples import super_resolution as sr  # noqa: E402


def test_pixel_shuffle_is_torchs():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(0).normal(size=(2, 12, 3, 5))
    expected = torch.nn.functional.pixel_shuffle(torch.tensor(z), 2).numpy()
    np.testing.assert_array_equal(sr.pixel_shuffle(dn.tensor(z), 2).data, expected)
    np.testing.assert_array_equal(sr.pixel_unshuffle(expected, 2), z)


def test_quick_run_beats_bicubic():
    result = sr.run(quick=True, verbose=0)
    scores = result["scores"]
    assert scores["bicubic"][0] > scores["bilinear"][0] + 1.0
    assert scores["cnn"][0] > scores["bicubic"][0] + 0.1
    assert scores["cnn"][1] >= scores["bicubic"][1] - 1e-3
