"""read_image / write_image on the real scans that ship with pydicom and nibabel, checked against
what those packages read themselves; DICOM folders assembled by position; round trips; bad files."""

from __future__ import annotations

import gzip
import os
import shutil
import sys

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")
PILImage = pytest.importorskip("PIL.Image")

from nibabel.testing import data_path  # noqa: E402
from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import Image, ImageReadError, read_image, write_image  # noqa: E402
from deltanet.data.image import LPS_TO_RAS  # noqa: E402

CT = get_testdata_file("CT_small.dcm")
MR = get_testdata_file("MR_small.dcm")
DICOMDIR_TESTS = os.path.join(os.path.dirname(CT), "dicomdirtests", "98892003")


def lps_to_ras(point):
    return (LPS_TO_RAS @ np.append(np.asarray(point, dtype=float), 1.0))[:3]


# -- real files, against the packages' own reading ---------------------------------------------
@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_dicom_file_values_and_geometry(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path)
    image = read_image(path)
    slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
    expected = ds.pixel_array * slope + intercept
    assert image.array.dtype == np.float32 and image.array.shape == (1, ds.Rows, ds.Columns)
    np.testing.assert_array_equal(image.array[0], expected)
    assert image.spacing == pytest.approx([float(v) for v in ds.PixelSpacing])
    np.testing.assert_allclose(image.origin, lps_to_ras(ds.ImagePositionPatient))
    assert image.format == "dicom" and image.metadata["Modality"] == ds.Modality


def test_ct_comes_out_in_hounsfield_units():
    image = read_image(CT)
    assert image.metadata["RescaleIntercept"] == -1024.0
    assert image.array.min() == pydicom.dcmread(CT).pixel_array.min() - 1024  # -896 HU


def test_pixel_positions_follow_the_dicom_equation():
    # pixel (row m, column n) lies at p + m*dr*c + n*dc*r (LPS), the equation of DICOM PS3.3 C.7.6.2.1.1
    ds = pydicom.dcmread(MR)
    image = read_image(MR)
    p = np.array([float(v) for v in ds.ImagePositionPatient])
    r, c = (
        np.array([float(v) for v in ds.ImageOrientationPatient[:3]]),
        np.array([float(v) for v in ds.ImageOrientationPatient[3:]]),
    )
    dr, dc = (float(v) for v in ds.PixelSpacing)
    m, n = 5, 40
    world = image.affine @ np.array([m, n, 0, 1.0])
    np.testing.assert_allclose(world[:3], lps_to_ras(p + m * dr * c + n * dc * r), atol=1e-9)


@pytest.mark.parametrize("name", ["anatomical.nii", "example4d.nii.gz", "standard.nii.gz"])
def test_nifti_values_and_affine(name):
    path = os.path.join(data_path, name)
    reference = nib.load(path)
    image = read_image(path)
    data = reference.get_fdata()
    expected = data[np.newaxis] if data.ndim == 3 else np.moveaxis(data, 3, 0)  # 4-D: time → channels
    assert image.array.dtype == np.float32 and image.array.shape == expected.shape
    np.testing.assert_allclose(image.array, expected, rtol=1e-6)
    np.testing.assert_array_equal(image.affine, reference.affine)
    assert image.spacing == pytest.approx(reference.header.get_zooms()[:3])
    assert image.format == "nifti"


def test_multiframe_rt_dose_grid():
    path = get_testdata_file("rtdose.dcm")
    ds = pydicom.dcmread(path)
    image = read_image(path)
    assert image.array.shape == (1, 15, 10, 10)
    np.testing.assert_allclose(image.array[0], ds.pixel_array * float(ds.DoseGridScaling), rtol=1e-6)
    assert image.spacing == pytest.approx((5.0, 10.0, 10.0))  # GridFrameOffsetVector, PixelSpacing


def test_dicom_file_without_suffix_is_recognized(tmp_path):
    shutil.copy(CT, tmp_path / "IM0001")
    np.testing.assert_array_equal(read_image(tmp_path / "IM0001").array, read_image(CT).array)


# -- a folder of slices ------------------------------------------------------------------------
def write_series(folder, positions, *, order=None, rng=0, series_uid=None):
    """CT_small written once per position (slice k: pixels + 10 k, intercept -1024 + k), files in
    a shuffled order with shuffled instance numbers."""
    rng = np.random.default_rng(rng)
    folder.mkdir(exist_ok=True)
    order = rng.permutation(len(positions)) if order is None else order
    for file_number, k in enumerate(order):
        ds = pydicom.dcmread(CT)
        ds.ImagePositionPatient = [float(v) for v in positions[k]]
        ds.InstanceNumber = int(rng.integers(1, 1000))
        ds.PixelData = (ds.pixel_array + 10 * k).astype(ds.pixel_array.dtype).tobytes()
        ds.RescaleIntercept = -1024 + k
        if series_uid is not None:
            ds.SeriesInstanceUID = series_uid
        ds.save_as(folder / f"file{file_number:03d}.dcm")
    return folder


def axial_positions(n, gap=2.5, tilt=(0.0, 0.0)):
    first = np.array([-158.135803, -179.035797, -75.7])
    return [first + k * np.array([tilt[0], tilt[1], gap]) for k in range(n)]


def test_series_is_sorted_by_position_not_by_name_or_instance(tmp_path):
    positions = axial_positions(7)
    image = read_image(write_series(tmp_path / "ct", positions))
    base = pydicom.dcmread(CT).pixel_array.astype(np.float64) - 1024
    assert image.array.shape == (1, 7, 128, 128)
    for k in range(7):
        np.testing.assert_array_equal(image.array[0, k], base + 10 * k + k)  # per-slice intercept
    assert image.spacing == pytest.approx((2.5, 0.661468, 0.661468))
    for k in (0, 3, 6):  # voxel (k, 0, 0) is the position of slice k
        np.testing.assert_allclose((image.affine @ [k, 0, 0, 1])[:3], lps_to_ras(positions[k]), atol=1e-6)


def test_series_sorted_along_the_normal_even_when_written_top_down(tmp_path):
    positions = axial_positions(5, gap=-3.0)  # positions decrease: the sort still follows the normal
    image = read_image(write_series(tmp_path / "ct", positions))
    assert image.spacing[0] == pytest.approx(3.0)
    np.testing.assert_allclose(image.origin, lps_to_ras(positions[-1]), atol=1e-6)
    assert image.array[0, 0].max() > image.array[0, -1].max()  # slice 4 (+40) comes first


def test_series_and_nifti_agree_after_writing(tmp_path):
    image = read_image(write_series(tmp_path / "ct", axial_positions(4)))
    back = read_image(write_image(tmp_path / "ct.nii.gz", image))
    np.testing.assert_array_equal(back.array, image.array)
    np.testing.assert_allclose(back.affine, image.affine, atol=1e-4)  # the header stores float32


def test_real_folders_that_mix_series_or_orientations():
    with pytest.raises(ImageReadError, match=r"MR2: mixed SeriesInstanceUID in one folder: .*own folder"):
        read_image(os.path.join(DICOMDIR_TESTS, "MR2"))
    with pytest.raises(ImageReadError, match=r"MR700: mixed slice orientations in one folder"):
        read_image(os.path.join(DICOMDIR_TESTS, "MR700"))


def test_series_with_a_missing_slice(tmp_path):
    positions = axial_positions(6)
    del positions[3]
    with pytest.raises(ImageReadError, match=r"ct: inconsistent slice spacing: file\d+\.dcm and file\d+\.dcm are 5 mm"):
        read_image(write_series(tmp_path / "ct", positions))


def test_series_with_two_slices_at_one_position(tmp_path):
    positions = axial_positions(4)
    positions[2] = positions[1]
    with pytest.raises(ImageReadError, match="lie at the same position"):
        read_image(write_series(tmp_path / "ct", positions))


def test_series_folder_with_other_files(tmp_path):
    folder = write_series(tmp_path / "ct", axial_positions(3))
    (folder / "notes.txt").write_text("scanned on Tuesday")
    with pytest.raises(ImageReadError, match=r"notes\.txt: not an image slice"):
        read_image(folder)
    (folder / "notes.txt").unlink()
    (folder / "DICOMDIR").write_bytes(b"ignored")
    (folder / ".DS_Store").write_bytes(b"ignored")
    assert read_image(folder).array.shape == (1, 3, 128, 128)


def test_folder_of_pictures_is_not_a_series(tmp_path):
    write_image(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ImageReadError, match=r"a\.png: read_image\(folder\) reads the DICOM slices .* ImageFolder"):
        read_image(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(ImageReadError, match="holds no files"):
        read_image(tmp_path)


# -- round trips --------------------------------------------------------------------------------
def test_nifti_round_trip_keeps_values_and_affine(tmp_path):
    image = read_image(os.path.join(data_path, "example4d.nii.gz"))
    back = read_image(write_image(tmp_path / "copy.nii.gz", image))
    np.testing.assert_array_equal(back.array, image.array)
    np.testing.assert_allclose(back.affine, image.affine, atol=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == ["copy.nii.gz"]  # no temporary file left


def test_label_map_written_like_its_scan(tmp_path):
    scan = read_image(os.path.join(data_path, "anatomical.nii"))
    labels = (scan.array[0] > 100).astype(np.int64) + (scan.array[0] > 300)
    path = write_image(tmp_path / "labels.nii", labels, like=scan)
    assert nib.load(path).get_data_dtype() == np.uint8
    back = read_image(path)
    np.testing.assert_array_equal(back.array[0], labels)
    np.testing.assert_allclose(back.affine, scan.affine, atol=1e-5)
    with pytest.raises(ValueError, match=r"does not fit like's spatial shape \(33, 41, 25\)"):
        write_image(tmp_path / "bad.nii", labels[:, :, :-1], like=scan)


@pytest.mark.parametrize(
    ("channels", "dtype", "top"), [(1, np.uint8, 255), (3, np.uint8, 255), (4, np.uint8, 255), (1, np.uint16, 60000)]
)
def test_png_round_trip(tmp_path, channels, dtype, top):
    values = np.random.default_rng(0).integers(0, top + 1, size=(channels, 9, 7)).astype(dtype)
    back = read_image(write_image(tmp_path / "x.png", values))
    assert back.format == "png" and back.array.dtype == np.float32
    np.testing.assert_array_equal(back.array, values)
    np.testing.assert_array_equal(read_image(write_image(tmp_path / "y.png", back)).array, values)  # float32 in


def test_png_of_unit_intensities_and_bad_values(tmp_path):
    values = np.linspace(0, 1, 20).reshape(4, 5)
    np.testing.assert_array_equal(read_image(write_image(tmp_path / "x.png", values)).array[0], np.round(values * 255))
    with pytest.raises(ValueError, match=r"PNG holds whole numbers 0\.\.255 .* got values from -896 to 1167"):
        write_image(tmp_path / "ct.png", read_image(CT))
    assert not (tmp_path / "ct.png").exists()


def test_multipage_tiff_is_a_volume(tmp_path):
    pages = [PILImage.fromarray(np.full((6, 5), 10 * k, dtype=np.uint8)) for k in range(4)]
    pages[0].save(tmp_path / "stack.tif", save_all=True, append_images=pages[1:])
    image = read_image(tmp_path / "stack.tif")
    assert image.array.shape == (1, 4, 6, 5) and image.array[0, :, 0, 0].tolist() == [0, 10, 20, 30]


def test_palette_png_keeps_label_indices(tmp_path):
    labels = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    picture = PILImage.fromarray(labels, mode="P")
    picture.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
    picture.save(tmp_path / "labels.png")
    np.testing.assert_array_equal(read_image(tmp_path / "labels.png").array[0], labels)


# -- bad files ------------------------------------------------------------------------------------
def truncate(source, target, fraction):
    data = open(source, "rb").read()
    with open(target, "wb") as file:
        file.write(data[: int(len(data) * fraction)])
    return target


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_dicom(tmp_path, fraction):
    path = truncate(CT, tmp_path / "cut.dcm", fraction)
    with pytest.raises(ImageReadError, match=r"cut\.dcm: (no pixel data|cannot decode the pixel data)"):
        read_image(path)


def test_truncated_dicom_shipped_with_pydicom():
    with pytest.raises(ImageReadError, match=r"MR_truncated\.dcm: cannot decode the pixel data: .*less than expected"):
        read_image(get_testdata_file("MR_truncated.dcm"))


def test_dicom_that_is_not_an_image():
    with pytest.raises(ImageReadError, match=r"rtplan\.dcm: no pixel data \(Modality RTPLAN\)"):
        read_image(get_testdata_file("rtplan.dcm"))


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_nifti(tmp_path, fraction):
    plain = truncate(os.path.join(data_path, "anatomical.nii"), tmp_path / "cut.nii", fraction)
    with pytest.raises(ImageReadError, match=r"cut\.nii: cannot read it as NIfTI"):
        read_image(plain)
    compressed = tmp_path / "whole.nii.gz"
    compressed.write_bytes(gzip.compress(open(os.path.join(data_path, "anatomical.nii"), "rb").read()))
    with pytest.raises(ImageReadError, match=r"cut\.nii\.gz: cannot read it as NIfTI"):
        read_image(truncate(compressed, tmp_path / "cut.nii.gz", fraction))


def test_truncated_png(tmp_path):
    write_image(tmp_path / "x.png", np.random.default_rng(0).integers(0, 255, (3, 64, 64)))
    with pytest.raises(ImageReadError, match=r"cut\.png: cannot read it as an image \(Pillow\)"):
        read_image(truncate(tmp_path / "x.png", tmp_path / "cut.png", 0.5))


@pytest.mark.parametrize("name", ["notes.png", "notes.nii", "notes.nii.gz", "notes.dcm", "notes.jpg"])
def test_text_file_with_an_image_suffix(tmp_path, name):
    (tmp_path / name).write_text("this is not an image\n" * 20)
    with pytest.raises(ImageReadError, match=rf"{name.replace('.', '[.]')}: "):
        read_image(tmp_path / name)


def test_unknown_format_and_missing_file(tmp_path):
    (tmp_path / "scan.mha").write_bytes(b"ObjectType = Image\n")
    with pytest.raises(ImageReadError, match=r"scan\.mha: unknown image format \(suffix '\.mha'\); deltanet reads"):
        read_image(tmp_path / "scan.mha")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_image(tmp_path / "missing.nii.gz")
    with pytest.raises(ValueError, match=r"cannot write 'x\.dcm'.*DICOM is read only"):
        write_image(tmp_path / "x.dcm", np.zeros((4, 4)))


def test_image_checks_its_arguments():
    with pytest.raises(ValueError, match=r"channel-first array of numbers, .* got shape \(4, 4\)"):
        Image(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"affine must be a finite 4×4 matrix"):
        Image(np.zeros((1, 4, 4)), affine=np.eye(3))
    image = Image(np.zeros((2, 3, 4, 5)), affine=np.diag([1.5, 2, 3, 1.0]))
    assert image.num_channels == 2 and image.spacing == (1.5, 2.0, 3.0) and image.origin == (0.0, 0.0, 0.0)
    assert "spacing=(1.5, 2, 3)" in repr(image)


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nibabel", None)  # what Python does for a package that is not there
    with pytest.raises(
        ImportError, match=r"needs nibabel, which is not installed .* pip install 'deltanet\[imaging\]'"
    ):
        read_image(os.path.join(data_path, "anatomical.nii"))


def test_series_with_a_copied_file(tmp_path):
    folder = write_series(tmp_path / "ct", axial_positions(3), order=[0, 1, 2])
    shutil.copy(folder / "file001.dcm", folder / "file001 (copy).dcm")
    with pytest.raises(ImageReadError, match=r"file001 \(copy\)\.dcm and file001\.dcm are the same slice .*a copy"):
        read_image(folder)
