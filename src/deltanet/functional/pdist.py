r"""``pdist``: the $p$-norm distance between every pair of rows of one matrix, as PyTorch's
``torch.pdist`` / ``torch.nn.functional.pdist``.

For rows $x_0, \dots, x_{N-1}$ the result holds $d_{ij} = \lVert x_i - x_j \rVert_p$ for $i < j$, in
row-major order of the upper triangle ($d_{01}, d_{02}, \dots, d_{12}, \dots$): $N (N - 1) / 2$ values.
The gradient is PyTorch's, including its choices where the norm has no derivative: zero where two
rows coincide (any $p$), zero for $p = 0$, and for $p = \infty$ the full $\delta$ to every element
whose difference ties for the maximum.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, as_tensor


def _norms(diff: np.ndarray, p: float) -> np.ndarray:
    a = np.abs(diff)
    if p == 0:
        return np.count_nonzero(a, axis=1).astype(diff.dtype)
    if p == 1:
        return a.sum(axis=1)
    if p == 2:
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if math.isinf(p):
        return a.max(axis=1, initial=0)
    return (a**p).sum(axis=1) ** (1 / p)


class PairwiseDistances(Function):
    r"""$d_{ij} = \lVert x_i - x_j \rVert_p$ for $i < j$; $\partial d_{ij} / \partial x_i =
    \operatorname{sign}(u) |u|^{p-1} / d_{ij}^{p-1}$ with $u = x_i - x_j$, and its negative for $x_j$."""

    def forward(self, x: np.ndarray, p: float) -> np.ndarray:
        i, j = np.triu_indices(x.shape[0], 1)
        diff = x[i] - x[j]
        d = _norms(diff, p)
        self.save_for_backward(diff, d)
        self.rows, self.p, self.n = (i, j), p, x.shape[0]
        return d

    def backward(self, delta: np.ndarray) -> np.ndarray:
        diff, d = self.saved_tensors
        p, (i, j) = self.p, self.rows
        g = delta[:, None]
        dist = d[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                pair = np.zeros_like(diff)
            elif p == 1:
                pair = g * np.sign(diff)
            elif math.isinf(p):
                pair = g * np.sign(diff) * (1 - np.minimum(1, np.ceil(np.abs(np.abs(diff) - dist))))
            elif p == 2:
                pair = np.where(dist == 0, 0, g * diff / dist)
            elif p < 2:
                pair = np.where(dist == 0, 0, np.sign(diff) * np.abs(diff) ** (p - 1) * g / dist ** (p - 1))
                if p < 1:
                    pair = np.where(diff == 0, 0, pair)
            else:
                pair = np.where(dist == 0, 0, diff * np.abs(diff) ** (p - 2) * g / dist ** (p - 1))
        grad = np.zeros((self.n, diff.shape[1]), dtype=delta.dtype)
        np.add.at(grad, i, pair)
        np.add.at(grad, j, -pair)
        return grad


def pdist(input: Any, p: float = 2.0) -> Tensor:
    r"""The $p$-norm distances between all pairs of rows, $d_{ij} = \lVert x_i - x_j \rVert_p$ for
    $i < j$, in row-major order of the upper triangle.

    $$
    \lVert u \rVert_p = \Big(\sum_k |u_k|^p\Big)^{1/p}, \quad \lVert u \rVert_0 = \#\{k : u_k \ne 0\},
    \quad \lVert u \rVert_\infty = \max_k |u_k|
    $$

    Args:
        input: a floating-point matrix $(N, M)$.
        p: the norm's order, $p \ge 0$ (``float("inf")`` too); default 2.

    Returns:
        A tensor of shape $(N (N - 1) / 2,)$.

    Raises:
        RuntimeError: ``input`` is not 2-D or not floating-point, or ``p`` is negative, as PyTorch.

    Shape:
        input $(N, M)$; output $(N (N - 1) / 2,)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.pdist(dn.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()
        [5.0, 1.0, 4.242640495300293]
    """
    x = as_tensor(input, owner="pdist")
    p = check.number(p, "p", "pdist", finite=False)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got dtype {x.dtype}")
    if not p >= 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    return PairwiseDistances.apply(x, p=float(p))
