"""``.npy`` members: written with ``allow_pickle=False``, read by checking the header first.

Reading never calls ``np.load``. The header (magic, version, length, then a Python-literal
dict) is parsed by NumPy's ``read_array_header_*`` with a size cap; its ``descr`` must be the
plain numeric dtype the model expects and its ``shape`` the model's shape, and the member's size
must be exactly header + shape × itemsize, all *before* the data is touched. The array is then a
view of the member's bytes (``np.frombuffer``): nothing is unpickled, nothing else is allocated.
"""

from __future__ import annotations

import io as _io
import math
from typing import Any

import numpy as np

from deltanet.io.errors import CheckpointError

#: The longest header accepted (NumPy's own default cap for untrusted files).
MAX_HEADER = 10000
#: The dtypes (by name) that a file may declare for an array; read as little-endian.
DTYPES = frozenset(
    {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"}
)
#: Bytes of a header besides the dict: magic (6), version (2), length (2 or 4).
_PREFIX = {(1, 0): 10, (2, 0): 12}


def to_bytes(array: np.ndarray) -> bytes:
    """The ``.npy`` bytes of a numeric array (C order, ``allow_pickle=False``)."""
    array = np.asarray(array)
    array = array if array.flags.c_contiguous else array.copy(order="C")  # (keeps 0-d arrays 0-d)
    if array.dtype.kind not in "biuf" or array.dtype.hasobject:
        raise CheckpointError(f"cannot save an array of dtype {array.dtype}: only numbers are saved")
    buffer = _io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def size_bounds(shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, int]:
    """The smallest and largest member size of a ``.npy`` holding ``shape`` × ``dtype``."""
    nbytes = math.prod(shape) * dtype.itemsize
    return nbytes + _PREFIX[(1, 0)] + 1, nbytes + _PREFIX[(2, 0)] + MAX_HEADER


def from_bytes(data: bytes, member: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The array in ``data`` (a read-only view), after checking the header against shape/dtype."""
    stream = _io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
    except Exception as error:
        raise CheckpointError(f"{member}: not a .npy array ({error})") from None
    if version not in _PREFIX:
        raise CheckpointError(f"{member}: unsupported .npy format version {version}, expected 1.0 or 2.0")
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        header_shape, fortran_order, header_dtype = reader(stream, max_header_size=MAX_HEADER)
    except Exception as error:  # ValueError for malformed headers; anything else is malformed too
        raise CheckpointError(f"{member}: bad .npy header ({str(error)[:200]})") from None
    if header_dtype.hasobject or header_dtype.kind not in "biuf" or header_dtype.fields is not None:
        raise CheckpointError(
            f"{member}: dtype {header_dtype} is not a plain numeric dtype (object arrays, which "
            f"hold pickles, are refused); expected {dtype}"
        )
    if header_dtype != dtype:
        raise CheckpointError(f"{member}: dtype {header_dtype.str}, expected the model's {dtype.str}")
    if tuple(header_shape) != tuple(shape):
        raise CheckpointError(f"{member}: shape {_short(header_shape)}, expected the model's {tuple(shape)}")
    offset = stream.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    if len(data) - offset != nbytes:
        raise CheckpointError(
            f"{member}: {len(data) - offset} bytes of data, but shape {tuple(shape)} of {dtype} needs {nbytes}"
        )
    array = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=offset)
    return array.reshape(shape, order="F" if fortran_order else "C")


def _short(shape: Any) -> str:
    text = repr(tuple(shape)) if isinstance(shape, tuple) else repr(shape)
    return text if len(text) <= 80 else text[:77] + "..."
