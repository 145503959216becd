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

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, is_grad_enabled
from deltanet.functional.multi_head_attention import attend
from deltanet.nn import init
from deltanet.nn.linear import Linear
from deltanet.nn.module import Module, Parameter

#: PyTorch's code path for the attention being called, when its caller has decided it (True: the
#: fused fast path, whose fully masked queries give NaN and which takes no ``is_causal`` hint).
_NATIVE_PATH: contextvars.ContextVar[bool | None] = contextvars.ContextVar("native_path", default=None)


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
        # PyTorch's class here is NonDynamicallyQuantizableLinear, a Linear by another name (for its
        # quantization tools); a plain Linear keeps the state_dict keys and saves with dn.save.
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
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
        native = _NATIVE_PATH.get()  # set by a TransformerEncoderLayer that takes its own fast path
        if native is None:
            native = self._native_path(query, key, value, key_padding_mask, attn_mask)
        q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
        turn = self.batch_first and q.ndim == 3  # PyTorch computes in (L, N, E)
        if turn:
            q, k, v = (t.transpose(0, 1) if t.ndim == 3 else t for t in (q, k, v))
        W = self.in_proj_weight
        out, weights = attend(
            "MultiheadAttention",
            q,
            k,
            v,
            self.embed_dim,
            self.num_heads,
            W if W is not None else (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight),
            self.in_proj_bias,
            (self.bias_k, self.bias_v),
            self.add_zero_attn,
            self.dropout if self.training else 0.0,
            (self.out_proj.weight, self.out_proj.bias),
            key_padding_mask,
            need_weights,
            attn_mask,
            average_attn_weights,
            is_causal,
            native=native,
        )
        return (out.transpose(0, 1) if turn else out), weights

    def _native_path(self, query: Any, key: Any, value: Any, key_padding_mask: Any, attn_mask: Any) -> bool:
        """Whether PyTorch takes its fast path (``_native_multi_head_attention``) for this call.

        Its results differ in two ways only: a query with no key left gives NaN even with
        ``need_weights=False``, and ``is_causal`` is not a hint there (the mask given is used).
        """
        if any(
            m is not None and np.asarray(getattr(m, "array", m)).dtype.kind == "f"
            for m in (key_padding_mask, attn_mask)
        ):
            return False
        if not (query is key and key is value and isinstance(query, Tensor) and query.ndim == 3):
            return False
        W, b = self.in_proj_weight, self.in_proj_bias
        if W is None or b is None or query.dtype != W.dtype or query.dtype != b.dtype:
            return False
        if self.training or self.num_heads % 2 or not self.batch_first or self.bias_k is not None:
            return False
        if self.add_zero_attn or not self._qkv_same_embed_dim:
            return False
        tensors = (query, W, b, self.out_proj.weight, self.out_proj.bias)
        return not (is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors))

    def extra_repr(self) -> str:
        return ""


class SDPBackend(enum.IntEnum):
    """The kernels of ``torch.nn.attention.SDPBackend``; deltanet has one, NumPy's, for all of them.

    Examples:
        >>> from deltanet.nn.attention import SDPBackend
        >>> SDPBackend.MATH
        <SDPBackend.MATH: 0>
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextmanager
def sdpa_kernel(backends: Any, set_priority: bool = False) -> Iterator[None]:
    """``torch.nn.attention.sdpa_kernel``: accepted and checked; every backend computes the same here.

    PyTorch picks among fused kernels of ``scaled_dot_product_attention``; deltanet computes it
    one way (the math of the "MATH" backend), so the choice changes nothing.

    Args:
        backends: an ``SDPBackend`` or a list of them.
        set_priority: PyTorch's ordering flag; ignored.

    Raises:
        TypeError: ``backends`` holds something other than ``SDPBackend`` members.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.nn.functional as F
        >>> from deltanet.nn.attention import SDPBackend, sdpa_kernel
        >>> q = dn.tensor(np.ones((1, 2, 4)))
        >>> with sdpa_kernel(SDPBackend.MATH):
        ...     F.scaled_dot_product_attention(q, q, q).shape
        (1, 2, 4)
    """
    items = backends if isinstance(backends, (list, tuple, set)) else [backends]
    for item in items:
        if not isinstance(item, SDPBackend):
            raise TypeError(
                f"sdpa_kernel: backends must be an SDPBackend or a list of them, got {type(item).__name__} {item!r}"
            )
    check.flag(set_priority, "set_priority", "sdpa_kernel")
    yield
