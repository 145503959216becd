"""nn.RNN, nn.LSTM, nn.GRU and their cells: PyTorch's results, gradients, names, shapes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn.recurrent_cells import gru_step, lstm_step, rnn_step

LAYERS = {"LSTM": dn.nn.LSTM, "GRU": dn.nn.GRU, "RNN": dn.nn.RNN}
OPTIONS = [
    {},
    {"num_layers": 2, "batch_first": True, "bidirectional": True},
    {"num_layers": 3, "bias": False},
]
EXTRA = {
    "LSTM": [{"proj_size": 2, "num_layers": 2, "bidirectional": True}, {"proj_size": 1, "batch_first": True}],
    "RNN": [{"nonlinearity": "relu", "num_layers": 2}],
    "GRU": [],
}
CASES = [(kind, options) for kind in LAYERS for options in OPTIONS + EXTRA[kind]]


def _torch_module(torch, kind, options):
    torch.manual_seed(0)
    return getattr(torch.nn, kind)(3, 4, **options).double()


def _states(rng, kind, options, batch):
    K = (options.get("num_layers", 1)) * (2 if options.get("bidirectional") else 1)
    h = rng.normal(size=(K, *batch, options.get("proj_size") or 4))
    return (h, rng.normal(size=(K, *batch, 4))) if kind == "LSTM" else (h,)


@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize(("kind", "options"), CASES)
def test_layer_outputs_states_and_gradients_equal_pytorch(kind, options, batched, with_states):
    torch = pytest.importorskip("torch")
    theirs = _torch_module(torch, kind, options)
    ours = LAYERS[kind](3, 4, dtype="float64", **options)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    shape = ((2, 5, 3) if options.get("batch_first") else (5, 2, 3)) if batched else (5, 3)
    x = rng.normal(size=shape)
    states = _states(rng, kind, options, (2,) if batched else ()) if with_states else ()
    tx, dx = torch.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    ds = [dn.tensor(s, requires_grad=True) for s in states]
    t_args = (tuple(ts),) if kind == "LSTM" and ts else tuple(ts)
    d_args = (tuple(ds),) if kind == "LSTM" and ds else tuple(ds)
    t_out, t_hidden = theirs(tx, *t_args)
    d_out, d_hidden = ours(dx, *d_args)
    t_all = [t_out, *(t_hidden if kind == "LSTM" else [t_hidden])]
    d_all = [d_out, *(d_hidden if kind == "LSTM" else [d_hidden])]
    weights = [rng.normal(size=tuple(t.shape)) for t in t_all]
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_all, weights, strict=True)).backward()
    sum((d * dn.tensor(w)).sum() for d, w in zip(d_all, weights, strict=True)).backward()
    for t, d in zip(t_all, d_all, strict=True):
        assert d.shape == tuple(t.shape)
        np.testing.assert_allclose(d.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for t, d in zip(ts, ds, strict=True):
        np.testing.assert_allclose(d.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    t_params, d_params = dict(theirs.named_parameters()), dict(ours.named_parameters())
    assert list(d_params) == list(t_params)
    for name, p in t_params.items():
        np.testing.assert_allclose(d_params[name].grad.data, p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}), ("LSTMCell", {}), ("GRUCell", {})]
CELLS += [("LSTMCell", {"bias": False}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize(("kind", "options"), CELLS)
def test_cells_equal_pytorch(kind, options, batched, with_state):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4, **options).double()
    ours = getattr(dn.nn, kind)(3, 4, dtype="float64", **options)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(2)
    batch = (2,) if batched else ()
    x = rng.normal(size=(*batch, 3))
    states = [rng.normal(size=(*batch, 4)) for _ in range(2 if kind == "LSTMCell" else 1)] if with_state else []
    tx, dx = torch.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    ds = [dn.tensor(s, requires_grad=True) for s in states]
    t_args = (tuple(ts),) if kind == "LSTMCell" and ts else tuple(ts)
    d_args = (tuple(ds),) if kind == "LSTMCell" and ds else tuple(ds)
    t_out, d_out = theirs(tx, *t_args), ours(dx, *d_args)
    t_all = list(t_out) if kind == "LSTMCell" else [t_out]
    d_all = list(d_out) if kind == "LSTMCell" else [d_out]
    weights = [rng.normal(size=tuple(t.shape)) for t in t_all]
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_all, weights, strict=True)).backward()
    sum((d * dn.tensor(w)).sum() for d, w in zip(d_all, weights, strict=True)).backward()
    for t, d in zip(t_all, d_all, strict=True):
        assert d.shape == tuple(t.shape)
        np.testing.assert_allclose(d.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for t, d in zip(ts, ds, strict=True):
        np.testing.assert_allclose(d.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.data, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_steps_gradcheck_in_float64():
    rng = np.random.default_rng(3)

    def t(*shape):
        return dn.tensor(rng.normal(size=shape) * 0.5, requires_grad=True)

    x, h, c = t(2, 3), t(2, 4), t(2, 4)
    lstm = [t(16, 3), t(16, 4), t(16), t(16)]
    assert dn.gradcheck(lambda *a: lstm_step(*a)[0] + lstm_step(*a)[1], [x, h, c, *lstm])
    gru = [t(12, 3), t(12, 4), t(12), t(12)]
    assert dn.gradcheck(gru_step, [x, h, *gru])
    rnn = [t(4, 3), t(4, 4), t(4), t(4)]
    assert dn.gradcheck(lambda *a: rnn_step(*a, nonlinearity="tanh"), [x, h, *rnn])
    projected = [t(16, 3), t(16, 2), t(16), t(16), t(2, 4)]
    assert dn.gradcheck(lambda *a: lstm_step(*a)[0], [x, t(2, 2), c, *projected])


def test_layer_gradcheck_through_time_in_float64():
    layer = dn.nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True, rng=0, dtype="float64")
    x = dn.tensor(np.random.default_rng(4).normal(size=(2, 3, 2)), requires_grad=True)
    h0 = dn.tensor(np.random.default_rng(5).normal(size=(4, 2, 3)), requires_grad=True)
    assert dn.gradcheck(lambda x, h0: layer(x, h0)[0], [x, h0])


def test_names_shapes_and_initialisation_follow_pytorch():
    torch = pytest.importorskip("torch")
    for kind, options in CASES:
        theirs = _torch_module(torch, kind, options)
        ours = LAYERS[kind](3, 4, rng=0, **options)
        assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
        ]
        assert repr(ours) == repr(theirs).replace(".double()", "")
    for kind, options in CELLS:
        torch.manual_seed(0)
        assert repr(getattr(dn.nn, kind)(3, 4, **options)) == repr(getattr(torch.nn, kind)(3, 4, **options))
    layer = dn.nn.LSTM(3, 16, num_layers=2, rng=0)
    bound = 1 / math.sqrt(16)
    for p in layer.parameters():
        assert p.dtype == np.float32 and p.requires_grad
        assert -bound <= p.data.min() and p.data.max() <= bound and p.data.std() > bound / 3
    assert len(layer.all_weights) == 2 and [w.shape for w in layer.all_weights[1]] == [(64, 16), (64, 16), (64,), (64,)]
    assert np.array_equal(dn.nn.LSTM(3, 16, rng=7).weight_hh_l0.data, dn.nn.LSTM(3, 16, rng=7).weight_hh_l0.data)


def test_shapes_of_outputs_and_states():
    lstm = dn.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, proj_size=2, rng=0)
    out, (h, c) = lstm(dn.ones(4, 7, 3))
    assert (out.shape, h.shape, c.shape) == ((4, 7, 4), (4, 4, 2), (4, 4, 5))
    out, (h, c) = lstm(dn.ones(7, 3))
    assert (out.shape, h.shape, c.shape) == ((7, 4), (4, 2), (4, 5))
    gru = dn.nn.GRU(3, 5, rng=0)
    out, h = gru(dn.ones(7, 4, 3))
    assert (out.shape, h.shape) == ((7, 4, 5), (1, 4, 5))
    np.testing.assert_array_equal(h.data[-1], out.data[-1])  # the last step's output is the final state
    single, h1 = gru(dn.ones(7, 4, 3)[:, 0])
    np.testing.assert_allclose(single.data, out.data[:, 0], rtol=1e-6)


def test_dropout_between_layers_in_training_only():
    layer = dn.nn.LSTM(3, 4, num_layers=2, dropout=0.5, rng=0)
    plain = dn.nn.LSTM(3, 4, num_layers=2, rng=0)
    x = dn.tensor(np.random.default_rng(6).normal(size=(5, 2, 3)).astype(np.float32))
    dn.manual_seed(0)
    a, b = layer(x)[0].data, layer(x)[0].data
    assert not np.array_equal(a, b)
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].data, plain(x)[0].data)
    single = dn.nn.LSTM(3, 4, dropout=0.0)
    assert single.dropout == 0.0
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        dn.nn.GRU(3, 4, dropout=0.2)


def test_padded_batch_last_valid_step_equals_pytorch_packed_sequence():
    torch = pytest.importorskip("torch")
    theirs = _torch_module(torch, "LSTM", {"batch_first": True})
    ours = dn.nn.LSTM(3, 4, batch_first=True, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(7)
    seqs = [rng.normal(size=(n, 3)) for n in (5, 2, 4)]
    lengths = [5, 2, 4]
    padded = dn.nn.utils.rnn.pad_sequence([dn.tensor(s) for s in seqs], batch_first=True)
    out, _ = ours(padded)
    last = out[dn.arange(3), dn.tensor(lengths) - 1]
    packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    _, (h_n, _) = theirs(packed)
    np.testing.assert_allclose(last.data, h_n[0].detach().numpy(), rtol=1e-12)


def test_pad_sequence_equals_pytorch_and_passes_gradients():
    torch = pytest.importorskip("torch")
    from deltanet.nn.utils.rnn import pad_sequence, unpad_sequence

    rng = np.random.default_rng(8)
    seqs = [rng.normal(size=(n, 2)) for n in (2, 4, 1)]
    for kwargs in ({}, {"batch_first": True, "padding_value": -1.0}, {"batch_first": True, "padding_side": "left"}):
        expected = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kwargs).numpy()
        np.testing.assert_array_equal(pad_sequence([dn.tensor(s) for s in seqs], **kwargs).data, expected)
    xs = [dn.tensor(s, requires_grad=True) for s in seqs]
    (pad_sequence(xs) * 2).sum().backward()
    assert all(np.array_equal(x.grad.data, np.full(x.shape, 2.0)) for x in xs)
    back = unpad_sequence(pad_sequence(xs, batch_first=True), dn.tensor([2, 4, 1]), batch_first=True)
    assert all(np.array_equal(b.data, s) for b, s in zip(back, seqs, strict=True))


PACKED = [
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 2}),
    ("GRU", {"bidirectional": True, "batch_first": True}),
    ("RNN", {"num_layers": 2}),
]


@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize(("kind", "options"), PACKED)
def test_packed_sequences_equal_pytorch(kind, options, enforce_sorted, with_states):
    torch = pytest.importorskip("torch")
    from deltanet.nn.utils import rnn

    theirs = _torch_module(torch, kind, options)
    ours = LAYERS[kind](3, 4, dtype="float64", **options)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(11)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 4]
    x = rng.normal(size=(4, 5, 3))
    tx, dx = torch.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(
        tx, torch.tensor(lengths), batch_first=True, enforce_sorted=enforce_sorted
    )
    d_packed = rnn.pack_padded_sequence(dx, dn.tensor(lengths), batch_first=True, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(d_packed.data.data, t_packed.data.detach().numpy())
    assert d_packed.batch_sizes.tolist() == t_packed.batch_sizes.tolist()
    for ours_index, their_index in zip(d_packed[2:], t_packed[2:], strict=True):
        assert (ours_index is None and their_index is None) or ours_index.tolist() == their_index.tolist()
    states = _states(rng, kind, options, (4,)) if with_states else ()
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    ds = [dn.tensor(s, requires_grad=True) for s in states]
    t_out, t_hidden = theirs(t_packed, *((tuple(ts),) if kind == "LSTM" and ts else tuple(ts)))
    d_out, d_hidden = ours(d_packed, *((tuple(ds),) if kind == "LSTM" and ds else tuple(ds)))
    assert isinstance(d_out, rnn.PackedSequence)
    t_padded, t_lengths = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True, total_length=6)
    d_padded, d_lengths = rnn.pad_packed_sequence(d_out, batch_first=True, total_length=6)
    assert d_lengths.tolist() == t_lengths.tolist() == lengths
    t_all = [t_padded, *(t_hidden if kind == "LSTM" else [t_hidden])]
    d_all = [d_padded, *(d_hidden if kind == "LSTM" else [d_hidden])]
    weights = [rng.normal(size=tuple(t.shape)) for t in t_all]
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_all, weights, strict=True)).backward()
    sum((d * dn.tensor(w)).sum() for d, w in zip(d_all, weights, strict=True)).backward()
    for t, d in zip(t_all, d_all, strict=True):
        assert d.shape == tuple(t.shape)
        np.testing.assert_allclose(d.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for t, d in zip(ts, ds, strict=True):
        np.testing.assert_allclose(d.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.data, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_pack_sequence_round_trips_and_refuses_bad_lengths():
    from deltanet.nn.utils import rnn

    seqs = [dn.tensor(np.full((n, 2), float(n))) for n in (2, 4, 1)]
    packed = rnn.pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1] and packed.sorted_indices.tolist() == [1, 0, 2]
    assert [s.data.tolist() for s in rnn.unpack_sequence(packed)] == [s.data.tolist() for s in seqs]
    moved = packed.to("cpu").cpu().double()
    assert moved.data.dtype == np.float64 and packed.float().data.dtype == np.float32 and not moved.is_cuda
    assert moved.batch_sizes is packed.batch_sizes
    padded, lengths = rnn.pad_packed_sequence(packed, padding_value=-1.0)
    assert padded.shape == (4, 3, 2) and lengths.tolist() == [2, 4, 1] and padded.data[3, 0, 0] == -1.0
    with pytest.raises(ValueError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        rnn.pack_sequence(seqs)
    with pytest.raises(ValueError, match=r"every length must be in \[1, 3\]"):
        rnn.pack_padded_sequence(dn.zeros(3, 2, 1), [4, 1])
    with pytest.raises(ValueError, match=r"every length must be in \[1, 3\]"):
        rnn.pack_padded_sequence(dn.zeros(3, 2, 1), [3, 0])
    with pytest.raises(ValueError, match="one integer length per sequence"):
        rnn.pack_padded_sequence(dn.zeros(3, 2, 1), [3, 2, 1])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        rnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(ValueError, match="expected a PackedSequence, got Tensor"):
        rnn.pad_packed_sequence(dn.zeros(3, 2))
    with pytest.raises(ValueError, match="every sequence must have the shape"):
        rnn.pad_sequence([dn.ones(2, 3), dn.ones(2, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        rnn.pad_sequence([dn.ones(2)], padding_side="middle")
    with pytest.raises(ValueError, match="lengths between 0 and 2"):
        rnn.unpad_sequence(dn.ones(2, 2), [3, 1], batch_first=True)
    with pytest.raises(ValueError, match=r"expected packed steps of shape \(\*, 3\)"):
        dn.nn.GRU(3, 4)(rnn.pack_sequence([dn.ones(2, 5)]))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(1, 1, 4\)"):
        dn.nn.GRU(3, 4)(rnn.pack_sequence([dn.ones(2, 3)]), dn.zeros(1, 2, 4))


def test_bad_inputs_and_states_are_refused_clearly():
    lstm = dn.nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"expected input_size=3 features .* got shape \(5, 2, 4\)"):
        lstm(dn.zeros(5, 2, 4))
    with pytest.raises(ValueError, match=r"3 axes .* or 2 axes \(L, H_in\) unbatched, got shape \(1, 5, 2, 3\)"):
        lstm(dn.zeros(1, 5, 2, 3))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 2, 4\) .* got shape \(1, 2, 4\)"):
        lstm(dn.zeros(5, 2, 3), (dn.zeros(1, 2, 4), dn.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(2, 2, 4\)"):
        lstm(dn.zeros(5, 2, 3), (dn.zeros(2, 2, 4), dn.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"hx must be a tuple \(h_0, c_0\) for an LSTM, got Tensor"):
        lstm(dn.zeros(5, 2, 3), dn.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="hx must be one tensor h_0 for GRU"):
        dn.nn.GRU(3, 4)(dn.zeros(5, 2, 3), (dn.zeros(1, 2, 4),))
    with pytest.raises(ValueError, match=r"unbatched input of 2 axes, got shape \(1, 2, 4\)"):
        dn.nn.GRU(3, 4)(dn.zeros(5, 3), dn.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="second axis, also with batch_first=True"):
        dn.nn.GRU(3, 4, batch_first=True)(dn.zeros(2, 5, 3), dn.zeros(2, 1, 4))
    with pytest.raises(ValueError, match="expected a floating-point input, got dtype int64 .*nn.Embedding"):
        dn.nn.RNN(3, 4)(dn.zeros(5, 2, 3, dtype=dn.int64))
    with pytest.raises(ValueError, match="expected a floating-point h_0, got dtype int64"):
        dn.nn.RNN(3, 4)(dn.zeros(5, 2, 3), dn.zeros(1, 2, 4, dtype=dn.int64))
    with pytest.raises(ValueError, match="at least one step"):
        dn.nn.RNN(3, 4, batch_first=True)(dn.zeros(2, 0, 3))
    with pytest.raises(
        ValueError, match=r"expected h of shape \(2, 4\) for an input of shape \(2, 3\), got \w+ \(3, 4\)"
    ):
        dn.nn.LSTMCell(3, 4)(dn.zeros(2, 3), (dn.zeros(3, 4), dn.zeros(3, 4)))
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 3\) or \(3,\)"):
        dn.nn.GRUCell(3, 4)(dn.zeros(2, 5))
    with pytest.raises(ValueError, match="hx must be a tuple"):
        dn.nn.LSTMCell(3, 4)(dn.zeros(2, 3), dn.zeros(2, 4))


def test_float64_data_in_a_float32_layer_follows_deltanets_promotion_rule():
    # docs/from-pytorch.md, "Type promotion follows NumPy": computed in float64, where PyTorch refuses;
    # the parameters' gradients keep the parameters' dtype.
    layer = dn.nn.LSTM(3, 4, rng=0)
    x = np.random.default_rng(9).normal(size=(5, 2, 3))
    out, (h, c) = layer(dn.tensor(x))
    assert out.dtype == h.dtype == c.dtype == np.float64
    out.sum().backward()
    assert layer.weight_ih_l0.grad.dtype == np.float32
    reference, _ = dn.nn.LSTM(3, 4, rng=0).double()(dn.tensor(x))
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-6)
    cell = dn.nn.GRUCell(3, 4, rng=0)
    assert cell(dn.tensor(x[0]), dn.zeros(2, 4)).dtype == np.float64


def test_bad_hyperparameters_are_refused_clearly():
    with pytest.raises(ValueError, match="proj_size must be smaller than hidden_size"):
        dn.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size is supported by LSTM only"):
        dn.nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity must be one of 'tanh', 'relu', got 'sigmoid'"):
        dn.nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        dn.nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\], got 1.5"):
        dn.nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 4.0"):
        dn.nn.LSTM(3, 4.0)
    with pytest.raises(ValueError, match="bidirectional must be True or False"):
        dn.nn.GRU(3, 4, bidirectional="yes")


def test_config_round_trip_and_onnx_export(tmp_path):
    layer = dn.nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True, proj_size=2, rng=0)
    rebuilt = dn.nn.LSTM(**layer.get_config())
    assert [(k, v.shape) for k, v in rebuilt.state_dict().items()] == [
        (k, v.shape) for k, v in layer.state_dict().items()
    ]
    relu = dn.nn.RNN(3, 4, 1, "relu", rng=0)
    assert relu.get_config()["nonlinearity"] == "relu" and relu.mode == "RNN_RELU"
    tanh = dn.nn.RNN(3, 4, rng=0)
    tanh.nonlinearity = "relu"  # a hyperparameter changed after construction takes effect, and is saved
    x = dn.tensor(np.random.default_rng(10).normal(size=(5, 2, 3)).astype(np.float32))
    np.testing.assert_array_equal(tanh(x)[0].data, relu(x)[0].data)
    assert tanh.mode == "RNN_RELU" and tanh.get_config()["nonlinearity"] == "relu"
    layer.flatten_parameters()  # PyTorch's cuDNN call: nothing to do, and no error

    class Classifier(dn.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = dn.nn.LSTM(3, 4, batch_first=True)
            self.fc = dn.nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.lstm(x)[0][:, -1])

    pytest.importorskip("onnx")  # the exporter needs it (the extra); the checks above ran without it
    proto = dn.onnx.export(Classifier(), tmp_path / "m.onnx", (2, 5, 3))  # tests/onnx/test_export_recurrent.py
    assert "LSTM" in [node.op_type for node in proto.graph.node]
    with pytest.raises(dn.onnx.ExportError, match=r"\(GRUCell\): it has no ONNX conversion"):
        dn.onnx.export(dn.nn.Sequential(dn.nn.GRUCell(3, 4)), tmp_path / "c.onnx", (2, 3))
