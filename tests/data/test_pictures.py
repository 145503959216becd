"""read_image on pictures made with Pillow: the EXIF orientation of every format that carries it
(JPEG, PNG, TIFF, WebP), 16-bit values, palette, LA and RGBA images."""

from __future__ import annotations

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
