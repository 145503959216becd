r"""Convolutions in 1, 2 and 3 dimensions, and their transposes, from one N-d implementation.

A convolution slides a kernel $W$ of shape (out, in/groups, *k) over the input: every output value
is a dot product between $W_o$ and one window of the input (local receptive fields, weight
sharing). Along each spatial axis, with padding $p$, stride $s$ and dilation $d$, the output has

$$
n_{out} = \left\lfloor \frac{n_{in} + 2p - d(k - 1) - 1}{s} \right\rfloor + 1
$$

positions. **im2col** turns the whole convolution into one matrix product: copy every window into
a column of a matrix ``cols`` of shape (in/groups $\cdot \prod k$, positions $\cdot N$), then

$$
z = W_2 \, \mathrm{cols} + b, \qquad W_2 = W \text{ reshaped to (out, in/groups} \cdot \textstyle\prod k)
$$

Backward, with $\delta = \partial L / \partial z$ reshaped the same way (out, positions $\cdot N$):

$$
\frac{\partial L}{\partial W} = \delta \, \mathrm{cols}^\top, \quad
\frac{\partial L}{\partial b} = \sum_{n, \text{positions}} \delta, \quad
\frac{\partial L}{\partial \mathrm{cols}} = W_2^\top \delta, \quad
\frac{\partial L}{\partial x} = \mathrm{col2im}\left(\frac{\partial L}{\partial \mathrm{cols}}\right)
$$

where **col2im** adds every column back onto the window it came from (windows overlap, so
contributions add up). For stride 1, $\partial L / \partial x$ is also a convolution of $\delta$
with the flipped kernel (``conv_input_grad``), which is faster when the layer does not widen the
channels. The transposed convolution is the same pair read the other way: its forward is the
convolution's input gradient (GEMM + col2im), its backward the convolution's forward (im2col +
GEMM). Both use the functions below; nothing is written twice.

How it is made fast (measured on a 2-core CPU, see the CNN issue):

- Inside, activations are stored batch-innermost, (C, *spatial, N): a window of all N samples is
  then one contiguous run of memory, and im2col is one copy of a strided view of every window
  (``_windows_view``: no Python loop over kernel offsets, pixels or samples). The public arrays keep
  PyTorch's (N, C, *spatial) shape: a convolution returns a transposed *view* of its
  (C, *spatial, N) result, elementwise ops keep that memory order, and the next convolution
  reads it back without a copy.
- col2im adds $\prod k$ shifted slices (``np.add.at`` was 24× slower).
- im2col → GEMM → col2im run in chunks of output rows of about ``CHUNK_BYTES`` of columns, so a
  chunk of ``cols`` is still in cache when the GEMM reads it; the columns are never stored whole,
  backward rebuilds them from the saved (padded) input. (Keeping them from forward instead was
  slower on every benchmark network: reading them back from memory costs more than copying the
  windows again from an input that is still in cache.)
- The products are given to BLAS in the shapes it runs fastest (``add_weight_grad``, ``_gemm``):
  $\partial L / \partial W$ as $(\mathrm{cols}\, \delta^\top)^\top$, and a thin layer's products
  (LeNet's first, 6 × 25) in pieces of P under a million multiply-adds, 1.3-5x faster each.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache
from itertools import product
from typing import Any, NamedTuple

import numpy as np

from deltanet import backend
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.backend import sum_rows

#: Target size of one chunk of im2col columns (bytes); see the module docstring.
CHUNK_BYTES = 2 << 20

_LAYOUT = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_KERNEL = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}


class Geometry(NamedTuple):
    r"""Sizes of one convolution $z = \mathrm{conv}(x, W)$, spatial axes only (one entry per axis).

    ``in_size`` is x's unpadded size, ``out_size`` z's, ``padding`` the (before, after) zeros on
    each axis. A transposed convolution uses the geometry of the convolution it transposes.
    """

    in_size: tuple[int, ...]
    out_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int

    @property
    def padded_size(self) -> tuple[int, ...]:
        return tuple(n + lo + hi for n, (lo, hi) in zip(self.in_size, self.padding))


# -- layout ----------------------------------------------------------------------------------
def to_internal(a: np.ndarray) -> np.ndarray:
    """View (N, C, *spatial) as (C, *spatial, N) (no copy)."""
    return a.transpose(tuple(range(1, a.ndim)) + (0,))


def to_public(a: np.ndarray) -> np.ndarray:
    """View (C, *spatial, N) as (N, C, *spatial) (no copy)."""
    return a.transpose((a.ndim - 1,) + tuple(range(a.ndim - 1)))


def batch_innermost(a: np.ndarray) -> bool:
    """Whether the (N, C, *spatial) array ``a`` is stored as (C, *spatial, N), as convs return it."""
    return a.ndim >= 3 and to_internal(a).flags.c_contiguous and not a.flags.c_contiguous


def same_layout(delta: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``delta`` stored in the memory order of ``a`` (one transposing copy when they differ).

    A gradient may arrive in the order of whatever op made it (a ``Flatten`` backward gives
    (N, C, *spatial)); elementwise ops between arrays of different orders run several times
    slower than one copy, so a backward that combines them matches the order first.
    """
    return in_layout(delta, batch_innermost(a))


def in_layout(delta: np.ndarray, inner: bool) -> np.ndarray:
    """``delta`` stored batch-innermost if ``inner`` (one transposing copy when it is not); else as it is."""
    if inner and not batch_innermost(delta):
        return to_public(np.ascontiguousarray(to_internal(delta)))
    return delta


def full_like_layout(a: np.ndarray, shape: tuple[int, ...], value: float | None, dtype: Any = None) -> np.ndarray:
    """np.full(shape, value) stored in the same memory order as ``a`` (batch-innermost or not);
    ``value=None`` leaves it uninitialized (np.empty), for an array that is about to be overwritten."""
    dtype = a.dtype if dtype is None else dtype
    inner = batch_innermost(a)
    if inner:
        shape = shape[1:] + shape[:1]
    out = np.empty(shape, dtype=dtype) if value is None else np.full(shape, value, dtype=dtype)
    return to_public(out) if inner else out


def pad_internal(x_t: np.ndarray, padding: tuple[tuple[int, int], ...], dtype: Any) -> np.ndarray:
    """Zero-pad the spatial axes of (C, *spatial, N) into a new C-contiguous array."""
    if not any(lo or hi for lo, hi in padding):
        return np.ascontiguousarray(x_t, dtype=dtype)
    shape = (x_t.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x_t.shape[1:-1], padding)) + (x_t.shape[-1],)
    xpad = np.zeros(shape, dtype=dtype)
    xpad[crop_index(padding, x_t.shape[1:-1])] = x_t  # this one copy also changes the layout
    return xpad


def crop_index(padding: tuple[tuple[int, int], ...], size: tuple[int, ...]) -> tuple[slice, ...]:
    """Index of the unpadded region of a padded (C, *spatial, N) array."""
    return (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, size)) + (slice(None),)


# -- im2col / col2im -------------------------------------------------------------------------
def _window(g: Geometry, offset: tuple[int, ...], r0: int, r1: int) -> tuple[slice, ...]:
    """Index into the padded (C, *spatial, N) input of the values that kernel position ``offset``
    meets, for output rows r0:r1 of the first spatial axis and every position of the others."""
    index = [slice(None)]
    for axis, (k, s, d, n) in enumerate(zip(offset, g.stride, g.dilation, g.out_size)):
        first, count = (r0, r1 - r0) if axis == 0 else (0, n)
        start = k * d + first * s
        index.append(slice(start, start + (count - 1) * s + 1, s))
    index.append(slice(None))
    return tuple(index)


def _chunks(g: Geometry, channels: int, batch: int, itemsize: int) -> Iterator[tuple[int, int]]:
    """Ranges of output rows (first spatial axis) whose columns fill about CHUNK_BYTES.

    Columns that fit in two chunks stay one: splitting them halves the GEMMs and doubles the
    calls (col2im's loop over kernel offsets) for little cache gain (LeNet-5's second convolution, 3.8 MB
    of columns, ran ~5 % of a training step faster as one chunk).
    """
    row_bytes = channels * math.prod(g.kernel) * math.prod(g.out_size[1:]) * batch * itemsize
    rows = max(1, CHUNK_BYTES // max(row_bytes, 1))
    if row_bytes * g.out_size[0] <= 2 * CHUNK_BYTES:
        rows = g.out_size[0]
    for r0 in range(0, g.out_size[0], rows):
        yield r0, min(r0 + rows, g.out_size[0])


@lru_cache(maxsize=256)
def _windows(g: Geometry, r0: int, r1: int) -> tuple[tuple[tuple[slice, ...], tuple[Any, ...]], ...]:
    """(input window, column block) index pairs of every kernel offset, for output rows r0:r1:
    col2im's adds, one per offset (windows overlap, so they cannot be one strided view as im2col's).

    The same few geometries come back every step, so the indices are built once (building them
    cost ~5 % of a LeNet-5 step).
    """
    return tuple((_window(g, offset, r0, r1), (slice(None),) + offset) for offset in product(*map(range, g.kernel)))


def _im2col(xpad: np.ndarray, g: Geometry, r0: int, r1: int) -> np.ndarray:
    """Columns of output rows r0:r1 as (groups, in/groups * prod(k), positions * N).

    A 1×1 kernel with stride 1 has one window per position: its columns are the rows of the input
    itself, returned as a view (no copy). Columns are only ever read.
    """
    rows_shape = (r1 - r0,) + g.out_size[1:]
    per_group = xpad.shape[0] // g.groups * math.prod(g.kernel)
    if all(k == 1 for k in g.kernel) and all(s == 1 for s in g.stride):
        rows = xpad[:, r0:r1]
        if rows.shape[2:-1] != g.out_size[1:]:
            # A transposed convolution's backward with output_padding: its last positions feed no window.
            rows = rows[(slice(None), slice(None)) + tuple(slice(0, o) for o in g.out_size[1:])]
        return rows.reshape(g.groups, per_group, -1)
    cols = np.empty((xpad.shape[0],) + g.kernel + rows_shape + (xpad.shape[-1],), dtype=xpad.dtype)
    np.copyto(cols, _windows_view(xpad, g, r0, r1))  # one copy of every window
    return cols.reshape(g.groups, per_group, math.prod(rows_shape) * xpad.shape[-1])


def _windows_view(xpad: np.ndarray, g: Geometry, r0: int, r1: int) -> np.ndarray:
    r"""Every window of output rows r0:r1 as one read-only view of the padded input (no copy):
    shape (C, *kernel, rows, *out_size[1:], N), with

    $$
    \mathrm{view}[c, u_1, \dots, u_D, p_1, \dots, p_D, n] = x_{pad}[c,\; p_1 s_1 + u_1 d_1,\; \dots,\;
        p_D s_D + u_D d_D,\; n]
    $$

    ($p_1$ counted from row r0). Moving one kernel offset along an axis moves $d$ positions in the
    input, one output position $s$: the view's strides are the input's times $d$ and times $s$.
    Copied in one call, it is im2col's columns (the textbook LeNet's 5×5 layers at batch 256: 25
    block copies per chunk, one per kernel offset, took 1.07-1.16x as long, 2026-12-08).
    """
    if not _windows_fit(g, xpad.shape[1:-1]):
        raise RuntimeError(f"internal error: the windows of {g} reach past the padded input {xpad.shape[1:-1]}")
    step = xpad.strides[1:-1]
    shape = (xpad.shape[0],) + g.kernel + (r1 - r0,) + g.out_size[1:] + (xpad.shape[-1],)
    strides = (
        (xpad.strides[0],)
        + tuple(t * d for t, d in zip(step, g.dilation))
        + tuple(t * s for t, s in zip(step, g.stride))
        + (xpad.strides[-1],)
    )
    # xpad is one C-contiguous block (pad_internal makes it so; ndarray refuses any other buffer):
    # a view of it made directly costs 2 us, NumPy's as_strided 15 (48 views a textbook LeNet step).
    view = np.ndarray(shape, xpad.dtype, buffer=xpad, offset=r0 * g.stride[0] * step[0], strides=strides)
    view.flags.writeable = False
    return view


@lru_cache(maxsize=256)
def _windows_fit(g: Geometry, padded: tuple[int, ...]) -> bool:
    """Whether the last window of ``g`` ends inside a padded input of spatial size ``padded`` (a
    strided view does not check its bounds; the geometry's output size guarantees it)."""
    reach = zip(g.kernel, g.dilation, g.out_size, g.stride, padded)
    return all((k - 1) * d + (o - 1) * s < n for k, d, o, s, n in reach)


def _col2im_add(gpad: np.ndarray, dcols: np.ndarray, g: Geometry, r0: int, r1: int) -> None:
    """Add columns of output rows r0:r1 back onto their windows of ``gpad`` (C, *padded, N)."""
    rows_shape = (r1 - r0,) + g.out_size[1:]
    dcols = dcols.reshape((gpad.shape[0],) + g.kernel + rows_shape + (gpad.shape[-1],))
    for window, block in _windows(g, r0, r1):
        gpad[window] += dcols[block]


#: Multiply-adds per call below which OpenBLAS runs a thin product several times faster (measured
#: on this project's 2-core CPU: a 6 x 25 x P product cut into pieces of P under this size runs
#: 1.6-5x faster than as one call, whose other kernel suits large matrices; see ``_gemm`` and
#: ``add_weight_grad``). Pieces of 1.2 million multiply-adds were already slow.
SMALL_GEMM = 800_000


def _pieces(M: int, K: int, P: int) -> int:
    """In how many pieces of P a product with an M x K matrix runs: under ``SMALL_GEMM``
    multiply-adds each when the matrix is thin (at most 600 entries: LeNet's first layer has
    6 x 25; from 16 x 50 on the one product was as fast), else 1."""
    return -(-P * M * K // SMALL_GEMM) if M * K <= 600 else 1


def _gemm(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A @ B for stacks of matrices (groups, M, K) @ (groups, K, P).

    With an inner size of 1 (a single-channel 1×1 convolution, such as a segmentation head) it is
    an outer product, which a broadcast multiply computes ~14x faster than NumPy's matmul (527
    against 37 us for 16 × 32768). A thin A multiplies B in pieces of P under ``SMALL_GEMM``
    multiply-adds (LeNet's first layer, 6 x 25 x 14,336: 0.114 against 0.069 ms).
    ``DELTANET_REFERENCE=1`` runs the one product.
    """
    if A.shape[-1] == 1:
        return np.multiply(A, B, out=out)
    pieces = _pieces(A.shape[-2], A.shape[-1], B.shape[-1])
    if backend.REFERENCE or pieces < 2:
        return np.matmul(A, B, out=out)  # the product as written
    P = B.shape[-1]
    if out is None:
        out = np.empty(A.shape[:-1] + (P,), dtype=np.result_type(A, B))
    step = -(-P // pieces)
    for p0 in range(0, P, step):
        np.matmul(A, B[..., p0 : p0 + step], out=out[..., p0 : p0 + step])
    return out


def add_weight_grad(gW: np.ndarray, delta: np.ndarray, cols: np.ndarray) -> None:
    r"""$\partial L / \partial W \mathrel{+}= \delta \, \mathrm{cols}^\top$ for stacks
    $\delta$ (groups, out/groups, P) and cols (groups, K, P), into ``gW`` (groups, out/groups, K).

    Both operands are short and wide (P is every position of every sample), and OpenBLAS is slow
    on the product as written. Two ways around it, measured on this project's 2-core CPU:

    - a thin layer (``_pieces``: LeNet's first convolution has 6 $\times$ 25) cuts the sum over P
      into pieces of under ``SMALL_GEMM`` multiply-adds, multiplied as one stack and added up
      (6 x 25 x 50,176: 1.36 against 0.24 ms; 16 x 9: 0.46 against 0.12 ms);
    - every other layer computes the transpose, $(\mathrm{cols}\, \delta^\top)^\top$ (the U-Net's
      16 x 288 x 32,768: 5.3 against 3.2 ms; 16 x 150 x 25,600: 1.9 against 1.3 ms).

    Both change only the order of the additions. ``DELTANET_REFERENCE=1`` runs the product as written.
    """
    groups, M, P = delta.shape
    K = cols.shape[1]
    if backend.REFERENCE:
        gW += delta @ cols.transpose(0, 2, 1)  # the formula as written: one GEMM over all of P
        return
    pieces = _pieces(M, K, P)
    if M == 1 or pieces < 2:
        gW += (cols @ delta.transpose(0, 2, 1)).transpose(0, 2, 1)
        return
    q = P // pieces  # positions per piece; the last P - whole (< pieces) go in one more product
    whole = pieces * q
    d4 = delta[:, :, :whole].reshape(groups, M, pieces, q).transpose(0, 2, 1, 3)  # (groups, pieces, M, q)
    c4 = cols[:, :, :whole].reshape(groups, K, pieces, q).transpose(0, 2, 3, 1)  # (groups, pieces, q, K)
    gW += np.matmul(d4, c4).sum(axis=1)
    if whole < P:
        gW += delta[:, :, whole:] @ cols[:, :, whole:].transpose(0, 2, 1)


def conv_forward(
    xpad: np.ndarray, W: np.ndarray, g: Geometry, delta: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    r"""$z = W_2 \, \mathrm{im2col}(x)$ from the padded input (C, *padded, N), as (out, *out_size, N).

    With ``delta`` (out, *out_size, N) given, also returns $\partial L / \partial W = \delta \,
    \mathrm{cols}^\top$ from the same columns (the transposed convolution's backward needs both).
    """
    out, batch = W.shape[0], xpad.shape[-1]
    W3 = W.reshape(g.groups, out // g.groups, -1)
    z = np.empty((g.groups, out // g.groups, math.prod(g.out_size) * batch), dtype=xpad.dtype)
    d3 = None if delta is None else delta.reshape(z.shape)
    gW = None if delta is None else np.zeros(W3.shape, dtype=xpad.dtype)
    per_row = math.prod(g.out_size[1:]) * batch
    for r0, r1 in _chunks(g, xpad.shape[0], batch, xpad.itemsize):
        cols = _im2col(xpad, g, r0, r1)
        _gemm(W3, cols, out=z[:, :, r0 * per_row : r1 * per_row])
        if d3 is not None and gW is not None:  # delta given
            add_weight_grad(gW, d3[:, :, r0 * per_row : r1 * per_row], cols)
    z = z.reshape((out,) + g.out_size + (batch,))
    return z, None if gW is None else gW.reshape(W.shape)


def conv_backward(
    xpad: np.ndarray | None,
    delta: np.ndarray,
    W: np.ndarray,
    g: Geometry,
    need_x: bool,
    need_W: bool,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """dL/dx (padded, (C, *padded, N)) by GEMM + col2im and dL/dW by im2col + GEMM.

    ``delta`` is dL/dz as (out, *out_size, N); ``xpad`` is needed only for dL/dW.
    """
    out, batch = W.shape[0], delta.shape[-1]
    channels = W.shape[1] * g.groups
    W3 = W.reshape(g.groups, out // g.groups, -1)
    d3 = np.ascontiguousarray(delta).reshape(g.groups, out // g.groups, math.prod(g.out_size) * batch)
    gpad = np.zeros((channels,) + g.padded_size + (batch,), dtype=delta.dtype) if need_x else None
    gW = np.zeros(W3.shape, dtype=delta.dtype) if need_W else None
    per_row = math.prod(g.out_size[1:]) * batch
    assert xpad is not None or not need_W, "conv_backward: the weight gradient needs the input"
    for r0, r1 in _chunks(g, channels, batch, delta.itemsize):
        d_chunk = d3[:, :, r0 * per_row : r1 * per_row]
        if gW is not None and xpad is not None:  # need_W
            add_weight_grad(gW, d_chunk, _im2col(xpad, g, r0, r1))
        if gpad is not None:  # need_x
            _col2im_add(gpad, _gemm(W3.transpose(0, 2, 1), d_chunk), g, r0, r1)
    return gpad, None if gW is None else gW.reshape(W.shape)


def gathers_input_grad(g: Geometry, W: np.ndarray) -> bool:
    r"""Whether ``conv_input_grad`` (im2col + GEMM) beats GEMM + col2im for dL/dx of this convolution.

    It applies to stride 1 with at most $d(k - 1)$ zeros of padding on a side, and pays off when
    the convolution does not widen the channels: its columns have out/groups $\cdot \prod k$ rows,
    col2im's in/groups $\cdot \prod k$, and a copy is cheaper than an add (measured on the U-Net's 3×3 layers:
    32→16 channels 7.0 → 3.3 ms, 16→16 3.1 → 2.8 ms; 16→32 is slower, 1.0 → 1.5 ms, and so is
    LeNet's 6→16).
    """
    return (
        all(s == 1 for s in g.stride)
        and all(max(lo, hi) <= d * (k - 1) for (lo, hi), k, d in zip(g.padding, g.kernel, g.dilation))
        and W.shape[0] <= W.shape[1] * g.groups
    )


def conv_input_grad(delta: np.ndarray, W: np.ndarray, g: Geometry) -> np.ndarray:
    r"""dL/dx of a stride-1 convolution as a convolution of $\delta$ with the flipped kernel.

    $$
    \frac{\partial L}{\partial x}[c, p] = \sum_{o, u} W[o, c, u]\, \delta[o, p + P - u d]
        = \sum_{o, u'} W[o, c, k - 1 - u']\, \delta_{pad}[o, p + u' d]
    $$

    with $\delta$ zero-padded by $d(k - 1) - P$ on each side ($P$ that side's padding of the
    convolution), and the kernel's in and out channels swapped within each group. ``delta`` is
    (out, *out_size, N); the result is dL/dx as (in, *in_size, N), already without the padding.
    """
    out, per_group = W.shape[:2]
    kernel = W.shape[2:]
    flipped = W.reshape((g.groups, out // g.groups, per_group) + kernel).swapaxes(1, 2)
    flipped = flipped[(slice(None),) * 3 + (slice(None, None, -1),) * len(kernel)]
    W_flip = np.ascontiguousarray(flipped).reshape((per_group * g.groups, out // g.groups) + kernel)
    pads = tuple((d * (k - 1) - lo, d * (k - 1) - hi) for (lo, hi), k, d in zip(g.padding, kernel, g.dilation))
    transposed = Geometry(g.out_size, g.in_size, g.kernel, g.stride, pads, g.dilation, g.groups)
    gx, _ = conv_forward(pad_internal(delta, pads, delta.dtype), W_flip, transposed)
    return gx


def bias_grad(delta: np.ndarray) -> np.ndarray:
    r"""dL/db $= \sum \delta$ over the batch and every position, from $\delta$ (N, out, *spatial).

    On the batch-innermost $\delta$ of a convolution this is one matrix-vector product with a
    vector of ones (2-4x faster than NumPy's reduction over the non-contiguous axes).
    """
    d = to_internal(delta)
    if d.flags.c_contiguous and delta.dtype.kind == "f":
        return sum_rows(d.reshape(d.shape[0], -1))
    return delta.sum(axis=(0,) + tuple(range(2, delta.ndim)))


def _bias_shape(dims: int) -> tuple[int, ...]:
    return (-1,) + (1,) * (dims + 1)  # b broadcast over (out, *spatial, N)


# -- the two Functions -----------------------------------------------------------------------
class ConvNd(Function):
    r"""$z = W \star x + b$ by im2col + GEMM; backward by GEMM + col2im or ``conv_input_grad`` (dL/dx)
    and im2col + GEMM (dL/dW)."""

    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, *, geometry: Geometry) -> np.ndarray:
        g = self.geometry = geometry
        dtype = W.dtype if x.dtype.kind != "f" else np.result_type(x.dtype, W.dtype)
        W = W.astype(dtype, copy=False)
        xpad = pad_internal(to_internal(x), g.padding, dtype)
        # W is the parameter's own array (no copy); the padded input only when dL/dW is wanted.
        self.save_for_backward(xpad if self.needs_input_grad[1] else None, W)
        z, _ = conv_forward(xpad, W, g)
        if b is not None:
            z += b.reshape(_bias_shape(len(g.kernel)))
        return to_public(z)

    def backward(self, delta: np.ndarray) -> tuple:
        xpad, W = self.saved_tensors
        g, needs = self.geometry, self.needs_input_grad
        gx = gW = gb = None
        delta_t = to_internal(delta)
        if needs[0] and gathers_input_grad(g, W):
            gx = to_public(conv_input_grad(delta_t, W, g))
            if needs[1]:
                _, gW = conv_backward(xpad, delta_t, W, g, need_x=False, need_W=True)
        elif needs[0] or needs[1]:
            gpad, gW = conv_backward(xpad, delta_t, W, g, needs[0], needs[1])
            if gpad is not None:  # needs[0]
                gx = to_public(gpad[crop_index(g.padding, g.in_size)])
        if len(needs) > 2 and needs[2]:
            gb = bias_grad(delta)
        return gx, gW, gb


class ConvTransposeNd(Function):
    r"""$y = W^\top \star x + b$: the convolution's input gradient (GEMM + col2im) as a forward pass.

    ``geometry`` is that of the convolution z = conv(y) that this op transposes: its ``in_size``
    is y's size, its ``out_size`` x's. Backward: dL/dx = conv(delta) and dL/dW from the same columns.
    """

    def forward(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, *, geometry: Geometry) -> np.ndarray:
        g = self.geometry = geometry
        dtype = W.dtype if x.dtype.kind != "f" else np.result_type(x.dtype, W.dtype)
        W = W.astype(dtype, copy=False)
        x_t = np.ascontiguousarray(to_internal(x), dtype=dtype)
        self.save_for_backward(x_t if self.needs_input_grad[1] else None, W)
        ypad, _ = conv_backward(None, x_t, W, g, need_x=True, need_W=False)
        assert ypad is not None  # need_x=True
        y = ypad[crop_index(g.padding, g.in_size)]
        if b is not None:
            y += b.reshape(_bias_shape(len(g.kernel)))
        return to_public(y)

    def backward(self, delta: np.ndarray) -> tuple:
        x_t, W = self.saved_tensors
        g, needs = self.geometry, self.needs_input_grad
        gx = gW = gb = None
        if needs[0] or needs[1]:
            dpad = pad_internal(to_internal(delta), g.padding, W.dtype)
            if needs[0]:
                gx_t, gW = conv_forward(dpad, W, g, delta=x_t if needs[1] else None)
                gx = to_public(gx_t)
            else:
                _, gW = conv_backward(dpad, x_t, W, g, need_x=False, need_W=True)
        if len(needs) > 2 and needs[2]:
            gb = bias_grad(delta)
        return gx, gW, gb


# -- argument checks -------------------------------------------------------------------------
def _ntuple(value: Any, dims: int, name: str, op: str, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of ``dims`` ints, each >= minimum, as a tuple."""

    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if is_int(value):
        values = (int(value),) * dims
    elif isinstance(value, (tuple, list)) and len(value) == dims and all(map(is_int, value)):
        values = tuple(int(v) for v in value)
    else:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def unbatched(x: Tensor, dims: int) -> bool:
    """Whether ``x`` is PyTorch's unbatched input ``(C, *spatial)`` of a ``dims``-d op: it runs as a
    batch of one, and ``drop_batch`` takes the batch axis off again."""
    return x.ndim == dims + 1


def drop_batch(out: Any) -> Any:
    """The result of a batch of one without its batch axis (each of a tuple of results)."""
    return tuple(drop_batch(o) for o in out) if isinstance(out, tuple) else out.squeeze(0)


def check_input(x: Tensor, dims: int, op: str) -> None:
    """Raise a ValueError unless ``x`` has the rank that a ``dims``-d op expects."""
    if x.ndim != dims + 2:
        batch, one = _LAYOUT[dims], "(" + _LAYOUT[dims][4:]
        raise ValueError(
            f"{op} expects a {dims + 2}-D input {batch} (or {dims + 1}-D {one}, one sample), got shape {x.shape}"
        )


def _check_groups(groups: Any, op: str) -> int:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _check_weight_and_bias(
    x: Tensor, W: Tensor, b: Tensor | None, dims: int, groups: int, op: str, transposed: bool
) -> int:
    """Check W's rank, the channel counts and b's shape; return the output channels."""
    if transposed:
        layout = f"(in_channels, out_channels/groups, {_KERNEL[dims]})"
    else:
        layout = f"(out_channels, in_channels/groups, {_KERNEL[dims]})"
    if W.ndim != dims + 2:
        raise ValueError(f"{op} expects a weight of shape {layout}, got shape {W.shape}")
    if x.shape[1] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels, got input shape {x.shape}")
    if transposed:
        expected_in, out = W.shape[0], W.shape[1] * groups
    else:
        if W.shape[0] % groups:
            raise ValueError(
                f"{op}: groups={groups} must divide the output channels, got a weight of shape {W.shape} {layout}"
            )
        expected_in, out = W.shape[1] * groups, W.shape[0]
    if x.shape[1] != expected_in:
        raise ValueError(
            f"{op}: a weight of shape {W.shape} {layout} with groups={groups} expects an input "
            f"with {expected_in} channels, got shape {x.shape}"
        )
    if b is not None and b.shape != (out,):
        raise ValueError(f"{op}: expected a bias of shape ({out},), got shape {b.shape}")
    return out


def _padding_pairs(
    padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...], op: str
) -> tuple[tuple[int, int], ...]:
    """(before, after) zeros per axis from an int, a tuple, "valid" or "same"."""
    dims = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
            # Total d(k - 1); an odd total puts the extra zero after, as PyTorch does.
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
    return tuple((p, p) for p in _ntuple(padding, dims, "padding", op, 0))


def _conv(x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: Any, dims: int) -> Tensor:
    op = f"conv{dims}d"
    x, weight = as_tensor(x, owner=op), as_tensor(weight, owner=op)
    bias = None if bias is None else as_tensor(bias, owner=op)
    if unbatched(x, dims):
        return drop_batch(_conv(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups, dims))
    check_input(x, dims, op)
    groups = _check_groups(groups, op)
    _check_weight_and_bias(x, weight, bias, dims, groups, op, transposed=False)
    kernel = tuple(weight.shape[2:])
    stride = _ntuple(stride, dims, "stride", op, 1)
    dilation = _ntuple(dilation, dims, "dilation", op, 1)
    pads = _padding_pairs(padding, kernel, stride, dilation, op)
    in_size = tuple(x.shape[2:])
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(in_size, pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > n for e, n in zip(extent, padded)):
        raise ValueError(
            f"{op}: the kernel {kernel} (extent {extent} with dilation {dilation}) is larger than "
            f"the padded input {padded} (input shape {x.shape}, padding {pads})"
        )
    out_size = tuple((n - e) // s + 1 for n, e, s in zip(padded, extent, stride))
    g = Geometry(in_size, out_size, kernel, stride, pads, dilation, groups)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvNd.apply(*inputs, geometry=g)


def _conv_transpose(
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: Any,
    dilation: Any,
    dims: int,
) -> Tensor:
    op = f"conv_transpose{dims}d"
    x, weight = as_tensor(x, owner=op), as_tensor(weight, owner=op)
    bias = None if bias is None else as_tensor(bias, owner=op)
    if unbatched(x, dims):
        one = x.unsqueeze(0)
        return drop_batch(_conv_transpose(one, weight, bias, stride, padding, output_padding, groups, dilation, dims))
    check_input(x, dims, op)
    groups = _check_groups(groups, op)
    _check_weight_and_bias(x, weight, bias, dims, groups, op, transposed=True)
    kernel = tuple(weight.shape[2:])
    stride = _ntuple(stride, dims, "stride", op, 1)
    dilation = _ntuple(dilation, dims, "dilation", op, 1)
    pad = _ntuple(padding, dims, "padding", op, 0)
    extra = _ntuple(output_padding, dims, "output_padding", op, 0)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(
            f"{op}: output_padding must be smaller than either stride or dilation (as in "
            f"PyTorch), got output_padding {extra}, stride {stride}, dilation {dilation}"
        )
    in_size = tuple(x.shape[2:])
    # The size of y, whose convolution with the same arguments has x's size.
    out_size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip(in_size, stride, pad, dilation, kernel, extra)
    )
    if min(out_size) < 1:
        raise ValueError(
            f"{op}: the output would have size {out_size}, which is not positive (input shape "
            f"{x.shape}, kernel {kernel}, stride {stride}, padding {pad}, dilation {dilation})"
        )
    g = Geometry(out_size, in_size, kernel, stride, tuple((p, p) for p in pad), dilation, groups)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvTransposeNd.apply(*inputs, geometry=g)


# -- public functions ------------------------------------------------------------------------
def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""2-D convolution $z = W \star x + b$ (cross-correlation, as in every deep-learning library).

    $$
    z_{n,o,i,j} = b_o + \sum_{c, u, v} W_{o,c,u,v} \, x^{pad}_{n,\, gC/G + c,\, is + ud,\, js + vd}
    $$

    for output channel $o$ in group $g$; see the module docstring for im2col and the output size.

    Args:
        x: input (N, C, H, W).
        weight: $W$ of shape (out_channels, C/groups, kH, kW).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$, an int or (sH, sW).
        padding: zeros added on both sides: an int, (pH, pW), "valid" (none) or "same"
            (output as large as the input; stride 1 only; an odd total pads one more after).
        dilation: $d$, spacing between kernel taps, an int or (dH, dW).
        groups: $G$; input and output channels are split into $G$ independent groups.

    Shape:
        - input: $(N, C, H, W)$
        - output: $(N, C_{out}, H_{out}, W_{out})$ with
          $H_{out} = \lfloor (H + 2p - d(k - 1) - 1)/s \rfloor + 1$, and the same for $W_{out}$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
        >>> W = dn.tensor(np.ones((1, 1, 2, 2)))
        >>> dn.functional.conv2d(x, W, stride=2).data.tolist()
        [[[[10.0, 18.0], [42.0, 50.0]]]]
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""1-D convolution $z = W \star x + b$ over sequences, with the arguments of `conv2d` (one value per axis).

    Args:
        x: input (N, C, L).
        weight: $W$ of shape (out_channels, C/groups, kL).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$, an int or a 1-tuple.
        padding: an int, a 1-tuple, "valid" or "same" (as in `conv2d`).
        dilation: $d$, an int or a 1-tuple.
        groups: $G$, the number of independent channel groups.

    Shape:
        - input: $(N, C, L)$
        - output: $(N, C_{out}, L_{out})$, $L_{out} = \lfloor (L + 2p - d(k - 1) - 1)/s \rfloor + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 2.0, 3.0, 4.0]]]))
        >>> W = dn.tensor(np.array([[[1.0, -1.0]]]))
        >>> dn.functional.conv1d(x, W, padding="same").array.tolist()
        [[[-1.0, -1.0, -1.0, 4.0]]]
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, 1)


def conv3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""3-D convolution $z = W \star x + b$ over volumes, with the arguments of `conv2d` (one value per axis).

    Args:
        x: input (N, C, D, H, W).
        weight: $W$ of shape (out_channels, C/groups, kD, kH, kW).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$, an int or (sD, sH, sW).
        padding: an int, a 3-tuple, "valid" or "same" (as in `conv2d`).
        dilation: $d$, an int or a 3-tuple.
        groups: $G$, the number of independent channel groups.

    Shape:
        - input: $(N, C, D, H, W)$
        - output: $(N, C_{out}, D_{out}, H_{out}, W_{out})$, each size as in `conv2d`.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.ones((1, 2, 4, 4, 4)))
        >>> W = dn.tensor(np.ones((3, 2, 3, 3, 3)))
        >>> z = dn.functional.conv3d(x, W, padding=1)
        >>> z.shape, float(z.array[0, 0, 1, 1, 1]), float(z.array[0, 0, 0, 0, 0])
        ((1, 3, 4, 4, 4), 54.0, 16.0)
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, 3)


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    r"""2-D transposed convolution ("deconvolution"): the gradient of conv2d with respect to its input.

    Each input value scatters a weighted copy of the kernel onto the output, spaced by the
    stride: $y = \mathrm{col2im}(W_2^\top x) + b$. It maps a conv2d's output size back to its
    input size, which makes it the learned upsampling of U-Net decoders.

    Args:
        x: input (N, C_in, H, W).
        weight: $W$ of shape (C_in, out_channels/groups, kH, kW) (PyTorch's layout).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$ of the convolution being transposed, an int or (sH, sW).
        padding: $p$ of the convolution being transposed (removed from the output's borders).
        output_padding: extra rows/columns added after (bottom/right) to pick among the input
            sizes that a strided conv2d maps to the same output size; smaller than the stride
            or the dilation.
        groups: $G$, the number of independent channel groups.
        dilation: $d$ of the convolution being transposed.

    Shape:
        - input: $(N, C_{in}, H, W)$
        - output: $(N, C_{out}, H_{out}, W_{out})$ with
          $H_{out} = (H - 1)s - 2p + d(k - 1) + \mathrm{output\_padding} + 1$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[1.0, 2.0]]]]))
        >>> W = dn.tensor(np.ones((1, 1, 2, 2)))
        >>> dn.functional.conv_transpose2d(x, W, stride=2).data.tolist()
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    r"""1-D transposed convolution, the input gradient of conv1d, with the arguments of `conv_transpose2d`.

    Args:
        x: input (N, C_in, L).
        weight: $W$ of shape (C_in, out_channels/groups, kL).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$, an int or a 1-tuple.
        padding: $p$, an int or a 1-tuple.
        output_padding: extra positions added at the end (as in `conv_transpose2d`).
        groups: $G$, the number of independent channel groups.
        dilation: $d$, an int or a 1-tuple.

    Shape:
        - input: $(N, C_{in}, L)$
        - output: $(N, C_{out}, (L - 1)s - 2p + d(k - 1) + \mathrm{output\_padding} + 1)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 2.0]]]))
        >>> W = dn.tensor(np.array([[[1.0, 10.0, 100.0]]]))
        >>> dn.functional.conv_transpose1d(x, W, stride=2, output_padding=1).data.tolist()
        [[[1.0, 10.0, 102.0, 20.0, 200.0, 0.0]]]
    """
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    r"""3-D transposed convolution, the input gradient of conv3d, with the arguments of `conv_transpose2d`.

    Args:
        x: input (N, C_in, D, H, W).
        weight: $W$ of shape (C_in, out_channels/groups, kD, kH, kW).
        bias: $b$ of shape (out_channels,), or None.
        stride: $s$, an int or a 3-tuple.
        padding: $p$, an int or a 3-tuple.
        output_padding: extra positions added after on each axis (as in `conv_transpose2d`).
        groups: $G$, the number of independent channel groups.
        dilation: $d$, an int or a 3-tuple.

    Shape:
        - input: $(N, C_{in}, D, H, W)$
        - output: $(N, C_{out}, D_{out}, H_{out}, W_{out})$, each size as in `conv_transpose2d`.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.ones((1, 4, 2, 2, 2)))
        >>> W = dn.tensor(np.ones((4, 2, 2, 2, 2)))
        >>> y = dn.functional.conv_transpose3d(x, W, stride=2)
        >>> y.shape, float(y.array.max())
        ((1, 2, 4, 4, 4), 4.0)
    """
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, 3)
