r"""Rotations and mirror images of images and matrices, as data augmentation uses them: ``rot90``,
``fliplr`` and ``flipud``, built on ``flip`` and ``transpose`` (so differentiable, and copies, as
in PyTorch).

A quarter turn counter-clockwise in the plane of ``dims`` $(a, b)$ is a flip of axis $b$ followed
by the swap of $a$ and $b$: $z_{ij} = x_{j, n - 1 - i}$ for a square $n \times n$ matrix.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.shapes import clone, transpose
from deltanet.autograd.sorting import flip
from deltanet.autograd.tensor import Tensor


def rot90(input: Any, k: Any = 1, dims: Any = (0, 1)) -> Tensor:
    r"""``input`` turned by ``k`` quarter turns in the plane of ``dims``, from the first axis
    towards the second (counter-clockwise for an image shown row 0 on top); negative ``k`` turns
    the other way. A copy.

    For ``k = 1``: $z = \text{transpose}(\text{flip}(x, b), a, b)$ with ``dims`` $= (a, b)$.

    Args:
        input: a tensor of at least two axes.
        k: the number of quarter turns (any integer; taken modulo 4).
        dims: the two different axes of the plane of rotation.

    Raises:
        ValueError: fewer than two axes, ``dims`` not two different axes, or ``k`` not an integer.

    Examples:
        >>> import deltanet as dn
        >>> dn.rot90(dn.tensor([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """
    x = _tensor(input)
    turns = _checks.integer(k, "k", "rot90") % 4
    if not isinstance(dims, (tuple, list)) or len(dims) != 2:
        raise ValueError(f"rot90: dims must be two axes, got {dims!r}")
    if x.ndim < 2:
        raise ValueError(f"rot90: needs a tensor of at least 2 dimensions, got shape {x.shape}")
    a, b = (normalize(_checks.integer(d, "dims", "rot90"), x.ndim, "rot90") for d in dims)
    if a == b:
        raise ValueError(f"rot90: the two axes of dims must differ, got {dims!r}")
    if turns == 1:
        return transpose(flip(x, [b]), a, b)
    if turns == 2:
        return flip(x, [a, b])
    if turns == 3:
        return transpose(flip(x, [a]), a, b)
    return clone(x)


def fliplr(input: Any) -> Tensor:
    r"""``input`` mirrored left to right: the order of axis 1 reversed, $z_{ij} = x_{i, n - 1 - j}$
    (a copy).

    Args:
        input: a tensor of at least two axes.

    Raises:
        ValueError: fewer than two axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.fliplr(dn.tensor([[1, 2], [3, 4]])).tolist()
        [[2, 1], [4, 3]]
    """
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"fliplr: needs a tensor of at least 2 dimensions, got shape {x.shape}")
    return flip(x, [1])


def flipud(input: Any) -> Tensor:
    r"""``input`` mirrored upside down: the order of axis 0 reversed, $z_{ij} = x_{m - 1 - i, j}$
    (a copy).

    Args:
        input: a tensor of at least one axis.

    Raises:
        ValueError: a 0-d tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.flipud(dn.tensor([[1, 2], [3, 4]])).tolist()
        [[3, 4], [1, 2]]
    """
    x = _tensor(input)
    if x.ndim < 1:
        raise ValueError(f"flipud: needs a tensor of at least 1 dimension, got shape {x.shape}")
    return flip(x, [0])
