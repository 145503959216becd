"""ImageFolder's dtype: read_image's rule (float32 by default, float64 on request, never a whole number
beyond float32's 2**24 silently rounded)."""

from __future__ import annotations

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")

from deltanet.data import ImageFolder, ImageReadError  # noqa: E402

BIG = 2**24 + 1  # the first integer float32 rounds


def _root(tmp_path, values):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        data = np.full((2, 3, 4), values, dtype=np.int32)
        nib.save(nib.Nifti1Image(data, np.eye(4), dtype=np.int32), str(tmp_path / name / "x.nii"))
    return tmp_path


def test_default_float32_refuses_what_it_would_round(tmp_path):
    ds = ImageFolder(_root(tmp_path, BIG))
    assert ds.dtype == np.float32
    with pytest.raises(ImageReadError, match="16777217"):
        ds[0]


def test_float64_reads_exactly(tmp_path):
    ds = ImageFolder(_root(tmp_path, BIG), dtype=np.float64)
    image, target = ds[1]
    assert image.dtype == np.float64 and image.shape == (1, 2, 3, 4) and int(target) == 1
    assert image.ravel()[0] == BIG
    assert ds[0:2][0].dtype == np.float64


def test_small_values_float32(tmp_path):
    image, _ = ImageFolder(_root(tmp_path, 7))[0]
    assert image.dtype == np.float32 and float(image.ravel()[0]) == 7.0


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "uint8"])
def test_other_dtypes_refused(tmp_path, dtype):
    with pytest.raises(ValueError, match="ImageFolder: dtype must be numpy.float32 or numpy.float64"):
        ImageFolder(_root(tmp_path, 7), dtype=dtype)


def test_segmentation_folder_dtype(tmp_path):
    from deltanet.data import SegmentationFolder

    for sub in ("images", "labels"):
        (tmp_path / sub).mkdir()
    data = np.full((2, 3, 4), BIG, dtype=np.int32)
    nib.save(nib.Nifti1Image(data, np.eye(4), dtype=np.int32), str(tmp_path / "images" / "c.nii"))
    nib.save(nib.Nifti1Image(np.ones((2, 3, 4), np.uint8), np.eye(4)), str(tmp_path / "labels" / "c.nii"))
    with pytest.raises(ImageReadError, match="16777217"):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels")[0]
    image, label = SegmentationFolder(tmp_path / "images", tmp_path / "labels", dtype=np.float64)[0]
    assert image.dtype == np.float64 and image.ravel()[0] == BIG and label.dtype == np.int64
    with pytest.raises(ValueError, match="SegmentationFolder: dtype must be"):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels", dtype=np.int32)
