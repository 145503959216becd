"""deltanet.data.transforms: labels stay labels, image and label move together, inverses give the
input back, the same seed gives the same augmentation, and bad arguments are refused."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")

from deltanet.data import Image  # noqa: E402
from deltanet.data import transforms as T  # noqa: E402


def sample(dims=2, size=12, seed=0):
    """An image (1, *spatial) float32 and a label map (*spatial) with classes 0, 1, 2."""
    rng = np.random.default_rng(seed)
    shape = (size,) * dims
    label = np.zeros(shape, dtype=np.int64)
    label[(slice(2, 7),) * dims] = 1
    label[(slice(6, 10),) * dims] = 2
    image = (label + 0.1 * rng.standard_normal(shape)).astype(np.float32)[np.newaxis]
    return image, label


SPATIAL = {
    "RandFlip": lambda seed: T.RandFlip(prob=1.0, rng=seed),
    "RandRotate90": lambda seed: T.RandRotate90(prob=1.0, rng=seed),
    "RandAffine": lambda seed: T.RandAffine(prob=1.0, rotate_range=0.5, scale_range=0.2, translate_range=2, rng=seed),
    "RandElastic": lambda seed: T.RandElastic(prob=1.0, sigma_range=(2, 3), magnitude_range=(20, 40), rng=seed),
    "RandSpatialCrop": lambda seed: T.RandSpatialCrop(roi_size=7, rng=seed),
    "RandCropByPosNegLabel": lambda seed: T.RandCropByPosNegLabel(6, pos=1, neg=1, num_samples=2, rng=seed),
}
RANDOM = {
    **SPATIAL,
    "RandFlip": lambda seed: T.RandFlip(prob=0.5, rng=seed),  # prob 1 would flip every time
    "RandAdjustContrast": lambda seed: T.RandAdjustContrast(prob=1.0, rng=seed),
    "RandGaussianNoise": lambda seed: T.RandGaussianNoise(prob=1.0, rng=seed),
}


def pairs(out):
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("name", list(SPATIAL))
def test_a_label_stays_a_label(name, dims):
    image, label = sample(dims)
    for seed in range(3):
        for new_image, new_label in pairs(SPATIAL[name](seed)(image, label)):
            assert new_label.dtype == label.dtype and new_label.ndim == label.ndim
            assert set(np.unique(new_label)) <= {0, 1, 2}
            assert new_image.shape[1:] == new_label.shape and new_image.dtype == np.float32


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("name", ["RandFlip", "RandRotate90", "RandAffine", "RandElastic", "RandCropByPosNegLabel"])
def test_image_and_label_move_together(name, dims):
    # an image equal to its label, interpolated by nearest neighbour, must stay equal to it
    _, label = sample(dims)
    image = label[np.newaxis].astype(np.float32)
    maker = SPATIAL[name]
    transform = maker(5)
    if hasattr(transform, "affine"):
        transform.affine.order = 0
    if hasattr(transform, "order"):
        transform.order = 0
    for new_image, new_label in pairs(transform(image, label)):
        np.testing.assert_array_equal(new_image[0], new_label)


@pytest.mark.parametrize("name", list(RANDOM))
def test_same_seed_same_output_different_seed_different_output(name):
    image, label = sample(3)

    def run(seed):
        transform = RANDOM[name](seed)
        return [np.concatenate([a.ravel(), b.ravel()]) for _ in range(3) for a, b in pairs(transform(image, label))]

    first, again, other = run(1), run(1), run(2)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_flip_and_rotation_inverses_give_the_input_back():
    image, label = sample(3)
    for axis in (None, 0, 1, 2, (0, 2)):
        flip = T.Flip(spatial_axis=axis)
        back_image, back_label = flip(*flip(image, label))
        np.testing.assert_array_equal(back_image, image)
        np.testing.assert_array_equal(back_label, label)
    for k in range(4):
        turned = T.Rotate90(k, spatial_axes=(0, 2))(image, label)
        back_image, back_label = T.Rotate90(4 - k, spatial_axes=(0, 2))(*turned)
        np.testing.assert_array_equal(back_image, image)
        np.testing.assert_array_equal(back_label, label)


def test_affine_quarter_turn_is_rotate90_and_shift_is_exact():
    image, label = sample(3, size=9)
    for plane, (a, b) in enumerate([(1, 2), (0, 2), (0, 1)]):
        angles = [0.0, 0.0, 0.0]
        angles[plane] = np.pi / 2
        turned_image, turned_label = T.Affine(rotate=angles)(image, label)
        expected_image, expected_label = T.Rotate90(1, spatial_axes=(a, b))(image, label)
        np.testing.assert_allclose(turned_image, expected_image, atol=1e-5)
        np.testing.assert_array_equal(turned_label, expected_label)
    shifted = T.Affine(translate=(2, 0, -1))(image)
    np.testing.assert_allclose(shifted[0, 2:, :, :-1], image[0, :-2, :, 1:], atol=1e-6)
    np.testing.assert_allclose(T.Affine()(image), image, atol=1e-6)  # the identity


def test_elastic_without_magnitude_is_the_identity():
    image, label = sample(2)
    out_image, out_label = T.RandElastic(prob=1.0, magnitude_range=(0, 0), rng=0)(image, label)
    np.testing.assert_allclose(out_image, image, atol=1e-6)
    np.testing.assert_array_equal(out_label, label)


def test_spacing_resamples_and_keeps_the_world_extent():
    image, label = sample(3, size=12)
    scan = Image(image, affine=np.diag([1.0, 1.0, 3.0, 1.0]))
    scan.affine[:3, 3] = (10.0, -20.0, 5.0)
    iso, iso_label = T.Spacing(pixdim=(2.0, 2.0, 2.0))(scan, label)
    assert iso.array.shape == (1, 6, 6, 18) and iso.spacing == pytest.approx((2.0, 2.0, 2.0))
    assert iso_label.shape == (6, 6, 18) and set(np.unique(iso_label)) <= {0, 1, 2}
    # the corner of voxel 0 (half a voxel before its centre) stays where it was
    corner_before = scan.affine @ [-0.5, -0.5, -0.5, 1]
    corner_after = iso.affine @ [-0.5, -0.5, -0.5, 1]
    np.testing.assert_allclose(corner_after, corner_before)
    plain, plain_label = T.Spacing(pixdim=2.0)(image, label, spacing=(1.0, 1.0, 3.0))
    np.testing.assert_array_equal(plain, iso.array)
    constant = T.Spacing(pixdim=0.5)(np.full((1, 4, 4), 7.0, np.float32), spacing=1.0)
    assert constant.shape == (1, 8, 8) and np.allclose(constant, 7.0)
    with pytest.raises(ValueError, match=r"give an Image, or an array with spacing="):
        T.Spacing(pixdim=1.0)(image)


def test_intensity_transforms_leave_the_label_alone():
    image, label = sample(2)
    for t in (
        T.NormalizeIntensity(),
        T.ScaleIntensity(),
        T.ScaleIntensityRange(0, 2),
        T.CTWindow(),
        T.AdjustContrast(0.5),
        T.RandAdjustContrast(prob=1.0, rng=0),
        T.RandGaussianNoise(prob=1.0, rng=0),
    ):
        out_image, out_label = t(image, label)
        np.testing.assert_array_equal(out_label, label)
        assert out_image.dtype == np.float32 and out_image.shape == image.shape


def test_intensity_formulas():
    x = np.array([[[-1100.0, -160.0, 40.0, 240.0, 3000.0]]], dtype=np.float32)
    np.testing.assert_allclose(T.CTWindow(level=40, width=400)(x)[0, 0], [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(T.ScaleIntensityRange(-160, 240, -1, 1)(x)[0, 0], (x[0, 0] + 160) / 200 - 1)
    z = T.NormalizeIntensity()(x)
    assert abs(z.mean()) < 1e-6 and abs(z.std() - 1) < 1e-5
    two = np.stack([x[0], 10 * x[0] + 5])
    z2 = T.NormalizeIntensity(channel_wise=True)(two)
    np.testing.assert_allclose(z2[0], z2[1], atol=1e-5)
    masked = np.array([[[0.0, 2.0, 4.0, 0.0]]])
    np.testing.assert_allclose(T.NormalizeIntensity(nonzero=True)(masked)[0, 0], [0, -1, 1, 0])
    np.testing.assert_allclose(T.AdjustContrast(1.0)(x), x, rtol=1e-5)
    np.testing.assert_array_equal(T.ScaleIntensity(minv=-1)(np.full((1, 2, 2), 3.0)), np.full((1, 2, 2), -3.0))
    add = T.RandGaussianNoise(prob=1.0, mean=1.0, std=2.0, sample_std=False, rng=0)
    noisy = add(np.zeros((1, 200, 200), np.float32))
    assert abs(noisy.mean() - 1) < 0.05 and abs(noisy.std() - 2) < 0.05


def test_pads_and_crops():
    image = np.arange(15.0).reshape(1, 3, 5)
    padded = T.SpatialPad((6, 5))(image)
    assert padded.shape == (1, 6, 5) and np.array_equal(padded[0, 1:4], image[0])  # 1 before, 2 after
    np.testing.assert_array_equal(T.CenterSpatialCrop((1, 3))(image)[0], image[0, 1:2, 1:4])
    assert T.CenterSpatialCrop((9, -1))(image).shape == (1, 3, 5)  # smaller axes are left alone
    assert T.ResizeWithPadOrCrop((4, 2))(image).shape == (1, 4, 2)
    edge = T.SpatialPad(5, mode="edge")(image)
    assert edge[0, 0, 0] == image[0, 0, 0] and edge[0, -1, -1] == image[0, -1, -1]


def test_patch_sampler_follows_pos_and_neg():
    image = np.zeros((1, 24, 24), np.float32)
    label = np.zeros((24, 24), np.int64)
    label[8:14, 9:15] = 1  # away from the border: no patch centre is moved onto it
    foreground_centres = T.RandCropByPosNegLabel(5, pos=1, neg=0, num_samples=20, rng=0)(image, label)
    assert all(lab[2, 2] > 0 for _, lab in foreground_centres)
    background_centres = T.RandCropByPosNegLabel(5, pos=0, neg=1, num_samples=20, rng=0)(image, label)
    assert all(lab[2, 2] == 0 for _, lab in background_centres)
    mixed = T.RandCropByPosNegLabel(5, pos=1, neg=3, num_samples=400, rng=0)(image, label)
    share = np.mean([lab[2, 2] > 0 for _, lab in mixed])
    assert 0.2 < share < 0.3  # pos / (pos + neg) = 1/4
    with pytest.warns(UserWarning, match="Num foregrounds 0, Num backgrounds 576"):  # MONAI's warning
        empty = T.RandCropByPosNegLabel(5, pos=1, neg=0, num_samples=3, rng=0)(image, np.zeros_like(label))
    assert len(empty) == 3  # no foreground: background centres
    small = T.RandCropByPosNegLabel((30, 4), num_samples=2, rng=0)(image, label)
    assert small[0][0].shape == (1, 30, 4)  # padded to fit


def test_compose_runs_each_patch_through_the_rest():
    image, label = sample(2, size=24)
    pipeline = T.Compose(
        [
            T.ScaleIntensity(),
            T.RandCropByPosNegLabel(8, num_samples=4, rng=0),
            T.RandFlip(prob=0.5, rng=1),
        ]
    )
    patches = pipeline(image, label)
    assert len(patches) == 4 and all(img.shape == (1, 8, 8) and lab.shape == (8, 8) for img, lab in patches)
    assert all(img.min() >= 0 and img.max() <= 1 for img, _ in patches)


def test_dict_samples_and_label_channels():
    image, label = sample(2)
    out = T.Flip(0)({"image": image, "label": label[np.newaxis], "name": "case01"})
    assert out["name"] == "case01" and out["label"].shape == (1, 12, 12)
    np.testing.assert_array_equal(out["image"], image[:, ::-1])
    only_image = T.Flip(0)({"image": image})
    assert set(only_image) == {"image"}
    many = T.RandCropByPosNegLabel(4, num_samples=2, rng=0)({"image": image, "label": label, "id": 3})
    assert [m["id"] for m in many] == [3, 3] and many[0]["label"].shape == (4, 4)
    assert T.Flip(0)(image.astype(np.int16)).dtype == np.int16  # flips keep the dtype
    assert T.Affine(rotate=0.1)(image.astype(np.int16)).dtype == np.float32  # interpolation gives floats


def test_bad_arguments():
    image, label = sample(2)
    with pytest.raises(ValueError, match=r"Flip: image must be channel first, .* got shape \(12, 12\)"):
        T.Flip()(label)
    with pytest.raises(
        ValueError, match=r"label must have the image's spatial shape \(12, 12\), .* got shape \(3, 3\)"
    ):
        T.Flip()(image, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"RandFlip: prob must be a number in \[0, 1\], got 1.5"):
        T.RandFlip(prob=1.5)
    with pytest.raises(
        ValueError, match=r"RandAffine: mode must be one of 'nearest', 'bilinear', 'bicubic', got 'linear'"
    ):
        T.RandAffine(mode="linear")
    with pytest.raises(ValueError, match=r"scale_range must be < 1"):
        T.RandAffine(prob=1.0, scale_range=1.0)(image)
    with pytest.raises(ValueError, match=r"RandCropByPosNegLabel: needs the label map"):
        T.RandCropByPosNegLabel(4)(image)
    with pytest.raises(ValueError, match=r"pos and neg cannot both be 0"):
        T.RandCropByPosNegLabel(4, pos=0, neg=0)
    with pytest.raises(
        ValueError, match=r"SpatialPad: spatial_size must be a positive integer or a sequence of them \(-1: keep"
    ):
        T.SpatialPad(0)
    with pytest.raises(
        ValueError, match=r"roi_size must be a positive integer or a tuple of 2 of them .*got \(4, 4, 4\)"
    ):
        T.CenterSpatialCrop((4, 4, 4))(image)
    with pytest.raises(ValueError, match=r"CTWindow: width must be a number > 0, got 0"):
        T.CTWindow(width=0)
    with pytest.raises(ValueError, match=r"Compose: every transform must be callable"):
        T.Compose([T.Flip(), "flip"])


def test_resize_stretches_to_the_size():
    image, label = sample(2, size=12)
    small, small_label = T.Resize((6, 4))(image, label)
    assert small.shape == (1, 6, 4) and small_label.shape == (6, 4) and set(np.unique(small_label)) <= {0, 1, 2}
    np.testing.assert_allclose(T.Resize(-1)(image), image, atol=1e-6)  # -1 keeps every axis
    assert T.Resize((24, -1))(image).shape == (1, 24, 12)


@pytest.mark.parametrize(
    "transform",
    [
        T.Affine(rotate=0.3, scale=1.1),
        T.RandElastic(prob=1.0, sigma_range=(2, 2), magnitude_range=(5, 5), rng=0),
        T.Resize((5, 7)),
    ],
    ids=lambda t: type(t).__name__,
)
@pytest.mark.parametrize("stored", [np.float16, np.float64, np.int16])
def test_interpolating_gives_float32_as_monai(transform, stored):
    # MONAI's Resample, spatial_resample and resize return float32 whatever the input's dtype
    image = (100 * np.random.default_rng(0).random((2, 9, 8))).astype(stored)
    out, label = transform(image, np.ones((9, 8), np.int64))
    assert out.dtype == np.float32 and label.dtype == np.int64


def test_float16_interpolation_matches_float32():
    image = np.random.default_rng(0).random((1, 9, 8)).astype(np.float16)
    for transform in (T.Affine(rotate=0.3, scale=1.1), T.Resize((5, 7))):
        np.testing.assert_array_equal(transform(image), transform(image.astype(np.float32)))
    iso = T.Spacing(pixdim=2.0)(image, spacing=1.0)
    assert iso.dtype == np.float32 and iso.shape == (1, 4, 4)
    assert T.Spacing(pixdim=2.0)(image.astype(np.float64), spacing=1.0).dtype == np.float32


def test_flips_keep_float64():
    image = np.random.default_rng(0).random((1, 4, 6))
    assert T.Flip(0)(image).dtype == np.float64 and T.Rotate90()(image).dtype == np.float64


def test_an_image_object_given_to_an_array_transform_is_named():
    scan = Image(np.zeros((1, 4, 5, 6), np.float32), affine=np.diag([2.0, 2.0, 3.0, 1.0]))
    with pytest.raises(ValueError, match=r"Flip: got an Image; give its array \(image\.array\)"):
        T.Flip(spatial_axis=0)(scan)
