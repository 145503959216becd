"""transforms.Spacing: the new spacing is exactly pixdim, the shape round(n * spacing / pixdim),
the new grid centred on the old one, and the affine says where every new voxel lies: a linear
ramp of world coordinates, resampled linearly, equals the world coordinates the new affine gives."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")

from deltanet.data import Image  # noqa: E402
from deltanet.data import transforms as T  # noqa: E402


def world_ramp(shape, affine, axis):
    """An image whose voxel values are their own world coordinate ``axis`` (mm)."""
    index = np.indices(shape).reshape(len(shape), -1)
    index = np.vstack([index, np.zeros((3 - len(shape), index.shape[1])), np.ones((1, index.shape[1]))])
    return (affine @ index)[axis].reshape(shape)[np.newaxis]


@pytest.mark.parametrize(
    ("shape", "spacing", "pixdim"),
    [((10, 10, 4), (1.0, 1.0, 1.0), 3.0), ((12, 7, 5), (0.8, 1.1, 3.0), (2.0, 0.5, 1.25)), ((9, 6), (1.0, 2.5), 1.7)],
)
def test_the_spacing_is_pixdim_and_the_affine_places_every_voxel(shape, spacing, pixdim):
    n = len(shape)
    affine = np.eye(4)
    affine[:n, :n] = np.diag(spacing)
    affine[:3, 3] = (10.0, -20.0, 5.0)
    want = np.broadcast_to(np.asarray(pixdim, dtype=float), (n,))
    for axis in range(n):
        scan = Image(world_ramp(shape, affine, axis), affine=affine)
        out = T.Spacing(pixdim=pixdim)(scan)
        assert out.spacing == pytest.approx(tuple(want), rel=1e-12)  # exactly what was asked for
        assert out.spatial_shape == tuple(int(v) for v in np.maximum(1, np.round(np.array(shape) * spacing / want)))
        expected = world_ramp(out.spatial_shape, out.affine, axis)
        inside = tuple(slice(1, -1) if m > 2 else slice(None) for m in out.spatial_shape)  # the border is clamped
        np.testing.assert_allclose(out.array[(0, *inside)], expected[(0, *inside)], atol=1e-9)


def test_the_new_grid_is_centred_on_the_old_one():
    affine = np.diag([1.0, 1.0, 1.0, 1.0])
    scan = Image(np.zeros((1, 10, 7, 4)), affine=affine)
    out = T.Spacing(pixdim=3.0)(scan)
    centre = lambda image: image.affine @ np.append((np.array(image.spatial_shape) - 1) / 2, 1)  # noqa: E731
    np.testing.assert_allclose(centre(out), centre(scan), atol=1e-12)


def test_an_array_with_spacing_gets_the_image_path_result():
    rng = np.random.default_rng(0)
    image = rng.random((2, 10, 7, 5))
    label = rng.integers(0, 4, (10, 7, 5))
    scan = Image(image, affine=np.diag([0.9, 1.2, 2.5, 1.0]))
    via_image, via_label = T.Spacing(pixdim=(2.0, 2.0, 1.0))(scan, label)
    plain, plain_label = T.Spacing(pixdim=(2.0, 2.0, 1.0))(image, label, spacing=(0.9, 1.2, 2.5))
    np.testing.assert_array_equal(plain, via_image.array)
    np.testing.assert_array_equal(plain_label, via_label)
    assert set(np.unique(plain_label)) <= set(np.unique(label)) and plain_label.dtype == label.dtype


def test_order_0_for_the_label_takes_the_nearest_voxel():
    label = np.arange(6).reshape(6, 1) * np.ones((1, 4), np.int64)
    image = label[np.newaxis].astype(np.float32)
    out, out_label = T.Spacing(pixdim=(2.0, 1.0), mode="nearest")(image, label, spacing=1.0)
    # new voxel j lies at old index 0.5 + 2 j, halfway: the nearest voxel is either neighbour, always a label
    assert out_label.shape == (3, 4) and set(out_label[:, 0]) <= set(range(6))
    np.testing.assert_array_equal(out[0], out_label)
    up, up_label = T.Spacing(pixdim=(0.5, 1.0))(image, label, spacing=1.0)
    np.testing.assert_array_equal(up_label[:, 0], np.repeat(np.arange(6), 2))  # each old voxel twice
