"""transforms.Orientation: an exact permutation and flip of the voxels (and of the label, alike),
each voxel keeping its place in the patient; the same arrays and affines as nibabel's
``as_reoriented`` on nibabel's and pydicom's scans and on flipped, permuted and oblique affines."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from deltanet.data import Image, read_image
from deltanet.data import transforms as T
from deltanet.data.orientation import axcodes, axis_directions

ALL_CODES = [
    "".join(letters)
    for perm in itertools.permutations([("L", "R"), ("P", "A"), ("I", "S")])
    for letters in itertools.product(*perm)
]  # the 48 orientations of three axes


def affines():
    """Axis-aligned, flipped, permuted and oblique affines with unequal spacings and an origin."""
    rng = np.random.default_rng(0)
    found = []
    for k in range(12):
        P = np.eye(3)[rng.permutation(3)] * rng.choice([-1.0, 1.0], size=3)[:, None]
        R = T.rotation_matrix(rng.uniform(-0.4, 0.4, 3)) if k >= 6 else np.eye(3)  # oblique, < 45 degrees
        A = np.eye(4)
        A[:3, :3] = R @ P @ np.diag([0.7, 1.3, 2.5])
        A[:3, 3] = rng.uniform(-100, 100, 3)
        found.append(A)
    return found


def world_of_every_voxel(image):
    """(world position rounded to 1e-6 mm, value) of every voxel, sorted: what reorienting must keep."""
    shape = image.spatial_shape
    index = np.indices(shape).reshape(len(shape), -1)
    index = np.vstack([index, np.zeros((3 - len(shape), index.shape[1])), np.ones((1, index.shape[1]))])
    world = np.round((image.affine @ index)[:3].T, 6)
    values = image.array.reshape(image.num_channels, -1).T
    rows = np.hstack([world, values])
    return rows[np.lexsort(rows.T[::-1])]


@pytest.mark.parametrize("k", range(12))
def test_reorienting_moves_voxels_without_changing_any(k):
    rng = np.random.default_rng(k)
    image = Image(rng.standard_normal((2, 3, 4, 5)).astype(np.float32), affine=affines()[k])
    label = rng.integers(0, 3, (3, 4, 5))
    before = world_of_every_voxel(image)
    for codes in ("RAS", "LPS", "PIR", "SAL"):
        out, out_label = T.Orientation(codes)(image, label)
        assert out.axcodes == codes and out.array.dtype == np.float32
        np.testing.assert_array_equal(world_of_every_voxel(out), before)  # bit for bit, no interpolation
        # the label went exactly where the image went
        moved = T.Orientation(codes)(Image(label[None].astype(np.float32), affine=image.affine))
        np.testing.assert_array_equal(out_label, moved.array[0])
        assert out_label.dtype == label.dtype
        np.testing.assert_allclose(sorted(out.spacing), sorted(image.spacing))


def test_reorienting_back_gives_the_input():
    image = Image(np.arange(60.0).reshape(1, 3, 4, 5), affine=affines()[7])
    codes = image.axcodes
    for other in ALL_CODES:
        there = T.Orientation(other)(image)
        back = T.Orientation(codes)(there)
        np.testing.assert_array_equal(back.array, image.array)
        np.testing.assert_allclose(back.affine, image.affine, atol=1e-12)


def test_arrays_dicts_and_2d_images():
    affine = np.diag([-1.0, 2.0, 3.0, 1.0])
    image = np.arange(24.0).reshape(1, 2, 3, 4)
    label = np.arange(24).reshape(2, 3, 4) % 3
    out, out_label = T.Orientation("RAS")(image, label, affine=affine)
    np.testing.assert_array_equal(out, image[:, ::-1])
    np.testing.assert_array_equal(out_label, label[::-1])
    sample = T.Orientation("ASR")({"image": image, "label": label, "affine": affine, "name": "case01"})
    np.testing.assert_array_equal(sample["image"], np.transpose(image, (0, 2, 3, 1))[:, :, :, ::-1])
    assert sample["name"] == "case01" and axcodes(sample["affine"]) == "ASR"
    picture = Image(np.arange(6.0).reshape(1, 2, 3))  # a 2-D picture: the identity affine, "RA"
    assert picture.axcodes == "RA"
    turned = T.Orientation("AL")(picture)
    np.testing.assert_array_equal(turned.array[0], np.arange(6.0).reshape(2, 3).T[:, ::-1])
    assert turned.axcodes == "AL"


def test_bad_axcodes_and_missing_affine_are_refused():
    image = Image(np.zeros((1, 2, 3, 4), np.float32))
    for codes, message in (("RA", "3 letters"), ("RAX", "3 letters"), ("RRS", "twice"), ("RLS", "twice")):
        with pytest.raises(ValueError, match=message):
            T.Orientation(codes)(image)
    with pytest.raises(ValueError, match="another plane"):
        T.Orientation("RS")(Image(np.zeros((1, 2, 3), np.float32)))
    with pytest.raises(ValueError, match="affine="):
        T.Orientation("RAS")(np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="no direction"):
        T.Orientation("RAS")(np.zeros((1, 2, 3, 4)), affine=np.diag([1.0, 0.0, 1.0, 1.0]))


# -- against nibabel -------------------------------------------------------------------------------------------
def nibabel_reoriented(nib, image, codes):
    """nibabel's answer: ``as_reoriented`` of the same voxels and affine (channels last for nibabel)."""
    from nibabel.orientations import axcodes2ornt, io_orientation, ornt_transform

    img = nib.Nifti1Image(np.moveaxis(image.array, 0, -1), image.affine)
    ornt = ornt_transform(io_orientation(image.affine), axcodes2ornt(codes))
    out = img.as_reoriented(ornt)
    return np.moveaxis(np.asarray(out.dataobj), -1, 0), out.affine


def scans():
    nib = pytest.importorskip("nibabel")
    from nibabel.testing import data_path

    found = [read_image(os.path.join(data_path, name)) for name in ("anatomical.nii", "example4d.nii.gz")]
    found += [read_image(os.path.join(data_path, name)) for name in ("functional.nii", "standard.nii.gz")]
    try:
        from pydicom.data import get_testdata_file
    except ImportError:
        return nib, found
    found.append(read_image(get_testdata_file("rtdose.dcm")))  # pydicom's one bundled volume with geometry
    return nib, found


def test_the_same_as_nibabel_on_the_bundled_scans():
    nib, images = scans()
    for image in images:
        assert image.axcodes == "".join(nib.aff2axcodes(image.affine))
        for codes in ALL_CODES:
            out = T.Orientation(codes)(image)
            array, affine = nibabel_reoriented(nib, image, codes)
            np.testing.assert_array_equal(out.array, array)
            np.testing.assert_allclose(out.affine, affine, rtol=0, atol=1e-9)


@pytest.mark.parametrize("k", range(12))
def test_the_same_as_nibabel_on_flipped_permuted_and_oblique_affines(k):
    nib = pytest.importorskip("nibabel")
    from nibabel.orientations import io_orientation

    A = affines()[k]
    axes, signs = axis_directions(A)
    np.testing.assert_array_equal(io_orientation(A), np.array([axes, signs]).T)
    image = Image(np.random.default_rng(k).standard_normal((1, 3, 4, 5)).astype(np.float32), affine=A)
    for codes in ALL_CODES:
        out = T.Orientation(codes)(image)
        array, affine = nibabel_reoriented(nib, image, codes)
        np.testing.assert_array_equal(out.array, array)
        np.testing.assert_allclose(out.affine, affine, rtol=0, atol=1e-9)


def test_a_dicom_series_and_its_nifti_agree_after_reorienting(tmp_path):
    """A DICOM series read as (slice, row, column) and the same voxels written as NIfTI in another
    order come out identical once both are brought to RAS."""
    pytest.importorskip("nibabel")
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    from deltanet.data import write_image

    for k in range(4):
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z + 2.5 * k]
        ds.PixelData = (ds.pixel_array + 100 * k).astype(ds.pixel_array.dtype).tobytes()
        ds.save_as(tmp_path / f"IM{k}.dcm")
    series = read_image(tmp_path)
    assert series.axcodes == "SPL"
    lps = T.Orientation("LPS")(series)
    path = write_image(tmp_path / "ct.nii.gz", lps)
    ras_from_dicom = T.Orientation("RAS")(series)
    ras_from_nifti = T.Orientation("RAS")(read_image(path))
    np.testing.assert_array_equal(ras_from_nifti.array, ras_from_dicom.array)
    np.testing.assert_allclose(ras_from_nifti.affine, ras_from_dicom.affine, atol=1e-4)


def test_a_label_image_on_another_grid_is_refused():
    pytest.importorskip("scipy")
    image = Image(np.zeros((1, 4, 5, 6), np.float32), affine=np.diag([1.0, 1.0, 2.0, 1.0]))
    label = Image(np.zeros((1, 4, 5, 6), np.float32), affine=np.diag([1.0, 1.0, 3.0, 1.0]))
    for transform in (T.Orientation("LPS"), T.Spacing(pixdim=2.0)):
        with pytest.raises(ValueError, match="the label's affine differs from its image's"):
            transform(image, label)
        moved, moved_label = transform(image, Image(label.array, affine=image.affine))
        np.testing.assert_allclose(moved_label.affine, moved.affine)
