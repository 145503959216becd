"""nn.CircularPad1d/2d/3d: PyTorch's values, gradients and repr; bad padding refused."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

CASES = [
    ("CircularPad1d", (2, 1), (2, 3, 4)),
    ("CircularPad1d", 3, (3, 5)),
    ("CircularPad2d", (1, 2, 0, 1), (1, 2, 3, 4)),
    ("CircularPad2d", 1, (2, 3, 3)),
    ("CircularPad3d", (1, 0, 2, 1, 1, 1), (1, 2, 2, 3, 3)),
]


def ref_circular(x, padding):
    pads = [(0, 0)] * x.ndim
    for i in range(len(padding) // 2):
        pads[x.ndim - 1 - i] = (padding[2 * i], padding[2 * i + 1])
    return np.pad(x, pads, mode="wrap")


@pytest.mark.parametrize(("name", "padding", "shape"), CASES)
def test_forward_gradcheck_and_torch(name, padding, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    layer = getattr(nn, name)(padding)
    full = layer.padding
    np.testing.assert_array_equal(layer(dn.tensor(x)).data, ref_circular(x, full))
    assert dn.gradcheck(layer, [dn.tensor(x, requires_grad=True)])
    assert layer(dn.tensor(x.astype(np.float32))).dtype == np.float32
    torch = pytest.importorskip("torch")
    t_layer = getattr(torch.nn, name)(padding)
    assert repr(layer) == repr(t_layer)
    t = torch.tensor(x, requires_grad=True)
    w = np.random.default_rng(1).standard_normal(ref_circular(x, full).shape)
    (t_layer(t) * torch.tensor(w)).sum().backward()
    a = dn.tensor(x, requires_grad=True)
    (layer(a) * dn.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-12)


def test_bad_padding_is_refused():
    with pytest.raises(ValueError, match=r"CircularPad2d: padding must be an int or a tuple of 4 ints"):
        nn.CircularPad2d((1, 1))
    with pytest.raises(ValueError, match=r"CircularPad1d: expected an input with 2 or 3 axes"):
        nn.CircularPad1d(1)(dn.tensor(np.zeros((1, 1, 2, 2))))
    with pytest.raises(ValueError, match=r"would wrap around an axis of size 2 more than once"):
        nn.CircularPad1d(3)(dn.tensor(np.zeros((1, 2))))
