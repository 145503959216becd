r"""``torch.nn.utils.parametrizations``: weight normalisation and spectral normalisation as
parametrizations (``deltanet.nn.parametrize``), with PyTorch's names, numbers and ``state_dict`` keys.

Weight normalisation (Salimans & Kingma 2016) trains a direction $v$ and a length $g$ apart:

$$
W = g \, \frac{v}{\lVert v \rVert}
$$

(the norm over every dimension but ``dim``). Spectral normalisation (Miyato et al. 2018) divides
the weight by its largest singular value, estimated by power iteration, to make a GAN's
discriminator 1-Lipschitz:

$$
u \leftarrow \frac{W v}{\lVert W v \rVert}, \quad v \leftarrow \frac{W^\top u}{\lVert W^\top u \rVert}, \quad
\sigma = u^\top W v, \quad W_{\text{SN}} = \frac{W}{\sigma}
$$

As in PyTorch the iterations run only in training mode (``model.eval()`` keeps $u, v$), and
$u, v$ are buffers (``parametrizations.weight.0._u`` and ``._v``) that travel in the ``state_dict``.

Importable by PyTorch's path: ``from deltanet.nn.utils.parametrizations import spectral_norm``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, randn
from deltanet.nn import parametrize
from deltanet.nn.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.functional import normalize
from deltanet.nn.module import Module
from deltanet.nn.orthogonal_parametrization import _Orthogonal, check_map


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""The $p$-norm of ``v`` over every dimension but ``dim``, keeping ``dim`` (the others become
    size 1); ``dim=-1`` means the norm of the whole tensor, a 0-D tensor (PyTorch's
    ``torch.norm_except_dim``, which gives $g$ in weight normalisation).

    Args:
        v: the tensor.
        pow: the order $p$ of the norm.
        dim: the dimension kept, or -1 for none.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.parametrizations import norm_except_dim
        >>> norm_except_dim(dn.tensor([[3.0, 4.0], [0.0, 1.0]]), 2, 0).tolist()
        [[5.0], [1.0]]
    """
    p = check.number(pow, "pow", "norm_except_dim", low=0, low_open=True)
    dim = check.integer(dim, "dim", "norm_except_dim")
    if dim == -1:
        return (v.abs() ** p).sum() ** (1.0 / p)
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{v.ndim}, {v.ndim - 1}], but got {dim})"
        )
    dim %= v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:  # a 1-D v keeps its one dimension: the norm of each element alone, |v_i| (PyTorch's)
        return v.abs()
    return (v.abs() ** p).sum(dim=others, keepdim=True) ** (1.0 / p)


class _WeightNorm(Module):
    r"""$W = g \, v / \lVert v \rVert$ with the norm over every dimension but ``dim`` (-1: all)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else check.integer(dim, "dim", "weight_norm")

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


class _SpectralNorm(Module):
    r"""$W / \sigma(W)$, $\sigma$ estimated by power iteration on the buffers ``_u`` and ``_v``."""

    _u: Tensor
    _v: Tensor

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        owner = "spectral_norm"
        ndim = weight.ndim
        dim = check.integer(dim, "dim", owner)
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        n_power_iterations = check.integer(n_power_iterations, "n_power_iterations", owner)
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim % ndim
        self.eps = check.number(eps, "eps", owner, low=0)
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            h, w = self._matrix(weight.array).shape
            u = randn(h, dtype=weight.dtype).array  # deltanet's generator; PyTorch's draws differ
            v = randn(w, dtype=weight.dtype).array
            self.register_buffer("_u", Tensor._make(self._normalized(u)))
            self.register_buffer("_v", Tensor._make(self._normalized(v)))
            self._power_method(self._matrix(weight.array), 15)

    def _matrix(self, weight: Any) -> Any:
        """The weight as a matrix: ``dim`` first, the other dimensions flattened (array or Tensor)."""
        if self.dim != 0:
            order = (self.dim, *(d for d in range(weight.ndim) if d != self.dim))
            weight = weight.transpose(order) if isinstance(weight, np.ndarray) else weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def _normalized(self, x: np.ndarray) -> np.ndarray:
        return x / max(np.linalg.norm(x), self.eps)

    def _power_method(self, W: np.ndarray, n_power_iterations: int) -> None:
        # In place, as PyTorch's out=: a model copy that shares the buffers sees the update.
        u, v = self._u.array, self._v.array
        for _ in range(n_power_iterations):
            u[...] = self._normalized(W @ v)
            v[...] = self._normalized(W.T @ u)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        W = self._matrix(weight)
        if self.training:
            self._power_method(W.array, self.n_power_iterations)
        u = Tensor._make(self._u.array.copy())  # constants of this forward pass, as PyTorch's clone
        v = Tensor._make(self._v.array.copy())
        sigma = (u * (W @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    r"""Reparametrize ``module.<name>`` as $W = g \, v / \lVert v \rVert$ (weight normalisation).

    $g$ is ``parametrizations.<name>.original0`` (the norms, shape 1 but along ``dim``) and $v$ is
    ``original1`` (starting as the weight), so that $W$ is unchanged at first. A ``state_dict``
    of the older ``torch.nn.utils.weight_norm`` (``weight_g``, ``weight_v``) loads into it, as in PyTorch.

    Args:
        module: the layer.
        name: the weight's name.
        dim: the dimension kept by the norm (0: one $g$ per output unit); None (or -1) for one
            norm over the whole tensor.

    Returns:
        ``module``, parametrized.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.parametrizations import weight_norm
        >>> m = weight_norm(dn.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape, m.parametrizations.weight.original1.shape
        ((40, 1), (40, 20))
    """
    _check_tensor(module, name, "weight_norm")
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def old_keys(state_dict: Any, prefix: str, *args: Any) -> None:
        # As PyTorch: a checkpoint of the older torch.nn.utils.weight_norm (weight_g, weight_v) loads.
        g, v = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g in state_dict and v in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v)

    module._register_load_state_dict_pre_hook(old_keys)
    return module


def spectral_norm(
    module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> Module:
    r"""Divide ``module.<name>`` by its spectral norm $\sigma$, estimated by power iteration.

    $$
    W_{\text{SN}} = \frac{W}{\sigma(W)}, \qquad \sigma(W) \approx u^\top W v
    $$

    $u$ and $v$ start from normal draws of deltanet's generator followed by 15 iterations; each
    forward pass in training mode runs ``n_power_iterations`` more; evaluation mode uses them as they are.

    Args:
        module: the layer.
        name: the weight's name.
        n_power_iterations: power iterations per forward pass in training, $\ge 1$.
        eps: the smallest norm divided by in the normalisations.
        dim: the output dimension of the weight (None: 1 for ``ConvTranspose``, else 0).

    Returns:
        ``module``, parametrized (``parametrizations.<name>.0._u`` and ``._v`` are buffers).

    Raises:
        ValueError: ``module`` has no tensor ``name``, or ``n_power_iterations`` is not positive.
        IndexError: ``dim`` is out of range.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.parametrizations import spectral_norm
        >>> m = spectral_norm(dn.nn.Linear(20, 40))
        >>> round(float(dn.linalg.matrix_norm(m.weight, 2)), 2)
        1.0
    """
    weight = _check_tensor(module, name, "spectral_norm")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    return parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))


def orthogonal(
    module: Module, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True
) -> Module:
    r"""Keep ``module.<name>`` orthogonal: $Q^T Q = I$ for a tall or square weight $(*, m, n)$,
    $Q Q^T = I$ for a wide one, as PyTorch's ``parametrizations.orthogonal``.

    $Q$ is the matrix exponential $e^A$ or the Cayley map $(I - A/2)^{-1}(I + A/2)$ of a
    skew-symmetric $A$ built from the stored tensor, or a product of Householder reflectors
    (see ``deltanet.nn.orthogonal_parametrization``). With ``use_trivialization`` $Q$ is
    ``base @`` that map, ``base`` a buffer set whenever a weight is assigned (``module.weight = Q``):
    the weight starts as the orthogonalized initial weight. For a non-square weight ``base`` is
    completed with normal draws of deltanet's generator (PyTorch's draws differ; the weight does
    not): load PyTorch's ``state_dict`` to reproduce its numbers exactly.

    Args:
        module: the layer.
        name: the weight's name.
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (None: ``"matrix_exp"``
            for a square weight, ``"householder"`` otherwise).
        use_trivialization: keep the ``base`` buffer (PyTorch's "dynamic trivialization").

    Returns:
        ``module``, parametrized (``parametrizations.<name>.original``, and ``.0.base``).

    Raises:
        ValueError: no tensor ``name``, a weight of fewer than 2 dimensions, or another map.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.parametrizations import orthogonal
        >>> m = orthogonal(dn.nn.Linear(2, 2))
        >>> W = m.weight
        >>> bool(dn.allclose(W.T @ W, dn.eye(2), atol=1e-6))
        True
    """
    weight = _check_tensor(module, name, "orthogonal")
    chosen = check_map(weight, orthogonal_map)
    trivialize = check.flag(use_trivialization, "use_trivialization", "orthogonal")
    parametrize.register_parametrization(
        module, name, _Orthogonal(weight, chosen, use_trivialization=trivialize), unsafe=True
    )
    return module


def _check_tensor(module: Module, name: str, owner: str) -> Tensor:
    if not isinstance(module, Module):
        raise TypeError(f"{owner}: module must be a Module, got {type(module).__name__}")
    weight = getattr(module, name, None) if isinstance(name, str) else None
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    return weight


__all__ = ["orthogonal", "spectral_norm", "weight_norm"]
