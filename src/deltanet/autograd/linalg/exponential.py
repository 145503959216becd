r"""The matrix exponential $e^A = \sum_k A^k / k!$ (``matrix_exp``).

$e^A$ is computed by scaling and squaring: $e^A = (e^{A / 2^s})^{2^s}$ with $\lVert A / 2^s
\rVert_1 \le 1/2$, where a Taylor series of 18 terms is exact to double precision. Its gradient
is the adjoint Fréchet derivative, read from the exponential of a block matrix (Mathias 1996;
PyTorch's method): $\bar A$ is the upper-right block of
$\exp \begin{pmatrix} A^T & \bar Z \\ 0 & A^T \end{pmatrix}$.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd.function import Function
from deltanet.autograd.linalg.common import T, matrices
from deltanet.autograd.tensor import Tensor

_TERMS = 18


def expm(A: np.ndarray) -> np.ndarray:
    """$e^A$ for each matrix of ``A`` by scaling, a Taylor series, and squaring."""
    norm = np.abs(A).sum(axis=-2).max(initial=0.0)
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    X = A / (2.0**s)
    identity = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
    term, total = identity, identity.copy()
    for k in range(1, _TERMS + 1):
        term = term @ X / k
        total = total + term
    for _ in range(s):
        total = total @ total
    return total


class MatrixExp(Function):
    r"""$Z = e^A$; $\bar A$ = the upper-right block of $\exp [[A^T, \bar Z], [0, A^T]]$."""

    def forward(self, A: np.ndarray) -> np.ndarray:
        self.save_for_backward(A)
        return expm(A.astype(np.float64)).astype(A.dtype)  # the series summed in float64, then rounded

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (A,) = self.saved_tensors
        n = A.shape[-1]
        block = np.zeros(A.shape[:-2] + (2 * n, 2 * n), dtype=A.dtype)
        block[..., :n, :n] = T(A)
        block[..., n:, n:] = T(A)
        block[..., :n, n:] = delta
        return np.ascontiguousarray(expm(block.astype(np.float64))[..., :n, n:], dtype=A.dtype)


def matrix_exp(A: Any) -> Tensor:
    r"""The matrix exponential $e^A = \sum_{k \ge 0} A^k / k!$ of a square matrix (or of each of a stack).

    Args:
        A: a floating-point tensor of shape $(*, n, n)$.

    Raises:
        ValueError: ``A`` is not floating-point, or its last two axes are not square.

    Examples:
        >>> import deltanet as dn
        >>> dn.linalg.matrix_exp(dn.tensor([[0.0, 0.0], [0.0, 1.0]])).tolist()
        [[1.0, 0.0], [0.0, 2.7182817459106445]]
    """
    return MatrixExp.apply(matrices(A, "linalg.matrix_exp"))
