r"""``Orientation``: bring every scan's array axes to the same patient directions (``"RAS"``, ...).

Scanners and converters store a volume with its axes in different orders and directions: a DICOM
series read as (slice, row, column) is ``"SPL"`` for an axial scan, a NIfTI from dcm2niix is
``"LPS"`` or ``"RAS"``, another ``"PIR"``. A network trained on one sees the others transposed or
mirrored. ``Orientation`` permutes and flips the array (and its label, identically) so that axis
$j$ grows towards the direction the $j$-th axis code names, and updates the affine so that every
voxel keeps its place in the patient. Nothing is interpolated: the voxels are the same numbers,
moved (see ``deltanet.data.orientation`` for how the directions are read from the affine; nibabel
is not needed).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.data.image import Image
from deltanet.data.orientation import reorient_array, reorientation
from deltanet.data.transforms.base import Transform, check_dict_sample, check_label_affine, image_array, label_array


class Orientation(Transform):
    r"""Permute and flip the spatial axes so that they point as ``axcodes`` says, e.g. ``"RAS"``.

    Give an ``Image`` (its affine says where its axes point; the returned ``Image`` has the
    reoriented array and the new affine), or an array with ``affine=``; a dict sample may hold
    the affine under ``"affine"``, which is replaced by the new one. The label (an array with or
    without a channel axis, or an ``Image``) is moved exactly as the image. The result is what
    nibabel's ``img.as_reoriented(ornt_transform(io_orientation(img.affine), axcodes2ornt(axcodes)))``
    gives, and MONAI's ``Orientation(axcodes=...)``: an exact permutation and flip, no interpolation.

    Args:
        axcodes: one letter per spatial axis from R/L, A/P, S/I: the direction that the index grows
            towards along that axis (``"RAS"``: nibabel's canonical and MONAI's usual choice;
            ``"LPS"``: ITK's and DICOM's). A 2-D image takes two letters within its own plane.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import Image, transforms
        >>> scan = Image(np.arange(24.0).reshape(1, 2, 3, 4), affine=np.diag([-1.0, -1.0, 2.0, 1.0]))
        >>> scan.axcodes
        'LPS'
        >>> ras = transforms.Orientation("RAS")(scan)
        >>> ras.axcodes, ras.array[0, :, 0, 0].tolist(), ras.affine[:3, 3].tolist()
        ('RAS', [20.0, 8.0], [-1.0, -2.0, 0.0])
    """

    def __init__(self, axcodes: str = "RAS") -> None:
        if not isinstance(axcodes, str):
            raise ValueError(f"Orientation: axcodes must be a string such as 'RAS', got {axcodes!r}")
        self.axcodes = axcodes

    def __call__(self, image: Any, label: Any = None, affine: Any = None) -> Any:
        owner = type(self).__name__
        if isinstance(image, dict):
            check_dict_sample(image, label, owner)
            sample = dict(image)
            out_image, out_label, new_affine = self._reorient(
                sample["image"], sample.get("label"), sample.get("affine", affine)
            )
            sample["image"] = out_image
            if sample.get("label") is not None:
                sample["label"] = out_label
            if "affine" in sample or affine is not None:
                sample["affine"] = new_affine
            return sample
        new_image, new_label, _ = self._reorient(image, label, affine)
        return new_image if label is None else (new_image, new_label)

    def _reorient(self, image: Any, label: Any, affine: Any) -> tuple[Any, Any, np.ndarray]:
        owner = type(self).__name__
        if isinstance(image, Image):
            if affine is not None and not np.allclose(np.asarray(affine, dtype=np.float64), image.affine):
                raise ValueError(f"{owner}: give an Image (it has its affine) or an array with affine=, not both")
            array, affine = image.array, image.affine
        elif affine is None:
            raise ValueError(f"{owner}: give an Image, or an array with affine= (its 4×4 voxel-to-RAS+ matrix)")
        else:
            array = image_array(image, owner)
            affine = np.asarray(affine, dtype=np.float64)
            if affine.shape != (4, 4) or not np.isfinite(affine).all():
                raise ValueError(f"{owner}: affine must be a finite 4×4 matrix, got shape {affine.shape}")
        order, flipped, new_affine = reorientation(affine, array.shape[1:], self.axcodes, owner)
        out: Any = reorient_array(array, order, flipped)
        if isinstance(image, Image):
            out = Image(out, new_affine, image.format, image.path, dict(image.metadata))
        new_label: Any = None
        if label is not None:
            check_label_affine(label, affine, owner)
            raw = label.array if isinstance(label, Image) else label
            channels, bare = label_array(raw, array, owner)
            moved = reorient_array(channels, order, flipped)
            new_label = moved[0] if bare else moved
            if isinstance(label, Image):
                new_label = Image(moved, new_affine, label.format, label.path, dict(label.metadata))
        return out, new_label, new_affine


__all__ = ["Orientation"]
