"""Transforms for medical images, in MONAI's shape: small classes that take and return arrays.

Each takes a channel-first image, $(C, H, W)$ or $(C, D, H, W)$, and optionally its label map,
and transforms them together: ``t(image)``, ``t(image, label)`` or ``t({"image": ..., "label":
...})`` (see ``deltanet.data.transforms.base``). Spatial transforms interpolate the label by
nearest neighbour, so it stays a label; random ones draw from their own seeded ``rng=``, so the
same seed gives the same augmentation. Interpolation is ``scipy.ndimage``'s (the ``imaging``
extra). Output dtypes are MONAI's: an interpolating transform returns float32 whatever the
image's dtype; flips, rotations by 90 degrees, crops, pads and ``Orientation`` keep it; the
intensity transforms take ``dtype=`` (float32 by default), except ``AdjustContrast`` and
``RandAdjustContrast``, which keep a float image's dtype.

| kind | transforms |
|---|---|
| flips, rotations | ``Flip``, ``RandFlip``, ``Rotate90``, ``RandRotate90`` |
| affine, elastic | ``Affine``, ``RandAffine`` (rotation, scale, translation), ``RandElastic`` |
| orientation | ``Orientation`` (permute and flip the axes to ``"RAS"``, ``"LPS"``, ...: exact, no interpolation) |
| resampling | ``Spacing`` (to a voxel spacing in mm), ``Resize`` (to a size) |
| intensity | ``NormalizeIntensity``, ``ScaleIntensity``, ``ScaleIntensityRange``, ``CTWindow`` |
| random intensity | ``AdjustContrast``, ``RandAdjustContrast`` (gamma), ``RandGaussianNoise`` |
| crop, pad | ``SpatialPad``, ``CenterSpatialCrop``, ``RandSpatialCrop``, ``ResizeWithPadOrCrop`` |
| patches | ``RandCropByPosNegLabel`` (centred on foreground or background, MONAI's) |
| chaining | ``Compose`` |

Examples:
    >>> import numpy as np
    >>> from deltanet.data import transforms
    >>> augment = transforms.Compose([
    ...     transforms.CTWindow(level=40, width=400),
    ...     transforms.RandFlip(prob=0.5, spatial_axis=0, rng=0),
    ...     transforms.RandAffine(prob=0.5, rotate_range=0.2, rng=1),
    ... ])
    >>> image, label = augment(np.zeros((1, 32, 32), np.float32), np.zeros((32, 32), np.int64))
    >>> image.shape, label.shape
    ((1, 32, 32), (32, 32))
"""

from deltanet.data.transforms.base import Compose, RandomTransform, Transform
from deltanet.data.transforms.crop import (
    CenterSpatialCrop,
    RandCropByPosNegLabel,
    RandSpatialCrop,
    ResizeWithPadOrCrop,
    SpatialPad,
)
from deltanet.data.transforms.intensity import (
    AdjustContrast,
    CTWindow,
    NormalizeIntensity,
    RandAdjustContrast,
    RandGaussianNoise,
    ScaleIntensity,
    ScaleIntensityRange,
)
from deltanet.data.transforms.orientation import Orientation
from deltanet.data.transforms.spatial import (
    Affine,
    Flip,
    RandAffine,
    RandElastic,
    RandFlip,
    RandRotate90,
    Resize,
    Rotate90,
    Spacing,
    rotation_matrix,
)

__all__ = [
    "AdjustContrast",
    "Affine",
    "CTWindow",
    "CenterSpatialCrop",
    "Compose",
    "Flip",
    "NormalizeIntensity",
    "Orientation",
    "RandAdjustContrast",
    "RandAffine",
    "RandCropByPosNegLabel",
    "RandElastic",
    "RandFlip",
    "RandGaussianNoise",
    "RandRotate90",
    "RandSpatialCrop",
    "RandomTransform",
    "Resize",
    "ResizeWithPadOrCrop",
    "Rotate90",
    "ScaleIntensity",
    "ScaleIntensityRange",
    "SpatialPad",
    "Spacing",
    "Transform",
    "rotation_matrix",
]
