"""Detection: peak picking and greedy matching by hand; the quick run's U-Net detections are precise."""

import numpy as np
import pytest

pytest.importorskip("nibabel")
pytest.importorskip("scipy")

from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.examples import detection  # noqa: E402


def test_peaks_and_boxes_by_hand():
    heat = np.zeros((16, 16))
    heat[4, 5], heat[10, 11], heat[10, 12] = 0.9, 0.8, 0.3  # the 0.3 is not a peak (0.8 beside it)
    extent = np.zeros((16, 16), dtype=bool)
    extent[3:6, 4:7] = True
    boxes = detection.detect(heat, extent, threshold=0.5)
    np.testing.assert_array_equal(boxes, [[3, 4, 6, 7], [8, 9, 13, 14]])  # a component; a default box


def test_matching_is_one_to_one():
    truth = [np.array([[0.0, 0.0, 4.0, 4.0], [10.0, 10.0, 14.0, 14.0]])]
    found = [np.array([[0.0, 0.0, 4.0, 4.0], [0.5, 0.0, 4.0, 4.0], [20.0, 20.0, 22.0, 22.0]])]
    assert detection.match(found, truth) == (1, 3, 2)
    assert detection.scores(1, 3, 2) == pytest.approx((1 / 3, 1 / 2, 0.4))


@pytest.fixture(scope="module")
def quick():
    return run_printed(detection.run)


def test_quick_run_detects(quick):
    result = quick
    assert result["precision"] > 0.8 and result["recall"] > 0.5
    assert result["f1"] > result["blob_f1"]
    assert result["blob_f1"] > 0.3  # the classical detector is a real baseline


def test_it_prints_what_it_returns(quick):
    rows = table(quick["printed"])
    unet = [round(quick[key], 3) for key in ("precision", "recall", "f1")]
    blob = [round(quick[key], 3) for key in ("blob_precision", "blob_recall", "blob_f1")]
    assert rows["U-Net heat map, peak picking"] == unet
    assert rows[f"difference of Gaussians > {quick['blob_threshold']}"] == blob
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
