"""Weight penalties added to the loss: Ẽ(w) = E(w) + λ R(w) (``seeds/001…``, ``002…``, ``003…``).

| function | class | penalty | gradient | effect |
|---|---|---|---|---|
| ``l1`` | ``L1`` | λ Σ \\|w\\| | λ sign(w) | drives weights to exactly 0: few features are used |
| ``l2`` | ``L2`` | (λ/2) Σ w² | λ w | shrinks all weights alike: all features are used a little |
| ``l1_2`` | ``L12`` | λ Σ \\|w\\|^{1/2} (smoothed) | λ w / (2 (w² + ε)^{3/4}) | sparser (not convex) |

**The ℓ2 convention.** The seeds write the ℓ2 term both as (λ/2)·W² (``seeds/001…``) and as
μ Σ W² (``seeds/002…``); deltanet uses λ/2 Σ w², whose gradient is exactly λ w. Adding it to the
loss therefore changes a plain SGD step to w ← w − η (∂E/∂w + λ w), which is what
``optim.SGD(weight_decay=λ)`` does: ``l2(model, λ)`` and ``weight_decay=λ`` are the same thing
(use one, not both). With momentum the two still agree (the decay enters the gradient before the
velocity); with Adam they differ from *decoupled* weight decay (AdamW). For μ Σ w² pass λ = 2μ.

**The ℓ1/2 smoothing.** |w|^{1/2} has an infinite derivative at w = 0, so a weight that reaches 0
would receive an infinite gradient. ``l1_2`` uses ((w² + ε)^{1/4} − ε^{1/4}) instead: it is 0 at
w = 0, smooth everywhere, tends to |w|^{1/2} as ε → 0, and its gradient
λ w / (2 (w² + ε)^{3/4}) is bounded by about 0.31 λ ε^{−1/4} (reached at w² = 2ε; 31 λ for the
default ε = 1e-8).

**Which parameters.** Given a model, the penalties apply to the *weights* only: the parameters
named ``weight`` (the W of ``Linear`` and, later, convolution layers). Not to biases (a bias
shifts a unit; shrinking it does not make the function smoother, and it is the standard
practice of Goodfellow et al., ch. 7), and not to the ``weight`` of ``BatchNorm`` (γ, a
per-channel scale: pulling it to 0 switches channels off) or of ``PReLU`` (α, a slope, which
He et al. 2015 do not decay). Given a list of parameters (or one tensor), every one of them is
penalized, biases included: ``l2(model.parameters(), lam)`` for all, ``l2(model[0], lam)`` for the
weights of one layer.

Each function returns a scalar ``Tensor`` built from autograd ops, so
``(loss + penalty).backward()`` sends the penalty's gradient into the weights. The classes ``L1``, ``L2``
and ``L12`` hold λ (and ε) and are called on a model: ``fit(..., regularizer=L2(1e-4))`` calls ``regularizer(model)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.nn.activation import PReLU
from deltanet.nn.batchnorm import _BatchNorm
from deltanet.nn.module import Module

# Modules whose ``weight`` is a scale or slope, not a connection weight: never penalized by default.
_NOT_PENALIZED: tuple[type, ...] = (_BatchNorm, PReLU)


def penalized_parameters(params_or_model: Module | Iterable[Tensor] | Tensor) -> list[Tensor]:
    """The tensors a penalty applies to: a model's connection weights, or every tensor given.

    Example:
        >>> import deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 3), dn.nn.BatchNorm1d(3), dn.nn.Linear(3, 1))
        >>> [p.shape for p in dn.regularizers.penalized_parameters(model)]
        [(3, 2), (1, 3)]
    """
    if isinstance(params_or_model, Module):
        chosen: list[Tensor] = []
        for module in params_or_model.modules():
            if isinstance(module, _NOT_PENALIZED):
                continue
            for name, param in module._parameters.items():
                if param is not None and name.endswith("weight") and all(param is not q for q in chosen):
                    chosen.append(param)
        return chosen
    if isinstance(params_or_model, Tensor):
        return [params_or_model]
    try:
        params = list(params_or_model)
    except TypeError:
        raise ValueError(
            f"a regularizer takes a Module, a Tensor or a list of Tensors, got {type(params_or_model).__name__}"
        ) from None
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise ValueError(f"a regularizer takes a list of Tensors, got {type(p).__name__} at position {i}")
    return params


def _check_lam(lam: Any, name: str) -> float:
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: lam (λ) must be a non-negative number, got {lam!r}")
    if not (math.isfinite(lam) and lam >= 0):
        raise ValueError(f"{name}: lam (λ) must be a non-negative finite number, got {lam!r}")
    return float(lam)


def _check_eps(eps: Any, name: str) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"{name}: eps must be a positive finite number, got {eps!r}")
    return float(eps)


def _total(terms: list[Tensor], lam: float) -> Tensor:
    """λ · Σ terms, or a constant 0 when there is nothing to penalize."""
    if not terms:
        return Tensor(np.array(0.0, dtype=np.float32))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * lam


def l1(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float) -> Tensor:
    """ℓ1 penalty λ Σ |w|; its gradient λ sign(w) (0 at w = 0) pushes weights to exactly 0.

    Args:
        params_or_model: a model (its connection weights, see the module docstring), one
            layer, a Tensor, or a list of Tensors (all penalized).
        lam: λ ≥ 0.

    Returns:
        A scalar Tensor to add to the loss.

    Example:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, -2.0, 0.5])
        >>> round(dn.regularizers.l1([w], lam=0.1).item(), 4)  # 0.1 · (1 + 2 + 0.5)
        0.35
    """
    lam = _check_lam(lam, "l1")
    # |w| = relu(w) + relu(−w): two primitives with known gradients, and sign(0) = 0.
    terms = [(p.relu() + (-p).relu()).sum() for p in penalized_parameters(params_or_model)]
    return _total(terms, lam)


def l2(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float) -> Tensor:
    """ℓ2 penalty (λ/2) Σ w², whose gradient λ w equals SGD's ``weight_decay=λ``.

    Args:
        params_or_model: a model (its connection weights), one layer, a Tensor, or a list.
        lam: λ ≥ 0.

    Returns:
        A scalar Tensor to add to the loss.

    Example:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, -2.0])
        >>> penalty = dn.regularizers.l2([w], lam=0.1)
        >>> round(penalty.item(), 4)
        0.25
        >>> penalty.backward(); w.grad.tolist()  # λ w
        [0.10000000149011612, -0.20000000298023224]
    """
    lam = _check_lam(lam, "l2")
    return _total([(p * p).sum() for p in penalized_parameters(params_or_model)], lam / 2)


def l1_2(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float, eps: float = 1e-8) -> Tensor:
    """ℓ1/2 penalty λ Σ |w|^{1/2}, smoothed as λ Σ ((w² + ε)^{1/4} − ε^{1/4}) so that the
    gradient stays finite at w = 0 (see the module docstring).

    Args:
        params_or_model: a model (its connection weights), one layer, a Tensor, or a list.
        lam: λ ≥ 0.
        eps: smoothing ε > 0; the smaller, the closer to |w|^{1/2} (and the steeper near 0).

    Returns:
        A scalar Tensor to add to the loss.

    Example:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([4.0, -9.0, 0.0])
        >>> round(dn.regularizers.l1_2([w], lam=1.0, eps=1e-16).item(), 3)  # √4 + √9 + √0
        5.0
        >>> round(dn.regularizers.l1_2([w], lam=1.0).item(), 3)  # less ε^{1/4} = 0.01 per w ≠ 0
        4.98
    """
    lam = _check_lam(lam, "l1_2")
    eps = _check_eps(eps, "l1_2")
    offset = eps**0.25
    terms = [((p * p + eps) ** 0.25 - offset).sum() for p in penalized_parameters(params_or_model)]
    return _total(terms, lam)


class _Penalty:
    _fn: Any = None

    def __init__(self, lam: float) -> None:
        self.lam = _check_lam(lam, type(self).__name__)

    def __call__(self, params_or_model: Module | Iterable[Tensor] | Tensor) -> Tensor:
        return type(self)._fn(params_or_model, self.lam)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lam={self.lam})"


class L1(_Penalty):
    """The ℓ1 penalty λ Σ |w| as a callable object (see :func:`l1`).

    Example:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(3, 2)
        >>> penalty = dn.regularizers.L1(1e-3)(model)
        >>> penalty.shape, penalty.requires_grad
        ((), True)
    """

    _fn = staticmethod(l1)


class L2(_Penalty):
    """The ℓ2 penalty (λ/2) Σ w² as a callable object (see :func:`l2`).

    Example:
        >>> import deltanet as dn
        >>> dn.regularizers.L2(1e-4)
        L2(lam=0.0001)
    """

    _fn = staticmethod(l2)


class L12(_Penalty):
    """The smoothed ℓ1/2 penalty λ Σ |w|^{1/2} as a callable object (see :func:`l1_2`).

    Example:
        >>> import deltanet as dn
        >>> dn.regularizers.L12(1e-3, eps=1e-6)
        L12(lam=0.001, eps=1e-06)
    """

    def __init__(self, lam: float, eps: float = 1e-8) -> None:
        super().__init__(lam)
        self.eps = _check_eps(eps, "L12")

    def __call__(self, params_or_model: Module | Iterable[Tensor] | Tensor) -> Tensor:
        return l1_2(params_or_model, self.lam, self.eps)

    def __repr__(self) -> str:
        return f"L12(lam={self.lam}, eps={self.eps})"


__all__ = ["L1", "L12", "L2", "l1", "l1_2", "l2", "penalized_parameters"]
