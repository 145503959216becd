r"""Householder reflectors: ``linalg.householder_product`` (``torch.orgqr``) and ``torch.geqrf``.

``geqrf`` is LAPACK's QR factorization in its raw form (NumPy's ``qr(mode='raw')``, the same
numbers as PyTorch's): $R$ on and above the diagonal and, below it, the vectors $v_i$ of the
reflectors $H_i = I - \tau_i v_i v_i^T$ ($v_i$ has zeros above entry $i$ and a 1 at it, not
stored), with $Q = H_1 H_2 \cdots H_k$. ``householder_product`` multiplies them out: the first
$n$ columns of $H_1 \cdots H_k$.

Gradient of $Q = H_1 \cdots H_k E$ ($E$ the first $n$ columns of $I$): with $G_i = (H_1 \cdots
H_{i-1})^T \bar Q$ and $R_i = H_{i+1} \cdots H_k E$, the gradient of the reflector is
$\bar H_i = G_i R_i^T$, so $\bar\tau_i = -v_i^T \bar H_i v_i$ and
$\bar v_i = -\tau_i (\bar H_i + \bar H_i^T) v_i$ (below the diagonal only: the rest of $v_i$ is fixed).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks
from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, floating
from deltanet.autograd.shapes import cat
from deltanet.autograd.tensor import Tensor


def reflector(A: np.ndarray, i: int) -> np.ndarray:
    """$v_i$ ``(*, m)``: zeros above entry ``i``, 1 at it, column ``i`` of ``A`` below it."""
    v = np.zeros(A.shape[:-1], dtype=A.dtype)
    v[..., i] = 1.0
    v[..., i + 1 :] = A[..., i + 1 :, i]
    return v


def reflect(v: np.ndarray, tau: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""$H X = X - \tau v (v^T X)$ for each batch element."""
    return X - (tau[..., None, None] * v[..., :, None]) * (v[..., None, :] @ X)


class HouseholderProduct(Function):
    r"""The first $n$ columns of $H_1 \cdots H_k$, $H_i = I - \tau_i v_i v_i^T$ (see the module docstring).

    The backward needs every $R_i = H_{i+1} \cdots H_k E$; the forward keeps one in every
    $\lceil \sqrt k \rceil$ and the backward recomputes the others segment by segment, so the
    memory is $O(\sqrt k\, m n)$ instead of $O(k m n)$.
    """

    def forward(self, A: np.ndarray, tau: np.ndarray) -> np.ndarray:
        m, n = A.shape[-2:]
        k = tau.shape[-1]
        self.step = max(1, math.isqrt(max(k - 1, 0)) + 1)
        R = np.broadcast_to(np.eye(m, n, dtype=A.dtype), A.shape).copy()  # R_{k-1} = E
        self.kept = {}
        for i in range(k - 1, -1, -1):  # R holds R_i here
            if i == k - 1 or i % self.step == self.step - 1:
                self.kept[i] = R
            R = reflect(reflector(A, i), tau[..., i], R)
        self.save_for_backward(A, tau)
        return R

    def _segment(self, A: np.ndarray, tau: np.ndarray, start: int) -> list[np.ndarray]:
        """$R_i$ for ``i`` from ``start`` to the segment's end, recomputed from the one kept there."""
        end = min(start + self.step, tau.shape[-1]) - 1
        R = self.kept[end]
        segment = [R]
        for i in range(end, start, -1):
            R = reflect(reflector(A, i), tau[..., i], R)  # R_{i-1} = H_i R_i
            segment.append(R)
        return segment[::-1]

    def backward(self, delta: np.ndarray) -> tuple:
        A, tau = self.saved_tensors
        k = tau.shape[-1]
        grad_A = np.zeros_like(A)
        grad_tau = np.zeros_like(tau)
        G = delta
        segment: list[np.ndarray] = []
        for i in range(k):
            if i % self.step == 0:
                segment = self._segment(A, tau, i)
            v = reflector(A, i)
            R = segment[i % self.step]
            Hv = G @ (T(R) @ v[..., :, None])  # gH v
            HTv = R @ (T(G) @ v[..., :, None])  # gH^T v
            grad_tau[..., i] = -(v[..., None, :] @ Hv)[..., 0, 0]
            grad_v = -tau[..., i, None] * (Hv + HTv)[..., 0]
            grad_A[..., i + 1 :, i] = grad_v[..., i + 1 :]
            G = reflect(v, tau[..., i], G)  # H_i^T G = H_i G (H_i is symmetric)
        return (grad_A if self.needs_input_grad[0] else None), (grad_tau if self.needs_input_grad[1] else None)


class Geqrf(Function):
    r"""LAPACK's raw QR factorization, ``a`` and ``tau`` packed (no gradient, as PyTorch)."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        h, tau = np.linalg.qr(A, mode="raw")
        return np.concatenate([T(h).reshape(A.shape[:-2] + (-1,)), tau], axis=-1).astype(A.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        raise NotImplementedError("the derivative for 'geqrf' is not implemented (as in PyTorch); use linalg.qr")


def householder_product(A: Any, tau: Any) -> Tensor:
    r"""The product $Q = H_1 H_2 \cdots H_k$ of Householder reflectors $H_i = I - \tau_i v_i v_i^T$,
    its first $n$ columns: with ``torch.geqrf``'s output, the $Q$ of the QR factorization.

    $v_i$ is column $i$ of ``A`` below the diagonal, with a 1 on it and zeros above (the rest of
    ``A`` is not read).

    Args:
        A: the reflectors' vectors, a floating-point tensor of shape $(*, m, n)$, $m \ge n$.
        tau: their scales, of shape $(*, k)$, $k \le n$, the same dtype and batch shape.

    Raises:
        RuntimeError: shapes or dtypes that do not fit, in PyTorch's words.
        ValueError: a non-floating ``A``.

    Shape:
        - output: $(*, m, n)$.

    Examples:
        >>> import deltanet as dn
        >>> a, tau = dn.geqrf(dn.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> [round(v, 4) for v in dn.linalg.householder_product(a, tau)[0].tolist()]
        [-0.6, -0.8]
    """
    owner = "torch.linalg.householder_product"
    a = floating(A, owner)
    t = floating(tau, owner)
    if a.ndim < 2:
        raise RuntimeError(f"{owner}: input must have at least 2 dimensions, got shape {a.shape}")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError(f"{owner}: input.shape[-2] must be greater than or equal to input.shape[-1], got {a.shape}")
    if a.shape[-1] < (t.shape[-1] if t.ndim else 0):
        raise RuntimeError(f"{owner}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(
            f"{owner}: Expected tau to have one dimension less than input, but got tau.ndim equal to {t.ndim} "
            f"and input.ndim is equal to {a.ndim}"
        )
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(
            f"{owner}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got {list(t.shape[:-1])}"
        )
    if t.dtype != a.dtype:
        raise RuntimeError(f"{owner}: tau dtype {t.dtype} does not match input dtype {a.dtype}")
    return HouseholderProduct.apply(a, t)


def orgqr(input: Any, tau: Any) -> Tensor:
    r"""``linalg.householder_product`` by its LAPACK name (``torch.orgqr``, also ``A.orgqr(tau)``).

    Args:
        input: the reflectors' vectors, $(*, m, n)$.
        tau: their scales, $(*, k)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.orgqr(dn.zeros(2, 2), dn.zeros(2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return householder_product(input, tau)


def ormqr(input: Any, tau: Any, other: Any, left: bool = True, transpose: bool = False) -> Tensor:
    r"""The product of $Q = H_1 \cdots H_k$ (``torch.geqrf``'s reflectors, $Q$ square) with a matrix:
    $Q C$, $Q^T C$ (``transpose``), $C Q$ or $C Q^T$ (``left=False``) (``torch.ormqr``); differentiable
    in all three inputs.

    Args:
        input: the reflectors' vectors, $(*, mn, k)$ ($mn$ the rows of $C$ with ``left``, else its columns).
        tau: their scales, $(*, \min(mn, k))$.
        other: $C$, $(*, m, n)$, of ``input``'s dtype.
        left: multiply by $Q$ from the left (True) or the right.
        transpose: multiply by $Q^T$.

    Raises:
        RuntimeError: shapes or dtypes that do not fit, in PyTorch's words.

    Examples:
        >>> import deltanet as dn
        >>> a, tau = dn.geqrf(dn.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> [round(v, 4) for v in dn.ormqr(a, tau, dn.eye(2))[:, 0].tolist()]
        [-0.6, -0.8]
    """
    owner = "torch.ormqr"
    a, t, c = floating(input, owner), floating(tau, owner), floating(other, owner)
    left = _checks.flag(left, "left", owner)
    transpose = _checks.flag(transpose, "transpose", owner)
    if c.ndim < 2:
        raise RuntimeError(f"{owner}: other must have at least 2 dimensions.")
    if a.ndim != c.ndim:
        raise RuntimeError(
            f"{owner}: Expected other to have the same number of dimensions as input, but got other.ndim equal to "
            f"{c.ndim} and input.ndim is equal to {a.ndim}"
        )
    mn = c.shape[-2] if left else c.shape[-1]
    if mn != a.shape[-2]:
        side = "other.shape[-2]" if left else "other.shape[-1]"
        raise RuntimeError(f"{owner}: {side} must be equal to input.shape[-2]")
    if t.ndim != a.ndim - 1 or t.shape[-1] != min(mn, a.shape[-1]):
        raise RuntimeError(f"{owner}: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])")
    if t.shape[:-1] != a.shape[:-2] or c.shape[:-2] != a.shape[:-2]:
        raise RuntimeError(f"{owner}: Expected batch dimensions of tau and other to be equal to input.shape[:-2]")
    if c.dtype != a.dtype or t.dtype != a.dtype:
        raise RuntimeError(
            f"{owner}: Expected input, tau and other to have the same dtype, but got {a.dtype}, {t.dtype} and {c.dtype}"
        )
    k = t.shape[-1]
    vectors = a[..., :, :k]
    if k < mn:
        vectors = cat([vectors, Tensor._make(np.zeros(a.shape[:-2] + (mn, mn - k), dtype=a.array.dtype))], dim=-1)
    Q = HouseholderProduct.apply(vectors, t)
    if transpose:
        Q = Q.mT
    return Q @ c if left else c @ Q


class GeqrfResult(NamedTuple):
    """What ``torch.geqrf`` returns (``torch.return_types.geqrf``).

    Attributes:
        a: $R$ on and above the diagonal, the reflectors' vectors below it.
        tau: the reflectors' scales, shape $(*, \\min(m, n))$.
    """

    a: Tensor
    tau: Tensor


def geqrf(input: Any) -> GeqrfResult:
    r"""LAPACK's QR factorization in raw form (``torch.geqrf``): $R$ and the Householder reflectors
    whose product (``linalg.householder_product(a, tau)``) is $Q$. Not differentiable, as in PyTorch.

    Args:
        input: a floating-point tensor of shape $(*, m, n)$.

    Returns:
        ``(a, tau)``, a named pair.

    Raises:
        RuntimeError: ``input`` has fewer than 2 dimensions.
        ValueError: a non-floating ``input``.

    Examples:
        >>> import deltanet as dn
        >>> a, tau = dn.geqrf(dn.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> round(a[0, 0].item(), 4), round(tau[0].item(), 4)
        (-5.0, 1.6)
    """
    owner = "torch.geqrf"
    t = floating(input, owner)
    if t.ndim < 2:
        raise RuntimeError(f"{owner}: input must have at least 2 dimensions, got shape {t.shape}")
    m, n = t.shape[-2:]
    packed = Geqrf.apply(t)
    return GeqrfResult(packed[..., : m * n].reshape(t.shape), packed[..., m * n :])
