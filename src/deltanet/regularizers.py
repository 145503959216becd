r"""Weight penalties added to the loss: $\tilde E(w) = E(w) + \lambda R(w)$ ([Hosny et al.], ``002…``, ``003…``).

| function, class | penalty $R$ | gradient $\partial R / \partial w$ | effect |
|---|---|---|---|
| ``l1``, ``L1`` | $\lambda \sum \lvert w \rvert$ | $\lambda\, \mathrm{sign}(w)$ | weights reach exactly 0 |
| ``l2``, ``L2`` | $\frac{\lambda}{2} \sum w^2$ | $\lambda w$ | all weights shrink alike |
| ``l1_2``, ``L12`` | $\lambda \sum \lvert w \rvert^{1/2}$ | $\lambda w / (2 (w^2 + \varepsilon)^{3/4})$ | sparser |

$\ell_1$ leaves few features in use, $\ell_2$ uses all of them a little, and $\ell_{1/2}$
(smoothed, see below) is sparser than $\ell_1$ but not convex.

**The $\ell_2$ convention.** The seeds write the $\ell_2$ term both as $\frac{\lambda}{2} W^2$
([Hosny et al.]) and as $\mu \sum W^2$ ([Ibragimov]); deltanet uses $\frac{\lambda}{2} \sum w^2$,
whose gradient is exactly $\lambda w$. Adding it to the loss therefore changes a plain SGD step to
$w \leftarrow w - \eta (\partial E / \partial w + \lambda w)$, which is what
``optim.SGD(weight_decay=lam)`` does: ``l2(model, lam)`` and ``weight_decay=lam`` are the same
thing (use one, not both). With momentum the two still agree (the decay enters the gradient before
the velocity); with Adam they differ from *decoupled* weight decay (AdamW). For $\mu \sum w^2$
pass $\lambda = 2\mu$. For $\ell_1$, ``l1`` is $\lambda \sum \lvert w \rvert$, the
$\lambda R(w)$ with $R(w) = \lVert w \rVert_1$ of [Suk 2015]; [Hosny et al.] writes
$\frac{\lambda}{2} \lvert W \rvert$, which is ``l1`` with $\lambda / 2$.

**The $\ell_{1/2}$ smoothing.** $\lvert w \rvert^{1/2}$ has an infinite derivative at $w = 0$, so a
weight that reaches 0 would receive an infinite gradient. ``l1_2`` uses
$(w^2 + \varepsilon)^{1/4} - \varepsilon^{1/4}$ instead: it is 0 at $w = 0$, smooth everywhere,
tends to $\lvert w \rvert^{1/2}$ as $\varepsilon \to 0$, and its gradient
$\lambda w / (2 (w^2 + \varepsilon)^{3/4})$ is bounded by about $0.31\, \lambda\, \varepsilon^{-1/4}$
(reached at $w^2 = 2 \varepsilon$; $31 \lambda$ for the default $\varepsilon = 10^{-8}$).

**Which parameters.** Given a model, the penalties apply to the *weights* only: the parameters
named ``weight`` (the $W$ of ``Linear`` and of the convolution layers). Not to biases (a bias
shifts a unit; shrinking it does not make the function smoother, and it is the standard practice
of Goodfellow et al., ch. 7), and not to the ``weight`` of ``BatchNorm`` ($\gamma$, a per-channel
scale: pulling it to 0 switches channels off) or of ``PReLU`` ($\alpha$, a slope, which He et al.
2015 do not decay). Given a list of parameters (or one tensor), every one of them is penalized,
biases included: ``l2(model.parameters(), lam)`` for all, ``l2(model[0], lam)`` for the weights of
one layer.

Each function returns a scalar ``Tensor`` built from autograd ops, so
``(loss + penalty).backward()`` sends the penalty's gradient into the weights. The classes ``L1``,
``L2`` and ``L12`` hold $\lambda$ (and $\varepsilon$) and are called on a model:
``fit(..., regularizer=L2(1e-4))`` calls ``regularizer(model)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.nn.activation import PReLU
from deltanet.nn.batchnorm import _BatchNorm
from deltanet.nn.module import Module

# Modules whose ``weight`` is a scale or slope, not a connection weight: never penalized by default.
_NOT_PENALIZED: tuple[type, ...] = (_BatchNorm, PReLU)


def penalized_parameters(params_or_model: Module | Iterable[Tensor] | Tensor) -> list[Tensor]:
    """The tensors a penalty applies to: a model's connection weights, or every tensor given.

    Args:
        params_or_model: a model (its parameters named ``weight``, except those of ``BatchNorm``
            and ``PReLU``; see the module docstring), one layer, a Tensor, or a list of Tensors
            (all of them).

    Returns:
        The tensors, each once.

    Raises:
        ValueError: something that is neither a Module, a Tensor nor a list of Tensors.

    Examples:
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


def _total(terms: list[Tensor], lam: float) -> Tensor:
    r"""$\lambda \sum$ terms, or a constant 0 when there is nothing to penalize."""
    if not terms:
        return Tensor._make(np.array(0.0, dtype=backend.DEFAULT_DTYPE))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * lam


def l1(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float) -> Tensor:
    r"""The $\ell_1$ penalty, whose gradient pushes weights to exactly 0.

    $$
    R = \lambda \sum_w \lvert w \rvert, \qquad \frac{\partial R}{\partial w} = \lambda\, \mathrm{sign}(w)
    \quad (0 \text{ at } w = 0)
    $$

    Args:
        params_or_model: a model (its connection weights, see the module docstring), one
            layer, a Tensor, or a list of Tensors (all penalized).
        lam: $\lambda \ge 0$.

    Returns:
        A scalar Tensor to add to the loss.

    Raises:
        ValueError: ``lam`` is negative or not a finite number.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, -2.0, 0.5])
        >>> round(dn.regularizers.l1([w], lam=0.1).item(), 4)  # 0.1 · (1 + 2 + 0.5)
        0.35
    """
    lam = check.number(lam, "lam (λ)", "l1", low=0)
    # $|w| = \mathrm{relu}(w) + \mathrm{relu}(-w)$: two primitives with known gradients, and sign(0) = 0.
    terms = [(p.relu() + (-p).relu()).sum() for p in penalized_parameters(params_or_model)]
    return _total(terms, lam)


def l2(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float) -> Tensor:
    r"""The $\ell_2$ penalty, whose gradient $\lambda w$ equals SGD's ``weight_decay=lam``.

    $$
    R = \frac{\lambda}{2} \sum_w w^2, \qquad \frac{\partial R}{\partial w} = \lambda w
    $$

    Args:
        params_or_model: a model (its connection weights), one layer, a Tensor, or a list.
        lam: $\lambda \ge 0$.

    Returns:
        A scalar Tensor to add to the loss.

    Raises:
        ValueError: ``lam`` is negative or not a finite number.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, -2.0])
        >>> penalty = dn.regularizers.l2([w], lam=0.1)
        >>> round(penalty.item(), 4)
        0.25
        >>> penalty.backward(); w.grad.tolist()  # λ w
        [0.10000000149011612, -0.20000000298023224]
    """
    lam = check.number(lam, "lam (λ)", "l2", low=0)
    return _total([(p * p).sum() for p in penalized_parameters(params_or_model)], lam / 2)


def l1_2(params_or_model: Module | Iterable[Tensor] | Tensor, lam: float, eps: float = 1e-8) -> Tensor:
    r"""The $\ell_{1/2}$ penalty $\lambda \sum \lvert w \rvert^{1/2}$, smoothed so that its gradient stays finite at 0.

    $$
    R = \lambda \sum_w \left( (w^2 + \varepsilon)^{1/4} - \varepsilon^{1/4} \right), \qquad
    \frac{\partial R}{\partial w} = \frac{\lambda w}{2 (w^2 + \varepsilon)^{3/4}}
    $$

    See the module docstring for the bound on the gradient.

    Args:
        params_or_model: a model (its connection weights), one layer, a Tensor, or a list.
        lam: $\lambda \ge 0$.
        eps: the smoothing $\varepsilon > 0$; the smaller, the closer to $\lvert w \rvert^{1/2}$
            (and the steeper near 0).

    Returns:
        A scalar Tensor to add to the loss.

    Raises:
        ValueError: ``lam`` is negative, or ``eps`` is not positive.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([4.0, -9.0, 0.0])
        >>> round(dn.regularizers.l1_2([w], lam=1.0, eps=1e-16).item(), 3)  # √4 + √9 + √0
        5.0
        >>> round(dn.regularizers.l1_2([w], lam=1.0).item(), 3)  # less ε^{1/4} = 0.01 per w ≠ 0
        4.98
    """
    lam = check.number(lam, "lam (λ)", "l1_2", low=0)
    eps = check.number(eps, "eps", "l1_2", low=0, low_open=True)
    offset = eps**0.25
    terms = [((p * p + eps) ** 0.25 - offset).sum() for p in penalized_parameters(params_or_model)]
    return _total(terms, lam)


class _Penalty:
    _fn: Any = None

    def __init__(self, lam: float) -> None:
        self.lam = check.number(lam, "lam (λ)", type(self).__name__, low=0)

    def __call__(self, params_or_model: Module | Iterable[Tensor] | Tensor) -> Tensor:
        return type(self)._fn(params_or_model, self.lam)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lam={self.lam})"


class L1(_Penalty):
    r"""The $\ell_1$ penalty $\lambda \sum \lvert w \rvert$ as a callable object (see ``l1``).

    Args:
        lam: $\lambda \ge 0$.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(3, 2)
        >>> penalty = dn.regularizers.L1(1e-3)(model)
        >>> penalty.shape, penalty.requires_grad
        ((), True)
    """

    _fn = staticmethod(l1)


class L2(_Penalty):
    r"""The $\ell_2$ penalty $\frac{\lambda}{2} \sum w^2$ as a callable object (see ``l2``).

    Args:
        lam: $\lambda \ge 0$.

    Examples:
        >>> import deltanet as dn
        >>> dn.regularizers.L2(1e-4)
        L2(lam=0.0001)
    """

    _fn = staticmethod(l2)


class L12(_Penalty):
    r"""The smoothed $\ell_{1/2}$ penalty $\lambda \sum \lvert w \rvert^{1/2}$ as a callable object (see ``l1_2``).

    Args:
        lam: $\lambda \ge 0$.
        eps: the smoothing $\varepsilon > 0$ (default $10^{-8}$).

    Examples:
        >>> import deltanet as dn
        >>> dn.regularizers.L12(1e-3, eps=1e-6)
        L12(lam=0.001, eps=1e-06)
    """

    def __init__(self, lam: float, eps: float = 1e-8) -> None:
        super().__init__(lam)
        self.eps = check.number(eps, "eps", "L12", low=0, low_open=True)

    def __call__(self, params_or_model: Module | Iterable[Tensor] | Tensor) -> Tensor:
        return l1_2(params_or_model, self.lam, self.eps)

    def __repr__(self) -> str:
        return f"L12(lam={self.lam}, eps={self.eps})"


__all__ = ["L1", "L12", "L2", "l1", "l1_2", "l2", "penalized_parameters"]
