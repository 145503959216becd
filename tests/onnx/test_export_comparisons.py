"""ONNX export of comparisons, logic and selections (``where``, ``masked_fill``, ``x * (x > 0)``) and
of the functional norms with a dynamic batch: onnxruntime's outputs must equal deltanet's to 1e-5
for a batch of 1 and of 3."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn import functional as F
from deltanet.onnx import ExportError

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from tests.onnx.test_export import check_parity, ops  # noqa: E402
from tests.onnx.test_export_functions import Forward  # noqa: E402


def attention_with_a_padding_mask(m, x):
    """The attention idiom: a key whose first feature is negative is padding, masked with -1e9."""
    scores = x @ x.transpose(-1, -2) / 2.0
    mask = (x[:, :, 0] > 0).unsqueeze(1)  # (N, 1, L)
    return F.softmax(scores.masked_fill(mask == 0, -1e9), dim=-1) @ x


def causal_attention(m, x):
    """A constant (causal) mask: its comparison is a constant of the graph, not a node."""
    L = x.shape[1]
    mask = dn.tril(dn.ones(L, L))
    return F.softmax((x @ x.transpose(-1, -2)).masked_fill(mask == 0, float("-inf")), dim=-1) @ x


COMPARISONS = {
    "x * (x > 0)": (lambda m, x: x * (x > 0), "Greater"),
    "(x > 0).float() * x": (lambda m, x: (x > 0).float() * x + (x < 0.5).to(dn.float32), "Less"),
    "where": (lambda m, x: dn.where(x > 0.5, x, -2 * x), "Where"),
    "where with numbers": (lambda m, x: dn.where(x >= 0, 1.0, 0.0) + x, "GreaterOrEqual"),
    "tensor.where": (lambda m, x: x.where(x <= 0.2, x.exp()), "LessOrEqual"),
    "masked_fill": (lambda m, x: x.masked_fill(x < 0, 0.25), "Where"),
    "== and !=": (lambda m, x: x * ((x > 0) == (x > 1)) + ((x > 0) != (x < 0.3)).float(), "Not"),
    "logical and/or/not": (
        lambda m, x: (
            dn.logical_and(x > -0.5, x < 0.5).float()
            + dn.logical_or(x > 1, x < -1).float() * x
            + dn.logical_not(x > 0).float()
        ),
        "And",
    ),
    "& | ~ ^ on masks": (lambda m, x: x * ((x > 0) & ~(x > 1) | (x < -1) ^ (x < -2)), "Xor"),
    "compare with a tensor": (lambda m, x: x.masked_fill(x > x.mean(-1, keepdim=True), -1.0), "ReduceSum"),
    "compare with a parameter": (lambda m, x: dn.where(x > m.fc.bias[:4], x, m.fc.bias[:4]), "Where"),
    "isnan isinf isfinite": (lambda m, x: x * (~x.isnan()) * x.isfinite() + x.isinf().float(), "IsInf"),
    "any and all": (
        lambda m, x: x * (x > -1).all(-1, keepdim=True) + (x > 1).any(1, keepdim=True).float(),
        "ReduceMin",
    ),
    "count of a mask": (lambda m, x: (x > 0).sum(-1, keepdim=True) * x, "ReduceSum"),  # ReduceSum took bools
    "attention padding mask": (attention_with_a_padding_mask, "Where"),
    "causal mask": (causal_attention, "Where"),
}


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_a_comparison_or_selection_matches_onnxruntime(name, tmp_path):
    fn, op = COMPARISONS[name]
    proto = check_parity(Forward(fn), (2, 3, 4), tmp_path)
    assert op in ops(proto)


def test_a_bool_output(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "m.onnx"
    dn.onnx.export(Forward(lambda m, x: x > 0.1), path, input_shape=(2, 3))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    assert got.dtype == np.bool_ and np.array_equal(got, x > 0.1)


def test_a_float64_branch_keeps_its_dtype(tmp_path):
    """Its constants were written in the graph's float32 beside float64 values: onnxruntime could not load it."""
    ort = pytest.importorskip("onnxruntime")
    model = Forward(lambda m, x: dn.where(x > 0, x.double(), 0.0) * dn.tensor([1.0, 2.0, 3.0], dtype=dn.float64))
    path = tmp_path / "m.onnx"
    dn.onnx.export(model, path, input_shape=(2, 3))
    x = np.random.default_rng(0).normal(size=(3, 3)).astype(np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, model(dn.tensor(x)).array, rtol=1e-12)


def test_a_logical_operation_without_a_conversion_is_refused_by_name(tmp_path):
    """An integer & has no conversion here: the graph would hold the traced input's answer."""
    with pytest.raises(ExportError, match=r"'bitwise_and' on a traced tensor has no conversion here"):
        dn.onnx.export(Forward(lambda m, x: x * ((x > 0).int() & 1).float()), tmp_path / "m.onnx", (2, 3))
    with pytest.raises(ExportError, match=r"'bitwise_and' on a traced tensor has no conversion here"):
        dn.onnx.export(Forward(lambda m, x: x * (((x > 0).int() & 1) > 0)), tmp_path / "m.onnx", (2, 3))
    assert not (tmp_path / "m.onnx").exists()


class Norms(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        rng = np.random.default_rng(0)
        self.weight = nn.Parameter(rng.normal(size=4).astype(np.float32))
        self.bias = nn.Parameter(rng.normal(size=4).astype(np.float32))
        self.register_buffer("mean", dn.tensor(rng.normal(size=4).astype(np.float32)))
        self.register_buffer("var", dn.tensor(rng.uniform(0.5, 2, size=4).astype(np.float32)))

    def forward(self, x):
        return self.fn(self, x)


NORMS = {
    "layer_norm": (lambda m, x: F.layer_norm(x, (4,), m.weight, m.bias), (2, 3, 4)),
    "layer_norm over two axes": (lambda m, x: F.layer_norm(x, (3, 4), eps=1e-3), (2, 3, 4)),
    "layer_norm of rows": (lambda m, x: F.layer_norm(x, 4), (2, 4)),
    "group_norm": (lambda m, x: F.group_norm(x, 2, m.weight, m.bias), (2, 4, 5)),
    "group_norm 2-D": (lambda m, x: F.group_norm(x, 1), (2, 4, 3, 3)),
    "instance_norm": (lambda m, x: F.instance_norm(x, weight=m.weight, bias=m.bias), (2, 4, 5)),
    "instance_norm with running statistics": (
        lambda m, x: F.instance_norm(x, m.mean, m.var, use_input_stats=False),
        (2, 4, 3, 3),
    ),
    "batch_norm in evaluation": (lambda m, x: F.batch_norm(x, m.mean, m.var, m.weight, m.bias), (2, 4, 5)),
    "batch_norm without affine": (lambda m, x: F.batch_norm(x, m.mean, m.var, eps=1e-3), (2, 4)),
}


@pytest.mark.parametrize("name", list(NORMS))
def test_a_functional_norm_keeps_the_batch_dynamic(name, tmp_path):
    fn, shape = NORMS[name]
    proto = check_parity(Norms(fn), shape, tmp_path)
    assert {"InstanceNormalization", "BatchNormalization"} & set(ops(proto))


def test_norms_that_cannot_keep_the_batch_dynamic_are_refused(tmp_path):
    with pytest.raises(ExportError, match=r"its groups of values span the batch axis.*dynamic_batch=False"):
        dn.onnx.export(Norms(lambda m, x: F.layer_norm(x, (2, 4))), tmp_path / "m.onnx", (2, 4))
    with pytest.raises(ExportError, match=r"batch_norm with training=True \(the batch's own statistics\)"):
        dn.onnx.export(Norms(lambda m, x: F.batch_norm(x, None, None, training=True)), tmp_path / "m.onnx", (2, 4))


def test_a_norm_over_every_axis_exports_with_a_fixed_batch(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = Norms(lambda m, x: F.layer_norm(x, (2, 4)))
    path = tmp_path / "m.onnx"
    dn.onnx.export(model, path, input_shape=(2, 4), dynamic_batch=False)
    x = np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, model(dn.tensor(x)).array, rtol=1e-5, atol=1e-5)


def test_outputs_with_nan_and_infinities_are_verified(tmp_path, monkeypatch):
    """NaN where the model has NaN passes the check (it was refused: NaN != NaN); an infinity no
    longer makes the tolerance infinite (any graph passed beside one)."""
    from deltanet.onnx import functions

    check_parity(Forward(lambda m, x: x.masked_fill(~(x > 0), float("nan"))), (2, 3), tmp_path)
    model = Forward(lambda m, x: (x * 3).masked_fill(x > 0.5, float("-inf")))
    check_parity(model, (2, 3), tmp_path)
    monkeypatch.setitem(functions.FUNCTIONS, dn.autograd.ops.Mul, functions._same("Add"))
    with pytest.raises(ExportError, match=r"the graph does not compute the model's outputs"):
        dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(2, 3))
