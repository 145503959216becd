r"""Adaptive max pooling: the maximum of each of PyTorch's adaptive windows, with its position.

Output index $i$ of an axis of $n_{in}$ inputs and $n_{out}$ outputs covers the inputs
$[\lfloor i \, n_{in} / n_{out} \rfloor, \lceil (i + 1) \, n_{in} / n_{out} \rceil)$ (the windows of
adaptive average pooling). A maximum over a box is a maximum along each axis in turn; taking the
last axis first, and the first maximum along each, gives the first maximum of the window in
row-major order, which is PyTorch's choice among ties. A NaN counts as the maximum, as there,
and among NaNs PyTorch keeps the last: an input with NaN takes each window whole.
The indices are flat positions in the spatial axes of the input, $h W + w$ in 2-D, as PyTorch's
``return_indices=True``; backward routes $\delta$ to them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.functional.conv import _ntuple, check_input, drop_batch, unbatched


def _windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, L) input indices of each window, the last index repeated to a common length L."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    length = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(length), (end - 1)[:, None])


def argmax_positions(x: np.ndarray, out_size: tuple) -> np.ndarray:
    """Flat spatial position of the first maximum of each adaptive window, shaped (N, C, *out_size)."""
    if x.dtype.kind == "f" and np.isnan(x).any():
        return _nan_argmax_positions(x, out_size)
    a = x
    positions: list[np.ndarray] = []  # per reduced axis: the input index of the maximum
    for axis in reversed(range(2, x.ndim)):
        index = _windows(x.shape[axis], out_size[axis - 2])
        a = np.take(a, index, axis=axis)  # the axis becomes (n_out, L)
        positions = [np.take(p, index, axis=axis) for p in positions]
        pick = np.expand_dims(np.argmax(a, axis=axis + 1), axis + 1)  # the first maximum (or NaN)
        a = np.take_along_axis(a, pick, axis=axis + 1).squeeze(axis + 1)
        positions = [np.take_along_axis(p, pick, axis=axis + 1).squeeze(axis + 1) for p in positions]
        window = index.reshape(index.shape + (1,) * (x.ndim - 1 - axis))  # broadcasts along the later axes
        chosen = np.take_along_axis(np.broadcast_to(window, pick.shape[: axis + 1] + window.shape[1:]), pick, axis + 1)
        positions.insert(0, np.broadcast_to(chosen.squeeze(axis + 1), a.shape))
    flat = np.zeros(a.shape, dtype=np.int64)
    for p, n in zip(positions, x.shape[2:]):
        flat = flat * n + p
    return flat


def _nan_argmax_positions(x: np.ndarray, out_size: tuple) -> np.ndarray:
    """``argmax_positions`` for an input with NaN: PyTorch takes the last NaN of a window in
    row-major order (its test is ``val > max or isnan(val)``), which a maximum axis by axis cannot
    find; so each window is gathered whole, (N, C, *out_size, L)."""
    dims = x.ndim - 2
    windows = [_windows(n, o) for n, o in zip(x.shape[2:], out_size)]
    flat: Any = np.zeros((1,) * 2 * dims, dtype=np.int64)  # (*out_size, *L): flat position of each tap
    for axis, (index, n) in enumerate(zip(windows, x.shape[2:])):
        shape = [1] * 2 * dims
        shape[axis], shape[dims + axis] = index.shape
        flat = flat * n + index.reshape(shape)
    flat = flat.reshape(flat.shape[:dims] + (-1,))
    N, C = x.shape[:2]
    values = x.reshape(N, C, -1)[:, :, flat]
    nan = np.isnan(values)
    last_nan = nan.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
    pick = np.where(nan.any(axis=-1), last_nan, np.argmax(values, axis=-1))
    return np.take_along_axis(np.broadcast_to(flat, values.shape), pick[..., None], axis=-1)[..., 0]


class AdaptiveMaxPool(Function):
    """a = x at the given flat spatial positions (the windows' maxima); backward adds delta there."""

    def forward(self, x: np.ndarray, *, flat: np.ndarray) -> np.ndarray:
        self.flat, self.shape = flat, x.shape
        N, C = x.shape[:2]
        P, Q = int(np.prod(x.shape[2:])), int(np.prod(flat.shape[2:]))  # in full: -1 fails on an empty batch
        return np.take_along_axis(x.reshape(N, C, P), flat.reshape(N, C, Q), axis=2).reshape(flat.shape)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        N, C, *size = self.shape
        P = int(np.prod(size))
        offsets = (np.arange(N * C) * P).reshape((N, C) + (1,) * len(size))
        g = np.bincount((self.flat + offsets).ravel(), delta.ravel(), minlength=N * C * P)
        return g.astype(delta.dtype, copy=False).reshape(self.shape)


def _adaptive_max_pool(x: Any, output_size: Any, return_indices: Any, dims: int) -> Any:
    op = f"adaptive_max_pool{dims}d"
    x = as_tensor(x, owner=op)
    if unbatched(x, dims):  # PyTorch's (C, *spatial)
        return drop_batch(_adaptive_max_pool(x.unsqueeze(0), output_size, return_indices, dims))
    check_input(x, dims, op)
    indices = check.flag(return_indices, "return_indices", op)
    if x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating-point input (as PyTorch), got dtype {x.dtype}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {dims} ints or None, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:]))
    out_size = _ntuple(sizes, dims, "output_size", op, 1)
    if 0 in x.shape[1:]:
        raise ValueError(f"{op}: expected an input with non-empty non-batch axes (as PyTorch), got shape {x.shape}")
    flat = argmax_positions(x.array, out_size)
    a = AdaptiveMaxPool.apply(x, flat=flat)
    return (a, Tensor._make(flat)) if indices else a


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    r"""Max pooling to a fixed output size, whatever the input size (PyTorch's adaptive windows).

    $$
    a_{n,c,i,j} = \max_{b_i \le u < e_i,\ b_j \le v < e_j} x_{n,c,u,v}, \qquad
    b_i = \left\lfloor \frac{i \, H}{H_{out}} \right\rfloor, \quad
    e_i = \left\lceil \frac{(i + 1) \, H}{H_{out}} \right\rceil
    $$

    and alike along the width. The gradient goes to the first maximum of each window.

    Args:
        input: $(N, C, H, W)$, floating point.
        output_size: $(H_{out}, W_{out})$, or one int for both; None keeps the input's size on an axis.
        return_indices: also return the flat positions $u W + v$ of the maxima (int64).

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C, H_{out}, W_{out})$, and the indices of that shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]]]]))
        >>> a, i = dn.functional.adaptive_max_pool2d(x, (1, 2), return_indices=True)
        >>> a.array.tolist(), i.array.tolist()
        ([[[[5.0, 5.0]]]], [[[[1, 1]]]])
    """
    return _adaptive_max_pool(input, output_size, return_indices, 2)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    r"""Adaptive max pooling over $(N, C, L)$, with the windows of `adaptive_max_pool2d`.

    $$
    a_{n,c,i} = \max_{\lfloor i L / L_{out} \rfloor \le u < \lceil (i + 1) L / L_{out} \rceil} x_{n,c,u}
    $$

    Args:
        input: $(N, C, L)$, floating point.
        output_size: $L_{out}$, an int or a 1-tuple; None keeps the input's length.
        return_indices: also return the positions of the maxima (int64).

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C, L_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.functional.adaptive_max_pool1d(dn.tensor(np.array([[[1.0, 3.0, 2.0]]])), 2).data.tolist()
        [[[3.0, 3.0]]]
    """
    return _adaptive_max_pool(input, output_size, return_indices, 1)


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    r"""Adaptive max pooling over $(N, C, D, H, W)$, with the windows of `adaptive_max_pool2d`.

    $$
    a_{n,c,\mathbf{i}} = \max_{\mathbf{u} \in \text{window}(\mathbf{i})} x_{n,c,\mathbf{u}}
    $$

    Args:
        input: $(N, C, D, H, W)$, floating point.
        output_size: $(D_{out}, H_{out}, W_{out})$, or one int for all; None keeps an axis.
        return_indices: also return the flat positions $(d H + h) W + w$ of the maxima (int64).

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C, D_{out}, H_{out}, W_{out})$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2))
        >>> dn.functional.adaptive_max_pool3d(x, 1).data.ravel().tolist()
        [7.0]
    """
    return _adaptive_max_pool(input, output_size, return_indices, 3)
