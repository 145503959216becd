"""``view(dtype)`` reads the same bytes as another dtype, and ``nbytes``/``itemsize``, as PyTorch's."""

import numpy as np
import pytest

import deltanet as dn


def test_view_as_dtype_shares_memory_and_scales_the_last_axis():
    x = dn.ones(2, 4)
    bits = x.view(dn.int32)
    assert bits.dtype == dn.int32 and bits.shape == (2, 4)
    assert bits[0, 0].item() == np.float32(1.0).view(np.int32)
    assert x.view(dn.int16).shape == (2, 8)
    assert x.view(dn.float64).shape == (2, 2)
    bits[0, 0] = 0
    assert x[0, 0].item() == 0.0  # the same memory
    assert not dn.ones(2, requires_grad=True).view(dn.int32).requires_grad


@pytest.mark.parametrize(
    "make, dtype, message",
    [
        (lambda: dn.ones(2, 3), dn.float64, r"last axis \(3\) must be divisible by 2"),
        (lambda: dn.ones(2, 3).t(), dn.int16, "needs the last axis to be contiguous"),
        (lambda: dn.tensor(1.0), dn.float64, "a 0-d tensor of float32 cannot be viewed as float64"),
    ],
)
def test_view_as_dtype_refusals(make, dtype, message):
    with pytest.raises(ValueError, match=message):
        make().view(dtype)


def test_nbytes_and_itemsize():
    x = dn.arange(6.0).reshape(2, 3)
    assert (x.nbytes, x.itemsize) == (24, 4)
    assert x[:, :2].nbytes == 16
    assert dn.zeros(3, dtype=dn.float64).itemsize == 8


def test_view_as_dtype_equals_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[1.5, -2.0, 0.25, 3.0]], dtype=np.float32)
    for ours, theirs in [
        (dn.int32, torch.int32),
        (dn.int16, torch.int16),
        (dn.float64, torch.float64),
        (dn.uint8, torch.uint8),
    ]:
        got = dn.tensor(data).view(ours)
        expected = torch.tensor(data).view(theirs)
        assert got.shape == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
