"""ONNX export of attention and Transformers with a dynamic batch (in evaluation): the export follows
the batch axis through attention's transposes and reshapes; onnxruntime's outputs must equal
deltanet's to 1e-5 for batches of 1, 2 and 5, every output of a tuple."""

import pytest

import deltanet as dn
from deltanet import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from tests.onnx.test_export_recurrent import check_outputs  # noqa: E402


class Attend(nn.Module):
    def __init__(self, fn, **layers):
        super().__init__()
        self.fn = fn
        for name, layer in layers.items():
            setattr(self, name, layer)

    def forward(self, x):
        return self.fn(self, x)


def padding_mask(x):
    """A key is padding where its first feature is below -1 (the first key never is)."""
    mask = x[:, :, 0] < -1.0
    return mask & (dn.arange(x.shape[1]) > 0)


MODELS = {
    "self-attention": (
        lambda m, x: m.mha(x, x, x, need_weights=False)[0],
        dict(mha=nn.MultiheadAttention(8, 2, batch_first=True)),
    ),
    "self-attention and its weights": (
        lambda m, x: m.mha(x, x, x),
        dict(mha=nn.MultiheadAttention(8, 4, batch_first=True)),
    ),
    "weights of each head": (
        lambda m, x: m.mha(x, x, x, average_attn_weights=False),
        dict(mha=nn.MultiheadAttention(8, 2, batch_first=True, bias=False)),
    ),
    "key padding mask from the input": (
        lambda m, x: m.mha(x, x, x, key_padding_mask=padding_mask(x), need_weights=False)[0],
        dict(mha=nn.MultiheadAttention(8, 2, batch_first=True)),
    ),
    "causal mask": (
        lambda m, x: m.mha(x, x, x, attn_mask=nn.Transformer.generate_square_subsequent_mask(x.shape[1]))[0],
        dict(mha=nn.MultiheadAttention(8, 2, batch_first=True)),
    ),
    "encoder layer": (
        lambda m, x: m.layer(x),
        dict(layer=nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)),
    ),
    "pre-norm gelu encoder of two layers": (
        lambda m, x: m.encoder(x),
        dict(
            encoder=nn.TransformerEncoder(
                nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", batch_first=True, norm_first=True), 2
            )
        ),
    ),
    "encoder with a padding mask": (
        lambda m, x: m.layer(x, src_key_padding_mask=padding_mask(x)),
        dict(layer=nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)),
    ),
    "decoder layer": (
        lambda m, x: m.layer(x, 2 * x, tgt_is_causal=False),
        dict(layer=nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)),
    ),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_attention_exports_with_a_dynamic_batch(name, tmp_path):
    fn, layers = MODELS[name]
    dn.manual_seed(0)
    check_outputs(Attend(fn, **layers), (2, 5, 8), tmp_path, batches=(1, 2, 5))
