"""Embeddings where deltanet once differed from PyTorch (found by differential testing,
tools/hunt4): max_norm with the infinity norm was refused, and repr left out norm_type and
scale_grad_by_freq."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def test_max_norm_with_the_infinity_norm_rescales_the_largest_entry():
    W = np.array([[0.2, -2.0, 1.0], [0.1, 0.2, 0.3]])
    emb = nn.Embedding.from_pretrained(W, max_norm=0.5, norm_type=math.inf)  # it was refused
    emb(dn.tensor([0, 1]))
    np.testing.assert_allclose(emb.weight.numpy(), [W[0] * 0.5 / (2.0 + 1e-7), W[1]], rtol=1e-12)
    bag = nn.EmbeddingBag.from_pretrained(W, max_norm=0.5, norm_type=math.inf)
    bag(dn.tensor([[0, 1]]))
    np.testing.assert_allclose(bag.weight.numpy()[0], W[0] * 0.5 / (2.0 + 1e-7), rtol=1e-12)


def test_repr_names_norm_type_and_scale_grad_by_freq():
    m = nn.Embedding(5, 3, padding_idx=2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True)
    assert repr(m) == "Embedding(5, 3, padding_idx=2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True)"
    assert repr(nn.Embedding(5, 3)) == "Embedding(5, 3)"


def test_infinity_norm_renorm_matches_pytorch():
    torch = pytest.importorskip("torch")
    W = np.random.default_rng(0).standard_normal((5, 3))
    out = []
    for lib in (torch, dn):
        m = lib.nn.Embedding.from_pretrained(lib.tensor(W), max_norm=0.5, norm_type=math.inf)
        y = m(lib.tensor([[0, 3], [3, 1]]))
        out.append((y.detach().numpy(), m.weight.detach().numpy(), repr(m)))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-12)
    assert out[1][2] == out[0][2]
