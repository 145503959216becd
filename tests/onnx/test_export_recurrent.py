"""ONNX export of RNN, LSTM and GRU (ONNX's RNN/LSTM/GRU operators, the gates in ONNX's order) and
of models with several outputs: onnxruntime's outputs must equal deltanet's to 1e-5 at two batch
sizes, every output of a tuple or dict."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def flat(value):
    if isinstance(value, dn.Tensor):
        return [value.data]
    if isinstance(value, dict):
        return [a for v in value.values() if v is not None for a in flat(v)]
    return [a for v in value if v is not None for a in flat(v)]


def check_outputs(model, shape, tmp_path, batches=(2, 3), **options):
    """Export, then compare every output of onnxruntime with the model's at each batch size."""
    rng = np.random.default_rng(0)
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape, **options)
    used = {name for node in proto.graph.node for name in node.input}
    assert not [i.name for i in proto.graph.initializer if i.name not in used], "initializers no node reads"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for n in batches if options.get("dynamic_batch", True) else (shape[0],):
        x = rng.normal(size=(n, *shape[1:])).astype(np.float32)
        expected = flat(model(dn.tensor(x)))
        got = session.run(None, {"input": x})
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    return proto


def ops(proto):
    return [node.op_type for node in proto.graph.node]


class Whole(nn.Module):
    """The layer's own outputs: (output, h_n) or (output, (h_n, c_n))."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer

    def forward(self, x):
        return self.rnn(x)


RECURRENT = [
    (nn.LSTM(3, 4, batch_first=True, rng=0), (2, 5, 3)),
    (nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, rng=1), (2, 5, 3)),
    (nn.LSTM(3, 4, num_layers=2, bias=False, rng=2), (5, 2, 3)),  # sequence first: axis 0 is L
    (nn.LSTM(3, 4, bidirectional=True, rng=3), (6, 3)),  # unbatched (L, H_in)
    (nn.GRU(3, 4, batch_first=True, rng=4), (2, 5, 3)),
    (nn.GRU(3, 5, num_layers=3, bidirectional=True, batch_first=True, rng=5), (2, 4, 3)),
    (nn.GRU(3, 4, bias=False, rng=6), (5, 2, 3)),
    (nn.RNN(3, 4, batch_first=True, rng=7), (2, 5, 3)),
    (nn.RNN(3, 4, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True, rng=8), (2, 5, 3)),
    (nn.RNN(3, 4, nonlinearity="relu", bias=False, rng=9), (5, 2, 3)),
]


@pytest.mark.parametrize(
    "layer, shape", RECURRENT, ids=lambda v: repr(v).replace("\n", "") if isinstance(v, nn.Module) else None
)
def test_a_recurrent_layer_and_its_final_states_match_onnxruntime(layer, shape, tmp_path):
    proto = check_outputs(Whole(layer), shape, tmp_path)
    assert ops(proto).count({"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(layer.mode, layer.mode)) == layer.num_layers
    names = [o.name for o in proto.graph.output]
    assert names == (["output_0", "output_1_0", "output_1_1"] if layer.mode == "LSTM" else ["output_0", "output_1"])
    # The final states keep the batch in their axis 1: with batch_first that axis is the symbolic one;
    # sequence first, the dynamic axis 0 of the input is the sequence's length, and the states' sizes are fixed.
    dims = [d.dim_param or d.dim_value for d in proto.graph.output[1].type.tensor_type.shape.dim]
    K = layer.num_layers * layer.num_directions
    H = layer.hidden_size
    assert dims == ([K, "N" if layer.batch_first else shape[1], H] if len(shape) == 3 else [K, H])


class SequenceClassifier(nn.Module):
    def __init__(self, cls=nn.LSTM):
        super().__init__()
        self.lstm = cls(3, 8, num_layers=2, batch_first=True, rng=0)
        self.fc = nn.Linear(8, 4, rng=1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_a_sequence_classifier_exports_with_a_dynamic_batch(cls, tmp_path):
    proto = check_outputs(SequenceClassifier(cls), (2, 7, 3), tmp_path, batches=(1, 2, 5))
    assert [o.name for o in proto.graph.output] == ["output"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"


class LastState(nn.Module):
    """The final hidden state of the last layer, h_n[-1] (the batch in its axis 1), classified."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 6, num_layers=2, batch_first=True, rng=0)
        self.fc = nn.Linear(6, 2, rng=1)

    def forward(self, x):
        _, h = self.gru(x)
        return self.fc(h[-1])


def test_a_classifier_of_the_final_state_exports_with_a_dynamic_batch(tmp_path):
    check_outputs(LastState(), (2, 7, 3), tmp_path, batches=(1, 4))


class SequenceFirst(nn.Module):
    """Sequence first, out[-1] is the last step: the dynamic axis 0 is the sequence's length."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, rng=0)
        self.fc = nn.Linear(5, 2, rng=1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])


def test_sequence_first_the_length_is_dynamic(tmp_path):
    """The export keeps one axis dynamic, the input's axis 0: sequence first, that is the length
    (the batch size is then fixed); batch first, it is the batch (the length is then fixed)."""
    proto = check_outputs(SequenceFirst(), (6, 2, 3), tmp_path, batches=(1, 6, 11))
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == [2, 2]


class GivenStates(nn.Module):
    """h_0 and c_0: zeros sized by the batch (PyTorch's idiom), learned, or computed from the input."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, rng=0)
        self.h0 = nn.Parameter(np.random.default_rng(1).normal(size=(4, 1, 4)).astype(np.float32))
        self.init = nn.Linear(3, 4, rng=2)

    def forward(self, x):
        N = x.shape[0]
        if self.kind == "zeros":
            h0, c0 = dn.zeros(4, N, 4), dn.zeros(4, N, 4)
        elif self.kind == "learned":
            h0, c0 = self.h0.expand(4, N, 4), dn.zeros(4, N, 4)
        else:
            h0 = self.init(x[:, 0]).tanh().unsqueeze(0).expand(4, N, 4)
            c0 = 0.5 * h0
        out, (h, c) = self.lstm(x, (h0, c0))
        return out, h, c


@pytest.mark.parametrize(
    "kind, dynamic", [("zeros", True), ("learned", False), ("computed", True), ("computed", False)]
)
def test_given_initial_states(kind, dynamic, tmp_path):
    proto = check_outputs(GivenStates(kind), (2, 5, 3), tmp_path, dynamic_batch=dynamic)
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    assert ("Slice" in ops(proto)) == (kind != "zeros")  # zeros are ONNX's default: left out


def test_a_gru_with_a_given_state_matches(tmp_path):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(3, 4, rng=0)

        def forward(self, x):
            return self.gru(x[1:], x[0, :, :1].expand(1, 2, 4).contiguous() * 0.5)[1]

    check_outputs(Model(), (4, 2, 3), tmp_path, dynamic_batch=False)


def test_refusals_name_what_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"layer 'rnn' \(LSTM\): proj_size=2: ONNX's LSTM operator has no projection"):
        dn.onnx.export(Whole(nn.LSTM(3, 4, proj_size=2)), tmp_path / "m.onnx", input_shape=(2, 5, 3))

    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(3, 4)

        def forward(self, x):
            packed = nn.utils.rnn.pack_padded_sequence(dn.ones(2, 5, 3), [5, 3], batch_first=True)
            return x + nn.utils.rnn.pad_packed_sequence(self.gru(packed)[0], batch_first=True)[0].sum()

    with pytest.raises(
        ExportError, match=r"layer 'gru' \(GRU\): expected a tensor and the initial states, got \(PackedSequence\)"
    ):
        dn.onnx.export(Packed(), tmp_path / "m.onnx", input_shape=(2, 5, 3), dynamic_batch=False)
    with pytest.raises(ExportError, match=r"\(GRUCell\): it has no ONNX conversion"):
        dn.onnx.export(nn.Sequential(nn.GRUCell(3, 4)), tmp_path / "c.onnx", (2, 3))
    assert not (tmp_path / "m.onnx").exists()


class Heads(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.fc = nn.Linear(3, 4, rng=0)

    def forward(self, x):
        z = self.fc(x)
        if self.kind == "dict":
            return {"logits": z, "probabilities": z.softmax(-1), "unused": None}
        return z, [z.relu(), None, x]


def test_several_outputs_are_named_from_the_structure(tmp_path):
    proto = check_outputs(Heads("dict"), (2, 3), tmp_path)
    assert [o.name for o in proto.graph.output] == ["logits", "probabilities"]
    proto = check_outputs(Heads("tuple"), (2, 3), tmp_path)
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1_0", "output_1_2"]
    proto = dn.onnx.export(Heads("tuple"), tmp_path / "m.onnx", (2, 3), output_name=["z", "r", "x"])
    assert [o.name for o in proto.graph.output] == ["z", "r", "x"]
    with pytest.raises(ExportError, match=r"output_name lists 2 names, but the model's forward returns 3 tensors"):
        dn.onnx.export(Heads("tuple"), tmp_path / "m.onnx", (2, 3), output_name=["z", "r"])
    with pytest.raises(ExportError, match=r"the output names \['input', 'r', 'x'\] must be distinct"):
        dn.onnx.export(Heads("tuple"), tmp_path / "m.onnx", (2, 3), output_name=["input", "r", "x"])


def test_an_output_that_is_not_a_tensor_is_refused(tmp_path):
    class Shape(nn.Module):
        def forward(self, x):
            return x * 2, x.shape[0]

    with pytest.raises(
        ExportError,
        match=r"must return a tensor, or a tuple, list or dict of tensors; it returned an? int at 'output_1'",
    ):
        dn.onnx.export(Shape(), tmp_path / "m.onnx", (2, 3))
