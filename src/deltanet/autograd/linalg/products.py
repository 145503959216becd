r"""Products and distances with PyTorch's names, written with differentiable ops (their gradients
come from those): ``vecdot``, ``inner``, ``vdot``, ``tensordot``, ``multi_dot``, ``addmv``,
``addr``, ``addbmm``, ``dist``, ``renorm``, ``cross``, ``kron``, ``vander``, ``diagonal``, and
PyTorch's older names ``chain_matmul`` and ``ger``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _check_same_dtype, _tensor, dot, matmul, where
from deltanet.autograd.matrices import outer
from deltanet.autograd.reductions import norm
from deltanet.autograd.shapes import cat as torch_cat
from deltanet.autograd.shapes import stack
from deltanet.autograd.special import _add_product
from deltanet.autograd.tensor import Tensor, leaf


def vecdot(x: Any, y: Any, *, dim: Any = -1) -> Tensor:
    r"""The dot product along one axis, $z = \sum_i x_i y_i$ (the other axes broadcast).

    Args:
        x: a tensor.
        y: a tensor that broadcasts with ``x``.
        dim: the axis summed over.

    Raises:
        ValueError: ``dim`` is out of range, or the shapes do not broadcast.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.vecdot(dn.tensor([[1.0, 2.0], [3.0, 4.0]]), dn.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
    """
    _check_same_dtype("linalg.vecdot", _tensor(x), y)
    return (_tensor(x) * y).sum(dim=_checks.integer(dim, "dim", "linalg.vecdot"))


def tensordot(a: Any, b: Any, dims: Any = 2, out: Any = None) -> Tensor:
    r"""The sum of products over the named axes of ``a`` and ``b``: with ``dims=d``, the last $d$ of
    ``a`` against the first $d$ of ``b``; with ``dims=([i, ...], [j, ...])``, those pairs.

    Args:
        a: a tensor.
        b: a tensor.
        dims: an integer $d$, or two lists of axes of equal length (or a 2-D list as PyTorch allows).
        out: must be None (deltanet writes no output in place).

    Raises:
        ValueError: axes out of range, paired axes of different sizes, or an ``out``.

    Shape:
        - output: the axes of ``a`` not summed, then those of ``b``.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensordot(dn.ones(2, 3, 4), dn.ones(3, 4, 5)).shape
        (2, 5)
        >>> dn.tensordot(dn.ones(2, 3), dn.ones(3, 2), dims=([1], [0])).tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """
    if out is not None:
        raise ValueError("tensordot: out= is not supported; use the returned tensor")
    x, y = _tensor(a), _tensor(b)
    if _checks.is_integer(dims):
        d = _checks.integer(dims, "dims", "tensordot", low=0)
        if d > min(x.ndim, y.ndim):
            raise ValueError(f"tensordot: dims={d} is more than the dimensions of {x.shape} or {y.shape}")
        axes_x, axes_y = list(range(x.ndim - d, x.ndim)), list(range(d))
    else:
        if isinstance(dims, Tensor):
            dims = dims.tolist()
        if not isinstance(dims, (list, tuple)) or len(dims) != 2:
            raise ValueError(f"tensordot: dims must be an integer or two lists of axes, got {dims!r}")
        first, second = ([d] if _checks.is_integer(d) else list(d) for d in dims)
        if len(first) != len(second):
            raise ValueError(f"tensordot: the two lists of axes must have the same length, got {dims!r}")
        axes_x = [normalize(_checks.integer(i, "dims", "tensordot"), x.ndim, "tensordot") for i in first]
        axes_y = [normalize(_checks.integer(j, "dims", "tensordot"), y.ndim, "tensordot") for j in second]
    for i, j in zip(axes_x, axes_y, strict=True):
        if x.shape[i] != y.shape[j]:
            raise ValueError(
                f"tensordot: contracted dimensions must have the same size, got axis {i} of {x.shape} "
                f"and axis {j} of {y.shape}"
            )
    free_x = [i for i in range(x.ndim) if i not in axes_x]
    free_y = [j for j in range(y.ndim) if j not in axes_y]
    k = math.prod(x.shape[i] for i in axes_x)
    left = x.permute(*free_x, *axes_x).reshape(math.prod(x.shape[i] for i in free_x), k)
    right = y.permute(*axes_y, *free_y).reshape(k, math.prod(y.shape[j] for j in free_y))
    shape = tuple(x.shape[i] for i in free_x) + tuple(y.shape[j] for j in free_y)
    return matmul(left, right).reshape(shape)


def inner(input: Any, other: Any) -> Tensor:
    r"""The inner product over the last axis: $z_{I J} = \sum_k x_{I k} y_{J k}$ (a plain product
    when one operand is a scalar).

    Args:
        input: a tensor.
        other: a tensor whose last axis has the length of ``input``'s.

    Raises:
        ValueError: the last axes differ in length.

    Shape:
        - output: ``input.shape[:-1] + other.shape[:-1]``.

    Examples:
        >>> import deltanet as dn
        >>> dn.inner(dn.tensor([1.0, 2.0, 3.0]), dn.tensor([0.0, 2.0, 1.0])).item()
        7.0
    """
    x, y = _tensor(input), _tensor(other)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"inner: the last dimensions must have the same size, got shapes {x.shape} and {y.shape}")
    return tensordot(x, y, dims=([-1], [-1]))


def vdot(input: Any, other: Any) -> Tensor:
    r"""The dot product of two 1-D tensors, $\sum_i \bar x_i y_i$ (real tensors: ``dot``).

    Args:
        input: a 1-D tensor.
        other: a 1-D tensor of the same length.

    Raises:
        ValueError: an operand is not 1-D, or the lengths differ.

    Examples:
        >>> import deltanet as dn
        >>> dn.vdot(dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])).item()
        11.0
    """
    x, y = _tensor(input), _tensor(other)
    if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"vdot: expects two 1-D tensors of equal length, got shapes {x.shape} and {y.shape}")
    return dot(x, y)


def multi_dot(tensors: Any) -> Tensor:
    r"""The product $A_1 A_2 \cdots A_k$ of a list of matrices (the first may be a row vector and the
    last a column vector, given 1-D).

    Args:
        tensors: a list or tuple of at least two tensors, 2-D except possibly the first and last (1-D).

    Raises:
        ValueError: fewer than two tensors, or shapes that do not chain.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.multi_dot([dn.ones(2, 3), dn.ones(3, 4), dn.ones(4)]).tolist()
        [12.0, 12.0]
    """
    ts = [_tensor(t) for t in tensors] if isinstance(tensors, (list, tuple)) else None
    if ts is None or len(ts) < 2:
        raise ValueError("linalg.multi_dot: expects a list of at least 2 tensors")
    for i, t in enumerate(ts):
        allowed = (1, 2) if i in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            raise ValueError(
                f"linalg.multi_dot: tensor {i} must be {' or '.join(f'{d}-D' for d in allowed)}, got shape {t.shape}"
            )
    result = ts[0]
    for t in ts[1:]:
        if result.shape[-1] != t.shape[0]:
            raise ValueError(f"linalg.multi_dot: shapes {result.shape} and {t.shape} cannot be multiplied")
        result = matmul(result, t)
    return result


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    r"""$\beta \cdot \text{input} + \alpha (M v)$: a matrix-vector product added to ``input``
    (broadcast); with $\beta = 0$ ``input`` is ignored, NaN included.

    Args:
        input: a tensor that broadcasts to $(n,)$.
        mat: $M$, of shape $(n, m)$.
        vec: $v$, of shape $(m,)$.
        beta: $\beta$.
        alpha: $\alpha$.

    Raises:
        ValueError: ``mat`` is not 2-D or ``vec`` not 1-D of matching length.

    Examples:
        >>> import deltanet as dn
        >>> dn.addmv(dn.ones(2), dn.eye(2), dn.tensor([2.0, 3.0]), alpha=2).tolist()
        [5.0, 7.0]
    """
    M, v = _tensor(mat), _tensor(vec)
    if M.ndim != 2 or v.ndim != 1 or M.shape[1] != v.shape[0]:
        raise ValueError(
            f"addmv: expects an (n, m) matrix and a vector of length m, got shapes {M.shape} and {v.shape}"
        )
    return _add_product(input, matmul(M, v), beta, alpha, "addmv")


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    r"""$\beta \cdot \text{input} + \alpha\, x y^T$: an outer product added to ``input`` (broadcast).

    Args:
        input: a tensor that broadcasts to $(n, m)$.
        vec1: $x$, of shape $(n,)$.
        vec2: $y$, of shape $(m,)$.
        beta: $\beta$ (0 ignores ``input``).
        alpha: $\alpha$.

    Raises:
        ValueError: ``vec1`` or ``vec2`` is not 1-D.

    Examples:
        >>> import deltanet as dn
        >>> dn.addr(dn.zeros(2, 2), dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0])).tolist()
        [[3.0, 4.0], [6.0, 8.0]]
    """
    return _add_product(input, outer(vec1, vec2), beta, alpha, "addr", same_dtype=False)


def dist(input: Any, other: Any, p: Any = 2) -> Tensor:
    r"""The $p$-norm of the difference, $\lVert x - y \rVert_p$, over all elements (broadcast).

    Args:
        input: a floating-point tensor.
        other: a tensor that broadcasts with ``input``.
        p: the norm's order (a non-negative number or ``inf``).

    Raises:
        ValueError: the shapes do not broadcast, or ``p`` < 0.

    Examples:
        >>> import deltanet as dn
        >>> dn.dist(dn.tensor([0.0, 0.0]), dn.tensor([3.0, 4.0])).item()
        5.0
    """
    order = _checks.number(p, "p", "dist", low=0.0, finite=False)
    return norm(_tensor(input) - other, p=order)


def renorm(input: Any, p: Any, dim: Any, maxnorm: Any) -> Tensor:
    r"""Each slice along ``dim`` whose $p$-norm exceeds ``maxnorm`` scaled down to it:
    $z = x \cdot \text{maxnorm} / (\lVert x \rVert_p + 10^{-7})$ there, $x$ elsewhere (PyTorch's rule).

    Args:
        input: a floating-point tensor of at least 1 dimension.
        p: the norm's order (positive).
        dim: the axis that indexes the slices (each slice holds the other axes).
        maxnorm: the largest norm kept (non-negative).

    Raises:
        ValueError: an integer ``input``, ``p`` <= 0, ``maxnorm`` < 0, or ``dim`` out of range.

    Examples:
        >>> import deltanet as dn
        >>> dn.renorm(dn.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    owner = "renorm"
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: expects a floating-point tensor (as PyTorch), got dtype {x.dtype}; use x.float()")
    order = _checks.number(p, "p", owner, low=0.0, low_open=True, finite=False)
    limit = _checks.number(maxnorm, "maxnorm", owner, low=0.0)
    if x.ndim < 1:
        raise ValueError(f"{owner}: input must have at least 1 dimension, got shape {x.shape}")
    axis = normalize(_checks.integer(dim, "dim", owner), x.ndim, owner)
    others = tuple(i for i in range(x.ndim) if i != axis)
    norms = norm(x, p=order, dim=others, keepdim=True) if others else x.abs()
    over = norms.array > limit
    factor = where(leaf(over), limit / (norms + 1e-7), leaf(np.ones((), x.dtype)))
    return x * factor


def cross(input: Any, other: Any, dim: Any = -1) -> Tensor:
    r"""The cross product $x \times y$ of 3-vectors along ``dim`` (the other axes broadcast).

    Args:
        input: a tensor with size 3 along ``dim``.
        other: a tensor that broadcasts with ``input``, size 3 along ``dim``.
        dim: the axis of the vectors.

    Raises:
        ValueError: ``dim`` has a size other than 3 in an operand.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.cross(dn.tensor([1.0, 0.0, 0.0]), dn.tensor([0.0, 1.0, 0.0])).tolist()
        [0.0, 0.0, 1.0]
    """
    x, y = _tensor(input), _tensor(other)
    _check_same_dtype("linalg.cross", x, y)
    ndim = max(x.ndim, y.ndim)
    axis = normalize(_checks.integer(dim, "dim", "linalg.cross"), ndim, "linalg.cross")
    xs = x.reshape((1,) * (ndim - x.ndim) + x.shape)
    ys = y.reshape((1,) * (ndim - y.ndim) + y.shape)
    if xs.shape[axis] != 3 or ys.shape[axis] != 3:
        raise ValueError(f"linalg.cross: dim {dim} must have size 3 in both inputs, got shapes {x.shape} and {y.shape}")
    lead = (slice(None),) * axis
    a = [xs[(*lead, i)] for i in range(3)]
    b = [ys[(*lead, i)] for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return stack(parts, dim=axis)


def chain_matmul(*matrices: Any) -> Tensor:
    r"""$A_1 A_2 \cdots A_k$: PyTorch's older ``torch.chain_matmul`` (now ``linalg.multi_dot``).

    Args:
        matrices: 2-D tensors whose shapes chain.

    Examples:
        >>> import deltanet as dn
        >>> dn.chain_matmul(dn.ones(2, 3), dn.ones(3, 1)).tolist()
        [[3.0], [3.0]]
    """
    if len(matrices) == 1:
        return _tensor(matrices[0])
    for i, m in enumerate(matrices):
        if _tensor(m).ndim != 2:
            raise ValueError(f"chain_matmul: tensor {i} must be 2-D, got shape {_tensor(m).shape}")
    return multi_dot(list(matrices))


def ger(input: Any, vec2: Any) -> Tensor:
    r"""The outer product $x y^T$: PyTorch's older name of ``outer``.

    Args:
        input: a 1-D tensor $x$.
        vec2: a 1-D tensor $y$.

    Examples:
        >>> import deltanet as dn
        >>> dn.ger(dn.tensor([1.0, 2.0]), dn.tensor([3.0])).tolist()
        [[3.0], [6.0]]
    """
    return outer(input, vec2)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    r"""$\beta \cdot \text{input} + \alpha \sum_b B_{1,b} B_{2,b}$: the products of two batches of
    matrices, summed over the batch, added to ``input`` (0 for $\beta$ ignores it, NaN included).

    Args:
        input: a tensor that broadcasts to $(n, p)$.
        batch1: $(b, n, m)$.
        batch2: $(b, m, p)$.
        beta: $\beta$.
        alpha: $\alpha$.

    Raises:
        ValueError: the batches are not 3-D with matching sizes.

    Examples:
        >>> import deltanet as dn
        >>> dn.addbmm(dn.zeros(1, 1), dn.ones(2, 1, 3), dn.ones(2, 3, 1)).tolist()
        [[6.0]]
    """
    b1, b2 = _tensor(batch1), _tensor(batch2)
    if b1.ndim != 3 or b2.ndim != 3 or b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ValueError(f"addbmm: expects batches (b, n, m) and (b, m, p), got shapes {b1.shape} and {b2.shape}")
    return _add_product(input, matmul(b1, b2).sum(dim=0), beta, alpha, "addbmm")


def vander(x: Any, *, N: Any = None) -> Tensor:
    r"""The Vandermonde matrix of increasing powers, $V_{ij} = x_i^{\,j}$, $j = 0, \dots, N - 1$
    (``torch.linalg.vander``; the older ``torch.vander`` has decreasing powers).

    Args:
        x: a tensor of shape $(*, n)$.
        N: the number of columns (default $n$).

    Raises:
        ValueError: ``x`` is 0-D, or ``N`` < 1.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.vander(dn.tensor([2.0, 3.0])).tolist()
        [[1.0, 2.0], [1.0, 3.0]]
    """
    t = _tensor(x)
    if t.ndim < 1:
        raise ValueError(f"linalg.vander: x must have at least 1 dimension, got shape {t.shape}")
    n = t.shape[-1] if N is None else _checks.integer(N, "N", "linalg.vander", low=1)
    columns = [t.unsqueeze(-1) ** 0]
    for _ in range(1, n):
        columns.append(columns[-1] * t.unsqueeze(-1))
    return torch_cat(columns, -1)


def diagonal(A: Any, *, offset: Any = 0, dim1: Any = -2, dim2: Any = -1) -> Tensor:
    r"""The diagonals of a stack of matrices, $z_{\dots i} = A_{\dots i, i + \text{offset}}$
    (``torch.linalg.diagonal``: ``torch.diagonal`` with the last two axes by default).

    Args:
        A: a tensor of at least 2 dimensions.
        offset: 0 the main diagonal, > 0 above it, < 0 below it.
        dim1: the first axis of the matrices.
        dim2: the second axis.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.diagonal(dn.eye(2).unsqueeze(0)).tolist()
        [[1.0, 1.0]]
    """
    return _tensor(A).diagonal(offset, dim1, dim2)


def conjugate_transpose(self: Tensor) -> Tensor:
    """``x.H``: the conjugate transpose of a matrix (real tensors: the transpose); 0-D to 2-D only."""
    if self.ndim > 2:
        raise ValueError(
            f"tensor.H is only supported on matrices (2-D tensors), got shape {self.shape}; use x.mH for a stack"
        )
    return self.T
