"""DICOM values and geometry that live outside the top-level tags: enhanced multi-frame files
(functional groups), a folder of one slice, photometric interpretations, missing decoders.

The enhanced files are built from pydicom's CT_small.dcm the way Enhanced CT/MR objects store
them: the rescaling in ``PixelValueTransformationSequence`` and the geometry in
``PlanePositionSequence``/``PlaneOrientationSequence``/``PixelMeasuresSequence``, shared by all
frames or given per frame, and nothing of it at the top level."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402

from deltanet.data import ImageReadError, read_image  # noqa: E402
from deltanet.data.image import LPS_TO_RAS  # noqa: E402

CT = get_testdata_file("CT_small.dcm")
# Rows along LPS (0, 1, 0) and columns along (0, 0, -1): a sagittal slice, so a reader that falls
# back on the axial default (1, 0, 0), (0, 1, 0) places every voxel wrongly.
SAGITTAL = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]


def item(**tags):
    ds = Dataset()
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    return Sequence([ds])


def enhanced(path, intercepts, *, per_frame_geometry, order=None, gap=2.0, offset=0):
    """CT_small as an enhanced multi-frame file: frame k holds pixels + 10 k with intercept
    ``intercepts[k]`` (one value: shared by all frames), at position (offset + k) * gap along the
    normal; frames stored in ``order``."""
    ds = pydicom.dcmread(CT)
    raw = ds.pixel_array
    n = len(intercepts) if isinstance(intercepts, list) else 3
    order = list(range(n)) if order is None else order
    first = np.array([float(v) for v in ds.ImagePositionPatient])
    normal = np.cross(SAGITTAL[:3], SAGITTAL[3:])
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "RescaleSlope"):
        delattr(ds, keyword)
    del ds.RescaleIntercept
    ds.NumberOfFrames = n
    ds.PixelData = np.concatenate([raw + 10 * k for k in order]).astype(raw.dtype).tobytes()
    shared = Dataset()
    geometry = {
        "PlaneOrientationSequence": item(ImageOrientationPatient=SAGITTAL),
        "PixelMeasuresSequence": item(PixelSpacing=[0.5, 0.75], SliceThickness=gap),
    }
    if not per_frame_geometry:
        for keyword, value in geometry.items():
            setattr(shared, keyword, value)
    if not isinstance(intercepts, list):
        shared.PixelValueTransformationSequence = item(RescaleSlope=2, RescaleIntercept=intercepts, RescaleType="HU")
    frames = []
    for k in order:
        group = Dataset()
        group.PlanePositionSequence = item(ImagePositionPatient=list(first + (offset + k) * gap * normal))
        if per_frame_geometry:
            for keyword, value in geometry.items():
                setattr(group, keyword, value)
        if isinstance(intercepts, list):
            group.PixelValueTransformationSequence = item(
                RescaleSlope=2, RescaleIntercept=intercepts[k], RescaleType="HU"
            )
        frames.append(group)
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.save_as(path)
    return path, raw.astype(np.float64), first, normal


def test_enhanced_ct_rescale_in_the_shared_functional_group(tmp_path):
    path, raw, _, _ = enhanced(tmp_path / "enhanced.dcm", -1024.0, per_frame_geometry=False)
    image = read_image(path)
    assert image.array.shape == (1, 3, 128, 128) and image.array.dtype == np.float32
    for k in range(3):  # HU, not the stored values
        np.testing.assert_array_equal(image.array[0, k], 2 * (raw + 10 * k) - 1024)


def test_enhanced_ct_rescale_per_frame_follows_the_frames_when_sorted(tmp_path):
    intercepts = [-1024.0, -1000.0, -900.0]
    path, raw, _, _ = enhanced(tmp_path / "enhanced.dcm", intercepts, per_frame_geometry=False, order=[2, 0, 1])
    image = read_image(path)
    for k in range(3):
        np.testing.assert_array_equal(image.array[0, k], 2 * (raw + 10 * k) + intercepts[k])


def test_enhanced_geometry_given_per_frame(tmp_path):
    path, _, first, normal = enhanced(tmp_path / "enhanced.dcm", -1024.0, per_frame_geometry=True)
    image = read_image(path)
    assert image.spacing == pytest.approx((2.0, 0.5, 0.75))
    row, col = np.array(SAGITTAL[:3]), np.array(SAGITTAL[3:])
    for k, m, n in [(0, 0, 0), (2, 5, 7), (1, 3, 0)]:  # p_k + m * 0.5 * c + n * 0.75 * r (LPS)
        expected = first + k * 2.0 * normal + m * 0.5 * col + n * 0.75 * row
        np.testing.assert_allclose((image.affine @ [k, m, n, 1])[:3], (LPS_TO_RAS[:3, :3] @ expected), atol=1e-6)


def test_enhanced_frames_in_different_orientations_are_refused(tmp_path):
    path, _, _, _ = enhanced(tmp_path / "enhanced.dcm", -1024.0, per_frame_geometry=True)
    ds = pydicom.dcmread(path)
    ds.PerFrameFunctionalGroupsSequence[1].PlaneOrientationSequence[0].ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.save_as(path)
    with pytest.raises(ImageReadError, match=r"enhanced\.dcm: frames 0 and 1 differ in orientation"):
        read_image(path)


def test_folder_of_single_frame_enhanced_files(tmp_path):
    # some scanners write an enhanced series one frame per file: the geometry and rescaling are
    # then in the functional groups of each file, not at the top level
    folder = tmp_path / "series"
    folder.mkdir()
    for number, k in enumerate([2, 0, 3, 1]):
        _, raw, first, normal = enhanced(
            folder / f"IM{number}.dcm", [-1000.0 - k], per_frame_geometry=True, gap=3.0, offset=k
        )
    image = read_image(folder)
    assert image.array.shape == (1, 4, 128, 128) and image.spacing == pytest.approx((3.0, 0.5, 0.75))
    for k in range(4):
        np.testing.assert_array_equal(image.array[0, k], 2 * raw - 1000 - k)
    np.testing.assert_allclose(image.origin, LPS_TO_RAS[:3, :3] @ first, atol=1e-6)


def test_folder_of_one_slice_keeps_its_slice_thickness(tmp_path):
    (tmp_path / "one").mkdir()
    shutil.copy(CT, tmp_path / "one" / "IM0001.dcm")
    thickness = float(pydicom.dcmread(CT).SliceThickness)  # 5 mm
    assert read_image(CT).affine[2, 2] == pytest.approx(thickness)
    assert read_image(tmp_path / "one").spacing == pytest.approx((thickness, 0.661468, 0.661468))


def test_photometric_interpretation_is_reported_and_monochrome1_is_not_inverted(tmp_path):
    ds = pydicom.dcmread(CT)
    ds.PhotometricInterpretation = "MONOCHROME1"  # as CR/DX/mammography store it: high values dark
    ds.save_as(tmp_path / "mono1.dcm")
    image = read_image(tmp_path / "mono1.dcm")
    assert image.metadata["PhotometricInterpretation"] == "MONOCHROME1"
    np.testing.assert_array_equal(image.array, read_image(CT).array)  # stored values, as documented
    assert read_image(CT).metadata["PhotometricInterpretation"] == "MONOCHROME2"


@pytest.mark.parametrize("name", ["MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "JPGExtended.dcm"])
def test_compressed_files_decode_or_name_the_pip_install(name):
    path = get_testdata_file(name)
    try:
        image = read_image(path)
    except ImageReadError as error:  # no decoder for this transfer syntax here
        message = str(error)
        assert name in message and "pip install" in message
        assert pydicom.dcmread(path).file_meta.TransferSyntaxUID.name in message
    else:
        ds = pydicom.dcmread(path)
        assert image.array.shape[-2:] == (ds.Rows, ds.Columns)
        if name.startswith("MR_small"):  # lossless: the uncompressed MR_small exactly
            np.testing.assert_array_equal(image.array, read_image(get_testdata_file("MR_small.dcm")).array)


def test_rt_dose_grid_with_absolute_frame_offsets(tmp_path):
    # PS3.3 C.8.8.3.2: a GridFrameOffsetVector whose first value is not 0 holds the frames' z
    # coordinates (the first equals ImagePositionPatient's z), not offsets from ImagePositionPatient
    relative = read_image(get_testdata_file("rtdose.dcm"))
    ds = pydicom.dcmread(get_testdata_file("rtdose.dcm"))
    z = float(ds.ImagePositionPatient[2])
    ds.GridFrameOffsetVector = [z + float(v) for v in ds.GridFrameOffsetVector]
    ds.save_as(tmp_path / "absolute.dcm")
    absolute = read_image(tmp_path / "absolute.dcm")
    np.testing.assert_allclose(absolute.affine, relative.affine, atol=1e-6)
    np.testing.assert_array_equal(absolute.array, relative.array)


def test_float_pixel_data_is_read(tmp_path):
    # parametric maps (ADC, T1 maps) store FloatPixelData or DoubleFloatPixelData, not PixelData
    ds = pydicom.dcmread(CT)
    values = ds.pixel_array.astype(np.float32) * 0.5 - 3.25
    del ds.PixelData, ds.PixelRepresentation, ds.RescaleSlope, ds.RescaleIntercept
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 32, 32, 31
    ds.FloatPixelData = values.tobytes()
    ds.save_as(tmp_path / "map.dcm")
    image = read_image(tmp_path / "map.dcm")
    assert image.array.dtype == np.float32
    np.testing.assert_array_equal(image.array[0], values)
    (tmp_path / "series").mkdir()
    shutil.copy(tmp_path / "map.dcm", tmp_path / "series" / "map.dcm")
    np.testing.assert_array_equal(read_image(tmp_path / "series").array[0, 0], values)


def test_rle_file_that_declares_more_than_its_data_can_hold(tmp_path):
    # RLE (PackBits) gives at most 64 bytes per 2 bytes read: a 64x64 RLE slice whose header says
    # 12000x12000 is refused before pydicom allocates the 288 MB it declares
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    ds.Rows, ds.Columns = 12000, 12000
    ds.save_as(tmp_path / "huge.dcm")
    with pytest.raises(ImageReadError, match=r"huge\.dcm: .*declares 12000 x 12000 .*288000000 bytes"):
        read_image(tmp_path / "huge.dcm")


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("CT_small.dcm", None),
        ("examples_rgb_color.dcm", ["ImageOrientationPatient", "PixelSpacing", "ImagePositionPatient"]),
        ("examples_ybr_color.dcm", ["ImageOrientationPatient", "ImagePositionPatient"]),  # regions: spacing
        ("JPEG2000.dcm", ["ImageOrientationPatient", "ImagePositionPatient"]),
    ],
)
def test_nominal_geometry_is_flagged(name, missing):
    # an ultrasound or secondary capture has no patient geometry: the 1 mm spacing, axial
    # orientation and zero origin it gets are nominal, and the metadata says which were assumed
    image = read_image(get_testdata_file(name))
    assert image.metadata.get("missing_geometry") == missing
