r"""Matrix-shaped helpers with PyTorch's names: ``tril``, ``triu``, ``outer``, ``mv``, ``einsum``
and ``cdist`` (the matrix of distances between two sets of points).

``tril``/``triu`` keep a triangle and zero the rest (the causal mask of attention is
``torch.tril(torch.ones(T, T))``); their gradient is $\delta$ on the kept triangle and 0 elsewhere.
``einsum`` is one ``Function``: the gradient with respect to one operand is again an einsum, of
$\delta$ with the other operands, back to that operand's subscripts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd import ops
from deltanet.autograd.elementwise import _check_same_dtype, _tensor
from deltanet.autograd.function import Function
from deltanet.autograd.reductions import norm
from deltanet.autograd.tensor import Tensor, leaf


def _triangle(input: Any, diagonal: Any, lower: bool, name: str) -> Tensor:
    x = _tensor(input)
    k = _checks.integer(diagonal, "diagonal", owner=name)
    if x.ndim < 2:
        raise ValueError(f"{name}: input must have at least 2 dimensions, got shape {x.shape}")
    n, m = x.shape[-2:]
    keep = np.tri(n, m, k, dtype=np.bool_) if lower else ~np.tri(n, m, k - 1, dtype=np.bool_)
    return ops.Where.apply(x, leaf(np.zeros((), x.array.dtype)), condition=keep)


def tril(input: Any, diagonal: Any = 0) -> Tensor:
    r"""The lower triangle of the last two axes: $z_{ij} = x_{ij}$ where $j - i \le k$, else 0.

    Args:
        input: a tensor of at least 2 dimensions (a stack of matrices for more).
        diagonal: $k$; 0 keeps the main diagonal, $-1$ drops it, $1$ keeps one more above it.

    Raises:
        ValueError: ``input`` has fewer than 2 dimensions, or ``diagonal`` is not an integer.

    Shape:
        - input: $(*, n, m)$.
        - output: $(*, n, m)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.tril(dn.ones(3, 3)).tolist()
        [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    return _triangle(input, diagonal, True, "tril")


def triu(input: Any, diagonal: Any = 0) -> Tensor:
    r"""The upper triangle of the last two axes: $z_{ij} = x_{ij}$ where $j - i \ge k$, else 0.

    Args:
        input: a tensor of at least 2 dimensions (a stack of matrices for more).
        diagonal: $k$; 0 keeps the main diagonal, $1$ drops it, $-1$ keeps one more below it.

    Raises:
        ValueError: ``input`` has fewer than 2 dimensions, or ``diagonal`` is not an integer.

    Shape:
        - input: $(*, n, m)$.
        - output: $(*, n, m)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.triu(dn.ones(2, 3), diagonal=1).tolist()
        [[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    return _triangle(input, diagonal, False, "triu")


def outer(input: Any, vec2: Any) -> Tensor:
    r"""The outer product of two vectors, $z_{ij} = x_i y_j$.

    Args:
        input: a 1-D tensor $x$ of length $n$.
        vec2: a 1-D tensor $y$ of length $m$.

    Raises:
        ValueError: an operand is not 1-D.

    Shape:
        - output: $(n, m)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.outer(dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0, 5.0])).tolist()
        [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    """
    x = _tensor(input)
    y = _tensor(vec2)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"outer: expects two 1-D tensors, got shapes {x.shape} and {y.shape}")
    return x.reshape(-1, 1) * y.reshape(1, -1)


def mv(input: Any, vec: Any) -> Tensor:
    r"""The product of a matrix and a vector, $z_i = \sum_j W_{ij} x_j$.

    Args:
        input: a 2-D tensor $W$ of shape $(n, m)$.
        vec: a 1-D tensor $x$ of length $m$.

    Raises:
        ValueError: the operands are not a matrix and a vector of matching size.

    Shape:
        - output: $(n,)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.mv(dn.ones(2, 3), dn.tensor([1.0, 2.0, 3.0])).tolist()
        [6.0, 6.0]
    """
    W = _tensor(input)
    x = _tensor(vec)
    if W.ndim != 2 or x.ndim != 1 or W.shape[1] != x.shape[0]:
        raise ValueError(f"mv: expects an (n, m) matrix and a vector of length m, got shapes {W.shape} and {x.shape}")
    return W @ x


class Einsum(Function):
    r"""$z = \text{einsum}(\text{equation}, x_1, \dots, x_n)$: products of the operands summed over
    the subscripts that the output does not name.

    $\partial L / \partial x_i$ is the einsum of $\delta$ with the other operands, back to $x_i$'s
    subscripts; a subscript that only $x_i$ has (summed over in the forward pass) is broadcast back.
    """

    def forward(self, *arrays: np.ndarray, inputs: tuple[str, ...], output: str) -> np.ndarray:
        self.inputs, self.output = inputs, output
        self.save_for_backward(*arrays)
        equation = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 2))

    def backward(self, delta: np.ndarray) -> tuple:
        arrays = self.saved_tensors
        grads: list[np.ndarray | None] = []
        for i, (subs, x) in enumerate(zip(self.inputs, arrays, strict=True)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, a) for j, (s, a) in enumerate(zip(self.inputs, arrays, strict=True)) if j != i]
            known = set(self.output).union(*(s for s, _ in others))
            target = "".join(c for c in subs if c in known)
            equation = ",".join([self.output, *(s for s, _ in others)]) + "->" + target
            g = np.asarray(np.einsum(equation, delta, *(a for _, a in others), optimize=len(others) > 1))
            shape = tuple(n if c in known else 1 for c, n in zip(subs, x.shape, strict=True))
            grads.append(np.ascontiguousarray(np.broadcast_to(g.reshape(shape), x.shape), dtype=x.dtype))
        return tuple(grads)


def _parse(equation: str, count: int) -> tuple[tuple[str, ...], str]:
    spec = equation.replace(" ", "")
    if "." in spec:
        raise ValueError(f"einsum: '...' (ellipsis) is not supported, got {equation!r}; name every axis with a letter")
    left, arrow, output = spec.partition("->")
    inputs = tuple(left.split(","))
    letters = "".join(inputs)
    if not arrow:  # implicit mode: the letters that appear once, in alphabetical order
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if not all(c.isalpha() for c in letters + output):
        raise ValueError(f"einsum: subscripts must be letters, got {equation!r}")
    if len(inputs) != count:
        raise ValueError(f"einsum: the equation {equation!r} names {len(inputs)} operands, got {count}")
    for subs in (*inputs, output):
        if len(set(subs)) != len(subs):
            raise ValueError(
                f"einsum: a subscript repeated within one operand or the output ({subs!r} in {equation!r}) "
                "is not supported; take the diagonal first (e.g. with a mask) and name each axis once"
            )
    if not set(output) <= set(letters):
        raise ValueError(f"einsum: the output {output!r} names a subscript no operand has, in {equation!r}")
    return inputs, output


def einsum(equation: str, *operands: Any) -> Tensor:
    r"""Einstein summation: $z_{\text{out}} = \sum_{\text{others}} \prod_k (x_k)_{\text{subs}_k}$,
    e.g. ``"bij,bjk->bik"`` (batched products) or ``"bqd,bkd->bqk"`` (attention scores).

    Differentiable in every operand. Each subscript is a letter that names one axis of one operand
    once; the ellipsis (``...``) and repeated subscripts within an operand (diagonals) raise.

    Args:
        equation: the operands' subscripts separated by commas, then ``->`` and the output's
            (without ``->``, the letters that appear once, in alphabetical order).
        operands: the tensors, one per group of subscripts (or one list of them, as PyTorch allows).

    Raises:
        ValueError: the equation does not match the operands, or uses what is not supported.

    Examples:
        >>> import deltanet as dn
        >>> q = dn.ones(2, 3, 4)
        >>> dn.einsum("bqd,bkd->bqk", q, q).shape
        (2, 3, 3)
        >>> dn.einsum("ij->j", dn.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
        [4.0, 6.0]
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [_tensor(t) for t in operands]
    for t in ts[1:]:
        _check_same_dtype("einsum", ts[0], t)
    inputs, output = _parse(equation, len(ts))
    for subs, t in zip(inputs, ts, strict=True):
        if len(subs) != t.ndim:
            raise ValueError(f"einsum: subscripts {subs!r} name {len(subs)} axes of a tensor of shape {t.shape}")
    return Einsum.apply(*ts, inputs=inputs, output=output)


def cdist(x1: Any, x2: Any, p: Any = 2.0, compute_mode: Any = None) -> Tensor:
    r"""The $p$-norm distances between the rows of two sets of points,
    $d_{ij} = \lVert x_{1,i} - x_{2,j} \rVert_p$ (for each batch when the inputs are 3-D).

    Computed from the differences themselves (exact, also at a zero distance, where the gradient
    is 0 as in PyTorch); the memory it takes is $B \cdot N \cdot M \cdot D$.

    Args:
        x1: a tensor of shape $(N, D)$ or $(B, N, D)$.
        x2: a tensor of shape $(M, D)$ or $(B, M, D)$.
        p: the norm's order: a non-negative number or ``inf``.
        compute_mode: accepted for PyTorch's signature; the distances are always computed exactly.

    Raises:
        ValueError: the inputs are not 2-D or 3-D alike, their last sizes differ, they are not
            floating-point, or ``p`` < 0.

    Shape:
        - x1: $(B, N, D)$ or $(N, D)$.
        - x2: $(B, M, D)$ or $(M, D)$.
        - output: $(B, N, M)$ or $(N, M)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.cdist(dn.tensor([[0.0, 0.0], [1.0, 1.0]]), dn.tensor([[3.0, 4.0]])).tolist()
        [[5.0], [3.605551242828369]]
    """
    a = _tensor(x1)
    b = _tensor(x2)
    _check_same_dtype("cdist", a, b)
    if a.ndim not in (2, 3) or b.ndim != a.ndim or a.shape[-1] != b.shape[-1] or a.shape[:-2] != b.shape[:-2]:
        raise ValueError(
            f"cdist: expects x1 of shape (N, D) or (B, N, D) and x2 of shape (M, D) or (B, M, D), "
            f"got {a.shape} and {b.shape}"
        )
    if a.array.dtype.kind != "f" or b.array.dtype.kind != "f":
        raise ValueError(
            f"cdist: expects floating-point tensors (as PyTorch), got {a.dtype} and {b.dtype}; use x.float()"
        )
    order = _checks.number(p, "p", owner="cdist", low=0.0, finite=False)
    return norm(a.unsqueeze(-2) - b.unsqueeze(-3), p=order, dim=-1)
