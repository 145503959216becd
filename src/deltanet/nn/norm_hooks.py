r"""PyTorch's older ``torch.nn.utils.weight_norm`` and ``torch.nn.utils.spectral_norm``: forward
pre-hooks that recompute ``module.weight`` before each call, with their ``state_dict`` keys
(``weight_g``/``weight_v``; ``weight_orig``/``weight_u``/``weight_v``).

PyTorch deprecates them in favour of ``torch.nn.utils.parametrizations`` (``deltanet.nn.parametrizations``),
but old checkpoints and code use them, so they compute what PyTorch's compute:

$$
W = g \, \frac{v}{\lVert v \rVert}, \qquad
v \leftarrow \frac{W^\top u}{\lVert W^\top u \rVert}, \;
u \leftarrow \frac{W v}{\lVert W v \rVert}, \; W_{\text{SN}} = \frac{W}{u^\top W v}
$$

(the old spectral norm updates $v$ first, then $u$; the iterations run in training mode only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, no_grad, randn
from deltanet.nn.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.module import Module, Parameter
from deltanet.nn.parametrizations import norm_except_dim
from deltanet.nn.pruning import BasePruningMethod


def _pre_hooks(module: Module) -> Any:
    table = module.__dict__.get("_hooks")
    return {} if table is None else table["forward_pre"]


def _find(module: Module, kind: type[WeightNorm] | type[SpectralNorm], name: str) -> tuple[Any, Any] | None:
    for key, hook in _pre_hooks(module).items():
        if isinstance(hook, kind) and hook.name == name:
            return key, hook
    return None


def _parameter(module: Module, name: str, owner: str) -> Parameter:
    if not isinstance(module, Module):
        raise TypeError(f"{owner}: module must be a Module, got {type(module).__name__}")
    weight = module._parameters.get(name) if isinstance(name, str) else None
    if weight is None:
        raise ValueError(f"{owner}: {type(module).__name__} has no parameter named {name!r}")
    return weight


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: sets ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, 2, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: sets ``module.<name>`` to ``<name>_orig`` over its spectral norm."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def reshape_weight_to_matrix(self, weight: Any) -> Any:
        if self.dim != 0:
            order = (self.dim, *(d for d in range(weight.ndim) if d != self.dim))
            weight = weight.transpose(order) if isinstance(weight, np.ndarray) else weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def _normalized(self, x: np.ndarray) -> np.ndarray:
        return x / max(np.linalg.norm(x), self.eps)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u").array, getattr(module, self.name + "_v").array
        W = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            for _ in range(self.n_power_iterations):  # in place, as PyTorch's out=
                v[...] = self._normalized(W.array.T @ u)
                u[...] = self._normalized(W.array @ v)
        sigma = (Tensor._make(u.copy()) * (W @ Tensor._make(v.copy()))).sum()
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def refusal(module: Module, path: str, action: str) -> str | None:
    r"""Why ``module`` cannot be saved or exported as a layer (it is re-parametrized), with what to do,
    or None: ``deltanet.io`` and ``deltanet.onnx`` rebuild or trace plain layers only.

    Args:
        module: the layer.
        path: its dotted name in the model ("" for the model itself).
        action: what was asked ("save", "export").

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.norm_hooks import refusal
        >>> refusal(dn.nn.Linear(2, 2), "0", "save") is None
        True
    """
    where = f"layer '{path}' ({type(module).__name__})" if path else f"the model ({type(module).__name__})"
    parametrizations = module.__dict__.get("parametrizations")
    if getattr(type(module), "_deltanet_parametrized", False) and parametrizations is not None:
        names = ", ".join(repr(n) for n in parametrizations)
        return (
            f"cannot {action}: {where} has parametrizations on {names} (torch.nn.utils.parametrize); "
            f"{action} model.state_dict() instead (a dict of tensors, which loads into a model parametrized "
            f"the same way), or call torch.nn.utils.parametrize.remove_parametrizations(layer, name) first"
        )
    pruned = [h._tensor_name for h in _pre_hooks(module).values() if isinstance(h, BasePruningMethod)]
    if pruned and action != "export":  # the export traces the hook's result, M * W_orig
        names = ", ".join(repr(n) for n in pruned)
        return (
            f"cannot {action}: {where} is pruned on {names} (torch.nn.utils.prune); {action} model.state_dict() "
            f"instead (keys {pruned[0]}_orig and {pruned[0]}_mask, which load into a model pruned the same way, "
            f"e.g. by prune.identity(layer, {pruned[0]!r})), or call prune.remove(layer, {pruned[0]!r}) first to "
            f"make the pruning permanent"
        )
    hooks = [h for h in _pre_hooks(module).values() if isinstance(h, (WeightNorm, SpectralNorm))]
    if hooks:
        kinds = ", ".join(
            f"{'weight_norm' if isinstance(h, WeightNorm) else 'spectral_norm'} on {h.name!r}" for h in hooks
        )
        return (
            f"cannot {action}: {where} has the hooks {kinds} (torch.nn.utils.weight_norm/spectral_norm); "
            f"{action} model.state_dict() instead, or call torch.nn.utils.remove_weight_norm(layer) / "
            f"remove_spectral_norm(layer) first"
        )
    return None


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    r"""PyTorch's deprecated weight normalisation hook: $W = g \, v / \lVert v \rVert$ with the
    parameters ``<name>_g`` and ``<name>_v`` (``torch.nn.utils.weight_norm``).

    Prefer ``torch.nn.utils.parametrizations.weight_norm``; this one loads old checkpoints.

    Args:
        module: the layer.
        name: the weight's name.
        dim: the dimension kept by the norm; None (or -1) for the whole tensor.

    Returns:
        ``module``.

    Raises:
        RuntimeError: ``name`` already has a weight_norm hook.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.utils.weight_norm(dn.nn.Linear(3, 2))
        >>> list(m.state_dict()), m.weight_g.shape
        (['bias', 'weight_g', 'weight_v'], (2, 1))
    """
    owner = "weight_norm"
    if _find(module, WeightNorm, name) is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    dim = -1 if dim is None else check.integer(dim, "dim", owner)
    weight = _parameter(module, name, owner)
    hook = WeightNorm(name, dim)
    with no_grad():
        g = norm_except_dim(weight, 2, dim)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(g.array))
    module.register_parameter(name + "_v", Parameter(weight.array))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    r"""Undo ``weight_norm``: ``module.<name>`` becomes a parameter again, of value $g \, v / \lVert v \rVert$.

    Args:
        module: the layer.
        name: the weight's name.

    Raises:
        ValueError: ``module`` has no weight_norm hook on ``name``.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.utils.remove_weight_norm(dn.nn.utils.weight_norm(dn.nn.Linear(3, 2)))
        >>> list(m.state_dict())
        ['bias', 'weight']
    """
    found = _find(module, WeightNorm, name)
    if found is None:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    key, hook = found
    weight = hook.compute_weight(module)
    delattr(module, name)
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    module.register_parameter(name, Parameter(weight.array))
    del _pre_hooks(module)[key]
    return module


def spectral_norm(
    module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> Module:
    r"""PyTorch's deprecated spectral normalisation hook: $W_{\text{SN}} = W / \sigma(W)$ with
    ``<name>_orig`` the trained weight and the buffers ``<name>_u``, ``<name>_v`` (``torch.nn.utils.spectral_norm``).

    $u, v$ start from normal draws of deltanet's generator (no iterations before the first forward
    pass, as PyTorch's); each forward pass in training mode runs ``n_power_iterations``.

    Args:
        module: the layer.
        name: the weight's name.
        n_power_iterations: power iterations per training forward pass, $\ge 1$.
        eps: the smallest norm divided by.
        dim: the output dimension (None: 1 for ``ConvTranspose``, else 0).

    Returns:
        ``module``.

    Raises:
        RuntimeError: ``name`` already has a spectral_norm hook.
        ValueError: ``n_power_iterations`` is not positive.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.utils.spectral_norm(dn.nn.Linear(3, 2))
        >>> list(m.state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    owner = "spectral_norm"
    if _find(module, SpectralNorm, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    n_power_iterations = check.integer(n_power_iterations, "n_power_iterations", owner)
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
    weight = _parameter(module, name, owner)
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    dim = check.integer(dim, "dim", owner)
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"{owner}: dim {dim} is out of range for a weight of {weight.ndim} dimensions")
    hook = SpectralNorm(name, n_power_iterations, dim % weight.ndim, check.number(eps, "eps", owner, low=0))
    h, w = hook.reshape_weight_to_matrix(weight.array).shape
    u = hook._normalized(randn(h, dtype=weight.dtype).array)
    v = hook._normalized(randn(w, dtype=weight.dtype).array)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, Tensor._make(weight.array))
    module.register_buffer(name + "_u", Tensor._make(u))
    module.register_buffer(name + "_v", Tensor._make(v))
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    r"""Undo ``spectral_norm``: ``module.<name>`` becomes a parameter of value $W / (u^\top W v)$.

    Args:
        module: the layer.
        name: the weight's name.

    Raises:
        ValueError: ``module`` has no spectral_norm hook on ``name``.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.utils.remove_spectral_norm(dn.nn.utils.spectral_norm(dn.nn.Linear(3, 2)))
        >>> list(m.state_dict())
        ['bias', 'weight']
    """
    found = _find(module, SpectralNorm, name)
    if found is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    key, hook = found
    with no_grad():
        weight = hook.compute_weight(module, do_power_iteration=False)
    for suffix in ("", "_u", "_v", "_orig"):
        delattr(module, name + suffix)
    module.register_parameter(name, Parameter(weight.array))
    del _pre_hooks(module)[key]
    return module


__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]
