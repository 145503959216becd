"""read_image -> write_image -> read_image of NIfTI files keeps what nibabel reads: the shape of a
2-D image, the affine, the sform/qform codes, the time unit and the time points' spacing."""

from __future__ import annotations

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")

from deltanet.data import read_image, write_image  # noqa: E402

AFFINE = np.array([[0.9, 0.1, 0, -10], [-0.1, 0.9, 0, 20], [0, 0, 2.5, -30], [0, 0, 0, 1]])


def _save(path, data, affine=AFFINE, sform=1, qform=1, units=None, zooms=None):
    img = nib.Nifti1Image(data, affine)
    img.set_sform(affine, code=sform)
    img.set_qform(affine, code=qform)
    if units is not None:
        img.header.set_xyzt_units(*units)
    if zooms is not None:
        img.header.set_zooms(zooms)
    nib.save(img, str(path))
    return path


def test_2d_image_stays_2d(tmp_path):
    data = np.arange(20, dtype=np.int16).reshape(4, 5)
    image = read_image(_save(tmp_path / "a.nii", data, affine=np.diag([0.5, 0.7, 1.0, 1.0])))
    assert image.array.shape == (1, 4, 5)
    back = nib.load(write_image(tmp_path / "b.nii", image))
    assert back.shape == (4, 5)  # not a volume (1, 4, 5): the channel axis taken for a spatial one
    np.testing.assert_array_equal(back.get_fdata(), data)
    np.testing.assert_allclose(back.affine, np.diag([0.5, 0.7, 1.0, 1.0]))
    again = read_image(tmp_path / "b.nii")
    assert again.array.shape == (1, 4, 5) and again.spacing[:2] == pytest.approx((0.5, 0.7))


def test_png_image_written_as_2d_nifti(tmp_path):
    write_image(tmp_path / "p.png", np.arange(12, dtype=np.uint8).reshape(3, 4))
    assert nib.load(write_image(tmp_path / "p.nii", read_image(tmp_path / "p.png"))).shape == (3, 4)


@pytest.mark.parametrize(("sform", "qform"), [(2, 0), (4, 1), (3, 2)])
def test_codes_of_the_image_written_are_kept(tmp_path, sform, qform):
    data = np.zeros((3, 4, 5), np.int16)
    image = read_image(_save(tmp_path / "a.nii.gz", data, sform=sform, qform=qform))
    back = nib.load(write_image(tmp_path / "b.nii.gz", image))
    assert int(back.header["sform_code"]) == sform
    assert int(back.header["qform_code"]) == (qform or 1)  # a qform is always written where it fits
    np.testing.assert_allclose(back.affine, nib.load(tmp_path / "a.nii.gz").affine, atol=1e-5)


def test_time_unit_and_repetition_time_kept(tmp_path):
    data = np.random.default_rng(0).random((3, 4, 5, 6)).astype(np.float32)
    path = _save(tmp_path / "bold.nii.gz", data, units=("mm", "msec"), zooms=(0.9055, 0.9055, 2.5, 2000.0))
    image = read_image(path)
    assert image.array.shape == (6, 3, 4, 5)
    back = nib.load(write_image(tmp_path / "b.nii.gz", image))
    assert back.header.get_xyzt_units() == ("mm", "msec")
    assert back.header.get_zooms()[3] == 2000.0
    np.testing.assert_array_equal(back.get_fdata(), data)
    # a prediction of other channels written like the scan: no time spacing to keep
    other = nib.load(write_image(tmp_path / "p.nii.gz", np.zeros((2, 3, 4, 5), np.float32), like=image))
    assert other.header.get_zooms()[3] == 1.0


def test_microns_become_mm(tmp_path):
    path = _save(tmp_path / "m.nii", np.zeros((3, 4, 5), np.uint8), units=("micron", "sec"))
    image = read_image(path)
    back = nib.load(write_image(tmp_path / "b.nii", image))
    assert back.header.get_xyzt_units() == ("mm", "sec")
    np.testing.assert_allclose(back.affine[:3], nib.load(path).affine[:3] / 1000, atol=1e-7)


def test_nan_kept_in_nifti_refused_in_pictures(tmp_path):
    from nibabel.testing import data_path

    path = f"{data_path}/resampled_anat_moved.nii"  # nibabel's own resampled scan: NaN outside the field of view
    image = read_image(path)
    assert np.isnan(image.array).any()
    back = read_image(write_image(tmp_path / "r.nii.gz", image))
    np.testing.assert_array_equal(back.array, image.array)  # NaN where NaN was
    with pytest.raises(ValueError, match="the image contains NaN, which a PNG cannot hold"):
        write_image(tmp_path / "r.png", np.array([[0.5, np.nan]]))
    with pytest.raises(ValueError, match="the image contains infinity"):
        write_image(tmp_path / "i.nii", np.array([[[1.0, np.inf]]]))


@pytest.mark.parametrize("stored", [np.uint8, np.int16, np.uint16])
def test_whole_numbers_go_back_to_the_stored_integer_type(tmp_path, stored):
    data = (np.arange(60).reshape(3, 4, 5) % 7).astype(stored)
    image = read_image(_save(tmp_path / "a.nii.gz", data))
    assert image.array.dtype == np.float32 and image.metadata["stored_dtype"] == np.dtype(stored).name
    back = nib.load(write_image(tmp_path / "b.nii.gz", image))
    assert back.get_data_dtype() == stored
    np.testing.assert_array_equal(np.asanyarray(back.dataobj), data)
    # a prediction written like the scan: whole numbers in the scan's type, fractions as float32
    assert nib.load(write_image(tmp_path / "c.nii.gz", image.array * 0 + 1, like=image)).get_data_dtype() == stored
    assert nib.load(write_image(tmp_path / "d.nii.gz", image.array * 0.5, like=image)).get_data_dtype() == np.float32


def test_whole_numbers_the_stored_type_cannot_hold_stay_float(tmp_path):
    image = read_image(_save(tmp_path / "a.nii", np.zeros((2, 3, 4), np.uint8)))
    back = nib.load(write_image(tmp_path / "b.nii", image.array - 1, like=image))  # -1 is not a uint8
    assert back.get_data_dtype() == np.float32 and back.get_fdata().min() == -1
