"""The synthetic cell images: shapes, dtypes, determinism, masks that agree with the images, the
class layout of the 3-class set, 3-D volumes, argument checks."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.data.segmentation import make_cells, make_cells_3d


def test_shapes_dtypes_and_classes():
    images, masks = make_cells(5, size=24, rng=0)
    assert images.shape == (5, 1, 24, 24) and images.dtype == np.float32
    assert masks.shape == (5, 24, 24) and masks.dtype == np.int64
    assert set(np.unique(masks)) == {0, 1}
    assert all(masks[i].any() for i in range(5))  # every image has at least one cell
    _, masks3 = make_cells(12, size=32, n_classes=3, rng=0)
    assert set(np.unique(masks3)) == {0, 1, 2}


def test_same_seed_same_arrays_and_default_generator():
    a = make_cells(3, size=16, n_classes=3, rng=42)
    b = make_cells(3, size=16, n_classes=3, rng=np.random.default_rng(42))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = make_cells(3, size=16, n_classes=3, rng=43)
    assert not np.array_equal(a[1], c[1])
    dn.manual_seed(5)
    d = make_cells(2, size=16)
    dn.manual_seed(5)
    e = make_cells(2, size=16)
    assert np.array_equal(d[0], e[0]) and np.array_equal(d[1], e[1])


def test_images_show_the_mask():
    # Without noise each class has its own intensity band: cells ≈ 0.85, nuclei ≈ 0.55, and the
    # smooth background stays within ≈ 0.2 ± 0.12.
    images, masks = make_cells(6, size=32, n_classes=3, noise=0.0, rng=1)
    x = images[:, 0]
    assert x[masks == 0].min() > 0.05 and x[masks == 0].max() < 0.35
    assert x[masks == 1].min() >= 0.8 and x[masks == 1].max() <= 0.9
    assert x[masks == 2].min() >= 0.5 and x[masks == 2].max() <= 0.6
    # The noise is Gaussian with the requested standard deviation.
    noisy, _ = make_cells(6, size=32, n_classes=3, noise=0.1, rng=1)
    residual = noisy - images
    assert abs(residual.std() - 0.1) < 0.005 and abs(residual.mean()) < 0.005


def test_cell_counts_and_sizes():
    _, masks = make_cells(20, size=48, cells=(1, 1), noise=0.0, rng=2)
    fraction = (masks == 1).mean(axis=(1, 2))
    # one ellipse with semi-axes in [0.09, 0.17] of the side: area π a b in [0.025, 0.091]
    assert fraction.min() > 0.02 and fraction.max() < 0.095


def test_volumes():
    volumes, masks = make_cells_3d(2, size=12, n_classes=3, rng=0)
    assert volumes.shape == (2, 1, 12, 12, 12) and volumes.dtype == np.float32
    assert masks.shape == (2, 12, 12, 12) and masks.dtype == np.int64
    again = make_cells_3d(2, size=12, n_classes=3, rng=0)
    assert np.array_equal(volumes, again[0]) and np.array_equal(masks, again[1])
    assert (masks > 0).any() and masks.max() <= 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_images=0), r"make_cells: n_images must be a positive integer, got 0"),
        (dict(n_images=2, size=4), r"make_cells: size must be an integer >= 8, got 4"),
        (dict(n_images=2, n_classes=4), r"n_classes must be 2 \(background, cell\) or 3 .*got 4"),
        (dict(n_images=2, noise=-0.1), r"make_cells: noise must be a number >= 0, got -0\.1"),
        (dict(n_images=2, cells=(3, 2)), r"cells must be a pair \(fewest, most\).*got \(3, 2\)"),
        (dict(n_images=2, rng="seed"), r"rng must be None, an int seed or a numpy.random.Generator"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_cells(**kwargs)


def test_make_cells_3d_names_its_own_count():
    with pytest.raises(ValueError, match=r"^make_cells_3d: n_volumes must be a positive integer, got 0$"):
        make_cells_3d(0)
