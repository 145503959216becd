"""DICOM padding pixels (PixelPaddingValue, PixelPaddingRangeLimit; PS3.3 C.7.5.1.1.2): kept as
stored by default (pydicom's, highdicom's, MONAI's way) with a warning, or set to ``padding=``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import read_image  # noqa: E402
from deltanet.data.transforms import NormalizeIntensity  # noqa: E402

CT = get_testdata_file("CT_small.dcm")  # PixelPaddingValue -2000 (SS), intercept -1024, no padding pixels


def _padded(tmp_path, name="ct.dcm", limit=None, z=None):
    ds = pydicom.dcmread(CT)
    raw = ds.pixel_array.copy()
    raw[:10, :] = -2000
    raw[-5:, :3] = -2010
    if limit is not None:
        ds.add_new("PixelPaddingRangeLimit", "SS", limit)
    if z is not None:
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.PixelData = raw.tobytes()
    ds.save_as(tmp_path / name)
    return tmp_path / name, raw


def test_keep_matches_pydicom_and_warns(tmp_path):
    path, raw = _padded(tmp_path)
    with pytest.warns(UserWarning, match="1280 pixels are padding"):
        image = read_image(path)
    ds = pydicom.dcmread(path)
    expected = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    np.testing.assert_array_equal(image.array[0], expected.astype(np.float32))
    assert image.metadata["PixelPaddingValue"] == -2000 and image.metadata["padding_pixels"] == 1280


def test_padding_value_replaces_only_padding(tmp_path):
    path, raw = _padded(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = read_image(path, padding=-1024)
    expected = raw.astype(np.float64) - 1024
    expected[raw == -2000] = -1024
    np.testing.assert_array_equal(image.array[0], expected)
    assert image.array[0, -1, 0] == -2010 - 1024  # not the padding value: tissue as far as the file says


def test_range_limit(tmp_path):
    path, raw = _padded(tmp_path, limit=-2010)
    image = read_image(path, padding=0.0)
    padded = (raw >= -2010) & (raw <= -2000)
    assert image.metadata["padding_pixels"] == int(padded.sum()) == 1295
    assert np.all(image.array[0][padded] == 0) and np.all(image.array[0][~padded] == raw[~padded] - 1024)


def test_normalisation_leaves_padding_out(tmp_path):
    path, raw = _padded(tmp_path)
    image = read_image(path, padding=0)
    out = NormalizeIntensity(nonzero=True)(image.array)
    values = np.where(raw == -2000, 0.0, raw - 1024.0)
    chosen = values != 0  # the padding, and tissue at exactly 0 HU
    tissue = values[chosen]
    np.testing.assert_allclose(out[0][chosen], (tissue - tissue.mean()) / tissue.std(), rtol=1e-5, atol=1e-5)
    assert np.all(out[0][raw == -2000] == 0)


def test_series_counts_every_slice(tmp_path):
    _padded(tmp_path, "a.dcm", z=0.0)
    _padded(tmp_path, "b.dcm", z=5.0)
    with pytest.warns(UserWarning, match="2560 pixels are padding"):
        image = read_image(tmp_path)
    assert image.array.shape == (1, 2, 128, 128) and image.metadata["padding_pixels"] == 2560
    assert np.all(read_image(tmp_path, padding=-1024).array[:, :, :10] == -1024)


def test_no_padding_pixels_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = read_image(CT)
    assert image.metadata["padding_pixels"] == 0


@pytest.mark.parametrize("bad", ["nan", float("nan"), None, True, "zero"])
def test_bad_padding_refused(bad):
    with pytest.raises(ValueError, match="padding must be 'keep'"):
        read_image(CT, padding=bad)


def test_real_scan_with_padding():
    path = get_testdata_file("693_J2KI.dcm")  # a JPEG 2000 CT whose corners are padding
    ds = pydicom.dcmread(path)
    try:
        raw = ds.pixel_array
    except Exception as error:  # no JPEG 2000 decoder here
        pytest.skip(f"pydicom cannot decode {path}: {error}")
    # lossy JPEG 2000 (LossyImageCompression 01) blurred the padding: 494 pixels hold -2000 exactly, tens of
    # thousands lie near it
    assert int((raw == -2000).sum()) == 494 and int((raw < -1500).sum()) > 50000
    with pytest.warns(UserWarning, match="compressed lossily.*494 pixels hold PixelPaddingValue -2000") as caught:
        kept = read_image(path)
    assert caught[0].filename == __file__  # the warning points at the caller
    assert kept.metadata["padding_pixels"] == 494
    with pytest.warns(UserWarning, match="compressed lossily"):
        air = read_image(path, padding=-1024.0).array[0]
    np.testing.assert_array_equal(air[raw == -2000], -1024.0)
    np.testing.assert_array_equal(air[raw != -2000], kept.array[0][raw != -2000])


@pytest.mark.parametrize(("stored_as", "value"), [("US", 63536), ("SS", -2000)])
def test_padding_value_of_the_other_sign(tmp_path, stored_as, value):
    # signed pixels with PixelPaddingValue written as US 63536 (the bits of -2000), and unsigned pixels
    # with it written as SS -2000 (the bits of 63536): the value is taken in the pixels' type
    ds = pydicom.dcmread(CT)
    raw = ds.pixel_array.copy()
    raw[:4] = -2000
    if stored_as == "SS":
        ds.PixelRepresentation = 0
    ds.PixelData = raw.tobytes()
    del ds["PixelPaddingValue"]
    ds.add_new("PixelPaddingValue", stored_as, value)
    ds.save_as(tmp_path / "p.dcm")
    image = read_image(tmp_path / "p.dcm", padding=0)
    assert image.metadata["padding_pixels"] == 4 * 128
    assert np.all(image.array[0, :4] == 0)
