"""EmbeddingBag / F.embedding_bag: sums, means and maxima of bags against PyTorch (values and
gradients, padding, offsets, per-sample weights), float64 gradcheck, the layer and its errors."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn

FLAT = (np.array([0, 2, 4, 4, 1, 5, 2]), np.array([0, 3, 3, 5]))  # an empty bag in the middle
BATCH = (np.array([[0, 2, 4], [4, 1, 1]]), None)
CASES = [
    (data, dict(mode=mode, **extra))
    for data in (FLAT, BATCH)
    for mode in ("sum", "mean", "max")
    for extra in ({}, {"padding_idx": 4}, {"padding_idx": -5})
] + [
    ((FLAT[0], np.array([0, 3, 3, 5, 7])), dict(mode=mode, include_last_offset=True)) for mode in ("sum", "mean", "max")
]


def _table():
    W = np.random.default_rng(0).standard_normal((6, 3))
    W[2, 1] = W[4, 1]  # a tie for the maximum
    return W


@pytest.mark.parametrize(("data", "options"), CASES)
def test_values_and_gradients_equal_torchs(data, options):
    torch = pytest.importorskip("torch")
    (indices, offsets), table = data, _table()
    W, Wt = dn.tensor(table, requires_grad=True), torch.tensor(table, requires_grad=True)
    ours = F.embedding_bag(dn.tensor(indices), W, None if offsets is None else dn.tensor(offsets), **options)
    theirs = torch.nn.functional.embedding_bag(
        torch.tensor(indices), Wt, None if offsets is None else torch.tensor(offsets), **options
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-14, atol=1e-15)
    r = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * dn.tensor(r)).sum().backward()
    (theirs * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(W.grad.numpy(), Wt.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("data", [FLAT, BATCH])
def test_per_sample_weights_as_torch(data):
    torch = pytest.importorskip("torch")
    indices, offsets = data
    table, w = _table(), np.random.default_rng(2).standard_normal(indices.shape)
    W, Wt = dn.tensor(table, requires_grad=True), torch.tensor(table, requires_grad=True)
    p, pt = dn.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    off = (None, None) if offsets is None else (dn.tensor(offsets), torch.tensor(offsets))
    ours = F.embedding_bag(dn.tensor(indices), W, off[0], mode="sum", per_sample_weights=p, padding_idx=1)
    theirs = torch.nn.functional.embedding_bag(
        torch.tensor(indices), Wt, off[1], mode="sum", per_sample_weights=pt, padding_idx=1
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-14)
    r = np.random.default_rng(3).standard_normal(ours.shape)
    (ours * dn.tensor(r)).sum().backward()
    (theirs * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(W.grad.numpy(), Wt.grad.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck(mode):
    W = dn.tensor(np.random.default_rng(4).standard_normal((5, 3)), requires_grad=True)
    idx, offsets = dn.tensor([0, 3, 3, 1, 4]), dn.tensor([0, 2, 2])
    assert dn.gradcheck(lambda t: F.embedding_bag(idx, t, offsets, mode=mode, padding_idx=4), (W,))
    w = dn.tensor(np.random.default_rng(5).standard_normal(5), requires_grad=True)
    assert dn.gradcheck(lambda t, s: F.embedding_bag(idx, t, offsets, mode="sum", per_sample_weights=s), (W, w))


def test_forward_matches_a_loop():
    table = _table()
    out = F.embedding_bag(dn.tensor(FLAT[0]), dn.tensor(table), dn.tensor(FLAT[1]), mode="mean").numpy()
    expected = np.stack([table[[0, 2, 4]].mean(0), np.zeros(3), table[[4, 1]].mean(0), table[[5, 2]].mean(0)])
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert F.embedding_bag(dn.tensor([[0, 1]]), dn.tensor(table, dtype=dn.float32)).dtype == dn.float32


def test_layer_defaults_repr_and_from_pretrained():
    torch = pytest.importorskip("torch")
    layer = nn.EmbeddingBag(10, 3, padding_idx=-1, rng=0)
    assert (
        repr(layer)
        == repr(torch.nn.EmbeddingBag(10, 3, padding_idx=-1))
        == "EmbeddingBag(10, 3, mode='mean', padding_idx=9)"
    )
    assert layer.weight.shape == (10, 3) and layer.weight.data[9].tolist() == [0.0, 0.0, 0.0]
    assert list(layer.state_dict()) == list(torch.nn.EmbeddingBag(10, 3).state_dict()) == ["weight"]
    bag = nn.EmbeddingBag.from_pretrained(np.eye(3), mode="max")
    assert not bag.weight.requires_grad and bag(dn.tensor([0, 2, 1]), dn.tensor([0, 1])).tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 1.0],
    ]


def test_the_layer_loads_torchs_weights_and_gives_its_output():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.EmbeddingBag(7, 4, mode="sum", include_last_offset=True).double()
    ours = nn.EmbeddingBag(7, 4, mode="sum", include_last_offset=True, dtype=dn.float64)
    ours.load_state_dict(theirs.state_dict())
    idx, offsets = [1, 2, 6, 0, 0], [0, 2, 5]
    expected = theirs(torch.tensor(idx), torch.tensor(offsets)).detach().numpy()
    np.testing.assert_array_equal(ours(dn.tensor(idx), dn.tensor(offsets)).detach().numpy(), expected)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda W: F.embedding_bag(dn.tensor([0, 1]), W), ValueError, "offsets has to be a 1D Tensor but got None"),
        (
            lambda W: F.embedding_bag(dn.tensor([[0, 1]]), W, dn.tensor([0])),
            ValueError,
            "if input is 2D, then offsets has to be None",
        ),
        (lambda W: F.embedding_bag(dn.tensor([0, 1]), W, dn.tensor([1])), RuntimeError, r"offsets\[0\] has to be 0"),
        (
            lambda W: F.embedding_bag(dn.tensor([0, 1]), W, dn.tensor([0, 3])),
            RuntimeError,
            r"offsets\[-1\] can not be greater than input's length 2",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0, 7]), W, dn.tensor([0])),
            RuntimeError,
            r"Index 1 of input takes value 7 which is not in the valid range \[0, 4\)",
        ),
        (lambda W: F.embedding_bag(dn.tensor([0.0]), W, dn.tensor([0])), RuntimeError, "indices must be integers"),
        (
            lambda W: F.embedding_bag(dn.tensor([0]), W, dn.tensor([0]), mode="mean", per_sample_weights=dn.ones(1)),
            NotImplementedError,
            r"per_sample_weights is only supported for mode='sum' \(got mode='mean'\)",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0]), W, dn.tensor([0]), mode="sum", per_sample_weights=dn.ones(2)),
            ValueError,
            "must have the same shape as the input",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0]), W, dn.tensor([0]), mode="max", scale_grad_by_freq=True),
            ValueError,
            "max mode does not support scaling the gradient by the frequency",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0]), W, dn.tensor([0]), scale_grad_by_freq=True),
            NotImplementedError,
            "scale_grad_by_freq=True is not supported",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0, 1]), W, dn.tensor([0, 1]), include_last_offset=True),
            ValueError,
            "the last offset must be the input's length 2",
        ),
        (
            lambda W: F.embedding_bag(dn.tensor([0]), W, dn.tensor([0]), padding_idx=4),
            RuntimeError,
            "padding_idx must be within the number of embeddings, -4 through 3, but got 4",
        ),
        (lambda W: nn.EmbeddingBag(4, 2, mode="min"), ValueError, "EmbeddingBag: mode must be one of"),
    ],
)
def test_bad_inputs_are_refused_as_torch(call, error, match):
    with pytest.raises(error, match=match):
        call(dn.ones(4, 2))
