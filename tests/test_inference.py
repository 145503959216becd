"""Sliding-window inference: exact for a network without spatial context, close for a 3×3 network,
batched, bounded, in eval mode and without a graph; padding for small images; bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet.inference import blend_weights, predict_volume, sliding_window, window_starts


def pointwise(dims, rng=0):
    Conv = dn.nn.Conv2d if dims == 2 else dn.nn.Conv3d
    return dn.nn.Sequential(Conv(2, 6, 1, rng=rng), dn.nn.ReLU(), Conv(6, 3, 1, rng=rng + 1))


class Recorder(dn.nn.Module):
    """Wraps a model; records the batch sizes it sees, whether a graph is recorded, and its mode."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append((x.shape[0], dn.is_grad_enabled(), self.inner.training))
        return self.inner(x)


@pytest.mark.parametrize("blend", ["constant", "gaussian"])
@pytest.mark.parametrize("overlap", [0.0, 0.25, 0.6])
@pytest.mark.parametrize("dims", [2, 3])
def test_network_without_spatial_context_gives_exactly_its_whole_image_output(dims, overlap, blend):
    shape = (2, 2, 37, 29) if dims == 2 else (1, 2, 19, 13, 11)
    images = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    model = pointwise(dims)
    window = (16, 8) if dims == 2 else (8, 8, 4)
    out = sliding_window(model, images, window, overlap=overlap, blend=blend, batch_size=3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, dn.predict(model, images))


def test_float64_model_agrees_to_rounding():
    model = dn.nn.Conv2d(2, 3, 1, rng=0, dtype="float64")
    images = np.random.default_rng(1).normal(size=(1, 2, 30, 30))
    out = sliding_window(model, images, 12, overlap=0.5, blend="gaussian")
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, dn.predict(model, images), rtol=1e-13, atol=1e-14)


def test_3x3_network_is_close_and_gaussian_blending_is_closer():
    model = dn.nn.Sequential(
        dn.nn.Conv2d(1, 4, 3, padding=1, rng=0), dn.nn.ReLU(), dn.nn.Conv2d(4, 2, 3, padding=1, rng=1)
    )
    images = np.random.default_rng(0).normal(size=(1, 1, 48, 48)).astype(np.float32)
    whole = dn.predict(model, images)
    constant = np.abs(sliding_window(model, images, 16, overlap=0.5, blend="constant") - whole)
    gaussian = np.abs(sliding_window(model, images, 16, overlap=0.5, blend="gaussian") - whole)
    assert gaussian.mean() < constant.mean() / 10
    assert gaussian.mean() < 0.01 * whole.std()  # window borders, where the padding differs, weigh little
    np.testing.assert_array_equal(sliding_window(model, images, 48), whole)  # one window: the whole image


def test_windows_are_batched_in_eval_mode_without_a_graph():
    inner = dn.nn.Sequential(dn.nn.Conv2d(1, 2, 1, rng=0), dn.nn.BatchNorm2d(2), dn.nn.Dropout(0.5))
    inner.train()
    model = Recorder(inner)
    images = np.random.default_rng(0).normal(size=(2, 1, 40, 40)).astype(np.float32)
    out = sliding_window(model, images, 16, overlap=0.25, batch_size=4)
    per_axis = len(window_starts(40, 16, 0.25))
    windows = per_axis**2
    assert [c[0] for c in model.calls] == ([4] * (windows // 4) + ([windows % 4] if windows % 4 else [])) * 2
    assert all(not grad and not training for _, grad, training in model.calls)
    assert inner.training and model.training  # the mode is given back
    inner.eval()
    np.testing.assert_allclose(out, dn.predict(inner, images), atol=1e-6)  # running statistics, no dropout


def test_small_images_are_padded_and_cropped_back():
    model = pointwise(3)
    image = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype(np.float32)
    out = predict_volume(model, image, window=(8, 8, 8))
    assert out.shape == (3, 5, 7, 3)
    np.testing.assert_array_equal(out, dn.predict(model, image[np.newaxis])[0])


def test_a_unet_segments_a_volume_window_by_window():
    model = dn.models.unet(in_channels=1, classes=2, depth=2, width=2, dims=3, rng=0)
    volume = np.random.default_rng(0).normal(size=(1, 1, 20, 24, 12)).astype(np.float32)
    out = sliding_window(model, volume, (8, 8, 8), overlap=0.5, blend="gaussian")
    assert out.shape == (1, 2, 20, 24, 12) and np.isfinite(out).all()
    assert model.training  # unet starts in training mode and is given back so


def test_window_geometry():
    assert window_starts(16, 16, 0.25) == [0]
    assert window_starts(17, 16, 0.25) == [0, 1]
    assert window_starts(100, 10, 0.9) == list(range(0, 91))
    for size, window, overlap in [(37, 16, 0.25), (100, 7, 0.5), (9, 9, 0.0)]:
        starts = window_starts(size, window, overlap)
        covered = np.zeros(size, bool)
        for a in starts:
            covered[a : a + window] = True
        assert covered.all() and starts[-1] + window == size
    g = blend_weights((5, 7), "gaussian")
    assert g.shape == (5, 7) and g.max() == 1 and g[2, 3] == 1 and g.min() > 0
    sigma = 0.125 * 7
    assert g[2, 0] == pytest.approx(math.exp(-(3**2) / (2 * sigma**2)), rel=1e-12)  # 3 voxels from the centre
    np.testing.assert_array_equal(blend_weights((3, 4), "constant"), np.ones((3, 4)))


def test_bad_arguments():
    model = pointwise(2)
    images = np.zeros((1, 2, 16, 16), np.float32)
    with pytest.raises(
        ValueError, match=r"images must be \(N, C, H, W\) or \(N, C, D, H, W\), .* got shape \(2, 16, 16\)"
    ):
        sliding_window(model, images[0], 8)
    with pytest.raises(ValueError, match=r"window must be one size or 2 \(one per spatial axis\), got \(8, 8, 8\)"):
        sliding_window(model, images, (8, 8, 8))
    with pytest.raises(ValueError, match=r"sliding_window: overlap must be a number in \[0, 1\), got 1"):
        sliding_window(model, images, 8, overlap=1)
    with pytest.raises(ValueError, match=r"sliding_window: blend must be one of 'constant', 'gaussian', got 'mean'"):
        sliding_window(model, images, 8, blend="mean")
    with pytest.raises(ValueError, match=r"sliding_window: batch_size must be a positive integer, got 0"):
        sliding_window(model, images, 8, batch_size=0)
    pooled = dn.nn.Sequential(dn.nn.Conv2d(2, 1, 1, rng=0), dn.nn.MaxPool2d(2))
    with pytest.raises(ValueError, match=r"output for 1 windows of \(8, 8\) has shape \(1, 1, 4, 4\)"):
        sliding_window(pooled, images, 8, batch_size=1)
    assert pooled.training  # given back after the error too
