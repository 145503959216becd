r"""Averaged SGD (Polyak & Juditsky 1992), as ``torch.optim.ASGD``.

Plain SGD with a slowly decaying learning rate $\eta_t = \eta_0 / (1 + \lambda \eta_0 t)^\alpha$
(and a decay of $W$ by $1 - \lambda \eta_t$), plus a running average $\bar W$ of the iterates
from step $t_0$ on: the average converges at the optimal rate even where the iterates keep
jittering. The optimizer updates $W$; the average waits in ``state[p]["ax"]`` (copy it into the
weights to use it).

PyTorch keeps $\eta_t$ and the averaging weight $\mu_t$ as 0-d tensors of its default dtype
(float32); so does this port (rounded to float32), for the same iterates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def _float32(x: float) -> float:
    """``x`` rounded to float32, as PyTorch's 0-d state tensors hold it."""
    return float(np.float32(x))


def asgd_update(
    W: np.ndarray,
    g: np.ndarray,
    ax: np.ndarray,
    eta: float,
    mu: float,
    lambd: float = 1e-4,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    r"""One ASGD step on ``W`` and its average ``ax``, in place (the schedule is ``asgd_schedule``).

    With $\eta$ = ``eta``, $\mu$ = ``mu`` and $\lambda$ = ``lambd``:

    ```text
    d ← −g if maximize else g
    if weight_decay ≠ 0:  d ← d + weight_decay · W
    W ← W (1 − λ η)
    W ← W − η d
    W̄ ← W̄ + μ (W − W̄)    (W̄ ← W while μ = 1)
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        ax: the average $\bar W$, updated in place.
        eta: this step's learning rate $\eta_t$.
        mu: this step's averaging weight $\mu_t$.
        lambd: the decay $\lambda$.
        weight_decay, maximize: as in ``ASGD``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.asgd import asgd_update
        >>> W, ax = np.array([1.0]), np.zeros(1)
        >>> asgd_update(W, np.array([2.0]), ax, eta=0.1, mu=1.0, lambd=0.0)
        >>> W, ax
        (array([0.8]), array([0.8]))
    """
    d = -g if maximize else g
    if weight_decay != 0:
        d = d + weight_decay * W
    W *= 1 - lambd * eta  # the decay term
    W += -eta * d
    if mu != 1:
        ax += (W - ax) * mu
    else:
        ax[...] = W


def asgd_schedule(step: int, eta0: float, lambd: float, alpha: float, t0: float) -> tuple[float, float]:
    r"""The learning rate $\eta_0 / (1 + \lambda \eta_0 t)^\alpha$ and weight $1 / \max(1, t - t_0)$ after step t.

    Args:
        step: the step $t$ just taken.
        eta0: the group's learning rate $\eta_0$ (``lr``).
        lambd, alpha, t0: as in ``ASGD``.

    Returns:
        ``(eta, mu)`` for the next step, rounded to float32 as PyTorch's state holds them.

    Examples:
        >>> from deltanet.optim.asgd import asgd_schedule
        >>> eta, mu = asgd_schedule(10, 0.1, 1e-2, 0.75, t0=5)
        >>> round(eta, 6), mu
        (0.099257, 0.20000000298023224)
    """
    eta = eta0 / ((1 + lambd * eta0 * step) ** alpha)
    mu = 1 / max(1, step - t0)
    return _float32(eta), _float32(mu)


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak & Juditsky 1992), as ``torch.optim.ASGD``.

    $$
    W \leftarrow (1 - \lambda \eta_t) W - \eta_t g, \qquad
    \bar W \leftarrow \bar W + \mu_t (W - \bar W), \qquad
    \eta_{t} = \frac{\eta_0}{(1 + \lambda \eta_0 t)^\alpha}, \quad \mu_t = \frac{1}{\max(1, t - t_0)}
    $$

    The average $\bar W$ is ``state[p]["ax"]``; the state also holds ``step``, ``eta`` and ``mu``
    (PyTorch's keys).

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the initial learning rate $\eta_0$ (default 1e-2).
        lambd: the decay $\lambda \ge 0$ (default 1e-4).
        alpha: the power $\alpha$ of the learning-rate decay (default 0.75).
        t0: the step $t_0$ from which the average runs (default 1e6).
        weight_decay: $\ge 0$, adds ``weight_decay`` $\cdot W$ to the gradient.
        foreach: PyTorch's implementation switch (None, True or False); no effect.
        maximize: ascend the objective instead.
        differentiable: must be False.
        capturable: PyTorch's CUDA-graph switch; no effect on the CPU.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.ASGD([w], lr=0.1, t0=0)
        >>> for _ in range(3):
        ...     w.grad = 2 * w.array; opt.step()
        >>> w.array.round(4), opt.state[w]["ax"].round(4)  # the average of the last two iterates
        (array([0.512]), array([0.576]))
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_number(name, "lambd", group["lambd"])
        _check_number(name, "alpha", group["alpha"])
        _check_number(name, "t0", group["t0"])
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta0, lambd = float(group["lr"]), float(group["lambd"])
        alpha, t0 = float(group["alpha"]), float(group["t0"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            W = p.array
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {"step": 0, "eta": _float32(eta0), "mu": 1.0, "ax": np.zeros_like(W)}
            st["step"] += 1
            asgd_update(W, grad.array, st["ax"], float(st["eta"]), float(st["mu"]), lambd, weight_decay, maximize)
            st["eta"], st["mu"] = asgd_schedule(st["step"], eta0, lambd, alpha, t0)
