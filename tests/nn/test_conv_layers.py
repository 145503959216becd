"""Convolution, pooling and upsampling layers: PyTorch's parameter shapes, state_dict keys, default
initialization and repr; weights moving both ways with identical outputs and gradients;
hyperparameter checks in __init__; shape errors that name the layer."""

import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
from deltanet import nn

CONV_LAYERS = [
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1)),
    ("Conv2d", (1, 6, 5), dict(padding=2)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), dilation=(1, 2), groups=2, bias=False)),
    ("Conv2d", (3, 4, 3), dict(padding="same")),
    ("Conv3d", (2, 4, 3), dict(padding=1, groups=2)),
    ("Conv2d", (3, 4, 3), dict(padding=1, padding_mode="reflect")),
    ("Conv2d", (3, 4, (3, 5)), dict(stride=2, padding=(1, 2), padding_mode="circular")),
    ("Conv3d", (2, 2, 3), dict(padding=1, padding_mode="replicate")),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose2d", (32, 16, 2), dict(stride=2)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("ConvTranspose3d", (2, 2, 3), dict(stride=2, padding=1, bias=False)),
]
INPUT_SHAPES = {"1d": (2, None, 9), "2d": (2, None, 9, 8), "3d": (1, None, 5, 4, 5)}


def _input_shape(cls_name, in_channels):
    shape = list(INPUT_SHAPES[cls_name[-2:]])
    shape[1] = in_channels
    return tuple(shape)


@pytest.mark.parametrize("cls_name, args, kwargs", CONV_LAYERS)
def test_shapes_keys_and_repr_match_torch(cls_name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, cls_name)(*args, **kwargs)
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs)
    ours_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(their_state)
    for key in ours_state:
        assert ours_state[key].shape == tuple(their_state[key].shape)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls_name, args, kwargs", CONV_LAYERS)
def test_torch_weights_give_torch_outputs_and_gradients(rng, cls_name, args, kwargs):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs).double()
    ours = getattr(nn, cls_name)(*args, **kwargs, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    data = rng.standard_normal(_input_shape(cls_name, args[0]))
    x, tx = dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    z, tz = ours(x), theirs(tx)
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-8, atol=1e-8)
    r = rng.standard_normal(z.shape)
    (z * dn.tensor(r)).sum().backward()
    (tz * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-8)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-8, atol=1e-8)
    # And back: our (random) weights loaded into torch give our outputs.
    ours.reset_parameters(rng=1)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(ours(x).data, theirs(tx).detach().numpy(), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("cls_name, args, kwargs", CONV_LAYERS)
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(cls_name, args, kwargs):
    layer = getattr(nn, cls_name)(*args, **kwargs, rng=0)
    w = layer.weight.data
    # PyTorch's fan_in: weight.shape[1]·∏kernel (out_channels/groups·∏k for a transposed conv).
    bound = 1 / math.sqrt(w.shape[1] * math.prod(w.shape[2:]))
    assert np.abs(w).max() <= bound
    if w.size >= 50:
        assert np.abs(w).max() > 0.8 * bound and abs(w.mean()) < 0.2 * bound
    if layer.bias is not None:
        assert np.abs(layer.bias.data).max() <= bound and np.abs(layer.bias.data).max() > 0
    assert w.dtype == np.float32


def test_transposed_layers_take_torchs_positional_order():
    # ConvTranspose2d(in, out, kernel_size, stride, padding, output_padding, groups, bias, dilation)
    layer = nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, False, 1)
    assert (layer.stride, layer.padding, layer.output_padding, layer.groups) == ((2, 2), (1, 1), (1, 1), 2)
    assert layer.bias is None and layer.dilation == (1, 1)


def test_transposed_fan_in_uses_weight_shape_1():
    layer = nn.ConvTranspose2d(64, 2, 3, rng=0)  # fan_in = 2·9 = 18, not 64·9
    assert np.abs(layer.weight.data).max() > 1 / math.sqrt(64 * 9)


def test_rng_and_init_names():
    a, b = nn.Conv2d(3, 4, 3, rng=7), nn.Conv2d(3, 4, 3, rng=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, nn.Conv2d(3, 4, 3, rng=8).weight.data)
    he = nn.Conv2d(3, 4, 3, init="he_normal", rng=0)
    np.testing.assert_array_equal(he.bias.data, 0.0)
    assert abs(he.weight.data.std() - math.sqrt(2 / 27)) < 0.05
    ones = nn.Conv2d(3, 4, 3, init=lambda t, rng=None: dn.init.constant(t, 1.0))
    np.testing.assert_array_equal(ones.weight.data, 1.0)
    with pytest.raises(ValueError, match="Conv2d: init: unknown initializer 'nope'"):
        nn.Conv2d(3, 4, 3, init="nope")


def test_float64_layer(rng):
    layer = nn.Conv2d(2, 3, 3, dtype=np.float64)
    z = layer(dn.tensor(rng.standard_normal((1, 2, 5, 5))))
    assert layer.weight.dtype == np.float64 and z.dtype == np.float64


def test_gradcheck_through_layers(rng):
    layer = nn.Conv2d(2, 2, 3, stride=2, padding=1, dtype=np.float64)
    up = nn.ConvTranspose2d(2, 1, 2, stride=2, dtype=np.float64)
    x = dn.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    assert dn.gradcheck(lambda t, w, b: up(layer(t)), [x, layer.weight, up.bias])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(0, 4, 3), r"Conv2d: in_channels must be a positive integer, got 0"),
        (lambda: nn.Conv2d(3, 4, 3, groups=2), r"Conv2d: groups=2 must divide in_channels=3 and out_channels=4"),
        (lambda: nn.Conv2d(3, 4, 0), r"Conv2d: kernel_size must be >= 1, got 0"),
        (
            lambda: nn.Conv2d(3, 4, (3, 3, 3)),
            r"Conv2d: kernel_size must be an int or a tuple of 2 ints, got \(3, 3, 3\)",
        ),
        (lambda: nn.Conv1d(3, 4, 3, stride=0), r"Conv1d: stride must be >= 1, got 0"),
        (lambda: nn.Conv3d(3, 4, 3, padding=-1), r"Conv3d: padding must be >= 0, got -1"),
        (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), r"Conv2d: padding='same' needs stride 1"),
        (
            lambda: nn.Conv2d(3, 4, 3, padding="full"),
            r"Conv2d: padding must be an int, a tuple, 'same' or 'valid', got 'full'",
        ),
        (
            lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2),
            r"ConvTranspose2d: output_padding must be smaller than "
            r"either stride or dilation, got output_padding=2, stride=2",
        ),
        (lambda: nn.Conv2d(3, 4, 3, output_padding=1), r"Conv2d: output_padding is for transposed convolutions, got 1"),
        (
            lambda: nn.MaxPool2d(2, padding=2),
            r"MaxPool2d: padding should be at most half of the kernel size, got padding=2",
        ),
        (lambda: nn.AvgPool1d(0), r"AvgPool1d: kernel_size must be >= 1, got 0"),
        (
            lambda: nn.AdaptiveAvgPool2d((2, 0)),
            r"AdaptiveAvgPool2d: output_size must be a positive integer or a tuple of 2 of them "
            r"\(None: keep the axis\), got \(2, 0\)",
        ),
        (
            lambda: nn.Upsample(scale_factor=0),
            r"Upsample: scale_factor must be a positive number or a tuple of them, got 0",
        ),
        (lambda: nn.Upsample(mode="cubic"), r"Upsample: mode must be one of .* got 'cubic'"),
    ],
)
def test_hyperparameters_checked_in_init(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer, shape, message",
    [
        (
            nn.Conv2d(1, 6, 5),
            (28, 28),
            r"Conv2d\(1, 6, kernel_size=\(5, 5\), stride=\(1, 1\)\): conv2d "
            r"expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(28, 28\)",
        ),
        (
            nn.Conv2d(3, 6, 3),
            (2, 1, 8, 8),
            r"Conv2d\(3, 6, .*\): conv2d: a weight of shape \(6, 3, 3, 3\) "
            r".* expects an input with 3 channels, got shape \(2, 1, 8, 8\)",
        ),
        (
            nn.Conv2d(1, 6, 5),
            (2, 1, 4, 4),
            r"Conv2d\(1, 6, .*\): conv2d: the kernel \(5, 5\) .*is larger than the padded input \(4, 4\)",
        ),
        (nn.Conv3d(1, 2, 3), (8, 8), r"Conv3d\(1, 2, .*\): conv3d expects a 5-D input \(N, C, D, H, W\)"),
        (
            nn.ConvTranspose2d(4, 2, 2),
            (1, 3, 4, 4),
            r"ConvTranspose2d\(4, 2, .*\): conv_transpose2d: .* expects "
            r"an input with 4 channels, got shape \(1, 3, 4, 4\)",
        ),
        (
            nn.MaxPool2d(2),
            (8, 8),
            r"MaxPool2d\(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False\): "
            r"max_pool2d expects a 4-D input",
        ),
        (
            nn.AvgPool3d(3),
            (1, 1, 2, 2, 2),
            r"AvgPool3d\(kernel_size=3, .*\): avg_pool3d: the kernel \(3, 3, 3\) is larger",
        ),
        (
            nn.AdaptiveAvgPool2d(1),
            (4, 8),
            r"AdaptiveAvgPool2d\(output_size=1\): adaptive_avg_pool2d expects a 4-D input",
        ),
        (nn.GlobalAvgPool(), (4, 8), r"GlobalAvgPool\(\): global_avg_pool expects"),
        (
            nn.Upsample(scale_factor=2, mode="bilinear"),
            (1, 2, 8),
            r"Upsample\(scale_factor=2\.0, mode='bilinear'\): interpolate: mode 'bilinear' does not fit an input "
            r"of shape \(1, 2, 8\)",
        ),
    ],
)
def test_shape_errors_name_the_layer(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(dn.tensor(np.zeros(shape, dtype=np.float32)))


def test_pooling_and_upsample_layers_call_their_functional_op(rng):
    x = dn.tensor(rng.standard_normal((2, 3, 8, 6)))
    pairs = [
        (nn.MaxPool2d(3, stride=2, padding=1), F.max_pool2d(x, 3, 2, 1)),
        (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), F.avg_pool2d(x, 3, 2, 1, False)),
        (nn.AdaptiveAvgPool2d((3, 2)), F.adaptive_avg_pool2d(x, (3, 2))),
        (nn.GlobalAvgPool(), F.global_avg_pool(x)),
        (nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), F.upsample(x, 2, "bilinear", True)),
    ]
    for layer, expected in pairs:
        np.testing.assert_array_equal(layer(x).data, expected.data)
        assert layer.parameters() == [] and list(layer.state_dict()) == []
    x1 = dn.tensor(rng.standard_normal((2, 3, 8)))
    np.testing.assert_array_equal(nn.MaxPool1d(2)(x1).data, F.max_pool1d(x1, 2).data)
    np.testing.assert_array_equal(nn.AvgPool1d(2)(x1).data, F.avg_pool1d(x1, 2).data)
    np.testing.assert_array_equal(nn.AdaptiveAvgPool1d(3)(x1).data, F.adaptive_avg_pool1d(x1, 3).data)
    x3 = dn.tensor(rng.standard_normal((1, 2, 4, 4, 4)))
    np.testing.assert_array_equal(nn.MaxPool3d(2)(x3).data, F.max_pool3d(x3, 2).data)
    np.testing.assert_array_equal(nn.AvgPool3d(2)(x3).data, F.avg_pool3d(x3, 2).data)
    np.testing.assert_array_equal(nn.AdaptiveAvgPool3d(2)(x3).data, F.adaptive_avg_pool3d(x3, 2).data)


def test_pooling_reprs_match_torch():
    torch = pytest.importorskip("torch")
    assert repr(nn.AdaptiveAvgPool2d((3, 2))) == repr(torch.nn.AdaptiveAvgPool2d((3, 2)))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    # PyTorch prints AvgPool's sizes only (as 1-tuples for AvgPool1d), whatever the other options.
    for layer in ("AvgPool2d(3, 1, 1, count_include_pad=False)", "AvgPool1d(2)", "MaxPool3d(2, ceil_mode=True)"):
        assert repr(eval(f"nn.{layer}")) == repr(eval(f"torch.nn.{layer}"))


def test_small_cnn_matches_torch_end_to_end(rng):
    # conv -> relu -> max-pool -> conv -> relu -> upsample -> transposed conv -> avg-pool -> linear:
    # layouts change between layers (batch-innermost views, copies); values must not.
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding="same"),
        nn.ReLU(),
        nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(6, 2, 2, stride=2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * 8 * 8, 3),
    ).to(np.float64)
    tn = torch.nn
    theirs = tn.Sequential(
        tn.Conv2d(1, 4, 3, padding=1),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Conv2d(4, 6, 3, padding="same"),
        tn.ReLU(),
        tn.Upsample(scale_factor=2),
        tn.ConvTranspose2d(6, 2, 2, stride=2),
        tn.AvgPool2d(2),
        tn.Flatten(),
        tn.Linear(2 * 8 * 8, 3),
    ).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    data = rng.standard_normal((3, 1, 8, 8))
    x, tx = dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    z, tz = ours(x), theirs(tx)
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-8, atol=1e-10)
    (z * z).sum().backward()
    (tz * tz).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("cls_name", ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"])
def test_transposed_output_size_picks_the_output_padding_as_torch(rng, cls_name):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, cls_name)(2, 3, 3, stride=2, padding=1).double()
    ours = getattr(nn, cls_name)(2, 3, 3, stride=2, padding=1, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    dims = int(cls_name[-2])
    data = rng.standard_normal((1, 2) + (4,) * dims)
    for size in ([7] * dims, [8] * dims, [1, 3] + [8] * dims):  # 7 and 8 both undo a stride-2 conv
        z = ours(dn.tensor(data), output_size=size)
        tz = theirs(torch.tensor(data), output_size=size)
        np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert ours.output_padding == (0,) * dims  # output_size applies to that call only
    with pytest.raises(
        ValueError, match=rf"{cls_name}.*output_size \[9.*axis 0 can be 7 to 8 for an input of size 4, got 9"
    ):
        ours(dn.tensor(data), output_size=[9] * dims)
    with pytest.raises(ValueError, match=r"output_size must have"):
        ours(dn.tensor(data), output_size=[8] * (dims + 1))


def test_padding_modes_are_checked_and_unet_decoder_sizes_recovered():
    with pytest.raises(ValueError, match=r"Conv2d: padding_mode must be one of 'zeros', 'reflect'.*got 'mirror'"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r'ConvTranspose2d: only padding_mode="zeros" is supported'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Conv2d\(1, 1, .*padding_mode=reflect\): pad: .*reflect"):
        nn.Conv2d(1, 1, 5, padding=3, padding_mode="reflect")(dn.tensor(np.zeros((1, 1, 2, 2))))
    # an odd-sized skip connection: the decoder asks for the encoder's size
    down = nn.Conv2d(1, 2, 3, stride=2, padding=1)
    up = nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1)
    x = dn.tensor(np.zeros((1, 1, 9, 7), dtype=np.float32))
    assert up(down(x), output_size=x.shape).shape == x.shape
