"""PyTorch's fast paths of attention in evaluation without gradients, where its results differ
from its ordinary path (found by differential testing, tools/hunt4): a query with no key left
gives NaN there even without weights, and is_causal is no hint there (the given mask is used)."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def _inputs(lib):
    x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    padding = lib.tensor(np.array([[True] * 3, [False] * 3]))  # the first sequence is all padding
    return x, padding


def test_multihead_attention_fast_path_gives_nan_for_a_fully_masked_query():
    dn.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    x, padding = _inputs(dn)
    with dn.no_grad():
        fast, _ = m(x, x, x, key_padding_mask=padding, need_weights=False)
    slow, _ = m(x, x, x, key_padding_mask=padding, need_weights=False)  # parameters require grad
    assert np.isnan(fast.detach().numpy()[0]).all() and np.isfinite(fast.detach().numpy()[1]).all()  # it gave zeros
    np.testing.assert_allclose(slow.detach().numpy()[0], 0.0)
    np.testing.assert_allclose(fast.detach().numpy()[1], slow.detach().numpy()[1], rtol=1e-12)
    with dn.no_grad():  # odd heads, a float mask or another key: not PyTorch's fast path
        other, _ = m(x, x, x.clone(), key_padding_mask=padding, need_weights=False)
        floats, _ = m(
            x, x, x, key_padding_mask=dn.tensor(np.where(padding.detach().numpy(), -np.inf, 0.0)), need_weights=False
        )
    np.testing.assert_allclose(other.detach().numpy()[0], 0.0)
    np.testing.assert_allclose(floats.detach().numpy()[0], 0.0)


def test_encoder_layer_fast_path_uses_the_mask_given_with_is_causal():
    dn.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True).double().eval()
    x, _ = _inputs(dn)
    open_mask = dn.zeros(3, 3, dtype=dn.bool)  # not causal
    causal = dn.tensor(np.triu(np.ones((3, 3), bool), 1))
    with dn.no_grad():
        fast = layer(x, src_mask=open_mask, is_causal=True)  # the fused kernel reads the mask
        expected = layer(x)
    hinted = layer(x, src_mask=open_mask, is_causal=True)  # the ordinary path: a causal hint
    np.testing.assert_allclose(fast.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hinted.detach().numpy(), layer(x, src_mask=causal).detach().numpy(), rtol=1e-12)
    layer.activation = dn.tanh  # no longer PyTorch's fast path: the padding gives zeros again
    layer.activation_relu_or_gelu = False
    with dn.no_grad():
        out = layer(x, src_key_padding_mask=_inputs(dn)[1])
    assert np.isfinite(out.detach().numpy()).all()


def test_fast_paths_match_pytorch():
    torch = pytest.importorskip("torch")
    torch_mha = torch.nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    torch_layer = torch.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True).double().eval()
    dn_mha = nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    dn_layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True).double().eval()
    for source, target in ((torch_mha, dn_mha), (torch_layer, dn_layer)):
        target.load_state_dict({k: dn.tensor(v.detach().numpy()) for k, v in source.state_dict().items()})
    results = []
    for lib, m, layer in ((torch, torch_mha, torch_layer), (dn, dn_mha, dn_layer)):
        x, padding = _inputs(lib)
        with lib.no_grad():
            a = m(x, x, x, key_padding_mask=padding, need_weights=False)[0]
            b = layer(x, src_key_padding_mask=padding)
            c = layer(x, src_mask=lib.zeros(3, 3, dtype=lib.bool), is_causal=True)
        d = layer(x, src_mask=lib.zeros(3, 3, dtype=lib.bool), is_causal=True).detach()
        results.append([v.detach().numpy() for v in (a, b, c, d)])
    for t_, d_ in zip(*results, strict=True):
        np.testing.assert_allclose(d_, t_, rtol=1e-10, atol=1e-12)
