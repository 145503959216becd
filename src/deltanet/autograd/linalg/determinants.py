r"""Determinants: ``det``, ``slogdet`` and ``logdet`` of square matrices (or stacks of them).

$\partial \det A / \partial A = \det(A) A^{-T}$, the cofactor matrix, computed here from the
singular value decomposition $A = U \Sigma V^T$ as $\det(U)\det(V)\, U \operatorname{diag}(\prod_{j
\ne i} \sigma_j) V^T$, which stays finite (and right) where $A$ is singular.
$\partial \log|\det A| / \partial A = A^{-T}$ (Giles 2008, section 2.2.1).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, matrices
from deltanet.autograd.tensor import Tensor, leaf


def cofactors(A: np.ndarray) -> np.ndarray:
    r"""The cofactor matrix $\det(A) A^{-T}$ of each matrix of ``A``, singular ones included."""
    if A.shape[-1] == 0:
        return np.zeros_like(A)
    U, s, Vh = np.linalg.svd(A)
    ones = np.ones((*s.shape[:-1], 1), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)  # prod of s_j, j < i
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]  # j > i
    signs = np.linalg.det(U) * np.linalg.det(Vh)
    return signs[..., None, None] * (U * (before * after)[..., None, :]) @ Vh


class Det(Function):
    r"""$z = \det A$ per matrix; $\partial L / \partial A = \delta \cdot \det(A) A^{-T}$ (the cofactors)."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        self.save_for_backward(A)
        return np.asarray(np.linalg.det(A), dtype=A.dtype)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (A,) = self.saved_tensors
        return (delta[..., None, None] * cofactors(A)).astype(A.dtype, copy=False)


class LogAbsDet(Function):
    r"""$z = \log |\det A|$ per matrix; $\partial L / \partial A = \delta A^{-T}$ (infinite where $A$ is singular)."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        self.save_for_backward(A)
        return np.asarray(np.linalg.slogdet(A)[1], dtype=A.dtype)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (A,) = self.saved_tensors
        try:
            inverse = np.linalg.inv(A)
        except np.linalg.LinAlgError:  # a singular matrix: log|det| is -inf there, its slope infinite
            with np.errstate(divide="ignore", invalid="ignore"):
                inverse = T(cofactors(A)) / np.linalg.det(A)[..., None, None]
        return (delta[..., None, None] * T(inverse)).astype(A.dtype, copy=False)


class SignLogAbsDet(NamedTuple):
    """What ``slogdet`` returns, as PyTorch's ``torch.return_types.linalg_slogdet``.

    Attributes:
        sign: the sign of each determinant (1, -1, or 0 for a singular matrix); not differentiable.
        logabsdet: $\\log |\\det A|$ (``-inf`` for a singular matrix).
    """

    sign: Tensor
    logabsdet: Tensor


def det(A: Any) -> Tensor:
    r"""The determinant $\det A$ of a square matrix, or of each matrix of a stack.

    Differentiable everywhere, singular matrices included: $\partial \det A / \partial A = \det(A) A^{-T}$.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.

    Raises:
        ValueError: ``A`` is not floating-point, or its last two axes are not square.

    Shape:
        - A: $(*, n, n)$.
        - output: $(*)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.det(dn.tensor([[2.0, 1.0], [1.0, 3.0]])).item()
        5.0
    """
    return Det.apply(matrices(A, "linalg.det"))


def slogdet(A: Any) -> SignLogAbsDet:
    r"""The sign and the logarithm of the absolute value of the determinant, $\det A = s\, e^{\ell}$,
    without the overflow of $\det A$ itself for large matrices.

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.

    Returns:
        ``(sign, logabsdet)``, a named pair; only ``logabsdet`` is differentiable
        ($\partial \ell / \partial A = A^{-T}$).

    Raises:
        ValueError: ``A`` is not floating-point, or its last two axes are not square.

    Examples:
        >>> import deltanet as dn
        >>> sign, logabsdet = dn.linalg.slogdet(dn.tensor([[0.0, 2.0], [3.0, 0.0]]))
        >>> sign.item(), round(logabsdet.item(), 4)
        (-1.0, 1.7918)
    """
    t = matrices(A, "linalg.slogdet")
    sign = np.asarray(np.linalg.slogdet(t.array)[0], dtype=t.array.dtype)
    return SignLogAbsDet(leaf(sign), LogAbsDet.apply(t))


def logdet(input: Any) -> Tensor:
    r"""$\log \det A$: NaN where the determinant is negative and ``-inf`` where it is 0, as PyTorch's.

    Args:
        input: a floating-point tensor of shape $(*, n, n)$.

    Raises:
        ValueError: ``input`` is not floating-point, or its last two axes are not square.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.logdet(dn.tensor([[2.0, 0.0], [0.0, 3.0]])).item(), 4)
        1.7918
    """
    t = matrices(input, "logdet")
    sign = np.linalg.slogdet(t.array)[0]
    offset = np.where(sign < 0, np.nan, 0.0).astype(t.array.dtype)  # log of a negative determinant
    return LogAbsDet.apply(t) + leaf(offset)
