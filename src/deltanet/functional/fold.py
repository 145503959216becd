r"""``unfold`` (im2col) and ``fold`` (col2im): sliding blocks of an image as columns, and back.

``unfold`` copies each $k_H \times k_W$ block of the (zero-padded) image into a column: output
$(N, C k_H k_W, L)$ with row $c \, k_H k_W + u \, k_W + v$ and column $l = i W_{blocks} + j$ holding
$x^{pad}_{n, c, i s_H + u d_H, j s_W + v d_W}$, where along each axis

$$
n_{blocks} = \left\lfloor \frac{n + 2p - d (k - 1) - 1}{s} \right\rfloor + 1 .
$$

``fold`` is its adjoint: it adds every column value back at the position it came from (values of
overlapping blocks are summed) and drops the padding. So the gradient of ``unfold`` is ``fold`` of
$\delta$, and that of ``fold`` is ``unfold`` of $\delta$; ``fold(unfold(x))`` is $x$ times the number
of blocks that cover each pixel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.functional.conv import _ntuple


def _block_index(size: tuple, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> np.ndarray:
    """(kH kW, L) flat positions in the padded (H + 2p, W + 2p) image of every block's values."""
    blocks = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)]
    rows = [
        (np.arange(k) * d)[:, None] + (np.arange(b) * s)[None, :]
        for k, d, b, s in zip(kernel, dilation, blocks, stride)
    ]
    width = size[1] + 2 * padding[1]
    index = rows[0][:, None, :, None] * width + rows[1][None, :, None, :]  # (kH, kW, bH, bW)
    return index.reshape(kernel[0] * kernel[1], blocks[0] * blocks[1])


def _gather(x: np.ndarray, index: np.ndarray, padding: tuple) -> np.ndarray:
    N, C = x.shape[:2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2)) if any(padding) else x
    cols = xpad.reshape(N, C, xpad.shape[2] * xpad.shape[3])[:, :, index]  # (N, C, kH kW, L)
    return cols.reshape(N, C * index.shape[0], index.shape[1])


def _scatter(cols: np.ndarray, index: np.ndarray, size: tuple, padding: tuple) -> np.ndarray:
    N = cols.shape[0]
    C = cols.shape[1] // index.shape[0]
    padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    P = padded[0] * padded[1]
    offsets = (np.arange(N * C) * P).reshape(N, C, 1, 1)
    where = (offsets + index).ravel()
    out = np.bincount(where, cols.reshape(N, C, *index.shape).ravel(), minlength=N * C * P)
    out = out.astype(cols.dtype, copy=False).reshape(N, C, *padded)
    return out[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]]


class Unfold(Function):
    """cols = the blocks of x as columns (a gather); backward is fold (a scatter-add)."""

    def forward(self, x: np.ndarray, *, index: np.ndarray, padding: tuple) -> np.ndarray:
        self.options = index, x.shape[2:], padding
        return _gather(x, index, padding)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        index, size, padding = self.options
        return _scatter(delta, index, size, padding)


class Fold(Function):
    """x = the columns added back at their blocks' positions (a scatter-add); backward is unfold."""

    def forward(self, cols: np.ndarray, *, index: np.ndarray, size: tuple, padding: tuple) -> np.ndarray:
        self.options = index, padding
        return _scatter(cols, index, size, padding)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        index, padding = self.options
        return _gather(delta, index, padding)


def _geometry(kernel_size: Any, dilation: Any, padding: Any, stride: Any, op: str) -> tuple:
    return (
        _ntuple(kernel_size, 2, "kernel_size", op, 1),
        _ntuple(dilation, 2, "dilation", op, 1),
        _ntuple(padding, 2, "padding", op, 0),
        _ntuple(stride, 2, "stride", op, 1),
    )


def _batched(x: Tensor, ranks: tuple[int, int], op: str, what: str) -> tuple[Tensor, bool]:
    if x.ndim not in ranks:
        raise ValueError(f"{op}: expected a {ranks[0]}-D (unbatched) or {ranks[1]}-D {what}, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating-point input, got dtype {x.dtype}")
    return (x.unsqueeze(0), True) if x.ndim == ranks[0] else (x, False)


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    r"""The sliding blocks of an image as columns (im2col), as ``torch.nn.functional.unfold``.

    $$
    \text{out}_{n,\ c k_H k_W + u k_W + v,\ i W_b + j} = x^{pad}_{n,\, c,\, i s_H + u d_H,\, j s_W + v d_W}
    $$

    with $W_b$ the number of blocks along the width (see the module docstring). A convolution
    is ``W.view(C_out, -1) @ unfold(x, k)``.

    Args:
        input: $(N, C, H, W)$ or $(C, H, W)$.
        kernel_size: $k$, an int or $(k_H, k_W)$.
        dilation: $d$, the step between a block's values.
        padding: $p$ zeros added on both sides of each axis.
        stride: $s$, the step between blocks.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C k_H k_W, L)$, $L$ the number of blocks.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(9.0).reshape(1, 1, 3, 3))
        >>> dn.functional.unfold(x, 2).data[0].tolist()
        [[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]
    """
    op = "unfold"
    x, unbatched = _batched(as_tensor(input, owner=op), (3, 4), op, "input (N, C, H, W)")
    kernel, dilation, pads, stride = _geometry(kernel_size, dilation, padding, stride, op)
    size = x.shape[2:]
    if any(n + 2 * p < d * (k - 1) + 1 for n, p, d, k in zip(size, pads, dilation, kernel)):
        raise ValueError(
            f"{op}: the dilated kernel {kernel} (dilation {dilation}) is larger than the padded input "
            f"{tuple(n + 2 * p for n, p in zip(size, pads))} of input shape {x.shape}"
        )
    out = Unfold.apply(x, index=_block_index(size, kernel, dilation, pads, stride), padding=pads)
    return out.squeeze(0) if unbatched else out


def fold(
    input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    r"""Columns of sliding blocks added back into an image (col2im), as ``torch.nn.functional.fold``.

    $$
    \text{out}_{n,c,y,x} = \sum_{(u, v, i, j) \,:\, i s_H + u d_H - p_H = y,\ j s_W + v d_W - p_W = x}
    \text{in}_{n,\ c k_H k_W + u k_W + v,\ i W_b + j}
    $$

    the adjoint of ``unfold`` (values of overlapping blocks are summed).

    Args:
        input: $(N, C k_H k_W, L)$ or $(C k_H k_W, L)$, $L$ the number of blocks of ``output_size``.
        output_size: $(H, W)$ of the image, or one int for both.
        kernel_size: $k$, an int or $(k_H, k_W)$.
        dilation: $d$, the step between a block's values.
        padding: $p$, the padding that ``unfold`` added (dropped here).
        stride: $s$, the step between blocks.

    Shape:
        - input: $(N, C k_H k_W, L)$
        - output: $(N, C, H, W)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> ones = dn.tensor(np.ones((1, 4, 4)))
        >>> dn.functional.fold(ones, (3, 3), 2).data[0, 0].tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    x, unbatched = _batched(as_tensor(input, owner=op), (2, 3), op, "input (N, C * kH * kW, L)")
    size = _ntuple(output_size, 2, "output_size", op, 1)
    kernel, dilation, pads, stride = _geometry(kernel_size, dilation, padding, stride, op)
    window = kernel[0] * kernel[1]
    if x.shape[1] % window:
        raise ValueError(
            f"{op}: expected size of input's dimension 1 to be divisible by the product of kernel_size "
            f"{kernel}, {window}, but got input.size(1)={x.shape[1]}"
        )
    blocks = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(size, kernel, dilation, pads, stride)]
    if min(blocks) < 1 or x.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(
            f"{op}: given output_size={size}, kernel_size={kernel}, dilation={dilation}, padding={pads}, "
            f"stride={stride}, expected input.size(2) to be {max(blocks[0], 0) * max(blocks[1], 0)} blocks, "
            f"got {x.shape[2]}"
        )
    out = Fold.apply(x, index=_block_index(size, kernel, dilation, pads, stride), size=size, padding=pads)
    return out.squeeze(0) if unbatched else out
