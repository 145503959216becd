"""ONNX export (RELIABILITY.md item 12): the exported graph passes onnx.checker and onnxruntime's
outputs match deltanet's to 1e-5 in float32, for every layer type, an MLP, LeNet-5 and a U-Net."""

import inspect
import io
import sys
import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.onnx import ExportError
from deltanet.onnx.converters import converter_for

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _realistic_statistics(model, shape, rng):
    """Give batch norm running statistics of a real batch (the defaults 0/1 test little)."""
    norms = [m for m in model.modules() if isinstance(m, nn.batchnorm._BatchNorm)]
    for m in norms:
        m.momentum = 1.0
    model.train()
    with dn.no_grad():
        model(dn.tensor(rng.normal(size=(max(shape[0], 4), *shape[1:])).astype(np.float32)))


def check_parity(model, shape, tmp_path, batches=(1, 3), rng=None):
    rng = rng or np.random.default_rng(0)
    _realistic_statistics(model, shape, rng)
    model.train()
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape)
    onnx.checker.check_model(onnx.load(str(path)))
    used = {name for node in proto.graph.node for name in node.input}
    assert not [i.name for i in proto.graph.initializer if i.name not in used], "initializers no node reads"
    assert model.training  # the mode is given back
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for n in batches:
        x = rng.normal(size=(n, *shape[1:])).astype(np.float32)
        expected = model(dn.tensor(x)).data
        (got,) = session.run(None, {"input": x})
        assert got.shape == expected.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    return proto


def ops(proto):
    return [node.op_type for node in proto.graph.node]


def torch_export(module, example, **options):
    """The graph torch.onnx.export (its TorchScript exporter, opset 17) writes for a torch module on
    ``example`` (a torch tensor), to compare operators with deltanet's; skipped without torch."""
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the exporter's own warnings (constant folding, deprecation)
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), buffer, dynamo=False, opset_version=17, **options)
    return onnx.load_from_string(buffer.getvalue())


def test_mlp(tmp_path):
    model = dn.models.mlp([4, 16, 8, 3], activation="tanh", rng=0)
    assert ops(check_parity(model, (2, 4), tmp_path)) == ["Gemm", "Tanh", "Gemm", "Tanh", "Gemm", "Identity"]


@pytest.mark.parametrize("subsampling, activation", [("max", "relu"), ("avg", "tanh")])
def test_lenet5(subsampling, activation, tmp_path):
    model = dn.models.lenet5(subsampling=subsampling, activation=activation, rng=0)
    proto = check_parity(model, (1, 1, 28, 28), tmp_path)
    assert ops(proto).count("Conv") == 2 and ops(proto).count("Gemm") == 3


@pytest.mark.parametrize("dims, shape", [(2, (1, 1, 16, 16)), (3, (1, 2, 8, 8, 8))])
def test_unet(dims, shape, tmp_path):
    model = dn.models.unet(in_channels=shape[1], classes=3, depth=2, width=4, dims=dims, rng=0)
    proto = check_parity(model, shape, tmp_path)
    assert ops(proto).count("Concat") == 2 and ops(proto).count("ConvTranspose") == 2
    assert {i.name for i in proto.graph.initializer} >= {"encoders.0.0.weight", "head.bias"}


LAYERS = [
    (nn.Linear(5, 3), (2, 5)),
    (nn.Linear(5, 3, bias=False), (2, 4, 5)),  # (N, *, in): MatMul
    (nn.Linear(5, 3), (2, 4, 5)),
    (nn.DataParallel(nn.Linear(5, 3)), (2, 5)),  # exported as the model it wraps
    (nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2), (2, 2, 11)),
    (nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(1, 0), groups=2), (2, 4, 7, 8)),
    (nn.Conv2d(3, 3, 4, padding="same", dilation=2, bias=False), (1, 3, 9, 9)),
    (nn.Conv3d(2, 2, 3, padding=1, groups=2), (1, 2, 5, 5, 5)),
    (nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1, output_padding=2), (2, 3, 5)),
    (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1), (1, 4, 5, 6)),
    (nn.ConvTranspose2d(2, 2, 3, stride=2, dilation=2, output_padding=1), (1, 2, 4, 4)),
    (nn.ConvTranspose3d(2, 1, 2, stride=2), (1, 2, 3, 3, 3)),
    (nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 10)),
    (nn.MaxPool2d(2), (2, 3, 8, 7)),
    (nn.MaxPool3d(2, stride=1), (1, 2, 4, 4, 4)),
    (nn.AvgPool1d(3, stride=1, padding=1), (2, 3, 10)),
    (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 9, 9)),
    (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True), (2, 3, 9, 9)),
    (nn.AvgPool3d(2), (1, 2, 4, 4, 4)),
    (nn.AdaptiveAvgPool1d(1), (2, 3, 7)),
    (nn.AdaptiveAvgPool2d(1), (2, 3, 5, 6)),
    (nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 4, 6)),
    (nn.AdaptiveAvgPool3d(1), (1, 2, 3, 4, 5)),
    (nn.GlobalAvgPool(), (2, 3, 5, 5)),
    (nn.BatchNorm1d(3), (4, 3)),
    (nn.BatchNorm1d(3, affine=False), (4, 3, 5)),
    (nn.BatchNorm2d(3, eps=1e-3), (2, 3, 4, 4)),
    (nn.SyncBatchNorm(3, eps=1e-3), (2, 3, 4, 4)),
    (nn.BatchNorm3d(2), (2, 2, 3, 3, 3)),
    (nn.Sigmoid(), (2, 5)),
    (nn.Tanh(), (2, 5)),
    (nn.ReLU(), (2, 5)),
    (nn.LeakyReLU(0.2), (2, 5)),
    (nn.PReLU(), (2, 5)),
    (nn.PReLU(3, init=0.1), (2, 3, 4, 4)),
    (nn.ELU(0.5), (2, 5)),
    (nn.Softplus(), (2, 5)),
    (nn.Softplus(beta=2.0), (2, 5)),
    (nn.SiLU(), (2, 5)),
    (nn.Softmax(dim=1), (2, 5)),
    (nn.Softmax(dim=1), (2, 3, 4)),
    (nn.LogSoftmax(), (2, 5)),
    (nn.Step(), (2, 5)),
    (nn.Identity(), (2, 5)),
    (nn.Dropout(0.5), (2, 5)),
    (nn.Dropout2d(0.5), (2, 3, 4, 4)),
    (nn.Dropout3d(0.5), (2, 3, 2, 2, 2)),
    (nn.ZeroPad1d((1, 2)), (2, 3, 4)),
    (nn.ZeroPad2d((1, 0, 2, 1)), (1, 2, 3, 4)),
    (nn.ZeroPad3d(1), (1, 2, 2, 3, 2)),
    (nn.ConstantPad1d(2, 0.5), (2, 3, 4)),
    (nn.ConstantPad2d((0, 1, 1, 0), -1.5), (1, 2, 3, 4)),
    (nn.ConstantPad3d((1, 0, 0, 1, 1, 0), 2.0), (1, 2, 2, 3, 2)),
    (nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    (nn.ReflectionPad2d(1), (1, 2, 3, 4)),
    (nn.ReflectionPad3d((1, 0, 1, 1, 0, 1)), (1, 2, 2, 3, 3)),
    (nn.ReplicationPad1d(2), (2, 3, 4)),
    (nn.ReplicationPad2d((2, 1, 0, 3)), (1, 2, 3, 4)),
    (nn.ReplicationPad3d(1), (1, 2, 2, 3, 2)),
    (nn.CircularPad1d((2, 1)), (2, 3, 4)),
    (nn.CircularPad2d((1, 0, 2, 3)), (1, 2, 3, 4)),
    (nn.CircularPad3d((1, 0, 1, 1, 0, 2)), (1, 2, 2, 3, 3)),
    (nn.RMSNorm(5), (2, 5)),
    (nn.RMSNorm((3, 4), eps=1e-3, elementwise_affine=False), (2, 2, 3, 4)),
    (nn.AlphaDropout(0.5), (2, 5)),
    (nn.FeatureAlphaDropout(0.5), (2, 3, 4)),
    (nn.Dropout1d(0.5), (2, 3, 4)),
    (nn.Flatten(), (2, 3, 4, 4)),
    (nn.Flatten(2), (2, 3, 4, 4)),
    (nn.Upsample(scale_factor=2), (1, 2, 3, 4)),
    (nn.Upsample(scale_factor=(2, 3), mode="nearest"), (1, 2, 3, 4)),
    (nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 4)),
    (nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    (nn.Upsample(size=(5, 7), mode="bilinear"), (1, 2, 3, 4)),
    (nn.Upsample(scale_factor=2, mode="linear"), (1, 2, 5)),
    (nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True), (1, 1, 2, 3, 2)),
    (nn.GELU(), (2, 5)),
    (nn.GELU("tanh"), (2, 5)),
    (nn.LayerNorm(5), (2, 5)),
    (nn.LayerNorm((3, 4), elementwise_affine=False), (2, 2, 3, 4)),
    (nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    (nn.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    (nn.InstanceNorm2d(3), (2, 3, 4, 4)),
    (nn.InstanceNorm3d(2, affine=True, track_running_stats=True), (2, 2, 2, 3, 3)),
    (nn.PixelShuffle(2), (1, 8, 2, 3)),
    (nn.PixelUnshuffle(2), (1, 2, 4, 6)),
    (nn.Unflatten(1, (2, -1)), (2, 6)),
    (nn.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 4)),
    (nn.UpsamplingNearest2d(size=(5, 7)), (1, 2, 3, 4)),
    (nn.MaxPool2d(3, 2, 1, ceil_mode=True), (1, 2, 6, 7)),
    (nn.MaxPool2d(2, 1, dilation=2), (1, 2, 6, 7)),
    (nn.LocalResponseNorm(5, alpha=0.5, beta=0.75, k=2.0), (2, 7, 3, 3)),
    (nn.LocalResponseNorm(3), (2, 4, 5)),
    (nn.LocalResponseNorm(3, alpha=0.3), (1, 4, 2, 3, 2)),
    (nn.Hardtanh(-0.5, 0.8), (2, 6)),
    (nn.ReLU6(), (2, 6)),
    (nn.Hardsigmoid(), (2, 6)),
    (nn.Hardswish(), (2, 6)),
    (nn.Hardshrink(0.3), (2, 6)),
    (nn.Softshrink(0.3), (2, 6)),
    (nn.Threshold(0.1, -2.0), (2, 6)),
    (nn.RReLU(0.1, 0.3), (2, 6)),
    (nn.CELU(0.7), (2, 6)),
    (nn.SELU(), (2, 6)),
    (nn.Mish(), (2, 6)),
    (nn.LogSigmoid(), (2, 6)),
    (nn.Softsign(), (2, 6)),
    (nn.Tanhshrink(), (2, 6)),
    (nn.GLU(dim=1), (2, 6)),
    (nn.Softmin(dim=1), (2, 6)),
    (nn.Softmax2d(), (2, 3, 2, 2)),
    (nn.AdaptiveMaxPool1d(2), (2, 3, 6)),
    (nn.ChannelShuffle(3), (2, 6, 4, 5)),
    (nn.ChannelShuffle(2), (2, 4, 3)),
    (nn.AdaptiveMaxPool2d(1), (2, 3, 5, 4)),
    (nn.AdaptiveMaxPool3d((1, 2, None)), (2, 1, 3, 4, 5)),
    (nn.LPPool1d(2, 3), (2, 3, 7)),
    (nn.LPPool2d(3, (2, 3), stride=(1, 2)), (2, 3, 6, 7)),
    (nn.LPPool3d(2, 2, ceil_mode=True), (2, 1, 4, 5, 3)),
]
# Not exported: the containers (their children are), the loss modules (not part of a model's
# forward), and EmbeddingBag.
NOT_EXPORTED = (
    nn.Module,
    nn.Sequential,
    nn.ModuleList,
    nn.ModuleDict,
    nn.ParameterList,
    nn.ParameterDict,
    nn.EmbeddingBag,
    # No conversion of their own: export refuses them by name ("it has no ONNX conversion"), or
    # traces them through (the Transformers, with a fixed batch: tests/nn/test_transformer.py).
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
    nn.TransformerEncoder,
    nn.TransformerDecoderLayer,
    nn.TransformerDecoder,
    nn.Transformer,
    nn.MaxUnpool1d,
    nn.MaxUnpool2d,
    nn.MaxUnpool3d,
    nn.Fold,
    nn.Unfold,
    dn.losses.Loss,
    nn.Bilinear,  # two inputs, while an exported model takes one
    nn.CosineSimilarity,
    nn.PairwiseDistance,
    nn.RNNCellBase,  # the recurrent cells (tests/onnx/test_export_recurrent.py checks the refusal)
)
# Tested in tests/onnx/test_export_recurrent.py (several outputs: the layer's final states), and
# Embedding (token IDs, input_dtype) in tests/onnx/test_export_token_ids.py and test_export_more_ops.py.
TESTED_ELSEWHERE = {nn.RNN, nn.LSTM, nn.GRU, nn.RNNBase, nn.Embedding}


def test_local_response_norm_of_even_size_is_refused(tmp_path):
    with pytest.raises(dn.onnx.ExportError, match=r"size 4 is even, and ONNX's LRN centres an even window"):
        dn.onnx.export(nn.Sequential(nn.LocalResponseNorm(4)), tmp_path / "lrn.onnx", input_shape=(1, 6, 2, 2))


@pytest.mark.parametrize(
    "layer, shape", LAYERS, ids=lambda v: repr(v).replace("\n", "") if isinstance(v, nn.Module) else None
)
def test_every_layer_matches_onnxruntime(layer, shape, tmp_path):
    dn.manual_seed(0)
    rng = np.random.default_rng(1)
    for p in layer.parameters():  # non-trivial parameters (batch norm starts at 1 and 0)
        p.data[...] = rng.normal(size=p.shape).astype(p.dtype)
    # A leading ReLU-free Sequential keeps the layer's own input (and tests Sequential walking).
    check_parity(nn.Sequential(layer), shape, tmp_path, rng=rng)


def test_every_public_layer_class_has_a_conversion():
    covered = {type(layer) for layer, _ in LAYERS} | TESTED_ELSEWHERE
    for name in nn.__all__:
        cls = getattr(nn, name)
        if (
            inspect.isclass(cls)
            and issubclass(cls, nn.Module)
            and not issubclass(cls, NOT_EXPORTED[4:])
            and cls not in NOT_EXPORTED
        ):
            assert cls in covered, f"no ONNX parity test for {cls.__name__}"


def test_custom_forward_with_residual_and_tensor_methods(tmp_path):
    @dn.io.register
    class ResidualBlock(nn.Module):
        def __init__(self, features=6):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(features, features), nn.Linear(features, features)
            self.scale = nn.Parameter(np.full(features, 0.5, dtype=np.float32))

        def forward(self, x):
            h = self.fc2(self.fc1(x).relu())
            y = (x + h * self.scale).tanh() - x / 2
            return y.reshape(len(x.data), 2, 3).sigmoid() ** 2

    proto = check_parity(ResidualBlock(), (2, 6), tmp_path)
    assert "Add" in ops(proto) and "Reshape" in ops(proto) and "Pow" in ops(proto)
    assert "scale" in {i.name for i in proto.graph.initializer}


def test_dynamic_and_fixed_batch(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    dynamic = dn.onnx.export(model, tmp_path / "d.onnx", input_shape=(4, 3))
    fixed = dn.onnx.export(model, tmp_path / "f.onnx", input_shape=(4, 3), dynamic_batch=False, opset=13)
    dim = lambda proto: proto.graph.input[0].type.tensor_type.shape.dim[0]  # noqa: E731
    assert dim(dynamic).dim_param == "N" and dim(fixed).dim_value == 4
    assert fixed.opset_import[0].version == 13


def test_export_leaves_the_model_and_autograd_as_they_were(tmp_path):
    model = dn.models.unet(depth=1, width=2, rng=0)
    apply = dn.Function.__dict__["apply"]
    dn.onnx.export(model, tmp_path / "u.onnx", input_shape=(1, 1, 4, 4))
    assert dn.Function.__dict__["apply"] is apply
    assert all("forward" not in vars(m) for m in model.modules())
    x = dn.tensor(np.ones((1, 1, 4, 4), dtype=np.float32), requires_grad=True)
    model(x).sum().backward()  # the graph is recorded again
    assert x.grad is not None


def test_unsupported_layers_and_operations_are_named(tmp_path):
    class Mystery(nn.Module):  # a module of the user's is traced through: its operations are named
        def forward(self, x):
            return x.cumprod(1)

    model = nn.Sequential(nn.Linear(3, 3), Mystery())
    with pytest.raises(ExportError, match=r"cannot export the operation CumProd in the forward of '1': it has no ONNX"):
        dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(1, 3))

    class Pooling(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x).cumprod(1)

    with pytest.raises(ExportError, match=r"cannot export the operation CumProd in the forward of 'Pooling'"):
        dn.onnx.export(Pooling(), tmp_path / "m.onnx", input_shape=(1, 3))
    with pytest.raises(ExportError, match=r"layer '0' \(BatchNorm2d\): without running statistics"):
        dn.onnx.export(
            nn.Sequential(nn.BatchNorm2d(2, track_running_stats=False)), tmp_path / "m.onnx", input_shape=(2, 2, 3, 3)
        )
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(ValueError, match=r"input_shape must be a tuple of positive ints such as \(1, 4\), got 4"):
        dn.onnx.export(model, tmp_path / "m.onnx", input_shape=4)
    with pytest.raises(ValueError, match=r"opset must be an integer >= 13, got 11"):
        dn.onnx.export(nn.Linear(2, 2), tmp_path / "m.onnx", input_shape=(1, 2), opset=11)


def test_missing_onnx_package_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'deltanet\[onnx\]'"):
        dn.onnx.export(nn.Linear(2, 2), tmp_path / "m.onnx", input_shape=(1, 2))


def test_converter_lookup_follows_forward():
    class MyConv(nn.Conv2d):
        pass

    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    assert converter_for(MyConv(1, 1, 1)).__name__ == "conv"
    assert converter_for(Doubled(1, 1)) is None


@pytest.mark.parametrize("layer", [nn.MaxUnpool2d(2), nn.Unfold(2)], ids=repr)
def test_layers_without_a_conversion_are_refused_by_name(layer, tmp_path):
    with pytest.raises(ExportError, match=rf"\({type(layer).__name__}\): it has no ONNX conversion"):
        dn.onnx.export(nn.Sequential(layer), str(tmp_path / "m.onnx"), (1, 4, 4, 4))
