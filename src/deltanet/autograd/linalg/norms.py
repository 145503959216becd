r"""``torch.linalg``'s norms: ``dn.linalg.norm``, ``vector_norm`` and ``matrix_norm``.

Vector norms are ``Tensor.norm``'s (gradient 0 where the norm is 0, as PyTorch's). The matrix
norms are made of sums and maxima of $|A_{ij}|$ (Frobenius, 1, -1, inf, -inf) or of the singular
values (2: the largest, -2: the smallest, ``"nuc"``: their sum), through ``svdvals``.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.elementwise import _tensor
from deltanet.autograd.linalg.decompositions import svdvals
from deltanet.autograd.reductions import amax, amin
from deltanet.autograd.reductions import norm as _norm
from deltanet.autograd.tensor import Tensor
from deltanet.backend import resolve_dtype


def _input(x: Any, dtype: Any, owner: str) -> Tensor:
    t = _tensor(x)
    if dtype is not None:
        t = to_dtype(t, resolve_dtype(dtype, owner))
    if t.array.dtype.kind != "f":
        raise ValueError(
            f"{owner}: expects a floating-point tensor, got dtype {t.dtype}; convert first, e.g. x.float()"
        )
    return t


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    r"""The vector $p$-norm $(\sum_i |x_i|^p)^{1/p}$ over ``dim`` (all elements when None).

    Args:
        x: a floating-point tensor.
        ord: $p$: a positive number, ``inf`` (the largest $|x_i|$), ``-inf`` or 0 (the count of nonzeros).
        dim: an axis or a tuple of axes; None: every element.
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``x`` to this dtype first.

    Raises:
        ValueError: an integer tensor, or an unsupported ``ord``.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.vector_norm(dn.tensor([[3.0, 4.0], [6.0, 8.0]]), dim=1).tolist()
        [5.0, 10.0]
    """
    return _norm(_input(x, dtype, "vector_norm"), p=ord, dim=dim, keepdim=keepdim)


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    r"""A matrix norm over the two axes ``dim``: Frobenius $\sqrt{\sum_{ij} A_{ij}^2}$, the largest
    (``ord=1``, ``inf``) or smallest (``-1``, ``-inf``) absolute column (1) or row (inf) sum, or of
    the singular values $\sigma$: the largest (2), the smallest (-2) or their sum (``"nuc"``).

    Args:
        A: a floating-point tensor of at least 2 dimensions.
        ord: ``"fro"``, ``"nuc"``, 1, -1, 2, -2, ``inf`` or ``-inf``.
        dim: the two axes that hold the matrices.
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``A`` to this dtype first.

    Raises:
        ValueError: an unsupported ``ord``, or ``dim`` does not name two axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.matrix_norm(dn.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1).item()
        6.0
    """
    t = _input(A, dtype, "matrix_norm")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2 or t.ndim < 2:
        raise ValueError(f"matrix_norm: dim must name two axes of a tensor of at least 2 dimensions, got {dim!r}")
    rows, cols = (d % t.ndim for d in dim)
    if ord == "fro":
        return _norm(t, p=2, dim=(rows, cols), keepdim=keepdim)
    if ord in (2, -2, "nuc"):
        rest = [i for i in range(t.ndim) if i not in (rows, cols)]
        s = svdvals(t.permute(*rest, rows, cols))
        out = s.sum(-1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
        return out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols)) if keepdim else out
    if ord not in (1, -1, math.inf, -math.inf):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {ord!r}")
    summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)  # 1: column sums; inf: row sums
    sums = t.abs().sum(dim=summed, keepdim=True)
    pick = amax if ord > 0 else amin
    out = pick(sums, dim=other, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    r"""``torch.linalg.norm``: a vector norm over one axis (or over every element when ``ord`` and
    ``dim`` are both None: $\sqrt{\sum x^2}$), a matrix norm over two.

    Args:
        A: a floating-point tensor.
        ord: the order; None is 2 for vectors and ``"fro"`` for matrices.
        dim: an axis (a vector norm), two axes (a matrix norm), or None: the whole tensor when
            ``ord`` is None, else ``A`` must be 1-D (vector) or 2-D (matrix).
        keepdim: keep the reduced axes with size 1.
        dtype: convert ``A`` to this dtype first.

    Raises:
        ValueError: an ``ord`` given with ``dim=None`` for a tensor of more than 2 dimensions, or
            what ``vector_norm`` and ``matrix_norm`` refuse.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.norm(dn.tensor([[3.0, 4.0], [0.0, 0.0]])).item()
        5.0
    """
    t = _input(A, dtype, "norm")
    if dim is None:
        if ord is None:
            return (
                _norm(t, p=2, dim=None, keepdim=keepdim)
                if not keepdim
                else _norm(t, p=2, dim=tuple(range(t.ndim)), keepdim=True)
            )
        if t.ndim not in (1, 2):
            raise ValueError(
                f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape {t.shape}"
            )
        dim = (0,) if t.ndim == 1 else (0, 1)
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) == 2:
        return matrix_norm(t, "fro" if ord is None else ord, dims, keepdim)
    return vector_norm(t, 2 if ord is None else ord, dims[0] if len(dims) == 1 else dims, keepdim)
