r"""The sampling grid of an affine transform: PyTorch's ``affine_grid``, the spatial transformer's
grid generator (Jaderberg et al. 2015).

Each output pixel gets its normalized coordinates $p = (x, y[, z])$ in $[-1, 1]$ (the centres of
the pixels with ``align_corners=False``, PyTorch's default: $\frac{2i + 1}{n} - 1$; the corner
pixels' centres at $\pm 1$ with True: $\frac{2i}{n - 1} - 1$; 0 on an axis of one pixel), and the
grid holds $\theta \, [p; 1]$, the point of the input that ``grid_sample`` reads for it. The
gradient to $\theta$ is that of a matrix product, $\sum_q \delta_q [p_q; 1]^\top$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor


def _positions(n: int, align_corners: bool, dtype: Any) -> np.ndarray:
    """Normalized coordinates of n pixels along an axis, in ``dtype`` and PyTorch's float operations.

    The rounding matters: with the identity transform the grid points fall on pixel centres, the
    kinks of bilinear sampling, where one ulp decides which neighbours give the gradient.
    """
    if n <= 1:
        return np.zeros(n, dtype=dtype)
    # torch.linspace: start + i * step for the first half, end - (n - 1 - i) * step for the second.
    step = dtype.type(2.0) / dtype.type(n - 1)
    i = np.arange(n)
    p = np.where(
        i < n // 2, dtype.type(-1.0) + step * i.astype(dtype), dtype.type(1.0) - step * (n - 1 - i).astype(dtype)
    )
    p = p.astype(dtype)
    return p if align_corners else (p * dtype.type(n - 1)) / dtype.type(n)


def affine_grid(theta: Any, size: Any, align_corners: bool | None = None) -> Tensor:
    r"""The grid of points $\theta \, [p; 1]$ for every output pixel $p$, as ``torch.nn.functional.affine_grid``.

    $$
    \text{grid}_{n, i, j} = \theta_n \begin{bmatrix} x_j \\ y_i \\ 1 \end{bmatrix}
    $$

    with $x_j$, $y_i$ the normalized coordinates of output pixel $(i, j)$ (see the module
    docstring); in 3-D, $[x, y, z, 1]$ and a $3 \times 4$ matrix $\theta$. Differentiable in
    ``theta``.

    Args:
        theta: $(N, 2, 3)$ affine matrices (2-D) or $(N, 3, 4)$ (3-D), floating point.
        size: the output size $(N, C, H, W)$ or $(N, C, D, H, W)$ (``x.size()``).
        align_corners: whether $\pm 1$ are the centres (True) or the outer edges (False; None,
            PyTorch's default, means False) of the corner pixels; pass the same to ``grid_sample``.

    Raises:
        ValueError: a size that is not 4 or 5 positive ints, or a ``theta`` of another shape.

    Shape:
        - theta: $(N, 2, 3)$ or $(N, 3, 4)$.
        - output: $(N, H, W, 2)$ or $(N, D, H, W, 3)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> theta = dn.tensor(np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]))
        >>> dn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True).data[0].tolist()
        [[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]
    """
    owner = "affine_grid"
    theta = as_tensor(theta, owner=owner)
    corners = False if align_corners is None else check.flag(align_corners, "align_corners", owner)
    sizes = tuple(size) if isinstance(size, (tuple, list)) else None
    if sizes is None or len(sizes) not in (4, 5) or not all(check.is_integer(n) and n > 0 for n in sizes):
        raise check.fail(owner, "size", "(N, C, H, W) or (N, C, D, H, W), positive ints", size)
    dims = len(sizes) - 2
    if theta.shape != (sizes[0], dims, dims + 1):
        raise ValueError(
            f"{owner}: theta must be (N, {dims}, {dims + 1}) for a size of {len(sizes)} axes with N = {sizes[0]}, "
            f"got theta of shape {theta.shape} and size {sizes}"
        )
    if theta.dtype.kind != "f":
        raise ValueError(f"{owner}: theta must be floating point, got {theta.dtype}")
    spatial = [int(n) for n in sizes[2:]]
    # Coordinates in grid order: x along the last axis (the width) first.
    axes = np.meshgrid(*(_positions(n, corners, theta.dtype) for n in spatial), indexing="ij")
    ones = np.ones(int(np.prod(spatial)), dtype=theta.dtype)
    base = np.stack([axes[a].ravel() for a in reversed(range(dims))] + [ones], axis=-1)
    # theta @ base^T, then transposed: the gradient delta^T @ base comes out C-contiguous, as PyTorch's
    # (theta.grad.view(-1) works), where base @ theta^T would give theta a transposed gradient.
    grid = (theta @ Tensor._make(base.T)).transpose(1, 2)  # (N, P, dims)
    return grid.reshape((sizes[0], *spatial, dims))
