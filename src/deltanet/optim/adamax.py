r"""Adamax (Kingma & Ba 2015, section 7.1): Adam with the infinity norm in place of $\sqrt{v}$.

Adam divides by an $\ell_2$ average of past gradients; letting the norm's order go to infinity
gives the simple recursion $u \leftarrow \max(\beta_2 u, |g|)$, which needs no bias correction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.adam_like import check_adam_like_group, update_each_parameter
from deltanet.optim.optimizer import Optimizer


def adamax_update(
    W: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_inf: np.ndarray,
    step: int,
    eta: float = 2e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    r"""One Adamax step on ``W``, $m$ and $u$, all in place.

    With $\eta$ = ``eta``, $\lambda$ = ``weight_decay`` and $t$ = ``step``:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  d ← d + λ W
    m ← β1 m + (1 − β1) d
    u ← max(β2 u, |d| + eps)
    W ← W − η / (1 − β1ᵗ) · m / u
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        exp_avg: $m$, updated in place.
        exp_inf: $u$, updated in place.
        step: the number $t$ of this step, counting from 1.
        eta: the learning rate $\eta$.
        beta1, beta2: the ``betas`` of ``Adamax``.
        eps, weight_decay, maximize: as in ``Adamax``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.adamax import adamax_update
        >>> W, m, u = np.array([1.0]), np.zeros(1), np.zeros(1)
        >>> adamax_update(W, np.array([2.0]), m, u, step=1, eta=0.1)
        >>> W.round(6)
        array([0.9])
    """
    d = -g if maximize else g
    if weight_decay != 0:
        d = d + weight_decay * W
    exp_avg += (1.0 - beta1) * (d - exp_avg)
    exp_inf *= beta2
    np.maximum(exp_inf, np.abs(d) + eps, out=exp_inf)
    W -= (eta / (1.0 - beta1**step)) * (exp_avg / exp_inf)


class Adamax(Optimizer):
    r"""Adamax, Adam with the infinity norm (Kingma & Ba 2015), as ``torch.optim.Adamax``.

    $$
    m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad u \leftarrow \max(\beta_2 u, |g| + \epsilon),
    \qquad W \leftarrow W - \frac{\eta}{1 - \beta_1^t} \frac{m}{u}
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$ (default 2e-3, as PyTorch).
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$.
        eps: $\epsilon \ge 0$, keeps $u$ above zero.
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient.
        foreach: PyTorch's implementation switch (None, True or False); the same update either way.
        maximize: ascend the objective instead.
        differentiable: must be False.
        capturable: PyTorch's CUDA-graph switch; no effect on the CPU.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.Adamax([w], lr=0.1)
        >>> w.grad = np.array([2.0]); opt.step()
        >>> w.array.round(4)
        array([0.9])
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_like_group(type(self).__name__, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        eta, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        maximize = bool(group["maximize"])

        def update(W: np.ndarray, g: np.ndarray, st: dict[str, Any]) -> None:
            adamax_update(
                W, g, st["exp_avg"], st["exp_inf"], st["step"], eta, beta1, beta2, eps, weight_decay, maximize
            )

        update_each_parameter(self, group, ("exp_avg", "exp_inf"), update)
