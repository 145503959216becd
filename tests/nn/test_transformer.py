"""Transformer layers: PyTorch's names, reprs and state_dict keys, parity of outputs and gradients
with PyTorch for each option (weights copied from PyTorch), PyTorch's nested-tensor results in
evaluation, gradcheck in float64, and the errors."""

import warnings

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn

PADDING = np.array([[False] * 4 + [True], [False] * 5, [False] * 2 + [True] * 3])


def torch_or_skip():
    torch = pytest.importorskip("torch")
    warnings.filterwarnings("ignore", message="enable_nested_tensor is True", category=UserWarning)
    warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors", category=UserWarning)
    return torch


def copy_weights(theirs, ours):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def assert_grads_match(theirs, ours):
    ours_p = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_p[name].grad.data, p.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)


LAYERS = {
    "default": ({}, {}),
    "batch_first": ({"batch_first": True}, {"batch_first": True}),
    "norm_first": ({"batch_first": True, "norm_first": True}, {"batch_first": True, "norm_first": True}),
    "gelu_name": ({"activation": "gelu"}, {"activation": "gelu"}),
    "gelu_module": ("GELU", "GELU"),
    "gelu_function": ("F.gelu", "F.gelu"),
    "no_bias": ({"bias": False, "layer_norm_eps": 1e-3}, {"bias": False, "layer_norm_eps": 1e-3}),
}


def layer_options(torch, name):
    theirs, ours = LAYERS[name]
    if theirs == "GELU":
        return {"activation": torch.nn.GELU()}, {"activation": nn.GELU()}
    if theirs == "F.gelu":
        return {"activation": torch.nn.functional.gelu}, {"activation": F.gelu}
    return theirs, ours


@pytest.mark.parametrize("layer", list(LAYERS))
@pytest.mark.parametrize("call", ["plain", "key_padding", "float_mask", "causal"])
def test_encoder_matches_pytorch(layer, call):
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    t_opts, d_opts = layer_options(torch, layer)
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64, **t_opts)
    theirs = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(8, dtype=torch.float64))
    d_layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype="float64", **d_opts)
    ours = nn.TransformerEncoder(d_layer, 2, norm=nn.LayerNorm(8, dtype="float64"))
    copy_weights(theirs, ours)
    assert repr(ours) == repr(theirs).replace("NonDynamicallyQuantizableLinear", "Linear")  # see test_attention
    x = rng.normal(size=(3, 5, 8) if t_opts.get("batch_first") else (5, 3, 8))
    kwargs = {
        "plain": {},
        "key_padding": {"src_key_padding_mask": PADDING},
        "float_mask": {"mask": rng.normal(size=(5, 5))},
        "causal": {"mask": np.triu(np.full((5, 5), -np.inf), 1), "is_causal": True},
    }[call]
    ox, tx = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ours(ox, **kwargs)
    t_out = theirs(tx, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-11)
    (out**2).sum().backward()
    (t_out**2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-8, atol=1e-11)
    assert_grads_match(theirs, ours)


@pytest.mark.parametrize("padding", ["left_aligned", "not_left_aligned", "float"])
@pytest.mark.parametrize("mode", ["eval_no_grad", "eval_grad", "train_no_grad"])
def test_nested_tensor_path_in_evaluation(padding, mode):
    torch = torch_or_skip()
    rng = np.random.default_rng(1)
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2)
    copy_weights(theirs, ours)
    float_mask = np.where(PADDING, -np.inf, 0.0).astype(np.float32)
    mask = {"left_aligned": PADDING, "not_left_aligned": PADDING[:, ::-1].copy(), "float": float_mask}[padding]
    x = rng.normal(size=(3, 5, 8)).astype(np.float32)
    if mode != "train_no_grad":
        theirs.eval()
        ours.eval()
    with torch.set_grad_enabled(mode == "eval_grad"), dn.set_grad_enabled(mode == "eval_grad"):
        t_out = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(mask))
        out = ours(dn.tensor(x), src_key_padding_mask=mask)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    zeroed = mode == "eval_no_grad" and padding != "not_left_aligned"
    assert (np.abs(out.data[2, 2:]).sum() == 0) == zeroed


def test_decoder_and_transformer_match_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(2)
    for batch_first, norm_first in ((False, False), (True, True)):
        torch.manual_seed(0)
        options = {"dropout": 0.0, "batch_first": batch_first, "norm_first": norm_first}
        theirs = torch.nn.Transformer(8, 2, 2, 2, 16, dtype=torch.float64, **options)
        ours = nn.Transformer(8, 2, 2, 2, 16, dtype="float64", **options)
        copy_weights(theirs, ours)
        assert repr(ours) == repr(theirs).replace("NonDynamicallyQuantizableLinear", "Linear")  # see test_attention
        src = rng.normal(size=(3, 5, 8) if batch_first else (5, 3, 8))
        tgt = rng.normal(size=(3, 4, 8) if batch_first else (4, 3, 8))
        t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
        mask = nn.Transformer.generate_square_subsequent_mask(4, dtype="float64")
        np.testing.assert_array_equal(mask.data, t_mask.numpy())
        padding = torch.tensor(PADDING)
        os, ts = dn.tensor(src, requires_grad=True), torch.tensor(src, requires_grad=True)
        out = ours(os, dn.tensor(tgt), tgt_mask=mask, src_key_padding_mask=PADDING, memory_key_padding_mask=PADDING)
        t_out = theirs(
            ts, torch.tensor(tgt), tgt_mask=t_mask, src_key_padding_mask=padding, memory_key_padding_mask=padding
        )
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-11)
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_allclose(os.grad.data, ts.grad.numpy(), rtol=1e-8, atol=1e-11)
        assert_grads_match(theirs, ours)


def test_default_initialization():
    layer = nn.TransformerEncoderLayer(8, 2)
    assert layer.linear1.weight.shape == (2048, 8) and layer.dropout.p == 0.1
    assert not layer.self_attn.in_proj_bias.data.any()
    model = nn.Transformer(8, 2, 1, 1, 16)
    bound = np.sqrt(6 / (16 + 8))  # xavier_uniform_ on every matrix, linear1 included
    assert np.abs(model.encoder.layers[0].linear1.weight.data).max() <= bound


def test_layers_are_independent_copies():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2)
    first, second = encoder.layers
    assert first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.data, second.linear1.weight.data)


def test_gradcheck():
    rng = np.random.default_rng(3)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True, dtype="float64")
    x = dn.tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype="float64")
    assert dn.gradcheck(lambda x, *p: layer(x, src_mask=mask).sum(), [x, *layer.parameters()])


def test_errors():
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable, got 'tanh'"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerDecoderLayer(6, 4)
    with pytest.raises(ValueError, match="num_layers must be"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), 0)
    with pytest.raises(ValueError, match="device must be None or 'cpu'"):
        nn.TransformerEncoderLayer(4, 2, device="cuda")
    model = nn.Transformer(4, 2, 1, 1, 8, batch_first=True)
    src = dn.tensor(np.ones((2, 3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="the batch size of src and tgt must be equal"):
        model(src, dn.tensor(np.ones((3, 3, 4), dtype=np.float32)))
    with pytest.raises(ValueError, match="the feature size of src and tgt must be d_model=4"):
        model(src, dn.tensor(np.ones((2, 3, 5), dtype=np.float32)))
    with pytest.raises(ValueError, match="is_causal is a hint that attn_mask is causal and needs attn_mask"):
        model.encoder(src, is_causal=True)


def test_onnx_export_is_traced_through_with_a_dynamic_batch(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, batch_first=True), 1)
    # Attention runs sequence-first inside: the export follows the batch axis through its transposes and reshapes.
    for dynamic, batches in ((True, (1, 2, 5)), (False, (2,))):
        path = tmp_path / "encoder.onnx"
        dn.onnx.export(encoder, path, input_shape=(2, 3, 4), dynamic_batch=dynamic)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        encoder.eval()
        for n in batches:
            x = np.random.default_rng(n).normal(size=(n, 3, 4)).astype(np.float32)
            (got,) = session.run(None, {"input": x})
            np.testing.assert_allclose(got, encoder(dn.tensor(x)).data, rtol=1e-5, atol=1e-5)
    # Sequence first, the input's axis 0 (the dynamic one) is the length, which attention multiplies by itself.
    seq_first = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 1)
    with pytest.raises(dn.onnx.ExportError, match=r"MatMul in the forward of 'layers.0.self_attn': a matrix product"):
        dn.onnx.export(seq_first, tmp_path / "unused.onnx", input_shape=(3, 2, 4))
