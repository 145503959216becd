r"""``torch.linalg`` in deltanet: norms, determinants, inverses and solvers, decompositions
(Cholesky, LU, QR, symmetric eigendecomposition, SVD), Householder products, the pseudo-inverse
and least squares, and products; each differentiable, with the standard matrix-calculus backward formulas (see each
file's docstring). Float32 and float64 on the CPU through NumPy's LAPACK; no complex numbers.
"""

from typing import Any

from deltanet.autograd.elementwise import matmul
from deltanet.autograd.linalg.common import LinAlgError
from deltanet.autograd.linalg.decompositions import cholesky, eigh, eigvalsh, qr, svd, svdvals
from deltanet.autograd.linalg.determinants import det, slogdet
from deltanet.autograd.linalg.exponential import matrix_exp
from deltanet.autograd.linalg.householder import householder_product
from deltanet.autograd.linalg.lu_factorization import lu, lu_factor, lu_factor_ex, lu_solve
from deltanet.autograd.linalg.norms import matrix_norm, norm, vector_norm
from deltanet.autograd.linalg.products import cross, diagonal, multi_dot, vander, vecdot
from deltanet.autograd.linalg.pseudo import cond, lstsq, matrix_power, matrix_rank, pinv
from deltanet.autograd.linalg.solvers import inv, solve, solve_triangular
from deltanet.autograd.linalg.status import cholesky_ex, inv_ex, solve_ex
from deltanet.autograd.linalg.tensor_equations import tensorinv, tensorsolve

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]

# torch.linalg names that deltanet does not have, and why (an AttributeError that says so).
_COMPLEX = "its results are complex in general, and deltanet's tensors are real"
_MISSING = {
    "eig": f"{_COMPLEX}; for a symmetric matrix use linalg.eigh",
    "eigvals": f"{_COMPLEX}; for a symmetric matrix use linalg.eigvalsh",
    "ldl_factor": "not implemented; use linalg.cholesky or linalg.solve",
}


def __getattr__(name: str) -> Any:
    if name in _MISSING:
        raise AttributeError(f"deltanet.linalg.{name} is not available: {_MISSING[name]}")
    raise AttributeError(f"module 'deltanet.linalg' has no attribute {name!r}")
