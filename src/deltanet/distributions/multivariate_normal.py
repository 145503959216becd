r"""The multivariate normal distribution, as ``torch.distributions.MultivariateNormal``.

With mean $\mu \in \mathbb{R}^n$ and covariance $\Sigma = L L^\top$ ($L$ the lower Cholesky factor),

$$
\log p(x) = -\tfrac{1}{2} \left( n \log 2 \pi + \lVert L^{-1} (x - \mu) \rVert^2 \right) - \sum_i \log L_{ii},
\qquad z = \mu + L \varepsilon.
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import MultivariateNormal
    >>> d = MultivariateNormal(dn.zeros(2), covariance_matrix=dn.eye(2))
    >>> round(d.log_prob(dn.zeros(2)).item(), 4)
    -1.8379
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, broadcast_shapes, cholesky_inverse, eye, flip, linalg
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import lazy_property


def batch_mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    r"""The squared Mahalanobis distance $\lVert L^{-1} x \rVert^2$, broadcast over batch dimensions.

    Args:
        L: lower-triangular factors, shape ``(..., n, n)``.
        x: vectors, shape ``(..., n)``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.multivariate_normal import batch_mahalanobis
        >>> batch_mahalanobis(2 * dn.eye(2), dn.tensor([2.0, 4.0])).item()
        5.0
    """
    n = x.shape[-1]
    batch = broadcast_shapes(L.shape[:-2], x.shape[:-1])
    solved = linalg.solve_triangular(L.expand(*batch, n, n), x.expand(*batch, n).unsqueeze(-1), upper=False)
    return solved.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    # PyTorch's route: the Cholesky factor of the flipped precision, flipped back, inverted.
    Lf = linalg.cholesky(flip(P, (-2, -1)))
    L_inv = flip(Lf, (-2, -1)).transpose(-2, -1)
    identity = eye(P.shape[-1], dtype=P.dtype).expand(*L_inv.shape)
    return linalg.solve_triangular(L_inv, identity, upper=False)


def _matrix(value: Any, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    if value.ndim < 2:
        raise ValueError(f"{name} matrix must be at least two-dimensional, with optional leading batch dimensions")
    return value


class MultivariateNormal(Distribution):
    r"""The normal distribution $\mathcal{N}(\mu, \Sigma)$ over vectors of length $n$.

    Give exactly one of ``covariance_matrix`` ($\Sigma$), ``precision_matrix`` ($\Sigma^{-1}$)
    and ``scale_tril`` ($L$, lower triangular with a positive diagonal, $\Sigma = L L^\top$).

    Args:
        loc: the mean $\mu$, shape ``batch_shape + (n,)``.
        covariance_matrix: $\Sigma$, symmetric positive definite, shape ``(..., n, n)``.
        precision_matrix: $\Sigma^{-1}$, symmetric positive definite, shape ``(..., n, n)``.
        scale_tril: $L$, shape ``(..., n, n)``.
        validate_args: check the parameters and that values are real vectors.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import MultivariateNormal
        >>> d = MultivariateNormal(dn.zeros(3, 2), scale_tril=2 * dn.eye(2))
        >>> d.batch_shape, d.event_shape, d.variance[0].tolist()
        ((3,), (2,), [4.0, 4.0])
    """

    arg_constraints = {  # noqa: RUF012
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, matrix = next(
            (n, m)
            for n, m in zip(
                ("covariance_matrix", "precision_matrix", "scale_tril"),
                (covariance_matrix, precision_matrix, scale_tril),
                strict=True,
            )
            if m is not None
        )
        matrix = _matrix(matrix, name)
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(
                f"{name} must have shape (..., {n}, {n}) to match loc of shape {tuple(loc.shape)}, "
                f"got {tuple(matrix.shape)}"
            )
        batch = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(*batch, n, n))
        self.loc = loc.expand(*batch, n)
        super().__init__(batch, (n,), validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = matrix
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor $L$ of the covariance."""
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance $\\Sigma = L L^\\top$."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-2, -1)).expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The precision $\\Sigma^{-1}$."""
        P = cholesky_inverse(self._unbroadcasted_scale_tril)
        return P.expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """This distribution with its batch expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        n = self._event_shape[0]
        shape = tuple(batch_shape)
        return MultivariateNormal(
            self.loc.expand(*shape, n),
            scale_tril=self._unbroadcasted_scale_tril.expand(*shape, n, n),
            validate_args=False,
        )

    @property
    def mean(self) -> Tensor:
        """The mean $\\mu$."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode $\\mu$."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The diagonal of $\\Sigma$, $\\sum_j L_{ij}^2$."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*self._batch_shape, *self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """$\\mu + L \\varepsilon$, $\\varepsilon$ standard normal from deltanet's generator.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        shape = self._extended_shape(sample_shape)
        eps = as_tensor(backend.get_rng(None).standard_normal(shape).astype(self.loc.array.dtype))
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        """$-\\frac{1}{2}(n \\log 2 \\pi + \\lVert L^{-1}(x - \\mu) \\rVert^2) - \\sum_i \\log L_{ii}$.

        Args:
            value: vectors of length $n$.
        """
        if self._validate_args:
            self._validate_sample(value)
        M = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Tensor:
        """$\\frac{n}{2}(1 + \\log 2 \\pi) + \\sum_i \\log L_{ii}$."""
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return H if not self._batch_shape else H.expand(*self._batch_shape)
