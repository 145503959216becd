"""ImageOrientationPatient: normalized (real files state norms such as 0.99999), refused when the
vectors are not unit length or not perpendicular, naming the file."""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import ImageReadError, read_image  # noqa: E402

CT = get_testdata_file("CT_small.dcm")  # axial, PixelSpacing 0.661468 mm


def _with_orientation(tmp_path, cosines, name="ct.dcm", z=None):
    ds = pydicom.dcmread(CT)
    ds.ImageOrientationPatient = [f"{v:.6g}" if isinstance(v, float) else v for v in cosines]
    if z is not None:
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
    ds.save_as(tmp_path / name)
    return tmp_path / name


def test_nearly_unit_cosines_give_the_stated_spacing(tmp_path):
    exact = read_image(CT)
    path = _with_orientation(tmp_path, [0.99999, 0.0, 0.0, 0.0, 0.99998, 0.0])
    image = read_image(path)
    np.testing.assert_allclose(image.spacing, exact.spacing, rtol=1e-12)
    np.testing.assert_allclose(image.affine, exact.affine, rtol=1e-12, atol=1e-12)
    directions = image.affine[:3, :3] / np.linalg.norm(image.affine[:3, :3], axis=0)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=0), 1.0, rtol=1e-15)


def test_oblique_rounded_cosines_series(tmp_path):
    # a 30-degree oblique, its cosines rounded to 5 digits as scanners write them
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    cosines = [round(c, 5), round(s, 5), 0.0, round(-s, 5), round(c, 5), 0.0]
    for k in range(3):
        _with_orientation(tmp_path, cosines, f"s{k}.dcm", z=2.5 * k)
    image = read_image(tmp_path)
    pixel = float(pydicom.dcmread(CT).PixelSpacing[0])
    np.testing.assert_allclose(image.spacing, (2.5, pixel, pixel), rtol=1e-12)


def test_not_perpendicular_refused(tmp_path):
    path = _with_orientation(tmp_path, [1.0, 0.0, 0.0, 0.05, 0.99875, 0.0])
    with pytest.raises(ImageReadError, match=r"ct\.dcm: the row and column directions .* not perpendicular \(87.1"):
        read_image(path)


def test_not_unit_refused(tmp_path):
    path = _with_orientation(tmp_path, [0.5, 0.0, 0.0, 0.0, 1.0, 0.0])
    with pytest.raises(ImageReadError, match=r"ct\.dcm: ImageOrientationPatient .* lengths are 0.5 and 1"):
        read_image(path)


def test_real_files_read_as_unit_vectors():
    for name in ("CT_small.dcm", "MR_small.dcm"):
        image = read_image(get_testdata_file(name))
        ds = pydicom.dcmread(get_testdata_file(name))
        np.testing.assert_allclose(image.spacing[:2], [float(v) for v in ds.PixelSpacing], rtol=1e-12)
