"""ONNX export of a model whose input is token IDs (``input_dtype``): the graph's input has the
integer dtype, as torch.onnx.export follows its example input's dtype."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.onnx.test_export import torch_export  # noqa: E402
from tests.onnx.test_export_more_ops import run_both  # noqa: E402


class Classifier(nn.Module):
    """Token IDs (N, L) → Embedding → mean over the sequence → Linear: a bag-of-embeddings classifier."""

    def __init__(self, vocabulary=10, width=4, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width, padding_idx=0, rng=0)
        self.fc = nn.Linear(width, classes, rng=1)

    def forward(self, x):
        return self.fc(self.embedding(x).mean(1))


@pytest.mark.parametrize("input_dtype", [np.int64, "int32", dn.int64])
def test_token_ids_give_an_integer_input_at_any_batch(input_dtype, tmp_path):
    model = Classifier()
    proto = dn.onnx.export(model, tmp_path / "m.onnx", (2, 5), input_dtype=input_dtype)
    dtype = np.dtype(input_dtype)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.helper.np_dtype_to_tensor_dtype(dtype)
    rng = np.random.default_rng(0)
    run_both(model, tmp_path / "m.onnx", [rng.integers(0, 10, size=(n, 5)).astype(dtype) for n in (1, 2, 7)])


def test_token_ids_with_a_dynamic_sequence_length(tmp_path):
    model = Classifier()
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, (2, 5), input_dtype=np.int64, dynamic_axes={"input": {0: "N", 1: "L"}})
    assert [d.dim_param for d in proto.graph.input[0].type.tensor_type.shape.dim] == ["N", "L"]
    rng = np.random.default_rng(1)
    run_both(model, path, [rng.integers(0, 10, size=shape) for shape in ((1, 1), (3, 5), (2, 11))])


def test_the_graph_is_what_torch_onnx_export_writes(tmp_path):
    """torch.onnx.export of the same classifier: an int64 input read by a Gather, then the mean and the Gemm."""
    torch = pytest.importorskip("torch")
    model = Classifier()
    proto = dn.onnx.export(model, tmp_path / "m.onnx", (2, 5), input_dtype=np.int64, dynamic_batch=False)

    class TorchClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(10, 4, padding_idx=0)
            self.fc = torch.nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(self.embedding(x).mean(1))

    twin = TorchClassifier()
    twin.load_state_dict({k: torch.tensor(v.array) for k, v in model.state_dict().items()})
    theirs = torch_export(twin, torch.zeros(2, 5, dtype=torch.long))
    assert theirs.graph.input[0].type.tensor_type.elem_type == proto.graph.input[0].type.tensor_type.elem_type
    assert [n.op_type for n in proto.graph.node][0] == [n.op_type for n in theirs.graph.node][0] == "Gather"
    x = np.random.default_rng(2).integers(0, 10, size=(2, 5))
    (ours,) = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, {"input": x}
    )
    their_session = ort.InferenceSession(theirs.SerializeToString(), providers=["CPUExecutionProvider"])
    (expected,) = their_session.run(None, {their_session.get_inputs()[0].name: x})
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_a_float_input_to_an_embedding_names_input_dtype(tmp_path):
    with pytest.raises(ExportError, match=r"fails on zeros of shape \(2, 5\) .*integer indices.*input_dtype=np.int64"):
        dn.onnx.export(Classifier(), tmp_path / "m.onnx", (2, 5))


def test_an_unknown_input_dtype_is_refused(tmp_path):
    with pytest.raises(ValueError, match="export"):
        dn.onnx.export(Classifier(), tmp_path / "m.onnx", (2, 5), input_dtype="not a dtype")
