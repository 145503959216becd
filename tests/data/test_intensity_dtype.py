"""The intensity transforms' output dtypes, MONAI's rules: ``dtype=`` float32 by default (a float64
image comes back float32), None keeps a float image's dtype; AdjustContrast keeps the image's."""

from __future__ import annotations

import numpy as np
import pytest

from deltanet.data import transforms as T

IMAGE = np.linspace(-3.0, 5.0, 24).reshape(1, 2, 3, 4)

WITH_DTYPE = [
    lambda **kw: T.NormalizeIntensity(**kw),
    lambda **kw: T.NormalizeIntensity(nonzero=True, channel_wise=True, **kw),
    lambda **kw: T.ScaleIntensity(**kw),
    lambda **kw: T.ScaleIntensityRange(-1.0, 1.0, clip=True, **kw),
    lambda **kw: T.CTWindow(level=0.0, width=4.0, **kw),
    lambda **kw: T.RandGaussianNoise(prob=1.0, std=0.1, rng=0, **kw),
]


@pytest.mark.parametrize("make", WITH_DTYPE)
@pytest.mark.parametrize("stored", [np.float16, np.float32, np.float64, np.int16, np.uint8])
def test_default_float32(make, stored):
    assert make()(IMAGE.astype(stored)).dtype == np.float32


@pytest.mark.parametrize("make", WITH_DTYPE)
@pytest.mark.parametrize(
    ("stored", "expected"), [(np.float64, np.float64), (np.float16, np.float16), (np.int16, np.float32)]
)
def test_none_keeps_float_dtype(make, stored, expected):
    assert make(dtype=None)(IMAGE.astype(stored)).dtype == expected


@pytest.mark.parametrize("make", WITH_DTYPE[:-1])
def test_float64_values_computed_in_float64_then_cast(make):
    wide = make(dtype=np.float64)(IMAGE)
    narrow = make()(IMAGE)
    assert wide.dtype == np.float64
    np.testing.assert_array_equal(narrow, wide.astype(np.float32))


def test_noise_added_in_the_output_dtype():
    # MONAI's order: the image and the float64 noise are cast to float32, then added
    noise = np.random.default_rng(0)
    noise.random()  # the draw for prob
    drawn = noise.normal(0.0, noise.uniform(0, 0.1), IMAGE.shape)
    out = T.RandGaussianNoise(prob=1.0, std=0.1, rng=0)(IMAGE)
    np.testing.assert_array_equal(out, IMAGE.astype(np.float32) + drawn.astype(np.float32))


def test_normalize_values():
    out = T.NormalizeIntensity()(IMAGE)
    np.testing.assert_allclose(out, ((IMAGE - IMAGE.mean()) / IMAGE.std()).astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("stored", [np.float32, np.float64])
def test_adjust_contrast_keeps_dtype(stored):
    assert T.AdjustContrast(2.0)(IMAGE.astype(stored)).dtype == stored
    assert T.RandAdjustContrast(prob=1.0, rng=0)(IMAGE.astype(stored)).dtype == stored


def test_noise_not_added_returns_the_image():
    image = IMAGE.copy()
    assert T.RandGaussianNoise(prob=0.0)(image).dtype == np.float64


@pytest.mark.parametrize("bad", [np.int32, "int64", bool, "complex64"])
def test_other_dtypes_refused(bad):
    with pytest.raises(ValueError, match="NormalizeIntensity: dtype must be None"):
        T.NormalizeIntensity(dtype=bad)
