"""Attention where deltanet once differed from PyTorch without saying so (found by differential
testing, tools/hunt4): grouped-query heads counted for key and value each, and an empty feature axis."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F


def test_gqa_repeats_key_and_value_heads_each_on_its_own():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((1, 4, 3, 2)), rng.standard_normal((1, 2, 5, 2)), rng.standard_normal((1, 1, 5, 3))
    out = F.scaled_dot_product_attention(dn.tensor(q), dn.tensor(k), dn.tensor(v), enable_gqa=True)
    k4, v4 = np.repeat(k, 2, axis=1), np.repeat(v, 4, axis=1)  # a value with 1 head failed to broadcast
    s = q @ k4.swapaxes(-1, -2) / np.sqrt(2)
    w = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(out.detach().numpy(), (w / w.sum(-1, keepdims=True)) @ v4, rtol=1e-12)
    with pytest.raises(ValueError, match="needs query, key and value with a heads axis"):
        F.scaled_dot_product_attention(dn.tensor(q[0, 0]), dn.tensor(k[0, 0]), dn.tensor(v[0, 0]), enable_gqa=True)


def test_empty_feature_axis_averages_the_values():
    v = np.arange(10.0).reshape(1, 5, 2)
    out = F.scaled_dot_product_attention(dn.tensor(np.ones((1, 3, 0))), dn.tensor(np.ones((1, 5, 0))), dn.tensor(v))
    np.testing.assert_allclose(
        out.detach().numpy(), np.broadcast_to(v.mean(1, keepdims=True), (1, 3, 2))
    )  # it divided by 0


def test_gqa_and_empty_features_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for shapes in (((1, 4, 3, 2), (1, 2, 5, 2), (1, 1, 5, 3)), ((2, 3, 0), (2, 5, 0), (2, 5, 6))):
        arrays = [rng.standard_normal(s) for s in shapes]
        tq = [torch.tensor(a, requires_grad=True) for a in arrays]
        dq = [dn.tensor(a, requires_grad=True) for a in arrays]
        gqa = len(shapes[0]) == 4
        to = torch.nn.functional.scaled_dot_product_attention(*tq, enable_gqa=gqa)
        do = F.scaled_dot_product_attention(*dq, enable_gqa=gqa)
        np.testing.assert_allclose(do.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
        (to * torch.arange(to.numel()).reshape(to.shape)).sum().backward()
        (do * dn.tensor(np.arange(do.numel()).reshape(do.shape))).sum().backward()
        for t_, d_ in zip(tq, dq, strict=True):
            np.testing.assert_allclose(d_.grad.detach().numpy(), t_.grad.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_query_key_value_of_two_dtypes_are_refused():
    x = np.ones((2, 3, 4))
    with pytest.raises(TypeError, match="one dtype .as PyTorch., got float32, float64, float64"):
        F.scaled_dot_product_attention(dn.tensor(x.astype(np.float32)), dn.tensor(x), dn.tensor(x))  # it promoted


def test_is_causal_without_weights_masks_causally_and_reads_no_mask():
    dn.manual_seed(0)
    plain = dn.nn.MultiheadAttention(4, 2).double()
    zero_key = dn.nn.MultiheadAttention(4, 2, add_zero_attn=True).double()
    zero_key.load_state_dict(plain.state_dict())
    q = dn.tensor(np.random.default_rng(3).standard_normal((3, 1, 4)))
    causal = dn.tensor(np.triu(np.ones((3, 3), bool), 1))
    expected, _ = plain(q, q, q, attn_mask=causal)
    ignored = dn.zeros(3, 3, dtype=dn.float64)  # not causal, and not read (PyTorch's hint)
    out, w = plain(q, q, q, attn_mask=ignored, is_causal=True, need_weights=False)
    assert w is None
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    # The zero key is key 3 of 4: the top-left causal mask hides it from queries 0 to 2.
    out, _ = zero_key(q, q, q, attn_mask=causal, is_causal=True, need_weights=False)
    np.testing.assert_allclose(
        out.detach().numpy(), expected.detach().numpy(), rtol=1e-12
    )  # it was seen by every query
    seen, _ = zero_key(q, q, q, attn_mask=causal, is_causal=True)  # with weights the mask is read
    assert not np.allclose(seen.detach().numpy(), expected.detach().numpy())


def test_is_causal_hint_matches_pytorch():
    torch = pytest.importorskip("torch")
    q = np.random.default_rng(4).standard_normal((3, 2, 4))
    k = np.random.default_rng(5).standard_normal((5, 2, 4))
    torch_mha = torch.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    dn_mha = dn.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    dn_mha.load_state_dict({name: dn.tensor(v.detach().numpy()) for name, v in torch_mha.state_dict().items()})
    out = []
    for lib, m in ((torch, torch_mha), (dn, dn_mha)):
        tq, tk = lib.tensor(q, requires_grad=True), lib.tensor(k)
        o, _ = m(tq, tk, tk, attn_mask=lib.zeros(3, 5, dtype=lib.float64), is_causal=True, need_weights=False)
        (o * lib.tensor(np.arange(24.0).reshape(3, 2, 4))).sum().backward()
        out.append((o.detach().numpy(), tq.grad.detach().numpy(), m.in_proj_weight.grad.detach().numpy()))
    for a, b in zip(*out, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
