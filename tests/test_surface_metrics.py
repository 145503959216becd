"""Hausdorff distance, HD95 and average surface distance: hand-made cases, SciPy's
directed_hausdorff on the surface point sets, spacing in mm, empty masks, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

scipy_distance = pytest.importorskip("scipy.spatial.distance")

import deltanet as dn  # noqa: E402
from deltanet.metrics import average_surface_distance, hausdorff_distance, surface_distances  # noqa: E402
from deltanet.metrics.surface import surface  # noqa: E402


def square(shape, corner, size):
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(c, c + size) for c in corner)] = True
    return mask


@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("spacing", [None, (0.7, 1.3)])
def test_two_squares_offset_by_k_rows(k, spacing):
    a = square((30, 30), (5, 5), 10)
    b = square((30, 30), (5 + k, 5), 10)
    expected = k * (1.0 if spacing is None else spacing[0])
    assert hausdorff_distance(a, b, spacing=spacing) == pytest.approx(expected)
    assert hausdorff_distance(a, b, percentile=95, spacing=spacing) <= expected + 1e-12
    assert hausdorff_distance(a, a, spacing=spacing) == 0.0


def test_cubes_offset_along_the_slice_axis_use_its_spacing():
    a = square((12, 20, 20), (2, 5, 5), 6)
    b = square((12, 20, 20), (4, 5, 5), 6)
    assert hausdorff_distance(a, b, spacing=(2.5, 0.8, 0.8)) == pytest.approx(5.0)  # 2 slices of 2.5 mm


def surface_points(mask, spacing):
    return np.argwhere(surface(mask)) * np.asarray(spacing)


@pytest.mark.parametrize("seed", range(4))
def test_hausdorff_equals_scipy_on_the_surface_point_sets(seed):
    rng = np.random.default_rng(seed)
    shape = (14, 16, 12) if seed % 2 else (40, 36)
    a = rng.random(shape) > 0.7
    b = rng.random(shape) > 0.6
    spacing = rng.uniform(0.5, 3.0, size=len(shape))
    pa, pb = surface_points(a, spacing), surface_points(b, spacing)
    forward = scipy_distance.directed_hausdorff(pa, pb)[0]
    backward = scipy_distance.directed_hausdorff(pb, pa)[0]
    assert hausdorff_distance(a, b, spacing=spacing, directed=True) == pytest.approx(forward, rel=1e-12)
    assert hausdorff_distance(a, b, spacing=spacing) == pytest.approx(max(forward, backward), rel=1e-12)
    # every directed distance: the nearest point of the other surface, by brute force
    nearest = np.sqrt(((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1)).min(axis=1)
    np.testing.assert_allclose(np.sort(surface_distances(a, b, spacing)), np.sort(nearest), rtol=1e-12)
    hd95 = max(np.percentile(nearest, 95), np.percentile(surface_distances(b, a, spacing), 95))
    assert hausdorff_distance(a, b, percentile=95, spacing=spacing) == pytest.approx(hd95, rel=1e-12)
    assert average_surface_distance(a, b, spacing=spacing) == pytest.approx(nearest.mean(), rel=1e-12)


def test_hd95_ignores_a_few_far_voxels_and_the_average_is_symmetric_on_request():
    a = square((60, 60), (10, 10), 30)
    b = a.copy()
    b[55, 55] = True  # one stray voxel, far away
    assert hausdorff_distance(a, b) == pytest.approx(math.hypot(55 - 39, 55 - 39))
    assert hausdorff_distance(a, b, percentile=95) == 0.0
    forward = average_surface_distance(a, b)
    both = average_surface_distance(a, b, symmetric=True)
    assert forward == 0.0 and both > 0  # a's surface lies on b's; the stray voxel counts only from b


def test_empty_masks():
    empty = np.zeros((8, 8))
    full = square((8, 8), (2, 2), 3)
    assert math.isnan(hausdorff_distance(empty, empty))
    assert math.isnan(average_surface_distance(empty, empty))
    assert hausdorff_distance(full, empty) == math.inf and hausdorff_distance(empty, full) == math.inf
    assert average_surface_distance(empty, full, symmetric=True) == math.inf
    assert surface_distances(empty, full).size == 0 and np.isinf(surface_distances(full, empty)).all()


def test_label_maps_per_class_and_tensors():
    labels = np.zeros((20, 20), np.int64)
    labels[2:8, 2:8] = 1
    labels[10:18, 10:18] = 2
    pred = np.roll(labels, 1, axis=1)
    for c in (1, 2):
        assert hausdorff_distance(dn.tensor(pred == c), labels == c) == 1.0


def test_bad_inputs():
    a = square((8, 8), (2, 2), 3)
    with pytest.raises(ValueError, match=r"pred and target must have the same shape, got \(8, 8\) and \(8, 9\)"):
        hausdorff_distance(a, np.zeros((8, 9)))
    with pytest.raises(ValueError, match=r"spacing must be one number or 2 \(one per axis\), got \(1, 1, 1\)"):
        hausdorff_distance(a, a, spacing=(1, 1, 1))
    with pytest.raises(ValueError, match=r"hausdorff_distance: spacing must be a number > 0, got 0.0"):
        hausdorff_distance(a, a, spacing=0)
    with pytest.raises(ValueError, match=r"percentile must be a number in \[0, 100\], got 101"):
        hausdorff_distance(a, a, percentile=101)
    with pytest.raises(ValueError, match=r"pred must be a non-empty mask of numbers"):
        average_surface_distance(np.array(["a"]), a)


def test_label_maps_and_probabilities_are_not_read_as_masks():
    labels = np.zeros((12, 12), np.int64)
    labels[2:5, 2:5], labels[7:10, 7:10] = 1, 2
    with pytest.raises(
        ValueError, match=r"hausdorff_distance: pred must be a binary mask .* got the values 2; .*labels == c"
    ):
        hausdorff_distance(labels, labels > 0)
    probabilities = np.where(labels > 0, 0.9, 0.1)
    with pytest.raises(
        ValueError, match=r"average_surface_distance: target must be a binary mask .* 0\.1, 0\.9; .*p > 0\.5"
    ):
        average_surface_distance(labels == 1, probabilities)
    with pytest.raises(ValueError, match=r"surface_distances: pred must be a binary mask .* got the values nan"):
        surface_distances(np.full((4, 4), np.nan), np.ones((4, 4)))
    assert hausdorff_distance(labels == 1, (labels == 1).astype(np.float32)) == 0.0  # bool and 0/1 floats agree
