r"""Multi-head attention as one function: ``torch.nn.functional.multi_head_attention_forward``.

$$
\text{out} = [\text{head}_1, \dots, \text{head}_h] \, W^{O\top} + b^O, \qquad
\text{head}_i = \text{softmax}\!\left(\frac{q_i k_i^\top}{\sqrt{E/h}} + M\right) v_i
$$

with $q = x_q W^{Q\top} + b^Q$ (and likewise $k$, $v$) cut into $h$ heads of $E/h$ features.
It follows PyTorch's function step by step (the sequence-first layout $(L, N, E)$, masks merged
into one additive $M$, ``bias_k``/``bias_v`` and a zero key appended), from differentiable ops:
the gradients are those of the ops. ``nn.MultiheadAttention`` calls it.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, cat, zeros
from deltanet.functional.activations import softmax
from deltanet.functional.attention import additive_mask, causal_mask, masked_softmax
from deltanet.functional.dropout import dropout
from deltanet.functional.linear import linear


def multi_head_attention_forward(
    query: Any,
    key: Any,
    value: Any,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Any = None,
    static_v: Any = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    r"""Multi-head attention of sequence-first inputs, PyTorch's function and signature.

    $$
    \text{out} = \left[\text{softmax}\!\left(\frac{q_i k_i^\top}{\sqrt{E/h}} + M\right) v_i\right]_{i=1}^{h}
    W^{O\top} + b^O
    $$

    In the boolean masks ``True`` means *may not attend*; float masks are added. A query with
    no key left gives NaN with ``need_weights=True`` and zeros (before the output projection)
    otherwise, as PyTorch's two code paths.

    Args:
        query: $(L, N, E)$, or unbatched $(L, E)$.
        key: $(S, N, E_k)$ or $(S, E_k)$.
        value: $(S, N, E_v)$ or $(S, E_v)$.
        embed_dim_to_check: $E$, checked against the query.
        num_heads: $h$.
        in_proj_weight: $(3E, E)$, the stacked $W^Q, W^K, W^V$ (None with separate weights).
        in_proj_bias: $(3E)$ or None.
        bias_k: $(1, 1, E)$ appended to the keys, or None.
        bias_v: $(1, 1, E)$ appended to the values, or None.
        add_zero_attn: append a key and a value of zeros.
        dropout_p: dropout on the attention weights while ``training``.
        out_proj_weight: $W^O$ of shape $(E, E)$.
        out_proj_bias: $b^O$ or None.
        training: apply dropout.
        key_padding_mask: $(N, S)$ (or $(S)$), ``True`` or $-\infty$ at padded keys.
        need_weights: also return the attention weights.
        attn_mask: $(L, S)$ or $(N h, L, S)$.
        use_separate_proj_weight: use ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``.
        q_proj_weight: $(E, E)$.
        k_proj_weight: $(E, E_k)$.
        v_proj_weight: $(E, E_v)$.
        static_k: not supported (must be None).
        static_v: not supported (must be None).
        average_attn_weights: average the returned weights over the heads.
        is_causal: a hint that ``attn_mask`` is causal; ``attn_mask`` is required. As in PyTorch,
            without ``key_padding_mask`` and with ``need_weights=False`` the given mask is not
            read: query $i$ sees keys $j \le i$ (``bias_k`` and the zero key are keys $S$ and after).

    Raises:
        ValueError: shapes that do not fit, a missing ``attn_mask`` with ``is_causal``, or
            ``static_k``/``static_v``.
        TypeError: a mask that is neither boolean nor floating-point.

    Shape:
        - output: $(L, N, E)$; weights: $(N, L, S)$, or $(N, h, L, S)$ without averaging.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> mha = dn.nn.MultiheadAttention(4, 2)
        >>> x = dn.tensor(np.ones((3, 2, 4), dtype=np.float32))
        >>> out, w = F.multi_head_attention_forward(x, x, x, 4, 2, mha.in_proj_weight, mha.in_proj_bias,
        ...     None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape
        ((3, 2, 4), (2, 3, 3))
    """
    return attend(
        "multi_head_attention_forward",
        query,
        key,
        value,
        check.integer(embed_dim_to_check, "embed_dim_to_check", "multi_head_attention_forward", low=1),
        check.integer(num_heads, "num_heads", "multi_head_attention_forward", low=1),
        (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else in_proj_weight,
        in_proj_bias,
        (bias_k, bias_v),
        add_zero_attn,
        dropout_p if training else 0.0,
        (out_proj_weight, out_proj_bias),
        key_padding_mask,
        need_weights,
        attn_mask,
        average_attn_weights,
        is_causal,
        static=(static_k, static_v),
    )


def attend(
    owner: str,
    query: Any,
    key: Any,
    value: Any,
    E: int,
    H: int,
    W_in: Any,
    b_in: Tensor | None,
    bias_kv: tuple,
    add_zero_attn: bool,
    p: float,
    out_proj: tuple,
    key_padding_mask: Any,
    need_weights: bool,
    attn_mask: Any,
    average_attn_weights: bool,
    is_causal: bool,
    static: tuple = (None, None),
    native: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """The computation of ``multi_head_attention_forward``, its errors naming ``owner``.

    Args:
        owner: the caller, for the error messages.
        query: $(L, N, E)$ or $(L, E)$.
        key: $(S, N, E_k)$ or $(S, E_k)$.
        value: $(S, N, E_v)$ or $(S, E_v)$.
        E: the embedding size.
        H: the number of heads.
        W_in: the stacked $(3E, E)$ projection, or a tuple of the three.
        b_in: the stacked bias or None.
        bias_kv: ``(bias_k, bias_v)``.
        add_zero_attn: append a zero key and value.
        p: the dropout probability (0 outside training).
        out_proj: ``(weight, bias)`` of the output projection.
        key_padding_mask: as in ``multi_head_attention_forward``.
        need_weights: return the weights.
        attn_mask: as in ``multi_head_attention_forward``.
        average_attn_weights: average the weights over the heads.
        is_causal: the hint.
        static: ``(static_k, static_v)``, which must be None.
        native: compute as PyTorch's fast path (``nn.MultiheadAttention`` decides when): a query
            with no key left gives NaN, and ``is_causal`` is no hint (``attn_mask`` is used).

    Examples:
        >>> from deltanet.functional.multi_head_attention import attend
        >>> callable(attend)
        True
    """
    if static[0] is not None or static[1] is not None:
        raise ValueError(f"{owner}: static_k and static_v are not supported; pass the keys and values as key and value")
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
    if E % H:
        raise ValueError(f"{owner}: embed_dim must be divisible by num_heads, got embed_dim={E}, num_heads={H}")
    batched = q.ndim == 3
    if not batched:
        q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
    L, N, _ = q.shape
    S = k.shape[0]
    Wq, Wk, Wv = W_in if isinstance(W_in, tuple) else (W_in[:E], W_in[E : 2 * E], W_in[2 * E :])
    kdim, vdim = Wk.shape[1], Wv.shape[1]
    if q.shape[2] != E or k.shape[2] != kdim or v.shape[2] != vdim:
        raise ValueError(
            f"{owner}: expected query, key and value of sizes {E}, {kdim}, {vdim} in their last axis, "
            f"got {q.shape[2]}, {k.shape[2]}, {v.shape[2]}"
        )
    if k.shape[:2] != v.shape[:2] or k.shape[1] != N:
        raise ValueError(
            f"{owner}: key and value must have the query's batch and the same length, got {k.shape}, {v.shape}"
        )
    W_out, b_out = out_proj
    dtype = W_out.dtype
    padding = _key_padding(owner, key_padding_mask, N, S, batched, dtype)
    need = check.flag(need_weights, "need_weights", owner)
    # PyTorch's hint: without a key_padding_mask and without weights it drops attn_mask and lets
    # scaled_dot_product_attention mask causally, over the keys with bias_k and the zero key too.
    causal_hint = bool(is_causal) and padding is None and not need and not native
    mask = None if causal_hint else _attn_mask(owner, attn_mask, L, S, N * H, dtype)

    bq, bk, bv = (None, None, None) if b_in is None else (b_in[:E], b_in[E : 2 * E], b_in[2 * E :])
    q, k, v = linear(q, Wq, bq), linear(k, Wk, bk), linear(v, Wv, bv)
    bias_k, bias_v = bias_kv
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, N, E)], 0)
        v = cat([v, bias_v.expand(1, N, E)], 0)
        mask, padding = _pad_last(mask), _pad_last(padding)
    d = E // H
    q = q.reshape(L, N * H, d).transpose(0, 1)
    k = k.reshape(k.shape[0], N * H, d).transpose(0, 1)
    v = v.reshape(v.shape[0], N * H, d).transpose(0, 1)
    if check.flag(add_zero_attn, "add_zero_attn", owner):
        k = cat([k, zeros((N * H, 1, d), dtype=k.dtype)], 1)
        v = cat([v, zeros((N * H, 1, d), dtype=v.dtype)], 1)
        mask, padding = _pad_last(mask), _pad_last(padding)
    S = k.shape[1]
    if causal_hint:
        mask = causal_mask(L, S, dtype)
    if padding is not None:
        padding = padding.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
        mask = padding if mask is None else mask + padding

    scores = (q * (1.0 / math.sqrt(d))) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + mask
    # A query with nothing to attend to: PyTorch gives NaN (and NaN gradients: softmax over -inf
    # only, which NumPy computes without a warning) where it computes the weights
    # (need_weights=True, or its native fast path), and zeros where it calls
    # scaled_dot_product_attention instead.
    weights = masked_softmax(scores, 0.0) if mask is not None and not (need or native) else softmax(scores, axis=-1)
    if p > 0:
        weights = dropout(weights, p, training=True)
    out = (weights @ v).transpose(0, 1).reshape(L * N, E)
    out = linear(out, W_out, b_out).reshape(L, N, E)
    if not batched:
        out = out.squeeze(1)
    if not need:
        return out, None
    weights = weights.reshape(N, H, L, S)
    if check.flag(average_attn_weights, "average_attn_weights", owner):
        weights = weights.mean(dim=1)
    return out, weights if batched else weights.squeeze(0)


def _key_padding(owner: str, mask: Any, N: int, S: int, batched: bool, dtype: Any) -> Tensor | None:
    m = additive_mask(mask, "key_padding_mask", owner, dtype, true_means_masked=True)
    if m is None:
        return None
    expected = (N, S) if batched else (S,)
    if m.shape != expected:
        axes = "(N, S)" if batched else "(S,)"
        raise ValueError(f"{owner}: key_padding_mask must have shape {axes} = {expected}, got {m.shape}")
    return m.reshape(N, S)


def _attn_mask(owner: str, mask: Any, L: int, S: int, NH: int, dtype: Any) -> Tensor | None:
    m = additive_mask(mask, "attn_mask", owner, dtype, true_means_masked=True)
    if m is None:
        return None
    if m.ndim == 2:
        if m.shape != (L, S):
            raise ValueError(f"{owner}: the 2-D attn_mask must have shape (L, S) = {(L, S)}, got {m.shape}")
        return m.unsqueeze(0)
    if m.ndim == 3 and m.shape == (NH, L, S):
        return m
    raise ValueError(
        f"{owner}: attn_mask must have shape (L, S) = {(L, S)} or (N * num_heads, L, S) = {(NH, L, S)}, "
        f"got {tuple(m.shape)}"
    )


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more allowed key (a zero column) at the end of an additive mask."""
    if mask is None:
        return None
    return cat([mask, zeros(mask.shape[:-1] + (1,), dtype=mask.dtype)], -1)
