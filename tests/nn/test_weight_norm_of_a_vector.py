"""Weight normalisation of a 1-D parameter (a bias) with ``dim=0`` keeps one $g_i = |v_i|$ per
element, as PyTorch's ``norm_except_dim`` does (it was one norm of the whole vector)."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn.parametrizations import norm_except_dim


def _linear(lib):
    layer = lib.nn.Linear(3, 4)
    with lib.no_grad():
        layer.weight.copy_(lib.arange(12.0).reshape(4, 3) / 7 - 0.6)
        layer.bias.copy_(lib.tensor([0.1, -0.2, 0.3, 0.5]))
    return layer


def test_norm_except_dim_of_a_vector_is_elementwise():
    assert norm_except_dim(dn.tensor([3.0, -4.0, 0.0]), 2, 0).tolist() == [3.0, 4.0, 0.0]
    assert norm_except_dim(dn.tensor([3.0, -4.0, 0.0]), 2, -1).item() == 5.0


@pytest.mark.parametrize("new", [False, True])
def test_bias_g_has_one_entry_per_element(new):
    layer = _linear(dn)
    if new:
        nn.utils.parametrizations.weight_norm(layer, name="bias")
        g = layer.parametrizations.bias.original0
    else:
        nn.utils.weight_norm(layer, name="bias")
        g = layer.bias_g
    np.testing.assert_allclose(g.detach().numpy(), [0.1, 0.2, 0.3, 0.5], rtol=1e-6)
    np.testing.assert_allclose(layer.bias.detach().numpy(), [0.1, -0.2, 0.3, 0.5], rtol=1e-6)


@pytest.mark.parametrize("new", [False, True])
def test_matches_torch(new):
    torch = pytest.importorskip("torch")
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3) / 5
    results = []
    for lib in (torch, dn):
        layer = _linear(lib)
        utils = lib.nn.utils
        if new:
            utils.parametrizations.weight_norm(layer, name="bias")
            params = [layer.parametrizations.bias.original0, layer.parametrizations.bias.original1]
        else:
            utils.weight_norm(layer, name="bias")
            params = [layer.bias_g, layer.bias_v]
        y = layer(lib.tensor(x))
        y.sum().backward()
        results.append([y.detach().numpy()] + [p.detach().numpy() for p in params] + [p.grad.numpy() for p in params])
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
