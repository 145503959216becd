"""Embedding: lookups, gradients and padding_idx equal PyTorch's, from_pretrained, max_norm, and
its bad inputs (integer indices, so it has its own checks here rather than in the layer matrix)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"padding_idx": -1, "scale_grad_by_freq": True}])
def test_matches_torch(kwargs):
    theirs = torch.nn.Embedding(6, 3, dtype=torch.float64, **kwargs)
    ours = nn.Embedding(6, 3, dtype=np.float64, **kwargs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[0, 1, 5], [1, 1, 2]])
    out, tout = ours(dn.tensor(idx)), theirs(torch.tensor(idx))
    r = np.random.default_rng(0).standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_array_equal(out.array, tout.detach().numpy())
    np.testing.assert_allclose(np.asarray(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-12)
    assert ours.padding_idx == theirs.padding_idx


def test_padding_row_starts_at_zero_and_state_dict_keys():
    emb = nn.Embedding(5, 2, padding_idx=3, rng=0)
    assert not emb.weight.array[3].any() and list(emb.state_dict()) == ["weight"]
    assert emb.weight.array.std() == pytest.approx(1.0, abs=0.6)  # N(0, 1), PyTorch's default


def test_max_norm_renormalizes_rows_read_in_place_as_torch():
    table = np.random.default_rng(1).standard_normal((5, 3)) * 3
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), max_norm=1.0)
    ours = nn.Embedding.from_pretrained(table, max_norm=1.0)
    idx = np.array([0, 2, 2])
    np.testing.assert_allclose(ours(dn.tensor(idx)).array, theirs(torch.tensor(idx)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.array, theirs.weight.numpy(), rtol=1e-12)
    assert not ours.weight.requires_grad


def test_embedding_trains():
    emb = nn.Embedding(4, 2, rng=0)
    opt = dn.optim.SGD(emb.parameters(), lr=0.1)
    before = emb.weight.array.copy()
    (emb(dn.tensor([1, 1])) ** 2).sum().backward()
    opt.step()
    changed = np.any(emb.weight.array != before, axis=1)
    assert changed.tolist() == [False, True, False, False]


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda e: e(dn.tensor([0.0, 1.0])),
            r"Embedding\(4, 2\): embedding: expected integer indices, got dtype float32",
        ),
        (
            lambda e: e(dn.tensor([4])),
            r"Embedding\(4, 2\): embedding: indices must be in \[0, 4\) for a table of 4 rows, got 4",
        ),
        (lambda e: e(np.array([-1])), r"indices must be in \[0, 4\).*got -1"),
        (lambda e: nn.Embedding(4, 2, padding_idx=4), r"Embedding: padding_idx must be an integer in \[-4, 3\], got 4"),
        (lambda e: nn.Embedding(0, 2), r"Embedding: num_embeddings must be a positive integer, got 0"),
        (lambda e: nn.Embedding(4, 2, sparse=True), r"Embedding: sparse gradients are not supported"),
        (lambda e: nn.Embedding.from_pretrained(np.ones(3)), r"embeddings must be a 2-D float array"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call(nn.Embedding(4, 2, rng=0))
