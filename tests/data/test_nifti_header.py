"""NIfTI headers that nibabel reads as they are but ``read_image`` must interpret: the spatial unit
(``Image.affine`` is in mm), and files that are not volumes at all."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")

from nibabel.testing import data_path  # noqa: E402

from deltanet.data import ImageReadError, read_image, write_image  # noqa: E402


def test_cifti_file_is_not_a_volume():
    # a .nii that nibabel reads as CIFTI-2 (a connectivity matrix) has no voxel grid to place
    path = os.path.join(data_path, "row_major.dconn.nii")
    with pytest.raises(ImageReadError, match=r"row_major\.dconn\.nii: a CIFTI-2 file .* not a volume"):
        read_image(path)


@pytest.mark.parametrize(("unit", "to_mm"), [("mm", 1.0), ("micron", 1e-3), ("meter", 1e3), ("unknown", 1.0)])
def test_nifti_spatial_units_become_millimetres(tmp_path, unit, to_mm):
    # Image.affine and Image.spacing are in mm; a NIfTI header may give its geometry in microns or
    # metres (xyzt_units), and write_image writes mm, so reading must convert (as ITK does)
    affine = np.array([[0.5, 0, 0, 10.0], [0, 0.25, 0, -4.0], [0, 0, 2.0, 3.0], [0, 0, 0, 1]])
    img = nib.Nifti1Image(np.zeros((4, 5, 6), np.float32), affine)
    img.header.set_xyzt_units(unit if unit != "unknown" else 0)
    nib.save(img, tmp_path / "scan.nii")
    image = read_image(tmp_path / "scan.nii")
    expected = affine.copy()
    expected[:3] *= to_mm
    np.testing.assert_allclose(image.affine, expected, rtol=1e-6)
    assert image.spacing == pytest.approx((0.5 * to_mm, 0.25 * to_mm, 2.0 * to_mm))
    back = nib.load(write_image(tmp_path / "copy.nii", image))  # written in mm: the same geometry
    assert back.header.get_xyzt_units()[0] == "mm"
    np.testing.assert_allclose(back.affine, expected, rtol=1e-6)


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_header_that_declares_more_data_than_the_file_holds(tmp_path, suffix):
    # a few hundred bytes whose header declares 200 MB: refused before nibabel allocates the array
    # (a header declaring 8 GB made nibabel take 7.7 GB of memory before failing)
    header = nib.Nifti1Header()
    header.set_data_dtype(np.int16)
    header.set_data_shape((1000, 1000, 100))
    header["vox_offset"] = 352
    raw = header.binaryblock + b"\x00" * 4 + b"\x00" * 128
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(gzip.compress(raw) if suffix == ".nii.gz" else raw)
    name = f"bomb{suffix}".replace(".", "[.]")
    with pytest.raises(ImageReadError, match=rf"{name}: cannot read it as NIfTI: the header declares .*200000352"):
        read_image(path)


def test_complex_nifti_is_refused_not_cut_to_its_real_part(tmp_path):
    # MR phase/complex data: casting to float32 would silently drop the imaginary part
    values = np.full((4, 5, 6), 3 + 4j, dtype=np.complex64)
    nib.save(nib.Nifti1Image(values, np.eye(4)), tmp_path / "complex.nii")
    with pytest.raises(ImageReadError, match=r"complex\.nii: .*complex64.*magnitude"):
        read_image(tmp_path / "complex.nii")


@pytest.mark.parametrize("fields", ["RGB", "RGBA"])
def test_rgb_nifti_gives_one_channel_per_colour(tmp_path, fields):
    values = np.zeros((4, 5, 6), dtype=[(c, "u1") for c in fields])
    for k, c in enumerate(fields):
        values[c] = 10 * (k + 1)
        values[c][1, 2, 3] = 200 + k
    nib.save(nib.Nifti1Image(values, np.diag([2.0, 2.0, 3.0, 1.0])), tmp_path / "colour.nii")
    image = read_image(tmp_path / "colour.nii")
    assert image.array.shape == (len(fields), 4, 5, 6) and image.array.dtype == np.float32
    for k, c in enumerate(fields):
        np.testing.assert_array_equal(image.array[k], values[c])
    assert image.spacing == (2.0, 2.0, 3.0)


def test_the_sform_wins_over_the_qform_and_the_metadata_says_which_gave_the_affine(tmp_path):
    # nibabel's get_best_affine: the sform when its code is set, else the qform, else pixdim alone
    sform = np.array([[0.5, 0, 0, 10.0], [0, 0.5, 0, -4.0], [0, 0, 2.0, 3.0], [0, 0, 0, 1]])
    qform = np.diag([-1.0, 1.0, 3.0, 1.0])
    img = nib.Nifti1Image(np.zeros((4, 5, 6), np.float32), None)
    img.set_sform(sform, code=2)
    img.set_qform(qform, code=1)
    nib.save(img, tmp_path / "both.nii")
    both = read_image(tmp_path / "both.nii")
    np.testing.assert_allclose(both.affine, sform)
    assert both.metadata["affine_from"] == "sform"
    img.set_sform(None, code=0)
    nib.save(img, tmp_path / "qform.nii")
    only_q = read_image(tmp_path / "qform.nii")
    np.testing.assert_allclose(only_q.affine, qform, atol=1e-6)
    assert only_q.metadata["affine_from"] == "qform"
    img.set_qform(None, code=0)
    nib.save(img, tmp_path / "neither.nii")
    neither = read_image(tmp_path / "neither.nii")
    assert neither.metadata["affine_from"] == "pixdim"  # no orientation known: nibabel's ANALYZE default


def test_a_5d_nifti_with_trailing_ones_is_read(tmp_path):
    # (X, Y, Z, T, 1): the empty 5th axis is dropped, the time points become channels
    data = np.random.default_rng(0).random((4, 5, 6, 3, 1)).astype(np.float32)
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp_path / "t.nii")
    image = read_image(tmp_path / "t.nii")
    np.testing.assert_array_equal(image.array, np.moveaxis(data[..., 0], 3, 0))
    nib.save(nib.Nifti1Image(np.zeros((4, 5, 6, 2, 3), np.float32), np.eye(4)), tmp_path / "tc.nii")
    with pytest.raises(ImageReadError, match=r"2 time points of 3 components"):
        read_image(tmp_path / "tc.nii")
