r"""Products that build larger tensors from smaller ones: ``kron`` (the Kronecker product),
``cross`` (the vector product of 3-vectors), ``vander`` (the Vandermonde matrix of powers) and
``block_diag`` (matrices on the diagonal of a larger one), each built on differentiable ops.

$(A \otimes B)_{(i p + k)(j q + l)} = A_{ij} B_{kl}$ for $B$ of shape $(p, q)$;
$a \times b = (a_2 b_3 - a_3 b_2, \; a_3 b_1 - a_1 b_3, \; a_1 b_2 - a_2 b_1)$.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks
from deltanet.autograd.broadcasting import broadcast_tensors
from deltanet.autograd.conversions import promote
from deltanet.autograd.dims import normalize
from deltanet.autograd.elementwise import _check_same_dtype, _tensor
from deltanet.autograd.factories import ones_like, zeros
from deltanet.autograd.shapes import _as_tensors, cat, reshape, stack, unbind
from deltanet.autograd.tensor import Tensor


def kron(input: Any, other: Any) -> Tensor:
    r"""The Kronecker product: each element $A_{ij}$ of ``input`` replaced by the block $A_{ij} B$
    (``numpy.kron``; tensors of different ranks get leading axes of size 1).

    Args:
        input: a tensor $A$.
        other: a tensor $B$.

    Examples:
        >>> import deltanet as dn
        >>> dn.kron(dn.eye(2), dn.tensor([[1.0, 2.0]])).tolist()
        [[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0]]
    """
    a, b = _tensor(input), _tensor(other)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...): the blocks, interleaved.
    left = reshape(a, tuple(x for s in sa for x in (s, 1)))
    right = reshape(b, tuple(x for s in sb for x in (1, s)))
    return reshape(left * right, tuple(p * q for p, q in zip(sa, sb)))


def cross(input: Any, other: Any, dim: Any = None) -> Tensor:
    r"""The vector product $a \times b$ of the 3-vectors along ``dim`` (the other axes broadcast).

    $a \times b = (a_2 b_3 - a_3 b_2, \; a_3 b_1 - a_1 b_3, \; a_1 b_2 - a_2 b_1)$.

    Args:
        input: a tensor $a$ with 3 elements along ``dim``.
        other: a tensor $b$ that broadcasts with ``input``.
        dim: the axis of the vectors; None takes the first axis of size 3 (as PyTorch, which warns
            that this default will change: give ``dim``, or use ``dim=-1``).

    Raises:
        ValueError: no axis of size 3, or ``dim`` not of size 3.

    Examples:
        >>> import deltanet as dn
        >>> dn.cross(dn.tensor([1.0, 0.0, 0.0]), dn.tensor([0.0, 1.0, 0.0]), dim=0).tolist()
        [0.0, 0.0, 1.0]
    """
    _check_same_dtype("cross", _tensor(input), _tensor(other))
    a, b = broadcast_tensors(_tensor(input), _tensor(other))
    if dim is None:
        sizes = [d for d, n in enumerate(a.shape) if n == 3]
        if not sizes:
            raise ValueError(f"cross: no dimension of size 3 in the broadcast shape {a.shape}")
        d = sizes[0]
    else:
        d = normalize(_checks.integer(dim, "dim", "cross"), max(a.ndim, 1), "cross")
    if a.ndim == 0 or a.shape[d] != 3:
        raise ValueError(f"cross: dimension {dim} must have size 3, got shape {a.shape}")
    a1, a2, a3 = unbind(a, d)
    b1, b2, b3 = unbind(b, d)
    return stack([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], dim=d)


def vander(x: Any, N: Any = None, increasing: Any = False) -> Tensor:
    r"""The Vandermonde matrix of a vector: column $j$ holds $x^{N - 1 - j}$ (or $x^j$ with
    ``increasing``), $N$ columns (``len(x)`` by default).

    Args:
        x: a 1-D tensor.
        N: the number of columns (non-negative).
        increasing: powers from $x^0$ upwards instead of downwards.

    Raises:
        ValueError: ``x`` is not 1-D, or ``N`` is negative.

    Examples:
        >>> import deltanet as dn
        >>> dn.vander(dn.tensor([1, 2, 3])).tolist()
        [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    v = _tensor(x)
    if v.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {v.shape}")
    n = v.shape[0] if N is None else _checks.integer(N, "N", "vander", low=0)
    if v.array.dtype.kind == "b":
        v = v.long()
    if n == 0:
        return zeros(v.shape[0], 0, dtype=v.dtype)
    # x ** 0 written as ones: the power rule's 0 * x ** -1 would give nan at x = 0.
    columns = [ones_like(v)] + [v**k for k in range(1, n)]
    return stack(columns if _checks.flag(increasing, "increasing", "vander") else columns[::-1], dim=1)


def block_diag(*tensors: Any) -> Tensor:
    r"""The matrices on the diagonal of one larger matrix, zeros elsewhere: a 0-d tensor counts as
    $1 \times 1$, a 1-D one as one row.

    Args:
        tensors: tensors of at most two axes (their dtypes are promoted).

    Raises:
        ValueError: a tensor with more than two axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.block_diag(dn.tensor([[1, 2]]), dn.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    if not tensors:
        return zeros(1, 0)
    ts = _as_tensors(tensors, "block_diag")
    if any(t.ndim > 2 for t in ts):
        raise ValueError(f"block_diag: every tensor must have at most 2 dimensions, got {[t.shape for t in ts]}")
    blocks = promote(*[reshape(t, (1, -1) if t.ndim < 2 else t.shape) for t in ts])
    kind = blocks[0].dtype
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        rows.append(cat([zeros(r, left, dtype=kind), b, zeros(r, width - left - c, dtype=kind)], dim=1))
        left += c
    return cat(rows, dim=0)
