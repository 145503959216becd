r"""Images for TensorBoard: any layout to height × width × channels, a grid of a batch, PNG bytes.

The rules are PyTorch's ``add_image``/``add_images``, so that the same call shows the same picture:

- ``dataformats`` names the axes (``"CHW"``, ``"HWC"``, ``"HW"``, ``"NCHW"``, ``"NHWC"``, any order
  of those letters). A batch (``N``) becomes one grid of at most 8 columns, filled row by row,
  the empty cells black; a grid needs 1 or 3 channels.
- One channel (or ``HW``) becomes three equal channels (grey); 2 channels are grey and alpha, 3 are
  RGB, 4 are RGBA.
- ``uint8`` values are taken as they are (0 to 255); any other dtype is read as $[0, 1]$:
  $p = \operatorname{trunc}(\operatorname{clip}(255 x, 0, 255))$, computed in float32. A float image
  of 0-255 values therefore shows white: pass such images as ``uint8``.

The PNG is written here with ``zlib`` (no imaging package needed), one unfiltered 8-bit scanline
per row: it decodes to exactly these pixels.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

GRID_COLUMNS = 8  # PyTorch's make_grid default in the writer


def _axes(dataformats: Any, ndim: int, owner: str) -> str:
    if not isinstance(dataformats, str):
        raise TypeError(f"{owner}: dataformats must be a string such as 'CHW', got {dataformats!r}")
    letters = dataformats.upper()
    allowed = {4: "NCHW", 3: "CHW", 2: "HW"}.get(len(letters))
    if allowed is None or sorted(letters) != sorted(allowed):
        raise ValueError(
            f"{owner}: dataformats must be an order of the letters 'CHW' or 'HW' (one image) or 'NCHW' "
            f"(a batch), each once, got {dataformats!r}"
        )
    if ndim != len(letters):
        hint = " (a batch: use add_images, or dataformats='NCHW')" if ndim == 4 else ""
        raise ValueError(
            f"{owner}: the image has {ndim} dimensions but dataformats={dataformats!r} names {len(letters)}{hint}"
        )
    return letters


def grid(batch: np.ndarray, columns: int = GRID_COLUMNS) -> np.ndarray:
    r"""The images of an (N, C, H, W) batch side by side: (3, H rows, W cols), rows filled first.

    $\text{cols} = \min(N, 8)$ and $\text{rows} = \lceil N / \text{cols} \rceil$; empty cells are 0.

    Args:
        batch: the images, with 1 channel (shown grey) or 3 (RGB).
        columns: the most images in one row.

    Returns:
        The grid, channels first, with the batch's dtype.

    Raises:
        ValueError: a channel count other than 1 or 3, or an empty batch.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.images import grid
        >>> grid(np.ones((10, 1, 2, 3))).shape
        (3, 4, 24)
    """
    n, c, h, w = batch.shape
    if c == 1:
        batch = np.repeat(batch, 3, axis=1)
    elif c != 3:
        raise ValueError(f"add_images: a batch of images needs 1 or 3 channels to make a grid, got {c}")
    if n == 0:
        raise ValueError("add_images: the batch holds no image")
    cols = min(n, columns)
    rows = -(-n // cols)
    canvas = np.zeros((3, h * rows, w * cols), dtype=batch.dtype)
    for i in range(n):
        r, k = divmod(i, cols)
        canvas[:, r * h : (r + 1) * h, k * w : (k + 1) * w] = batch[i]
    return canvas


def to_hwc(array: np.ndarray, dataformats: Any, owner: str) -> np.ndarray:
    """The image as (height, width, channels) with 2, 3 or 4 channels, in its own dtype.

    Args:
        array: the image or batch, its axes named by ``dataformats``.
        dataformats: the axes' letters (``"CHW"``, ``"HWC"``, ``"HW"``, ``"NCHW"``, ``"NHWC"`` ...).
        owner: the method that takes it, for the message.

    Returns:
        The image, height × width × channels.

    Raises:
        TypeError: ``dataformats`` is not a string.
        ValueError: the letters or their number do not fit the array, or the channel count is not
            1 to 4.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.images import to_hwc
        >>> to_hwc(np.zeros((1, 5, 7)), "CHW", "add_image").shape
        (5, 7, 3)
    """
    letters = _axes(dataformats, array.ndim, owner)
    if len(letters) == 4:
        nchw = array.transpose([letters.index(a) for a in "NCHW"])
        return grid(nchw).transpose(1, 2, 0)
    if len(letters) == 2:
        hw = array.transpose([letters.index(a) for a in "HW"])
        return np.stack([hw, hw, hw], axis=2)
    hwc = array.transpose([letters.index(a) for a in "HWC"])
    if hwc.shape[2] == 1:
        return np.concatenate([hwc, hwc, hwc], axis=2)
    if hwc.shape[2] not in (2, 3, 4):
        raise ValueError(
            f"{owner}: an image needs 1 (grey), 2 (grey and alpha), 3 (RGB) or 4 (RGBA) channels, got {hwc.shape[2]}"
        )
    return hwc


def to_uint8(hwc: np.ndarray) -> np.ndarray:
    r"""Pixel values 0-255: ``uint8`` as it is, any other dtype read as $[0, 1]$ and scaled by 255.

    Args:
        hwc: the image.

    Returns:
        ``trunc(clip(255 x, 0, 255))`` as ``uint8`` (computed in float32, as PyTorch does).

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.images import to_uint8
        >>> to_uint8(np.array([[-0.5, 0.5, 1.5]])).tolist()
        [[0, 127, 255]]
    """
    if hwc.dtype == np.uint8:
        return hwc
    return (hwc.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(pixels: np.ndarray) -> bytes:
    """The PNG file of an 8-bit (height, width, 2, 3 or 4) image: grey and alpha, RGB or RGBA.

    Args:
        pixels: ``uint8`` values, height × width × channels.

    Returns:
        The file's bytes.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.images import png
        >>> png(np.zeros((2, 2, 3), np.uint8))[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    height, width, channels = pixels.shape
    color_type = {2: 4, 3: 2, 4: 6}[channels]  # PNG's grey+alpha, truecolour, truecolour+alpha
    rows = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(height, width * channels)
    scanlines = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()  # filter 0: none
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanlines, 6))
        + _chunk(b"IEND", b"")
    )


def figure_pixels(figure: Any, close: bool) -> np.ndarray:
    """A matplotlib figure drawn with Agg, as (3, height, width) ``uint8`` (its RGB, alpha dropped).

    Args:
        figure: a ``matplotlib.figure.Figure``.
        close: close it afterwards (``plt.close(figure)``), as PyTorch's default does.

    Returns:
        The pixels, channels first.

    Raises:
        ImportError: matplotlib is not installed.
        TypeError: ``figure`` is not a matplotlib figure.

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from deltanet.utils.tensorboard.images import figure_pixels
        >>> figure_pixels(plt.figure(figsize=(2, 1), dpi=50), close=True).shape
        (3, 50, 100)
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError('add_figure needs matplotlib: pip install "deltanet[plot]"') from None
    if not isinstance(figure, Figure):
        raise TypeError(
            f"add_figure: figure must be a matplotlib Figure or a list of them, got {type(figure).__name__}"
        )
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if close:
        plt.close(figure)
    return np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))
