r"""``CircularPad1d``, ``CircularPad2d`` and ``CircularPad3d``: padding that wraps around, as PyTorch's.

Along an axis of size $n$ padded by $p$ before, output position $i \in [-p, n + p')$ reads the
input at $i \bmod n$: the left border repeats the axis's last values and the right border its
first ones (periodic boundaries, e.g. for images on a cylinder or a torus). Each is one call to
``deltanet.functional.pad`` in mode "circular"; an amount may not exceed the axis size.
"""

from __future__ import annotations

from deltanet.nn.padding import _PadNd


class CircularPad1d(_PadNd):
    r"""Pad the last axis by wrapping around: $y_i = x_{i \bmod n}$.

    Args:
        padding: an int (both sides) or (left, right), each at most the axis size.

    Shape:
        - input: $(C, L)$ or $(N, C, L)$.
        - output: the same with $L + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.CircularPad1d(2)(dn.tensor([[1.0, 2.0, 3.0]])).tolist()
        [[2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    """

    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    r"""Pad the last two axes by wrapping around: $y_{ij} = x_{i \bmod H, \, j \bmod W}$.

    Args:
        padding: an int (all four sides) or (left, right, top, bottom).

    Shape:
        - input: $(C, H, W)$ or $(N, C, H, W)$.
        - output: the same with $H + p_{top} + p_{bottom}$ and $W + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.CircularPad2d((1, 0, 1, 0))(dn.tensor([[[1.0, 2.0], [3.0, 4.0]]])).tolist()
        [[[4.0, 3.0, 4.0], [2.0, 1.0, 2.0], [4.0, 3.0, 4.0]]]
    """

    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    r"""Pad the last three axes by wrapping around: $y_{dij} = x_{d \bmod D, \, i \bmod H, \, j \bmod W}$.

    Args:
        padding: an int (all six sides) or (left, right, top, bottom, front, back).

    Shape:
        - input: $(C, D, H, W)$ or $(N, C, D, H, W)$.
        - output: the same, each of $D, H, W$ grown by its two amounts.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.CircularPad3d(1)(dn.tensor(np.zeros((1, 1, 2, 2, 2)))).shape
        (1, 1, 4, 4, 4)
    """

    _dims, _mode = 3, "circular"
