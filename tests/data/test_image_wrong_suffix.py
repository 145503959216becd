"""A file whose name says one format and whose bytes hold another: ``read_image`` says both (the
suffix it trusted and what the file holds), rather than a reader's confusing complaint."""

from __future__ import annotations

import gzip
import os
import shutil

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")
pytest.importorskip("PIL.Image")

from nibabel.testing import data_path  # noqa: E402
from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import ImageReadError, read_image, write_image  # noqa: E402

CT = get_testdata_file("CT_small.dcm")
ANATOMICAL = os.path.join(data_path, "anatomical.nii")


def sources(tmp_path):
    png = write_image(tmp_path / "source.png", np.arange(12, dtype=np.uint8).reshape(3, 4))
    gz = tmp_path / "source.nii.gz"
    gz.write_bytes(gzip.compress(open(ANATOMICAL, "rb").read()))
    return {"DICOM": CT, "NIfTI": ANATOMICAL, "PNG": png, "gzip": gz}


@pytest.mark.parametrize(
    ("holds", "name"),
    [
        ("DICOM", "scan.png"),
        ("DICOM", "scan.nii"),
        ("DICOM", "scan.nii.gz"),
        ("NIfTI", "scan.dcm"),
        ("NIfTI", "scan.png"),
        ("NIfTI", "scan.nii.gz"),
        ("PNG", "scan.dcm"),
        ("PNG", "scan.nii"),
        ("gzip", "scan.nii"),
        ("gzip", "scan.dcm"),
    ],
)
def test_content_that_contradicts_the_suffix(tmp_path, holds, name):
    shutil.copy(sources(tmp_path)[holds], tmp_path / name)
    suffix = ".nii.gz" if name.endswith(".nii.gz") else os.path.splitext(name)[1]
    with pytest.raises(ImageReadError, match=rf"scan{suffix.replace('.', '[.]')}: .*holds {holds}") as error:
        read_image(tmp_path / name)
    assert f"named {suffix}" in str(error.value)


@pytest.mark.parametrize("holds", ["DICOM", "NIfTI", "PNG", "gzip"])
def test_content_that_agrees_with_the_suffix_is_read(tmp_path, holds):
    names = {"DICOM": "a.dcm", "NIfTI": "a.nii", "PNG": "a.png", "gzip": "a.nii.gz"}
    shutil.copy(sources(tmp_path)[holds], tmp_path / names[holds])
    assert read_image(tmp_path / names[holds]).array.size > 0


def test_dicom_without_preamble_is_still_read_by_its_suffix(tmp_path):
    # no 128-byte preamble and no "DICM": nothing to sniff, so the suffix decides, as before
    path = get_testdata_file("no_meta.dcm")
    with pytest.raises(ImageReadError, match=r"no_meta\.dcm: no pixel data"):
        read_image(path)
    ds = pydicom.dcmread(CT)
    ds.preamble = None
    shutil.copy(CT, tmp_path / "copy.dcm")
    pydicom.dcmwrite(tmp_path / "bare.dcm", ds, enforce_file_format=False)
    np.testing.assert_array_equal(read_image(tmp_path / "bare.dcm").array, read_image(CT).array)
