"""NM (nuclear medicine) multi-frame files: a reconstruction's slices (SliceVector) ordered by their
numbers and placed from the NM Detector module; frames of several energy windows, detectors, angles
or time points refused by name rather than stacked as a nominal volume."""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402

from deltanet.data import ImageReadError, read_image  # noqa: E402

ORIGIN = [-100.0, -120.0, 30.0]  # LPS mm


def _nm(tmp_path, vectors, spacing=4.0, name="nm.dcm", detector=True):
    """CT_small's header turned into an NM multi-frame file; frame k holds the value 10 k everywhere."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    frames = len(next(iter(vectors.values())))
    ds.Modality = "NM"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.20"
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    for tag in (
        "ImagePositionPatient",
        "ImageOrientationPatient",
        "RescaleSlope",
        "RescaleIntercept",
        "PixelPaddingValue",
    ):
        del ds[tag]
    if detector:
        item = Dataset()
        item.ImagePositionPatient = ORIGIN
        item.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.DetectorInformationSequence = Sequence([item])
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = [pydicom.datadict.tag_for_keyword(k) for k in vectors]
    for keyword, values in vectors.items():
        setattr(ds, keyword, list(values))
    ds.SpacingBetweenSlices = spacing
    pixels = np.stack([np.full((ds.Rows, ds.Columns), 10 * k, np.int16) for k in range(frames)])
    ds.PixelData = pixels.tobytes()
    ds.save_as(tmp_path / name)
    return tmp_path / name


def test_reconstruction_slices_ordered_by_slice_number(tmp_path):
    slices = [3, 1, 4, 2]
    path = _nm(tmp_path, {"EnergyWindowVector": [1] * 4, "DetectorVector": [1] * 4, "SliceVector": slices})
    image = read_image(path)
    assert image.array.shape == (1, 4, 128, 128)
    # slice s lies at s - 1 steps of 4 mm: the frames in order of their numbers
    assert image.array[0, :, 0, 0].tolist() == [10.0, 30.0, 0.0, 20.0]
    pixel = float(pydicom.dcmread(path).PixelSpacing[0])
    np.testing.assert_allclose(image.spacing, (4.0, pixel, pixel))
    np.testing.assert_allclose(image.origin, (100.0, 120.0, 30.0))  # LPS to RAS
    assert "missing_geometry" not in image.metadata


@pytest.mark.parametrize(
    ("keyword", "values", "words"),
    [
        ("EnergyWindowVector", [1, 2], "EnergyWindowVector \\(2 energy windows\\)"),
        ("DetectorVector", [1, 2], "DetectorVector \\(2 detectors\\)"),
        ("AngularViewVector", [1, 2], "AngularViewVector \\(2 projection angles of a SPECT"),
        ("TimeSliceVector", [1, 2], "TimeSliceVector \\(2 time points\\)"),
    ],
)
def test_other_frame_dimensions_refused_by_name(tmp_path, keyword, values, words):
    path = _nm(tmp_path, {keyword: values, "SliceVector": [1, 1]})
    with pytest.raises(ImageReadError, match=f"nm.dcm: an NM file of 2 frames that differ in {words}"):
        read_image(path)


def test_without_slice_vector_refused(tmp_path):
    path = _nm(tmp_path, {"EnergyWindowVector": [1, 1]})
    with pytest.raises(ImageReadError, match="frames without a SliceVector"):
        read_image(path)


def test_duplicate_slice_numbers_refused(tmp_path):
    path = _nm(tmp_path, {"SliceVector": [1, 2, 2]})
    with pytest.raises(ImageReadError, match="frame 1 and frame 2 lie at the same position"):
        read_image(path)


def test_reconstruction_without_position_refused(tmp_path):
    path = _nm(tmp_path, {"SliceVector": [1, 2]}, detector=False)
    with pytest.raises(ImageReadError, match="without ImagePositionPatient"):
        read_image(path)


def test_vector_of_wrong_length_refused(tmp_path):
    path = _nm(tmp_path, {"SliceVector": [1, 2]})
    ds = pydicom.dcmread(path)
    ds.SliceVector = [1, 2, 3]
    ds.save_as(path)
    with pytest.raises(ImageReadError, match="holds 3 values of it"):
        read_image(path)


def test_single_frame_whole_body_reads():
    path = get_testdata_file("JPEG2000.dcm")  # a single-frame NM whole-body image (JPEG 2000)
    ds = pydicom.dcmread(path)
    try:
        expected = ds.pixel_array
    except Exception as error:
        pytest.skip(f"pydicom cannot decode {path}: {error}")
    image = read_image(path)
    np.testing.assert_array_equal(image.array[0], expected.astype(np.float32))
