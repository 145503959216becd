"""ONNX export of forwards written with functions, as a model ported from PyTorch has them:
F.max_pool2d, F.interpolate (every mode), crops by slicing, means, permutes, F.pad (every mode),
F.conv2d/F.linear on a layer's parameters; and of convolutions with a padding_mode. onnxruntime's
outputs must equal deltanet's to 1e-5 for a batch of 1 and of 3 (the batch axis stays dynamic)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn import functional as F
from deltanet.onnx import ExportError

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.onnx.test_export import check_parity, ops, torch_export  # noqa: E402


class Forward(nn.Module):
    """A model whose forward is ``fn(self, x)``, with a 3 -> 4 convolution and a 8 -> 5 linear layer at hand."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.conv = nn.Conv2d(3, 4, 3, rng=0)
        self.up = nn.ConvTranspose2d(3, 2, 3, stride=2, rng=1)
        self.fc = nn.Linear(8, 5, rng=2)

    def forward(self, x):
        return self.fn(self, x)


FORWARDS = {
    # pooling and resampling called as functions
    "max_pool2d": (lambda m, x: F.max_pool2d(x, 2), (2, 3, 8, 8)),
    "max_pool2d padded": (lambda m, x: F.max_pool2d(x, 3, 2, 1), (2, 3, 9, 8)),
    "max_pool2d ceil_mode": (lambda m, x: F.max_pool2d(x, 3, 2, ceil_mode=True), (2, 3, 8, 8)),
    "max_pool1d": (lambda m, x: F.max_pool1d(x, 2), (2, 3, 9)),
    "avg_pool2d": (lambda m, x: F.avg_pool2d(x, 2), (2, 3, 8, 8)),
    "avg_pool2d without the padding": (
        lambda m, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
        (2, 3, 8, 7),
    ),
    "avg_pool3d": (lambda m, x: F.avg_pool3d(x, 2), (2, 2, 4, 4, 4)),
    "interpolate nearest x2": (lambda m, x: F.interpolate(x, scale_factor=2), (2, 3, 4, 5)),
    "interpolate nearest to a size": (lambda m, x: F.interpolate(x, size=(5, 7)), (2, 3, 4, 5)),
    "interpolate nearest-exact": (lambda m, x: F.interpolate(x, size=(7, 3), mode="nearest-exact"), (2, 3, 4, 5)),
    "interpolate bilinear": (lambda m, x: F.interpolate(x, scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "interpolate bilinear align_corners": (
        lambda m, x: F.interpolate(x, size=(6, 9), mode="bilinear", align_corners=True),
        (2, 3, 4, 5),
    ),
    "interpolate bicubic": (lambda m, x: F.interpolate(x, scale_factor=1.5, mode="bicubic"), (2, 3, 4, 6)),
    "interpolate trilinear": (lambda m, x: F.interpolate(x, scale_factor=2, mode="trilinear"), (2, 2, 3, 4, 2)),
    "interpolate linear": (lambda m, x: F.interpolate(x, size=11, mode="linear"), (2, 3, 5)),
    "interpolate area": (lambda m, x: F.interpolate(x, size=(2, 3), mode="area"), (2, 3, 4, 6)),
    # indexing (the crop of a skip connection), shapes and reductions
    "crop": (lambda m, x: x[:, :, 1:-1, 2:], (2, 3, 6, 6)),
    "channel index": (lambda m, x: x[:, 0], (2, 3, 4, 4)),
    "strided ellipsis": (lambda m, x: x[..., ::2], (2, 3, 4, 5)),
    "new axes": (lambda m, x: x[:, None, 1:2, ..., None], (2, 3, 4)),
    "mean over space": (lambda m, x: x.mean(dim=(2, 3)), (2, 3, 4, 5)),
    "sum keepdim": (lambda m, x: x.sum(1, keepdim=True), (2, 3, 4, 5)),
    "max(dim) min(dim) values": (
        lambda m, x: (
            dn.cat([dn.max(x, 1, keepdim=True)[0], x.min(dim=1, keepdim=True).values], 1)
            + x.max(dim=-1).values[:, :2, :, None]
        ),
        (2, 3, 4, 5),
    ),
    "amax amin (CBAM's channel pooling)": (
        lambda m, x: (
            dn.cat([x.amax(dim=1, keepdim=True), x.amin(dim=1, keepdim=True)], 1)
            + x.amin(dim=(2, 3), keepdim=True)[:, :2]
        ),
        (2, 3, 4, 5),
    ),
    "permute contiguous view": (lambda m, x: x.permute(0, 2, 3, 1).contiguous().view(x.shape[0], -1), (2, 3, 2, 2)),
    "transpose": (lambda m, x: x.transpose(2, 3), (2, 3, 4, 5)),
    "flatten": (lambda m, x: x.flatten(1), (2, 3, 4, 5)),
    "unsqueeze": (lambda m, x: x.unsqueeze(2), (2, 3, 4)),
    "stack": (lambda m, x: dn.stack([x, 2 * x], dim=1), (2, 3, 4)),
    "softmax": (lambda m, x: F.softmax(x, dim=1), (2, 3, 4)),
    "log_softmax": (lambda m, x: F.log_softmax(x, dim=-1), (2, 3, 4)),
    "clamp": (lambda m, x: x.clamp(-0.5, 0.5) + x.clamp(min=0.2), (2, 3, 4)),
    "abs sqrt maximum": (lambda m, x: dn.maximum(x.abs().sqrt(), x), (2, 3, 4)),
    "expand": (lambda m, x: x[:, :1].expand(-1, 4, -1), (2, 3, 5)),
    "repeat": (lambda m, x: x.repeat(1, 2, 3), (2, 3, 4)),
    # activations called as functions
    "gelu": (lambda m, x: F.gelu(x) * F.gelu(2 * x, approximate="tanh"), (2, 3, 4)),
    # onnxruntime 1.32 failed to load these graphs (its FastGeluFusion removed a Mul(x, 0.5) that CSE had shared)
    "gelu exact and tanh of one input": (lambda m, x: F.gelu(x) * F.gelu(x, approximate="tanh"), (2, 3, 4)),
    "gelu tanh beside x * 0.5": (lambda m, x: F.gelu(x, approximate="tanh") + x * 0.5, (2, 3, 4)),
    "leaky_relu elu celu selu": (
        lambda m, x: F.leaky_relu(x, 0.1) + F.elu(x, 0.5) + F.celu(x, 2.0) + F.selu(x),
        (2, 5),
    ),
    "silu mish softplus": (lambda m, x: F.silu(x) * F.mish(x) + F.softplus(x, beta=2.0), (2, 5)),
    "hardtanh relu6": (lambda m, x: F.hardtanh(x, -0.5, 0.5) + F.relu6(3 * x), (2, 5)),
    "hardsigmoid hardswish logsigmoid": (lambda m, x: F.hardsigmoid(x) + F.hardswish(x) + F.logsigmoid(x), (2, 5)),
    "prelu": (lambda m, x: F.prelu(x, dn.tensor([0.1, 0.2, 0.3])), (2, 3, 4, 4)),
    "tensor softmax methods": (lambda m, x: x.softmax(dim=1) + x.log_softmax(-1), (2, 3, 4)),
    # F.pad, every mode
    "pad constant": (lambda m, x: F.pad(x, (1, 2, 0, 1), value=0.5), (2, 3, 4, 5)),
    "pad crop": (lambda m, x: F.pad(x, (-1, 1)), (2, 3, 4, 5)),
    "pad reflect": (lambda m, x: F.pad(x, (2, 1, 1, 3), mode="reflect"), (2, 3, 4, 5)),
    "pad replicate": (lambda m, x: F.pad(x, (1, 1, 2, 2), mode="replicate"), (2, 3, 4, 5)),
    "pad circular": (lambda m, x: F.pad(x, (3, 1, 1, 2), mode="circular"), (2, 3, 4, 5)),
    # layers called as functions on a layer's parameters
    "conv2d": (lambda m, x: F.conv2d(x, m.conv.weight, m.conv.bias, stride=2, padding=1), (2, 3, 7, 6)),
    "conv2d dilated without bias": (lambda m, x: F.conv2d(x, m.conv.weight, dilation=2), (2, 3, 7, 6)),
    "conv_transpose2d": (
        lambda m, x: F.conv_transpose2d(x, m.up.weight, m.up.bias, stride=2, padding=1, output_padding=1),
        (2, 3, 4, 5),
    ),
    "linear on rows": (lambda m, x: F.linear(x, m.fc.weight, m.fc.bias), (2, 8)),
    "linear on 3-D": (lambda m, x: F.linear(x, m.fc.weight, m.fc.bias), (2, 3, 8)),
    "linear without bias": (lambda m, x: F.linear(x, m.fc.weight), (2, 3, 8)),
}


@pytest.mark.parametrize("name", list(FORWARDS))
def test_a_function_in_a_forward_matches_onnxruntime(name, tmp_path):
    fn, shape = FORWARDS[name]
    check_parity(Forward(fn), shape, tmp_path)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", rng=0), (2, 2, 5, 6)),
        (nn.Conv2d(2, 3, (3, 2), padding=(2, 1), padding_mode="replicate", rng=0), (2, 2, 5, 6)),
        (nn.Conv2d(2, 3, 3, padding=2, stride=2, padding_mode="circular", rng=0), (2, 2, 5, 6)),
        (nn.Conv2d(2, 3, 4, padding="same", padding_mode="reflect", rng=0), (2, 2, 6, 6)),
        (nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular", rng=0), (2, 2, 7)),
        (nn.Conv3d(1, 2, 3, padding=1, padding_mode="replicate", rng=0), (2, 1, 4, 3, 5)),
    ],
    ids=repr,
)
def test_a_convolution_with_a_padding_mode_matches_onnxruntime(layer, shape, tmp_path):
    proto = check_parity(nn.Sequential(layer), shape, tmp_path)
    padding = "Concat" if layer.padding_mode == "circular" else "Pad"  # deltanet.onnx.pads
    assert padding in ops(proto) and "Conv" in ops(proto) and "Gather" not in ops(proto)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.AdaptiveAvgPool2d(3), (2, 2, 7, 7)),
        (nn.AdaptiveAvgPool2d((None, 4)), (2, 2, 5, 6)),
        (nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
        (nn.AdaptiveAvgPool3d((2, 3, 1)), (2, 1, 5, 4, 3)),
    ],
    ids=repr,
)
def test_adaptive_average_pooling_of_unequal_windows_matches_onnxruntime(layer, shape, tmp_path):
    assert "MatMul" in ops(check_parity(nn.Sequential(layer), shape, tmp_path))


def test_a_unet_written_with_functions_as_in_pytorch(tmp_path):
    """The original U-Net's habits: valid convolutions, F.max_pool2d, upsampling by F.interpolate
    and a crop of the skip connection to the decoder's size."""

    class CroppingUNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.down = nn.Conv2d(1, 4, 3, rng=0)
            self.bottom = nn.Conv2d(4, 8, 3, rng=1)
            self.reduce = nn.Conv2d(8, 4, 1, rng=2)
            self.head = nn.Conv2d(8, 2, 3, rng=3)

        def forward(self, x):
            skip = F.relu(self.down(x))
            deep = F.relu(self.bottom(F.max_pool2d(skip, 2)))
            up = self.reduce(F.interpolate(deep, scale_factor=2, mode="bilinear", align_corners=False))
            dy, dx = (skip.shape[2] - up.shape[2]) // 2, (skip.shape[3] - up.shape[3]) // 2
            cropped = skip[:, :, dy : dy + up.shape[2], dx : dx + up.shape[3]]
            return F.softmax(self.head(dn.cat([cropped, up], dim=1)), dim=1)

    proto = check_parity(CroppingUNet(), (1, 1, 20, 20), tmp_path)
    assert {"MaxPool", "Resize", "Slice", "Concat", "Softmax"} <= set(ops(proto))


def test_changing_the_batch_axis_is_refused_while_it_is_dynamic(tmp_path):
    for fn, what in [
        (lambda m, x: x.sum(), "a sum over the batch axis changes axis 0"),
        (lambda m, x: x.reshape(3, -1), r"a reshape from \(2, 3\) to \(3, 2\) changes axis 0"),
        (lambda m, x: x.transpose(0, 1) @ x, "a matrix product that sums over the batch axis changes axis 1"),
        (lambda m, x: x.t().sum(1), "a sum over the batch axis changes axis 1"),
        (lambda m, x: x.t()[:, 1:], r"the slice slice\(1, None, None\) of the batch axis changes axis 1"),
        (lambda m, x: F.layer_norm(x.t(), (2,)), "normalization in the forward of 'Forward': it changes axis 1"),
        (lambda m, x: F.max_pool1d(x.t()[None], 1), "MaxPoolNd, which needs the batch in axis 0, changes axis 2"),
        (lambda m, x: x.reshape(-1)[1], "the index 1 of an axis that merges the batch with another changes axis 0"),
    ]:
        with pytest.raises(ExportError, match=f"{what}.*dynamic_batch=False"):
            dn.onnx.export(Forward(fn), tmp_path / "m.onnx", input_shape=(2, 3))


@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda m, x: x.transpose(0, 1) * 2, (2, 3)),
        (lambda m, x: x.reshape(-1), (2, 3)),
        (lambda m, x: x.permute(2, 0, 1).reshape(4, -1).t().reshape(-1, 3, 4)[:, 1:], (2, 3, 4)),
        (lambda m, x: (x[None] + 1).squeeze(0).unsqueeze(1).flatten(0, 1), (2, 3)),
        (lambda m, x: dn.stack([x, -x]).sum(-1).t(), (2, 3)),
        (lambda m, x: F.linear(x.transpose(0, 1), m.fc.weight[:, :4]), (2, 3, 4)),
        (lambda m, x: x[0] + x[-1] * 2, (2, 3)),  # one sample, counted from either end
    ],
    ids=["transpose", "flatten everything", "attention's reshapes", "new axes", "stack in front", "linear", "index"],
)
def test_the_batch_axis_may_move_and_come_back(fn, shape, tmp_path):
    """A transpose or reshape that moves the batch (attention's (N, L, E) -> (L, N h, d)) keeps it
    dynamic: the export follows the axis that holds it (deltanet.onnx.batch_axis)."""
    check_parity(Forward(fn), shape, tmp_path, batches=(1, 2, 5))


def test_with_a_fixed_batch_the_batch_axis_may_change(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = Forward(lambda m, x: x[1].reshape(-1).sum(0, keepdim=True) + x.transpose(0, 1).mean())
    path = tmp_path / "fixed.onnx"
    dn.onnx.export(model, path, input_shape=(2, 3), dynamic_batch=False)
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, model(dn.tensor(x)).array, rtol=1e-6)


@pytest.mark.parametrize(
    "fn, why",
    [
        (lambda m, x: x[:, dn.tensor([0, 2])], "indexing with a tensor, list or mask has no conversion here"),
        # its masks are computed with NumPy: the traced input's would be constants of the graph
        (lambda m, x: x * x.detach(), r"depends on the model's input.*\.detach\(\)"),
        (lambda m, x: x.cumprod(1), "CumProd in the forward of 'Forward': it has no ONNX conversion here"),
        (lambda m, x: x.cumsum(0), "CumSum .*a running sum along the batch axis changes axis 0"),
    ],
)
def test_an_operation_without_a_conversion_is_named(fn, why, tmp_path):
    with pytest.raises(ExportError, match=why):
        dn.onnx.export(Forward(fn), tmp_path / "m.onnx", input_shape=(2, 3))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x + x.detach().exp(),
        lambda m, x: x * x.array.max().item(),
        lambda m, x: x + dn.tensor(np.asarray(x.array) ** 2),
    ],
    ids=["detach", "item", "numpy"],
)
def test_a_value_computed_from_the_input_outside_autograd_is_refused(fn, tmp_path):
    """Before this check, x * (x > 0).float() exported as x times the zero input's mask: all zeros
    (comparisons are recorded now: tests/onnx/test_export_comparisons.py)."""
    with pytest.raises(ExportError, match=r"the value '.*' depends on the model's input, but it was computed by an"):
        dn.onnx.export(Forward(fn), tmp_path / "m.onnx", input_shape=(2, 3))
    assert not (tmp_path / "m.onnx").exists()


def test_a_branch_on_the_input_values_is_refused(tmp_path):
    model = Forward(lambda m, x: x * 2 if float(x.sum().item()) != 0 else x + 1)
    with pytest.raises(ExportError, match=r"runs other operations for another input \(a branch on the input's values"):
        dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(2, 3), dynamic_batch=False)


@pytest.mark.parametrize("dim", [1, -1, 2])
def test_cumsum_at_any_batch_and_length(dim, tmp_path):
    """ONNX's CumSum, as torch.onnx.export writes x.cumsum(dim); the summed axis may be dynamic."""
    model = Forward(lambda m, x: (x.cumsum(dim) * 0.5).transpose(1, 2).cumsum(1))
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, input_shape=(2, 4, 3), dynamic_axes={"input": {0: "N", 1: "L", 2: "C"}})
    assert ops(proto).count("CumSum") == 2
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for shape in ((1, 4, 3), (3, 7, 2), (2, 1, 5)):
        x = rng.normal(size=shape).astype(np.float32)
        (got,) = session.run(None, {"input": x})
        np.testing.assert_allclose(got, model(dn.tensor(x)).array, rtol=1e-5, atol=1e-5)
    torch = pytest.importorskip("torch")

    class TorchCumsum(torch.nn.Module):
        def forward(self, x):
            return (x.cumsum(dim) * 0.5).transpose(1, 2).cumsum(1)

    theirs = torch_export(TorchCumsum(), torch.zeros(2, 4, 3))
    assert [op for op in ops(theirs) if op != "Constant"] == [op for op in ops(proto) if op != "Identity"]


def test_cumsum_of_token_ids_is_int64(tmp_path):
    """An integer running sum stays exact (int64, as PyTorch's cumsum of integers)."""
    model = Forward(lambda m, x: x.cumsum(1))
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, input_shape=(2, 5), input_dtype=np.int32)
    assert ops(proto) == ["Cast", "CumSum", "Identity"]
    x = np.array([[2**30, 2**30, 2**30, 1, 2]], dtype=np.int32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    assert got.dtype == np.int64 and got.tolist() == model(dn.tensor(x)).tolist() == np.cumsum(x, 1).tolist()


def test_an_attribute_computed_from_the_input_values_is_refused(tmp_path):
    """The same operators, but an attribute (the window) read from the input's values: the two traces
    differ in it (verification.first_difference compares attributes as well as constants)."""
    model = Forward(lambda m, x: F.avg_pool1d(x, 1 + int(float(x.abs().sum().item()) > 0)))
    with pytest.raises(ExportError, match=r"the attribute 'kernel_shape' of a AveragePool node .* depends on the mod"):
        dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(2, 3, 4), dynamic_batch=False)


def test_constants_made_inside_forward_are_kept(tmp_path):
    check_parity(Forward(lambda m, x: x * dn.tensor([0.5, 2.0, -1.0]) + dn.ones(3) / 4), (2, 3), tmp_path)


def test_an_operator_newer_than_the_opset_is_named(tmp_path):
    with pytest.raises(
        ExportError, match=r"not valid ONNX at opset 13: No Op registered for HardSwish with domain_version of 13"
    ):
        dn.onnx.export(nn.Sequential(nn.Hardswish()), tmp_path / "m.onnx", input_shape=(1, 3), opset=13)
    assert not (tmp_path / "m.onnx").exists()


class Residual(nn.Module):
    """torchvision's habits: ReLU(inplace=True), out += identity, F.relu(out, inplace=True)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, padding=1, rng=0)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1, rng=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.conv2(self.relu(self.conv1(x)))
        out += x
        out = F.relu(out, inplace=True)
        out.mul_(2).clamp_(max=1.5)
        F.relu_(out)
        return out


def test_in_place_operations_are_exported_as_what_they_compute(tmp_path):
    """They wrote into the traced tensors unseen: the graph left out `out += x` and the rest (a max
    difference of 4.3 from deltanet's outputs) before the export followed them."""
    proto = check_parity(Residual(), (2, 2, 5, 5), tmp_path)
    assert ops(proto).count("Add") >= 1 and "Clip" in ops(proto)


@pytest.mark.parametrize(
    "fn, why",
    [
        (lambda m, x: [x[:, 1:].mul_(2), x][1] * 1, "changed in place through a view of it"),
        (lambda m, x: [x.view(x.shape[0], 3).add_(1), x][1] + 0, "changed in place through a view of it"),
    ],
    ids=["slice", "view"],
)
def test_in_place_changes_through_views_are_refused(fn, why, tmp_path):
    with pytest.raises(ExportError, match=why):
        dn.onnx.export(Forward(fn), tmp_path / "m.onnx", input_shape=(2, 3))


def test_item_assignment_is_refused_by_name(tmp_path):
    def zero_first_column(m, x):
        y = 2 * x
        y[:, 0] = 0
        return y

    with pytest.raises(ExportError, match=r"SetItem in the forward of 'Forward': it has no ONNX conversion"):
        dn.onnx.export(Forward(zero_first_column), tmp_path / "m.onnx", input_shape=(2, 3))


def test_a_graph_that_computes_something_else_is_refused_before_it_is_written(tmp_path, monkeypatch):
    """export runs the graph in onnxruntime before writing it: a converter that reads a layer wrongly
    (here ReLU written as Sigmoid) is caught on random inputs instead of giving a file that runs."""
    from deltanet.onnx import converters

    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU())
    monkeypatch.setitem(converters.CONVERTERS, nn.ReLU, converters._simple("Sigmoid"))
    path = tmp_path / "m.onnx"
    with pytest.raises(ExportError, match=r"the graph does not compute the model's outputs \(onnxruntime against"):
        dn.onnx.export(model, path, input_shape=(2, 3))
    assert not path.exists()
    assert ops(dn.onnx.export(model, path, input_shape=(2, 3), verify=False))[1] == "Sigmoid"


def test_a_batch_size_baked_into_the_graph_is_caught(tmp_path, monkeypatch):
    """The trace at twice the batch holds another constant (deltanet.onnx.dynamic_axes.same_at_sizes);
    onnxruntime's check at one more sample would catch it next."""
    from deltanet.onnx import functions

    def fixed_reshape(g, call):  # a reshape that writes the traced batch size instead of 0
        g.node(
            "Reshape", [call.names[0], g.constant(f"{call.hint}.shape", functions._int64(call.out.shape))], [call.dst]
        )

    monkeypatch.setitem(functions.FUNCTIONS, dn.autograd.shapes.Reshape, fixed_reshape)
    with pytest.raises(
        ExportError, match=r"is \[2, 2, 3\] for size 2 of the input's axis 0 and \[4, 2, 3\] for size 4"
    ):
        dn.onnx.export(
            Forward(lambda m, x: x.view(x.shape[0], 2, 3).flatten(1)), tmp_path / "m.onnx", input_shape=(2, 6)
        )


def test_without_onnxruntime_the_graph_is_written_unchecked(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    dn.onnx.export(nn.Sequential(nn.Linear(3, 2, rng=0)), tmp_path / "m.onnx", input_shape=(1, 3))
    assert (tmp_path / "m.onnx").exists()


def test_googlenet_exports_with_a_dynamic_batch(tmp_path):
    """Its ceil-mode poolings padded with a -inf constant that held the traced batch size: the graph
    ran for batches of 1 only (export's check runs one more sample and caught it)."""
    model = dn.models.googlenet(num_classes=3, aux_logits=False, rng=0)
    proto = dn.onnx.export(model, tmp_path / "googlenet.onnx", input_shape=(1, 3, 32, 32))
    assert ops(proto).count("Concat") == 9  # the nine inception blocks, no padding constants


def test_export_gives_every_module_its_own_mode_back(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU())
    model[1].eval()  # a frozen batch norm in a model that trains
    dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(2, 3))
    assert [m.training for m in model.modules()] == [True, True, False, True]


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_amax_at_every_opset(opset, tmp_path):
    model = Forward(lambda m, x: x.amax(dim=(1, 2)))
    assert "ReduceMax" in ops(dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(2, 3, 4), opset=opset))


def test_layers_with_inplace_true_export_as_what_they_compute(tmp_path):
    """inplace=True overwrites the traced tensors: the graph follows them (conv, pool, then in-place
    activations and an evaluation-mode dropout, which returns its input)."""
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1, rng=0),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.LeakyReLU(0.1, inplace=True),
        nn.Conv2d(3, 3, 1, rng=1),
        nn.ELU(0.5, inplace=True),
        nn.Hardtanh(-0.5, 0.5, inplace=True),
        nn.Dropout(0.3, inplace=True),
        nn.ReLU6(inplace=True),
    )
    proto = check_parity(model, (2, 2, 6, 6), tmp_path)
    assert {"Relu", "LeakyRelu", "Elu", "MaxPool"} <= set(ops(proto))
