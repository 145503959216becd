"""Detection: peak picking and greedy matching by hand; the quick run's U-Net detections are precise."""

import numpy as np
import pytest

pytest.importorskip("nibabel")
pytest.importorskip("scipy")

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


def test_quick_run_detects():
    result = detection.run(quick=True, verbose=0)
    assert result["precision"] > 0.8 and result["recall"] > 0.5
    assert result["f1"] > result["blob_f1"]
    assert result["blob_f1"] > 0.3  # the classical detector is a real baseline
