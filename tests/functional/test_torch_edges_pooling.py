"""Pooling where deltanet once differed from PyTorch without saying so (found by differential
testing, tools/hunt4): adaptive average pooling of an input with an empty axis gave zeros."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F


@pytest.mark.parametrize(
    "pool, shape",
    [
        (F.adaptive_avg_pool1d, (1, 2, 0)),
        (F.adaptive_avg_pool2d, (1, 2, 0, 3)),
        (F.adaptive_avg_pool2d, (2, 0, 3)),
        (F.adaptive_avg_pool3d, (1, 2, 2, 0, 3)),
        (F.adaptive_max_pool2d, (1, 0, 4, 3)),
    ],
)
def test_adaptive_pooling_refuses_an_empty_non_batch_axis(pool, shape):
    with pytest.raises(ValueError, match="non-empty non-batch axes"):
        pool(dn.zeros(*shape), 2)  # the average pools returned zeros


def test_adaptive_pooling_of_an_empty_batch_is_empty():
    assert F.adaptive_avg_pool2d(dn.zeros(0, 2, 4, 3), 2).shape == (0, 2, 2, 2)
    assert F.adaptive_max_pool2d(dn.zeros(0, 2, 4, 3), 2).shape == (0, 2, 2, 2)


def test_adaptive_pooling_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        with pytest.raises((RuntimeError, ValueError), match="non-zero size|non-empty"):
            lib.nn.functional.adaptive_avg_pool2d(lib.zeros(1, 2, 0, 3), 2)
    x = np.arange(24.0).reshape(1, 2, 4, 3)
    out = [
        F_.adaptive_avg_pool2d(lib.tensor(x), (3, 2)).detach().numpy()
        for lib, F_ in ((torch, torch.nn.functional), (dn, F))
    ]
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12)


def test_ceil_mode_allows_a_kernel_larger_than_the_input():
    x = dn.tensor(np.array([[[1.0, 2.0]]]), requires_grad=True)
    a = F.avg_pool1d(x, 3, 3, ceil_mode=True)  # it refused: the kernel is larger than the padded input
    np.testing.assert_allclose(a.detach().numpy(), [[[1.5]]])  # one window, clipped at the input's end
    a.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [[[0.5, 0.5]]])
    assert F.max_pool1d(x, 3, 3, ceil_mode=True).tolist() == [[[2.0]]]
    # PyTorch scales the clipped mean of squares by the full kernel size, 3
    np.testing.assert_allclose(F.lp_pool1d(x, 2, 3, ceil_mode=True).detach().numpy(), [[[np.sqrt(2.5 * 3)]]], rtol=1e-6)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.avg_pool1d(x, 3, 1, ceil_mode=True)  # no window starts inside
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.avg_pool1d(x, 3, 3)


def test_max_pool_refuses_a_window_of_padding_only():
    x = dn.tensor(np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="reads only padding"):  # it raised IndexError
        F.max_pool1d(x, 2, 2, padding=1, dilation=2)
    with pytest.raises(ValueError, match="reads only padding"):
        F.max_pool2d(dn.tensor(np.ones((1, 1, 1, 3))), 2, 2, padding=(1, 0), dilation=2, ceil_mode=True)


def test_ceil_mode_windows_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 2, 2, 7))
    settings = [
        ("avg_pool2d", dict(kernel_size=(3, 3), stride=(2, 1), ceil_mode=True, count_include_pad=False)),
        ("avg_pool2d", dict(kernel_size=(1, 3), stride=3, ceil_mode=True, divisor_override=4)),
        ("lp_pool2d", dict(norm_type=2.0, kernel_size=(3, 2), stride=(3, 3), ceil_mode=True)),
        ("max_pool2d", dict(kernel_size=(3, 2), stride=(3, 3), ceil_mode=True)),
    ]
    for name, args in settings:
        out = []
        for lib in (torch, dn):
            t = lib.tensor(x, requires_grad=True)
            y = getattr(lib.nn.functional, name)(t, **args)
            (y * lib.tensor(np.arange(y.numel(), dtype=float).reshape(tuple(y.shape)))).sum().backward()
            out.append((y.detach().numpy(), t.grad.detach().numpy()))
        for a, b in zip(*out, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
