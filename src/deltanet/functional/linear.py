"""The fully connected layer as one fused op: z = x Wᵀ + b.

Backward, with δ = dL/dz (one row per sample):
    dL/dW = δᵀ x        dL/db = Σ_rows δ        dL/dx = δ W
The last is the δ_j = h'(a_j) Σ_k w_kj δ_k of the seeds before the activation's h' is applied;
it is skipped when x needs no gradient (the data going into the first layer).
"""

from __future__ import annotations

import numpy as np

from deltanet.autograd import Function, Tensor
from deltanet.backend import sum_columns


class Linear(Function):
    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        self.save_for_backward(x, W)
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        z = x2 @ W.T
        if b is not None:
            z += b
        return z.reshape(x.shape[:-1] + (W.shape[0],)) if x.ndim != 2 else z

    def backward(self, delta: np.ndarray) -> tuple:
        x, W = self.saved_tensors
        needs = self.needs_input_grad
        d2 = delta.reshape(-1, delta.shape[-1]) if delta.ndim != 2 else delta
        gx = gW = gb = None
        if needs[0]:
            gx = (d2 @ W).reshape(x.shape)
        if needs[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gW = d2.T @ x2
        if len(needs) > 2 and needs[2]:
            gb = sum_columns(d2)  # Σ over the samples, as 1ᵀδ (faster than d2.sum(axis=0))
        return gx, gW, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map z = x Wᵀ + b, as ``torch.nn.functional.linear``.

    Args:
        x: input of shape (..., in_features).
        weight: W of shape (out_features, in_features).
        bias: b of shape (out_features,), or None.

    Shape:
        (..., in_features) -> (..., out_features)

    Example:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.ones((2, 3)))
        >>> W = dn.tensor(np.full((4, 3), 0.5))
        >>> dn.functional.linear(x, W).shape
        (2, 4)
    """
    x = x if isinstance(x, Tensor) else Tensor(x)  # arrays and lists through the dtype policy
    if x.dtype.kind != "f":
        x = Tensor(x.data.astype(weight.dtype))  # integer data computed in the weights' dtype
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: expected input with {weight.shape[1]} features in its last axis, got shape {x.shape}"
        )
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
