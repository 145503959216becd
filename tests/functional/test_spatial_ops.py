"""Bicubic interpolation, adaptive max pooling, unfold/fold and channel shuffle: PyTorch parity of
outputs and input gradients, float64 gradcheck, the layers (reprs as PyTorch's) and the errors."""

import itertools
import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn


def _compare(torch, ours, theirs, x, rng, rtol=1e-12):
    xt, xd = torch.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
    a, b = theirs(xt), ours(xd)
    a, b = (a[0], b[0]) if isinstance(a, tuple) else (a, b)
    assert b.shape == tuple(a.shape)
    delta = rng.standard_normal(a.shape)
    a.backward(torch.tensor(delta))
    b.backward(delta)
    np.testing.assert_allclose(b.data, a.detach().numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(xd.grad.data, xt.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("align_corners", [None, False, True])
@pytest.mark.parametrize(
    "options",
    [
        dict(scale_factor=2),
        dict(scale_factor=1.7),
        dict(scale_factor=(3, 1.5)),
        dict(scale_factor=0.5),
        dict(size=(7, 3)),
        dict(size=(1, 1)),
        dict(scale_factor=2.3, recompute_scale_factor=True),
    ],
    ids=repr,
)
def test_bicubic_matches_torch(options, align_corners):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 6))
    mode = dict(mode="bicubic", align_corners=align_corners, **options)
    _compare(torch, lambda t: F.interpolate(t, **mode), lambda t: torch.nn.functional.interpolate(t, **mode), x, rng)


def test_bicubic_gradcheck_and_float32():
    x = dn.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.interpolate(t, scale_factor=(1.5, 2), mode="bicubic"), [x])
    y = F.interpolate(dn.tensor(np.ones((1, 1, 3, 3), np.float32)), scale_factor=2, mode="bicubic")
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, 1.0, rtol=1e-6)  # the four weights sum to one
    layer = nn.Upsample(scale_factor=2, mode="bicubic", align_corners=True)
    assert repr(layer) == "Upsample(scale_factor=2.0, mode='bicubic')"


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_max_pool_matches_torch_with_indices(dims, ties):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    for size, out in [
        ((5, 7, 4), (3, 2, 4)),
        ((4, 4, 4), (2, 2, 2)),
        ((3, 5, 2), (5, 3, 1)),
        ((6, 1, 3), (4, None, 2)),
    ]:
        x = rng.standard_normal((2, 3) + size[:dims])
        if ties:
            x = np.round(x)
            x.flat[0] = np.nan  # NaN is the maximum of its windows, as in PyTorch
        output_size = out[:dims] if dims > 1 else out[0]
        theirs = getattr(torch.nn.functional, f"adaptive_max_pool{dims}d")
        ours = getattr(F, f"adaptive_max_pool{dims}d")
        a, i = theirs(torch.tensor(x), output_size, return_indices=True)
        b, j = ours(dn.tensor(x), output_size, return_indices=True)
        assert j.dtype == np.int64
        np.testing.assert_array_equal(j.data, i.numpy())
        np.testing.assert_array_equal(b.data, a.numpy())
        if not ties:
            _compare(
                torch,
                lambda t, f=ours, o=output_size: f(t, o),
                lambda t, f=theirs, o=output_size: f(t, o),
                x,
                rng,
            )


def test_adaptive_max_pool_gradcheck_and_layers():
    torch = pytest.importorskip("torch")  # noqa: F841 (read by the eval below)
    x = dn.tensor(np.random.default_rng(2).permutation(30).reshape(1, 2, 3, 5) * 0.01, requires_grad=True)
    assert dn.gradcheck(lambda t: F.adaptive_max_pool2d(t, (2, 3)), [x])
    for layer in ("AdaptiveMaxPool1d(3)", "AdaptiveMaxPool2d((2, None), return_indices=True)", "AdaptiveMaxPool3d(1)"):
        assert repr(eval(f"nn.{layer}")) == repr(eval(f"torch.nn.{layer}"))
    a, i = nn.AdaptiveMaxPool2d(2, return_indices=True)(x)
    assert a.shape == i.shape == (1, 2, 2, 2)


GEOMETRIES = list(itertools.product([2, (3, 2)], [1, (2, 1)], [0, 1], [1, (2, 1)]))


@pytest.mark.parametrize("kernel_size, dilation, padding, stride", GEOMETRIES)
def test_unfold_and_fold_match_torch(kernel_size, dilation, padding, stride):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 6))
    geometry = dict(kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
    _compare(torch, lambda t: F.unfold(t, **geometry), lambda t: torch.nn.functional.unfold(t, **geometry), x, rng)
    cols = torch.nn.functional.unfold(torch.tensor(x), **geometry).numpy()
    folding = dict(output_size=(5, 6), **geometry)
    _compare(torch, lambda t: F.fold(t, **folding), lambda t: torch.nn.functional.fold(t, **folding), cols, rng)


def test_unfold_fold_gradcheck_unbatched_and_layers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = dn.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.unfold(t, 2, padding=1, stride=2), [x])
    cols = dn.tensor(rng.standard_normal((1, 8, 9)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.fold(t, 4, 2, stride=1), [cols])
    unbatched = rng.standard_normal((2, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        F.unfold(dn.tensor(unbatched), 2).data, torch.nn.functional.unfold(torch.tensor(unbatched), 2).numpy()
    )
    for layer in ("Unfold((2, 3), padding=1)", "Fold((4, 5), 2)", "Fold(4, (2, 2), 1, 0, 2)"):
        assert repr(eval(f"nn.{layer}")) == repr(eval(f"torch.nn.{layer}"))


def test_channel_shuffle_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 3, 2))
    _compare(torch, lambda t: F.channel_shuffle(t, 3), lambda t: torch.nn.functional.channel_shuffle(t, 3), x, rng)
    np.testing.assert_array_equal(nn.ChannelShuffle(2)(dn.tensor(x)).data, torch.nn.ChannelShuffle(2)(torch.tensor(x)))
    assert repr(nn.ChannelShuffle(2)) == repr(torch.nn.ChannelShuffle(2))


def test_upsampling_layers_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((1, 2, 3, 5))
    for layer in (
        "UpsamplingBilinear2d(scale_factor=2)",
        "UpsamplingNearest2d(size=(4, 7))",
        "UpsamplingBilinear2d((5, 2))",
    ):
        ours, theirs = eval(f"nn.{layer}"), eval(f"torch.nn.{layer}")
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(dn.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("norm_type", [1, 2, 3, 1.5, math.inf])
def test_lp_pool_matches_torch(dims, norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    for kernel_size, stride, ceil_mode in itertools.product((2, 3), (None, 2), (False, True)):
        x = rng.uniform(0.1, 2, (2, 2) + (5,) * dims) if norm_type == 1.5 else rng.standard_normal((2, 2) + (5,) * dims)
        x[(0, 0) + (slice(0, 3),) * dims] = 0  # a window of zeros: PyTorch's gradient 0 there, not NaN
        options = dict(kernel_size=kernel_size, stride=stride, ceil_mode=ceil_mode)
        _compare(
            torch,
            lambda t, o=options: getattr(F, f"lp_pool{dims}d")(t, norm_type, **o),
            lambda t, o=options: getattr(torch.nn.functional, f"lp_pool{dims}d")(t, norm_type, **o),
            x,
            rng,
        )


def test_lp_pool_gradcheck_layers_and_deprecated_upsamplers():
    torch = pytest.importorskip("torch")
    x = dn.tensor(np.random.default_rng(7).uniform(0.5, 2, (1, 2, 4, 5)), requires_grad=True)
    assert dn.gradcheck(lambda t: F.lp_pool2d(t, 3, 2, ceil_mode=True), [x])
    for layer in ("LPPool2d(2, 3)", "LPPool1d(1.5, 2, ceil_mode=True)", "LPPool3d(2, (1, 2, 2), stride=1)"):
        assert repr(eval(f"nn.{layer}")) == repr(eval(f"torch.nn.{layer}"))
    y = np.random.default_rng(8).standard_normal((1, 2, 3, 4))
    for name in ("upsample_bilinear", "upsample_nearest"):
        with pytest.warns(UserWarning, match="deprecated"):  # PyTorch's; deltanet's aliases stay quiet
            expected = getattr(torch.nn.functional, name)(torch.tensor(y), scale_factor=2).numpy()
        np.testing.assert_allclose(getattr(F, name)(dn.tensor(y), scale_factor=2).data, expected, rtol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_pool_indices_and_dilation_match_torch(dims):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    for n, k, s, p, d, ceil, ties in itertools.product(
        (5, 7), (2, 3), (1, 2), (0, 1), (1, 2), (False, True), (False, True)
    ):
        x = rng.standard_normal((2, 2) + (n,) * dims)
        if ties:
            x = np.round(x)
            x.flat[3] = np.nan
        xt, xd = torch.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
        a, i = getattr(torch.nn.functional, f"max_pool{dims}d")(xt, k, s, p, d, ceil, True)
        b, j = getattr(F, f"max_pool{dims}d")(xd, k, s, p, d, ceil, True)
        delta = rng.standard_normal(a.shape)
        a.backward(torch.tensor(delta))
        b.backward(delta)
        np.testing.assert_array_equal(j.data, i.numpy())
        np.testing.assert_array_equal(b.data, a.detach().numpy())
        np.testing.assert_allclose(xd.grad.data, xt.grad.numpy(), rtol=1e-12)
    xi = rng.integers(-9, 9, (1, 2) + (7,) * dims)
    a, i = getattr(torch.nn.functional, f"max_pool{dims}d")(torch.tensor(xi), 3, 2, 1, 2, True, True)
    b, j = getattr(F, f"max_pool{dims}d")(xi, 3, 2, 1, 2, True, True)
    assert b.dtype == j.dtype == np.int64
    np.testing.assert_array_equal(b.data, a.numpy())
    np.testing.assert_array_equal(j.data, i.numpy())


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool_matches_torch(dims):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    for n, k, s, p in [(6, 2, 2, 0), (7, 3, 2, 1), (8, 3, 3, 1)]:
        x = rng.standard_normal((2, 3) + (n,) * dims)
        a, i = getattr(torch.nn.functional, f"max_pool{dims}d")(torch.tensor(x), k, s, p, return_indices=True)
        _compare(
            torch,
            lambda t, o=(k, s, p, x.shape), j=i: getattr(F, f"max_unpool{dims}d")(t, j.numpy(), *o),
            lambda t, o=(k, s, p, x.shape), j=i: getattr(torch.nn.functional, f"max_unpool{dims}d")(t, j, *o),
            a.numpy(),
            rng,
        )
    layer, theirs = getattr(nn, f"MaxUnpool{dims}d")(2), getattr(torch.nn, f"MaxUnpool{dims}d")(2)
    assert repr(layer) == repr(theirs)
    pooled, where = getattr(nn, f"MaxPool{dims}d")(2, return_indices=True)(dn.tensor(np.ones((1, 1) + (4,) * dims)))
    assert layer(pooled, where).shape == (1, 1) + (4,) * dims
    assert repr(getattr(nn, f"MaxPool{dims}d")(2, dilation=2)) == repr(
        getattr(torch.nn, f"MaxPool{dims}d")(2, dilation=2)
    )


def test_max_pool_with_indices_gradcheck():
    x = dn.tensor(np.random.default_rng(9).permutation(42).reshape(1, 2, 3, 7) * 0.01, requires_grad=True)
    assert dn.gradcheck(lambda t: F.max_pool2d(t, 2, 1, 1, 2, True, True)[0], [x])
    pooled = dn.tensor(np.random.default_rng(10).standard_normal((1, 2, 1, 3)), requires_grad=True)
    _, indices = F.max_pool2d(x, 2, return_indices=True)
    assert dn.gradcheck(lambda t: F.max_unpool2d(t, indices, 2, output_size=(3, 7)), [pooled])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.interpolate(np.ones((1, 1, 4)), scale_factor=2, mode="bicubic"), r"mode 'bicubic' does not fit"),
        (lambda: F.adaptive_max_pool2d(np.ones((1, 1, 4, 4)), 0), r"output_size must be >= 1"),
        (lambda: F.adaptive_max_pool2d(np.ones((1, 1, 4, 4), np.int64), 2), r"expected a floating-point input"),
        (lambda: F.adaptive_max_pool1d(np.ones((1, 1, 4)), 2, return_indices=1), r"return_indices must be True or"),
        (lambda: F.unfold(np.ones((1, 1, 2, 2)), 3), r"unfold: the dilated kernel \(3, 3\) .* larger than the padded"),
        (lambda: F.unfold(np.ones((2, 2)), 1), r"unfold: expected a 3-D \(unbatched\) or 4-D input"),
        (lambda: F.fold(np.ones((1, 5, 4)), 3, 2), r"divisible by the product of kernel_size \(2, 2\), 4"),
        (lambda: F.fold(np.ones((1, 4, 5)), 3, 2), r"expected input.size\(2\) to be 4 blocks, got 5"),
        (lambda: F.channel_shuffle(np.ones((1, 6, 2)), 4), r"channels 6 must be divisible by groups=4"),
        (lambda: F.channel_shuffle(np.ones((1, 6, 2)), 0), r"groups must be a positive integer, got 0"),
        (lambda: nn.UpsamplingNearest2d(), r"UpsamplingNearest2d: give exactly one of size and scale_factor"),
        (lambda: F.lp_pool2d(np.ones((1, 1, 4, 4)), 0, 2), r"lp_pool2d: norm_type must be a nonzero number"),
        (lambda: nn.LPPool1d(2, 2, ceil_mode="yes"), r"LPPool1d: ceil_mode must be True or False"),
        (lambda: F.max_pool2d(np.ones((1, 1, 3, 3)), 2, dilation=3), r"max_pool2d: the dilated kernel \(2, 2\)"),
        (lambda: nn.MaxPool2d(2, dilation=0), r"MaxPool2d: dilation must be >= 1, got 0"),
        (lambda: F.max_unpool2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), 2), r"indices must be the integer"),
        (
            lambda: F.max_unpool2d(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), np.int64), 2, output_size=(9, 9)),
            r"max_unpool2d: output_size \(9, 9\) must be within a stride \(2, 2\) of the default \(4, 4\)",
        ),
        (lambda: nn.MaxUnpool2d(0), r"MaxUnpool2d: kernel_size must be >= 1, got 0"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
