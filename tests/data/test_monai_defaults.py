"""Transforms named after MONAI's behave as MONAI's with the same arguments and defaults:
NormalizeIntensity normalizes the whole image unless channel_wise=True, and RandGaussianNoise
draws its standard deviation from [0, std] unless sample_std=False (MONAI's sample_std=True)."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_resize_is_torch_interpolate_with_monai_default_area():
    # MONAI: Resize(spatial_size, mode="area", align_corners=None) is F.interpolate(img[None], size, mode)[0];
    # a label goes through mode "nearest", as MONAI pipelines pair them: Resized(mode=("area", "nearest"))
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for shape, size, modes in (
        ((2, 9, 7), (4, 11), ("area", "nearest", "nearest-exact", "bilinear", "bicubic")),
        ((1, 6, 5, 7), (3, 8, 4), ("area", "nearest", "nearest-exact", "trilinear")),
    ):
        image = rng.random(shape).astype(np.float32)
        label = rng.integers(0, 3, shape[1:])
        for mode in modes:
            out, out_label = T.Resize(size, mode=mode)(image, label)
            expected = torch.nn.functional.interpolate(torch.from_numpy(image)[None], size=size, mode=mode)[0]
            np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)
            assert out.dtype == np.float32
            nearest = torch.nn.functional.interpolate(torch.from_numpy(label)[None, None].double(), size=size)
            np.testing.assert_array_equal(out_label, nearest[0, 0].numpy().astype(label.dtype))
        default = T.Resize(size)(image)
        area = torch.nn.functional.interpolate(torch.from_numpy(image)[None], size=size, mode="area")[0]
        np.testing.assert_allclose(default, area.numpy(), rtol=1e-5, atol=1e-6)


def test_affine_pads_as_grid_sample_and_by_reflection_by_default():
    # MONAI's Affine/RandAffine resample as grid_sample(align_corners=False), padding_mode="reflection" by default;
    # "zeros" interpolates between the edge voxel and the zeros beyond it, within the outer half voxel
    torch = pytest.importorskip("torch")
    image = (np.arange(1, 6, dtype=np.float32)[None, None, :] * np.ones((1, 5, 1), np.float32)) ** 2
    for padding in ("zeros", "border", "reflection"):
        for shift in (0.4, -0.7, 1.6):
            out = T.Affine(translate=(0, shift), padding_mode=padding)(image)
            theta = torch.tensor([[[1.0, 0.0, -shift * 2 / 5], [0.0, 1.0, 0.0]]])
            grid = torch.nn.functional.affine_grid(theta, (1, 1, 5, 5), align_corners=False)
            expected = torch.nn.functional.grid_sample(
                torch.from_numpy(image)[None], grid, padding_mode=padding, align_corners=False
            )[0]
            np.testing.assert_allclose(out, expected.numpy(), atol=1e-5)
    assert T.Affine().padding_mode == "reflection" and T.RandAffine().affine.padding_mode == "reflection"


def test_scale_intensity_is_monais_rescale_array():
    # MONAI rescale_array: if min == max: return arr * minv
    # else norm = (arr - min) / (max - min); return norm * (maxv - minv) + minv
    x = np.random.default_rng(1).normal(size=(2, 5, 7)).astype(np.float32) * 300
    low, high = x.min(), x.max()
    for minv, maxv in ((0.0, 1.0), (-1.0, 1.0), (2.0, -3.0)):
        expected = ((x - low) / (high - low)) * np.float32(maxv - minv) + np.float32(minv)
        np.testing.assert_array_equal(T.ScaleIntensity(minv, maxv)(x), expected)
    for minv in (0.0, -1.0, 2.5):
        constant = np.full((1, 3, 3), 5.0, np.float32)
        np.testing.assert_array_equal(T.ScaleIntensity(minv=minv)(constant), constant * minv)
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(x)
    monai = ((t - t.min()) / (t.max() - t.min())) * (1.0 - -1.0) + -1.0
    np.testing.assert_array_equal(T.ScaleIntensity(-1.0, 1.0)(x), monai.numpy())


def test_patch_sampler_counts_negative_labels_as_foreground():
    # MONAI map_binary_to_indices: fg = nonzero(label), bg = nonzero(~label): a -1 voxel is foreground
    image = np.zeros((1, 20, 20), np.float32)
    label = np.zeros((20, 20), np.int64)
    label[8:12, 8:12] = -1
    patches = T.RandCropByPosNegLabel(3, pos=1, neg=0, num_samples=10, rng=0)(image, label)
    assert all(lab[1, 1] == -1 for _, lab in patches)
    background = T.RandCropByPosNegLabel(3, pos=0, neg=1, num_samples=10, rng=0)(image, label)
    assert all(lab[1, 1] == 0 for _, lab in background)


def test_scale_intensity_range_is_monais_arithmetic():
    # MONAI: img = (img - a_min) / (a_max - a_min); img = img * (b_max - b_min) + b_min; clip(img, b_min, b_max)
    x = np.random.default_rng(2).normal(size=(1, 6, 7)).astype(np.float32) * 700
    for a_min, a_max, b_min, b_max in ((-1000, 1000, 0.0, 1.0), (-160, 240, -1.0, 1.0), (3, 7, 0.0, 255.0)):
        expected = (x - np.float32(a_min)) / np.float32(a_max - a_min) * np.float32(b_max - b_min) + np.float32(b_min)
        np.testing.assert_array_equal(T.ScaleIntensityRange(a_min, a_max, b_min, b_max)(x), expected)
        clipped = T.ScaleIntensityRange(a_min, a_max, b_min, b_max, clip=True)(x)
        np.testing.assert_array_equal(clipped, np.clip(expected, b_min, b_max))
    # an inverted output range is clipped to [b_max, b_min] (MONAI's clip(x, 1, 0) would give 0 everywhere)
    inverted = T.ScaleIntensityRange(0, 10, 1.0, 0.0, clip=True)(np.array([[[-5.0, 2.0, 15.0]]]))
    np.testing.assert_allclose(inverted, [[[1.0, 0.8, 0.0]]])
    with pytest.raises(ValueError, match="a_min and a_max must differ"):
        T.ScaleIntensityRange(5, 5)


def test_patch_sampler_warns_as_monai_when_one_kind_of_centre_is_missing():
    # MONAI generate_pos_neg_label_crop_centers: warns and sets pos_ratio to 0 (no foreground) or 1 (no background)
    image = np.zeros((1, 6, 6), np.float32)
    with pytest.warns(UserWarning, match="Num foregrounds 0, Num backgrounds 36"):
        patches = T.RandCropByPosNegLabel(3, pos=1, neg=0, num_samples=2, rng=0)(image, np.zeros((6, 6), np.int64))
    assert all((lab == 0).all() for _, lab in patches)
    with pytest.warns(UserWarning, match="Num foregrounds 36, Num backgrounds 0"):
        patches = T.RandCropByPosNegLabel(3, pos=0, neg=1, num_samples=2, rng=0)(image, np.ones((6, 6), np.int64))
    assert all((lab == 1).all() for _, lab in patches)
