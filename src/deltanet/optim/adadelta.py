r"""AdaDelta (Zeiler 2012), as ``torch.optim.Adadelta``.

AdaGrad's steps only shrink; RMSProp fixes that with a decaying average $v$ of $g^2$. Zeiler also
notices that $g / \sqrt{v}$ has no units of $W$, and multiplies it by the root mean square of the
past *steps*, $\sqrt{u}$: the step then carries the units of $W$, and the nominal learning rate
$\eta = 1$ works without tuning. PyTorch keeps $\eta$ as a factor on top (default 1.0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def adadelta_update(
    W: np.ndarray,
    g: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    work: tuple[np.ndarray, ...] | None = None,
    eta: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    r"""One AdaDelta step on ``W`` and its two running averages, all in place.

    With $\eta$ = ``eta``, $\rho$ = ``rho``, $\lambda$ = ``weight_decay``, $v$ the running
    average of the squared gradients, $u$ that of the squared steps and $d$ the direction:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  d ← d + λ W
    v ← ρ v + (1 − ρ) d²
    Δ ← √(u + eps) / √(v + eps) · d
    u ← ρ u + (1 − ρ) Δ²
    W ← W − η Δ
    ```

    $v$ and $u$ start at zero.

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        square_avg: $v$, updated in place.
        acc_delta: $u$, updated in place.
        work: three scratch arrays shaped like ``W`` (allocated when None).
        eta: the learning rate $\eta$.
        rho, eps, weight_decay, maximize: as in ``Adadelta``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.adadelta import adadelta_update
        >>> W, v, u = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
        >>> adadelta_update(W, np.array([2.0, -0.5]), v, u, eta=1.0, rho=0.9, eps=1e-6)
        >>> W.round(6), v
        (array([0.996838, 1.003162]), array([0.4  , 0.025]))
    """
    t1, t2, delta = work if work is not None else tuple(np.empty_like(W) for _ in range(3))
    if weight_decay != 0:
        np.multiply(W, weight_decay, t1)
        if maximize:
            np.subtract(t1, g, t1)
        else:
            np.add(t1, g, t1)
        d = t1
    elif maximize:
        d = np.negative(g, t1)
    else:
        d = g
    np.multiply(d, d, t2)
    t2 *= 1.0 - rho
    square_avg *= rho
    square_avg += t2
    # t2 <- Δ = sqrt(u + eps) / sqrt(v + eps) * d, in PyTorch's order of operations.
    np.add(square_avg, eps, t2)
    np.sqrt(t2, t2)
    np.add(acc_delta, eps, delta)
    np.sqrt(delta, delta)
    np.divide(delta, t2, delta)
    np.multiply(delta, d, delta)
    np.multiply(delta, delta, t2)
    t2 *= 1.0 - rho
    acc_delta *= rho
    acc_delta += t2
    delta *= eta
    np.subtract(W, delta, W)


class Adadelta(Optimizer):
    r"""AdaDelta: steps scaled by the ratio of two running root mean squares, as ``torch.optim.Adadelta``.

    With the gradient $g$ (plus $\lambda W$ with weight decay; see ``adadelta_update``):

    $$
    v \leftarrow \rho v + (1 - \rho) g^2, \qquad
    \Delta = \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, g, \qquad
    u \leftarrow \rho u + (1 - \rho) \Delta^2, \qquad
    W \leftarrow W - \eta \Delta
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$, a factor on the step (1.0, Zeiler's rule, by default).
        rho: $\rho \in [0, 1]$, the decay of both running averages.
        eps: $\epsilon \ge 0$, added inside both square roots (it also sizes the first steps).
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient.
        foreach: PyTorch's implementation switch (None, True or False); no effect.
        capturable: PyTorch's CUDA-graph switch (True or False); no effect on the CPU.
        maximize: ascend the objective instead.
        differentiable: must be False (deltanet's steps are not recorded by autograd).

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([0.0, 0.0]))
        >>> opt = dn.optim.Adadelta([w], lr=1.0)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     ((w - np.array([1.0, -3.0])) ** 2).sum().backward()
        ...     opt.step()
        >>> w.array.round(6)
        array([ 0.006402, -0.006405])
    """

    _n_work = 3

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_number(name, "rho", group["rho"], 0.0, 1.0)
        _check_number(name, "eps", group["eps"])
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta = float(group["lr"])
        rho = float(group["rho"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = bool(group["maximize"])
        state, works = self.state, self._work
        for p in group["params"]:
            grad = p._grad  # the slot behind the ``grad`` property: no call per parameter
            if grad is None:
                continue
            g = grad.array
            W = p.array
            work = works.get(p)
            if work is None or work[0].dtype != W.dtype:
                work = self._new_work(p, W)
            st = state.get(p)
            if st is None:
                st = state[p] = {"step": 0, "square_avg": np.zeros_like(W), "acc_delta": np.zeros_like(W)}
            st["step"] += 1
            adadelta_update(W, g, st["square_avg"], st["acc_delta"], work, eta, rho, eps, weight_decay, maximize)
