"""The IDX format of the MNIST files (``train-images-idx3-ubyte``, optionally gzipped).

An IDX file is a header and the array's bytes, big-endian:

```text
    bytes 0-1   0x00 0x00
    byte  2     the element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     the number of dimensions d
    then d      dimension sizes, 4-byte unsigned big-endian each
    then        the elements, row-major, exactly prod(sizes) × itemsize bytes
```

MNIST's image files are 0x00000803 (uint8, 3 dimensions: N × 28 × 28) and its label files
0x00000801 (uint8, N). The reader checks every part of the header and that the data are exactly
as long as the header says (no truncation, no trailing bytes) before it hands out an array, and
reads a gzipped file in bounded chunks, so that a small file that declares a huge shape cannot
make it allocate more than the file holds.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from deltanet.data.readers import DataFileError

#: IDX type code → the big-endian NumPy dtype of the elements.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CHUNK = 1 << 20


class IDXFormatError(DataFileError):
    """An IDX file that is not what its header says; the message names the file and the problem.

    A ``DataFileError``, hence a ``ValueError``.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data import read_idx
        >>> path = os.path.join(tempfile.mkdtemp(), "bad-idx1-ubyte")
        >>> _ = open(path, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1]))  # declares 5 labels, holds 1
        >>> read_idx(path)
        Traceback (most recent call last):
        ...
        deltanet.data.idx.IDXFormatError: ...: truncated IDX file: ...
    """


def _open(path: Path) -> BinaryIO:
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


def _read_exactly(f: BinaryIO, n: int, path: Path, what: str) -> bytes:
    """Read ``n`` bytes in chunks; a short read is a truncated file."""
    parts = []
    remaining = n
    while remaining > 0:
        part = f.read(min(remaining, _CHUNK))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    data = b"".join(parts)
    if len(data) != n:
        raise IDXFormatError(
            f"{path}: truncated IDX file: the header declares {what} of {n} bytes, but the file holds only {len(data)}"
        )
    return data


def read_idx_header(path: Any) -> tuple[np.dtype, tuple[int, ...]]:
    """The element dtype and shape that the IDX file ``path`` declares (reads only the header).

    Args:
        path: the IDX file, plain or gzipped.

    Returns:
        ``(dtype, shape)``: the element dtype in native byte order and the declared shape.

    Raises:
        IDXFormatError: the header is not an IDX header.
        FileNotFoundError: no such file.

    Examples:
        >>> import numpy as np, tempfile, os
        >>> from deltanet.data import write_idx, read_idx_header
        >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
        >>> write_idx(path, np.array([5, 0, 4], dtype=np.uint8))
        >>> read_idx_header(path)
        (dtype('uint8'), (3,))
    """
    path = Path(path)
    try:
        f = _open(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    with f:
        try:
            dtype, shape = _header(f, path)
            return dtype.newbyteorder("="), shape
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise IDXFormatError(f"{path}: cannot read the IDX header: {error}") from None


def _header(f: BinaryIO, path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    magic = f.read(4)
    if len(magic) < 4:
        raise IDXFormatError(f"{path}: not an IDX file: {len(magic)} bytes, shorter than the 4-byte magic number")
    if magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_DTYPES or magic[3] == 0:
        value = int.from_bytes(magic, "big")
        raise IDXFormatError(
            f"{path}: not an IDX file: bad magic number 0x{value:08X}; expected 0x0000TTDD with type "
            f"TT in {{08, 09, 0B, 0C, 0D, 0E}} and DD ≥ 1 dimensions (MNIST images: 0x00000803, "
            f"labels: 0x00000801)"
        )
    dtype = IDX_DTYPES[magic[2]]
    ndim = magic[3]
    raw = f.read(4 * ndim)
    if len(raw) != 4 * ndim:
        raise IDXFormatError(
            f"{path}: truncated IDX header: {ndim} dimension sizes need {4 * ndim} bytes, got {len(raw)}"
        )
    shape = struct.unpack(f">{ndim}I", raw)
    return dtype, tuple(int(s) for s in shape)


def read_idx(path: Any) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a NumPy array of its declared dtype and shape.

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        The array in native byte order: uint8 (N, 28, 28) for MNIST images, (N,) for labels.

    Raises:
        IDXFormatError: (a ``ValueError``) bad magic number, truncated header or data, trailing
            bytes after the data; the message names the file.
        FileNotFoundError: no such file.

    Examples:
        >>> import numpy as np, tempfile, os
        >>> from deltanet.data import read_idx, write_idx
        >>> path = os.path.join(tempfile.mkdtemp(), "images-idx3-ubyte.gz")
        >>> write_idx(path, np.arange(8, dtype=np.uint8).reshape(2, 2, 2))
        >>> read_idx(path)[1].tolist()
        [[4, 5], [6, 7]]
    """
    path = Path(path)
    try:
        f = _open(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IDXFormatError(f"{path}: expected an IDX file, got a folder") from None
    with f:
        try:
            dtype, shape = _header(f, path)
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            n_bytes = count * dtype.itemsize
            if not isinstance(f, gzip.GzipFile):
                available = os.fstat(f.fileno()).st_size - f.tell()
                if available < n_bytes:
                    raise IDXFormatError(
                        f"{path}: truncated IDX file: the header declares shape {shape} of "
                        f"{dtype.name}, {n_bytes} bytes, but only {available} bytes follow the header"
                    )
            data = _read_exactly(f, n_bytes, path, f"shape {shape} of {dtype.name}, data")
            extra = f.read(1)
        except (OSError, EOFError, gzip.BadGzipFile, struct.error, zlib.error) as error:
            raise IDXFormatError(f"{path}: cannot read the IDX file: {error}") from None
    if extra:
        raise IDXFormatError(
            f"{path}: wrong IDX size: trailing bytes after the {n_bytes} bytes of data that the header "
            f"declares (shape {shape}); the counts in the header do not match the file"
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: Any, array: Any) -> None:
    """Write ``array`` as an IDX file (gzipped when the name ends in ``.gz``).

    Args:
        path: the file to write.
        array: uint8, int8, int16, int32, float32 or float64 array with 1 to 255 dimensions.

    Examples:
        >>> import numpy as np, tempfile, os
        >>> from deltanet.data import write_idx
        >>> path = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
        >>> write_idx(path, np.array([1, 2], dtype=np.uint8))
        >>> open(path, "rb").read().hex()
        '00000801000000020102'
    """
    a = np.asarray(array)
    codes = {np.dtype(d).newbyteorder("=").str[1:]: c for c, d in IDX_DTYPES.items()}
    key = a.dtype.newbyteorder("=").str[1:]
    if key not in codes or a.ndim == 0 or a.ndim > 255:
        raise ValueError(
            f"write_idx: expected a uint8/int8/int16/int32/float32/float64 array with 1-255 dimensions, "
            f"got dtype {a.dtype} with {a.ndim} dimensions"
        )
    code = codes[key]
    header = bytes([0, 0, code, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    payload = header + np.ascontiguousarray(a, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)


__all__ = ["IDXFormatError", "IDX_DTYPES", "read_idx", "read_idx_header", "write_idx"]
