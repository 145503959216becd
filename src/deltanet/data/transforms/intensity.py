r"""Intensity transforms: z-score, scaling to a range, CT window/level, gamma, Gaussian noise.

They change the image's values and leave the label alone. The result's dtype is MONAI's:
``NormalizeIntensity``, ``ScaleIntensity``, ``ScaleIntensityRange`` (and ``CTWindow``) and
``RandGaussianNoise`` take ``dtype=`` (default float32, so a float64 image comes back float32, as
MONAI's; ``dtype=None`` keeps a float image's dtype). ``AdjustContrast`` and
``RandAdjustContrast`` have no ``dtype=`` and keep a float image's dtype, as MONAI's. An integer
image gives float32 with ``dtype=None`` (MONAI casts the result back to the integer type,
truncating it). Statistics and scaling are computed in the image's precision (float64 for a
float64 image), then cast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.data.transforms.base import RandomTransform, Transform, as_float, as_output, output_dtype

_EPS = 1e-7  # MONAI's guard against a constant image in AdjustContrast


class NormalizeIntensity(Transform):
    r"""Z-score: $x' = (x - \mu) / \sigma$, over the whole image (default, as MONAI's) or per channel.

    With ``nonzero=True`` only the nonzero voxels are normalized and give $\mu$ and $\sigma$
    (the background of a skull-stripped MR stays 0). A constant image has $\sigma = 0$: it is
    only shifted, as MONAI does.

    Args:
        nonzero: normalize only the nonzero voxels.
        channel_wise: one $\mu, \sigma$ per channel, or (default, MONAI's ``channel_wise=False``)
            one for the whole image; multi-modal scans (several MR sequences as channels) want True.
        dtype: the output dtype (default float32, MONAI's); None keeps a float image's dtype.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.NormalizeIntensity()(np.array([[[1.0, 3.0]]])).tolist()
        [[[-1.0, 1.0]]]
    """

    def __init__(self, nonzero: bool = False, channel_wise: bool = False, dtype: Any = np.float32) -> None:
        self.nonzero = check.flag(nonzero, "nonzero", "NormalizeIntensity")
        self.channel_wise = check.flag(channel_wise, "channel_wise", "NormalizeIntensity")
        self.dtype = output_dtype(dtype, "NormalizeIntensity")

    def _normalize(self, values: np.ndarray) -> np.ndarray:
        out = values.copy()
        chosen = values != 0 if self.nonzero else np.ones(values.shape, dtype=bool)
        if chosen.any():
            mean, std = values[chosen].mean(), values[chosen].std()
            out[chosen] = (values[chosen] - mean) / (std if std > 0 else 1.0)
        return out

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        values = as_float(image)
        if self.channel_wise:
            return as_output(np.stack([self._normalize(channel) for channel in values]), self.dtype, image), label
        return as_output(self._normalize(values), self.dtype, image), label


class ScaleIntensity(Transform):
    r"""Min-max scaling to $[\mathrm{minv}, \mathrm{maxv}]$, MONAI's ``rescale_array``:
    $x' = \frac{x - \min x}{\max x - \min x} (\mathrm{maxv} - \mathrm{minv}) + \mathrm{minv}$.

    A constant image ($\max x = \min x$) becomes $x \cdot \mathrm{minv}$, as MONAI's: all zeros for
    the default ``minv=0``, but $5 \cdot (-1) = -5$ for a constant 5 with ``minv=-1``, outside
    $[\mathrm{minv}, \mathrm{maxv}]$; it is not set to ``minv``.

    Args:
        minv: the new minimum (default 0).
        maxv: the new maximum (default 1).
        dtype: the output dtype (default float32, MONAI's); None keeps a float image's dtype.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.ScaleIntensity()(np.array([[[2.0, 4.0, 6.0]]])).tolist()
        [[[0.0, 0.5, 1.0]]]
        >>> transforms.ScaleIntensity(minv=-1.0)(np.full((1, 1, 2), 5.0)).tolist()   # constant: x * minv
        [[[-5.0, -5.0]]]
    """

    def __init__(self, minv: float = 0.0, maxv: float = 1.0, dtype: Any = np.float32) -> None:
        self.minv = check.number(minv, "minv", "ScaleIntensity")
        self.maxv = check.number(maxv, "maxv", "ScaleIntensity")
        self.dtype = output_dtype(dtype, "ScaleIntensity")

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        values = as_float(image)
        low, high = values.min(), values.max()
        if high == low:  # MONAI's rescale_array: arr * minv
            return as_output(values * self.minv, self.dtype, image), label
        normalized = (values - low) / (high - low)
        return as_output(normalized * (self.maxv - self.minv) + self.minv, self.dtype, image), label


class ScaleIntensityRange(Transform):
    r"""Map $[a_{min}, a_{max}]$ linearly onto $[b_{min}, b_{max}]$, optionally clipping the rest.

    $$
    x' = b_{min} + (x - a_{min}) \frac{b_{max} - b_{min}}{a_{max} - a_{min}}
    $$

    Two edge cases differ from MONAI's, by choice and not silently: ``a_min == a_max`` is refused
    (MONAI's warns "Divide by zero" and returns $x - a_{min} + b_{min}$), and with ``clip`` and an
    inverted range ($b_{min} > b_{max}$) the output is clipped to $[b_{max}, b_{min}]$ (MONAI's
    ``clip(x, b_min, b_max)`` sets every voxel to $b_{max}$ then).

    Args:
        a_min: the input value that becomes ``b_min``.
        a_max: the input value that becomes ``b_max``.
        b_min: the output for ``a_min`` (default 0).
        b_max: the output for ``a_max`` (default 1).
        clip: clip the output to $[b_{min}, b_{max}]$.
        dtype: the output dtype (default float32, MONAI's); None keeps a float image's dtype.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.ScaleIntensityRange(-1000, 1000, clip=True)(np.array([[[-2000.0, 0.0, 500.0]]])).tolist()
        [[[0.0, 0.5, 0.75]]]
    """

    def __init__(
        self,
        a_min: float,
        a_max: float,
        b_min: float = 0.0,
        b_max: float = 1.0,
        clip: bool = False,
        dtype: Any = np.float32,
    ) -> None:
        owner = type(self).__name__
        self.dtype = output_dtype(dtype, owner)
        self.a_min = check.number(a_min, "a_min", owner)
        self.a_max = check.number(a_max, "a_max", owner)
        if self.a_max == self.a_min:
            raise ValueError(f"{owner}: a_min and a_max must differ, got {a_min!r} and {a_max!r}")
        self.b_min = check.number(b_min, "b_min", owner)
        self.b_max = check.number(b_max, "b_max", owner)
        self.clip = check.flag(clip, "clip", owner)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        values = as_float(image)
        out = (values - self.a_min) / (self.a_max - self.a_min) * (
            self.b_max - self.b_min
        ) + self.b_min  # MONAI's order
        if self.clip:
            out = np.clip(out, min(self.b_min, self.b_max), max(self.b_min, self.b_max))
        return as_output(out, self.dtype, image), label


class CTWindow(ScaleIntensityRange):
    r"""A CT window: HU from $L - W/2$ to $L + W/2$ become $[0, 1]$ (clipped), as a viewer shows them.

    The level $L$ is the window's centre and the width $W$ its range: soft tissue $L = 40$,
    $W = 400$; lung $L = -600$, $W = 1500$; bone $L = 400$, $W = 1800$; brain $L = 40$, $W = 80$.
    DICOM files often state theirs (``WindowCenter``, ``WindowWidth`` in ``Image.metadata``).

    Args:
        level: $L$ in HU (default 40, soft tissue).
        width: $W$ in HU, > 0 (default 400).
        b_min: the output for $L - W/2$ and below (default 0).
        b_max: the output for $L + W/2$ and above (default 1).
        dtype: the output dtype (default float32, as ``ScaleIntensityRange``); None keeps a float image's dtype.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> transforms.CTWindow(level=40, width=400)(np.array([[[-1000.0, 40.0, 240.0]]])).tolist()
        [[[0.0, 0.5, 1.0]]]
    """

    def __init__(
        self, level: float = 40.0, width: float = 400.0, b_min: float = 0.0, b_max: float = 1.0, dtype: Any = np.float32
    ) -> None:
        self.level = check.number(level, "level", "CTWindow")
        self.width = check.number(width, "width", "CTWindow", low=0, low_open=True)
        super().__init__(self.level - self.width / 2, self.level + self.width / 2, b_min, b_max, clip=True, dtype=dtype)


class AdjustContrast(Transform):
    r"""Gamma correction on the image's own range: $x' = m + r \left(\frac{x - m}{r + \epsilon}\right)^\gamma$,
    with $m = \min x$ and $r = \max x - \min x$ (MONAI's definition).

    Args:
        gamma: $\gamma > 0$; below 1 brightens the dark values, above 1 darkens them.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> np.round(transforms.AdjustContrast(gamma=2.0)(np.array([[[0.0, 5.0, 10.0]]])), 3).tolist()
        [[[0.0, 2.5, 10.0]]]
    """

    def __init__(self, gamma: float) -> None:
        self.gamma = check.number(gamma, "gamma", "AdjustContrast", low=0, low_open=True)

    def apply(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        image = as_float(image)
        low = image.min()
        span = image.max() - low
        out = np.power((image - low) / (span + _EPS), self.gamma) * span + low
        return out.astype(image.dtype), label


class RandAdjustContrast(RandomTransform):
    r"""``AdjustContrast`` with $\gamma$ drawn uniformly from ``gamma``, with probability ``prob``.

    Args:
        prob: the probability of adjusting (MONAI's default 0.1).
        gamma: the range $(\gamma_{min}, \gamma_{max})$ (MONAI's default (0.5, 4.5)).
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> out = transforms.RandAdjustContrast(prob=1.0, rng=0)(np.array([[[0.0, 5.0, 10.0]]]))
        >>> round(out[0, 0, 0].item(), 4), round(out[0, 0, 2].item(), 4)    # the range is kept
        (0.0, 10.0)
    """

    def __init__(self, prob: float = 0.1, gamma: tuple[float, float] = (0.5, 4.5), rng: Any = None) -> None:
        super().__init__(prob, rng)
        low, high = (check.number(g, "gamma", "RandAdjustContrast", low=0, low_open=True) for g in gamma)
        if low > high:
            raise ValueError(f"RandAdjustContrast: gamma must be (low, high) with low <= high, got {gamma!r}")
        self.gamma = (low, high)

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        return AdjustContrast(float(self.rng.uniform(*self.gamma))).apply(image, label)


class RandGaussianNoise(RandomTransform):
    r"""Add Gaussian noise $\mathcal{N}(\mu, s^2)$ to every voxel, with probability ``prob``.

    As MONAI's (``sample_std=True``), each call draws its spread $s$ uniformly from
    $[0, \sigma]$, so ``std`` is the largest spread, not the usual one; ``sample_std=False`` adds
    noise of spread $\sigma$ every time.

    Args:
        prob: the probability of adding noise (MONAI's default 0.1).
        mean: $\mu$ (default 0).
        std: $\sigma \ge 0$ (default 0.1), in the image's units.
        sample_std: draw $s$ from $[0, \sigma]$ at each call (default True, MONAI's), or $s = \sigma$.
        rng: seed or ``numpy.random.Generator``.
        dtype: the output dtype when noise is added (default float32, MONAI's; the image and the noise are
            cast to it, then added); None keeps a float image's dtype. A call that adds no noise returns
            the image as it came, as MONAI's.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import transforms
        >>> add = transforms.RandGaussianNoise(prob=1.0, std=0.5, sample_std=False, rng=0)
        >>> noisy = add(np.zeros((1, 100, 100), np.float32))
        >>> noisy.dtype, round(float(noisy.std()), 1)
        (dtype('float32'), 0.5)
    """

    def __init__(
        self,
        prob: float = 0.1,
        mean: float = 0.0,
        std: float = 0.1,
        sample_std: bool = True,
        rng: Any = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(prob, rng)
        self.dtype = output_dtype(dtype, "RandGaussianNoise")
        self.mean = check.number(mean, "mean", "RandGaussianNoise")
        self.std = check.number(std, "std", "RandGaussianNoise", low=0)
        self.sample_std = check.flag(sample_std, "sample_std", "RandGaussianNoise")

    def randomized(self, image: np.ndarray, label: np.ndarray | None) -> Any:
        spread = self.rng.uniform(0, self.std) if self.sample_std else self.std
        noise = self.rng.normal(self.mean, spread, image.shape)
        values = as_output(image, self.dtype, image)  # MONAI's order: both cast to the output dtype, then added
        return values + noise.astype(values.dtype), label


__all__ = [
    "AdjustContrast",
    "CTWindow",
    "NormalizeIntensity",
    "RandAdjustContrast",
    "RandGaussianNoise",
    "ScaleIntensity",
    "ScaleIntensityRange",
]
