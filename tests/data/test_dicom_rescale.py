"""The modality LUT when a file states RescaleSlope without RescaleIntercept (or the reverse): the
other takes its identity value, as MONAI's PydicomReader does (pydicom's apply_modality_lut
ignores a lone tag, and the values came out unscaled)."""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.pixels import apply_modality_lut  # noqa: E402

from deltanet.data import read_image  # noqa: E402


def _ct(tmp_path, drop, **tags):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    delattr(ds, drop)
    path = tmp_path / "ct.dcm"
    ds.save_as(path)
    return ds, read_image(path, dtype=np.float64).array[0]


def test_a_lone_slope_is_applied_with_intercept_0(tmp_path):
    ds, values = _ct(tmp_path, "RescaleIntercept", RescaleSlope=2.5)
    np.testing.assert_array_equal(values, ds.pixel_array * 2.5)
    assert np.array_equal(apply_modality_lut(ds.pixel_array, ds), ds.pixel_array)  # pydicom: unscaled


def test_a_lone_intercept_is_applied_with_slope_1(tmp_path):
    ds, values = _ct(tmp_path, "RescaleSlope", RescaleIntercept=-1024)
    np.testing.assert_array_equal(values, ds.pixel_array - 1024.0)


def test_both_are_pydicoms_arithmetic():
    path = get_testdata_file("CT_small.dcm")
    ds = pydicom.dcmread(path)
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array[0], apply_modality_lut(ds.pixel_array, ds))
