"""F.linear with a weight of one axis (in_features,): z = x w, shape (*), as PyTorch computes it."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn import functional as F


def test_vector_weight_forward_and_gradients():
    x = dn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w = dn.tensor([1.0, 2.0, 3.0], dtype=dn.float64, requires_grad=True)
    z = F.linear(x, w)
    assert z.tolist() == [8.0, 26.0]
    z.sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0, 3.0]] * 2
    assert w.grad.tolist() == [3.0, 5.0, 7.0]
    assert F.linear(dn.ones(3, dtype=dn.float64), w).item() == 6.0
    assert F.linear(x, w, dn.tensor(0.5, dtype=dn.float64)).tolist() == [8.5, 26.5]
    assert dn.gradcheck(lambda a, b: F.linear(a, b), (x, w))


@pytest.mark.parametrize(
    "x_shape, w_shape, message",
    [
        ((2, 4), (3,), r"expected input with 3 features in its last axis, got shape \(2, 4\)"),
        ((2, 4), (5, 3), r"expected input with 3 features in its last axis, got shape \(2, 4\)"),
        (
            (2, 3),
            (2, 2, 3),
            r"or \(in_features,\), got shape \(2, 2, 3\)",
        ),
        ((2, 3), (), r"got shape \(\)"),
    ],
)
def test_shapes_that_do_not_fit_are_refused(x_shape, w_shape, message):
    with pytest.raises(ValueError, match=message):
        F.linear(dn.ones(*x_shape), dn.ones(*w_shape))


def test_vector_weight_equals_torch():
    torch = pytest.importorskip("torch")
    data, weight = np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5])
    x, w = torch.tensor(data, requires_grad=True), torch.tensor(weight, requires_grad=True)
    torch.nn.functional.linear(x, w).square().sum().backward()
    xd, wd = dn.tensor(data, requires_grad=True), dn.tensor(weight, requires_grad=True)
    F.linear(xd, wd).square().sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), x.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(wd.grad.numpy(), w.grad.numpy(), rtol=1e-14)
