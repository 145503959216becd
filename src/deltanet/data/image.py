r"""``Image``: a medical image as an array plus where its voxels lie in the patient.

An image is a channel-first float32 (or float64) array, $(C, H, W)$ or $(C, D, H, W)$, and a $4 \times 4$
affine matrix $A$ that maps a voxel index to world coordinates in millimetres:

$$
(x, y, z, 1)^T = A \, (i, j, k, 1)^T,
$$

with $(i, j, k)$ the index along the array's spatial axes, in the array's order ($k = 0$ for a 2-D
image). The spacing is the length of the first columns of $A$ and the origin its last column, the
world position of the centre of voxel 0.

**World coordinates are RAS+**, NIfTI's convention (also nibabel's and MONAI's): $x$ grows towards
the patient's **R**ight, $y$ towards **A**nterior, $z$ towards **S**uperior. DICOM writes positions
in LPS+ ($x$ towards the patient's left, $y$ towards posterior); ``read_image`` converts them, by
negating $x$ and $y$: $A_{RAS} = \mathrm{diag}(-1, -1, 1, 1)\, A_{LPS}$. So an image read from DICOM
and the same scan read from NIfTI put each voxel at the same place in the patient, and
``write_image`` can write either as NIfTI. Their arrays need not hold the axes in the same order,
though: a DICOM series is (slice, row, column), while converters such as dcm2niix write NIfTI as
(column, row, slice); the affines then differ by that permutation (and flips), and the two arrays
must be matched through their affines, not index by index. Plain pictures (PNG, JPEG, TIFF) have
no world coordinates: their affine is the identity (spacing 1, origin 0).

The readers for the formats import their packages (nibabel, pydicom, Pillow) when first used; a
missing one gives an ``ImportError`` that names ``pip install 'deltanet[imaging]'``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.data.orientation import axcodes
from deltanet.data.readers import DataFileError

INSTALL = "pip install 'deltanet[imaging]'"

#: The matrix that turns DICOM's LPS+ world coordinates into RAS+ (and back: it is its own inverse).
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


class ImageReadError(DataFileError):
    """A file or folder that cannot be read as an image; the message names it and says why.

    A ``DataFileError``, hence a ``ValueError``: a truncated or corrupt file, a file that is no
    image, a DICOM folder that mixes series or orientations or whose slices are unevenly spaced.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data import read_image
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.png")
        >>> _ = open(path, "w").write("not a picture")
        >>> read_image(path)
        Traceback (most recent call last):
        ...
        deltanet.data.image.ImageReadError: ...notes.png: cannot read it as an image (Pillow): ...
    """


def require(package: str) -> Any:
    """Import ``package`` (nibabel, pydicom, PIL, scipy), or raise an ImportError naming the extra."""
    try:
        return importlib.import_module(package)
    except ImportError as error:
        raise ImportError(
            f"deltanet's image support needs {package}, which is not installed ({error}); run: {INSTALL}"
        ) from None


#: The floating dtypes ``read_image`` returns: float32 (the default, as MONAI's ``LoadImage``) or float64.
IMAGE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Every integer of magnitude up to 2**p is exact in a float with a p-bit significand (24: float32, 53: float64).
_EXACT_INTEGERS = {np.dtype(np.float32): 2**24, np.dtype(np.float64): 2**53}


def image_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as ``numpy.float32`` or ``numpy.float64`` (also given as a string or ``dn.float64``),
    or a ValueError naming what was given."""
    try:
        chosen = np.dtype(dtype)
    except (TypeError, ValueError):
        chosen = None
    if chosen is None or chosen not in IMAGE_DTYPES:
        raise ValueError(f"read_image: dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
    return chosen


def as_image_dtype(values: Any, dtype: np.dtype, path: Path) -> np.ndarray:
    r"""``values`` as ``dtype``, or ``ImageReadError`` if that would change a whole number.

    A float holds every integer up to $2^{24}$ (float32) or $2^{53}$ (float64) exactly, and rounds
    larger ones to a neighbour: an int32 scan, uint16 values times a large ``RescaleSlope``, or a
    float64 NIfTI of large label numbers would come back changed, with nothing to say so. Such a
    file raises, naming a value and what it would become; ``read_image(path, dtype=np.float64)``
    keeps them (up to $2^{53}$). Values that are not whole numbers are rounded to ``dtype``'s
    precision as any float computation rounds them.
    """
    values = np.asarray(values)
    limit = _EXACT_INTEGERS[dtype]
    wider = (
        values.dtype.itemsize > dtype.itemsize
        if values.dtype.kind == "f"
        else values.dtype.itemsize * 8 > np.finfo(dtype).nmant + 1
    )
    if values.dtype.kind in "iuf" and wider and values.size:
        big = values[(values > limit) | (values < -limit)]
        if values.dtype.kind == "f":
            big = big[big == np.floor(big)]  # only whole numbers need be exact
        with np.errstate(invalid="ignore", over="ignore"):  # a float beyond the integer type: a mismatch
            rounded = big.astype(dtype)
            mismatch = rounded.astype(big.dtype) != big
        if mismatch.any():
            _refuse_rounding(path, big[mismatch][0].item(), rounded[mismatch][0].item(), dtype, int(mismatch.sum()))
    return values.astype(dtype, copy=False)


def _refuse_rounding(path: Path, value: Any, becomes: float, dtype: np.dtype, count: int) -> None:
    advice = (
        "read it with read_image(path, dtype=np.float64), which holds whole numbers up to 2**53 exactly"
        if dtype == np.float32
        else "no float64 holds them; read the stored integers with nibabel or pydicom"
    )
    shown = str(value) if isinstance(value, int) else f"{value:.0f}" if abs(value) < 1e17 else f"{value:.9g}"
    raise ImageReadError(
        f"{path}: the values include whole numbers that {dtype} cannot hold exactly: {count} beyond "
        f"2**{np.finfo(dtype).nmant + 1} would change (e.g. {shown} would become {becomes:.0f}); {advice}"
    )


def _spatial_ndim(array: np.ndarray) -> int:
    return array.ndim - 1


@dataclass(eq=False)
class Image:
    r"""A channel-first image array with its affine (voxel index to RAS+ millimetres).

    ``read_image`` returns one; build one yourself to write an array with a known geometry.

    Attributes:
        array: the voxels, channel first: $(C, H, W)$ or $(C, D, H, W)$ (float32 from ``read_image``,
            or float64 with ``dtype=np.float64``).
        affine: $4 \times 4$ matrix $A$ with $(x, y, z, 1)^T = A (i, j, k, 1)^T$ in RAS+ mm; the
            identity (spacing 1) when not given.
        format: where it came from: ``"nifti"``, ``"dicom"``, ``"png"``, ``"jpeg"``, ``"tiff"``, ...,
            or ``"array"``.
        path: the file or folder it was read from, or None.
        metadata: what the format says besides the voxels (NIfTI header fields, DICOM tags such as
            ``Modality`` and ``SeriesInstanceUID``, Pillow's mode), as plain Python values.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import Image
        >>> image = Image(np.zeros((1, 4, 5, 6), np.float32), affine=np.diag([2.0, 2.0, 3.0, 1.0]))
        >>> image.spacing, image.spatial_shape
        ((2.0, 2.0, 3.0), (4, 5, 6))
    """

    array: np.ndarray
    affine: np.ndarray = field(default_factory=lambda: np.eye(4))
    format: str = "array"
    path: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        array = np.asarray(self.array)
        if array.ndim not in (3, 4) or array.dtype.kind not in "biuf":
            raise ValueError(
                "Image: array must be a channel-first array of numbers, (C, H, W) or (C, D, H, W), "
                f"got shape {array.shape} and dtype {array.dtype}"
            )
        affine = np.eye(4) if self.affine is None else np.array(self.affine, dtype=np.float64)  # None: the identity
        if affine.shape != (4, 4) or not np.isfinite(affine).all():
            raise ValueError(f"Image: affine must be a finite 4×4 matrix, got {affine!r}")
        if not np.allclose(affine[3], (0, 0, 0, 1)):
            raise ValueError(f"Image: the affine's last row must be (0, 0, 0, 1), got {affine[3].tolist()}")
        self.array = array
        self.affine = affine

    @property
    def spatial_shape(self) -> tuple[int, ...]:
        """The size of each spatial axis: ``array.shape[1:]``."""
        return tuple(int(n) for n in self.array.shape[1:])

    @property
    def num_channels(self) -> int:
        """$C$, the number of channels: ``array.shape[0]``."""
        return int(self.array.shape[0])

    @property
    def spacing(self) -> tuple[float, ...]:
        """The distance in mm between neighbouring voxels along each spatial axis, in the patient.

        For a radiograph (CR, DX) that states only the detector's ``ImagerPixelSpacing``, and no
        magnification factor, it is the spacing at the detector: ``metadata["pixel_spacing_plane"]``
        says ``"patient"`` or ``"detector"`` (see ``deltanet.data.dicom``).
        """
        lengths = np.linalg.norm(self.affine[:3, : _spatial_ndim(self.array)], axis=0)
        return tuple(float(v) for v in lengths)

    @property
    def origin(self) -> tuple[float, float, float]:
        """The RAS+ position in mm of the centre of voxel 0."""
        x, y, z = (float(v) for v in self.affine[:3, 3])
        return (x, y, z)

    @property
    def axcodes(self) -> str:
        """The patient direction each spatial axis grows towards, e.g. ``"LPS"`` (see
        ``deltanet.data.orientation``; ``transforms.Orientation`` changes it)."""
        return axcodes(self.affine, _spatial_ndim(self.array))

    def __repr__(self) -> str:
        spacing = ", ".join(f"{s:.4g}" for s in self.spacing)
        where = f", path={str(self.path)!r}" if self.path is not None else ""
        return (
            f"Image(shape={self.array.shape}, dtype={self.array.dtype}, spacing=({spacing}), "
            f"format={self.format!r}{where})"
        )


__all__ = [
    "IMAGE_DTYPES",
    "INSTALL",
    "LPS_TO_RAS",
    "Image",
    "ImageReadError",
    "as_image_dtype",
    "image_dtype",
    "require",
]
