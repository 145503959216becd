"""Image-to-image on nibabel's MRI: the target contrast depends on each voxel's neighbourhood, so the
CNN beats the best global intensity mapping, which beats the identity."""

import numpy as np
import pytest

pytest.importorskip("nibabel")
pytest.importorskip("scipy")

from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.examples import image_to_image  # noqa: E402


@pytest.fixture(scope="module")
def quick():
    return run_printed(image_to_image.run)


def test_quick_run_beats_the_global_intensity_fit(quick):
    errors = quick["errors"]
    assert errors["polynomial"][0] < errors["identity"][0] / 2
    assert errors["cnn"][0] < errors["polynomial"][0] * 0.95


def test_the_target_is_not_a_function_of_intensity():
    volume = np.linspace(0, 0.6, 24 * 16 * 16, dtype=np.float32).reshape(24, 16, 16)
    target = image_to_image.second_contrast(volume)
    assert target.shape == volume.shape and 0 <= target.min() and target.max() <= 1
    flat = np.full((1, 16, 16), 0.3, dtype=np.float32)  # no edges: just the curve 8 x (0.6 - x)
    np.testing.assert_allclose(image_to_image.second_contrast(flat), 8 * 0.3 * 0.3, rtol=1e-6)


def test_it_prints_what_it_returns(quick):
    rows, errors = table(quick["printed"]), quick["errors"]
    printed = [row for label, row in rows.items() if label.startswith(("identity", "global intensity fit", "CNN"))]
    assert printed == [
        [round(errors[key][0], 4), round(errors[key][1], 2)] for key in ("identity", "polynomial", "cnn")
    ]
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
