"""Convolutions where deltanet once differed from PyTorch (found by differential testing,
tools/hunt4): the backward of a transposed 1x1 convolution with output_padding."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def test_transposed_1x1_convolution_with_output_padding_has_a_gradient():
    m = nn.ConvTranspose2d(2, 2, 1, dilation=2, output_padding=(0, 1), bias=False).double()
    x = dn.tensor(np.arange(12.0).reshape(1, 2, 2, 3), requires_grad=True)
    y = m(x)
    assert y.shape == (1, 2, 2, 4)  # the last column is output_padding: no input reaches it
    (y * dn.tensor(np.arange(16.0).reshape(1, 2, 2, 4))).sum().backward()  # it raised in matmul
    W = m.weight.data[:, :, 0, 0]  # (in, out)
    w = np.arange(16.0).reshape(1, 2, 2, 4)[..., :3]
    np.testing.assert_allclose(x.grad.detach().numpy(), np.einsum("io,nohw->nihw", W, w))
    np.testing.assert_allclose(
        m.weight.grad.detach().numpy()[:, :, 0, 0], np.einsum("nihw,nohw->io", x.detach().numpy(), w)
    )


def test_transposed_1x1_convolution_with_output_padding_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 2, 5))
    kwargs = dict(dilation=(1, 2, 2), groups=2, padding=(1, 0, 0), output_padding=(0, 1, 1))
    torch_conv = torch.nn.ConvTranspose3d(4, 4, 1, **kwargs).double()
    dn_conv = nn.ConvTranspose3d(4, 4, 1, **kwargs).double()
    dn_conv.load_state_dict({k: dn.tensor(v.detach().numpy()) for k, v in torch_conv.state_dict().items()})
    out = []
    for lib, m in ((torch, torch_conv), (dn, dn_conv)):
        t = lib.tensor(x, requires_grad=True)
        y = m(t)
        (y * lib.tensor(np.arange(y.numel(), dtype=float).reshape(tuple(y.shape)))).sum().backward()
        out.append(
            (y.detach().numpy(), t.grad.detach().numpy(), m.weight.grad.detach().numpy(), m.bias.grad.detach().numpy())
        )
    for a, b in zip(*out, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)
