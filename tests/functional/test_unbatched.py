"""PyTorch's unbatched inputs ``(C, *spatial)`` of the convolutions and pools: the result of a
batch of one, without its batch axis, values and gradients (a ``Conv2d`` on one image ``(3, H, W)``
ran in PyTorch and was refused here)."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

X = np.arange(75.0).reshape(3, 5, 5) / 10

CASES = [
    ("conv2d", lambda F, x, w: F.conv2d(x, w, padding=1)),
    ("conv_transpose2d", lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), stride=2)),
    ("max_pool2d", lambda F, x, w: F.max_pool2d(x, 2)),
    ("max_pool2d ceil, indices", lambda F, x, w: F.max_pool2d(x, 2, ceil_mode=True, return_indices=True)[0]),
    ("avg_pool2d", lambda F, x, w: F.avg_pool2d(x, 2, ceil_mode=True, count_include_pad=False)),
    ("adaptive_avg_pool2d", lambda F, x, w: F.adaptive_avg_pool2d(x, 2)),
    ("adaptive_max_pool2d", lambda F, x, w: F.adaptive_max_pool2d(x, 2)),
    ("conv1d", lambda F, x, w: F.conv1d(x, w[:, :, 0], padding="same")),
    ("max_pool1d", lambda F, x, w: F.max_pool1d(x, 2)),
]


def _input(name):
    return X[:, 0] if name.endswith("1d") else X  # (C, L) or (C, H, W)


@pytest.mark.parametrize("name, op", CASES, ids=[c[0] for c in CASES])
def test_an_unbatched_input_is_a_batch_of_one(name, op):
    w, values = np.linspace(-1, 1, 2 * 3 * 3 * 3).reshape(2, 3, 3, 3), _input(name)
    x = dn.tensor(values, requires_grad=True)
    out = op(F, x, dn.tensor(w))
    batched = op(F, dn.tensor(values[None]), dn.tensor(w))
    assert out.shape == batched.shape[1:]
    np.testing.assert_allclose(out.data, batched.data[0])
    out.sum().backward()
    assert x.grad.shape == values.shape
    assert dn.gradcheck(lambda t: op(F, t, dn.tensor(w)), [dn.tensor(values, requires_grad=True)])


@pytest.mark.parametrize("name, op", CASES, ids=[c[0] for c in CASES])
def test_unbatched_against_pytorch(name, op):
    torch = pytest.importorskip("torch")
    w, values = np.linspace(-1, 1, 2 * 3 * 3 * 3).reshape(2, 3, 3, 3), _input(name)
    x, xt = dn.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, expected = op(F, x, dn.tensor(w)), op(torch.nn.functional, xt, torch.tensor(w))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_modules_take_one_sample_and_refuse_other_ranks():
    conv = dn.nn.Conv2d(3, 2, 3, rng=0)
    assert conv(dn.tensor(X.astype(np.float32))).shape == (2, 3, 3)
    with pytest.raises(
        ValueError,
        match=r"conv2d expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(5, 5\)",
    ):
        conv(dn.tensor(X[0].astype(np.float32)))
