"""PSNR and SSIM: hand-worked values, scikit-image's numbers where it is installed (the setting its
documentation gives for Wang et al. 2004), tensors accepted, bad input refused."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.metrics import psnr, ssim


def test_psnr_hand_worked():
    target = np.zeros((4, 4))
    # MSE = 0.25 on a range of 2: 10 log10(4 / 0.25) = 10 log10(16)
    assert psnr(target, target + 0.5, data_range=2.0) == pytest.approx(10 * np.log10(16))
    assert psnr(target, target, data_range=1.0) == float("inf")
    ramp = np.linspace(0.0, 4.0, 16).reshape(4, 4)  # data_range None: the target's range, 4
    assert psnr(ramp, ramp + 1.0) == pytest.approx(10 * np.log10(16 / 1.0))


def test_ssim_hand_worked():
    rng = np.random.default_rng(0)
    image = rng.random((20, 20))
    assert ssim(image, image, data_range=1.0) == 1.0
    # Constant images a and b: no variance, only the luminance term (2ab + C1) / (a^2 + b^2 + C1).
    a, b, C1 = 0.2, 0.4, (0.01 * 1.0) ** 2
    assert ssim(np.full((16, 16), a), np.full((16, 16), b), data_range=1.0) == pytest.approx(
        (2 * a * b + C1) / (a * a + b * b + C1)
    )
    # Contrast reversal around a mid-grey of 10: the local means agree, the structure term is -1.
    assert ssim(10 + image, 10 - image, data_range=1.0) < -0.9


@pytest.mark.parametrize("shape", [(32, 40), (11, 11), (14, 13, 12)])
def test_matches_scikit_image(shape):
    skimage_metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(sum(shape))
    target = rng.random(shape)
    noisy = np.clip(target + 0.1 * rng.standard_normal(shape), 0, 1)
    expected = skimage_metrics.structural_similarity(
        target, noisy, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert ssim(target, noisy, data_range=1.0) == pytest.approx(expected, rel=1e-12)
    expected_psnr = skimage_metrics.peak_signal_noise_ratio(target, noisy, data_range=1.0)
    assert psnr(target, noisy, data_range=1.0) == pytest.approx(expected_psnr, rel=1e-12)


def test_tensors_and_float32():
    rng = np.random.default_rng(1)
    target = rng.random((16, 16)).astype(np.float32)
    noisy = target + np.float32(0.05)
    assert psnr(dn.tensor(target), dn.tensor(noisy), data_range=1.0) == pytest.approx(26.0206, abs=1e-3)
    assert ssim(dn.tensor(target), noisy, data_range=1.0) == pytest.approx(ssim(target, noisy, data_range=1.0))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: psnr(np.ones((2, 2)), np.ones((2, 3))), r"psnr: target and prediction must have the same shape"),
        (lambda: psnr(np.ones((2, 2)), np.ones((2, 2))), r"psnr: the target is constant, so its range is 0"),
        (lambda: psnr(np.ones(3), np.ones(3), data_range=0), r"psnr: data_range must be a number > 0, got 0"),
        (lambda: psnr(np.array([np.nan]), np.ones(1), 1.0), r"psnr: the images contain NaN or infinite values"),
        (lambda: psnr(np.ones(0), np.ones(0), 1.0), r"psnr: expected non-empty images, got shape \(0,\)"),
        (lambda: ssim(np.ones(20), np.ones(20), 1.0), r"ssim: expected a 2-D \(H, W\) or 3-D \(D, H, W\) image"),
        (lambda: ssim(np.ones((8, 20)), np.ones((8, 20)), 1.0), r"smaller than the 11-pixel Gaussian window"),
        (lambda: ssim(np.ones((20, 20)), np.ones((20, 20)), 1.0, sigma=0), r"ssim: sigma must be a number > 0"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
