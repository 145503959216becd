"""The padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad in 1-D, 2-D and 3-D):
outputs, input gradients and reprs equal PyTorch's; gradcheck; bad padding and bad ranks refused."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

SPECS = [
    ("ZeroPad1d(2)", (2, 3, 5)),
    ("ZeroPad2d((1, 2, 0, 3))", (2, 3, 4, 5)),
    ("ZeroPad2d(1)", (3, 4, 5)),
    ("ZeroPad3d((1, 0, 2, 1, 0, 1))", (1, 2, 3, 4, 5)),
    ("ConstantPad1d((0, 3), 3.5)", (2, 5)),
    ("ConstantPad2d(2, -1.0)", (1, 2, 3, 4)),
    ("ConstantPad3d((1, 1, 0, 2, 1, 0), 0.25)", (1, 1, 2, 3, 4)),
    ("ReflectionPad1d((2, 1))", (2, 3, 5)),
    ("ReflectionPad2d(1)", (2, 3, 4, 5)),
    ("ReflectionPad2d((3, 0, 1, 2))", (3, 4, 5)),
    ("ReflectionPad3d(1)", (1, 2, 3, 4, 5)),
    ("ReplicationPad1d(3)", (2, 5)),
    ("ReplicationPad2d((2, 0, 1, 3))", (2, 3, 4, 5)),
    ("ReplicationPad3d((1, 2, 0, 1, 2, 0))", (2, 3, 4, 5)),
]


@pytest.mark.parametrize(("spec", "shape"), SPECS)
def test_outputs_gradients_and_repr_are_pytorchs(spec, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec)  # noqa: S307 (our own specs)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    data = np.random.default_rng(0).standard_normal(shape)
    x, tx = dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    z, tz = ours(x), theirs(tx)
    np.testing.assert_array_equal(z.data, tz.detach().numpy())
    r = np.random.default_rng(1).standard_normal(z.shape)
    (z * dn.tensor(r)).sum().backward()
    (tz * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert ours(dn.tensor(data.astype(np.float32))).dtype == dn.float32


@pytest.mark.parametrize("spec", ["ReflectionPad2d((2, 1, 1, 2))", "ReplicationPad3d(1)", "ConstantPad1d(2, 0.5)"])
def test_gradcheck(spec):
    layer = eval("nn." + spec)  # noqa: S307 (our own specs)
    shape = {"1d": (2, 4), "2d": (1, 2, 3, 4), "3d": (1, 2, 2, 3)}[spec.split("(")[0][-2:]]
    x = dn.tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    assert dn.gradcheck(layer, [x])


def test_bad_padding_and_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 ints, got \(1, 2\)"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"ReflectionPad1d: padding must be an int or a tuple of 2 ints, got 1\.5"):
        nn.ReflectionPad1d(1.5)
    with pytest.raises(ValueError, match=r"ConstantPad2d: value must be a finite number"):
        nn.ConstantPad2d(1, "0")
    with pytest.raises(ValueError, match=r"ReflectionPad2d: expected an input with 3 or 4 axes .*got shape \(4, 5\)"):
        nn.ReflectionPad2d(1)(dn.tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match=r"ReflectionPad2d\(\(3, 3, 3, 3\)\): pad: .*reflect"):
        nn.ReflectionPad2d(3)(dn.tensor(np.zeros((1, 1, 2, 2))))


def test_a_cyclegan_style_block_trains():
    block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(2, 2, 3), nn.InstanceNorm2d(2), nn.ReLU())
    x = dn.tensor(np.random.default_rng(3).standard_normal((2, 2, 6, 6)).astype(np.float32))
    y = block(x)
    assert y.shape == x.shape
    y.sum().backward()
    assert block[1].weight.grad is not None and np.isfinite(block[1].weight.grad).all()
