"""GELU, inplace activations, Softmax(dim=None), PixelShuffle/Unshuffle, Flatten/Unflatten and
Upsample with PyTorch's arguments: outputs and input gradients equal PyTorch's, and its defaults
are followed."""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(2)


def _same(ours, theirs, shape, warn=False):
    """Equal outputs, and equal input gradients for the same random upstream gradient."""
    x = RNG.standard_normal(shape)
    a, ta = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if warn else "error", UserWarning)
        out, expected = ours(a * 1), theirs(ta * 1)  # * 1: inplace=True may not write into a leaf
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    r = RNG.standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    (expected * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "spec, shape",
    [
        ("GELU()", (3, 5)),
        ("GELU('tanh')", (3, 5)),
        ("ReLU(inplace=True)", (3, 5)),
        ("LeakyReLU(0.2, True)", (3, 5)),
        ("ELU(0.5, inplace=True)", (3, 5)),
        ("SiLU(True)", (3, 5)),
        ("Dropout(0.5, True).eval()", (3, 5)),
        ("Softmax(dim=1)", (2, 3, 4)),
        ("LogSoftmax(dim=-1)", (2, 3)),
        ("PixelShuffle(2)", (1, 8, 2, 3)),
        ("PixelUnshuffle(3)", (2, 1, 6, 3)),
        ("Flatten()", (2, 3, 4, 5)),
        ("Flatten(0, 2)", (2, 3, 4, 5)),
        ("Flatten(-3, -2)", (2, 3, 4, 5)),
        ("Unflatten(1, (2, 6))", (3, 12, 2)),
        ("Unflatten(-1, (2, -1))", (3, 12)),
        ("Upsample(scale_factor=2)", (1, 2, 3, 3)),
        ("Upsample(size=5, mode='linear', align_corners=True)", (1, 2, 3)),
        ("Upsample(scale_factor=1.5, mode='bilinear')", (1, 2, 3, 4)),
        ("Upsample(scale_factor=(2, 1, 3), mode='nearest-exact')", (1, 1, 2, 3, 2)),
    ],
)
def test_layer_matches_torch(spec, shape):
    _same(eval("nn." + spec), eval("torch.nn." + spec), shape)  # noqa: S307 (our own specs)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_follows_torchs_implicit_axis(shape, name):
    _same(getattr(nn, name)(), getattr(torch.nn, name)(), shape, warn=True)


def test_softmax_without_dim_warns_only_where_the_axis_is_not_the_last():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Softmax()(dn.tensor(np.zeros((2, 3))))
    with pytest.warns(UserWarning, match=r"Softmax\(dim=None\) on a 4-D input takes axis 1, PyTorch's implicit choice"):
        nn.Softmax()(dn.tensor(np.zeros((2, 3, 4, 5))))


def test_inplace_overwrites_the_input_and_returns_it():
    x = dn.tensor(np.array([-1.0, 2.0]))
    assert nn.ReLU(inplace=True)(x) is x and x.data.tolist() == [0.0, 2.0]
    with pytest.raises(ValueError, match=r"ReLU: inplace must be True or False, got 1"):
        nn.ReLU(1)


def test_upsample_positional_size_is_torchs():
    assert nn.Upsample(4)(dn.tensor(np.zeros((1, 1, 2)))).shape == (1, 1, 4)
    with pytest.raises(ValueError, match=r"Upsample: align_corners=False only applies to the linear modes"):
        nn.Upsample(scale_factor=2, align_corners=False)


@pytest.mark.parametrize(
    "spec",
    [
        "Upsample(scale_factor=2)",
        "Upsample(scale_factor=2, mode='bilinear', align_corners=False)",
        "Upsample(size=(4, 5), mode='bilinear', align_corners=True)",
        "Upsample(scale_factor=(2, 1.5), mode='nearest')",
        "Upsample(size=7)",
    ],
)
def test_upsample_prints_and_stores_its_factor_as_torch(spec):
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec)  # noqa: S307 (our own specs)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor and type(ours.scale_factor) is type(theirs.scale_factor)


def test_identity_takes_and_ignores_arguments_as_torch():
    x = dn.tensor([1.0, 2.0])
    assert nn.Identity(54, unused_argument1=0.1)(x) is x
    assert repr(nn.Identity(3)) == repr(torch.nn.Identity(3)) == "Identity()"
