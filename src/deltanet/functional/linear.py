r"""The fully connected layer as one fused op: $z = x W^\top + b$.

Backward, with $\delta = \partial L / \partial z$ (one row per sample):

$$
\frac{\partial L}{\partial W} = \delta^\top x, \qquad
\frac{\partial L}{\partial b} = \sum_n \delta_n, \qquad
\frac{\partial L}{\partial x} = \delta \, W
$$

The last is the seeds' $\delta_j = h'(z_j) \sum_k w_{kj} \delta_k$ before the previous layer's
$h'$ is applied; it is skipped when $x$ needs no gradient (the data going into the first layer).
"""

from __future__ import annotations

import numpy as np

from deltanet.autograd import Function, Tensor
from deltanet.backend import sum_columns


class Linear(Function):
    r"""$z = x W^\top + b$ for $x$ of shape $(\dots, \text{in})$ (see the module docstring for backward)."""

    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        # Only what backward needs, as PyTorch: W for dL/dx, x for dL/dW. An optimizer step changes W
        # in place, and a graph kept across it stays usable where W was not saved (a first layer).
        needs = self.needs_input_grad
        self.save_for_backward(x if needs[1] else None, W if needs[0] else None)
        if x.ndim == 2:
            z = x @ W.T
            if b is not None:
                z += b
            return z
        self.x_shape = x.shape
        z = x.reshape(-1, x.shape[-1]) @ W.T
        if b is not None:
            z += b
        return z.reshape(x.shape[:-1] + (W.shape[0],))

    def backward(self, delta: np.ndarray) -> tuple:
        x, W = self.saved_tensors
        needs = self.needs_input_grad
        d2 = delta.reshape(-1, delta.shape[-1]) if delta.ndim != 2 else delta
        gx = gW = gb = None
        if needs[0]:
            gx = d2 @ W
            if delta.ndim != 2:
                gx = gx.reshape(self.x_shape)
        if needs[1]:
            gW = d2.T @ (x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x)
        if len(needs) > 2 and needs[2]:
            gb = sum_columns(d2)  # the sum over the samples, as ones @ delta (faster than d2.sum(axis=0))
        return gx, gW, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Affine map $z = x W^\top + b$, as ``torch.nn.functional.linear``.

    $$
    z_{nj} = \sum_i x_{ni} W_{ji} + b_j
    $$

    Args:
        x: input of shape (..., in_features); integer data is computed in the weight's dtype.
        weight: $W$ of shape (out_features, in_features).
        bias: $b$ of shape (out_features,), or None.

    Raises:
        ValueError: the last axis of ``x`` is not in_features long.

    Shape:
        - input: $(*, H_{in})$ with $H_{in}$ = in_features.
        - weight: $(H_{out}, H_{in})$; bias: $(H_{out})$.
        - output: $(*, H_{out})$ with $H_{out}$ = out_features.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.ones((2, 3)))
        >>> W = dn.tensor(np.full((4, 3), 0.5))
        >>> dn.functional.linear(x, W).shape
        (2, 4)
    """
    x = x if isinstance(x, Tensor) else Tensor._make(x)  # arrays and lists through the dtype policy
    data = x.data  # the arrays, not the Tensor properties: this runs for every layer and step
    if data.dtype.kind != "f":
        x = Tensor._make(data.astype(weight.data.dtype))  # integer data computed in the weights' dtype
    if data.ndim == 0 or data.shape[-1] != weight.data.shape[1]:
        raise ValueError(
            f"linear: expected input with {weight.data.shape[1]} features in its last axis, got shape {data.shape}"
        )
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
