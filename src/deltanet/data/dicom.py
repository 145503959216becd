r"""DICOM files and series (through pydicom) as ``Image`` objects in RAS+ coordinates.

A DICOM file holds one slice (or, multi-frame, several). Its geometry is in three tags: the
position of the centre of the first pixel, ``ImagePositionPatient`` $p$ (LPS+ mm); the directions
of a row and of a column, ``ImageOrientationPatient`` $(r, c)$; and ``PixelSpacing``
$(\Delta_{row}, \Delta_{col})$, the distance between rows and between columns. The pixel at row $m$,
column $n$ of the array lies at $p + m\, \Delta_{row}\, c + n\, \Delta_{col}\, r$.

A **folder of slices** becomes a volume $(1, D, H, W)$: the slices are sorted by their position
along the slice normal $\hat n = r \times c$, that is by $p \cdot \hat n$, never by file name or
``InstanceNumber`` (which scanners number in either direction, or restart). The slice step is the
mean difference of consecutive positions (for a folder of one slice, its ``SliceThickness``).
The folder must hold one series of parallel, evenly spaced slices on one line; otherwise
``ImageReadError`` says what is wrong (two series, two orientations, a missing slice, two slices at
one position, a slice off the line through the others). A CT **gantry tilt** (the planes tilted,
the positions advancing along the table) is kept exactly: the slice axis of the affine is the step
between positions, not the normal, so the affine is sheared, and ``metadata["slice_tilt_degrees"]``
gives the angle between the two (0 for a straight stack). Nothing is resampled; ``write_image``
writes such an affine to the NIfTI sform only, as the qform cannot hold a shear.

**Pixel spacing** is in the patient where the file says so: ``PixelSpacing`` (PS3.3 10.7.1.1:
"in the Patient"; calibrated for magnification where it differs from ``ImagerPixelSpacing``). A
projection radiograph (CR, DX, mammography) may state only ``ImagerPixelSpacing``, measured at the
detector, where the patient appears enlarged by $M$ = ``EstimatedRadiographicMagnificationFactor``
(source-to-detector over source-to-object distance, PS3.3 C.8.11.7): the spacing is then
``ImagerPixelSpacing`` $/ M$, the patient plane; without $M$ it is ``ImagerPixelSpacing`` itself, the
detector plane, so lengths come out $M$ times (typically 1.1 to 1.2 times) too large. A scanned film
gives ``NominalScannedPixelSpacing``; an ultrasound image the ``PhysicalDeltaX``/``PhysicalDeltaY``
(cm) of its 2-D tissue regions in ``SequenceOfUltrasoundRegions`` (PS3.3 C.8.5.5), when they all
agree (a Doppler strip beside them has other units and is left out).
``metadata["pixel_spacing_from"]`` names the tag(s) used and ``metadata["pixel_spacing_plane"]``
says ``"patient"`` or ``"detector"`` (None: no spacing stated, 1 mm). MONAI's ``PydicomReader``
reads ``PixelSpacing`` alone (1 mm for a CR, DX or ultrasound image without it).

**Values**: the modality LUT is applied (``RescaleSlope`` and ``RescaleIntercept``, slice by slice,
one stated without the other taken with intercept 0 or slope 1, as MONAI's ``PydicomReader``;
in an enhanced multi-frame file, frame by frame from its ``PixelValueTransformationSequence``), so
CT comes out in Hounsfield units; RT dose grids are multiplied by ``DoseGridScaling`` (Gy). The
values are otherwise the stored ones: ``MONOCHROME1`` images (CR, DX, mammography; high values
shown dark) are **not** inverted, and ``PALETTE COLOR`` gives the palette indices; the
``PhotometricInterpretation`` in ``Image.metadata`` says which. YBR colour comes out as RGB.

**Enhanced multi-frame** files (Enhanced CT/MR) keep their geometry and rescaling in functional
groups, shared by all frames or given per frame; both are read. A file without patient geometry
(ultrasound, secondary capture) gets nominal values (axial orientation, 1 mm pixels, origin 0), and
``metadata["missing_geometry"]`` lists the tags it lacks. Frames without a stated geometry
(cine, ultrasound: the frames are time points) are stacked with a nominal step of 1 mm, and
``metadata["frame_spacing"]`` is None to say so. A multi-frame **NM** (nuclear medicine) file says
what its frames are through ``FrameIncrementPointer`` and the vectors it names (PS3.3 C.8.4.8):
when only ``SliceVector`` varies (a reconstruction, RECON TOMO) slice $s$ is placed at
``ImagePositionPatient`` $+ (s - s_{min})$ ``SpacingBetweenSlices`` along $\hat n$, the
position and orientation read from the one ``DetectorInformationSequence`` item where the top
level lacks them (the standard states one position for the whole file, so the slices are taken
to advance along $\hat n$); frames that differ in energy window, detector, rotation, projection
angle, phase, R-R interval or time raise ``ImageReadError`` naming the vector. A compressed file needs a decoder
for its transfer syntax: pydicom decodes RLE itself and baseline JPEG and JPEG 2000 through
Pillow; for the others the error names the ``pip install`` (``DECODER_FOR``), and for those no
pydicom plugin decodes (video, JPEG XL) it says to convert the file.

**Padding pixels** (PS3.3 C.7.5.1.1.2): a CT's circular field of view leaves the corners of the
square image unscanned, and the file marks them with ``PixelPaddingValue`` (often $-2000$, or
$-3024$ HU after the LUT), or a range of stored values up to ``PixelPaddingRangeLimit``. pydicom,
highdicom and MONAI's ``PydicomReader`` keep them as values, and so does ``read_image`` by default
(``padding="keep"``), but it warns (``UserWarning``) when a file holds any, since a normalisation
(``NormalizeIntensity``, ``ScaleIntensity``) would take them as tissue; ``padding=v`` sets them to
$v$ after the LUT (``padding=-1024``: air in HU; ``padding=0`` with
``NormalizeIntensity(nonzero=True)`` leaves them out of the mean and deviation).
A lossily compressed file (``LossyImageCompression`` "01": lossy JPEG or JPEG 2000) has had its
padding values changed near the padding's edges, so only some pixels hold the stated value: it
warns so, whatever ``padding`` is. ``metadata["padding_pixels"]`` counts them,
``metadata["padding"]`` says what was done (``"keep"`` or the value they became), and
``metadata["PixelPaddingValue"]`` (and ``"PixelPaddingRangeLimit"``) give the stored values.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.data.image import LPS_TO_RAS, Image, ImageReadError, as_image_dtype, require

#: Tags copied into ``Image.metadata`` when the file has them.
METADATA_TAGS = (
    "Modality",
    "PhotometricInterpretation",
    "SeriesInstanceUID",
    "SeriesDescription",
    "StudyInstanceUID",
    "Manufacturer",
    "WindowCenter",
    "WindowWidth",
    "RescaleSlope",
    "RescaleIntercept",
    "PixelSpacing",
    "ImagerPixelSpacing",
    "EstimatedRadiographicMagnificationFactor",
    "PixelSpacingCalibrationType",
)
# Positions and directions that agree to this many mm (or this much of a unit vector) are equal.
_TOLERANCE = 1e-3
# Slice gaps may differ by this fraction of the usual (median) gap (scanners round positions to 0.01 mm).
_GAP_TOLERANCE = 0.01
# A slice may lie this fraction of the usual gap off the line through the first and last slices.
_LINE_TOLERANCE = 0.05


def _plain(value: Any) -> Any:
    """A DICOM element value as plain Python (str, int, float, or a list of them)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):  # pydicom's DS subclasses float, IS subclasses int
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return str(value)
    return [_plain(v) for v in value]


def _read(path: Path) -> Any:
    """``pydicom.dcmread`` of one file, its errors turned into ``ImageReadError`` naming the file."""
    pydicom = require("pydicom")
    try:
        try:
            return pydicom.dcmread(str(path))
        except pydicom.errors.InvalidDicomError:
            # Files without the 128-byte preamble and "DICM" are still common; read them as
            # DICOM only if they then have pixel data (checked by the callers).
            return pydicom.dcmread(str(path), force=True)
    except MemoryError:
        raise
    except Exception as error:
        raise ImageReadError(f"{path}: cannot read it as DICOM: {error}") from None


_LIBJPEG = "pip install pylibjpeg pylibjpeg-libjpeg (or python-gdcm)"
_OPENJPEG = "pip install pylibjpeg pylibjpeg-openjpeg (or python-gdcm)"
#: Transfer syntax UID → the pip install whose package pydicom decodes it with (pydicom 3's plugins).
DECODER_FOR = {
    "1.2.840.10008.1.2.4.50": _LIBJPEG,  # JPEG baseline (Pillow decodes most)
    "1.2.840.10008.1.2.4.51": _LIBJPEG,  # JPEG extended, 12-bit (Pillow cannot)
    "1.2.840.10008.1.2.4.57": _LIBJPEG,  # JPEG lossless
    "1.2.840.10008.1.2.4.70": _LIBJPEG,  # JPEG lossless, first-order prediction
    "1.2.840.10008.1.2.4.80": "pip install pylibjpeg pylibjpeg-libjpeg (or pyjpegls, or python-gdcm)",  # JPEG-LS
    "1.2.840.10008.1.2.4.81": "pip install pylibjpeg pylibjpeg-libjpeg (or pyjpegls, or python-gdcm)",
    "1.2.840.10008.1.2.4.90": _OPENJPEG,  # JPEG 2000 (Pillow decodes some)
    "1.2.840.10008.1.2.4.91": _OPENJPEG,
    "1.2.840.10008.1.2.4.201": "pip install pylibjpeg 'pylibjpeg-openjpeg>=2'",  # HTJ2K
    "1.2.840.10008.1.2.4.202": "pip install pylibjpeg 'pylibjpeg-openjpeg>=2'",
    "1.2.840.10008.1.2.4.203": "pip install pylibjpeg 'pylibjpeg-openjpeg>=2'",
    "1.2.840.10008.1.2.5": "pip install pylibjpeg pylibjpeg-rle (pydicom decodes RLE itself: a damaged file?)",
}


def _decoder_hint(ds: Any) -> str:
    """What to install (or do) to decode a compressed file's pixel data; '' if it is not compressed."""
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is None or str(syntax) in _UNCOMPRESSED:
        return ""
    install = DECODER_FOR.get(str(syntax))
    name = _NEWER_SYNTAXES.get(str(syntax), syntax.name if syntax.name != str(syntax) else "an unknown transfer syntax")
    if install is None:  # video (MPEG-2, H.264, HEVC), JPEG XL, ...: no pip-installable pydicom decoder
        return (
            f"; the pixel data is encoded as {name} ({syntax}), which pydicom has no decoder for: convert the file "
            "to an uncompressed transfer syntax first (dcmtk's dcmdjpeg or dcmconv, gdcmconv --raw; video: "
            "extract the frames with ffmpeg)"
        )
    compressed = f"; the pixel data is compressed as {name} ({syntax})"
    return f"{compressed}: if the file is whole, install a decoder for it: {install}"


#: Transfer syntaxes newer than pydicom 3.0's list of names (DICOM 2024).
_NEWER_SYNTAXES = {
    "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
    "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
    "1.2.840.10008.1.2.4.112": "JPEG XL",
    "1.2.840.10008.1.2.8.1": "Deflated Image Frame Compression",
}
#: Little/big endian, implicit/explicit VR, deflated (zlib, which pydicom inflates as it reads the file).
_UNCOMPRESSED = frozenset(("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"))


def _group_item(ds: Any, sequence: str, frame: int = 0) -> Any:
    """The item of a functional-group macro (e.g. ``PlanePositionSequence``) for ``frame`` of an
    enhanced multi-frame file, from the per-frame groups or the shared group; None if absent."""
    for groups, index in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        if groups in ds and index < len(ds[groups].value):
            group = ds[groups].value[index]
            if sequence in group and len(group[sequence].value):
                return group[sequence].value[0]
    return None


def _modality_lut(raw: np.ndarray, ds: Any, frames: int) -> np.ndarray:
    """The modality LUT: the top-level tags (pydicom's ``apply_modality_lut``; a ``RescaleSlope``
    without ``RescaleIntercept`` applied with intercept 0, as MONAI's, where pydicom ignores it),
    else each frame's ``PixelValueTransformationSequence`` (enhanced multi-frame files, which
    pydicom does not read)."""
    if ds.get("ModalityLUTSequence"):
        return require("pydicom.pixels").apply_modality_lut(raw, ds)
    slope, intercept = ds.get("RescaleSlope"), ds.get("RescaleIntercept")
    if slope is not None or intercept is not None:
        # both, as the standard requires (pydicom's arithmetic); or one alone, the other taken as 1 or 0, as
        # MONAI's PydicomReader does (pydicom's apply_modality_lut ignores a lone RescaleSlope)
        values = raw.astype(np.float64) * float(1.0 if slope is None else slope)
        values += float(0.0 if intercept is None else intercept)
        return values
    items = [_group_item(ds, "PixelValueTransformationSequence", k) for k in range(frames)]
    if all(item is None or "RescaleSlope" not in item for item in items):
        return raw
    slope = np.array([float(item.get("RescaleSlope", 1.0)) if item is not None else 1.0 for item in items])
    intercept = np.array([float(item.get("RescaleIntercept", 0.0)) if item is not None else 0.0 for item in items])
    if frames == 1:  # pydicom gives one frame as (rows, cols[, samples])
        return raw.astype(np.float64) * slope[0] + intercept[0]
    per_frame = (frames,) + (1,) * (raw.ndim - 1)
    return raw.astype(np.float64) * slope.reshape(per_frame) + intercept.reshape(per_frame)


#: The elements that hold an image's pixels (floats: parametric maps such as ADC or T1 maps).
PIXEL_DATA = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _has_pixels(ds: Any) -> bool:
    return any(keyword in ds for keyword in PIXEL_DATA)


def _padding_mask(raw: np.ndarray, ds: Any) -> np.ndarray | None:
    """Where the stored values are padding (PS3.3 C.7.5.1.1.2): ``PixelPaddingValue``, or with
    ``PixelPaddingRangeLimit`` every value between the two (inclusive); None if the file states none.

    Both are in stored values (before the modality LUT); a value whose VR ("US or SS") disagrees with
    the pixels' sign is taken as the number of the same bits in the pixels' type."""
    value, limit = ds.get("PixelPaddingValue"), ds.get("PixelPaddingRangeLimit")
    if value is None or int(ds.get("SamplesPerPixel", 1)) != 1 or raw.dtype.kind not in "iu":
        return None
    bits = 8 * raw.dtype.itemsize

    def stored(number: Any) -> int:
        number = int(number)
        if raw.dtype.kind == "i" and number >= 2 ** (bits - 1):
            number -= 2**bits
        elif raw.dtype.kind == "u" and number < 0:
            number += 2**bits
        return number

    low = high = stored(value)
    if limit is not None:
        low, high = sorted((low, stored(limit)))
    return (raw >= low) & (raw <= high)


#: ``read_image``'s ``padding=``: keep the padding pixels' values (pydicom's, highdicom's, MONAI's way).
KEEP = "keep"


def _pixels(ds: Any, path: Path, dtype: np.dtype, padding: Any = KEEP) -> tuple[np.ndarray, int]:
    """The pixel values after the modality LUT (HU for CT), as ``dtype``, frames first, and how many
    are padding; with a number for ``padding`` the padding pixels hold it. Whole numbers that
    ``dtype`` would change raise (``image.as_image_dtype``)."""
    if not _has_pixels(ds) or "Rows" not in ds:
        raise ImageReadError(
            f"{path}: no pixel data (Modality {ds.get('Modality', 'unknown')}): a truncated file, "
            "or a DICOM object that is not an image (a report, a structure set, a DICOMDIR)"
        )
    _check_rle_size(ds, path)
    try:
        raw = ds.pixel_array
    except MemoryError:
        raise
    except Exception as error:
        hint = _decoder_hint(ds)
        raise ImageReadError(f"{path}: cannot decode the pixel data: {' '.join(str(error).split())}{hint}") from None
    try:
        values = _modality_lut(raw, ds, _frames(ds))
    except MemoryError:
        raise
    except Exception as error:
        raise ImageReadError(f"{path}: cannot apply the modality LUT: {' '.join(str(error).split())}") from None
    if "DoseGridScaling" in ds:  # RT dose: stored integers times the scaling give Gy
        values = values * float(ds.DoseGridScaling)
    mask = _padding_mask(raw, ds)
    count = 0 if mask is None else int(mask.sum())
    if mask is not None and count and padding != KEEP:
        values = np.where(mask, float(padding), values)
    return as_image_dtype(values, dtype, path), count


def _check_padding(padding: Any) -> Any:
    """``padding``: ``"keep"`` or a finite number, else a ValueError naming what was given."""
    if isinstance(padding, str) and padding == KEEP:
        return KEEP
    if isinstance(padding, (int, float, np.integer, np.floating)) and not isinstance(padding, bool):
        if np.isfinite(padding):
            return float(padding)
    raise ValueError(
        f"read_image: padding must be 'keep' (the padding pixels' values as stored) or a finite number that the "
        f"padding pixels become (e.g. -1024 for air in HU, or 0), got {padding!r}"
    )


def _note_padding(meta: dict[str, Any], ds: Any, count: int, padding: Any, where: Path) -> None:
    """Record the padding tags and the count in ``meta``; warn when padding pixels are kept as values."""
    if ds.get("PixelPaddingValue") is None:
        return
    meta["PixelPaddingValue"] = _plain(ds.PixelPaddingValue)
    if ds.get("PixelPaddingRangeLimit") is not None:
        meta["PixelPaddingRangeLimit"] = _plain(ds.PixelPaddingRangeLimit)
    meta["padding_pixels"] = count
    meta["padding"] = padding
    if _lossy(ds):  # the padding's edges are blurred into other values: the stated value finds only some
        warnings.warn(
            f"{where}: the pixel data was compressed lossily, which changed the padding pixels' values: {count} "
            f"pixels hold PixelPaddingValue {meta['PixelPaddingValue']} exactly, and the others, near it, are read "
            "as tissue (padding= sets only the exact ones); find them by value (a threshold) instead",
            UserWarning,
            stacklevel=5,
        )
    elif count and padding == KEEP:
        warnings.warn(
            f"{where}: {count} pixels are padding (outside the scanned field of view; PixelPaddingValue "
            f"{meta['PixelPaddingValue']}) and are kept with their stored values, which a normalisation would take "
            "as tissue; read_image(path, padding=value) sets them to value (e.g. padding=-1024, air in HU)",
            UserWarning,
            stacklevel=5,  # read_image's caller
        )


#: Transfer syntaxes that are always lossy (JPEG baseline and extended); others say so in LossyImageCompression.
_LOSSY_SYNTAXES = frozenset(("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"))


def _lossy(ds: Any) -> bool:
    """Whether the pixels went through lossy compression (``LossyImageCompression`` "01", or a lossy JPEG)."""
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    return str(ds.get("LossyImageCompression", "")).strip() == "01" or syntax in _LOSSY_SYNTAXES


# RLE (PackBits) turns 2 bytes into at most 128: no RLE stream decodes to more than 64 times its size.
_RLE_MAX_RATIO = 64
_RLE_LOSSLESS = "1.2.840.10008.1.2.5"


def _check_rle_size(ds: Any, path: Path) -> None:
    """Refuse an RLE file whose header declares more pixels than its data can decode to, before
    pydicom allocates them (the uncompressed case pydicom checks itself)."""
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if syntax != _RLE_LOSSLESS or "PixelData" not in ds:
        return
    rows, columns = int(ds.get("Rows", 0)), int(ds.get("Columns", 0))
    samples, bits = int(ds.get("SamplesPerPixel", 1)), int(ds.get("BitsAllocated", 8))
    declared = rows * columns * samples * _frames(ds) * -(-bits // 8)
    stored = len(ds.PixelData)
    if declared > _RLE_MAX_RATIO * stored:
        raise ImageReadError(
            f"{path}: cannot decode the pixel data: the header declares {rows} x {columns} pixels x "
            f"{_frames(ds)} frames x {samples} samples ({declared} bytes), but its {stored} bytes of RLE data "
            f"decode to at most {_RLE_MAX_RATIO * stored}: a damaged file"
        )


def _frames(ds: Any) -> int:
    return int(ds.get("NumberOfFrames", 1) or 1)


# Direction cosines whose norm is this far from 1 are refused (rounded to 5 or 6 digits, real files
# state norms such as 0.99999); normalized, two whose dot product exceeds _SKEW are refused.
_NORM_TOLERANCE = 1e-2
_SKEW = 1e-3  # GDCM's (ITK's DICOM reader) bound on |r . c| (DirectionCosines::IsValid); nibabel's is 5e-5


def _orientation(ds: Any, frame: int = 0, where: Any = "") -> tuple[np.ndarray, np.ndarray, bool]:
    """Row direction $r$, column direction $c$ (unit vectors), and whether the file states them.

    ``ImageOrientationPatient`` is stored as decimal strings of at most 16 characters, so its
    vectors have norms such as 0.99999: they are normalized, else the spacing along them would be
    off by as much. (GDCM, ITK's DICOM reader, normalizes vectors whose squared norms are 1e-3 or
    more from 1, and replaces non-perpendicular ones by an axial default; nibabel refuses vectors
    further than 5e-5 from orthonormal.) Vectors of another length or that are
    not perpendicular raise ``ImageReadError`` naming ``where``."""
    values = ds.get("ImageOrientationPatient")
    if values is None:
        item = _group_item(ds, "PlaneOrientationSequence", frame) or _nm_detector(ds)
        values = None if item is None else item.get("ImageOrientationPatient")
    if values is None:
        return np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]), False
    try:
        cosines = np.array([float(v) for v in values])
    except (TypeError, ValueError):
        cosines = np.array([])
    if cosines.shape != (6,) or not np.isfinite(cosines).all():
        raise ImageReadError(f"{where}: ImageOrientationPatient must be six numbers, got {_plain(values)}")
    row, column = cosines[:3], cosines[3:]
    norms = np.linalg.norm(row), np.linalg.norm(column)
    if max(abs(n - 1.0) for n in norms) > _NORM_TOLERANCE:
        raise ImageReadError(
            f"{where}: ImageOrientationPatient {_plain(values)} does not hold two unit vectors (their lengths are "
            f"{norms[0]:.6g} and {norms[1]:.6g}): a damaged header"
        )
    row, column = row / norms[0], column / norms[1]
    if abs(float(row @ column)) > _SKEW:
        angle = float(np.degrees(np.arccos(np.clip(row @ column, -1.0, 1.0))))
        raise ImageReadError(
            f"{where}: the row and column directions of ImageOrientationPatient {_plain(values)} are not "
            f"perpendicular ({angle:.4g} degrees apart), so no affine places the pixels: a damaged header"
        )
    return row, column, True


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


#: Where the in-plane spacing came from (``metadata["pixel_spacing_from"]``), and in which plane it is.
_PATIENT_PLANE = (
    "PixelSpacing",
    "ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor",
    "SequenceOfUltrasoundRegions",
)


def _stated_pixel_spacing(ds: Any, frame: int = 0) -> tuple[tuple[float, float] | None, str | None]:
    """The file's (row, column) spacing in mm and the tag(s) it came from, or (None, None).

    ``PixelSpacing`` (top level, else the frame's ``PixelMeasuresSequence``) is in the patient
    (PS3.3 10.7.1.1); a projection radiograph (CR, DX, mammography) without it states
    ``ImagerPixelSpacing``, at the detector's front plane, where the patient is magnified by the
    ``EstimatedRadiographicMagnificationFactor`` (SID / SOD, PS3.3 C.8.11.7): divided by it when
    given, else taken as it is (detector plane); a scanned film states ``NominalScannedPixelSpacing``;
    an ultrasound image its regions' calibration (``SequenceOfUltrasoundRegions``).
    """
    item = _group_item(ds, "PixelMeasuresSequence", frame)
    candidates = (
        ("PixelSpacing", ds.get("PixelSpacing")),
        ("PixelSpacing", None if item is None else item.get("PixelSpacing")),
        ("ImagerPixelSpacing", ds.get("ImagerPixelSpacing")),
        ("NominalScannedPixelSpacing", ds.get("NominalScannedPixelSpacing")),
        ("SequenceOfUltrasoundRegions", _ultrasound_spacing(ds)),
    )
    for source, values in candidates:
        spacing = _positive_pair(values)
        if spacing is None:  # absent, empty or not two positive numbers: the next tag may say
            continue
        magnification = _positive_pair([ds.get("EstimatedRadiographicMagnificationFactor")] * 2)
        if source == "ImagerPixelSpacing" and magnification is not None:
            factor = magnification[0]
            return (spacing[0] / factor, spacing[1] / factor), f"{source} / EstimatedRadiographicMagnificationFactor"
        return spacing, source
    return None, None


def _positive_pair(values: Any) -> tuple[float, float] | None:
    """Two finite numbers > 0 as floats, or None."""
    try:
        pair = (float(values[0]), float(values[1])) if values is not None and len(values) == 2 else None
    except (TypeError, ValueError):
        return None
    return pair if pair is not None and all(np.isfinite(pair)) and min(pair) > 0 else None


_TISSUE_2D, _CENTIMETRES = 1, 3  # RegionSpatialFormat and PhysicalUnits codes (PS3.3 C.8.5.5.1)


def _ultrasound_spacing(ds: Any) -> tuple[float, float] | None:
    """An ultrasound image's (row, column) spacing in mm from its calibrated 2-D regions
    (``PhysicalDeltaY``, ``PhysicalDeltaX`` in cm, PS3.3 C.8.5.5), if they all agree; else None."""
    found = set()
    for region in ds.get("SequenceOfUltrasoundRegions") or []:
        units = (region.get("PhysicalUnitsXDirection"), region.get("PhysicalUnitsYDirection"))
        if region.get("RegionSpatialFormat") != _TISSUE_2D or units != (_CENTIMETRES, _CENTIMETRES):
            continue
        dy, dx = float(region.get("PhysicalDeltaY") or 0), float(region.get("PhysicalDeltaX") or 0)
        if dy > 0 and dx > 0:
            found.add((round(10 * dy, 9), round(10 * dx, 9)))
    return found.pop() if len(found) == 1 else None


def _pixel_spacing(ds: Any, frame: int = 0) -> tuple[float, float]:
    """(distance between rows, distance between columns) in mm; 1 when the file does not say."""
    values, _ = _stated_pixel_spacing(ds, frame)
    return (1.0, 1.0) if values is None else values


def _slice_thickness(ds: Any) -> float:
    """The slice thickness in mm (the depth of a single slice's voxels); 1 when the file does not say."""
    value = ds.get("SliceThickness")
    if value is None:
        item = _group_item(ds, "PixelMeasuresSequence")
        value = None if item is None else item.get("SliceThickness")
    return float(value or 1.0)


def _check_frames_alike(ds: Any, frames: int, path: Path) -> None:
    """Raise ``ImageReadError`` unless every frame has frame 0's orientation and pixel spacing."""
    if "PerFrameFunctionalGroupsSequence" not in ds:
        return
    first = (np.concatenate(_orientation(ds, 0, path)[:2]), np.array(_pixel_spacing(ds, 0)))
    for k in range(1, frames):
        for what, value, reference in zip(
            ("orientation", "pixel spacing"),
            (np.concatenate(_orientation(ds, k, path)[:2]), np.array(_pixel_spacing(ds, k))),
            first,
        ):
            if not np.allclose(value, reference, atol=_TOLERANCE):
                raise ImageReadError(
                    f"{path}: frames 0 and {k} differ in {what} ({_plain(reference)} and {_plain(value)}); "
                    "a volume needs parallel frames of one pixel spacing"
                )


def _position(ds: Any) -> np.ndarray | None:
    """The position of the first pixel's centre (LPS+ mm): the top-level tag, else frame 0's
    ``PlanePositionSequence``; None when the file does not say."""
    values = ds.get("ImagePositionPatient")
    if values is None:
        item = _group_item(ds, "PlanePositionSequence") or _nm_detector(ds)
        values = None if item is None else item.get("ImagePositionPatient")
    return None if values is None else np.array([float(v) for v in values])


def _metadata(ds: Any, files: list[str]) -> dict[str, Any]:
    meta = {tag: _plain(ds.get(tag)) for tag in METADATA_TAGS if ds.get(tag) is not None}
    meta["files"] = files
    _, source = _stated_pixel_spacing(ds)
    meta["pixel_spacing_from"] = source
    meta["pixel_spacing_plane"] = None if source is None else "patient" if source in _PATIENT_PLANE else "detector"
    return meta


def _affine(first: np.ndarray, axes: list[np.ndarray]) -> np.ndarray:
    """The RAS+ affine whose columns are the LPS+ ``axes`` (one per array axis) and origin ``first``."""
    lps = np.eye(4)
    for column, axis in enumerate(axes):
        lps[:3, column] = axis
    lps[:3, 3] = first
    return LPS_TO_RAS @ lps


def _sort_along_normal(
    positions: np.ndarray, normal: np.ndarray, names: list[str], where: Path
) -> tuple[np.ndarray, np.ndarray]:
    """The order of the slices along ``normal`` and the step vector between neighbours.

    Raises ``ImageReadError`` for two slices at one position or uneven gaps.
    """
    depth = positions @ normal
    order = np.argsort(depth, kind="stable")
    depth = depth[order]
    if len(order) == 1:
        return order, normal.copy()
    gaps = np.diff(depth)
    for i in np.flatnonzero(gaps < _TOLERANCE).tolist():
        a, b = names[order[i]], names[order[i + 1]]
        raise ImageReadError(
            f"{where}: {a} and {b} lie at the same position ({depth[i]:.3f} mm along the slice normal): "
            "several echoes, time points or series in one folder? Put each volume in its own folder"
        )
    usual_gap = float(np.median(gaps))
    uneven = np.flatnonzero(np.abs(gaps - usual_gap) > _GAP_TOLERANCE * usual_gap + _TOLERANCE)
    if uneven.size:
        i = int(uneven[0])
        a, b = names[order[i]], names[order[i + 1]]
        raise ImageReadError(
            f"{where}: inconsistent slice spacing: {a} and {b} are {gaps[i]:.4g} mm apart, most slices "
            f"{usual_gap:.4g} mm; a slice missing, or slices of two scans?"
        )
    sorted_positions = positions[order]
    step = (sorted_positions[-1] - sorted_positions[0]) / (len(order) - 1)
    # every slice must lie on the line through the first and last: the affine puts slice k at first + k step
    off = np.linalg.norm(sorted_positions - (sorted_positions[0] + np.outer(np.arange(len(order)), step)), axis=1)
    worst = int(np.argmax(off))
    if off[worst] > _LINE_TOLERANCE * abs(usual_gap) + _TOLERANCE:
        raise ImageReadError(
            f"{where}: {names[order[worst]]} lies {off[worst]:.3g} mm off the line through the first and last "
            "slices, so no affine places every slice; slices of two reconstructions (another field of view) in "
            "one folder? Put each volume in its own folder"
        )
    return order, step


def _tilt_degrees(step: np.ndarray, normal: np.ndarray) -> float:
    """The angle between the slice step and the slice normal: a CT gantry tilt (0 for a straight stack)."""
    cosine = abs(float(step @ normal)) / float(np.linalg.norm(step))
    return float(np.degrees(np.arccos(min(1.0, cosine))))


def _nm_detector(ds: Any) -> Any:
    """An NM file's one ``DetectorInformationSequence`` item (NM keeps its geometry there,
    PS3.3 C.8.4.11), or None (not NM, or several detectors)."""
    items = ds.get("DetectorInformationSequence")
    return items[0] if items is not None and len(items) == 1 else None


#: The NM frame dimensions (the vectors ``FrameIncrementPointer`` names, PS3.3 C.8.4.8.1.1) and what
#: frames that differ in them are.
_NM_DIMENSIONS = {
    "EnergyWindowVector": "energy windows",
    "DetectorVector": "detectors",
    "PhaseVector": "phases",
    "RotationVector": "rotations",
    "RRIntervalVector": "R-R intervals",
    "TimeSlotVector": "gated time slots",
    "SliceVector": "slices",
    "AngularViewVector": "projection angles of a SPECT acquisition",
    "TimeSliceVector": "time points",
}


def _nm_slice_positions(ds: Any, path: Path, first: np.ndarray | None, normal: np.ndarray, frames: int) -> np.ndarray:
    r"""The positions of a multi-frame NM file's frames: only the slices of one reconstruction
    (``SliceVector`` the one dimension that varies) make a volume; other frames raise by name.

    Slice $s$ (its ``SliceVector`` number) lies at ``ImagePositionPatient`` $+ (s - s_{min})\,
    \Delta\, \hat n$ with $\Delta$ = ``SpacingBetweenSlices`` (else ``SliceThickness``)."""
    pydicom = require("pydicom")
    pointers = ds.get("FrameIncrementPointer")
    pointers = (
        []
        if pointers is None
        else pointers
        if isinstance(pointers, (list, pydicom.multival.MultiValue))
        else [pointers]
    )
    keywords = [pydicom.datadict.keyword_for_tag(tag) or str(tag) for tag in pointers]
    vectors: dict[str, np.ndarray] = {}
    for keyword in keywords:
        values = ds.get(keyword)
        if values is None or len(values) != frames:
            raise ImageReadError(
                f"{path}: an NM file of {frames} frames whose FrameIncrementPointer names {keyword}, but the file "
                f"holds {0 if values is None else len(values)} values of it; a damaged header"
            )
        vectors[keyword] = np.array([int(v) for v in values])
    varying = [k for k, v in vectors.items() if len(np.unique(v)) > 1]
    other = [k for k in varying if k != "SliceVector"]
    if other or "SliceVector" not in vectors:
        kinds = ", ".join(f"{k} ({len(np.unique(vectors[k]))} {_NM_DIMENSIONS.get(k, 'values')})" for k in other)
        what = f"frames that differ in {kinds}" if other else f"frames without a SliceVector (pointers: {keywords})"
        raise ImageReadError(
            f"{path}: an NM file of {frames} {what}; deltanet reads a multi-frame NM file as a volume only when its "
            "frames are the slices of one reconstruction (SliceVector the one dimension that varies); take the "
            "frames apart with pydicom (ds.pixel_array[k])"
        )
    if first is None:
        raise ImageReadError(
            f"{path}: an NM reconstruction of {frames} slices without ImagePositionPatient (neither at the top level "
            "nor in its one DetectorInformationSequence item), so its slices cannot be placed"
        )
    gap = ds.get("SpacingBetweenSlices") or ds.get("SliceThickness")
    if gap is None:
        raise ImageReadError(
            f"{path}: an NM reconstruction of {frames} slices states neither SpacingBetweenSlices nor SliceThickness"
        )
    slices = vectors["SliceVector"]
    return first + np.outer((slices - slices.min()) * float(gap), normal)


def _is_nm(ds: Any) -> bool:
    return ds.get("Modality") == "NM" or str(ds.get("SOPClassUID", "")) == "1.2.840.10008.5.1.4.1.1.20"


def _frame_positions(ds: Any, first: np.ndarray | None, normal: np.ndarray, frames: int) -> np.ndarray | None:
    """Per-frame positions of a multi-frame file, from whichever tags it has, or None."""
    if "PerFrameFunctionalGroupsSequence" in ds:
        found = []
        for group in ds.PerFrameFunctionalGroupsSequence:
            if "PlanePositionSequence" not in group:
                return None
            found.append([float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient])
        return np.array(found)
    if first is None:
        return None
    offsets = ds.get("GridFrameOffsetVector")  # RT dose: where the frames lie along the normal
    if offsets is not None and len(offsets) == frames:
        # relative (first value 0: offsets from ImagePositionPatient) or absolute (first value the
        # first frame's z, PS3.3 C.8.8.3.2): either way, the first frame is at ImagePositionPatient
        along = np.array([float(v) for v in offsets])
        return first + np.outer(along - along[0], normal)
    item = _group_item(ds, "PixelMeasuresSequence")
    gap = ds.get("SpacingBetweenSlices") or ds.get("SliceThickness")
    if gap is None and item is not None:
        gap = item.get("SpacingBetweenSlices") or item.get("SliceThickness")
    if gap is not None:
        return first + np.outer(np.arange(frames) * float(gap), normal)
    return None


def _channels_first(values: np.ndarray, samples: int) -> np.ndarray:
    """(frames/slices, rows, cols[, samples]) or (rows, cols[, samples]) → channel first."""
    if samples > 1:
        return np.moveaxis(values, -1, 0)
    return values[np.newaxis]


def read_dicom_file(path: Path, dtype: Any = np.float32, padding: Any = KEEP) -> Image:
    """One DICOM file: a 2-D slice $(C, H, W)$, or a multi-frame volume $(C, D, H, W)$."""
    padding = _check_padding(padding)
    ds = _read(path)
    values, padded = _pixels(ds, path, np.dtype(dtype), padding)
    samples = int(ds.get("SamplesPerPixel", 1))
    frames = _frames(ds)
    _check_frames_alike(ds, frames, path)
    row_dir, col_dir, oriented = _orientation(ds, 0, path)
    normal = _unit(np.cross(row_dir, col_dir))
    row_gap, col_gap = _pixel_spacing(ds)
    first = _position(ds)
    in_plane = [col_dir * row_gap, row_dir * col_gap]
    meta = _metadata(ds, [path.name])
    _note_padding(meta, ds, padded, padding, path)
    stated = {
        "ImageOrientationPatient": oriented,
        "PixelSpacing": _stated_pixel_spacing(ds)[0] is not None,
        "ImagePositionPatient": first is not None,
    }
    if not all(stated.values()):  # nominal values stand in: axial, 1 mm, origin 0
        meta["missing_geometry"] = [tag for tag, known in stated.items() if not known]
    if frames == 1:
        thickness = _slice_thickness(ds)
        affine = _affine(first if first is not None else np.zeros(3), [*in_plane, normal * thickness])
        return Image(_channels_first(values, samples), affine, "dicom", path, meta)
    positions: np.ndarray | None
    if _is_nm(ds):
        positions = _nm_slice_positions(ds, path, first, normal, frames)
    else:
        positions = _frame_positions(ds, first, normal, frames)
    if positions is None:  # frames without a stated geometry (cine, ultrasound): 1 mm apart
        meta["frame_spacing"] = None
        order, step, origin = np.arange(frames), normal, (first if first is not None else np.zeros(3))
    else:
        names = [f"frame {i}" for i in range(frames)]
        order, step = _sort_along_normal(positions, normal, names, path)
        origin = positions[order[0]]
        meta["slice_tilt_degrees"] = _tilt_degrees(step, normal)
    volume = _channels_first(values[order], samples)
    return Image(volume, _affine(origin, [step, *in_plane]), "dicom", path, meta)


#: Suffixes of other image formats: a folder holding such files is not a DICOM series.
_OTHER_IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".nii", ".nii.gz")


def _series_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in files if p.name.upper() != "DICOMDIR"]
    if not files:
        raise ImageReadError(f"{folder}: the folder holds no files; expected the DICOM slices of one series")
    for p in files:
        if p.name.lower().endswith(_OTHER_IMAGES):
            raise ImageReadError(
                f"{p}: read_image(folder) reads the DICOM slices of one series, and this is not DICOM; read "
                "each file by itself, or use ImageFolder or SegmentationFolder for a folder of image files"
            )
    return files


def _check_same(values: list[Any], names: list[str], what: str, folder: Path, hint: str) -> None:
    """Raise ``ImageReadError`` unless every slice has the same ``what``."""
    first = values[0]
    for value, name in zip(values, names):
        same = np.allclose(value, first, atol=_TOLERANCE) if isinstance(first, np.ndarray) else value == first
        if not same:
            raise ImageReadError(
                f"{folder}: mixed {what} in one folder: {names[0]} has {_plain(first)}, "
                f"{name} has {_plain(value)}; {hint}"
            )


def _check_copies(datasets: list[Any], positions: np.ndarray, names: list[str], folder: Path) -> None:
    """Name a copied file (one SOPInstanceUID with the same pixels at one position twice), which the
    sort would otherwise report as two slices at one position (echoes, time points)."""
    seen: dict[tuple[Any, ...], str] = {}
    for ds, position, name in zip(datasets, positions, names):
        pixels = next((ds[keyword].value for keyword in PIXEL_DATA if keyword in ds), b"")
        key = (str(ds.get("SOPInstanceUID", "")), tuple(np.round(position / _TOLERANCE).tolist()), hash(pixels))
        if key[0] and key in seen:
            raise ImageReadError(
                f"{folder}: {seen[key]} and {name} are the same slice (SOPInstanceUID {key[0]}, at one position): a "
                "copy; remove one"
            )
        seen[key] = name


def read_dicom_series(folder: Path, dtype: Any = np.float32, padding: Any = KEEP) -> Image:
    """The slices in ``folder`` (one series) as a volume $(C, D, H, W)$ sorted along the normal."""
    padding = _check_padding(padding)
    files = _series_files(folder)
    datasets = [_read(p) for p in files]
    names = [p.name for p in files]
    for ds, path in zip(datasets, files):
        if not _has_pixels(ds):
            raise ImageReadError(
                f"{path}: not an image slice (no pixel data; Modality {ds.get('Modality', 'unknown')}); "
                "the folder must hold only the slices of one series"
            )
        if _frames(ds) > 1:
            raise ImageReadError(f"{path}: a multi-frame file inside a folder of slices; read it on its own")
        if _position(ds) is None or not _orientation(ds, 0, path)[2]:
            raise ImageReadError(
                f"{path}: no ImagePositionPatient/ImageOrientationPatient, so the slice cannot be placed in a volume"
            )
    one_series = "put each series in its own folder"
    _check_same(
        [str(ds.get("SeriesInstanceUID", "")) for ds in datasets], names, "SeriesInstanceUID", folder, one_series
    )
    orientations = [np.concatenate(_orientation(ds, 0, path)[:2]) for ds, path in zip(datasets, files)]
    _check_same(orientations, names, "slice orientations", folder, "a volume needs parallel slices (a localizer?)")
    sizes = [np.array([ds.Rows, ds.Columns, ds.get("SamplesPerPixel", 1)], dtype=float) for ds in datasets]
    _check_same(sizes, names, "image sizes (rows, columns, samples)", folder, one_series)
    spacings = [np.array(_pixel_spacing(ds)) for ds in datasets]
    _check_same(spacings, names, "pixel spacings", folder, one_series)

    row_dir, col_dir, _ = _orientation(datasets[0], 0, files[0])
    normal = _unit(np.cross(row_dir, col_dir))
    positions = np.array([_position(ds) for ds in datasets])
    _check_copies(datasets, positions, names, folder)
    order, step = _sort_along_normal(positions, normal, names, folder)
    if len(files) == 1:  # no neighbour to measure the step from: the slice's own thickness
        step = normal * _slice_thickness(datasets[0])
    slices = [_pixels(datasets[i], files[i], np.dtype(dtype), padding) for i in order]
    volume = np.stack([values for values, _ in slices])  # (D, H, W[, samples])
    row_gap, col_gap = spacings[0]
    affine = _affine(positions[order[0]], [step, col_dir * row_gap, row_dir * col_gap])
    meta = _metadata(datasets[order[0]], [names[i] for i in order])
    _note_padding(meta, datasets[order[0]], sum(count for _, count in slices), padding, folder)
    if len(files) > 1:
        meta["slice_tilt_degrees"] = _tilt_degrees(step, normal)
    return Image(_channels_first(volume, int(sizes[0][2])), affine, "dicom", folder, meta)


def read_dicom(path: Path, dtype: Any = np.float32, padding: Any = KEEP) -> Image:
    """A DICOM file, or a folder of the slices of one series (see the module docstring), as ``dtype``
    (float32 or float64), its padding pixels kept or set to ``padding``."""
    return read_dicom_series(path, dtype, padding) if path.is_dir() else read_dicom_file(path, dtype, padding)


__all__ = ["METADATA_TAGS", "read_dicom", "read_dicom_file", "read_dicom_series"]
