r"""Sampling an image at arbitrary points: PyTorch's ``grid_sample``, differentiable in both inputs.

The grid holds normalized coordinates in $[-1, 1]$, $x$ (width) first, then $y$ (height) and, in
3-D, $z$ (depth). Each is mapped to a pixel coordinate $u$ along its axis of $n$ pixels,

| ``align_corners`` | $u$ | $\partial u / \partial g$ |
|---|---|---|
| True (-1 and 1 are the centres of the corner pixels) | $\frac{g + 1}{2} (n - 1)$ | $\frac{n - 1}{2}$ |
| False (-1 and 1 are the outer edges of the corner pixels) | $\frac{(g + 1) n - 1}{2}$ | $\frac{n}{2}$ |

then ``padding_mode`` decides what lies outside: "zeros" reads zeros there; "border" clips $u$ to
$[0, n - 1]$; "reflection" mirrors $u$ at the borders (at the corner pixels' centres with
``align_corners=True``, at their outer edges otherwise) and then clips. Clipping and mirroring
multiply $\partial u / \partial g$ by 0 (clipped, the borders included, as PyTorch) or $\pm 1$.

"bilinear" ("trilinear" in 3-D) mixes the $2^d$ pixels around $u$ with weights
$\prod_a (1 - |u_a - j_a|)$ (pixels outside the image count as zeros); "nearest" reads the pixel
at $\operatorname{round}(u)$ (halves to even, as PyTorch) and passes no gradient to the grid.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, as_tensor

MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


def _clip(u: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """u clipped to [0, n - 1] and du_out/du_in: 0 at and beyond the borders (PyTorch's choice)."""
    slope = ((u > 0) & (u < n - 1)).astype(u.dtype)
    return np.clip(u, 0, n - 1), slope


def _reflect(u: np.ndarray, twice_low: int, twice_high: int) -> tuple[np.ndarray, np.ndarray]:
    """u mirrored into [low, high] and its slope (+1 or -1): PyTorch's reflect_coordinates."""
    if twice_low == twice_high:
        return np.zeros_like(u), np.zeros_like(u)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    v = u - low
    sign = np.where(v < 0, -1.0, 1.0).astype(u.dtype)
    v = np.abs(v)
    extra = np.fmod(v, span)
    flips = np.floor(v / span)
    even = flips % 2 == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def source_coordinates(g: np.ndarray, n: int, padding_mode: str, align_corners: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates u along an axis of n pixels for normalized g, and du/dg."""
    if align_corners:
        u, slope = (g + 1) / 2 * (n - 1), np.full_like(g, (n - 1) / 2)
    else:
        u, slope = ((g + 1) * n - 1) / 2, np.full_like(g, n / 2)
    if padding_mode == "border":
        u, s = _clip(u, n)
        slope = slope * s
    elif padding_mode == "reflection":
        u, r = _reflect(u, 0, 2 * (n - 1)) if align_corners else _reflect(u, -1, 2 * n - 1)
        u, s = _clip(u, n)
        slope = slope * r * s
    return u, slope


class GridSample(Function):
    r"""out[n, c, q] = sum over the corners j of w_j(u_q) x[n, c, j]; gradients to x and to the grid.

    $\partial L / \partial x_j = \sum_q w_j(u_q) \delta_q$ (a scatter-add), and
    $\partial L / \partial g_{q,a} = \frac{\partial u_a}{\partial g_a} \sum_c \delta_{c,q}
    \sum_j x_{c,j} \, \partial w_j / \partial u_a$ with $\partial w_j / \partial u_a = \pm \prod_{b \ne a} w_{j,b}$.
    """

    def forward(self, x: np.ndarray, grid: np.ndarray, *, mode: str, padding_mode: str, align_corners: bool) -> Any:
        N, C, *size = x.shape
        out_size = grid.shape[1:-1]
        dims = len(size)
        Q, P = int(np.prod(out_size)), int(np.prod(size))  # in full: -1 fails on an empty batch
        g = grid.reshape(N, Q, dims).astype(x.dtype, copy=False)
        # Grid component a is along spatial axis dims - 1 - a (x is the width, the last axis).
        coords = [source_coordinates(g[..., dims - 1 - a], size[a], padding_mode, align_corners) for a in range(dims)]
        u = [c[0] for c in coords]
        x_flat = x.reshape(N, C, P)
        corners = []  # (flat index, weight per axis, inside), one per corner
        if mode == "nearest":
            j = [np.rint(ua).astype(np.int64) for ua in u]
            corners.append((j, [np.ones_like(u[0])] * dims))
        else:
            j0 = [np.floor(ua).astype(np.int64) for ua in u]
            for bits in product((0, 1), repeat=dims):
                j = [j0[a] + b for a, b in enumerate(bits)]
                w = [(u[a] - j0[a]) if b else (1 - (u[a] - j0[a])) for a, b in enumerate(bits)]
                corners.append((j, w))
        a = np.zeros((N, C, g.shape[1]), dtype=x.dtype)
        saved = []
        for j, w in corners:
            inside = np.ones(j[0].shape, dtype=bool)
            for ja, n in zip(j, size):
                inside &= (ja >= 0) & (ja < n)
            flat = np.zeros(j[0].shape, dtype=np.int64)
            for ja, n in zip(j, size):
                flat = flat * n + np.clip(ja, 0, n - 1)
            weight = np.prod(w, axis=0) * inside
            values = np.take_along_axis(x_flat, flat[:, None, :], axis=2)  # (N, C, Q)
            # A corner outside reads nothing (not weight 0 times the border pixel: an infinity
            # there gave NaN); one inside with weight 0 still reads, as PyTorch's (inf * 0 = NaN).
            values = np.where(inside[:, None, :], values, 0)
            with np.errstate(invalid="ignore"):
                a += weight[:, None, :] * values
            saved.append((flat, w, inside, values))
        self.saved = saved, [c[1] for c in coords], x.shape, grid.shape, mode
        return a.reshape((N, C) + tuple(out_size))

    def backward(self, delta: np.ndarray) -> tuple[Any, Any]:
        saved, slopes, x_shape, grid_shape, mode = self.saved
        N, C, *size = x_shape
        dims = len(size)
        P = int(np.prod(size))
        d = delta.reshape(N, C, int(np.prod(grid_shape[1:-1])))
        gx = gg = None
        if self.needs_input_grad[0]:
            offsets = (np.arange(N * C) * P).reshape(N, C, 1)
            gx = np.zeros(N * C * P, dtype=delta.dtype)
            for flat, w, inside, _ in saved:
                contribution = d * (np.prod(w, axis=0) * inside)[:, None, :]
                gx += np.bincount((offsets + flat[:, None, :]).ravel(), contribution.ravel(), minlength=N * C * P)
            gx = gx.reshape(x_shape)
        if self.needs_input_grad[1]:
            gu = np.zeros((dims,) + d.shape[::2], dtype=delta.dtype)  # (dims, N, Q)
            if mode != "nearest":
                for k, (_, w, inside, values) in enumerate(saved):
                    bits = np.unravel_index(k, (2,) * dims)
                    dv = (d * values).sum(axis=1) * inside  # sum over the channels
                    for axis in range(dims):
                        others = np.prod([w[b] for b in range(dims) if b != axis], axis=0) if dims > 1 else 1.0
                        gu[axis] += (1.0 if bits[axis] else -1.0) * others * dv
            gg = np.stack([gu[dims - 1 - a] * slopes[dims - 1 - a] for a in range(dims)], axis=-1)
            gg = gg.reshape(grid_shape)
        return gx, gg


def grid_sample(
    input: Any,
    grid: Any,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    r"""Sample ``input`` at the normalized points of ``grid``, as ``torch.nn.functional.grid_sample``.

    $$
    \text{out}_{n,c,q} = \sum_{j} \prod_a \max(0, 1 - |u_{q,a} - j_a|) \; x_{n,c,j}
    $$

    for "bilinear", with $u_q$ the pixel coordinates of the grid point $q$ (see the module
    docstring for the mapping, the padding modes and the gradients). The spatial transformer's
    sampler: ``grid_sample(x, affine_grid(theta, x.size()))``.

    Args:
        input: $(N, C, H_{in}, W_{in})$ or $(N, C, D_{in}, H_{in}, W_{in})$.
        grid: $(N, H_{out}, W_{out}, 2)$ or $(N, D_{out}, H_{out}, W_{out}, 3)$: $(x, y[, z])$ in
            $[-1, 1]$, $x$ along the width.
        mode: "bilinear" (default; trilinear in 3-D) or "nearest".
        padding_mode: "zeros" (default), "border" or "reflection".
        align_corners: whether -1 and 1 are the centres (True) or the outer edges (False; None,
            PyTorch's default, means False) of the corner pixels.

    Raises:
        ValueError: a rank, shape, mode or padding mode that does not fit ("bicubic" is not
            implemented).

    Shape:
        - input: $(N, C, *S_{in})$ with 2 or 3 spatial axes.
        - grid: $(N, *S_{out}, d)$, $d$ the number of spatial axes.
        - output: $(N, C, *S_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
        >>> grid = dn.tensor(np.array([[[[0.0, 0.0], [-1.0, -1.0]]]]))
        >>> dn.functional.grid_sample(x, grid, align_corners=True).data.tolist()
        [[[[2.5, 1.0]]]]
    """
    owner = "grid_sample"
    x, g = as_tensor(input, owner=owner), as_tensor(grid, owner=owner)
    if mode == "bicubic":
        raise ValueError(f"{owner}: mode='bicubic' is not implemented in deltanet; use 'bilinear' or 'nearest'")
    check.one_of(mode, "mode", MODES, owner)
    check.one_of(padding_mode, "padding_mode", PADDING_MODES, owner)
    corners = False if align_corners is None else check.flag(align_corners, "align_corners", owner)
    if x.ndim not in (4, 5):
        raise ValueError(f"{owner}: input must be 4-D (N, C, H, W) or 5-D (N, C, D, H, W), got shape {x.shape}")
    dims = x.ndim - 2
    if g.ndim != x.ndim or g.shape[-1] != dims or g.shape[0] != x.shape[0]:
        raise ValueError(
            f"{owner}: grid must be (N, {', '.join(['H_out', 'W_out'] if dims == 2 else ['D_out', 'H_out', 'W_out'])}, "
            f"{dims}) with the input's N = {x.shape[0]}, got shape {g.shape} for input shape {x.shape}"
        )
    if x.dtype.kind != "f" or x.dtype != g.dtype:
        raise ValueError(
            f"{owner}: input and grid must be floating point of one dtype (as PyTorch), got {x.dtype} and {g.dtype}"
        )
    if 0 in x.shape[2:]:
        raise ValueError(f"{owner}: input must have non-empty spatial axes, got shape {x.shape}")
    return GridSample.apply(x, g, mode=mode, padding_mode=padding_mode, align_corners=corners)
