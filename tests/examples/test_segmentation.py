"""U-Net with the Dice loss on synthetic cells beats intensity thresholds."""

import numpy as np
import pytest

from deltanet.data.segmentation import make_cells
from deltanet.examples import segmentation


@pytest.fixture(scope="module")
def quick():
    return segmentation.run(quick=True, verbose=0)


def test_quick_run_beats_the_thresholds(quick):
    """Even the quick run shows the method working: the U-Net beats the best intensity
    thresholds on the cells and finds nuclei."""
    background, cell, nucleus = quick["dice_per_class"]
    _, threshold_cell, _ = quick["threshold_dice_per_class"]
    assert background > 0.95 and cell > threshold_cell and nucleus > 0.5
    assert quick["dice"] > quick["threshold_dice"]


def test_threshold_baseline():
    images, masks = make_cells(8, size=32, n_classes=3, noise=0.0, rng=0)
    low, high = segmentation.best_thresholds(images, masks)
    assert 0.2 <= low < high < 1.0
    seg = segmentation.threshold_segmentation(images, low, high)
    assert set(np.unique(seg)) <= {0, 1, 2}
