r"""The orthogonal parametrization of ``torch.nn.utils.parametrizations.orthogonal``: a weight
$Q$ $(*, m, n)$ kept with orthonormal columns ($m \ge n$, $Q^T Q = I$) or rows ($m < n$).

A wide weight is handled as its transpose. From the stored tensor $X$ (tall, $n \times k$):

- ``"matrix_exp"``: $Q = \exp(A)$ with the skew-symmetric $A = \operatorname{tril}(X) -
  \operatorname{tril}(X)^T$ ($X$ padded with zero columns to a square), its first $k$ columns.
- ``"cayley"``: $Q = (I - A/2)^{-1} (I + A/2)$, the same $A$.
- ``"householder"``: $Q = H_1 \cdots H_k$ with the vectors below the diagonal of $X$,
  $\tau_i = 2 / \lVert v_i \rVert^2$ (true reflectors), each column's sign the integer part of $X_{ii}$.

With ``use_trivialization`` (the default), $Q$ is ``base @`` that map, where the buffer ``base``
is set when a weight is assigned (``right_inverse``): the assigned $Q$ itself if orthogonal, else
the $Q$ of its QR factorization with a non-negative diagonal of $R$; the stored $X$ is then
$-I$, which every map sends to the identity. For a non-square weight, ``base`` is square: the
assigned columns completed by normal draws, orthogonalized. PyTorch draws those from its own
generator and deltanet from its own, so ``base`` differs in those extra columns (the weight does
not); load PyTorch's ``state_dict`` (``parametrizations.weight.0.base``) to get its very numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor, cat, matrix_exp, randn, tril
from deltanet.autograd.linalg import householder_product, solve
from deltanet.autograd.linalg.householder import reflect, reflector
from deltanet.autograd.tensor import leaf
from deltanet.nn.module import Module

MAPS = ("matrix_exp", "cayley", "householder")


def _is_orthogonal(Q: np.ndarray) -> bool:
    """PyTorch's test: $Q^T Q$ is the identity within ``10 n eps`` (and ``allclose``'s rtol)."""
    n, k = Q.shape[-2:]
    eps = 10.0 * n * np.finfo(Q.dtype).eps
    return bool(np.allclose(np.swapaxes(Q, -1, -2) @ Q, np.eye(k, dtype=Q.dtype), atol=eps))


def _geqrf(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, tau = np.linalg.qr(A, mode="raw")
    return np.swapaxes(h, -1, -2).astype(A.dtype), tau.astype(A.dtype)


def _make_orthogonal(A: np.ndarray) -> np.ndarray:
    """The $Q$ of $A = Q R$ (tall $A$) with $R$'s diagonal made non-negative (PyTorch's ``_make_orthogonal``)."""
    X, tau = _geqrf(A)
    m, n = X.shape[-2:]
    Q = np.broadcast_to(np.eye(m, n, dtype=A.dtype), A.shape).copy()
    for i in range(tau.shape[-1] - 1, -1, -1):
        Q = reflect(reflector(X, i), tau[..., i], Q)
    return Q * np.sign(np.diagonal(X, axis1=-2, axis2=-1))[..., None, :]


class _Orthogonal(Module):
    r"""The parametrization module (PyTorch's ``_Orthogonal``): $Q$ from the stored tensor by ``orthogonal_map``."""

    base: Tensor | None

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = tril(X)
            if n != k:
                X = cat([X, leaf(np.zeros(X.shape[:-1] + (n - k,), dtype=X.array.dtype))], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = leaf(np.eye(n, dtype=A.array.dtype))
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = tril(X, -1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            signs = np.trunc(np.diagonal(X.array, axis1=-2, axis2=-1))  # PyTorch's .int(): no gradient
            Q = Q * leaf(signs[..., None, :].astype(X.array.dtype))
        if "base" in self._buffers and self.base is not None:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        """The stored tensor for a weight ``Q`` (sets ``base`` with the trivialization)."""
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape {tuple(Q.shape)}."
            )
        q = np.asarray(Q.array)
        n, k = q.shape[-2:]
        transpose = n < k
        if transpose:
            q = np.swapaxes(q, -1, -2)
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley parametrizations when "
                    "use_trivialization=False."
                )
            A, tau = _geqrf(q)
            d = np.sign(np.diagonal(A, axis1=-2, axis2=-1)) * np.where(tau == 0.0, -1.0, 1.0)
            idx = np.arange(min(n, k))
            A[..., idx, idx] = d
            return Tensor._make(np.ascontiguousarray(np.swapaxes(A, -1, -2) if transpose else A))
        if n == k:
            base = q.copy() if _is_orthogonal(q) else _make_orthogonal(q)
        else:
            N = randn(*q.shape[:-2], n, n - k, dtype=Q.dtype).array  # deltanet's generator; PyTorch's draws differ
            base = _make_orthogonal(np.concatenate([q, N], axis=-1))
        self.base = Tensor._make(base.astype(q.dtype, copy=False))
        neg_identity = np.zeros(self.shape, dtype=q.dtype)
        idx = np.arange(min(self.shape[-2:]))
        neg_identity[..., idx, idx] = -1.0
        return Tensor._make(neg_identity)


def check_map(weight: Tensor, orthogonal_map: Any) -> str:
    """The map's name: PyTorch's default (``matrix_exp`` for a square weight, else ``householder``), or checked."""
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        return "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in MAPS:
        raise ValueError(
            f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}'
        )
    return str(orthogonal_map)


__all__ = ["check_map"]
