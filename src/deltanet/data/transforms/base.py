"""What every transform shares: the three ways to call it, the seeded randomness, ``Compose``.

A transform takes one channel-first image $(C, H, W)$ or $(C, D, H, W)$ and, optionally, its label
map, and returns them transformed together (one sample, not a batch: an array $(N, C, H, W)$ would
be read as a volume $(C, D, H, W)$, as in MONAI; transform the samples of a dataset as they are
read, e.g. with ``SegmentationFolder(transform=...)``):

```python
image = t(image)                           # an image alone
image, label = t(image, label)             # an image and its label map
sample = t({"image": image, "label": label, "name": "case01"})   # a dict (MONAI's dict style)
```

The label may have a channel axis, $(1, H, W)$, or not, $(H, W)$; it comes back as it came. A
spatial transform moves the label with the image, interpolating it by nearest neighbour (so a
label stays a label: it never holds a value it did not hold, except 0 where padding brings in
background); an intensity transform leaves it alone. In a dict, ``"image"`` and ``"label"`` are
transformed and every other key is passed on unchanged.

A random transform draws from its own generator, ``rng=`` (a seed or a ``numpy.random.Generator``;
by default the generator that ``dn.manual_seed`` sets), once per call: two transforms built with the
same seed give the same sequence of augmentations. With probability ``1 - prob`` a call leaves its
input unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import get_rng

Pair = tuple[np.ndarray, "np.ndarray | None"]


def image_array(image: Any, owner: str) -> np.ndarray:
    if hasattr(image, "affine") and hasattr(image, "array"):  # deltanet.data.Image
        raise ValueError(
            f"{owner}: got an Image; give its array (image.array): the transforms take arrays, and only "
            "Spacing reads and updates an Image's affine"
        )
    array = np.asarray(getattr(image, "array", image))  # a Tensor gives its data
    if array.ndim not in (3, 4) or array.dtype.kind not in "biuf":
        raise ValueError(
            f"{owner}: image must be channel first, (C, H, W) or (C, D, H, W), of numbers; got shape "
            f"{array.shape}, dtype {array.dtype} (add the channel axis with image[None])"
        )
    return array


def check_label_affine(label: Any, affine: np.ndarray, owner: str) -> None:
    """Refuse a label ``Image`` whose affine is not its image's: moving it as the image would misplace it."""
    if hasattr(label, "affine") and hasattr(label, "array") and not np.allclose(label.affine, affine, atol=1e-4):
        raise ValueError(
            f"{owner}: the label's affine differs from its image's, so the two are not aligned voxel for voxel; "
            "resample the label onto the image first"
        )


def label_array(label: Any, image: np.ndarray, owner: str) -> tuple[np.ndarray, bool]:
    """The label with a channel axis, and whether it came without one."""
    array = np.asarray(getattr(label, "array", label))
    if array.shape == image.shape[1:]:
        return array[np.newaxis], True
    if array.ndim == image.ndim and array.shape[1:] == image.shape[1:]:
        return array, False
    raise ValueError(
        f"{owner}: label must have the image's spatial shape {image.shape[1:]}, with or without a channel "
        f"axis; got shape {array.shape}"
    )


def check_dict_sample(sample: dict, label: Any, owner: str) -> None:
    """A dict sample must hold ``"image"`` and come without a separate ``label``."""
    if label is not None:
        raise ValueError(f"{owner}: give a dict with 'image' and 'label', or image and label, not both")
    if "image" not in sample:
        raise ValueError(f"{owner}: a dict sample needs the key 'image', got keys {sorted(sample)}")


class Transform:
    """The base of every transform: one of three calls in, the same kind out.

    Subclasses implement ``apply(image, label)`` on channel-first arrays (``label`` may be None)
    and return the pair. A random transform draws its parameters inside ``apply``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> image = np.arange(6.0).reshape(1, 2, 3)
        >>> transforms.Flip(spatial_axis=1)(image)[0].tolist()
        [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]
    """

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        """Transform a channel-first ``image`` and its channel-first ``label`` (or None) together."""
        raise NotImplementedError

    def __call__(self, image: Any, label: Any = None) -> Any:
        owner = type(self).__name__
        if isinstance(image, dict):
            check_dict_sample(image, label, owner)
            out = self(image["image"], image.get("label"))
            pairs = out if isinstance(out, list) else [out]
            samples = []
            for pair in pairs:
                sample = dict(image)
                if image.get("label") is None:
                    sample["image"] = pair
                else:
                    sample["image"], sample["label"] = pair
                samples.append(sample)
            return samples if isinstance(out, list) else samples[0]
        array = image_array(image, owner)
        if label is None:
            result = self.apply(array, None)
            return [pair[0] for pair in result] if isinstance(result, list) else result[0]
        label_channels, bare = label_array(label, array, owner)
        result = self.apply(array, label_channels)
        pairs = result if isinstance(result, list) else [result]
        pairs = [(img, lab[0] if bare else lab) for img, lab in pairs]
        return pairs if isinstance(result, list) else pairs[0]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "rng")
        return f"{type(self).__name__}({fields})"


class RandomTransform(Transform):
    """A transform that applies itself with probability ``prob``, its randomness from ``rng``.

    Args:
        prob: the probability that a call transforms its input (otherwise it is returned unchanged).
        rng: seed or ``numpy.random.Generator`` (default: the one ``dn.manual_seed`` sets).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> flip = transforms.RandFlip(prob=0.5, rng=0)
        >>> [flip(np.arange(3.0).reshape(1, 1, 3))[0, 0, 0].item() for _ in range(4)]
        [0.0, 2.0, 2.0, 2.0]
    """

    def __init__(self, prob: float, rng: Any = None) -> None:
        self.prob = check.number(prob, "prob", type(self).__name__, low=0, high=1)
        self.rng = get_rng(rng)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        if self.rng.random() >= self.prob:
            return image, label
        return self.randomized(image, label)

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        """Draw this call's parameters from ``self.rng`` and transform (called with probability ``prob``)."""
        raise NotImplementedError


class Compose(Transform):
    """Apply transforms one after the other; after one that returns several samples, each goes on.

    Args:
        transforms: the transforms (or any callables taking and returning the same kind), in order.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> pipeline = transforms.Compose([transforms.ScaleIntensity(), transforms.Flip(spatial_axis=0)])
        >>> pipeline(np.array([[[0.0], [5.0], [10.0]]]))[0, :, 0].tolist()
        [1.0, 0.5, 0.0]
    """

    def __init__(self, transforms: Sequence[Any]) -> None:
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise ValueError(f"Compose: every transform must be callable, got {t!r}")

    def __call__(self, image: Any, label: Any = None) -> Any:
        samples = [image if label is None else (image, label)]
        several = False
        for t in self.transforms:
            results = []
            for sample in samples:
                out = t(*sample) if isinstance(sample, tuple) else t(sample)
                if isinstance(out, list):
                    several = True
                    results.extend(out)
                else:
                    results.append(out)
            samples = results
        return samples if several else samples[0]


def spatial_axes(value: Any, ndim: int, owner: str, name: str = "spatial_axis") -> tuple[int, ...]:
    """Spatial axis numbers (0 = the first axis after the channels) as a tuple; None = all."""
    if value is None:
        return tuple(range(ndim))
    axes = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    for a in axes:
        check.integer(a, name, owner, low=-ndim, high=ndim - 1)
    return tuple(int(a) % ndim for a in axes)


def per_axis(value: Any, ndim: int, name: str, owner: str, low: float = 0.0) -> np.ndarray:
    """A number or one number per spatial axis, as an array of ``ndim`` floats."""
    values = [value] * ndim if not isinstance(value, (list, tuple, np.ndarray)) else list(value)
    if len(values) != ndim:
        raise ValueError(f"{owner}: {name} must be a number or {ndim} numbers (one per spatial axis), got {value!r}")
    return np.array([check.number(v, name, owner, low=low) for v in values])


INTERPOLATION = {"nearest": 0, "bilinear": 1, "bicubic": 3}
# scipy's modes that sample beyond the edge as grid_sample(align_corners=False) does: "zeros" interpolates
# between the edge voxel and the zeros beyond ("grid-constant"; scipy's "constant" gave 0 in the outer half voxel)
PADDING = {"zeros": "grid-constant", "border": "nearest", "reflection": "reflect"}


def interpolation_order(mode: str, owner: str) -> int:
    """scipy's spline order for MONAI's mode name (labels always use 0, nearest)."""
    return INTERPOLATION[check.one_of(mode, "mode", INTERPOLATION, owner)]


def scipy_padding(mode: str, owner: str) -> str:
    """scipy's boundary mode for MONAI's padding name."""
    return PADDING[check.one_of(mode, "padding_mode", PADDING, owner)]


#: The output dtypes an intensity transform's ``dtype=`` takes (None: the input's float dtype).
FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def output_dtype(dtype: Any, owner: str) -> np.dtype | None:
    """``dtype=`` of an intensity transform (MONAI's, default float32): None, or a float dtype."""
    if dtype is None:
        return None
    try:
        chosen = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    except TypeError:
        chosen = None
    if chosen not in FLOAT_DTYPES:
        raise ValueError(
            f"{owner}: dtype must be None (the image's float dtype) or numpy.float16, float32 or float64, got {dtype!r}"
        )
    return chosen


def as_output(values: np.ndarray, dtype: np.dtype | None, image: np.ndarray) -> np.ndarray:
    """``values`` as ``dtype``; None: as the (float) ``image``, float32 for an integer image."""
    return values.astype(dtype if dtype is not None else as_float(image).dtype, copy=False)


def as_float(image: np.ndarray) -> np.ndarray:
    """Floats stay as they are (float32 stays float32); integers become float32 before interpolation."""
    return image if image.dtype.kind == "f" else image.astype(np.float32)
