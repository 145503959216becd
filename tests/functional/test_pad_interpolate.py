"""pad, interpolate, one_hot, pixel_shuffle/unshuffle and gelu against PyTorch in float64 (values
and gradients), PyTorch's argument rules, and their errors."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(11)


def _parity(ours, theirs, shape):
    x = RNG.standard_normal(shape)
    a, ta = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(a), theirs(ta)
    assert out.shape == tuple(tout.shape)
    r = RNG.standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "shape, pad, mode, value",
    [
        ((2, 3, 5), (2, 1), "constant", None),
        ((2, 3, 5), (0, 0, 1, 2), "constant", -2.5),
        ((2, 5), (-1, 3), "constant", None),
        ((4,), (1, 2), "constant", 1.0),
        ((1, 2, 4, 5), (3, 1, 2, 3), "reflect", None),
        ((2, 6), (5, 5), "reflect", None),
        ((1, 2, 3, 4, 5), (1, 2, 2, 1, 2, 1), "reflect", None),
        ((1, 2, 4, 5), (3, 1, 0, 4), "replicate", None),
        ((2, 3, 4), (1, 1, 2, 2), "replicate", None),  # unbatched 2-D, as PyTorch allows
        ((1, 2, 4, 5), (4, 2, 1, 3), "circular", None),
    ],
)
def test_pad_matches_torch(shape, pad, mode, value):
    kw = {"value": value} if mode == "constant" and value is not None else {}
    _parity(lambda t: F.pad(t, pad, mode=mode, **kw), lambda t: TF.pad(t, pad, mode=mode, **kw), shape)


def test_pad_gradcheck_and_float32():
    x = dn.tensor(RNG.standard_normal((1, 2, 3, 3)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode="reflect"), [x])
    assert F.pad(dn.tensor(np.ones((1, 1, 2), np.float32)), (1, 1), mode="replicate").dtype == np.float32


@pytest.mark.parametrize(
    "pad, kwargs, message",
    [
        ((1, 2, 3), {}, r"pad: pad must be an even number of ints"),
        ((1.5, 1), {}, r"pad: pad must be an integer, got 1\.5"),
        ((1, 1, 1, 1, 1, 1, 1, 1), {}, r"pad: pad \(1, 1, 1, 1, 1, 1, 1, 1\) has 4 pairs, more than the 3 axes"),
        ((3, 0), {"mode": "reflect"}, r"reflect padding must be smaller than the axis it pads, got padding \(3, 0\)"),
        ((1, 1), {"mode": "reflect", "value": 1.0}, r"pad: mode 'reflect' takes no value"),
        ((1, 1), {"mode": "wrap"}, r"pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular'"),
        ((-1, 1), {"mode": "replicate"}, r"pad: mode 'replicate' cannot crop"),
        ((4, 0), {"mode": "circular"}, r"circular padding of \(4, 0\) would wrap around an axis of size 3"),
        ((1, 1, 1, 1, 1, 1), {"mode": "replicate"}, r"mode 'replicate' pads the last 1, 2 or 3 axes of an input"),
        ((-5, 1), {}, r"gives a negative size"),
    ],
)
def test_pad_errors(pad, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.pad(dn.tensor(np.ones((1, 2, 3))), pad, **kwargs)


@pytest.mark.parametrize(
    "shape, kwargs",
    [
        ((1, 2, 5), {"size": 8, "mode": "linear"}),
        ((1, 2, 5), {"scale_factor": 1.7, "mode": "linear"}),
        ((1, 2, 5), {"scale_factor": 1.7, "mode": "linear", "recompute_scale_factor": True}),
        ((1, 2, 5), {"scale_factor": 3, "mode": "linear", "align_corners": True}),
        ((1, 2, 5, 4), {"scale_factor": (2.5, 0.7), "mode": "bilinear", "align_corners": True}),
        ((1, 2, 5, 4), {"size": (7, 3), "mode": "bilinear"}),
        ((1, 2, 5, 4), {"scale_factor": 1.5}),
        ((2, 3, 7), {"scale_factor": 0.5}),
        ((1, 2, 5, 4), {"scale_factor": 1.5, "mode": "nearest-exact"}),
        ((1, 2, 5, 4), {"size": (3, 7), "mode": "nearest-exact"}),
        ((1, 2, 6, 4), {"size": (3, 2), "mode": "area"}),
        ((1, 2, 5, 4), {"scale_factor": 0.6, "mode": "area"}),
        ((1, 1, 3, 4, 5), {"scale_factor": 2, "mode": "trilinear"}),
        ((1, 1, 3, 2, 2), {"size": (4, 3, 5), "mode": "trilinear", "align_corners": True}),
        ((1, 1, 2, 3, 2), {"size": (4, 5, 3)}),
    ],
)
def test_interpolate_matches_torch(shape, kwargs):
    _parity(lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), shape)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 4, "scale_factor": 2}, r"interpolate: give exactly one of size and scale_factor"),
        ({}, r"interpolate: give exactly one of size and scale_factor, got size=None, scale_factor=None"),
        ({"scale_factor": 2, "align_corners": False}, r"align_corners can only be set with the interpolating modes"),
        ({"scale_factor": 2, "mode": "bilinear"}, r"mode 'bilinear' does not fit an input of shape \(1, 1, 4\)"),
        ({"scale_factor": 2, "mode": "lanczos"}, r"interpolate: mode must be one of 'nearest'"),
        ({"scale_factor": 2, "mode": "bicubic"}, r"interpolate: mode 'bicubic' does not fit an input of shape"),
        ({"scale_factor": 2, "antialias": True}, r"antialias=True is not supported"),
        (
            {"size": 3, "recompute_scale_factor": True},
            r"recompute_scale_factor is not meaningful with an explicit size",
        ),
        ({"scale_factor": float("inf")}, r"scale_factor must be positive and finite"),
        ({"scale_factor": 0.1}, r"scale_factor 0\.1 gives an empty output"),
    ],
)
def test_interpolate_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.interpolate(dn.tensor(np.ones((1, 1, 4))), **kwargs)


def test_one_hot_matches_torch():
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(dn.tensor(labels)).data, TF.one_hot(torch.tensor(labels)).numpy())
    out = F.one_hot(labels, num_classes=6)
    assert out.dtype == np.int64 and out.shape == (2, 2, 6) and not out.requires_grad
    assert F.one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, kwargs, message",
    [
        (np.array([0.0, 1.0]), {}, r"one_hot: expected integer indices, got dtype float64"),
        (np.array([0, -1]), {}, r"one_hot: class values must be non-negative, got -1"),
        (np.array([0, 3]), {"num_classes": 3}, r"class values must be smaller than num_classes=3, got 3"),
        (np.zeros(0, np.int64), {}, r"cannot infer num_classes from an empty tensor"),
        (np.array([0]), {"num_classes": -2}, r"num_classes must be an integer >= -1, got -2"),
    ],
)
def test_one_hot_errors(labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.one_hot(labels, **kwargs)


@pytest.mark.parametrize("shape, r", [((1, 8, 2, 3), 2), ((2, 2, 9, 1, 2), 3), ((4, 2, 2), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    _parity(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), shape)
    out_shape = TF.pixel_shuffle(torch.zeros(shape), r).shape
    _parity(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r), tuple(out_shape))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    _parity(lambda t: F.gelu(t, approximate), lambda t: TF.gelu(t, approximate=approximate), (3, 40))
    x = dn.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.gelu(t, approximate=approximate), [x])
    assert F.gelu(dn.tensor(np.ones(2, np.float32)), approximate).dtype == np.float32
