"""Local response normalization: a hand-worked value, gradcheck in float64, PyTorch parity of the
function and the layer (outputs and gradients), dtypes, errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F

# (input shape, size, alpha, beta, k): odd and even windows, windows wider than the channels, 3-D to 5-D.
CASES = {
    "alexnet_paper": ((2, 7, 3, 3), 5, 5e-4, 0.75, 2.0),
    "torch_defaults": ((2, 6, 3, 2), 5, 1e-4, 0.75, 1.0),
    "even_size": ((1, 5, 2, 3), 4, 0.5, 0.9, 1.5),
    "size_1": ((2, 3, 4), 1, 0.3, 1.2, 1.0),
    "wider_than_channels": ((1, 3, 2, 2), 7, 0.4, 0.5, 0.5),
    "volume": ((1, 4, 2, 2, 3), 3, 0.2, 0.75, 1.0),
}


def test_hand_worked_value():
    # Three channels of ones, n = 2: channel 0's window is {0} (channel -1 is a zero),
    # channels 1 and 2 sum two squares: b = 1 / (1 + 1/2 * s) with s = 1, 2, 2.
    y = F.local_response_norm(dn.tensor(np.ones((1, 3, 1, 1))), size=2, alpha=1.0, beta=1.0, k=1.0)
    np.testing.assert_allclose(y.data.ravel(), [1 / 1.5, 1 / 2.0, 1 / 2.0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(rng, name):
    shape, size, alpha, beta, k = CASES[name]
    assert dn.gradcheck(lambda t: F.local_response_norm(t, size, alpha, beta, k), [t64(rng, shape)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    shape, size, alpha, beta, k = CASES[name]
    x = t64(rng, shape)
    tx = torch.tensor(x.data, requires_grad=True)
    y = dn.nn.LocalResponseNorm(size, alpha, beta, k)(x)
    ty = torch.nn.LocalResponseNorm(size, alpha, beta, k)(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    r = rng.standard_normal(y.shape)
    (y * dn.tensor(r)).sum().backward()
    (ty * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_repr_equals_torch():
    torch = pytest.importorskip("torch")
    assert repr(dn.nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)) == repr(
        torch.nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)
    )
    assert repr(dn.nn.LocalResponseNorm(3)) == repr(torch.nn.LocalResponseNorm(3))


def test_float32_kept_and_non_contiguous_input(rng):
    big = rng.standard_normal((2, 6, 8, 3)).astype(np.float32)
    view = big[:, :, ::2]
    x1, x2 = dn.tensor(view, requires_grad=True), dn.tensor(view.copy(), requires_grad=True)
    y1, y2 = F.local_response_norm(x1, 3), F.local_response_norm(x2, 3)
    assert y1.dtype == np.float32
    np.testing.assert_array_equal(y1.data, y2.data)
    y1.sum().backward()
    assert x1.grad.dtype == np.float32


def test_empty_batch(rng):
    x = t64(rng, (0, 4, 2, 2))
    y = F.local_response_norm(x, 3)
    assert y.shape == (0, 4, 2, 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: F.local_response_norm(dn.tensor(np.ones((2, 3))), 2),
            r"local_response_norm: expected an input of shape \(N, C, \*\) with at least 3 dimensions, "
            r"got shape \(2, 3\)",
        ),
        (
            lambda: F.local_response_norm(dn.tensor(np.ones((1, 2, 2), dtype=np.int64)), 2),
            r"local_response_norm: expected a floating-point input, got dtype int64",
        ),
        (
            lambda: F.local_response_norm(np.ones((1, 2, 2)), 0),
            r"local_response_norm: size must be a positive integer, got 0",
        ),
        (lambda: F.local_response_norm(np.ones((1, 2, 2)), 2.5), r"local_response_norm: size must be .*got 2\.5"),
        (
            lambda: F.local_response_norm(np.ones((1, 2, 2)), 2, alpha=-1.0),
            r"local_response_norm: alpha must be .*>= 0, got -1\.0",
        ),
        (lambda: F.local_response_norm(np.ones((1, 2, 2)), 2, k=0.0), r"local_response_norm: k must be .*> 0, got 0"),
        (lambda: dn.nn.LocalResponseNorm(True), r"LocalResponseNorm: size must be .*got True"),
        (lambda: dn.nn.LocalResponseNorm(3, beta=float("nan")), r"LocalResponseNorm: beta must be .*got nan"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
