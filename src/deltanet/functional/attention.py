r"""Scaled dot-product attention (Vaswani et al. 2017), built from differentiable ops.

$$
\text{Attention}(Q, K, V) = \text{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right) V
$$

$M$ is an additive mask: 0 where a query may look at a key, $-\infty$ where it may not (a
boolean mask is turned into one), or any float bias. Gradients come from the ops it is made of
(``@``, ``+``, softmax, ``where``, dropout), so no backward is written here.

Masks follow PyTorch, whose two conventions are opposite: in ``scaled_dot_product_attention`` a
boolean ``True`` means *may attend*; in ``nn.MultiheadAttention`` (``attn_mask``,
``key_padding_mask``) ``True`` means *may not*. ``additive_mask`` takes the convention as an
argument so that each caller states its own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, where
from deltanet.functional.activations import softmax
from deltanet.functional.dropout import dropout


def additive_mask(mask: Any, name: str, owner: str, dtype: Any, true_means_masked: bool) -> Tensor | None:
    r"""A boolean or float mask as the additive $M$ of the scores (0 or $-\infty$, or the float values).

    Args:
        mask: None, a boolean array (see ``true_means_masked``) or a float tensor added as it is.
        name: the argument's name, for the error message.
        owner: the function or layer, for the error message.
        dtype: the scores' dtype (a boolean mask becomes this dtype).
        true_means_masked: ``True`` marks a forbidden position (MultiheadAttention) rather than an
            allowed one (scaled_dot_product_attention).

    Raises:
        TypeError: the mask is neither boolean nor floating-point, or a float mask of another
            dtype than ``dtype``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.functional.attention import additive_mask
        >>> additive_mask(np.array([True, False]), "mask", "demo", np.float32, True).tolist()
        [-inf, 0.0]
    """
    if mask is None:
        return None
    m = mask if isinstance(mask, Tensor) else as_tensor(np.asarray(mask))
    if m.dtype == np.bool_:
        # where and ~ on the tensor (not on its array): the ONNX export records them for a mask computed from the input
        masked = m if true_means_masked else ~m
        return where(masked, as_tensor(np.array(-np.inf, dtype=dtype)), as_tensor(np.array(0.0, dtype=dtype)))
    if m.dtype.kind != "f":
        raise TypeError(f"{owner}: only bool and floating types of {name} are supported, got {m.dtype}")
    if m.dtype != np.dtype(dtype):  # PyTorch refuses it too; adding it would change the result's dtype
        raise TypeError(f"{owner}: a float {name} must have the query's dtype {np.dtype(dtype)}, got {m.dtype}")
    return m


def causal_mask(L: int, S: int, dtype: Any) -> Tensor:
    r"""The additive mask of ``is_causal``: query $i$ sees keys $j \le i$ (PyTorch's top-left alignment).

    Args:
        L: number of queries.
        S: number of keys.
        dtype: the dtype of the mask.

    Examples:
        >>> from deltanet.functional.attention import causal_mask
        >>> causal_mask(2, 2, "float64").tolist()
        [[0.0, -inf], [0.0, 0.0]]
    """
    allowed = np.tril(np.ones((L, S), dtype=bool))
    return as_tensor(np.where(allowed, 0.0, -np.inf).astype(dtype))


def masked_softmax(scores: Tensor, fully_masked: float) -> Tensor:
    r"""Softmax over the last axis; a row whose scores are all $-\infty$ gives ``fully_masked``.

    PyTorch's ``scaled_dot_product_attention`` gives 0 there (its "safe softmax") with a zero
    gradient, ``nn.MultiheadAttention`` gives NaN; both without NumPy warnings here.

    Args:
        scores: the masked scores.
        fully_masked: the value of a row with nothing to attend to (0.0 or NaN).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.functional.attention import masked_softmax
        >>> masked_softmax(dn.tensor([[-np.inf, -np.inf], [0.0, 0.0]]), 0.0).tolist()
        [[0.0, 0.0], [0.5, 0.5]]
    """
    empty = np.all(np.isneginf(scores.array), axis=-1, keepdims=True)
    if not empty.any():
        return softmax(scores, axis=-1)
    weights = softmax(where(empty, 0.0, scores), axis=-1)
    return where(empty, fully_masked, weights)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    r"""Attention of each query over the keys, as ``torch.nn.functional.scaled_dot_product_attention``.

    $$
    \text{out} = \text{dropout}\!\left(\text{softmax}\!\left(s \, Q K^\top + M\right)\right) V,
    \qquad s = 1 / \sqrt{E} \text{ unless } \texttt{scale} \text{ is given}
    $$

    A boolean ``attn_mask`` is ``True`` where a query *may* attend (PyTorch's convention here,
    the opposite of ``nn.MultiheadAttention``'s); a float one is added to the scores. With
    ``is_causal`` query $i$ sees keys $j \le i$ (not with ``attn_mask``: PyTorch's documented
    error). A query that may attend to nothing gets zeros (PyTorch's safe softmax).

    Args:
        query: $Q$ of shape $(\dots, L, E)$.
        key: $K$ of shape $(\dots, S, E)$.
        value: $V$ of shape $(\dots, S, E_v)$.
        attn_mask: None, or a boolean or float mask broadcastable to $(\dots, L, S)$.
        dropout_p: probability of dropping an attention weight (applied whenever it is > 0, as
            PyTorch; pass ``dropout_p=p if self.training else 0.0``); the mask comes from
            deltanet's generator (``dn.manual_seed``), not PyTorch's.
        is_causal: apply the causal mask.
        scale: the factor $s$ of the scores (default $1/\sqrt{E}$).
        enable_gqa: grouped-query attention: key and value may have fewer heads (axis -3) than
            the query, a divisor of its number, each shared by a group of query heads.

    Raises:
        ValueError: the shapes do not fit together, ``dropout_p`` is not in $[0, 1)$, or both
            ``attn_mask`` and ``is_causal`` are given.
        TypeError: query, key and value differ in dtype, or the mask is neither boolean nor
            floating-point, or float of another dtype than the query's.

    Shape:
        - query: $(\dots, L, E)$; key: $(\dots, S, E)$; value: $(\dots, S, E_v)$.
        - output: $(\dots, L, E_v)$.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> q = dn.tensor(np.ones((1, 2, 3, 4)))
        >>> F.scaled_dot_product_attention(q, q, q, is_causal=True).shape
        (1, 2, 3, 4)
    """
    owner = "scaled_dot_product_attention"
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    for name, t in (("query", q), ("key", k), ("value", v)):
        if t.dtype.kind != "f" or t.ndim < 2:
            raise ValueError(
                f"{owner}: {name} must be a floating-point tensor of at least 2 axes, got {t.dtype} {t.shape}"
            )
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"{owner}: expected query, key and value of one dtype (as PyTorch), got {q.dtype}, {k.dtype}, {v.dtype}"
        )
    if k.shape[-1] != q.shape[-1] or v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"{owner}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got "
            f"query {q.shape}, key {k.shape}, value {v.shape}"
        )
    p = check.number(dropout_p, "dropout_p", owner, low=0.0, high=1.0, high_open=True)
    causal = check.flag(is_causal, "is_causal", owner)
    if causal and attn_mask is not None:
        raise ValueError(
            f"{owner}: attn_mask should not be set when is_causal=True (as PyTorch); combine the masks "
            f"yourself, e.g. attn_mask & torch.ones(L, S, dtype=torch.bool).tril()"
        )
    if check.flag(enable_gqa, "enable_gqa", owner):
        k, v = _share_key_heads(q, k, v, owner)
    L, S = q.shape[-2], k.shape[-2]
    # With E = 0 every score is an empty sum, 0, as PyTorch's (whose 1/sqrt(0) never multiplies).
    if scale is None:
        s = 1.0 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
    else:
        s = check.number(scale, "scale", owner)
    scores = (q @ k.transpose(-2, -1)) * s
    mask = additive_mask(attn_mask, "attn_mask", owner, scores.dtype, true_means_masked=False)
    if mask is not None:
        if not _broadcasts(mask.shape, scores.shape):
            raise ValueError(f"{owner}: attn_mask of shape {mask.shape} does not fit the scores' shape {scores.shape}")
        scores = scores + mask
    if causal:
        scores = scores + causal_mask(L, S, scores.dtype)
    weights = masked_softmax(scores, 0.0)
    if p > 0:
        weights = dropout(weights, p, training=True)
    return weights @ v


def _share_key_heads(q: Tensor, k: Tensor, v: Tensor, owner: str) -> tuple[Tensor, Tensor]:
    """Repeat the heads (axis -3) of key and value, each on its own, up to the query's."""
    if min(q.ndim, k.ndim, v.ndim) < 3:
        raise ValueError(
            f"{owner}: enable_gqa needs query, key and value with a heads axis (-3), got shapes "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    heads = q.shape[-3]
    if heads % k.shape[-3] or heads % v.shape[-3]:
        raise ValueError(
            f"{owner}: with enable_gqa the key's {k.shape[-3]} and the value's {v.shape[-3]} heads must "
            f"divide the query's {heads}"
        )
    if k.shape[-3] != heads:
        k = k.repeat_interleave(heads // k.shape[-3], dim=-3)
    if v.shape[-3] != heads:
        v = v.repeat_interleave(heads // v.shape[-3], dim=-3)
    return k, v


def _broadcasts(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False
