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
    data = x.array  # the arrays, not the Tensor properties: this runs for every layer and step
    if data.dtype.kind != "f":
        x = Tensor._make(data.astype(weight.array.dtype))  # integer data computed in the weights' dtype
    W = weight.array
    if W.ndim != 2 or data.ndim == 0 or data.shape[-1] != W.shape[1]:
        return _vector_weight(x, weight, bias)  # PyTorch's 1-D weight, or the error
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def _vector_weight(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    r"""``linear`` with a weight of one axis, $z = x w + b$ (shape $(*)$), as PyTorch computes it;
    any other weight or input that does not fit raises the error."""
    W = weight.array
    if W.ndim == 1 and x.array.ndim >= 1 and x.array.shape[-1] == W.shape[0]:
        z = x @ weight
        return z if bias is None else z + bias
    features = W.shape[-1] if W.ndim else 0
    if W.ndim not in (1, 2):
        raise ValueError(
            f"linear: expected a weight of shape (out_features, in_features) or (in_features,), got shape {W.shape}"
        )
    raise ValueError(f"linear: expected input with {features} features in its last axis, got shape {x.array.shape}")
