"""read_image on pictures made with Pillow: the EXIF orientation of every format that carries it
(JPEG, PNG, TIFF, WebP), 16-bit values, palette, LA and RGBA images."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

PILImage = pytest.importorskip("PIL.Image")

from deltanet.data import ImageReadError, read_image, write_image  # noqa: E402

STORED = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40  # 2 rows, 3 columns as stored in the file
#: EXIF orientation -> the picture as a viewer shows it (the stored pixels turned or mirrored)
SHOWN = {
    1: STORED,
    2: STORED[:, ::-1],
    3: STORED[::-1, ::-1],
    4: STORED[::-1],
    5: STORED.T,
    6: np.rot90(STORED, -1),
    7: STORED[::-1, ::-1].T,
    8: np.rot90(STORED, 1),
}
SAVE = {"png": {}, "tiff": {}, "webp": {"lossless": True}, "jpg": {"quality": 100, "subsampling": 0}}


@pytest.mark.parametrize("suffix", sorted(SAVE))
@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_exif_orientation_is_applied_in_every_format(tmp_path, suffix, orientation):
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"photo.{suffix}"
    PILImage.fromarray(STORED).save(path, exif=exif, **SAVE[suffix])
    image = read_image(path)
    atol = 2 if suffix == "jpg" else 0  # JPEG is lossy, even at quality 100
    np.testing.assert_allclose(image.array[0], SHOWN[orientation], atol=atol)


def test_the_exif_orientation_of_each_tiff_page(tmp_path):
    pages = []
    for _ in range(2):
        page = PILImage.fromarray(STORED)
        exif = page.getexif()
        exif[0x0112] = 6
        pages.append((page, exif))
    path = tmp_path / "stack.tif"
    pages[0][0].save(path, save_all=True, append_images=[pages[1][0]], exif=pages[0][1])
    image = read_image(path)
    np.testing.assert_array_equal(image.array[0, 0], SHOWN[6])


def test_webp_is_read_and_written_losslessly(tmp_path):
    rng = np.random.default_rng(0)
    for channels in (3, 4):
        picture = rng.integers(0, 256, (channels, 5, 6)).astype(np.uint8)
        back = read_image(write_image(tmp_path / f"p{channels}.webp", picture))
        assert back.format == "webp"
        np.testing.assert_array_equal(back.array, picture)  # Pillow's default WebP is lossy
    with pytest.raises(ValueError, match="WebP holds RGB or RGBA"):
        write_image(tmp_path / "grey.webp", picture[:1])
    (tmp_path / "png.webp").write_bytes((tmp_path / "p3.webp").read_bytes().replace(b"WEBP", b"WEBQ", 1))
    with pytest.raises(ImageReadError):
        read_image(tmp_path / "png.webp")


# -- 16-bit pictures ---------------------------------------------------------------------------------------------
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png16(path, pixels):
    """A 16-bit PNG (grey, grey + alpha, RGB or RGBA: pixels (H, W[, C])) written byte by byte: Pillow
    cannot write 16 bits per channel with more than one channel."""
    pixels = pixels if pixels.ndim == 3 else pixels[..., None]
    h, w, c = pixels.shape
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + pixels[y].astype(">u2").tobytes() for y in range(h))
    header = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def tiff16(path, pixels):
    """An uncompressed 16-bit RGB TIFF (pixels (H, W, 3)) written byte by byte: one strip, no compression."""
    h, w, c = pixels.shape
    data = pixels.astype("<u2").tobytes()
    n_tags = 9
    bits_at = 8 + 2 + n_tags * 12 + 4  # after the header and the IFD: BitsPerSample's three values, then the pixels
    tags = [
        (256, 3, 1, w),  # ImageWidth
        (257, 3, 1, h),  # ImageLength
        (258, 3, c, bits_at),  # BitsPerSample (16, 16, 16), stored at bits_at
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 2),  # PhotometricInterpretation: RGB
        (273, 4, 1, bits_at + 2 * c),  # StripOffsets
        (277, 3, 1, c),  # SamplesPerPixel
        (278, 3, 1, h),  # RowsPerStrip
        (279, 4, 1, len(data)),  # StripByteCounts
    ]
    ifd = struct.pack("<H", n_tags)
    for tag, kind, count, value in tags:
        packed = struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    bits = struct.pack(f"<{c}H", *([16] * c))
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 4 + bits + data)


def test_16_bit_grey_pictures_keep_their_values(tmp_path):
    grey = np.random.default_rng(0).integers(0, 65536, (4, 5)).astype(np.uint16)
    for suffix in ("png", "tif"):
        PILImage.fromarray(grey).save(tmp_path / f"grey.{suffix}")
        image = read_image(tmp_path / f"grey.{suffix}")
        np.testing.assert_array_equal(image.array[0], grey)
        assert image.array.dtype == np.float32  # every value of 16 bits is a float32 exactly
    png16(tmp_path / "byhand.png", grey)
    np.testing.assert_array_equal(read_image(tmp_path / "byhand.png").array[0], grey)


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_16_bit_colour_png_is_refused_not_cut_to_8_bits(tmp_path, channels):
    # Pillow has no 16-bit colour mode: it keeps the high byte of each value (and makes grey + alpha RGBA)
    pixels = np.random.default_rng(channels).integers(0, 65536, (4, 5, channels)).astype(np.uint16)
    png16(tmp_path / "colour16.png", pixels)
    with pytest.raises(ImageReadError, match="16 bits per channel"):
        read_image(tmp_path / "colour16.png")


def test_16_bit_colour_tiff_is_refused_not_cut_to_8_bits(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 65536, (4, 5, 3)).astype(np.uint16)
    tiff16(tmp_path / "colour16.tif", pixels)
    with pytest.raises(ImageReadError, match="16 bits per channel"):
        read_image(tmp_path / "colour16.tif")
