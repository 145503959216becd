"""Transforms named after MONAI's behave as MONAI's with the same arguments and defaults:
NormalizeIntensity normalizes the whole image unless channel_wise=True, and RandGaussianNoise
draws its standard deviation from [0, std] unless sample_std=False (MONAI's sample_std=True)."""

from __future__ import annotations

import numpy as np

from deltanet.data import transforms as T


def test_normalize_intensity_takes_one_mean_and_std_over_all_channels_by_default():
    # MONAI: NormalizeIntensity(subtrahend=None, divisor=None, nonzero=False, channel_wise=False)
    x = np.random.default_rng(0).random((1, 4, 5)).astype(np.float32)
    two = np.concatenate([x, 10 * x + 5])
    z = T.NormalizeIntensity()(two)
    np.testing.assert_allclose(z, (two - two.mean()) / two.std(), rtol=1e-5, atol=1e-6)
    per_channel = T.NormalizeIntensity(channel_wise=True)(two)
    np.testing.assert_allclose(per_channel[0], per_channel[1], atol=1e-5)


def test_rand_gaussian_noise_draws_its_std_from_zero_to_std_by_default():
    # MONAI: std = R.uniform(0, self.std) if self.sample_std else self.std; noise = R.normal(mean, std, shape)
    image = np.zeros((1, 50, 60), np.float32)
    out = T.RandGaussianNoise(prob=1.0, mean=0.5, std=2.0, rng=7)(image)
    rng = np.random.default_rng(7)
    assert rng.random() < 1.0  # the draw that decides whether to transform
    std = rng.uniform(0, 2.0)
    np.testing.assert_array_equal(out, (image + rng.normal(0.5, std, image.shape)).astype(np.float32))
    fixed = T.RandGaussianNoise(prob=1.0, mean=0.5, std=2.0, sample_std=False, rng=7)(image)
    rng = np.random.default_rng(7)
    rng.random()
    np.testing.assert_array_equal(fixed, (image + rng.normal(0.5, 2.0, image.shape)).astype(np.float32))


def test_center_spatial_crop_starts_at_half_the_size_before_the_centre_voxel():
    # MONAI: roi_center = n // 2, roi_start = max(roi_center - roi_size // 2, 0)
    for n in range(1, 9):
        image = np.arange(float(n)).reshape(1, n, 1)
        for s in range(1, n + 1):
            start = max(n // 2 - s // 2, 0)
            np.testing.assert_array_equal(T.CenterSpatialCrop((s, 1))(image)[0, :, 0], np.arange(start, start + s))
            np.testing.assert_array_equal(T.ResizeWithPadOrCrop((s, 1))(image)[0, :, 0], np.arange(start, start + s))
