r"""RAdam (Liu et al. 2020): Adam whose adaptive step is switched on once its variance is tractable.

In the first steps the average $v$ of $g^2$ rests on few samples, so the adaptive learning rate
$1/\sqrt{\hat v}$ has a huge variance (the reason for Adam's warm-up schedules). RAdam estimates
the length $\rho_t$ of the approximated simple moving average: while $\rho_t \le 5$ it takes plain
momentum steps, afterwards Adam steps scaled by the rectification $r_t \le 1$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.adam_like import check_adam_like_group, update_each_parameter
from deltanet.optim.optimizer import Optimizer, _check_bool


def radam_update(
    W: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    step: int,
    eta: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> None:
    r"""One RAdam step on ``W``, $m$ and $v$, all in place.

    With $\eta$ = ``eta``, $\lambda$ = ``weight_decay`` and $t$ = ``step``:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  W ← W − η λ W  (decoupled)   or   d ← d + λ W
    m ← β1 m + (1 − β1) d
    v ← β2 v + (1 − β2) d²
    ρ∞ ← 2 / (1 − β2) − 1 ;  ρ_t ← ρ∞ − 2 t β2ᵗ / (1 − β2ᵗ)
    if ρ_t > 5:
        r ← √((ρ_t − 4)(ρ_t − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρ_t))
        W ← W − η · m / (1 − β1ᵗ) · r · √(1 − β2ᵗ) / (√v + eps)
    else:
        W ← W − η · m / (1 − β1ᵗ)
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        exp_avg: $m$, updated in place.
        exp_avg_sq: $v$, updated in place.
        step: the number $t$ of this step, counting from 1.
        eta: the learning rate $\eta$.
        beta1, beta2: the ``betas`` of ``RAdam``.
        eps, weight_decay, decoupled_weight_decay, maximize: as in ``RAdam``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.radam import radam_update
        >>> W, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
        >>> radam_update(W, np.array([2.0]), m, v, step=1, eta=0.1)  # rho_1 = 1: a momentum step
        >>> W.round(6)
        array([0.8])
    """
    d = -g if maximize else g
    if weight_decay != 0:
        if decoupled_weight_decay:
            W *= 1.0 - eta * weight_decay
        else:
            d = d + weight_decay * W
    exp_avg += (1.0 - beta1) * (d - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1.0 - beta2) * d * d
    bias_correction1 = 1.0 - beta1**step
    bias_correction2 = 1.0 - beta2**step
    m_hat = exp_avg / bias_correction1
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2**step / bias_correction2
    if rho_t > 5.0:
        r = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
        adaptive = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + eps)
        W -= m_hat * eta * adaptive * r
    else:
        W -= m_hat * eta


class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al. 2020), as ``torch.optim.RAdam``.

    With $\rho_\infty = 2/(1 - \beta_2) - 1$ and $\rho_t = \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t)$,
    each step is (see ``radam_update``)

    $$
    W \leftarrow W - \eta \hat m \cdot
    \begin{cases} r_t \sqrt{1 - \beta_2^t} / (\sqrt{v} + \epsilon) & \rho_t > 5 \\ 1 & \text{otherwise} \end{cases}
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$.
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$.
        eps: $\epsilon \ge 0$.
        weight_decay: $\lambda \ge 0$.
        decoupled_weight_decay: decay $W$ directly (as AdamW) instead of adding $\lambda W$ to $g$.
        foreach: PyTorch's implementation switch (None, True or False); the same update either way.
        maximize: ascend the objective instead.
        capturable: PyTorch's CUDA-graph switch; no effect on the CPU.
        differentiable: must be False.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.RAdam([w], lr=0.1)
        >>> w.grad = np.array([2.0]); opt.step()
        >>> w.array.round(4)
        array([0.8])
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_like_group(type(self).__name__, group)
        _check_bool(type(self).__name__, "decoupled_weight_decay", group["decoupled_weight_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        eta, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])

        def update(W: np.ndarray, g: np.ndarray, st: dict[str, Any]) -> None:
            radam_update(
                W,
                g,
                st["exp_avg"],
                st["exp_avg_sq"],
                st["step"],
                eta,
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled,
                maximize,
            )

        update_each_parameter(self, group, ("exp_avg", "exp_avg_sq"), update)
