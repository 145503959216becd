"""Save then load gives bit-identical weights, optimizer state and predictions, for every public
layer type of deltanet.nn and deltanet.models (a new layer without an example here fails)."""

import inspect

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

# class -> (factory, input shape, trainable?)
EXAMPLES = {
    nn.Linear: (lambda: nn.Linear(4, 3), (5, 4)),
    nn.Flatten: (lambda: nn.Flatten(2), (2, 3, 2, 2)),
    nn.Identity: (lambda: nn.Identity(), (2, 3)),
    nn.Sigmoid: (lambda: nn.Sigmoid(), (2, 3)),
    nn.Tanh: (lambda: nn.Tanh(), (2, 3)),
    nn.ReLU: (lambda: nn.ReLU(), (2, 3)),
    nn.Step: (lambda: nn.Step(), (2, 3)),
    nn.LeakyReLU: (lambda: nn.LeakyReLU(0.2), (2, 3)),
    nn.PReLU: (lambda: nn.PReLU(3, init=0.1), (2, 3, 4)),
    nn.ELU: (lambda: nn.ELU(0.7), (2, 3)),
    nn.SiLU: (lambda: nn.SiLU(), (2, 3)),
    nn.Softplus: (lambda: nn.Softplus(beta=2.0, threshold=10.0), (2, 3)),
    nn.Softmax: (lambda: nn.Softmax(dim=1), (2, 3)),
    nn.LogSoftmax: (lambda: nn.LogSoftmax(dim=-1), (2, 3)),
    nn.Dropout: (lambda: nn.Dropout(0.3, rng=5), (4, 6)),
    nn.Dropout2d: (lambda: nn.Dropout2d(0.3), (2, 4, 3, 3)),
    nn.Dropout3d: (lambda: nn.Dropout3d(0.3), (2, 4, 2, 3, 3)),
    nn.Dropout1d: (lambda: nn.Dropout1d(0.3), (2, 4, 5)),
    nn.AlphaDropout: (lambda: nn.AlphaDropout(0.3), (4, 6)),
    nn.FeatureAlphaDropout: (lambda: nn.FeatureAlphaDropout(0.3), (2, 4, 3)),
    nn.CircularPad1d: (lambda: nn.CircularPad1d((2, 1)), (2, 3, 4)),
    nn.CircularPad2d: (lambda: nn.CircularPad2d(1), (1, 2, 3, 4)),
    nn.CircularPad3d: (lambda: nn.CircularPad3d(1), (1, 2, 2, 3, 3)),
    nn.RMSNorm: (lambda: nn.RMSNorm((3, 4), eps=1e-4), (2, 3, 4)),
    nn.ZeroPad1d: (lambda: nn.ZeroPad1d((1, 2)), (2, 3, 4)),
    nn.ZeroPad2d: (lambda: nn.ZeroPad2d((1, 0, 2, 1)), (1, 2, 3, 4)),
    nn.ZeroPad3d: (lambda: nn.ZeroPad3d(1), (1, 2, 2, 3, 2)),
    nn.ConstantPad1d: (lambda: nn.ConstantPad1d(2, 0.5), (2, 3, 4)),
    nn.ConstantPad2d: (lambda: nn.ConstantPad2d((0, 1, 1, 0), -1.5), (1, 2, 3, 4)),
    nn.ConstantPad3d: (lambda: nn.ConstantPad3d(1, 2.0), (1, 2, 2, 3, 2)),
    nn.ReflectionPad1d: (lambda: nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    nn.ReflectionPad2d: (lambda: nn.ReflectionPad2d(1), (1, 2, 3, 4)),
    nn.ReflectionPad3d: (lambda: nn.ReflectionPad3d(1), (1, 2, 2, 3, 3)),
    nn.ReplicationPad1d: (lambda: nn.ReplicationPad1d(2), (2, 3, 4)),
    nn.ReplicationPad2d: (lambda: nn.ReplicationPad2d((2, 1, 0, 3)), (1, 2, 3, 4)),
    nn.ReplicationPad3d: (lambda: nn.ReplicationPad3d(1), (1, 2, 2, 3, 2)),
    nn.BatchNorm1d: (lambda: nn.BatchNorm1d(3, momentum=None), (4, 3)),
    nn.BatchNorm2d: (lambda: nn.BatchNorm2d(3, eps=1e-3, affine=False), (2, 3, 4, 4)),
    nn.SyncBatchNorm: (lambda: nn.SyncBatchNorm(3, momentum=0.2), (2, 3, 4, 4)),
    nn.BatchNorm3d: (lambda: nn.BatchNorm3d(2, dtype=np.float64), (2, 2, 3, 3, 3)),
    nn.Conv1d: (lambda: nn.Conv1d(2, 4, 3, padding="same", dilation=2), (2, 2, 9)),
    nn.Conv2d: (lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=1, groups=2, bias=False), (2, 2, 7, 6)),
    nn.Conv3d: (lambda: nn.Conv3d(1, 2, 2, init="he_normal"), (1, 1, 4, 4, 4)),
    nn.ConvTranspose1d: (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1), (2, 2, 5)),
    nn.ConvTranspose2d: (lambda: nn.ConvTranspose2d(4, 2, 2, stride=2, groups=2), (1, 4, 3, 3)),
    nn.ConvTranspose3d: (lambda: nn.ConvTranspose3d(2, 1, 3, stride=2, padding=1, output_padding=1), (1, 2, 2, 2, 2)),
    nn.MaxPool1d: (lambda: nn.MaxPool1d(2), (1, 2, 6)),
    nn.MaxPool2d: (lambda: nn.MaxPool2d((2, 2), stride=1, padding=1), (1, 2, 5, 5)),
    nn.MaxPool3d: (lambda: nn.MaxPool3d(2), (1, 1, 4, 4, 4)),
    nn.AvgPool1d: (lambda: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), (1, 2, 7)),
    nn.AvgPool2d: (lambda: nn.AvgPool2d(2), (1, 2, 4, 4)),
    nn.AvgPool3d: (lambda: nn.AvgPool3d(2), (1, 1, 4, 4, 4)),
    nn.AdaptiveAvgPool1d: (lambda: nn.AdaptiveAvgPool1d(3), (1, 2, 7)),
    nn.AdaptiveAvgPool2d: (lambda: nn.AdaptiveAvgPool2d((2, None)), (1, 2, 5, 4)),
    nn.AdaptiveAvgPool3d: (lambda: nn.AdaptiveAvgPool3d(1), (1, 2, 3, 3, 3)),
    nn.GlobalAvgPool: (lambda: nn.GlobalAvgPool(), (2, 3, 4, 4)),
    nn.Upsample: (lambda: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    nn.AdaptiveMaxPool1d: (lambda: nn.AdaptiveMaxPool1d(3), (1, 2, 7)),
    nn.AdaptiveMaxPool2d: (lambda: nn.AdaptiveMaxPool2d((2, None)), (1, 2, 5, 4)),
    nn.AdaptiveMaxPool3d: (lambda: nn.AdaptiveMaxPool3d(1), (1, 2, 3, 3, 3)),
    nn.ChannelShuffle: (lambda: nn.ChannelShuffle(3), (1, 6, 2, 2)),
    # Two inputs (values and indices): saved and loaded without a forward of one tensor.
    nn.MaxUnpool1d: (lambda: nn.MaxUnpool1d(3, stride=2, padding=1), None),
    nn.MaxUnpool2d: (lambda: nn.MaxUnpool2d(2), None),
    nn.MaxUnpool3d: (lambda: nn.MaxUnpool3d((1, 2, 2)), None),
    nn.LPPool1d: (lambda: nn.LPPool1d(2, 3, stride=2), (1, 2, 7)),
    nn.LPPool2d: (lambda: nn.LPPool2d(1.5, (2, 3), ceil_mode=True), (1, 2, 5, 7)),
    nn.LPPool3d: (lambda: nn.LPPool3d(3, 2), (1, 2, 4, 4, 4)),
    nn.Unfold: (lambda: nn.Unfold((2, 3), padding=1, stride=2), (1, 2, 4, 5)),
    nn.Fold: (lambda: nn.Fold((3, 4), 2), (1, 8, 6)),
    nn.UpsamplingBilinear2d: (lambda: nn.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 4)),
    nn.UpsamplingNearest2d: (lambda: nn.UpsamplingNearest2d(size=(5, 6)), (1, 2, 3, 4)),
    # Activations, distances and metric-learning losses (port program p18).
    nn.Hardtanh: (lambda: nn.Hardtanh(-0.5, 2.0), (2, 3)),
    nn.ReLU6: (lambda: nn.ReLU6(), (2, 3)),
    nn.Hardsigmoid: (lambda: nn.Hardsigmoid(), (2, 3)),
    nn.Hardswish: (lambda: nn.Hardswish(), (2, 3)),
    nn.Hardshrink: (lambda: nn.Hardshrink(0.3), (2, 3)),
    nn.Softshrink: (lambda: nn.Softshrink(0.2), (2, 3)),
    nn.Threshold: (lambda: nn.Threshold(0.1, -1.0), (2, 3)),
    nn.RReLU: (lambda: nn.RReLU(0.1, 0.2), (2, 3)),
    nn.CELU: (lambda: nn.CELU(0.5), (2, 3)),
    nn.SELU: (lambda: nn.SELU(), (2, 3)),
    nn.Mish: (lambda: nn.Mish(), (2, 3)),
    nn.LogSigmoid: (lambda: nn.LogSigmoid(), (2, 3)),
    nn.Softsign: (lambda: nn.Softsign(), (2, 3)),
    nn.Tanhshrink: (lambda: nn.Tanhshrink(), (2, 3)),
    nn.GLU: (lambda: nn.GLU(dim=1), (2, 4)),
    nn.Softmin: (lambda: nn.Softmin(dim=1), (2, 3)),
    nn.Softmax2d: (lambda: nn.Softmax2d(), (1, 3, 2, 2)),
    nn.Bilinear: (lambda: nn.Bilinear(3, 2, 4), None),
    # Attention takes several inputs (and returns a tuple): saved and loaded without the training step.
    nn.MultiheadAttention: (lambda: nn.MultiheadAttention(8, 2, kdim=6, vdim=4, batch_first=True), None),
    nn.TransformerEncoderLayer: (
        lambda: nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, activation="gelu"),
        None,
    ),
    nn.TransformerEncoder: (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2), None),
    nn.TransformerDecoderLayer: (lambda: nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), None),
    nn.TransformerDecoder: (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2), None),
    nn.Transformer: (lambda: nn.Transformer(8, 2, 1, 1, 16), None),
    # Recurrent layers return tuples: saved and loaded without the training step.
    nn.RNN: (lambda: nn.RNN(3, 4, 2, "relu", bidirectional=True, rng=0), None),
    nn.LSTM: (lambda: nn.LSTM(3, 4, 2, batch_first=True, proj_size=2, rng=0), None),
    nn.GRU: (lambda: nn.GRU(3, 4, 2, bias=False, rng=0), None),
    nn.RNNBase: (lambda: nn.RNNBase("GRU", 3, 4, 2, rng=0), None),
    nn.RNNCell: (lambda: nn.RNNCell(3, 4, nonlinearity="relu", rng=0), None),
    nn.LSTMCell: (lambda: nn.LSTMCell(3, 4, bias=False, rng=0), None),
    nn.GRUCell: (lambda: nn.GRUCell(3, 4, rng=0), None),
    nn.RNNCellBase: (lambda: nn.RNNCellBase(3, 4, True, 4, rng=0), None),
    nn.CosineSimilarity: (lambda: nn.CosineSimilarity(dim=0, eps=1e-6), None),
    nn.PairwiseDistance: (lambda: nn.PairwiseDistance(p=1.0, keepdim=True), None),
    nn.TripletMarginLoss: (lambda: nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True), None),
    nn.TripletMarginWithDistanceLoss: (lambda: nn.TripletMarginWithDistanceLoss(margin=2.0), None),
    nn.MarginRankingLoss: (lambda: nn.MarginRankingLoss(margin=0.1, reduction="sum"), None),
    nn.CosineEmbeddingLoss: (lambda: nn.CosineEmbeddingLoss(margin=0.2), None),
    nn.HingeEmbeddingLoss: (lambda: nn.HingeEmbeddingLoss(margin=2.0), None),
    nn.SoftMarginLoss: (lambda: nn.SoftMarginLoss(reduction="none"), None),
    nn.MultiLabelSoftMarginLoss: (lambda: nn.MultiLabelSoftMarginLoss(), None),
    nn.MultiLabelMarginLoss: (lambda: nn.MultiLabelMarginLoss(), None),
    nn.CTCLoss: (lambda: nn.CTCLoss(blank=2, zero_infinity=True), None),
    nn.PoissonNLLLoss: (lambda: nn.PoissonNLLLoss(log_input=False, full=True), None),
    nn.GaussianNLLLoss: (lambda: nn.GaussianNLLLoss(full=True, eps=1e-4), None),
    nn.Sequential: (lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Sequential(nn.Linear(8, 2))), (3, 4)),
    nn.DataParallel: (lambda: nn.DataParallel(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), device_ids=[0]), (2, 4)),
    nn.ModuleList: (lambda: nn.ModuleList([nn.Linear(2, 2), nn.ReLU()]), None),
    dn.models.UNet: (lambda: dn.models.UNet(in_channels=2, classes=3, depth=1, width=2, rng=0), (1, 2, 4, 4)),
    # PyTorch's surface (issue 12): layers, containers and the loss modules that live in nn.
    nn.GELU: (lambda: nn.GELU("tanh"), (2, 3)),
    nn.LayerNorm: (lambda: nn.LayerNorm((3, 4), eps=1e-4), (2, 3, 4)),
    nn.GroupNorm: (lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    nn.InstanceNorm1d: (lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (2, 3, 5)),
    nn.InstanceNorm2d: (lambda: nn.InstanceNorm2d(2, momentum=None, track_running_stats=True), (2, 2, 3, 3)),
    nn.InstanceNorm3d: (lambda: nn.InstanceNorm3d(2, affine=True), (1, 2, 2, 2, 2)),
    nn.Embedding: (lambda: nn.Embedding(6, 3, padding_idx=-1, max_norm=2.0, rng=0), None),
    nn.EmbeddingBag: (lambda: nn.EmbeddingBag(6, 3, mode="max", padding_idx=1, rng=0), None),
    nn.PixelShuffle: (lambda: nn.PixelShuffle(2), (1, 8, 2, 2)),
    nn.PixelUnshuffle: (lambda: nn.PixelUnshuffle(2), (1, 2, 4, 4)),
    nn.Unflatten: (lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    nn.ModuleDict: (lambda: nn.ModuleDict({"enc": nn.Linear(2, 2), "act": nn.ReLU()}), None),
    nn.MSELoss: (lambda: nn.MSELoss(reduction="sum"), None),
    nn.L1Loss: (lambda: nn.L1Loss(), None),
    nn.HuberLoss: (lambda: nn.HuberLoss("none", 0.5), None),
    nn.SmoothL1Loss: (lambda: nn.SmoothL1Loss(beta=0.3), None),
    nn.CrossEntropyLoss: (lambda: nn.CrossEntropyLoss([1.0, 2.0], ignore_index=255, label_smoothing=0.1), None),
    nn.NLLLoss: (lambda: nn.NLLLoss(np.array([0.5, 1.5]), reduction="sum"), None),
    nn.BCELoss: (lambda: nn.BCELoss(np.array([1.0, 3.0])), None),
    nn.BCEWithLogitsLoss: (lambda: nn.BCEWithLogitsLoss(pos_weight=np.array([2.0])), None),
    nn.KLDivLoss: (lambda: nn.KLDivLoss(reduction="batchmean", log_target=True), None),
    nn.MultiMarginLoss: (lambda: nn.MultiMarginLoss(2, 0.5, [1.0, 1.0, 2.0]), None),
    nn.LocalResponseNorm: (lambda: nn.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0), (2, 4, 3, 3)),
    dn.models.BasicConv2d: (lambda: dn.models.BasicConv2d(2, 3, 3, stride=2, padding=1, rng=0), (2, 2, 5, 5)),
    dn.models.Inception: (lambda: dn.models.Inception(4, 2, 2, 3, 1, 2, 2, ch5x5_kernel_size=5, rng=0), (2, 4, 5, 5)),
    dn.models.InceptionAux: (lambda: dn.models.InceptionAux(6, 3, dropout=0.5, rng=0), (2, 6, 8, 8)),
    dn.models.GoogLeNet: (
        lambda: dn.models.GoogLeNet(num_classes=3, aux_logits=False, transform_input=True, rng=0),
        (2, 3, 32, 32),
    ),
    # 57 million parameters: saved and loaded without the training step (an Adam step would take seconds).
    dn.models.AlexNet: (lambda: dn.models.AlexNet(num_classes=3, local_response_norm=True, rng=0), None),
}


def public_module_classes():
    found = set()
    for package in (nn, dn.models):
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isclass(obj) and issubclass(obj, nn.Module) and obj is not nn.Module:
                found.add(obj)
    return sorted(found, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", public_module_classes(), ids=lambda c: c.__name__)
def test_every_public_layer_has_a_round_trip_example(cls):
    if cls in STATE_ONLY:
        return
    assert cls in EXAMPLES, f"add a save/load example for {cls.__name__} to EXAMPLES"


#: Containers of parameters: state, not settings. They are saved inside the module that owns them
#: (their values are in its state_dict); saved on their own they are refused by name.
STATE_ONLY = (nn.ParameterList, nn.ParameterDict)


@pytest.mark.parametrize("make", [lambda: nn.ParameterList([dn.ones(2)]), lambda: nn.ParameterDict({"s": dn.ones(2)})])
def test_a_parameter_container_alone_is_refused_by_name_and_saves_inside_its_owner(make, tmp_path):
    container = make()
    with pytest.raises(dn.io.CheckpointError, match=f"{type(container).__name__} holds parameters, not settings"):
        dn.save(container, tmp_path / "alone.dnet")

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([dn.ones(2) * 3.0])

        def forward(self, x):
            return x * self.scales[0]

    model = Scaled()
    dn.save(model.state_dict(), tmp_path / "state.dnet")
    again = Scaled()
    again.scales[0].array[...] = 0.0
    again.load_state_dict(dn.load(tmp_path / "state.dnet"))
    assert again.scales[0].tolist() == [3.0, 3.0]


def _train_a_step(model, shape, rng):
    """One forward/backward/Adam step in training mode, so buffers and optimizer state are not
    at their initial values."""
    params = model.parameters()
    if not params:
        model(dn.tensor(rng.normal(size=shape)))  # e.g. nothing to train, but still a forward
        return None
    opt = dn.optim.Adam(params, lr=0.01)
    dtype = params[0].dtype
    out = model(dn.tensor(rng.normal(size=shape).astype(dtype)))
    (out * out).sum().backward()
    opt.step()
    return opt


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda c: c.__name__)
def test_round_trip_is_bit_identical(cls, tmp_path):
    factory, shape = EXAMPLES[cls]
    rng = np.random.default_rng(0)
    dn.manual_seed(1)
    model = factory()
    opt = _train_a_step(model, shape, rng) if shape else None
    path = tmp_path / "model.dnet"
    dn.save(model, path, optimizer=opt)
    ckpt = dn.io.load_checkpoint(path)
    loaded = ckpt.model
    assert type(loaded) is cls and repr(loaded) == repr(model)
    before, after = model.state_dict(), loaded.state_dict()
    assert list(before) == list(after)
    for key in before:
        assert before[key].dtype == after[key].dtype and before[key].shape == after[key].shape
        assert before[key].numpy().tobytes() == after[key].numpy().tobytes(), key
    if opt is not None:
        expected = opt.state_dict()
        other = dn.optim.Adam(loaded.parameters(), lr=0.5)
        other.load_state_dict(ckpt.optimizer_state)
        got = other.state_dict()
        assert got["param_groups"] == expected["param_groups"]
        assert got["state"].keys() == expected["state"].keys()
        for i, values in expected["state"].items():
            assert values.keys() == got["state"][i].keys()
            for k, v in values.items():
                assert (
                    np.array_equal(v, got["state"][i][k])
                    and np.asarray(v).dtype == np.asarray(got["state"][i][k]).dtype
                )
    if shape:
        model.eval(), loaded.eval()
        x = dn.tensor(rng.normal(size=shape).astype(model.parameters()[0].dtype if model.parameters() else np.float32))
        assert model(x).array.tobytes() == loaded(x).array.tobytes()


def test_the_same_model_gives_the_same_bytes(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, rng=0), nn.ReLU())
    dn.save(model, tmp_path / "a.dnet")
    dn.save(model, tmp_path / "b.dnet")
    assert (tmp_path / "a.dnet").read_bytes() == (tmp_path / "b.dnet").read_bytes()


def test_float64_model_stays_float64(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, rng=0)).double()  # converted after construction
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    assert loaded[0].weight.dtype == np.float64
    assert loaded[0].weight.array.tobytes() == model[0].weight.array.tobytes()


def test_lenet5_and_mlp_builders_round_trip(tmp_path):
    for model, shape in ((dn.models.lenet5(), (2, 1, 28, 28)), (dn.models.mlp([4, 8, 3]), (2, 4))):
        dn.save(model, tmp_path / "m.dnet")
        loaded = dn.load(tmp_path / "m.dnet")
        model.eval(), loaded.eval()
        x = dn.tensor(np.random.default_rng(0).normal(size=shape).astype(np.float32))
        assert model(x).array.tobytes() == loaded(x).array.tobytes()


def test_saving_and_loading_leave_the_default_random_stream_alone(tmp_path):
    dn.manual_seed(7)
    expected = dn.backend.get_rng().random(3)
    dn.manual_seed(7)
    model = nn.Linear(3, 2, rng=0)
    dn.save(model, tmp_path / "m.dnet")
    dn.load(tmp_path / "m.dnet")
    assert np.array_equal(dn.backend.get_rng().random(3), expected)


def test_load_puts_weights_where_the_optimizer_of_a_loaded_model_sees_them(tmp_path):
    model = nn.Linear(2, 1, rng=0)
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    opt = dn.optim.SGD(loaded.parameters(), lr=1.0)
    loaded.weight.grad = np.ones((1, 2), dtype=np.float32)
    opt.step()
    np.testing.assert_array_equal(loaded.weight.array, model.weight.array - 1)


def test_frozen_parameters_stay_frozen(tmp_path):
    """A layer frozen for fine-tuning (requires_grad=False, set after construction) was loaded
    trainable on main: a fine-tuning resumed from the file trained the frozen layer silently."""
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    model[0].weight.requires_grad = False
    model[0].bias.requires_grad_(False)
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    assert {n: p.requires_grad for n, p in loaded.named_parameters()} == {
        "0.weight": False,
        "0.bias": False,
        "2.weight": True,
        "2.bias": True,
    }
    dn.save(nn.Linear(2, 1, rng=0), tmp_path / "plain.dnet")  # nothing frozen: no field, as before
    assert "frozen" not in dn.io.load_checkpoint(tmp_path / "plain.dnet").config
