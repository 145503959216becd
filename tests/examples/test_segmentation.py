"""U-Net with the Dice loss on synthetic cells beats intensity thresholds."""

import numpy as np
import pytest
from tests.examples._printed import run_printed, table  # noqa: E402

from deltanet.data.segmentation import make_cells
from deltanet.examples import segmentation


@pytest.fixture(scope="module")
def quick():
    return run_printed(segmentation.run)


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


def test_it_prints_what_it_returns(quick):
    rows = table(quick["printed"])
    low, high = quick["thresholds"]
    assert rows["U-Net"] == [*np.round(quick["dice_per_class"], 3).tolist(), round(quick["dice"], 3)]
    expected = [*np.round(quick["threshold_dice_per_class"], 3).tolist(), round(quick["threshold_dice"], 3)]
    assert rows[f"thresholds {low:.2f}, {high:.2f}"] == expected
    assert quick["printed"].strip().splitlines()[-1] == quick["summary"]
