r"""The Transformer's encoder (Vaswani et al. 2017): ``TransformerEncoderLayer`` and ``TransformerEncoder``.

Each layer is self-attention and a position-wise feed-forward network, each with a residual
connection and layer normalization, after it (post-norm, the paper's and PyTorch's default):

$$
x \leftarrow \text{LN}_1(x + \text{SA}(x)), \qquad
x \leftarrow \text{LN}_2\big(x + W_2 \, \text{dropout}(h(W_1 x + b_1)) + b_2\big)
$$

or before it with ``norm_first`` ($x \leftarrow x + \text{SA}(\text{LN}_1(x))$, ...). Names,
shapes, defaults and submodules are PyTorch's, so a PyTorch ``state_dict`` loads as it is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, is_grad_enabled, where
from deltanet.functional.activations import gelu, relu
from deltanet.functional.attention import additive_mask
from deltanet.nn import functional as F
from deltanet.nn.activation import GELU, ReLU
from deltanet.nn.attention import _NATIVE_PATH, MultiheadAttention
from deltanet.nn.containers import ModuleList
from deltanet.nn.dropout import Dropout
from deltanet.nn.linear import Linear
from deltanet.nn.module import Module
from deltanet.nn.normalization import LayerNorm


def activation_function(activation: Any, owner: str) -> Callable[[Tensor], Tensor]:
    """``activation`` of a Transformer layer: "relu", "gelu", or any callable (a module too).

    Args:
        activation: the name or the callable.
        owner: the layer, for the error message.

    Raises:
        ValueError: an unknown name or a value that is not callable.

    Examples:
        >>> from deltanet.nn.transformer import activation_function
        >>> activation_function("gelu", "demo").__name__
        'gelu'
    """
    if isinstance(activation, str):
        functions = {"relu": relu, "gelu": gelu}
        if activation not in functions:
            raise ValueError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
        return functions[activation]
    if not callable(activation):
        raise ValueError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


def _relu_or_gelu(activation: Any) -> bool:
    return activation in (relu, gelu, F.relu, F.gelu) or isinstance(activation, (ReLU, GELU))


def _has_forward_hooks(module: Module) -> bool:
    table = module.__dict__.get("_hooks")
    return bool(table and (table["forward"] or table["forward_pre"]))


def _device(device: Any, owner: str) -> None:
    if device not in (None, "cpu"):
        raise ValueError(f"{owner}: deltanet runs on the CPU only; device must be None or 'cpu', got {device!r}")


class TransformerEncoderLayer(Module):
    r"""One encoder layer: self-attention and a feed-forward network, as ``torch.nn.TransformerEncoderLayer``.

    $$
    x \leftarrow \text{LN}_1(x + \text{SA}(x)), \qquad
    x \leftarrow \text{LN}_2(x + \text{FF}(x)), \qquad
    \text{FF}(x) = W_2 \, h(W_1 x + b_1) + b_2
    $$

    Args:
        d_model: the size of each token's vector.
        nhead: attention heads (``d_model`` divisible by it).
        dim_feedforward: the hidden size of the feed-forward network.
        dropout: dropout after attention, inside and after the feed-forward network.
        activation: $h$: "relu", "gelu" or a callable (``F.gelu``, ``nn.GELU()``, ...).
        layer_norm_eps: the $\epsilon$ of both layer norms.
        batch_first: inputs are $(N, L, E)$ instead of $(L, N, E)$.
        norm_first: normalize before attention and feed-forward (pre-norm).
        bias: learn the biases of the linear layers and layer norms.
        device: must be None or "cpu".
        dtype: float32 (default) or float64.

    Shape:
        - src: $(L, N, E)$, $(N, L, E)$ with ``batch_first``, or unbatched $(L, E)$.
        - src_mask: $(L, L)$ or $(N h, L, L)$; src_key_padding_mask: $(N, L)$ (``True``: padding).
        - output: like src.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
        >>> layer(dn.tensor(np.ones((3, 5, 8), dtype=np.float32))).shape
        (3, 5, 8)
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
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = check.flag(norm_first, "norm_first", owner)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation_function(activation, owner)
        self.activation_relu_or_gelu = _relu_or_gelu(self.activation)

    def forward(
        self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        x = as_tensor(src)
        native = self._native_path(x)
        if not native:
            # PyTorch's slow path hands the attention float masks (its _canonical_mask), which keep
            # MultiheadAttention off its own fast path.
            src_mask = additive_mask(src_mask, "attn_mask", "MultiheadAttention", x.dtype, true_means_masked=True)
            src_key_padding_mask = additive_mask(
                src_key_padding_mask, "key_padding_mask", "MultiheadAttention", x.dtype, true_means_masked=True
            )
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal, native)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal, native))
        return self.norm2(x + self._ff_block(x))

    def _native_path(self, x: Tensor) -> bool:
        """Whether PyTorch runs this call as one fused kernel (``_transformer_encoder_layer_fwd``):
        there a query with no key left gives NaN, and ``is_causal`` is no hint (the mask is used)."""
        attention = self.self_attn
        if self.training or x.ndim != 3 or not attention.batch_first or attention.in_proj_bias is None:
            return False
        if not attention._qkv_same_embed_dim or not self.activation_relu_or_gelu or attention.num_heads % 2:
            return False
        if self.norm1.eps != self.norm2.eps or any(_has_forward_hooks(m) for m in self.modules()):
            return False
        tensors = [
            x,
            *(p for m in (attention, self.norm1, self.norm2, self.linear1, self.linear2) for p in m.parameters()),
        ]
        return not (is_grad_enabled() and any(t.requires_grad for t in tensors))

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool, native: bool) -> Tensor:
        token = _NATIVE_PATH.set(native)
        try:
            out = self.self_attn(
                x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
            )[0]
        finally:
            _NATIVE_PATH.reset(token)
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def clones(module: Module, n: int, owner: str) -> ModuleList:
    """``n`` independent deep copies of ``module`` (PyTorch's ``_get_clones``).

    Args:
        module: the layer to copy.
        n: how many copies (at least 1).
        owner: the container, for the error message.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.transformer import clones
        >>> len(clones(dn.nn.Linear(2, 2), 3, "demo"))
        3
    """
    check.integer(n, "num_layers", owner, low=1)
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    r"""A stack of ``num_layers`` copies of an encoder layer, as ``torch.nn.TransformerEncoder``.

    $$
    x_{\ell} = \text{layer}_{\ell}(x_{\ell - 1}), \qquad \text{out} = \text{norm}(x_{\text{num\_layers}})
    $$

    PyTorch's fast path is reproduced where it changes results: in evaluation mode, without
    gradients, with a left-aligned ``src_key_padding_mask`` and a ``batch_first`` post-norm layer
    (``enable_nested_tensor``), PyTorch computes on nested tensors and returns zeros at the
    padded positions (before ``norm``); so does this class.

    Args:
        encoder_layer: the layer to copy (a ``TransformerEncoderLayer``, or any module called
            as ``layer(x, src_mask=, is_causal=, src_key_padding_mask=)``).
        num_layers: how many copies.
        norm: a final layer (a ``LayerNorm``), or None.
        enable_nested_tensor: allow the nested-tensor path above (results only; no speed-up).
        mask_check: check that the padding is left-aligned before taking that path.

    Shape:
        - src: as the layer's; mask: $(L, L)$ or $(N h, L, L)$; src_key_padding_mask: $(N, L)$.
        - output: like src.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        >>> encoder = dn.nn.TransformerEncoder(layer, num_layers=2)
        >>> encoder(dn.tensor(np.ones((3, 5, 8), dtype=np.float32))).shape
        (3, 5, 8)
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.layers = clones(encoder_layer, num_layers, owner)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = check.flag(enable_nested_tensor, "enable_nested_tensor", owner)
        self.use_nested_tensor = self.enable_nested_tensor and _nested_ready(encoder_layer)
        self.mask_check = check.flag(mask_check, "mask_check", owner)

    def forward(
        self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
    ) -> Tensor:
        output = as_tensor(src)
        padded = self._nested_padding(output, mask, src_key_padding_mask)
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=bool(is_causal), src_key_padding_mask=src_key_padding_mask)
        if padded is not None:
            output = where(padded[..., None], 0.0, output)
        return self.norm(output) if self.norm is not None else output

    def _nested_padding(self, src: Tensor, mask: Any, key_padding_mask: Any) -> np.ndarray | None:
        """The padded positions PyTorch's nested-tensor path zeroes, or None where it is not taken."""
        if not self.use_nested_tensor or self.layers[0].training or src.ndim != 3:
            return None
        if key_padding_mask is None or mask is not None:
            return None
        if is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in self.layers[0].parameters())):
            return None
        padded = np.asarray(key_padding_mask.array if isinstance(key_padding_mask, Tensor) else key_padding_mask)
        if padded.dtype != np.bool_:
            padded = padded != 0  # PyTorch's float masks: -inf (or any nonzero) marks padding
        if self.mask_check and np.any(padded[:, :-1] & ~padded[:, 1:]):
            return None  # not left-aligned: PyTorch keeps the padded tensor
        return padded


def _nested_ready(layer: Module) -> bool:
    """PyTorch's conditions on the layer for ``use_nested_tensor`` (TransformerEncoder.__init__)."""
    if not isinstance(layer, TransformerEncoderLayer) or layer.norm_first:
        return False
    attention = layer.self_attn
    return bool(
        attention.batch_first
        and attention._qkv_same_embed_dim
        and attention.in_proj_bias is not None
        and layer.activation_relu_or_gelu
        and layer.norm1.eps == layer.norm2.eps
        and attention.num_heads % 2 == 0
    )
