"""U-Net with the Dice loss on synthetic cells beats intensity thresholds."""

import numpy as np
import pytest

from deltanet.data.segmentation import make_cells
from deltanet.examples import segmentation


@pytest.fixture(scope="module")
def quick():
    return segmentation.run(quick=True, verbose=0)


def test_quick_run_finds_the_cells(quick):
    background, cell, _ = quick["dice_per_class"]
    assert background > 0.95 and cell > 0.9


def test_full_run_beats_the_thresholds():
    result = segmentation.run(verbose=0)
    assert result["dice"] > result["threshold_dice"] + 0.05
    assert result["dice_per_class"][2] > 0.6  # the small nuclei, which intensity alone misses


def test_threshold_baseline():
    images, masks = make_cells(8, size=32, n_classes=3, noise=0.0, rng=0)
    low, high = segmentation.best_thresholds(images, masks)
    assert 0.2 <= low < high < 1.0
    seg = segmentation.threshold_segmentation(images, low, high)
    assert set(np.unique(seg)) <= {0, 1, 2}
