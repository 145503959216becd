"""Every image that ships with pydicom in an encoding that pydicom decodes here (little and big
endian, implicit VR, RLE, deflate, baseline JPEG and JPEG 2000 through Pillow, 1-bit, 32-bit,
colour, multi-frame) reads as pydicom's own ``pixel_array`` after the modality LUT, channel first.
Files whose decoder is not installed must say which ``pip install`` would read them."""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.pixels import apply_modality_lut  # noqa: E402

from deltanet.data import ImageReadError, read_image  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The pixel data is .* excess padding")  # MR_small_padded

FILES = [
    "MR_small_bigendian.dcm",  # explicit VR big endian, signed
    "MR_small_implicit.dcm",
    "MR_small_RLE.dcm",
    "MR_small_padded.dcm",
    "J2K_pixelrep_mismatch.dcm",  # the J2K stream and PixelRepresentation disagree on the sign
    "693_J2KI.dcm",
    "image_dfl.dcm",  # deflated explicit VR little endian
    "liver_1frame.dcm",  # 1 bit per pixel (a segmentation)
    "rtdose_rle.dcm",  # 32-bit, 15 frames, DoseGridScaling
    "SC_rgb_rle_2frame.dcm",  # RGB, 2 frames
    "SC_rgb_small_odd_big_endian.dcm",
    "SC_ybr_full_422_uncompressed.dcm",  # YBR: pydicom gives RGB
    "examples_ybr_color.dcm",  # baseline JPEG, YBR_FULL_422, 30 frames
    "SC_rgb_jpeg_dcmtk.dcm",
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS: needs pylibjpeg-libjpeg or gdcm
    "SC_rgb_jpeg_gdcm.dcm",  # JPEG lossless process 14: needs pylibjpeg-libjpeg or gdcm
]


@pytest.mark.parametrize("name", FILES)
def test_values_are_pydicoms_after_the_modality_lut(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path)
    try:
        raw = ds.pixel_array
    except Exception:  # noqa: BLE001 - pydicom has no decoder here: ours must say what to install
        with pytest.raises(ImageReadError, match=rf"{name}: cannot decode the pixel data: .*pip install pylibjpeg"):
            read_image(path)
        return
    expected = apply_modality_lut(raw, ds).astype(np.float64)
    if "DoseGridScaling" in ds:
        expected = expected * float(ds.DoseGridScaling)
    samples = int(ds.get("SamplesPerPixel", 1))
    expected = np.moveaxis(expected, -1, 0) if samples > 1 else expected[np.newaxis]
    image = read_image(path)
    assert image.array.dtype == np.float32 and image.array.shape == expected.shape
    np.testing.assert_allclose(image.array, expected, rtol=1e-6)
    assert image.metadata["PhotometricInterpretation"] == ds.PhotometricInterpretation


def _undecodable(name):
    try:
        _ = pydicom.dcmread(get_testdata_file(name)).pixel_array
    except Exception:  # noqa: BLE001 - the decoder is missing here
        return True
    return False


@pytest.mark.parametrize(
    "name, install, not_named",
    [
        ("MR_small_jpeg_ls_lossless.dcm", r"pip install pylibjpeg pylibjpeg-libjpeg \(or pyjpegls", "openjpeg"),
        ("JPGExtended.dcm", r"pip install pylibjpeg pylibjpeg-libjpeg \(or python-gdcm\)", "openjpeg"),
        ("SC_rgb_jpeg_gdcm.dcm", r"pip install pylibjpeg pylibjpeg-libjpeg", "openjpeg"),
    ],
)
def test_the_hint_names_the_decoder_of_the_transfer_syntax(name, install, not_named):
    if not _undecodable(name):
        pytest.skip(f"a decoder for {name} is installed")
    with pytest.raises(ImageReadError, match=install) as error:
        read_image(get_testdata_file(name))
    assert not_named not in str(error.value)


@pytest.mark.parametrize(
    "uid, name",
    [
        (
            "1.2.840.10008.1.2.4.112",
            "JPEG XL",
        ),  # newer than pydicom 3.0's list: was a bare "UID is not a transfer syntax."
        ("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression"),
        ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264"),  # video: no pip install decodes it
    ],
)
def test_syntaxes_without_a_decoder_say_to_convert(tmp_path, uid, name):
    ds = pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm"))
    ds.file_meta.TransferSyntaxUID = uid
    path = tmp_path / "encoded.dcm"
    pydicom.dcmwrite(path, ds, implicit_vr=False, little_endian=True, force_encoding=True)
    with pytest.raises(
        ImageReadError, match=rf"encoded\.dcm: .*encoded as {name}.*no decoder for.*uncompressed"
    ) as error:
        read_image(path)
    assert "pip install" not in str(error.value)


@pytest.mark.parametrize("name", ["SC_rgb_rle_32bit.dcm", "SC_rgb_rle_32bit_2frame.dcm"])
def test_32_bit_colour_reads_exactly_as_float64(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path)
    expected = np.moveaxis(ds.pixel_array, -1, 0).astype(np.float64)  # frames, rows, columns, samples
    with pytest.raises(ImageReadError, match="4294967295 would become 4294967296"):
        read_image(path)
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array, expected)


@pytest.mark.parametrize("name", [n for n in FILES if "jpeg" not in n.lower() and "J2K" not in n])
def test_lossless_files_read_exactly_as_float64(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path)
    expected = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    if "DoseGridScaling" in ds:
        expected = expected * float(ds.DoseGridScaling)
    expected = np.moveaxis(expected, -1, 0) if int(ds.get("SamplesPerPixel", 1)) > 1 else expected[np.newaxis]
    np.testing.assert_array_equal(read_image(path, dtype=np.float64).array, expected)
