r"""The Transformer's decoder and the whole encoder-decoder (Vaswani et al. 2017), as PyTorch's.

Each decoder layer is masked self-attention over the target, attention over the encoder's output
(the *memory*) and a feed-forward network, each with a residual connection and layer norm:

$$
x \leftarrow \text{LN}_1(x + \text{SA}(x)), \qquad
x \leftarrow \text{LN}_2(x + \text{MHA}(x, m, m)), \qquad
x \leftarrow \text{LN}_3(x + \text{FF}(x))
$$

``Transformer`` joins a ``TransformerEncoder`` and a ``TransformerDecoder``, each ending in a
``LayerNorm``, with PyTorch's names, so a PyTorch ``state_dict`` loads as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor
from deltanet.nn import init
from deltanet.nn.attention import MultiheadAttention
from deltanet.nn.dropout import Dropout
from deltanet.nn.linear import Linear
from deltanet.nn.module import Module
from deltanet.nn.normalization import LayerNorm
from deltanet.nn.transformer import (
    TransformerEncoder,
    TransformerEncoderLayer,
    _device,
    _relu_or_gelu,
    activation_function,
    clones,
)


class TransformerDecoderLayer(Module):
    r"""One decoder layer: self-attention, attention over the memory, feed-forward, as PyTorch's.

    $$
    x \leftarrow \text{LN}_1(x + \text{SA}(x)), \quad
    x \leftarrow \text{LN}_2(x + \text{MHA}(x, m, m)), \quad
    x \leftarrow \text{LN}_3(x + \text{FF}(x))
    $$

    Args:
        d_model: the size of each token's vector.
        nhead: attention heads.
        dim_feedforward: the hidden size of the feed-forward network.
        dropout: dropout after each block and inside the feed-forward network.
        activation: "relu", "gelu" or a callable.
        layer_norm_eps: the $\epsilon$ of the layer norms.
        batch_first: inputs are $(N, L, E)$ instead of $(L, N, E)$.
        norm_first: pre-norm ($x \leftarrow x + \text{SA}(\text{LN}_1(x))$, ...).
        bias: learn the biases of the linear layers and layer norms.
        device: must be None or "cpu".
        dtype: float32 (default) or float64.

    Shape:
        - tgt: $(T, N, E)$ (or $(N, T, E)$ with ``batch_first``); memory: $(S, N, E)$.
        - output: like tgt.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)
        >>> tgt, memory = dn.tensor(np.ones((3, 4, 8))), dn.tensor(np.ones((3, 5, 8)))
        >>> layer(tgt, memory).shape
        (3, 4, 8)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",  # PyTorch: F.relu; the name saves with dn.save (a function cannot)
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        _device(device, owner)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = check.flag(norm_first, "norm_first", owner)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation_function(activation, owner)
        self.activation_relu_or_gelu = _relu_or_gelu(self.activation)

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x, m = as_tensor(tgt), as_tensor(memory)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), m, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, m, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
        )[0]
        return self.dropout1(out)

    def _mha_block(self, x: Tensor, m: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.multihead_attn(
            x, m, m, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
        )[0]
        return self.dropout2(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    r"""A stack of ``num_layers`` copies of a decoder layer, as ``torch.nn.TransformerDecoder``.

    $$
    x_{\ell} = \text{layer}_{\ell}(x_{\ell - 1}, m), \qquad \text{out} = \text{norm}(x_{\text{num\_layers}})
    $$

    Args:
        decoder_layer: the layer to copy.
        num_layers: how many copies.
        norm: a final layer (a ``LayerNorm``), or None.

    Shape:
        - tgt: $(T, N, E)$ (or $(N, T, E)$ with ``batch_first``); memory: $(S, N, E)$.
        - output: like tgt.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> decoder = dn.nn.TransformerDecoder(dn.nn.TransformerDecoderLayer(8, 2, 16), num_layers=2)
        >>> tgt, memory = dn.tensor(np.ones((4, 3, 8))), dn.tensor(np.ones((5, 3, 8)))
        >>> decoder(tgt, memory).shape
        (4, 3, 8)
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = clones(decoder_layer, num_layers, type(self).__name__)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        output = as_tensor(tgt)
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return self.norm(output) if self.norm is not None else output


class Transformer(Module):
    r"""The encoder-decoder Transformer, as ``torch.nn.Transformer`` (no embeddings, no output layer).

    $$
    m = \text{Encoder}(\text{src}), \qquad \text{out} = \text{Decoder}(\text{tgt}, m)
    $$

    Every weight matrix starts ``xavier_uniform_`` (PyTorch's ``_reset_parameters``).

    Args:
        d_model: the size of each token's vector.
        nhead: attention heads.
        num_encoder_layers: encoder layers.
        num_decoder_layers: decoder layers.
        dim_feedforward: the hidden size of the feed-forward networks.
        dropout: dropout in every layer.
        activation: "relu", "gelu" or a callable.
        custom_encoder: an encoder to use instead of the default one.
        custom_decoder: a decoder to use instead of the default one.
        layer_norm_eps: the $\epsilon$ of the layer norms.
        batch_first: inputs are $(N, L, E)$ instead of $(L, N, E)$.
        norm_first: pre-norm layers.
        bias: learn the biases of the linear layers and layer norms.
        device: must be None or "cpu".
        dtype: float32 (default) or float64.

    Shape:
        - src: $(S, N, E)$; tgt: $(T, N, E)$ (batch first with ``batch_first``).
        - output: $(T, N, E)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Transformer(8, 2, 1, 1, 16)
        >>> src, tgt = dn.tensor(np.ones((5, 3, 8))), dn.tensor(np.ones((4, 3, 8)))
        >>> model(src, tgt).shape
        (4, 3, 8)
        >>> dn.nn.Transformer.generate_square_subsequent_mask(2).tolist()
        [[0.0, -inf], [0.0, 0.0]]
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",  # PyTorch: F.relu; the name saves with dn.save (a function cannot)
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _device(device, type(self).__name__)
        options = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
            dtype=dtype,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **options)
            self.encoder = TransformerEncoder(
                layer, num_encoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            )
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, **options)
            self.decoder = TransformerDecoder(
                decoder_layer, num_decoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            )
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Any,
        tgt: Any,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        src, tgt = as_tensor(src), as_tensor(tgt)
        axis = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[axis] != tgt.shape[axis]:
            raise ValueError(
                f"Transformer: the batch size of src and tgt must be equal, got {src.shape} and {tgt.shape}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(
                f"Transformer: the feature size of src and tgt must be d_model={self.d_model}, "
                f"got {src.shape} and {tgt.shape}"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        r"""The causal mask of ``sz`` positions: 0 on and below the diagonal, $-\infty$ above.

        Args:
            sz: the sequence length.
            device: must be None or "cpu".
            dtype: float32 (default) or float64.

        Examples:
            >>> import deltanet as dn
            >>> dn.nn.Transformer.generate_square_subsequent_mask(3)[0].tolist()
            [0.0, -inf, -inf]
        """
        _device(device, "generate_square_subsequent_mask")
        n = check.integer(sz, "sz", "generate_square_subsequent_mask", low=0)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, "generate_square_subsequent_mask")
        return as_tensor(np.triu(np.full((n, n), -np.inf), 1).astype(dtype))
