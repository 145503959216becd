r"""``MultiheadAttention``: $h$ attention heads over learned projections (Vaswani et al. 2017).

$$
\text{MultiHead}(Q, K, V) = [\text{head}_1, \dots, \text{head}_h] \, W^O, \qquad
\text{head}_i = \text{softmax}\!\left(\frac{Q W_i^Q (K W_i^K)^\top}{\sqrt{d_k}} + M\right) V W_i^V
$$

The parameters carry PyTorch's names and shapes, so that a PyTorch ``state_dict`` loads:
``in_proj_weight`` $(3E, E)$ stacks $W^Q, W^K, W^V$ (or ``q_proj_weight``, ``k_proj_weight``,
``v_proj_weight`` when ``kdim``/``vdim`` differ from ``embed_dim``), ``in_proj_bias`` $(3E)$,
``out_proj`` a ``Linear(E, E)``, and ``bias_k``/``bias_v`` $(1, 1, E)$ with ``add_bias_kv``.
The forward follows ``torch.nn.functional.multi_head_attention_forward`` step by step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, cat, zeros
from deltanet.functional.activations import softmax
from deltanet.functional.attention import additive_mask, masked_softmax
from deltanet.functional.dropout import dropout
from deltanet.functional.linear import linear
from deltanet.nn import init
from deltanet.nn.linear import Linear
from deltanet.nn.module import Module, Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's name of ``MultiheadAttention.out_proj``: a ``Linear`` (the name only shows in the repr).

    Args:
        in_features: inputs per sample.
        out_features: outputs per sample.
        bias: whether to learn the bias.
        dtype: float32 (default) or float64.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.MultiheadAttention(4, 2).out_proj
        NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__(in_features, out_features, bias=bias, dtype=dtype)


class MultiheadAttention(Module):
    r"""Multi-head attention, as ``torch.nn.MultiheadAttention`` (see the module docstring).

    $$
    \text{out} = \left[\text{softmax}\!\left(\frac{q_i k_i^\top}{\sqrt{E/h}} + M\right) v_i\right]_{i=1}^{h}
    W^{O\top} + b^O
    $$

    Masks follow PyTorch: in a boolean ``attn_mask`` or ``key_padding_mask`` ``True`` means the
    position may NOT be attended to; a float mask is added to the scores. A query with no key
    left gives NaN with ``need_weights=True`` and attends to nothing (zeros before ``out_proj``)
    with ``need_weights=False``, as PyTorch's two code paths do. Initialization is PyTorch's:
    ``xavier_uniform_`` projections, zero biases, ``xavier_normal_`` for ``bias_k``/``bias_v``.

    Args:
        embed_dim: $E$, the size of each query (and of the output).
        num_heads: $h$; $E$ must be divisible by it.
        dropout: dropout on the attention weights while training.
        bias: learn the input and output projections' biases.
        add_bias_kv: append a learned key and value to the sequences.
        add_zero_attn: append a key and value of zeros to the sequences.
        kdim: the size of each key (default $E$).
        vdim: the size of each value (default $E$).
        batch_first: inputs and outputs are $(N, L, E)$ instead of $(L, N, E)$.
        device: must be None or "cpu".
        dtype: float32 (default) or float64.

    Shape:
        - query: $(L, N, E)$, or $(N, L, E)$ with ``batch_first``, or unbatched $(L, E)$.
        - key: $(S, N, E_k)$; value: $(S, N, E_v)$ (likewise).
        - key_padding_mask: $(N, S)$ (or $(S)$ unbatched); attn_mask: $(L, S)$ or $(N h, L, S)$.
        - output: like query; weights $(N, L, S)$ averaged over heads, else $(N, h, L, S)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> mha = dn.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = dn.tensor(np.ones((3, 5, 8), dtype=np.float32))
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        ((3, 5, 8), (3, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "MultiheadAttention"
        if device not in (None, "cpu"):
            raise ValueError(f"{owner}: deltanet runs on the CPU only; device must be None or 'cpu', got {device!r}")
        self.embed_dim = check.integer(embed_dim, "embed_dim", owner, low=1)
        self.num_heads = check.integer(num_heads, "num_heads", owner, low=1)
        if embed_dim % num_heads:
            raise ValueError(
                f"{owner}: embed_dim must be divisible by num_heads, got embed_dim={embed_dim}, num_heads={num_heads}"
            )
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else check.integer(kdim, "kdim", owner, low=1)
        self.vdim = embed_dim if vdim is None else check.integer(vdim, "vdim", owner, low=1)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout = check.number(dropout, "dropout", owner, low=0.0, high=1.0, high_open=True)
        self.batch_first = check.flag(batch_first, "batch_first", owner)
        self.add_zero_attn = check.flag(add_zero_attn, "add_zero_attn", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        E = embed_dim
        self.in_proj_weight: Parameter | None
        self.q_proj_weight: Parameter | None
        self.k_proj_weight: Parameter | None
        self.v_proj_weight: Parameter | None
        self.bias_k: Parameter | None
        self.bias_v: Parameter | None
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(np.empty((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype=dtype))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(np.empty(3 * E, dtype=dtype)) if check.flag(bias, "bias", owner) else None
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bias=bias, dtype=dtype)
        if check.flag(add_bias_kv, "add_bias_kv", owner):
            self.bias_k = Parameter(np.empty((1, 1, E), dtype=dtype))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        for b in (self.in_proj_bias, self.out_proj.bias):
            if b is not None:
                init.zeros_(b)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        owner = "MultiheadAttention"
        q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise ValueError(
                f"{owner}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got "
                f"{q.shape}, {k.shape}, {v.shape}"
            )
        if check.flag(is_causal, "is_causal", owner) and attn_mask is None:
            raise ValueError(
                f"{owner}: is_causal is a hint that attn_mask is causal and needs attn_mask; create it with "
                f"nn.Transformer.generate_square_subsequent_mask(L)"
            )
        batched = q.ndim == 3
        if batched and self.batch_first:  # the computation below is PyTorch's, in (L, N, E)
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        if not batched:
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
        L, N, E = q.shape
        S = k.shape[0]
        if E != self.embed_dim or k.shape[2] != self.kdim or v.shape[2] != self.vdim:
            raise ValueError(
                f"{owner}: expected query, key and value of sizes {self.embed_dim}, {self.kdim}, {self.vdim} "
                f"in their last axis, got {q.shape[2]}, {k.shape[2]}, {v.shape[2]}"
            )
        if k.shape[:2] != v.shape[:2] or k.shape[1] != N:
            raise ValueError(
                f"{owner}: key and value must have the query's batch and the same length, got {k.shape}, {v.shape}"
            )
        dtype = self.out_proj.weight.dtype
        padding = self._key_padding(key_padding_mask, N, S, batched, dtype)
        mask = self._attn_mask(attn_mask, L, S, N, dtype)

        q, k, v = self._project(q, k, v)
        if self.bias_k is not None and self.bias_v is not None:
            k = cat([k, self.bias_k.expand(1, N, E)], 0)
            v = cat([v, self.bias_v.expand(1, N, E)], 0)
            mask, padding = _pad_last(mask), _pad_last(padding)
        H, d = self.num_heads, self.head_dim
        q = q.reshape(L, N * H, d).transpose(0, 1)
        k = k.reshape(k.shape[0], N * H, d).transpose(0, 1)
        v = v.reshape(v.shape[0], N * H, d).transpose(0, 1)
        if self.add_zero_attn:
            k = cat([k, zeros((N * H, 1, d), dtype=k.dtype)], 1)
            v = cat([v, zeros((N * H, 1, d), dtype=v.dtype)], 1)
            mask, padding = _pad_last(mask), _pad_last(padding)
        S = k.shape[1]
        if padding is not None:
            padding = padding.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
            mask = padding if mask is None else mask + padding

        scores = (q * (1.0 / math.sqrt(d))) @ k.transpose(-2, -1)
        if mask is not None:
            scores = scores + mask
        # A query with nothing to attend to: PyTorch gives NaN (and NaN gradients: softmax over
        # -inf only, which NumPy computes without a warning) where it computes the weights
        # (need_weights=True), and zeros where it calls scaled_dot_product_attention instead.
        need = check.flag(need_weights, "need_weights", owner)
        weights = masked_softmax(scores, 0.0) if mask is not None and not need else softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = dropout(weights, self.dropout, training=True)
        out = (weights @ v).transpose(0, 1).reshape(L * N, E)
        out = linear(out, self.out_proj.weight, self.out_proj.bias).reshape(L, N, E)
        if batched and self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(1)
        if not need:
            return out, None
        weights = weights.reshape(N, H, L, S)
        if check.flag(average_attn_weights, "average_attn_weights", owner):
            weights = weights.mean(dim=1)
        return out, weights if batched else weights.squeeze(0)

    def _project(self, q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E : 2 * E], b[2 * E :])
        W = self.in_proj_weight
        if W is not None:
            Wq, Wk, Wv = W[:E], W[E : 2 * E], W[2 * E :]
        else:
            Wq, Wk, Wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight  # type: ignore[assignment]
        return linear(q, Wq, bq), linear(k, Wk, bk), linear(v, Wv, bv)

    def _key_padding(self, mask: Any, N: int, S: int, batched: bool, dtype: Any) -> Tensor | None:
        m = additive_mask(mask, "key_padding_mask", "MultiheadAttention", dtype, true_means_masked=True)
        if m is None:
            return None
        expected = (N, S) if batched else (S,)
        if m.shape != expected:
            axes = "(N, S)" if batched else "(S,)"
            raise ValueError(f"MultiheadAttention: key_padding_mask must have shape {axes} = {expected}, got {m.shape}")
        return m.reshape(N, S)

    def _attn_mask(self, mask: Any, L: int, S: int, N: int, dtype: Any) -> Tensor | None:
        m = additive_mask(mask, "attn_mask", "MultiheadAttention", dtype, true_means_masked=True)
        if m is None:
            return None
        if m.ndim == 2:
            if m.shape != (L, S):
                raise ValueError(
                    f"MultiheadAttention: the 2-D attn_mask must have shape (L, S) = {(L, S)}, got {m.shape}"
                )
            return m.unsqueeze(0)
        if m.ndim == 3 and m.shape == (N * self.num_heads, L, S):
            return m
        raise ValueError(
            f"MultiheadAttention: attn_mask must have shape (L, S) = {(L, S)} or (N * num_heads, L, S) = "
            f"{(N * self.num_heads, L, S)}, got {tuple(m.shape)}"
        )

    def extra_repr(self) -> str:
        return ""


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more allowed key (a zero column) at the end of an additive mask."""
    if mask is None:
        return None
    return cat([mask, zeros(mask.shape[:-1] + (1,), dtype=mask.dtype)], -1)
