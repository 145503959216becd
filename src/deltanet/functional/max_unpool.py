r"""Max unpooling: the partial inverse of max pooling (SegNet's decoder), PyTorch's ``max_unpool*d``.

Each value goes back to the position its max pooling took it from (the flat spatial index that
``max_pool*d(..., return_indices=True)`` returned); every other position is zero:

$$
\text{out}_{n,c,\text{index}_{n,c,q}} = x_{n,c,q}
$$

Its gradient reads $\delta$ at the same positions. The output size is
$(n_{in} - 1) s - 2p + k$ per axis, or ``output_size`` (within a stride of it, as PyTorch checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.functional.conv import _ntuple, check_input


class MaxUnpool(Function):
    """out = zeros with x written at the flat spatial positions ``index``; backward gathers delta there."""

    def forward(self, x: np.ndarray, *, index: np.ndarray, size: tuple) -> np.ndarray:
        N, C = x.shape[:2]
        P, Q = int(np.prod(size)), int(np.prod(x.shape[2:]))
        out = np.zeros((N, C, P), dtype=x.dtype)
        np.put_along_axis(out, index.reshape(N, C, Q), x.reshape(N, C, Q), axis=2)
        self.index, self.x_shape = index.reshape(N, C, Q), x.shape
        return out.reshape((N, C) + size)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        N, C = delta.shape[:2]
        flat = delta.reshape(N, C, int(np.prod(delta.shape[2:])))
        return np.take_along_axis(flat, self.index, axis=2).reshape(self.x_shape)


def _max_unpool(
    x: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any, output_size: Any, dims: int
) -> Tensor:
    op = f"max_unpool{dims}d"
    x = as_tensor(x, owner=op)
    check_input(x, dims, op)
    index = as_tensor(indices, owner=op).array
    if index.dtype.kind not in "iu" or index.shape != x.shape:
        raise ValueError(
            f"{op}: indices must be the integer tensor of the input's shape {x.shape} that max_pool{dims}d("
            f"..., return_indices=True) returned, got dtype {index.dtype} and shape {index.shape}"
        )
    kernel = _ntuple(kernel_size, dims, "kernel_size", op, 1)
    strides = kernel if stride is None else _ntuple(stride, dims, "stride", op, 1)
    pads = _ntuple(padding, dims, "padding", op, 0)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], strides, pads, kernel))
    size = default
    if output_size is not None:
        sizes = tuple(output_size)[-dims:]
        size = _ntuple(sizes, dims, "output_size", op, 1)
        if any(not d - s < o < d + s for o, d, s in zip(size, default, strides)):
            raise ValueError(f"{op}: output_size {size} must be within a stride {strides} of the default {default}")
    if x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating-point input, got dtype {x.dtype}")
    P = int(np.prod(size))
    if index.size and (index.min() < 0 or index.max() >= P):
        raise ValueError(
            f"{op}: indices must be in [0, {P}) for the output size {size}, got {index.min()}..{index.max()}"
        )
    return MaxUnpool.apply(x, index=index.astype(np.int64, copy=False), size=size)


def max_unpool2d(
    input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    r"""Put each value back where 2-D max pooling found it, zeros elsewhere, as ``F.max_unpool2d``.

    $$
    \text{out}_{n,c,\text{index}_{n,c,i,j}} = x_{n,c,i,j}
    $$

    Args:
        input: $(N, C, H, W)$, the pooled values.
        indices: the flat positions $h W_{out} + w$ that ``max_pool2d(..., return_indices=True)`` gave.
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.
        output_size: the size to restore (the pooled input's), when the default is ambiguous.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, (H - 1) s - 2p + k, (W - 1) s - 2p + k)$ or ``output_size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[1.0, 5.0], [2.0, 0.0]]]]))
        >>> a, i = dn.functional.max_pool2d(x, 2, return_indices=True)
        >>> dn.functional.max_unpool2d(a, i, 2).data.tolist()
        [[[[0.0, 5.0], [0.0, 0.0]]]]
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool1d(
    input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    r"""Put each value back where 1-D max pooling found it, zeros elsewhere, as ``F.max_unpool1d``.

    $$
    \text{out}_{n,c,\text{index}_{n,c,i}} = x_{n,c,i}
    $$

    Args:
        input: $(N, C, L)$, the pooled values.
        indices: the positions that ``max_pool1d(..., return_indices=True)`` gave.
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.
        output_size: the length to restore, when the default is ambiguous.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, (L - 1) s - 2p + k)$ or ``output_size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a, i = dn.functional.max_pool1d(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]])), 2, return_indices=True)
        >>> dn.functional.max_unpool1d(a, i, 2).data.tolist()
        [[[0.0, 3.0, 2.0, 0.0]]]
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool3d(
    input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    r"""Put each value back where 3-D max pooling found it, zeros elsewhere, as ``F.max_unpool3d``.

    $$
    \text{out}_{n,c,\text{index}_{n,c,\mathbf{i}}} = x_{n,c,\mathbf{i}}
    $$

    Args:
        input: $(N, C, D, H, W)$, the pooled values.
        indices: the flat positions that ``max_pool3d(..., return_indices=True)`` gave.
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.
        output_size: the size to restore, when the default is ambiguous.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each $(n - 1) s - 2p + k$ or ``output_size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a, i = dn.functional.max_pool3d(dn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)), 2, return_indices=True)
        >>> dn.functional.max_unpool3d(a, i, 2).data.ravel().tolist()
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
