"""ONNX export with PyTorch's ``dynamic_axes`` (deltanet.onnx.dynamic_axes): a sequence's length and an
image's size stay symbolic, onnxruntime's outputs equal deltanet's at two sizes of each dynamic axis,
and an operation that would hold a dynamic size as a constant is refused by name."""

import itertools

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn
from deltanet.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.onnx.test_export import torch_export  # noqa: E402


class Forward(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def export_and_compare(model, shape, axes, sizes, tmp_path, **options):
    """Export with ``dynamic_axes={"input": axes}``, then compare onnxruntime with the model at every
    combination of ``sizes`` (one tuple of sizes per dynamic axis, in the order of ``axes``)."""
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape, dynamic_axes={"input": axes, **options})
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    model.eval()
    for combination in itertools.product(*sizes):
        one = list(shape)
        for axis, n in zip(axes, combination, strict=True):
            one[axis] = n
        x = rng.normal(size=one).astype(np.float32)
        expected = model(dn.tensor(x)).array
        (got,) = session.run(None, {"input": x})
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    return proto


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


class SequenceClassifier(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(3, 5, num_layers=2, batch_first=True, rng=0)
        self.head = nn.Linear(5, 2, rng=1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :])  # the last step of a sequence of any length


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_a_sequence_classifier_runs_at_any_length_and_batch(kind, tmp_path):
    proto = export_and_compare(
        SequenceClassifier(kind), (2, 7, 3), {0: "batch", 1: "time"}, [(1, 4), (3, 11)], tmp_path
    )
    assert dims(proto.graph.input[0]) == ["batch", "time", 3]
    assert dims(proto.graph.output[0]) == ["batch", 2]


class SmallUNet(nn.Module):
    """conv, pooling, upsampling (a layer and a function), concatenation of a skip connection, a mean."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(1, 4, 3, padding=1, rng=0)
        self.middle = nn.Conv2d(4, 4, 3, padding=1, rng=1)
        self.up = nn.Upsample(scale_factor=2)
        self.head = nn.Conv2d(8, 2, 1, rng=2)

    def forward(self, x):
        skip = F.relu(self.down(x))
        deep = self.middle(F.max_pool2d(skip, 2))
        deep = F.interpolate(F.max_pool2d(self.up(deep), 2), scale_factor=2)
        out = self.head(dn.cat([deep, skip], dim=1))
        return out - out.mean(dim=(2, 3), keepdim=True)


def test_a_fully_convolutional_network_runs_at_any_image_size(tmp_path):
    proto = export_and_compare(
        SmallUNet(), (1, 1, 8, 8), {0: "N", 2: "H", 3: "W"}, [(1, 2), (8, 16), (4, 12)], tmp_path
    )
    assert dims(proto.graph.output[0]) == ["N", 2, "H", "W"]
    assert "Resize" in [node.op_type for node in proto.graph.node]


@pytest.mark.parametrize("dims_", [2, 3])
def test_the_unet_model_runs_at_any_image_size(dims_, tmp_path):
    model = dn.models.unet(in_channels=1, classes=2, depth=2, width=4, dims=dims_, rng=0)
    axes = {axis: f"S{axis}" for axis in range(2, 2 + dims_)}
    export_and_compare(model, (1, 1) + (8,) * dims_, axes, [(8, 12)] * dims_, tmp_path)


def test_a_transformer_encoder_runs_at_any_sequence_length(tmp_path):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    model = nn.TransformerEncoder(layer, 2)
    export_and_compare(model, (2, 5, 8), {0: "N", 1: "T"}, [(1, 3), (2, 9)], tmp_path)


def test_a_sequence_first_lstm_with_a_fixed_batch(tmp_path):
    """Axis 0 is the sequence; axis 1, the batch, is fixed: dynamic_axes decides, not dynamic_batch."""
    model = Forward(lambda x: model_lstm(x)[0])
    model_lstm = nn.LSTM(3, 4, rng=0)
    model.lstm = model_lstm
    proto = export_and_compare(model, (5, 2, 3), {0: "T"}, [(2, 9)], tmp_path)
    assert dims(proto.graph.input[0]) == ["T", 2, 3]


def test_names_given_as_a_list_and_for_the_outputs(tmp_path):
    """PyTorch's names for a list of axes, and an output's axes named by dynamic_axes."""
    model = nn.Conv1d(2, 3, 3, padding=1, rng=0)
    proto = dn.onnx.export(
        model, tmp_path / "m.onnx", (1, 2, 6), dynamic_axes={"input": [0, 2], "output": {2: "length"}}
    )
    assert dims(proto.graph.input[0]) == ["input_dynamic_axes_1", 2, "input_dynamic_axes_2"]
    assert dims(proto.graph.output[0]) == ["input_dynamic_axes_1", 3, "length"]


def test_a_mean_over_a_dynamic_axis_divides_by_its_live_size(tmp_path):
    model = Forward(lambda x: x.mean(1) + x.mean())
    proto = export_and_compare(model, (2, 6, 3), {1: "T"}, [(1, 6, 13)], tmp_path)
    assert "ReduceProd" in [node.op_type for node in proto.graph.node]


@pytest.mark.parametrize(
    "fn, shape, axes, what",
    [
        (
            lambda x: F.interpolate(x, scale_factor=3, mode="area"),  # adaptive average pooling to 3 H
            (1, 1, 4, 4),
            {2: "H"},
            r"the constant '.*adaptiveavgpool.matrix2' \(read by a MatMul node\)",
        ),
        (
            lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
            (1, 1, 4, 4),
            {2: "H"},
            r"the constant '.*interpolate.size' \(read by a Concat node\) is \[6, 6\] for size 4",
        ),
        (
            lambda x: x[:, :, : x.shape[2] // 2],  # a crop computed from the traced size
            (1, 1, 4, 4),
            {2: "H"},
            r"the constant '.*getitem.ends' \(read by a Slice node\) is \[2\] for size 4 .* and \[4\] for size 8",
        ),
        (
            lambda x: x.reshape(x.shape[0], 2, -1).reshape(x.shape[0], 2, x.shape[2], x.shape[3]),
            (1, 2, 4, 4),
            {2: "H", 3: "W"},
            r"the constant '.*reshape.shape.*' \(read by a Reshape node\)",
        ),
        (
            lambda x: F.adaptive_avg_pool2d(x, 2),
            (1, 1, 4, 4),
            {2: "H"},
            r"the constant '.*adaptiveavgpool.matrix2' \(read by a MatMul node\)",
        ),
    ],
    ids=["area", "recomputed factor", "crop by the size", "unflatten two dynamic axes", "adaptive pooling"],
)
def test_a_dynamic_size_held_as_a_constant_is_refused_by_name(fn, shape, axes, what, tmp_path):
    with pytest.raises(ExportError, match=f"{what}.*would hold the size of the input's axis"):
        dn.onnx.export(Forward(fn), tmp_path / "m.onnx", shape, dynamic_axes={"input": axes})


def test_a_layer_whose_attribute_holds_the_size_is_refused(tmp_path):
    model = nn.AdaptiveAvgPool2d(2)
    with pytest.raises(ExportError, match=r"attribute 'kernel_shape' of a AveragePool node.*axis 2 \('H'\)"):
        dn.onnx.export(model, tmp_path / "m.onnx", (1, 1, 4, 4), dynamic_axes={"input": {2: "H"}})


def test_a_model_that_fails_at_another_size_is_refused(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2, rng=0))
    with pytest.raises(ExportError, match=r"fails on an input of shape \(2, 3, 8\).*axis 2 cannot be dynamic"):
        dn.onnx.export(model, tmp_path / "m.onnx", (2, 3, 4), dynamic_axes={"input": {0: "N", 2: "L"}})


@pytest.mark.parametrize(
    "dynamic_axes, options, what",
    [
        ({"inputs": {0: "N"}}, {}, r"dynamic_axes names \['inputs'\], which are not the input's name"),
        ({"input": {3: "N"}}, {}, "dynamic_axes\\['input'\\] names axis 3, but the input has 2 axes"),
        ({"output": {2: "N"}}, {}, "dynamic_axes\\['output'\\] names axis 2, but that output has 2 axes"),
        ({"input": {0: "N"}}, {"dynamic_batch": False}, "dynamic_batch=False, but dynamic_axes makes"),
        ({"input": {"0": "N"}}, {}, "must be {axis: name} or a list of int axes"),
        ([0], {}, "dynamic_axes must be a dict"),
    ],
)
def test_malformed_dynamic_axes_are_refused(dynamic_axes, options, what, tmp_path):
    with pytest.raises(ExportError, match=what):
        dn.onnx.export(nn.Linear(3, 2), tmp_path / "m.onnx", (2, 3), dynamic_axes=dynamic_axes, **options)


def test_without_the_batch_in_dynamic_axes_the_batch_is_fixed(tmp_path):
    proto = dn.onnx.export(nn.Linear(3, 2), tmp_path / "m.onnx", (2, 3), dynamic_axes={})
    assert dims(proto.graph.input[0]) == [2, 3] and dims(proto.graph.output[0]) == [2, 2]


def test_a_branch_on_the_parity_of_a_dynamic_size_is_refused(tmp_path):
    """Traced at 8 and 16, the branch is the same; verified at 9, the graph differs from the model."""
    model = Forward(lambda x: x * 2 if x.shape[2] % 2 == 0 else x * 3)
    with pytest.raises(ExportError, match=r"shape \(1, 1, 9\).*does the forward branch on a size of a dynamic axis"):
        dn.onnx.export(model, tmp_path / "m.onnx", (1, 1, 8), dynamic_axes={"input": {2: "L"}})


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True),  # GoogLeNet's
        lambda x: F.max_pool2d(x, 3, 2, padding=1, ceil_mode=True),
        lambda x: F.max_pool2d(x, 2, 3, padding=1, ceil_mode=True),  # a last window in the padding is dropped
    ],
)
def test_ceil_mode_max_pooling_at_any_size(fn, tmp_path):
    proto = export_and_compare(Forward(fn), (1, 2, 8, 8), {0: "N", 2: "H", 3: "W"}, [(2,), (4, 5, 7), (6, 9)], tmp_path)
    assert [node.op_type for node in proto.graph.node].count("MaxPool") == 1


def test_googlenet_runs_at_any_image_size(tmp_path):
    model = dn.models.googlenet(num_classes=3, aux_logits=False, rng=0)
    export_and_compare(model, (1, 3, 32, 32), {0: "N", 2: "H", 3: "W"}, [(1, 2), (32, 45), (40,)], tmp_path)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
        lambda x: F.interpolate(x, scale_factor=(1.5, 2.5), mode="bilinear", align_corners=True),
        lambda x: F.interpolate(x, size=(6, 5), mode="bilinear"),  # a fixed output from any input size
        lambda x: F.interpolate(x, scale_factor=3, mode="bilinear", recompute_scale_factor=True),
    ],
    ids=["scale factor", "align_corners", "size", "recomputed"],
)
def test_linear_interpolation_at_any_size(fn, tmp_path):
    proto = export_and_compare(Forward(fn), (1, 2, 4, 4), {0: "N", 2: "H", 3: "W"}, [(2,), (4, 7), (5, 8)], tmp_path)
    assert [node.op_type for node in proto.graph.node].count("Resize") == 1


def test_a_constant_sized_by_the_traced_batch_is_refused_by_name(tmp_path):
    """A class token expanded to x.shape[0] is a constant of the traced batch: the trace at twice
    the batch holds another, so the export names it instead of writing a graph for one batch size."""

    class ClassToken(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Parameter(dn.zeros(1, 1, 4))

        def forward(self, x):
            return dn.cat([self.token.expand(x.shape[0], -1, -1), x], 1)

    with pytest.raises(
        ExportError,
        match=r"the constant 'ClassToken.cat.const' \(read by a Concat node\).*axis 0 \('N'\).*dynamic_batch=False",
    ):
        dn.onnx.export(ClassToken(), tmp_path / "m.onnx", (2, 3, 4))
    export_and_compare(ClassToken(), (2, 3, 4), {1: "T"}, [(3, 6)], tmp_path)


class SqueezeExcitation(nn.Module):
    """A classifier of any image size: a squeeze-excitation block, global pooling by a function, flatten."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, rng=0)
        self.norm = nn.BatchNorm2d(8)
        self.squeeze, self.excite = nn.Linear(8, 2, rng=1), nn.Linear(2, 8, rng=2)
        self.head = nn.Linear(16, 4, rng=3)

    def forward(self, x):
        x = F.relu(self.norm(self.conv(x)))
        n, c = x.shape[:2]
        w = dn.sigmoid(self.excite(F.relu(self.squeeze(x.mean((2, 3)))))).view(n, c, 1, 1)
        x = x * w
        pooled = [F.adaptive_avg_pool2d(x, 1), F.adaptive_max_pool2d(x, 1)]
        return self.head(dn.flatten(dn.cat(pooled, 1), 1))


def test_a_classifier_of_any_image_size(tmp_path):
    proto = export_and_compare(
        SqueezeExcitation(), (1, 3, 8, 8), {0: "N", 2: "H", 3: "W"}, [(1, 2), (8, 11), (5, 16)], tmp_path
    )
    assert {"GlobalAveragePool", "GlobalMaxPool", "ReduceProd"} <= {node.op_type for node in proto.graph.node}


def test_a_shufflenet_unit_runs_at_any_image_size(tmp_path):
    model = nn.Sequential(
        nn.Conv2d(4, 6, 1, groups=2, rng=0), nn.ChannelShuffle(2), nn.Conv2d(6, 6, 3, padding=1, groups=3, rng=1)
    )
    export_and_compare(model, (1, 4, 6, 6), {0: "N", 2: "H", 3: "W"}, [(1, 2), (6, 7), (5, 8)], tmp_path)


@pytest.mark.parametrize(
    "options",
    [
        {"scale_factor": 2, "mode": "bicubic"},
        {"scale_factor": (0.5, 1.5), "mode": "bicubic"},
        {"scale_factor": 2, "mode": "bicubic", "align_corners": True},
        {"size": (3, 7), "mode": "bicubic"},
        {"size": (1, 1), "mode": "bilinear"},
    ],
    ids=repr,
)
def test_bicubic_resampling_is_a_cubic_resize(options, tmp_path):
    """Bicubic is ONNX's cubic Resize (a = -0.75, half_pixel), the attributes torch.onnx.export writes;
    by scale factors the image size may be dynamic. A linear resize to one position reads the input
    at (n - 1) / 2 (half_pixel; pytorch_half_pixel read position 0, which export's check refused)."""
    model = Forward(lambda x: F.interpolate(x, **options))
    sizes = ((1, 3), (6, 12), (4, 10)) if "scale_factor" in options else ((1, 3),)
    axes = {0: "N", 2: "H", 3: "W"} if "scale_factor" in options else {0: "N"}
    proto = export_and_compare(model, (2, 2, 6, 6), axes, sizes[: len(axes)], tmp_path)
    resize = next(node for node in proto.graph.node if node.op_type == "Resize")
    torch = pytest.importorskip("torch")

    class TorchResample(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.interpolate(x, **options)

    if options["mode"] == "bicubic":  # torch writes pytorch_half_pixel for linear modes
        theirs = torch_export(TorchResample(), torch.zeros(2, 2, 6, 6))
        twin = next(node for node in theirs.graph.node if node.op_type == "Resize")
        mine = {a.name: onnx.helper.get_attribute_value(a) for a in resize.attribute}
        assert {a.name: onnx.helper.get_attribute_value(a) for a in twin.attribute if a.name in mine} == mine


@pytest.mark.parametrize("factor", [2, (2, 4)])
def test_area_upsampling_by_powers_of_two_at_any_size(factor, tmp_path):
    """Area resampling up by a power of two averages windows of one position: a nearest Resize, exact for
    any image size (torch.onnx.export refuses area with dynamic sizes)."""
    model = Forward(lambda x: F.interpolate(x, scale_factor=factor, mode="area"))
    proto = export_and_compare(model, (2, 2, 3, 5), {0: "N", 2: "H", 3: "W"}, ((1, 3), (3, 4, 7), (5, 6)), tmp_path)
    assert [node.op_type for node in proto.graph.node] == ["Resize", "Identity"]
