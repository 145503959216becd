r"""Spatial transforms: flips, 90-degree rotations, affine maps, elastic deformation, resampling.

An interpolated image comes back float32, whatever its dtype (float64 and float16 too), as
MONAI's ``Resize``, ``Spacing``, ``Affine``, ``RandAffine`` and elastic transforms return it; flips
and 90-degree rotations keep the dtype, as MONAI's. A label keeps its dtype (MONAI's dict
transforms turn it float32 as well).

Image and label move together; interpolation is ``scipy.ndimage``'s (``affine_transform``,
``map_coordinates``), with the spline order that ``mode`` names for the image and order 0
(nearest neighbour) for the label; ``Resize`` is ``F.interpolate``, as MONAI's. The affine
transforms work in voxel coordinates about the centre of the image, $c = (\mathrm{shape} - 1) / 2$:
an output voxel $x$ takes the input at

$$
x_{in} = c + A^{-1} (x - c - t), \qquad A = R\, S,
$$

with $R$ a rotation, $S = \mathrm{diag}(s)$ the scaling and $t$ the translation (voxels).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.data.image import Image, require
from deltanet.data.transforms.base import (
    RandomTransform,
    Transform,
    as_float,
    check_label_affine,
    image_array,
    interpolation_order,
    label_array,
    per_axis,
    scipy_padding,
    spatial_axes,
)


def _each_channel(function: Any, array: np.ndarray) -> np.ndarray:
    return np.stack([function(channel) for channel in array])


def _interpolated(function: Any, image: np.ndarray) -> np.ndarray:
    """``function`` on each channel of the image as floats (float64 in float64; float16, which
    ``scipy.ndimage`` cannot interpolate, in float32), given back as float32: MONAI's ``Resample``
    (``Affine``, ``RandAffine``, the elastic ones) and ``spatial_resample`` (``Spacing``) return
    float32 whatever the input."""
    values = as_float(image)
    if values.dtype == np.float16:
        values = values.astype(np.float32)
    return _each_channel(function, values).astype(np.float32, copy=False)


class Flip(Transform):
    """Reverse the order of the voxels along the given spatial axes.

    Args:
        spatial_axis: an axis or axes, 0 being the first after the channels; None: all of them.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> image, label = transforms.Flip(spatial_axis=0)(np.arange(3.0).reshape(1, 3, 1), np.array([[0], [0], [1]]))
        >>> image[0, :, 0].tolist(), label[:, 0].tolist()
        ([2.0, 1.0, 0.0], [1, 0, 0])
    """

    def __init__(self, spatial_axis: Any = None) -> None:
        self.spatial_axis = spatial_axis

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        axes = tuple(1 + a for a in spatial_axes(self.spatial_axis, image.ndim - 1, type(self).__name__))
        flipped = np.ascontiguousarray(np.flip(image, axis=axes))
        return flipped, None if label is None else np.ascontiguousarray(np.flip(label, axis=axes))


class RandFlip(RandomTransform):
    """``Flip`` with probability ``prob``.

    Args:
        prob: the probability of flipping (MONAI's default 0.1).
        spatial_axis: the axes to flip together; None: all spatial axes.
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.RandFlip(prob=1.0, spatial_axis=0)(np.arange(3.0).reshape(1, 3, 1))[0, :, 0].tolist()
        [2.0, 1.0, 0.0]
    """

    def __init__(self, prob: float = 0.1, spatial_axis: Any = None, rng: Any = None) -> None:
        super().__init__(prob, rng)
        self.spatial_axis = spatial_axis

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        return Flip(self.spatial_axis).apply(image, label)


class Rotate90(Transform):
    """Rotate by ``k`` quarter turns in the plane of two spatial axes (``numpy.rot90``).

    Args:
        k: the number of quarter turns, from the first axis towards the second.
        spatial_axes: the two spatial axes of the plane (0 = the first after the channels).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.Rotate90()(np.array([[[1.0, 2.0], [3.0, 4.0]]]))[0].tolist()
        [[2.0, 4.0], [1.0, 3.0]]
    """

    def __init__(self, k: int = 1, spatial_axes: tuple[int, int] = (0, 1)) -> None:
        self.k = check.integer(k, "k", "Rotate90")
        if len(tuple(spatial_axes)) != 2:
            raise ValueError(f"Rotate90: spatial_axes must be two axes, got {spatial_axes!r}")
        self.spatial_axes = tuple(spatial_axes)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        a, b = spatial_axes(self.spatial_axes, image.ndim - 1, type(self).__name__, "spatial_axes")
        if a == b:
            raise ValueError(f"Rotate90: spatial_axes must be two different axes, got {self.spatial_axes}")

        def turn(array: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(np.rot90(array, self.k, axes=(1 + a, 1 + b)))

        return turn(image), None if label is None else turn(label)


class RandRotate90(RandomTransform):
    """``Rotate90`` by a random $k \\in \\{1, \\dots, \\mathrm{max\\_k}\\}$ with probability ``prob``.

    Args:
        prob: the probability of rotating (MONAI's default 0.1).
        max_k: the largest number of quarter turns (default 3).
        spatial_axes: the two spatial axes of the plane.
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> out = transforms.RandRotate90(prob=1.0, rng=0)(np.zeros((1, 2, 3)))
        >>> out.shape in [(1, 3, 2), (1, 2, 3)]
        True
    """

    def __init__(
        self, prob: float = 0.1, max_k: int = 3, spatial_axes: tuple[int, int] = (0, 1), rng: Any = None
    ) -> None:
        super().__init__(prob, rng)
        self.max_k = check.integer(max_k, "max_k", "RandRotate90", low=1)
        self.spatial_axes = spatial_axes

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        k = int(self.rng.integers(1, self.max_k + 1))
        return Rotate90(k, self.spatial_axes).apply(image, label)


def rotation_matrix(angles: np.ndarray) -> np.ndarray:
    r"""The rotation $R$ for one angle (2-D) or three angles (3-D), in radians.

    In 3-D the angles turn the planes of the axes (1, 2), (0, 2) and (0, 1) in that order; each
    turns from the plane's first axis towards its second, as ``numpy.rot90``.
    """
    if len(angles) == 1:
        c, s = math.cos(angles[0]), math.sin(angles[0])
        return np.array([[c, -s], [s, c]])
    R = np.eye(3)
    for angle, (i, j) in zip(angles, [(1, 2), (0, 2), (0, 1)]):
        turn = np.eye(3)
        c, s = math.cos(angle), math.sin(angle)
        turn[i, i], turn[i, j], turn[j, i], turn[j, j] = c, -s, s, c
        R = turn @ R
    return R


class Affine(Transform):
    r"""Rotate, scale and translate about the image centre: $x_{in} = c + (R S)^{-1} (x - c - t)$.

    The output has the input's shape; voxels that come from outside the input are filled by
    ``padding_mode``. The label is interpolated by nearest neighbour.

    Args:
        rotate: the angle in radians (2-D), or three angles (3-D), as ``rotation_matrix``; a
            positive angle turns as ``Rotate90`` does.
        scale: the scale factor $s$, one or one per spatial axis (2 enlarges).
        translate: the shift $t$ in voxels, one or one per spatial axis.
        mode: the image's interpolation: "bilinear" (default), "nearest" or "bicubic" (scipy's cubic
            spline, order 3: smoother than the cubic convolution of MONAI's grid_sample "bicubic").
        padding_mode: "reflection" (default, MONAI's: mirrored about the border), "border" (repeat
            the edge) or "zeros", sampled beyond the edge as ``grid_sample(align_corners=False)``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> image = np.arange(9.0).reshape(1, 3, 3)
        >>> turned = transforms.Affine(rotate=np.pi / 2)(image)
        >>> np.allclose(turned, transforms.Rotate90()(image))
        True
    """

    def __init__(
        self,
        rotate: Any = 0.0,
        scale: Any = 1.0,
        translate: Any = 0.0,
        mode: str = "bilinear",
        padding_mode: str = "reflection",
    ) -> None:
        owner = type(self).__name__
        self.rotate, self.scale, self.translate = rotate, scale, translate
        self.order = interpolation_order(mode, owner)
        self.padding = scipy_padding(padding_mode, owner)
        self.mode, self.padding_mode = mode, padding_mode

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        owner = type(self).__name__
        n = image.ndim - 1
        angles = per_axis(self.rotate, 1 if n == 2 else 3, "rotate", owner, low=-math.inf)
        scale = per_axis(self.scale, n, "scale", owner)
        if np.any(scale <= 0):
            raise ValueError(f"{owner}: scale must be > 0, got {self.scale!r}")
        shift = per_axis(self.translate, n, "translate", owner, low=-math.inf)
        return self._map(image, label, rotation_matrix(angles) @ np.diag(scale), shift)

    def _map(self, image: np.ndarray, label: np.ndarray | None, A: np.ndarray, shift: np.ndarray) -> Any:
        ndimage = require("scipy.ndimage")
        centre = (np.array(image.shape[1:]) - 1) / 2
        matrix = np.linalg.inv(A)
        offset = centre - matrix @ (centre + shift)

        def warp(channel: np.ndarray, order: int) -> np.ndarray:
            return ndimage.affine_transform(channel, matrix, offset, order=order, mode=self.padding, cval=0)

        out = _interpolated(lambda ch: warp(ch, self.order), image)
        return out, None if label is None else _each_channel(lambda ch: warp(ch, 0), label)


class RandAffine(RandomTransform):
    r"""``Affine`` with random parameters, drawn uniformly: angles in $[-r, r]$, scale factors
    $1 + [-s, s]$, shifts in $[-t, t]$ voxels.

    Args:
        prob: the probability of transforming (MONAI's default 0.1).
        rotate_range: $r$ in radians, one (2-D) or three (3-D) numbers.
        scale_range: $s$, one or one per spatial axis (0.1: factors from 0.9 to 1.1).
        translate_range: $t$ in voxels, one or one per spatial axis.
        mode: the image's interpolation: "bilinear", "nearest" or "bicubic".
        padding_mode: "reflection" (default, MONAI's), "border" or "zeros".
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> augment = transforms.RandAffine(prob=1.0, rotate_range=0.3, scale_range=0.1, rng=0)
        >>> image, label = augment(np.ones((1, 16, 16), np.float32), np.ones((16, 16), np.int64))
        >>> image.dtype, sorted(np.unique(label).tolist())  # the border mirrored: no background brought in
        (dtype('float32'), [1])
        >>> zeros = transforms.RandAffine(prob=1.0, rotate_range=0.3, scale_range=0.1, padding_mode="zeros", rng=0)
        >>> sorted(np.unique(zeros(np.ones((1, 16, 16), np.float32), np.ones((16, 16), np.int64))[1]).tolist())
        [0, 1]
    """

    def __init__(
        self,
        prob: float = 0.1,
        rotate_range: Any = 0.0,
        scale_range: Any = 0.0,
        translate_range: Any = 0.0,
        mode: str = "bilinear",
        padding_mode: str = "reflection",
        rng: Any = None,
    ) -> None:
        super().__init__(prob, rng)
        self.rotate_range, self.scale_range, self.translate_range = rotate_range, scale_range, translate_range
        interpolation_order(mode, type(self).__name__)  # name this class in the message, not Affine
        scipy_padding(padding_mode, type(self).__name__)
        self.affine = Affine(mode=mode, padding_mode=padding_mode)

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        owner = type(self).__name__
        n = image.ndim - 1
        r = per_axis(self.rotate_range, 1 if n == 2 else 3, "rotate_range", owner)
        s = per_axis(self.scale_range, n, "scale_range", owner)
        if np.any(s >= 1):
            raise ValueError(f"{owner}: scale_range must be < 1 (factors 1 - s to 1 + s stay positive), got {s}")
        t = per_axis(self.translate_range, n, "translate_range", owner)
        angles = self.rng.uniform(-r, r)
        scale = 1 + self.rng.uniform(-s, s)
        shift = self.rng.uniform(-t, t)
        return self.affine._map(image, label, rotation_matrix(angles) @ np.diag(scale), shift)


class RandElastic(RandomTransform):
    r"""Elastic deformation (Simard et al. 2003): every voxel moves by a smooth random field.

    Each spatial axis gets a displacement $d = \alpha\, (G_\sigma * u)$, with $u$ uniform noise in
    $[-1, 1]$ per voxel, $G_\sigma$ a Gaussian filter of width $\sigma$ voxels and $\alpha$ the
    magnitude; the output at $x$ is the input at $x + d(x)$ (``scipy.ndimage.map_coordinates``).
    As MONAI's ``Rand2DElastic``/``Rand3DElastic``, $\sigma$ and $\alpha$ are drawn per call from
    their ranges; the smoothing shrinks the noise, so the typical shift is far below $\alpha$
    (about $0.16\, \alpha / \sigma$ voxels in 2-D).

    Args:
        prob: the probability of deforming (MONAI's default 0.1).
        sigma_range: $(\sigma_{min}, \sigma_{max})$ in voxels: larger is smoother.
        magnitude_range: $(\alpha_{min}, \alpha_{max})$.
        mode: the image's interpolation: "bilinear", "nearest" or "bicubic".
        padding_mode: "reflection" (default, MONAI's), "border" or "zeros".
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> warp = transforms.RandElastic(prob=1.0, sigma_range=(4, 4), magnitude_range=(40, 40), rng=0)
        >>> image, label = warp(np.zeros((1, 20, 20)), np.zeros((20, 20), np.int64))
        >>> image.shape, label.shape
        ((1, 20, 20), (20, 20))
    """

    def __init__(
        self,
        prob: float = 0.1,
        sigma_range: tuple[float, float] = (5.0, 7.0),
        magnitude_range: tuple[float, float] = (50.0, 150.0),
        mode: str = "bilinear",
        padding_mode: str = "reflection",
        rng: Any = None,
    ) -> None:
        super().__init__(prob, rng)
        owner = type(self).__name__
        for name, pair in (("sigma_range", sigma_range), ("magnitude_range", magnitude_range)):
            low, high = per_axis(pair, 2, name, owner)
            if low > high:
                raise ValueError(f"{owner}: {name} must be (low, high) with low <= high, got {pair!r}")
        self.sigma_range = (float(sigma_range[0]), float(sigma_range[1]))
        self.magnitude_range = (float(magnitude_range[0]), float(magnitude_range[1]))
        self.order = interpolation_order(mode, owner)
        self.padding = scipy_padding(padding_mode, owner)

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        ndimage = require("scipy.ndimage")
        shape = image.shape[1:]
        sigma = self.rng.uniform(*self.sigma_range)
        alpha = self.rng.uniform(*self.magnitude_range)
        grid = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
        coordinates = np.stack(
            [g + alpha * ndimage.gaussian_filter(self.rng.uniform(-1, 1, shape), sigma) for g in grid]
        )

        def warp(channel: np.ndarray, order: int) -> np.ndarray:
            return ndimage.map_coordinates(channel, coordinates, order=order, mode=self.padding, cval=0)

        out = _interpolated(lambda ch: warp(ch, self.order), image)
        return out, None if label is None else _each_channel(lambda ch: warp(ch, 0), label)


#: The modes of ``torch.nn.functional.interpolate`` (and MONAI's ``Resize``), "area" first: MONAI's default.
RESIZE_MODES = ("area", "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")


def _interpolate(array: np.ndarray, size: tuple[int, ...], mode: str, align_corners: Any, owner: str) -> np.ndarray:
    """``F.interpolate`` (PyTorch's semantics) of a channel-first array; integers go through float64
    and come back as they were, float16 through float32, other floats keep their dtype."""
    from deltanet.autograd import Tensor
    from deltanet.functional.upsample import interpolate

    values = array.astype(np.float64) if array.dtype.kind != "f" else array
    values = values.astype(np.float32) if values.dtype == np.float16 else values
    try:
        out = interpolate(Tensor(values[np.newaxis]), size=size, mode=mode, align_corners=align_corners).array[0]
    except ValueError as error:
        raise ValueError(f"{owner}: {str(error).removeprefix('interpolate: ')}") from None
    return out.astype(array.dtype) if array.dtype.kind != "f" or array.dtype == np.float16 else out


class Resize(Transform):
    r"""Interpolate to exactly ``spatial_size`` (the image is stretched, not cropped), as MONAI's
    ``Resize``: ``torch.nn.functional.interpolate(image[None], spatial_size, mode, align_corners)[0]``.

    The default mode is MONAI's, "area" (each output voxel the mean of the input voxels it covers:
    adaptive average pooling, which suits shrinking); the label goes through "nearest" (PyTorch's:
    output voxel $j$ takes input voxel $\lfloor j\, n / m \rfloor$), as a MONAI pipeline pairs them
    with ``Resized(keys=["image", "label"], mode=("area", "nearest"))``. "bicubic" is PyTorch's
    cubic convolution ($A = -0.75$), which can overshoot the input's range. Use it to bring pictures
    of different sizes to one size; to resample a scan to a voxel size, use ``Spacing``.

    Args:
        spatial_size: the new size per spatial axis (-1 keeps the axis), or one for all.
        mode: "area" (default), "nearest", "nearest-exact", "bilinear" (2-D), "bicubic" (2-D) or
            "trilinear" (3-D), as ``F.interpolate``.
        align_corners: for the interpolating modes, as ``F.interpolate`` (None: False).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.Resize((4, 4))(np.ones((3, 10, 6), np.float32)).shape
        (3, 4, 4)
        >>> transforms.Resize(2)(np.array([[[1.0, 3.0, 5.0, 7.0]] * 2])).tolist()  # area: the mean of each half
        [[[2.0, 6.0], [2.0, 6.0]]]
    """

    def __init__(self, spatial_size: Any, mode: str = "area", align_corners: bool | None = None) -> None:
        self.spatial_size = spatial_size
        self.mode = check.one_of(mode, "mode", RESIZE_MODES, type(self).__name__)
        self.align_corners = align_corners

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        owner = type(self).__name__
        shape = image.shape[1:]
        values = [self.spatial_size] * len(shape) if np.ndim(self.spatial_size) == 0 else list(self.spatial_size)
        if len(values) != len(shape):
            raise ValueError(f"{owner}: spatial_size must be one size or {len(shape)}, got {self.spatial_size!r}")
        target = tuple(n if v == -1 else check.integer(v, "spatial_size", owner, low=1) for v, n in zip(values, shape))
        floats = as_float(image)
        floats = floats.astype(np.float32) if floats.dtype == np.float16 else floats
        out = _interpolate(floats, target, self.mode, self.align_corners, owner).astype(np.float32, copy=False)
        return out, None if label is None else _interpolate(label, target, "nearest", None, owner)


class Spacing(Transform):
    r"""Resample to a voxel spacing ``pixdim`` (mm), e.g. to make every scan of a study isotropic.

    The new spacing is exactly ``pixdim``. Along an axis of $n$ voxels of spacing $\Delta$ the new
    grid has $n' = \mathrm{round}(n\, \Delta / \Delta')$ voxels (at least 1; halves round to even,
    as NumPy's), the extent of the scan to within half a new voxel, as nnU-Net's resampling and
    MONAI's ``Spacing(scale_extent=True)`` size it; and its centre is the old grid's centre, so new
    voxel $j$ lies at old index $x = c + (j - c')\, \Delta' / \Delta$ with $c = (n - 1)/2$,
    $c' = (n' - 1)/2$. ``scipy.ndimage.affine_transform`` interpolates there (``mode``; the label
    by nearest neighbour, order 0, so it stays a label), repeating the edge voxels where $x$ falls
    in the outer half voxel. Give an ``Image`` (its spacing is read, and the returned ``Image``
    has the affine $A M$, with $M$ that index map: every new voxel is placed where it was sampled)
    or an array with ``spacing=``.

    **MONAI's** ``Spacing`` **differs by default** (``scale_extent=False``): it keeps the centre of
    voxel 0 where it was and gives $\mathrm{round}((n - 1)\, \Delta / \Delta') + 1$ voxels, so a
    256-voxel axis at 1 mm resampled to 2 mm is 129 voxels there and 128 here, each grid shifted
    against the other by a quarter of a new voxel. Its ``padding_mode="border"`` is what this
    transform does; ``diagonal=True`` (resample onto a diagonal affine) is not done: reorient
    with ``Orientation`` first, which moves no voxel off the grid.

    Args:
        pixdim: the new spacing, one number or one per spatial axis.
        mode: the image's interpolation: "bilinear" (default), "nearest" or "bicubic".

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import Image, transforms
        >>> scan = Image(np.zeros((1, 10, 10, 4), np.float32), affine=np.diag([1.0, 1.0, 5.0, 1.0]))
        >>> iso = transforms.Spacing(pixdim=2.0)(scan)
        >>> iso.array.shape, iso.spacing
        ((1, 5, 5, 10), (2.0, 2.0, 2.0))
    """

    def __init__(self, pixdim: Any, mode: str = "bilinear") -> None:
        self.pixdim = pixdim
        self.order = interpolation_order(mode, type(self).__name__)
        self.mode = mode

    def __call__(self, image: Any, label: Any = None, spacing: Any = None) -> Any:
        if isinstance(image, dict):
            sample = dict(image)
            spacing = sample.pop("spacing", spacing)
            if sample.get("label") is None:
                sample["image"] = self(sample["image"], spacing=spacing)
            else:
                sample["image"], sample["label"] = self(sample["image"], sample["label"], spacing=spacing)
            return sample
        if isinstance(image, Image):
            check_label_affine(label, image.affine, type(self).__name__)
            resampled, new_label, affine = self._resample(image.array, label, image.spacing, image.affine)
            result = Image(resampled, affine, image.format, image.path, dict(image.metadata))
            if label is None:
                return result
            if isinstance(label, Image):
                return result, Image(new_label, affine, label.format, label.path, dict(label.metadata))
            return result, new_label
        if spacing is None:
            raise ValueError("Spacing: give an Image, or an array with spacing= (the current spacing in mm)")
        resampled, new_label, _ = self._resample(np.asarray(image), label, spacing, None)
        return resampled if label is None else (resampled, new_label)

    def _resample(self, array: np.ndarray, label: Any, spacing: Any, affine: Any) -> Any:
        owner = type(self).__name__
        array = image_array(array, owner)
        n = array.ndim - 1
        old = per_axis(spacing, n, "spacing", owner)
        new = per_axis(self.pixdim, n, "pixdim", owner)
        if np.any(old <= 0) or np.any(new <= 0):
            raise ValueError(f"{owner}: spacings must be > 0, got spacing {spacing!r} and pixdim {self.pixdim!r}")
        shape = np.array(array.shape[1:])
        new_shape = tuple(int(size) for size in np.maximum(1, np.round(shape * old / new)))
        # new voxel j lies at old index c + (j - c') r: r old voxels per new one, the centres c, c' aligned
        step = new / old
        start = (shape - 1) / 2 - (np.array(new_shape) - 1) / 2 * step

        def resample(channel: np.ndarray, order: int) -> np.ndarray:
            ndimage = require("scipy.ndimage")
            return ndimage.affine_transform(channel, step, start, output_shape=new_shape, order=order, mode="nearest")

        out = _interpolated(lambda ch: resample(ch, self.order), array)
        new_label = None
        if label is not None:
            raw = label.array if isinstance(label, Image) else label
            label_channels, bare = label_array(raw, array, owner)
            new_label = _each_channel(lambda ch: resample(ch, 0), label_channels)
            new_label = new_label[0] if bare else new_label
        new_affine = None
        if affine is not None:
            index_map = np.eye(4)  # new voxel index -> old voxel index
            index_map[:n, :n] = np.diag(step)
            index_map[:n, 3] = start
            new_affine = affine @ index_map
        return out, new_label, new_affine


__all__ = [
    "Affine",
    "Flip",
    "RandAffine",
    "RandElastic",
    "RandFlip",
    "RandRotate90",
    "Resize",
    "Rotate90",
    "Spacing",
    "rotation_matrix",
]
