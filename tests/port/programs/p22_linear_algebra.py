"""Linear algebra of model and imaging code: affine registration by least squares, PCA whitening,
a Gaussian log-likelihood with a learned covariance, orthogonality checks.

The idioms: point-set registration as in image-registration toolkits (TorchIO/MONAI landmarks,
the Kabsch-Umeyama algorithm of pose-estimation code): homogeneous coordinates
`torch.cat([pts, torch.ones(n, 1)], 1)`, the affine fit by `torch.linalg.lstsq(X, Y).solution`
and by the normal equations with `torch.linalg.solve`, the residual with `torch.dist`, the
inverse transform by `torch.linalg.inv` of the 3x3 matrix, a rigid fit by `torch.linalg.svd` of
the cross-covariance with the reflection fixed by `torch.sign(torch.linalg.det(...))`, a
composed transform raised with `torch.linalg.matrix_power`; PCA and ZCA whitening of features
(scikit-learn's and the CIFAR preprocessing recipes): the covariance `X.T @ X / (n - 1)`,
`torch.linalg.eigh`, `torch.linalg.svdvals` for the explained variance, a rank-k reconstruction
`U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]`, `torch.linalg.matrix_rank`, `torch.linalg.pinv`;
a multivariate Gaussian negative log-likelihood as in GPyTorch and the Mixture Density Network
tutorials: a lower-triangular factor from `torch.tril` with a softplus diagonal,
`torch.linalg.cholesky`, `torch.linalg.solve_triangular` for the Mahalanobis term,
`2 * torch.log(torch.diagonal(L)).sum()` against `torch.logdet` and `torch.linalg.slogdet`,
`torch.cholesky_solve`, learned with `torch.optim.Adam`; orthogonal initialisation as
`nn.init.orthogonal_` does it (`torch.linalg.qr` of a Gaussian matrix, the signs of
`torch.diagonal(R)`), checked with `torch.allclose(W @ W.T, torch.eye(n))`, `torch.linalg.cond`
and `torch.linalg.matrix_norm(W, ord=2)` (spectral normalisation's `W / sigma`); and the small
products of that code: `torch.trace`, `torch.outer`, `torch.addmv`, `torch.addr`,
`torch.tensordot`, `torch.inner`, `torch.linalg.vecdot`, `torch.linalg.multi_dot`,
`torch.renorm` (embedding max-norm), `torch.linalg.cross` (a normal of a triangle mesh); and
`import torch.linalg as LA`.
"""

import math

import numpy as np
import torch
import torch.linalg as LA
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class GaussianModel(nn.Module):
    """A full-covariance Gaussian: mean and a lower-triangular factor with a positive diagonal."""

    def __init__(self, dim):
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(dim))
        self.raw_L = nn.Parameter(torch.zeros(dim, dim))

    def scale_tril(self):
        diag = F.softplus(torch.diagonal(self.raw_L)) + 1e-4
        return torch.tril(self.raw_L, diagonal=-1) + torch.diag(diag)

    def forward(self, x):
        L = self.scale_tril()
        diff = (x - self.mu).T  # (d, n)
        z = torch.linalg.solve_triangular(L, diff, upper=False)
        mahalanobis = (z**2).sum(dim=0)
        logdet = 2 * torch.log(torch.diagonal(L)).sum()
        d = x.shape[1]
        return 0.5 * (mahalanobis + logdet + d * math.log(2 * math.pi))


def build_model():
    return GaussianModel(3)


def register_points(rng):
    src = torch.tensor(rng.uniform(-1, 1, size=(12, 2)), dtype=torch.float64)
    A_true = torch.tensor([[1.1, -0.2], [0.15, 0.9]], dtype=torch.float64)
    t_true = torch.tensor([0.3, -0.5], dtype=torch.float64)
    dst = src @ A_true.T + t_true + 0.01 * torch.tensor(rng.standard_normal((12, 2)))

    X = torch.cat([src, torch.ones(src.shape[0], 1, dtype=src.dtype)], dim=1)  # homogeneous
    solution = torch.linalg.lstsq(X, dst).solution  # (3, 2)
    normal = torch.linalg.solve(X.T @ X, X.T @ dst)
    affine = torch.eye(3, dtype=src.dtype)
    affine[:2, :] = solution.T
    inverse = torch.linalg.inv(affine)
    back = (torch.cat([dst, torch.ones(12, 1, dtype=dst.dtype)], 1) @ inverse.T)[:, :2]

    # Kabsch: the rotation that best aligns the centred point sets
    p, q = src - src.mean(0), dst - dst.mean(0)
    H = p.T @ q
    U, S, Vh = torch.linalg.svd(H)
    d = torch.sign(torch.linalg.det(Vh.T @ U.T))
    R = Vh.T @ torch.diag(torch.tensor([1.0, d.item()], dtype=H.dtype)) @ U.T
    twice = torch.linalg.matrix_power(affine, 2)
    return {
        "affine": solution.T.flatten().tolist(),
        "normal_equations_agree": torch.allclose(solution, normal, atol=1e-10),
        "residual": torch.dist(X @ solution, dst).item(),
        "round_trip": torch.dist(back, src).item(),
        "rotation": R.flatten().tolist(),
        "rotation_det": torch.linalg.det(R).item(),
        "singular_values": S.tolist(),
        "twice": twice.flatten().tolist(),
    }


def whiten(rng):
    mixing = np.array([[2.0, 0.0, 0.0, 0.0], [1.2, 0.5, 0.0, 0.0], [0.3, -0.4, 0.8, 0.0], [0.0, 0.0, 0.0, 1e-9]])
    feats = torch.tensor(rng.standard_normal((64, 4)) @ mixing.T, dtype=torch.float32)
    X = feats - feats.mean(dim=0, keepdim=True)
    cov = X.T @ X / (X.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(cov)
    zca = eigvecs @ torch.diag(1.0 / torch.sqrt(eigvals.clamp(min=0) + 1e-5)) @ eigvecs.T
    white = X @ zca
    white_cov = white.T @ white / (X.shape[0] - 1)
    S = torch.linalg.svdvals(X)
    explained = (S**2 / (S**2).sum())[:3]
    U, S2, Vh = torch.linalg.svd(X, full_matrices=False)
    k = 2
    recon = U[:, :k] @ torch.diag(S2[:k]) @ Vh[:k]
    return {
        "eigvals": eigvals.tolist(),
        "white_diag": torch.diagonal(white_cov)[:3].tolist(),
        "explained": explained.tolist(),
        "recon_error": torch.linalg.norm(X - recon).item(),
        "rank": torch.linalg.matrix_rank(X).item(),
        "rank_is_int64": torch.linalg.matrix_rank(X).dtype == torch.int64,
        "pinv_identity": torch.dist(torch.linalg.pinv(X[:, :3]) @ X[:, :3], torch.eye(3)).item() < 1e-4,
        "trace_is_total_variance": math.isclose(torch.trace(cov).item(), eigvals.sum().item(), rel_tol=1e-4),
    }


def fit_gaussian(model, rng):
    true_L = np.array([[1.0, 0.0, 0.0], [0.6, 0.5, 0.0], [-0.3, 0.2, 0.4]])
    data = torch.tensor(rng.standard_normal((128, 3)) @ true_L.T + np.array([0.5, -1.0, 2.0]), dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(25):
        optimizer.zero_grad()
        loss = model(data).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        L = model.scale_tril()
        cov = L @ L.T
        chol = torch.linalg.cholesky(cov)
        sign, logabsdet = torch.linalg.slogdet(cov)
        diff = (data - model.mu)[:5]
        via_solve = torch.cholesky_solve(diff.T, chol).T
        via_inv = diff @ torch.linalg.inv(cov)
    return {
        "losses": losses[::6] + [losses[-1]],
        "mu": model.mu.tolist(),
        "logdet": torch.logdet(cov).item(),
        "logdet_from_cholesky": (2 * torch.log(torch.diagonal(chol)).sum()).item(),
        "slogdet": [sign.item(), logabsdet.item()],
        "solve_agrees": torch.allclose(via_solve, via_inv, atol=1e-4),
        "grad_norm": torch.linalg.vector_norm(model.raw_L.grad).item(),
    }


def orthogonal_checks(rng):
    G = torch.tensor(rng.standard_normal((5, 5)), dtype=torch.float64)
    Q, R = torch.linalg.qr(G)
    Q = Q * torch.sign(torch.diagonal(R)).unsqueeze(0)  # nn.init.orthogonal_'s sign fix
    W = torch.tensor(rng.standard_normal((4, 6)), dtype=torch.float64)
    sigma = torch.linalg.matrix_norm(W, ord=2)
    W_sn = W / sigma
    try:
        torch.linalg.cholesky(torch.tensor([[1.0, 2.0], [2.0, 1.0]]))
        failure = "none"
    except torch.linalg.LinAlgError as e:
        failure = f"RuntimeError={isinstance(e, RuntimeError)}: " + str(e).split(": ", 1)[1][:60]
    return {
        "orthonormal": torch.allclose(Q @ Q.T, torch.eye(5, dtype=Q.dtype), atol=1e-12),
        "cond": LA.cond(Q).item(),
        "abs_det": abs(torch.linalg.det(Q).item()),
        "Q": Q[0].tolist(),
        "spectral_norm_after": torch.linalg.matrix_norm(W_sn, ord=2).item(),
        "nuclear": torch.linalg.matrix_norm(W, ord="nuc").item(),
        "cholesky_failure": failure,
    }


def small_products(rng):
    a = torch.tensor(rng.standard_normal(3))
    b = torch.tensor(rng.standard_normal(3))
    M = torch.tensor(rng.standard_normal((3, 3)))
    T = torch.tensor(rng.standard_normal((2, 3, 4)))
    E = torch.tensor(rng.standard_normal((5, 3))) * 3
    tri = torch.tensor(rng.standard_normal((3, 3)))  # the corners of a triangle
    normal = torch.linalg.cross(tri[1] - tri[0], tri[2] - tri[0])
    return {
        "outer_trace": torch.trace(torch.outer(a, b)).item(),
        "dot": torch.inner(a, b).item(),
        "vecdot": torch.linalg.vecdot(M, a).tolist(),
        "addmv": torch.addmv(a, M, b, beta=0.5, alpha=2.0).tolist(),
        "addr": torch.addr(M, a, b).flatten().tolist(),
        "tensordot": torch.tensordot(T, M, dims=([1], [0])).shape == (2, 4, 3),
        "tensordot_sum": torch.tensordot(T, T, dims=3).item(),
        "multi_dot": torch.linalg.multi_dot([M, M, a]).tolist(),
        "renorm_max": torch.linalg.vector_norm(torch.renorm(E, p=2, dim=0, maxnorm=1.0), dim=1).max().item(),
        "normal": (normal / torch.linalg.norm(normal)).tolist(),
    }


def run(model, workdir=None):
    rng = np.random.default_rng(2022)
    return {
        "registration": register_points(rng),
        "whitening": whiten(rng),
        "gaussian": fit_gaussian(model, rng),
        "orthogonal": orthogonal_checks(rng),
        "products": small_products(rng),
    }
