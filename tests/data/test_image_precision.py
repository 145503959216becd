"""read_image's dtype: float32 by default, float64 on request, and never a whole number silently
rounded (float32 holds the integers up to 2**24 exactly, float64 up to 2**53)."""

from __future__ import annotations

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")
PILImage = pytest.importorskip("PIL.Image")

from nibabel.testing import data_path  # noqa: E402
from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import ImageReadError, read_image, write_image  # noqa: E402

BIG = 2**24 + 1  # the first integer float32 rounds: it becomes 2**24


def _nifti(tmp_path, data, name="scan.nii", slope=None):
    img = nib.Nifti1Image(data, np.eye(4), dtype=data.dtype)
    if slope is not None:
        img.header.set_slope_inter(slope, 0.0)
    path = tmp_path / name
    nib.save(img, str(path))
    return path


def test_default_is_float32_and_float64_reads_exactly():
    path = f"{data_path}/anatomical.nii"
    expected = nib.load(path).get_fdata()
    assert read_image(path).array.dtype == np.float32
    wide = read_image(path, dtype=np.float64)
    assert wide.array.dtype == np.float64
    np.testing.assert_array_equal(wide.array[0], expected)
    assert read_image(path, dtype="float64").array.dtype == np.float64


@pytest.mark.parametrize("stored", [np.int32, np.uint32, np.int64, np.float64])
def test_nifti_whole_numbers_beyond_float32_raise_and_read_as_float64(tmp_path, stored):
    data = (np.arange(8).reshape(2, 2, 2) + BIG).astype(stored)
    path = _nifti(tmp_path, data)
    with pytest.raises(ImageReadError, match=r"16777217 would become 16777216.*dtype=np.float64"):
        read_image(path)
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array[0], data)


def test_values_float32_holds_exactly_are_read(tmp_path):
    exact = np.array([0, 2**24, 2**25, -(2**24), 2**30], dtype=np.int32).reshape(1, 1, 5)
    np.testing.assert_array_equal(read_image(_nifti(tmp_path, exact)).array[0], exact)
    fractions = np.full((2, 2, 2), 1e9 + 0.5)  # not whole: rounded as any float32 is
    assert read_image(_nifti(tmp_path, fractions, "fractions.nii")).array.dtype == np.float32


def test_nifti_slope_is_applied_in_float64(tmp_path):
    data = np.arange(8, dtype=np.int16).reshape(2, 2, 2) + 1000
    path = _nifti(tmp_path, data, slope=20001.0)
    with pytest.raises(ImageReadError, match="would become"):
        read_image(path)
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array[0], data.astype(np.float64) * 20001.0)


def test_int64_beyond_float64_raises_even_as_float64(tmp_path):
    path = _nifti(tmp_path, np.full((1, 1, 2), 2**53 + 1, dtype=np.int64))
    with pytest.raises(ImageReadError, match="float64 cannot hold exactly"):
        read_image(path, dtype=np.float64)


def test_dicom_large_rescale_slope(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.RescaleSlope, ds.RescaleIntercept = 100001, 0
    path = tmp_path / "ct.dcm"
    ds.save_as(path)
    with pytest.raises(ImageReadError, match=r"ct\.dcm: the values include whole numbers that float32"):
        read_image(path)
    expected = ds.pixel_array.astype(np.float64) * 100001
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array[0], expected)


def test_dicom_series_slices_with_a_large_slope(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.RescaleSlope, ds.RescaleIntercept = 100001, 0
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    for k in range(3):
        ds.ImagePositionPatient = [x, y, z + 5.0 * k]
        ds.save_as(tmp_path / f"slice{k}.dcm")
    with pytest.raises(ImageReadError, match=r"slice\d\.dcm: the values include whole numbers"):
        read_image(tmp_path)
    volume = read_image(tmp_path, dtype=np.float64)
    assert volume.array.dtype == np.float64 and volume.array.shape[:2] == (1, 3)
    np.testing.assert_array_equal(volume.array[0, 0], ds.pixel_array.astype(np.float64) * 100001)


def test_int32_tiff(tmp_path):
    values = np.array([[0, BIG], [7, 2**31 - 1]], dtype=np.int32)
    path = tmp_path / "counts.tif"
    PILImage.fromarray(values).save(path)
    with pytest.raises(ImageReadError, match="would become"):
        read_image(path)
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array[0], values)


def test_write_keeps_float64_whole_numbers(tmp_path):
    data = np.arange(8).reshape(1, 2, 2, 2) + float(BIG)
    path = write_image(tmp_path / "ids.nii.gz", data)
    assert nib.load(str(path)).get_data_dtype() == np.float64
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array, data)
    small = write_image(tmp_path / "small.nii.gz", np.ones((1, 2, 2, 2)))
    assert nib.load(str(small)).get_data_dtype() == np.float32  # as before: floats as float32


@pytest.mark.parametrize("dtype", [np.int32, np.float16, "complex64", "image"])
def test_other_dtypes_are_refused(dtype):
    with pytest.raises(ValueError, match="dtype must be numpy.float32 or numpy.float64"):
        read_image(f"{data_path}/anatomical.nii", dtype=dtype)


def test_float64_beyond_float32s_range_raises(tmp_path):
    path = _nifti(tmp_path, np.array([1e300, 1.5, np.nan, np.inf]).reshape(1, 2, 2))
    with pytest.raises(ImageReadError, match=r"1e\+300 would become inf"):
        read_image(path)
    back = read_image(path, dtype=np.float64).array[0]
    np.testing.assert_array_equal(back, np.array([1e300, 1.5, np.nan, np.inf]).reshape(1, 2, 2))


def test_label_maps_are_read_exactly(tmp_path):
    from deltanet.data import SegmentationFolder

    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    label = np.zeros((4, 4, 2), dtype=np.int32)
    label[1, 1, 0] = BIG  # a class index float32 would round to 2**24
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 2), np.float32), np.eye(4)), str(tmp_path / "images" / "a.nii.gz"))
    nib.save(nib.Nifti1Image(label, np.eye(4)), str(tmp_path / "labels" / "a.nii.gz"))
    _, read = SegmentationFolder(tmp_path / "images", tmp_path / "labels")[0]
    assert read.dtype == np.int64 and int(read.max()) == BIG
