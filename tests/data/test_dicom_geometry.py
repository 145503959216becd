"""DICOM series whose slices are not stacked straight along their normal: a gantry tilt (the
positions advance along the table, the planes are tilted) is kept exactly, as a sheared affine,
and said in the metadata; a slice off the line through the others is refused."""

from __future__ import annotations

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import ImageReadError, read_image, write_image  # noqa: E402
from deltanet.data.image import LPS_TO_RAS  # noqa: E402

CT = get_testdata_file("CT_small.dcm")


def write_series(folder, positions, orientation=None):
    folder.mkdir()
    for k, position in enumerate(positions):
        ds = pydicom.dcmread(CT)
        ds.ImagePositionPatient = [float(v) for v in position]
        if orientation is not None:
            ds.ImageOrientationPatient = [float(v) for v in orientation]
        ds.save_as(folder / f"IM{(7 * k) % len(positions):03d}.dcm")  # names out of order
    return folder


def tilted(degrees, n=5, gap=2.5):
    """A CT series with a gantry tilt: the planes turned about x, the positions 2.5 mm apart along z."""
    t = np.deg2rad(degrees)
    row, column = np.array([1.0, 0.0, 0.0]), np.array([0.0, np.cos(t), -np.sin(t)])
    positions = [np.array([-100.0, -120.0, 30.0]) + k * np.array([0.0, 0.0, gap]) for k in range(n)]
    return positions, np.concatenate([row, column])


def test_a_gantry_tilt_is_kept_as_a_sheared_affine_and_reported(tmp_path):
    positions, orientation = tilted(20)
    image = read_image(write_series(tmp_path / "ct", positions, orientation))
    for k in range(5):  # voxel (k, 0, 0) is where slice k's first pixel is
        np.testing.assert_allclose((image.affine @ [k, 0, 0, 1])[:3], (LPS_TO_RAS[:3, :3] @ positions[k]), atol=1e-6)
    assert image.metadata["slice_tilt_degrees"] == pytest.approx(20.0, abs=1e-4)
    straight = read_image(write_series(tmp_path / "straight", *tilted(0)))
    assert straight.metadata["slice_tilt_degrees"] == pytest.approx(0.0, abs=1e-6)


def test_a_sheared_affine_is_written_to_the_sform_only(tmp_path):
    """NIfTI's qform is a rotation: it cannot hold a shear. Written anyway (qform_code 1), nibabel
    stores a rotation near it and a reader that takes the qform places the slices up to millimetres off."""
    image = read_image(write_series(tmp_path / "ct", *tilted(20)))
    path = write_image(tmp_path / "ct.nii.gz", image)
    header = nib.load(path).header
    assert int(header["sform_code"]) > 0 and int(header["qform_code"]) == 0
    np.testing.assert_allclose(read_image(path).affine, image.affine, atol=1e-4)
    straight = read_image(write_series(tmp_path / "straight", *tilted(0)))
    header = nib.load(write_image(tmp_path / "straight.nii.gz", straight)).header
    assert int(header["sform_code"]) > 0 and int(header["qform_code"]) > 0  # a rotation: both


def test_a_slice_off_the_line_through_the_others_is_refused(tmp_path):
    positions, orientation = tilted(0)
    positions[2] = positions[2] + np.array([5.0, 0.0, 0.0])  # shifted 5 mm in its own plane
    with pytest.raises(ImageReadError, match=r"5 mm off the line"):
        read_image(write_series(tmp_path / "ct", positions, orientation))
