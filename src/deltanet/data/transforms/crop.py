"""Cropping and padding: to a size, at the centre, at random, and MONAI's foreground/background
patch sampler ``RandCropByPosNegLabel``.

Sizes are one number per spatial axis (or one for all); -1 keeps that axis as it is. Padding is
symmetric (the extra half voxel goes after), with zeros unless ``mode`` says otherwise; the label is
padded the same way, with 0 (background) for ``"constant"``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import get_rng
from deltanet.data.transforms.base import RandomTransform, Transform

PAD_MODES = ("constant", "edge", "reflect", "symmetric")


_KEEP = (-1, "keep the axis")


def _target(size: Any, shape: tuple[int, ...], name: str, owner: str) -> tuple[int, ...]:
    """``size`` as one positive int per spatial axis, -1 replaced by the axis' own size."""
    sizes = check.sizes(_listed(size), name, owner, count=len(shape), special=_KEEP)
    return tuple(n if s == -1 else s for s, n in zip(sizes, shape))


def _check_size(size: Any, name: str, owner: str) -> Any:
    """Check what can be checked before the image's dimensionality is known; ``size`` as given."""
    check.sizes(_listed(size), name, owner, special=_KEEP)
    return size


def _listed(size: Any) -> Any:
    """An array of sizes as a list (``check.sizes`` takes an int, a tuple or a list)."""
    return size.tolist() if isinstance(size, np.ndarray) else size


def _crop(array: np.ndarray, start: tuple[int, ...], size: tuple[int, ...]) -> np.ndarray:
    return array[(slice(None), *[slice(s, s + n) for s, n in zip(start, size)])].copy()


class SpatialPad(Transform):
    """Pad symmetrically to at least ``spatial_size`` (axes already as large are left alone).

    Args:
        spatial_size: the smallest size per spatial axis (-1 keeps the axis).
        mode: ``numpy.pad``'s mode: "constant" (zeros, default), "edge", "reflect", "symmetric".

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.SpatialPad(spatial_size=4)(np.ones((1, 2, 5))).shape
        (1, 4, 5)
    """

    def __init__(self, spatial_size: Any, mode: str = "constant") -> None:
        self.spatial_size = _check_size(spatial_size, "spatial_size", "SpatialPad")
        self.mode = check.one_of(mode, "mode", PAD_MODES, "SpatialPad")

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        target = _target(self.spatial_size, image.shape[1:], "spatial_size", type(self).__name__)
        missing = [max(t - n, 0) for t, n in zip(target, image.shape[1:])]
        widths = [(0, 0)] + [(m // 2, m - m // 2) for m in missing]
        if not any(missing):
            return image, label
        padded = np.pad(image, widths, mode=self.mode)
        return padded, None if label is None else np.pad(label, widths, mode=self.mode)


class CenterSpatialCrop(Transform):
    """Crop the centre ``roi_size`` (axes already smaller are left alone).

    As MONAI's, the crop starts ``roi_size // 2`` voxels before the centre voxel ``n // 2``: when
    $n$ is even and the size odd, one voxel more is cut before the crop than after it, so a crop
    does not undo ``SpatialPad``, which pads the extra voxel after.

    Args:
        roi_size: the size per spatial axis (-1 keeps the axis).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.CenterSpatialCrop(roi_size=2)(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()
        [1.0, 2.0]
    """

    def __init__(self, roi_size: Any) -> None:
        self.roi_size = _check_size(roi_size, "roi_size", "CenterSpatialCrop")

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        shape = image.shape[1:]
        size = tuple(min(t, n) for t, n in zip(_target(self.roi_size, shape, "roi_size", type(self).__name__), shape))
        start = tuple(n // 2 - s // 2 for n, s in zip(shape, size))  # MONAI's: from the centre voxel n // 2
        return _crop(image, start, size), None if label is None else _crop(label, start, size)


class RandSpatialCrop(RandomTransform):
    """Crop ``roi_size`` at a uniformly random position (axes already smaller are left alone).

    Args:
        roi_size: the size per spatial axis (-1 keeps the axis).
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.RandSpatialCrop(roi_size=(2, 3), rng=0)(np.zeros((1, 8, 8))).shape
        (1, 2, 3)
    """

    def __init__(self, roi_size: Any, rng: Any = None) -> None:
        super().__init__(1.0, rng)
        self.roi_size = _check_size(roi_size, "roi_size", "RandSpatialCrop")

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        shape = image.shape[1:]
        size = tuple(min(t, n) for t, n in zip(_target(self.roi_size, shape, "roi_size", type(self).__name__), shape))
        start = tuple(int(self.rng.integers(0, n - s + 1)) for n, s in zip(shape, size))
        return _crop(image, start, size), None if label is None else _crop(label, start, size)


class ResizeWithPadOrCrop(Transform):
    """Pad (symmetrically) or crop (at the centre) each axis to exactly ``spatial_size``.

    Args:
        spatial_size: the size per spatial axis (-1 keeps the axis).
        mode: the padding mode, as ``SpatialPad``'s.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.ResizeWithPadOrCrop(spatial_size=(4, 4))(np.ones((1, 2, 9))).shape
        (1, 4, 4)
    """

    def __init__(self, spatial_size: Any, mode: str = "constant") -> None:
        self.pad = SpatialPad(spatial_size, mode)
        self.crop = CenterSpatialCrop(spatial_size)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        return self.crop.apply(*self.pad.apply(image, label))


class RandCropByPosNegLabel(Transform):
    r"""Sample ``num_samples`` patches of ``spatial_size``, each centred on a foreground voxel with
    probability $\mathrm{pos} / (\mathrm{pos} + \mathrm{neg})$, else on a background voxel (MONAI's
    ``RandCropByPosNegLabel``).

    Foreground is every nonzero label voxel, as MONAI's (``map_binary_to_indices``): a negative
    value (an "ignore" region marked -1) is foreground, too; background is label 0. A centre too
    close to the border is moved inwards so the patch fits; an image smaller than the patch is
    padded first (zeros), where MONAI's raises (``allow_smaller=False``) or crops less
    (``allow_smaller=True``). Without foreground every patch is centred on background, without
    background on foreground, with MONAI's warning (a ``UserWarning``). Returns a list of samples, so a
    ``Compose`` applies the following transforms to each patch.

    Args:
        spatial_size: the patch size per spatial axis (-1 keeps the axis).
        pos: the weight of foreground centres, $\ge 0$.
        neg: the weight of background centres, $\ge 0$ (not both 0).
        num_samples: patches per call.
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> label = np.zeros((20, 20), np.int64); label[2:5, 2:5] = 1
        >>> patches = transforms.RandCropByPosNegLabel((6, 6), pos=1, neg=0, num_samples=3, rng=0)(
        ...     np.zeros((1, 20, 20)), label)
        >>> len(patches), patches[0][0].shape, all(lab.sum() > 0 for _, lab in patches)
        (3, (1, 6, 6), True)
    """

    def __init__(
        self, spatial_size: Any, pos: float = 1.0, neg: float = 1.0, num_samples: int = 1, rng: Any = None
    ) -> None:
        owner = type(self).__name__
        self.spatial_size = _check_size(spatial_size, "spatial_size", owner)
        self.pos = check.number(pos, "pos", owner, low=0)
        self.neg = check.number(neg, "neg", owner, low=0)
        if self.pos + self.neg == 0:
            raise ValueError(f"{owner}: pos and neg cannot both be 0")
        self.num_samples = check.integer(num_samples, "num_samples", owner, low=1)
        self.rng = get_rng(rng)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        owner = type(self).__name__
        if label is None:
            raise ValueError(f"{owner}: needs the label map to find foreground: call it with (image, label)")
        if label.shape[0] != 1:
            raise ValueError(f"{owner}: label must have one channel (a label map), got {label.shape[0]} channels")
        size = _target(self.spatial_size, image.shape[1:], "spatial_size", owner)
        image, label = SpatialPad(size).apply(image, label)
        assert label is not None
        shape = image.shape[1:]
        foreground = np.flatnonzero(label[0] != 0)  # MONAI's: nonzero, negative values included
        background = np.flatnonzero(label[0] == 0)
        if foreground.size == 0 or background.size == 0:  # MONAI's warning, in its words
            centres = "background" if foreground.size == 0 else "foreground"
            warnings.warn(
                f"{owner}: Num foregrounds {foreground.size}, Num backgrounds {background.size}, unable to generate "
                f"class balanced samples; every patch is centred on {centres}",
                UserWarning,
                stacklevel=3,
            )
        patches = []
        for _ in range(self.num_samples):
            use_foreground = self.rng.random() < self.pos / (self.pos + self.neg)
            if foreground.size == 0 or (background.size and not use_foreground):
                candidates = background
            else:
                candidates = foreground
            centre = np.unravel_index(candidates[self.rng.integers(candidates.size)], shape)
            start = tuple(int(np.clip(c - s // 2, 0, n - s)) for c, s, n in zip(centre, size, shape))
            patches.append((_crop(image, start, size), _crop(label, start, size)))
        return patches


__all__ = ["CenterSpatialCrop", "RandCropByPosNegLabel", "RandSpatialCrop", "ResizeWithPadOrCrop", "SpatialPad"]
