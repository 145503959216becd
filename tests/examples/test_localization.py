"""Localization: the quick run's boxes overlap the lesions far better than the mean box; IoU by hand."""

import numpy as np
import pytest

pytest.importorskip("nibabel")

from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.examples import _lesions, localization  # noqa: E402


@pytest.fixture(scope="module")
def quick():
    return run_printed(localization.run)


def test_quick_run_localizes(quick):
    result = quick
    assert result["mean_iou"] > 0.25 and result["hit_rate"] > 0.15
    assert result["mean_iou"] > 3 * result["baseline_mean_iou"]


def test_box_iou_by_hand():
    a = np.array([0.0, 0.0, 2.0, 2.0])
    assert _lesions.box_iou(a, a) == 1.0
    assert _lesions.box_iou(a, np.array([1.0, 1.0, 3.0, 3.0])) == pytest.approx(1 / 7)
    assert _lesions.box_iou(a, np.array([5.0, 5.0, 6.0, 6.0])) == 0.0


def test_painted_lesions_are_inside_their_boxes():
    rng = np.random.default_rng(0)
    background = np.zeros((32, 32), dtype=np.float32)
    image, boxes = _lesions.paint(background, 3, rng)
    assert len(boxes) == 3
    for top, left, bottom, right in boxes:
        centre = image[int((top + bottom) / 2), int((left + right) / 2)]
        assert centre >= _lesions.CONTRAST[0] - 1e-6 and 0 <= top < bottom <= 32 and 0 <= left < right <= 32


def test_it_prints_what_it_returns(quick):
    rows = table(quick["printed"])
    assert rows["CNN"] == [round(quick["mean_iou"], 3), round(quick["hit_rate"], 3)]
    assert rows["always the mean box"] == [round(quick["baseline_mean_iou"], 3), round(quick["baseline_hit_rate"], 3)]
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
