r"""``read_image`` and ``write_image``: NIfTI (nibabel), DICOM (pydicom), PNG/JPEG/TIFF (Pillow).

Every image comes back as an ``Image`` (``deltanet.data.image``): a channel-first float32 array
$(C, H, W)$ or $(C, D, H, W)$ (float64 with ``dtype=np.float64``) and its affine in RAS+ millimetres.

| what you read | array | affine |
|---|---|---|
| NIfTI ``.nii``, ``.nii.gz``, 3-D $(X, Y, Z)$ | $(1, X, Y, Z)$, the axes as stored | nibabel's ``img.affine`` (RAS+) |
| NIfTI 4-D $(X, Y, Z, T)$ | $(T, X, Y, Z)$: the 4th axis becomes the channels | the same |
| NIfTI RGB or RGBA, $(X, Y, Z)$ | $(3, X, Y, Z)$ or $(4, X, Y, Z)$ | the same |
| DICOM file (``.dcm`` or no suffix) | $(1, H, W)$; multi-frame: $(1, D, H, W)$ | the DICOM tags, LPS+ made RAS+ |
| a folder of DICOM slices | $(1, D, H, W)$, sorted along the slice normal | the same |
| PNG, JPEG, TIFF, BMP, WebP | $(C, H, W)$, $C$ = 1 grey, 3 RGB, 4 RGBA; TIFF pages: $(C, D, H, W)$ | identity |

A NIfTI header whose spatial unit is microns or metres has its affine converted to mm (nibabel
keeps the header's unit). NIfTI values are scaled by the header's ``scl_slope``/``scl_inter``
(nibabel's ``get_fdata``), DICOM values by ``RescaleSlope``/``RescaleIntercept`` (CT in HU; see
``deltanet.data.dicom``); a palette PNG gives its palette indices (label maps are often saved so).
A picture comes as a viewer shows it: an EXIF orientation tag (phones and cameras write one in
JPEG, PNG, TIFF and WebP) turns or mirrors the stored pixels (Pillow's ``ImageOps.exif_transpose``).

**Axis order against MONAI's** ``LoadImage`` **(with** ``EnsureChannelFirst`` **).** NIfTI: the
same array, axes as stored. DICOM: MONAI's ``PydicomReader`` (``swap_ij=True``) gives (column, row,
slice), the reverse of the (slice, row, column) here, and orders a series by ``InstanceNumber``
rather than along the slice normal. Pictures: MONAI's ``PILReader`` (``reverse_indexing=True``)
gives $(C, W, H)$, the transpose of the $(C, H, W)$ here (Pillow's, torchvision's). A DICOM affine
records its axis order, so ``transforms.Orientation("RAS")`` brings a scan read either way to the
same axes; a picture's identity affine does not, so transpose one yourself
(``array.transpose(0, 2, 1)``) to match a MONAI pipeline.

**Precision.** float32 holds every whole number up to $2^{24} = 16\,777\,216$ exactly and rounds
larger ones (16 777 217 becomes 16 777 216). A file whose values include such numbers (an int32 or
uint32 scan, a 32-bit integer TIFF, uint16 values times a large ``RescaleSlope``, a float64 NIfTI
of large label numbers) raises ``ImageReadError`` naming a value and what it would become, rather
than coming back changed; ``read_image(path, dtype=np.float64)`` reads it exactly (whole numbers up
to $2^{53}$). MONAI's ``LoadImage(dtype=np.float32)`` casts such values silently, and nibabel's
``get_fdata()`` returns float64. Scaled values are computed in float64 before the cast.

A file that cannot be read (truncated, not an image, an inconsistent DICOM folder) raises
``ImageReadError``, a ``ValueError`` whose message names the file; so does a file whose first bytes
contradict its suffix (a DICOM file named ``.png``, an uncompressed NIfTI named ``.nii.gz``): the
message says what the suffix promised and what the file holds. Writing goes through a temporary
file in the same folder and ``os.replace``, so a crash never leaves half a file under the name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from deltanet._atomic import atomic_replace
from deltanet.data.dicom import _check_padding, read_dicom
from deltanet.data.image import Image, ImageReadError, as_image_dtype, image_dtype, require

#: Suffix → the format name that ``Image.format`` reports (Pillow reads and writes these).
PILLOW_FORMATS = {
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".bmp": "bmp",
    ".webp": "webp",
}
NIFTI_SUFFIXES = (".nii", ".nii.gz")
DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")


#: Magic numbers: what a file's first bytes say it holds, and the formats that may hold it.
_PICTURES = frozenset(PILLOW_FORMATS.values())
_CONTENT = (
    ("DICOM", lambda head: head[128:132] == b"DICM", frozenset({"dicom"})),
    ("NIfTI", lambda head: head[344:348] in (b"n+1\x00", b"ni1\x00") or head[4:8] == b"n+2\x00", frozenset({"nifti"})),
    ("gzip", lambda head: head[:2] == b"\x1f\x8b", frozenset({"nifti.gz"})),
    ("PNG", lambda head: head[:8] == b"\x89PNG\r\n\x1a\n", _PICTURES),
    ("JPEG", lambda head: head[:3] == b"\xff\xd8\xff", _PICTURES),
    ("TIFF", lambda head: head[:4] in (b"II*\x00", b"MM\x00*"), _PICTURES),
    ("WebP", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", _PICTURES),
)


def _check_content(path: Path, kind: str) -> None:
    """Raise ``ImageReadError`` if the file's magic number names a format its suffix does not."""
    with open(path, "rb") as file:
        head = file.read(352)
    named = "nifti.gz" if path.name.lower().endswith(".nii.gz") else kind
    for holds, matches, readers in _CONTENT:  # the first that matches: a DICOM preamble may hold a TIFF header
        if not matches(head):
            continue
        if named not in readers:
            suffix = ".nii.gz" if named == "nifti.gz" else path.suffix.lower()
            raise ImageReadError(
                f"{path}: expected {_FORMAT_NAMES[kind]}, as the file is named {suffix}, but its first bytes say it "
                f"holds {holds}; rename it to {_SUFFIX_FOR[holds]}"
            )
        break
    if named == "nifti.gz" and head and head[:2] != b"\x1f\x8b":
        raise ImageReadError(
            f"{path}: expected a gzip-compressed NIfTI, as the file is named .nii.gz, but it is not "
            "gzip-compressed; an uncompressed NIfTI is named .nii"
        )


_SUFFIX_FOR = {
    "DICOM": ".dcm",
    "NIfTI": ".nii",
    "gzip": ".nii.gz (if it is a compressed NIfTI)",
    "PNG": ".png",
    "JPEG": ".jpg",
    "TIFF": ".tif",
    "WebP": ".webp",
}
_FORMAT_NAMES = {"nifti": "NIfTI", "dicom": "DICOM", **{kind: kind.upper() for kind in PILLOW_FORMATS.values()}}


def _format_of(path: Path) -> str:
    """``"nifti"``, ``"dicom"`` or a Pillow format, from the suffix (or the DICOM magic number);
    a file whose first bytes name another format than its suffix raises ``ImageReadError``."""
    name = path.name.lower()
    if path.is_dir():
        return "dicom"
    if name.endswith(NIFTI_SUFFIXES):
        kind = "nifti"
    elif name.endswith(DICOM_SUFFIXES):
        kind = "dicom"
    elif path.suffix.lower() in PILLOW_FORMATS:
        kind = PILLOW_FORMATS[path.suffix.lower()]
    else:
        with open(path, "rb") as file:  # DICOM files often have no suffix: "DICM" after a 128-byte preamble
            head = file.read(132)
        if head[128:132] == b"DICM":
            return "dicom"
        raise ImageReadError(
            f"{path}: unknown image format (suffix {path.suffix or 'none'!r}); deltanet reads NIfTI "
            f"({', '.join(NIFTI_SUFFIXES)}), DICOM ({', '.join(DICOM_SUFFIXES)}, a file with the DICM marker, or a "
            f"folder of slices) and {', '.join(PILLOW_FORMATS)}"
        )
    _check_content(path, kind)
    return kind


def _nifti_channels_first(data: np.ndarray, path: Path, colours: bool = False) -> np.ndarray:
    """nibabel's (X, Y[, Z[, T]]), (X, Y, Z, T, 1) or (X, Y, Z, 1, C) array → (C, X, Y[, Z]); with ``colours``, the
    last axis holds an RGB(A) file's colours and becomes the channels."""
    if colours and data.ndim in (3, 4):
        return np.moveaxis(data, -1, 0)
    if data.ndim in (2, 3):
        return data[np.newaxis]
    while data.ndim > 4 and data.shape[-1] == 1:  # (X, Y, Z, T, 1): an empty 5th axis
        data = data[..., 0]
    if data.ndim == 4:
        return np.moveaxis(data, 3, 0)
    if data.ndim == 5 and data.shape[3] == 1:  # NIfTI's vector images: the 5th axis holds the components
        return np.moveaxis(data[:, :, :, 0], 3, 0)
    what = f" ({data.shape[3]} time points of {data.shape[4]} components each)" if data.ndim == 5 else ""
    raise ImageReadError(
        f"{path}: a NIfTI image of shape {data.shape}{what}; deltanet reads 2-D to 4-D images and vector images "
        "(X, Y, Z, 1, C); take one time point or one component with nibabel first"
    )


# Deflate never compresses more than 1032:1, so a .nii.gz this many times smaller than what its
# header declares cannot hold it.
_DEFLATE_MAX_RATIO = 1032


def _check_nifti_size(path: Path, img: Any) -> None:
    """Refuse a header that declares more voxel data than the file can hold, before nibabel
    allocates the array (a hostile or damaged header would otherwise cost its declared size)."""
    header = img.header
    shape = tuple(int(n) for n in header.get_data_shape())
    dtype = header.get_data_dtype()
    offset = getattr(img.dataobj, "offset", None)  # the image's own header copy says 0
    offset = int(header.get_data_offset() if offset is None else offset)
    declared = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    size = path.stat().st_size
    compressed = path.name.lower().endswith(".gz")
    if (size * _DEFLATE_MAX_RATIO + 65536 if compressed else size) < declared:
        holds = f"its {size} compressed bytes cannot hold that much" if compressed else f"the file holds {size} bytes"
        raise ImageReadError(
            f"{path}: cannot read it as NIfTI: the header declares shape {shape} of {dtype} ({declared} bytes "
            "with the header), but "
            f"{holds}: a truncated or damaged file"
        )


def _nifti_voxels(img: Any, path: Path, dtype: np.dtype) -> np.ndarray:
    """The scaled voxels as ``dtype`` (``get_fdata``, scaled in float64); an RGB(A) file's colours on a
    last axis; whole numbers that ``dtype`` would change raise (``image.as_image_dtype``)."""
    stored = img.get_data_dtype()
    if stored.kind == "c":
        raise ImageReadError(
            f"{path}: the voxels are complex ({stored}), and deltanet's images are real; take the magnitude "
            "or the phase with nibabel first (np.abs(img.get_fdata(dtype=np.complex64)) or np.angle)"
        )
    if stored.names is not None:  # RGB24 / RGBA32: one field per colour
        raw = np.asanyarray(img.dataobj)
        return np.stack([raw[name] for name in stored.names], axis=-1).astype(dtype)
    slope, inter = img.header.get_slope_inter()
    if slope in (None, 1.0) and inter in (None, 0.0):  # unscaled: the stored values, exactly
        return as_image_dtype(np.asanyarray(img.dataobj), dtype, path)
    return as_image_dtype(img.get_fdata(dtype=np.float64), dtype, path)


#: NIfTI spatial units (``xyzt_units``) → millimetres; "unknown" is taken as mm, as everywhere.
_TO_MM = {"meter": 1000.0, "micron": 0.001}


def _read_nifti(path: Path, dtype: np.dtype) -> Image:
    nib = require("nibabel")
    try:
        img = nib.load(str(path))
        if not hasattr(img, "affine"):  # CIFTI-2: brain models and parcels, not a voxel grid
            raise ImageReadError(
                f"{path}: a {type(img).__name__.replace('Cifti2Image', 'CIFTI-2')} file of shape {img.shape}, "
                "not a volume (its axes are brain models or parcels, not voxels); read it with nibabel"
            )
        _check_nifti_size(path, img)
        data = _nifti_voxels(img, path, dtype)
        affine = np.array(img.affine, dtype=np.float64)
        header = img.header
        affine[:3] *= _TO_MM.get(header.get_xyzt_units()[0], 1.0)  # nibabel keeps the header's unit
        meta = {
            "shape": [int(n) for n in img.shape],
            "zooms": [float(z) for z in header.get_zooms()],
            "units": [str(u) for u in header.get_xyzt_units()],
            # which header field gave the affine (nibabel's get_best_affine): "pixdim" says the file states
            # no orientation, and nibabel's ANALYZE default (x flipped, origin at the centre) stands in
            "affine_from": "sform" if header["sform_code"] else "qform" if header["qform_code"] else "pixdim",
            "sform_code": int(header["sform_code"]),
            "qform_code": int(header["qform_code"]),
            "descrip": header["descrip"].item().split(b"\x00")[0].decode("latin-1").strip(),
            # the voxels' type on disk (before scl_slope/scl_inter): write_image writes whole numbers back in it
            "stored_dtype": str(header.get_data_dtype()) if header.get_data_dtype().names is None else None,
        }
    except (MemoryError, ImageReadError):
        raise
    except Exception as error:
        raise ImageReadError(f"{path}: cannot read it as NIfTI: {' '.join(str(error).split())}") from None
    colours = img.get_data_dtype().names is not None
    return Image(_nifti_channels_first(data, path, colours), affine, "nifti", path, meta)


def _pillow_frame(frame: Any) -> np.ndarray:
    """One Pillow frame as (C, H, W), its values as stored: palette indices stay indices, exotic modes go RGB."""
    if frame.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        frame = frame.convert("RGB")
    values = np.asarray(frame)
    return values[np.newaxis] if values.ndim == 2 else np.moveaxis(values, -1, 0)


_PNG_COLOUR_TYPES = {2: "RGB", 4: "grey + alpha", 6: "RGBA"}


def _check_bit_depth(picture: Any, head: bytes, path: Path) -> None:
    """Refuse a colour picture of more than 8 bits per channel, which Pillow (having no such mode)
    cuts to 8 bits, keeping the high byte of each value; 16-bit grey it reads whole."""
    kind = None
    if picture.format == "PNG" and len(head) >= 26 and head[24] == 16 and head[25] in _PNG_COLOUR_TYPES:
        kind = f"PNG of 16 bits per channel in {_PNG_COLOUR_TYPES[head[25]]}"
    tags = getattr(picture, "tag_v2", None)
    if picture.format == "TIFF" and tags is not None:
        bits = tags.get(258, (1,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        if len(bits) > 1 and max(bits) > 8:
            kind = f"TIFF of {max(bits)} bits per channel in {len(bits)} channels"
    if kind is not None:
        raise ImageReadError(
            f"{path}: a {kind}: Pillow reads it as 8 bits per channel (the high byte of each value), so it is "
            "refused rather than cut; save each channel as a 16-bit grey PNG or TIFF, or read it with "
            "cv2.imread(path, cv2.IMREAD_UNCHANGED) and wrap the array in an Image"
        )


def _read_pillow(path: Path, kind: str, dtype: np.dtype) -> Image:
    PIL = require("PIL")
    from PIL import Image as PILImage
    from PIL import ImageOps

    try:
        # Opened from a file object, not by name: Pillow 13 maps an uncompressed TIFF by name into
        # memory with its displayed size, which scrambles a TIFF turned by its orientation tag (5 to 8).
        with open(path, "rb") as file:
            head = file.read(26)
        with open(path, "rb") as file, PILImage.open(file) as picture:
            mode, frames = picture.mode, int(getattr(picture, "n_frames", 1))
            _check_bit_depth(picture, head, path)
            if kind == "tiff" and frames > 1:  # a multi-page TIFF is a stack of slices
                pages = []
                for index in range(frames):
                    picture.seek(index)
                    _check_bit_depth(picture, b"", path)
                    pages.append(_pillow_frame(ImageOps.exif_transpose(picture)))
                shapes = {p.shape for p in pages}
                if len(shapes) > 1:
                    raise ValueError(f"its {frames} pages differ in size or channels: {sorted(shapes)}")
                array = np.stack(pages, axis=1)
            else:
                picture.load()
                # as a viewer shows it: the EXIF orientation (JPEG, PNG, TIFF, WebP) turns or mirrors it
                array = _pillow_frame(ImageOps.exif_transpose(picture))
        array = as_image_dtype(array, dtype, path)  # a 32-bit integer TIFF may hold values float32 would round
    except (MemoryError, ImageReadError):
        raise
    except (OSError, ValueError, SyntaxError, PIL.Image.DecompressionBombError) as error:
        raise ImageReadError(f"{path}: cannot read it as an image (Pillow): {' '.join(str(error).split())}") from None
    return Image(array, np.eye(4), kind, path, {"mode": mode, "frames": frames})


def read_image(path: Any, dtype: Any = np.float32, padding: Any = "keep") -> Image:
    r"""Read a NIfTI file, a DICOM file or folder of slices, or a PNG/JPEG/TIFF picture.

    The format comes from the suffix (``.nii``, ``.nii.gz``, ``.dcm``, ``.png``, ...), a folder is
    a DICOM series, and a file without a suffix is DICOM if it carries the ``DICM`` marker. The
    array is channel-first float32 (or ``dtype``); the affine maps voxel indices to RAS+ millimetres
    (see ``deltanet.data.image`` for the convention and the module docstring for each format).

    Args:
        path: a file, or a folder holding the DICOM slices of one series.
        dtype: ``numpy.float32`` (default, as MONAI's ``LoadImage``) or ``numpy.float64``. A file
            holding whole numbers beyond $2^{24}$ that float32 would round raises, naming the value;
            read it with ``dtype=np.float64``.
        padding: DICOM's padding pixels (outside a CT's field of view, marked by
            ``PixelPaddingValue``): ``"keep"`` (default) keeps their values, as pydicom and MONAI do,
            and warns when the file holds any; a number sets them to it after the rescaling
            (``-1024``: air in HU). Other formats state no padding and ignore it.

    Returns:
        An ``Image`` with ``array``, ``affine``, ``spacing``, ``origin``, ``format``, ``path`` and
        ``metadata``.

    Raises:
        FileNotFoundError: no such file or folder.
        ImageReadError: a file that cannot be read as an image (the message names it and says
            why), or whose first bytes name another format than its suffix; a DICOM folder that
            mixes series or orientations or has uneven slice gaps; values that ``dtype`` cannot
            hold exactly (whole numbers beyond $2^{24}$ for float32).
        ValueError: a ``dtype`` other than float32 and float64; a ``padding`` other than ``"keep"``
            and a finite number.
        ImportError: the package for the format is missing (``pip install 'deltanet[imaging]'``).

    Examples:
        >>> from nibabel.testing import data_path
        >>> from deltanet.data import read_image
        >>> image = read_image(f"{data_path}/anatomical.nii")
        >>> image.array.shape, image.array.dtype, image.spacing
        ((1, 33, 41, 25), dtype('float32'), (2.0, 2.0, 2.0))
    """
    dtype = image_dtype(dtype)
    padding = _check_padding(padding)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"read_image: no such file or folder: {path}")
    kind = _format_of(path)
    if kind == "nifti":
        return _read_nifti(path, dtype)
    if kind == "dicom":
        return read_dicom(path, dtype, padding)
    return _read_pillow(path, kind, dtype)


# -- writing ---------------------------------------------------------------------------------
def _channel_first(array: np.ndarray, like: Image | None, kind: str) -> np.ndarray:
    """The array to write as (C, *spatial), the channel axis added where it is implied."""
    if like is not None:
        spatial = like.spatial_shape
        if array.shape == spatial:
            return array[np.newaxis]
        if array.shape[1:] == spatial:
            return array
        raise ValueError(
            f"write_image: the array's shape {array.shape} does not fit like's spatial shape {spatial} "
            f"(give {spatial} or (C, *{spatial})); like's affine would place it wrongly"
        )
    if array.ndim == 2:
        return array[np.newaxis]
    if kind == "nifti" and array.ndim == 3:
        return array[np.newaxis]  # a volume (D, H, W)
    if array.ndim in (3, 4):
        return array
    raise ValueError(f"write_image: expected an image (H, W), (C, H, W) or a volume, got shape {array.shape}")


def _integer_dtype(low: float, high: float) -> Any:
    for dtype in (np.uint8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return dtype
    raise ValueError(f"write_image: integer values from {low} to {high} do not fit NIfTI's int32")


def _stored_integer_dtype(name: Any) -> np.dtype | None:
    """The source NIfTI's integer voxel type (``metadata["stored_dtype"]``), or None."""
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        return None
    return dtype if dtype is not None and dtype.kind in "iu" else None


def _whole_within(values: np.ndarray, dtype: np.dtype) -> bool:
    """Whether every value is a whole number that ``dtype`` holds."""
    info = np.iinfo(dtype)
    return bool(
        np.isfinite(values).all()
        and info.min <= values.min()
        and values.max() <= info.max
        and np.all(values == np.round(values))
    )


def _write_nifti(path: Path, array: np.ndarray, affine: np.ndarray, source: Image | None) -> None:
    """The NIfTI file; a NIfTI ``source`` (``like``, else the ``Image`` written) gives its sform and
    qform codes, its time unit and, when the channels are its time points, their spacing (``pixdim[4]``)."""
    nib = require("nibabel")
    if array.ndim == 3 and array.shape[0] > 1:
        raise ValueError(
            f"write_image: a 2-D image with {array.shape[0]} channels cannot be written as NIfTI; write it as PNG, "
            "or give a volume (C, D, H, W)"
        )
    data = array[0] if array.shape[0] == 1 else np.moveaxis(array, 0, -1)  # NIfTI: (X, Y, Z[, C])
    codes = source.metadata if source is not None and source.format == "nifti" else {}
    stored = _stored_integer_dtype(codes.get("stored_dtype"))
    if data.dtype.kind == "b":
        data = data.astype(np.uint8)
    elif data.dtype.kind in "iu":
        data = data.astype(_integer_dtype(data.min(), data.max()))
    elif stored is not None and _whole_within(data, stored):
        data = data.astype(stored)  # read from integers (a CT in HU, a label map): back as they were stored
    else:
        try:  # float32, unless that would change whole numbers beyond 2**24: then float64
            data = as_image_dtype(data, np.dtype(np.float32), path)
        except ImageReadError:
            data = data.astype(np.float64)
    img = nib.Nifti1Image(data, affine)
    img.set_sform(affine, code=int(codes.get("sform_code", 1)) or 1)
    # the qform is a rotation, zooms and a shift: a sheared affine (a CT gantry tilt) is kept by the sform
    # alone, and the qform is marked unused (nibabel would store a rotation near it, placing slices mm off)
    columns = affine[:3, :3] / np.linalg.norm(affine[:3, :3], axis=0)
    sheared = not np.allclose(columns.T @ columns, np.eye(3), atol=1e-6)
    img.set_qform(affine, code=0 if sheared else int(codes.get("qform_code", 1)) or 1)
    time_unit = (list(codes.get("units") or []) + ["unknown", "unknown"])[1]
    img.header.set_xyzt_units("mm", time_unit if time_unit in ("sec", "msec", "usec", "hz", "ppm", "rads") else None)
    zooms, shape = list(codes.get("zooms") or []), list(codes.get("shape") or [])
    if data.ndim == 4 and len(zooms) >= 4 and len(shape) >= 4 and shape[3] == data.shape[3]:
        img.header.set_zooms((*img.header.get_zooms()[:3], zooms[3]))  # the time points' spacing (TR)
    _atomically(path, lambda tmp: nib.save(img, str(tmp)))


def _pillow_values(array: np.ndarray, kind: str) -> np.ndarray:
    """Whole numbers 0..255 (or 0..65535, one channel, PNG/TIFF) as uint8/uint16; floats in [0, 1] scaled."""
    values = array.astype(np.float64) if array.dtype.kind == "b" else array
    low, high = float(values.min()), float(values.max())
    whole = values.dtype.kind in "iu" or bool(np.all(values == np.round(values)))
    if not whole and 0 <= low and high <= 1:
        return np.round(values * 255).astype(np.uint8)  # intensities in [0, 1]
    if whole and 0 <= low and high <= 255:
        return values.astype(np.uint8)
    if whole and 0 <= low and high <= 65535 and array.shape[0] == 1 and kind in ("png", "tiff"):
        return values.astype(np.uint16)
    raise ValueError(
        f"write_image: a {kind.upper()} holds whole numbers 0..255 (0..65535 for one channel in PNG/TIFF) or "
        f"intensities in [0, 1], got values from {low:g} to {high:g}; rescale first (e.g. transforms.ScaleIntensity) "
        "or write NIfTI, which keeps any value"
    )


def _write_pillow(path: Path, array: np.ndarray, kind: str) -> None:
    require("PIL")
    from PIL import Image as PILImage

    if array.ndim != 3 or array.shape[0] not in (1, 2, 3, 4):
        raise ValueError(
            f"write_image: a {kind.upper()} holds a 2-D image with 1 to 4 channels (C, H, W), got shape {array.shape}"
        )
    if kind == "webp" and array.shape[0] < 3:
        raise ValueError(
            f"write_image: WebP holds RGB or RGBA pictures only, got {array.shape[0]} channel(s), which would come "
            "back as 3 or 4; write PNG"
        )
    values = _pillow_values(array, kind)
    pixels = values[0] if values.shape[0] == 1 else np.moveaxis(values, 0, -1)
    mode = {1: "I;16" if values.dtype == np.uint16 else "L", 2: "LA", 3: "RGB", 4: "RGBA"}[values.shape[0]]
    picture = PILImage.fromarray(pixels, mode=mode) if mode != "I;16" else PILImage.fromarray(pixels)
    options = {"lossless": True} if kind == "webp" else {}  # Pillow's default WebP is lossy
    _atomically(path, lambda tmp: picture.save(tmp, format=kind.upper(), **options))


def _atomically(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder with the target's suffixes (the writers
    pick the format from the name), then rename it over ``path`` (``deltanet._atomic``)."""
    suffixes = ".nii.gz" if path.name.lower().endswith(".nii.gz") else path.suffix
    atomic_replace(path, write, suffix=".tmp" + suffixes)


def write_image(path: Any, image: Any, like: Image | None = None) -> Path:
    r"""Write an image or an array to NIfTI (any values) or PNG/JPEG/TIFF (8- or 16-bit).

    The geometry comes from ``like`` when given (write a prediction with the affine of the scan
    it was made from), else from ``image`` when it is an ``Image``, else the identity. A plain
    array may leave out the channel axis: $(X, Y, Z)$ is a volume for NIfTI, $(H, W)$ an image;
    with ``like`` its shape must be like's spatial shape, with or without a channel axis.

    NIfTI keeps integers as integers (the smallest of uint8, int16, int32 that holds them; bool
    as uint8) and writes floats as float32, or as float64 when float32 would round whole numbers
    beyond $2^{24}$ that the array holds (as from ``read_image(path, dtype=np.float64)``); floats
    that are all whole numbers go back to the integer type of the NIfTI they came from (``like``,
    else the ``Image`` written; ``metadata["stored_dtype"]``) when it holds them, so a label map
    or a CT read and written stays uint8 or int16 on disk. A
    NaN (no data) is kept in NIfTI and refused in a picture; infinity is refused. A
    picture takes whole numbers 0..255 (or 0..65535 for one channel in PNG/TIFF) or intensities in
    $[0, 1]$ (scaled to 0..255); other values raise, rather than being clipped. A picture keeps no
    geometry. JPEG is lossy: the values read back differ from those written (near edges most), so
    write label maps as PNG or NIfTI, never JPEG.

    Args:
        path: the file to write: ``.nii``, ``.nii.gz``, ``.png``, ``.jpg``, ``.tif``, ``.bmp``, ``.webp``
            (lossless; RGB or RGBA only).
        image: an ``Image``, an array (channel first, or without the channel axis as above) or a
            Tensor.
        like: an ``Image`` whose affine (spacing, origin, orientation) the written file gets.

    Returns:
        The path written.

    Raises:
        ValueError: an unknown suffix, a shape that does not fit ``like``, values a picture cannot
            hold (NaN among them), infinity.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> from deltanet.data import Image, read_image, write_image
        >>> scan = Image(np.zeros((1, 8, 8, 4), np.float32), affine=np.diag([0.5, 0.5, 2.0, 1.0]))
        >>> mask = np.ones((8, 8, 4), dtype=np.int64)
        >>> path = write_image(os.path.join(tempfile.mkdtemp(), "mask.nii.gz"), mask, like=scan)
        >>> back = read_image(path)
        >>> back.spacing, back.array.shape
        ((0.5, 0.5, 2.0), (1, 8, 8, 4))
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(NIFTI_SUFFIXES):
        kind = "nifti"
    elif path.suffix.lower() in PILLOW_FORMATS:
        kind = PILLOW_FORMATS[path.suffix.lower()]
    else:
        raise ValueError(
            f"write_image: cannot write {path.name!r}: deltanet writes NIfTI ({', '.join(NIFTI_SUFFIXES)}) and "
            f"{', '.join(PILLOW_FORMATS)} (DICOM is read only)"
        )
    if like is not None and not isinstance(like, Image):
        raise ValueError(f"write_image: like must be an Image (from read_image), got {type(like).__name__}")
    affine = like.affine if like is not None else None
    if isinstance(image, Image):
        array = image.array
        affine = image.affine if affine is None else affine
    else:
        array = np.asarray(getattr(image, "array", image))
    if array.dtype.kind not in "biuf" or array.size == 0:
        raise ValueError(
            f"write_image: expected a non-empty array of numbers, got dtype {array.dtype}, shape {array.shape}"
        )
    if array.dtype.kind == "f" and np.isinf(array).any():
        raise ValueError("write_image: the image contains infinity")
    if array.dtype.kind == "f" and kind != "nifti" and np.isnan(array).any():
        # NIfTI keeps NaN, the mark of "no data" that FSL, SPM and resamplers write outside the field of view
        raise ValueError(f"write_image: the image contains NaN, which a {kind.upper()} cannot hold; write NIfTI")
    if isinstance(image, Image) and like is None:
        array = image.array  # channel first by definition: (1, H, W) is a 2-D image, not a volume of depth 1
    else:
        array = _channel_first(array, like, kind)
    if kind == "nifti":
        source = like if like is not None else image if isinstance(image, Image) else None
        _write_nifti(path, array, np.eye(4) if affine is None else affine, source)
    else:
        _write_pillow(path, array, kind)
    return path


__all__ = ["DICOM_SUFFIXES", "NIFTI_SUFFIXES", "PILLOW_FORMATS", "read_image", "write_image"]
