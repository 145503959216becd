"""ONNX export of flip, sign and the roundings, clamp with tensor bounds, isclose and attention's fully
masked rows: onnxruntime's outputs equal deltanet's at two batch sizes (and two sizes of a dynamic
axis), on inputs that hold NaN, infinities and fully masked rows where the operation treats them apart."""

import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn
from deltanet.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.onnx.test_export import ops, torch_export  # noqa: E402


class Forward(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.bound = nn.Parameter(dn.tensor(np.array([0.5, -0.25, 1.0], np.float32)))

    def forward(self, x):
        return self.fn(self, x)


def run_both(model, path, inputs):
    """onnxruntime's output and the model's, input by input: equal, NaN where the model has NaN."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for x in inputs:
        (got,) = session.run(None, {"input": x})
        expected = model(dn.tensor(x)).array
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, equal_nan=True)


def export_and_compare(fn, shape, tmp_path, special=(), dynamic_axes=None, sizes=None):
    """Export ``Forward(fn)``, then compare at two batch sizes (and ``sizes`` of the input's axis 2), and
    on the ``special`` inputs."""
    model = Forward(fn)
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape, dynamic_axes=dynamic_axes)
    rng = np.random.default_rng(0)
    shapes = [(n, *shape[1:]) for n in (1, 3)]
    shapes += [(shape[0], shape[1], n, *shape[3:]) for n in sizes or ()]
    run_both(model, path, [rng.normal(size=s).astype(np.float32) for s in shapes] + list(special))
    return proto


SPECIAL = np.array([[np.nan, -0.0, 0.0], [np.inf, -np.inf, -2.5], [0.5, 1.5, -0.5]], np.float32)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.flip(1),
        lambda m, x: x.flip(0, 2) * 2,  # the batch axis reversed: exact for any batch size
        lambda m, x: x.transpose(0, 1).flip(1),
    ],
    ids=["an axis", "the batch axis and another", "the moved batch axis"],
)
def test_flip(fn, tmp_path):
    proto = export_and_compare(fn, (2, 3, 4), tmp_path, dynamic_axes={"input": {0: "N", 2: "L"}}, sizes=(2, 7))
    assert "Slice" in ops(proto)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
def test_sign_and_the_roundings(name, tmp_path):
    """sign is 0 at NaN (PyTorch's; ONNX's Sign gives NaN); round is half to even."""
    export_and_compare(lambda m, x: getattr(x * 2, name)(), (2, 3), tmp_path, special=[SPECIAL])


def test_sign_and_floor_of_integers(tmp_path):
    export_and_compare(lambda m, x: (x * 4).long().sign() + (x * 4).long().floor(), (2, 3), tmp_path)


def test_round_to_decimals_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"Rounded in the forward of 'Forward': round with decimals=2"):
        dn.onnx.export(Forward(lambda m, x: x.round(decimals=2)), tmp_path / "m.onnx", (2, 3))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.clamp(min=x[:, :1]),  # a bound computed from the input
        lambda m, x: x.clamp(max=m.bound),  # a parameter
        lambda m, x: x.clamp(min=-m.bound, max=x.abs() + 0.5),
        lambda m, x: dn.clamp(x, min=dn.tensor(np.float32(np.nan)), max=1.0),  # NaN bound: NaN, as PyTorch
    ],
    ids=["from the input", "a parameter", "both", "NaN bound"],
)
def test_clamp_with_tensor_bounds(fn, tmp_path):
    export_and_compare(fn, (2, 3), tmp_path, special=[SPECIAL])


def test_clamp_with_tensor_bounds_matches_pytorch():
    torch = pytest.importorskip("torch")
    x, low = SPECIAL, np.array([0.0, np.nan, -1.0], np.float32)
    expected = torch.clamp(torch.tensor(x), min=torch.tensor(low), max=torch.tensor(2.0)).numpy()
    got = dn.clamp(dn.tensor(x), min=dn.tensor(low), max=dn.tensor(np.float32(2.0))).array
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose(equal_nan, tmp_path):
    """NaN against NaN (close only with equal_nan), equal infinities, and the tolerances."""
    model = Forward(lambda m, x: dn.isclose(x, x.round(), rtol=1e-3, atol=0.3, equal_nan=equal_nan).float() + x)
    path = tmp_path / "model.onnx"
    dn.onnx.export(model, path, input_shape=(2, 3))
    run_both(model, path, [SPECIAL, np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)])
    torch = pytest.importorskip("torch")
    other = np.array([[np.nan, 0.0, 1e-9], [np.inf, np.inf, -2.5 + 1e-5], [0.5, 1.6, -0.5]], np.float32)
    expected = torch.isclose(torch.tensor(SPECIAL), torch.tensor(other), equal_nan=equal_nan).numpy()
    np.testing.assert_array_equal(dn.isclose(dn.tensor(SPECIAL), dn.tensor(other), equal_nan=equal_nan).array, expected)


MASK = np.ones((5, 5), bool)
MASK[1] = False  # query 1 attends to nothing


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: F.scaled_dot_product_attention(x, x, x, attn_mask=dn.tensor(MASK)),
        lambda m, x: F.scaled_dot_product_attention(
            x, x, x, attn_mask=dn.tensor(np.where(MASK, 0.0, -np.inf).astype(np.float32))
        ),
        lambda m, x: F.scaled_dot_product_attention(x, x, x, attn_mask=x[:, None, :, 0] > 0),  # from the input
    ],
    ids=["bool mask", "-inf float mask", "a mask from the input"],
)
def test_fully_masked_attention_rows_give_what_eager_gives(fn, tmp_path):
    """A query whose every key is masked gives 0, as PyTorch's scaled_dot_product_attention (eager and
    here), in the graph too: whether a row is masked is computed from the scores, not traced."""
    model = Forward(fn)
    path = tmp_path / "model.onnx"
    dn.onnx.export(model, path, input_shape=(2, 5, 3))
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(n, 5, 3)).astype(np.float32) for n in (1, 3)]
    negative = -np.abs(rng.normal(size=(2, 5, 3))).astype(np.float32)  # the input's mask masks every key
    run_both(model, path, [*inputs, negative])
    assert np.all(model(dn.tensor(negative)).array[:, 1] == 0.0)


def test_a_fully_masked_row_matches_pytorch():
    torch = pytest.importorskip("torch")
    q = np.random.default_rng(0).normal(size=(1, 4, 3)).astype(np.float32)
    k = q[:, :3].copy()
    mask = np.ones((4, 3), bool)
    mask[2] = False
    expected = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(k), attn_mask=torch.tensor(mask)
    ).numpy()
    got = F.scaled_dot_product_attention(dn.tensor(q), dn.tensor(k), dn.tensor(k), attn_mask=dn.tensor(mask)).array
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axes", [None, {0: "N"}, {0: "N", 1: "C"}])
def test_concatenating_along_the_dynamic_batch_axis(axes, tmp_path):
    """[x; -x] has 2N rows for every N: a Concat, as torch.onnx.export writes it, whose output axis is
    named 2*N; a reshape that finds N again (2, N, 3) and a layer after it follow."""
    model = Forward(lambda m, x: dn.cat([x, -x.exp()], 0).reshape(2, -1, x.shape[1]).sum(0) + dn.cat([x, x], 0)[-1])
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, (2, 3), dynamic_axes=None if axes is None else {"input": axes})
    assert ops(proto).count("Concat") >= 2  # and one of the reshape's target where C is dynamic
    rng = np.random.default_rng(0)
    run_both(model, path, [rng.normal(size=(n, 3)).astype(np.float32) for n in (1, 2, 5)])
    doubled = Forward(lambda m, x: dn.cat([x, -x], 0))
    proto = dn.onnx.export(doubled, path, (2, 3))
    assert [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == ["2*N", 3]
    run_both(doubled, path, [rng.normal(size=(n, 3)).astype(np.float32) for n in (1, 4)])
    torch = pytest.importorskip("torch")

    class TorchDoubled(torch.nn.Module):
        def forward(self, x):
            return torch.cat([x, -x], 0)

    theirs = torch_export(TorchDoubled(), torch.zeros(2, 3), input_names=["input"], dynamic_axes={"input": {0: "N"}})
    assert ops(theirs) == ops(proto)[:-1] == ["Neg", "Concat"]


def test_concatenating_a_constant_along_the_dynamic_batch_axis_is_refused(tmp_path):
    """[x; c] has N + 1 rows: a reshape could no longer find N, so it is refused with a dynamic batch."""
    model = Forward(lambda m, x: dn.cat([x, m.bound.reshape(1, 3)], 0))
    with pytest.raises(
        ExportError, match="concatenating a constant along the batch axis changes axis 0.*dynamic_batch"
    ):
        dn.onnx.export(model, tmp_path / "m.onnx", (2, 3))
    dn.onnx.export(model, tmp_path / "fixed.onnx", (2, 3), dynamic_batch=False)
    run_both(model, tmp_path / "fixed.onnx", [np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)])


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_with_every_key_masked(need_weights, tmp_path):
    """The graph gives what the model gives at inference (no gradients: PyTorch's fast path, NaN)."""

    class Attend(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(4, 2, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, key_padding_mask=x[:, :, 0] < 0, need_weights=need_weights)[0]

    model = Attend()
    path = tmp_path / "model.onnx"
    dn.onnx.export(model, path, input_shape=(2, 3, 4))
    x = np.abs(np.random.default_rng(0).normal(size=(3, 3, 4))).astype(np.float32)
    x[0] *= -1  # the first sample masks every key
    with dn.no_grad():
        run_both(model, path, [x])


def test_embedding(tmp_path):
    """Rows gathered by indices computed in the forward ((x > 0).long(): a Cast and a Gather)."""

    class Lookup(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(2, 4, rng=0)

        def forward(self, x):
            return self.embedding((x > 0).long()).sum(1)

    model = Lookup()
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, input_shape=(2, 5), dynamic_axes={"input": {0: "N", 1: "T"}})
    assert "Gather" in ops(proto)
    rng = np.random.default_rng(0)
    run_both(model, path, [rng.normal(size=shape).astype(np.float32) for shape in ((1, 5), (3, 9))])


def test_embedding_with_max_norm_is_refused(tmp_path):
    model = Forward(lambda m, x: m.table((x > 0).long()))
    model.table = nn.Embedding(2, 3, max_norm=1.0)
    with pytest.raises(ExportError, match=r"layer 'table' \(Embedding\): max_norm=1.0 renormalizes"):
        dn.onnx.export(model, tmp_path / "m.onnx", (2, 3))


@pytest.mark.parametrize(
    "layer, shape, op",
    [
        (nn.AdaptiveMaxPool1d(1), (2, 3, 10), "GlobalMaxPool"),
        (nn.AdaptiveMaxPool2d((2, None)), (2, 3, 6, 5), "MaxPool"),
        (nn.AdaptiveMaxPool3d(2), (2, 1, 4, 6, 8), "MaxPool"),
    ],
)
def test_adaptive_max_pooling(layer, shape, op, tmp_path):
    export = lambda m, x: m.pool(x)  # noqa: E731
    model = Forward(export)
    model.pool = layer
    proto = dn.onnx.export(model, tmp_path / "m.onnx", input_shape=shape)
    assert op in ops(proto)
    functional = Forward(lambda m, x: F.adaptive_max_pool1d(x, 1) if x.ndim == 3 else F.adaptive_max_pool2d(x, 1))
    dn.onnx.export(functional, tmp_path / "f.onnx", input_shape=shape[:4])
    rng = np.random.default_rng(0)
    run_both(model, tmp_path / "m.onnx", [rng.normal(size=(n, *shape[1:])).astype(np.float32) for n in (1, 3)])
    run_both(functional, tmp_path / "f.onnx", [rng.normal(size=(n, *shape[1:4])).astype(np.float32) for n in (1, 3)])


def test_adaptive_max_pooling_to_unequal_windows_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"adaptive max pooling of \(5,\) to \(2,\): PyTorch's windows are unequal"):
        dn.onnx.export(nn.AdaptiveMaxPool1d(2), tmp_path / "m.onnx", (2, 3, 5))
    with pytest.raises(ExportError, match=r"AdaptiveMaxPool in the forward of 'Forward': adaptive max pooling of"):
        dn.onnx.export(Forward(lambda m, x: F.adaptive_max_pool1d(x, 2)), tmp_path / "m.onnx", (2, 3, 5))


def test_a_model_that_fails_on_random_numbers_is_refused_by_name(tmp_path):
    """Token indices from a float input: x.long() of random numbers has negative indices."""
    model = Forward(lambda m, x: m.table(x.long()))
    model.table = nn.Embedding(4, 3)
    with pytest.raises(ExportError, match=r"fails on random normal numbers of shape \(2, 3\) \(ValueError: .*indices"):
        dn.onnx.export(model, tmp_path / "m.onnx", (2, 3))


def test_argmax_of_a_segmentation_at_any_size(tmp_path):
    """A label map, int64: the exported model of a segmentation network, at any image size."""
    model = Forward(lambda m, x: m.conv(x).argmax(1))
    model.conv = nn.Conv2d(1, 3, 3, padding=1, rng=0)
    path = tmp_path / "model.onnx"
    proto = dn.onnx.export(model, path, (1, 1, 6, 6), dynamic_axes={"input": {0: "N", 2: "H", 3: "W"}})
    assert "ArgMax" in ops(proto)
    rng = np.random.default_rng(0)
    run_both(model, path, [rng.normal(size=s).astype(np.float32) for s in ((1, 1, 6, 6), (3, 1, 9, 5))])


def test_argmax_and_argmin_with_nan_and_ties(tmp_path):
    """The first NaN wins, and the first of tied values, as NumPy and PyTorch (ONNX's ArgMax skips NaN)."""
    fn = lambda m, x: (x.argmax(1, keepdim=True) - x.argmin(1, keepdim=True) * 3).float() * x  # noqa: E731
    special = np.array([[1, np.nan, 3, np.nan], [5, 5, 2, 2], [-1, 0, 0, -1]], np.float32)
    export_and_compare(fn, (2, 4), tmp_path, special=[special])
    model = Forward(lambda m, x: x.argmax() + x.argmin())  # of the flattened values: a fixed batch
    dn.onnx.export(model, tmp_path / "fixed.onnx", (3, 4), dynamic_batch=False)
    run_both(model, tmp_path / "fixed.onnx", [special, special[::-1].copy()])
    torch = pytest.importorskip("torch")
    assert torch.tensor(special).argmax(1).tolist() == dn.tensor(special).argmax(1).tolist()
    assert torch.tensor(special).argmin(1).tolist() == dn.tensor(special).argmin(1).tolist()


def test_argmax_over_the_dynamic_batch_is_refused(tmp_path):
    with pytest.raises(ExportError, match="argmax over the batch axis changes axis 0.*dynamic_batch=False"):
        dn.onnx.export(Forward(lambda m, x: x.argmax(0)), tmp_path / "m.onnx", (2, 3))


@pytest.mark.parametrize(
    "layer, op",
    [
        (nn.LPPool1d(2, 3), "LpPool"),
        (nn.LPPool2d(4, (2, 3), stride=(1, 2)), "LpPool"),
        (nn.LPPool1d(3, 3), "AveragePool"),  # odd p: x^p is not |x|^p
        (nn.LPPool2d(1.5, 2), "AveragePool"),  # NaN for a negative sum, as in PyTorch
        (nn.LPPool2d(2, 2, ceil_mode=True), "AveragePool"),  # a partial window, divided by its size
        (nn.LPPool1d(-2, 2), "AveragePool"),
        (nn.LPPool1d(math.inf, 2), "MaxPool"),
        (nn.LPPool2d(-math.inf, 2), "MaxPool"),
    ],
    ids=repr,
)
def test_lp_pooling_at_any_size(layer, op, tmp_path):
    """LpPool where ONNX's |x|^p is PyTorch's x^p, else PyTorch's own formula (torch.onnx.export's
    Pow, AveragePool, Mul, Pow); the pooled axes may be dynamic."""
    shape = (2, 3, 7) if layer._dims == 1 else (2, 3, 5, 7)
    axes = {0: "N", len(shape) - 1: "W"}
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(nn.Sequential(layer), path, input_shape=shape, dynamic_axes={"input": axes})
    assert op in ops(proto)
    rng = np.random.default_rng(0)
    run_both(layer, path, [rng.normal(size=(n, *shape[1:-1], w)).astype(np.float32) for n, w in ((1, 7), (3, 11))])
    torch = pytest.importorskip("torch")
    twin = getattr(torch.nn, type(layer).__name__)(layer.norm_type, layer.kernel_size, layer.stride, layer.ceil_mode)
    theirs = ops(torch_export(twin, torch.zeros(shape)))
    if op == "AveragePool" and layer.norm_type > 0:  # the same formula (PyTorch multiplies by Sign(s) * Relu(|s|) = s)
        assert set(theirs) - {"Constant", "Sign", "Abs", "Relu"} == set(ops(proto)) - {"Identity"}


@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.PixelShuffle(2), (2, 8, 3, 5)),
        (nn.PixelShuffle(3), (1, 18, 2, 2)),
        (nn.PixelUnshuffle(2), (2, 3, 4, 6)),
        (nn.PixelUnshuffle(3), (1, 2, 6, 3)),
    ],
    ids=repr,
)
def test_pixel_shuffles_at_any_image_size(layer, shape, tmp_path):
    """PixelShuffle is DepthToSpace in mode CRD, as torch.onnx.export writes it; PixelUnshuffle is
    SpaceToDepth and a Gather of the channels into PyTorch's order (torch writes Reshape, Transpose,
    Reshape with the traced sizes)."""
    path = tmp_path / "m.onnx"
    axes = {0: "N", 2: "H", 3: "W"}
    proto = dn.onnx.export(nn.Sequential(layer), path, input_shape=shape, dynamic_axes={"input": axes})
    rng = np.random.default_rng(0)
    r = getattr(layer, "downscale_factor", 1)
    run_both(
        layer,
        path,
        [rng.normal(size=(n, shape[1], h * r, w * r)).astype(np.float32) for n, h, w in ((1, 1, 2), (3, 4, 3))],
    )
    torch = pytest.importorskip("torch")
    if isinstance(layer, nn.PixelShuffle):
        theirs = torch_export(torch.nn.PixelShuffle(layer.upscale_factor), torch.zeros(shape))
        assert ops(theirs) == ops(proto)[:1] == ["DepthToSpace"]
        assert theirs.graph.node[0].attribute == proto.graph.node[0].attribute  # blocksize, mode "CRD"
    else:
        assert ops(proto)[:2] == ["SpaceToDepth", "Gather"]


@pytest.mark.parametrize("inverse", [False, True])
def test_functional_pixel_shuffles_at_any_image_size(inverse, tmp_path):
    """F.pixel_shuffle / F.pixel_unshuffle in a forward: the layers' nodes (they had no conversion)."""
    model = Forward(lambda m, x: F.pixel_unshuffle(x, 2) if inverse else F.pixel_shuffle(x, 2))
    shape = (1, 2, 4, 6) if inverse else (1, 8, 3, 3)
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape, dynamic_axes={"input": {0: "N", 2: "H", 3: "W"}})
    assert ops(proto)[0] == ("SpaceToDepth" if inverse else "DepthToSpace")
    rng = np.random.default_rng(0)
    r = 2 if inverse else 1
    run_both(
        model,
        path,
        [rng.normal(size=(n, shape[1], h * r, w * r)).astype(np.float32) for n, h, w in ((2, 3, 1), (1, 5, 4))],
    )
    with pytest.raises(ExportError, match=r"PixelShuffle .*only 4-D inputs \(N, C, H, W\) are exported, got shape"):
        dn.onnx.export(model, tmp_path / "m3.onnx", input_shape=shape[1:], dynamic_batch=False)


@pytest.mark.parametrize(
    "fn, shape, op",
    [
        (lambda x: F.lp_pool1d(x, 2, 3), (2, 3, 7), "LpPool"),
        (lambda x: F.lp_pool2d(x, 3, 2, ceil_mode=True), (2, 3, 5, 5), "AveragePool"),
        (lambda x: F.lp_pool3d(x, math.inf, 2), (1, 2, 4, 4, 4), "MaxPool"),
    ],
)
def test_functional_lp_pooling_at_any_size(fn, shape, op, tmp_path):
    """F.lp_pool*d finds its zero-sum windows with NumPy (a constant of the trace, refused before): it is
    recorded whole, as the layers' nodes."""
    model = Forward(lambda m, x: fn(x))
    path = tmp_path / "m.onnx"
    proto = dn.onnx.export(model, path, input_shape=shape, dynamic_axes={"input": {0: "N", len(shape) - 1: "W"}})
    assert op in ops(proto)
    rng = np.random.default_rng(0)
    run_both(model, path, [rng.normal(size=(n, *shape[1:-1], w)).astype(np.float32) for n, w in ((1, 4), (3, 9))])
