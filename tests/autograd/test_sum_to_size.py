"""``Tensor.sum_to_size``: a broadcast undone, against NumPy, gradcheck and PyTorch."""

import numpy as np
import pytest

import deltanet as dn

SIZES = [(1, 3, 1), (3, 4), (2, 1, 4), (1,), (4,), (1, 1, 1), (3, 1)]


@pytest.mark.parametrize("size", SIZES)
def test_sum_to_size_against_numpy_and_gradcheck(size):
    a = np.random.default_rng(0).normal(size=(2, 3, 4))
    lead = a.ndim - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1 and a.shape[lead + i] != 1)
    expected = a.sum(axis=axes, keepdims=True).reshape(size)
    x = dn.tensor(a, requires_grad=True)
    np.testing.assert_allclose(x.sum_to_size(*size).detach().numpy(), expected, rtol=1e-13)
    assert x.sum_to_size(size).shape == size  # one tuple, as PyTorch takes it too
    assert dn.gradcheck(lambda t: t.sum_to_size(size), [x])


def test_sum_to_size_keeps_an_equal_shape_and_refuses_others():
    x = dn.ones(2, 3)
    assert x.sum_to_size(2, 3) is x and x.sum_to_size(dn.Size([1, 3])).tolist() == [[2.0, 2.0, 2.0]]
    for bad in ((4, 3), (2,), (5, 2, 3)):
        with pytest.raises(RuntimeError, match="is not expandable to size"):
            x.sum_to_size(*bad)


@pytest.mark.parametrize("size", SIZES)
def test_sum_to_size_matches_pytorch(size):
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    results = []
    for lib in (torch, dn):
        x = lib.tensor(a, requires_grad=True)
        out = x.sum_to_size(*size)
        (out * lib.tensor(np.arange(1.0, 1 + np.prod(size)).reshape(size))).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(RuntimeError, match=r"size \{\[4, 3\]\} is not expandable to size \{\[2, 3, 4\]\}"):
        torch.ones(2, 3, 4).sum_to_size(4, 3)
    with pytest.raises(RuntimeError, match=r"size \{\[4, 3\]\} is not expandable to size \{\[2, 3, 4\]\}"):
        dn.ones(2, 3, 4).sum_to_size(4, 3)
