r"""NAdam (Dozat 2016): Adam with Nesterov momentum, as ``torch.optim.NAdam``.

Nesterov's trick looks one step ahead: the step uses the momentum that the *next* update will
have. Dozat's version also lets the momentum coefficient warm up, $\mu_t = \beta_1 (1 - \tfrac12
0.96^{t \psi})$ with the ``momentum_decay`` $\psi$, and corrects the bias of $m$ by the product
$\prod_{i \le t} \mu_i$ instead of $1 - \beta_1^t$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.optim.adam_like import check_adam_like_group, update_each_parameter
from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number


def nadam_update(
    W: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    step: int,
    mu_product: float,
    eta: float = 2e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
    product_dtype: Any = np.float64,
) -> float:
    r"""One NAdam step on ``W``, $m$ and $v$ in place; returns the new $\prod \mu_i$.

    With $\eta$ = ``eta``, $\lambda$ = ``weight_decay``, $\psi$ = ``momentum_decay`` and $t$ = ``step``:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  W ← W − η λ W  (decoupled)   or   d ← d + λ W
    μ_t ← β1 (1 − ½ · 0.96^(t ψ)) ;  μ_{t+1} ← β1 (1 − ½ · 0.96^((t+1) ψ))
    Π ← Π · μ_t
    m ← β1 m + (1 − β1) d
    v ← β2 v + (1 − β2) d²
    D ← √(v / (1 − β2ᵗ)) + eps
    W ← W − η (1 − μ_t) / (1 − Π) · d / D − η μ_{t+1} / (1 − Π μ_{t+1}) · m / D
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        exp_avg: $m$, updated in place.
        exp_avg_sq: $v$, updated in place.
        step: the number $t$ of this step, counting from 1.
        mu_product: $\Pi$ before this step (1 before the first).
        eta: the learning rate $\eta$.
        beta1, beta2: the ``betas`` of ``NAdam``.
        eps, weight_decay, momentum_decay, decoupled_weight_decay, maximize: as in ``NAdam``.
        product_dtype: the precision $\Pi$ is kept in (PyTorch keeps it in a 0-d tensor of its
            default scalar dtype, float32 unless the default dtype is float64): each product is
            computed in it, as PyTorch's is.

    Returns:
        float: $\Pi$ after this step, to keep in the state.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.nadam import nadam_update
        >>> W, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
        >>> round(nadam_update(W, np.array([2.0]), m, v, step=1, mu_product=1.0, eta=0.1), 4)
        0.4501
        >>> W.round(4)
        array([0.8944])
    """
    d = -g if maximize else g
    if weight_decay != 0:
        if decoupled_weight_decay:
            W *= 1.0 - eta * weight_decay
        else:
            d = d + weight_decay * W
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    scalar = np.dtype(product_dtype).type
    mu_product = float(scalar(mu_product) * scalar(mu))  # in that precision, as a 0-d tensor times a float
    # $m \leftarrow m + (1 - \beta_1)(d - m)$: PyTorch's lerp, for the same rounding.
    exp_avg += (1.0 - beta1) * (d - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1.0 - beta2) * d * d
    denom = np.sqrt(exp_avg_sq / (1.0 - beta2**step))
    denom += eps
    W += (-eta * (1.0 - mu) / (1.0 - mu_product)) * (d / denom)
    W += (-eta * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)
    return mu_product


class NAdam(Optimizer):
    r"""Adam with Nesterov momentum (Dozat 2016), as ``torch.optim.NAdam``.

    At step $t$, with the warmed-up momentum $\mu_t = \beta_1 (1 - \frac12 0.96^{t \psi})$ and
    $\Pi_t = \prod_{i \le t} \mu_i$ (see ``nadam_update`` for every detail):

    $$
    W \leftarrow W - \eta \left( \frac{1 - \mu_t}{1 - \Pi_t} g
    + \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} m \right) \Big/ \left( \sqrt{\hat v} + \epsilon \right)
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$ (default 2e-3, as PyTorch).
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$.
        eps: $\epsilon \ge 0$, added to $\sqrt{\hat v}$.
        weight_decay: $\lambda \ge 0$.
        momentum_decay: $\psi \ge 0$, how fast $\mu_t$ warms up to $\beta_1$ (default 4e-3).
        decoupled_weight_decay: decay $W$ directly (NAdamW) instead of adding $\lambda W$ to $g$.
        foreach: PyTorch's implementation switch (None, True or False); the same update either way.
        maximize: ascend the objective instead.
        capturable: PyTorch's CUDA-graph switch; no effect on the CPU.
        differentiable: must be False.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.NAdam([w], lr=0.1)
        >>> w.grad = np.array([2.0]); opt.step()
        >>> w.array.round(4), round(opt.state[w]["mu_product"], 4)
        (array([0.8944]), 0.4501)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_like_group(type(self).__name__, group)
        _check_number(type(self).__name__, "momentum_decay", group["momentum_decay"])
        _check_bool(type(self).__name__, "decoupled_weight_decay", group["decoupled_weight_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        eta, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        momentum_decay = float(group["momentum_decay"])
        decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
        # PyTorch's _get_scalar_dtype: float64 under set_default_dtype(float64), else float32.
        product_dtype = np.float64 if backend.DEFAULT_DTYPE == np.float64 else np.float32

        def update(W: np.ndarray, g: np.ndarray, st: dict[str, Any]) -> None:
            st["mu_product"] = nadam_update(
                W,
                g,
                st["exp_avg"],
                st["exp_avg_sq"],
                st["step"],
                float(st["mu_product"]),
                eta,
                beta1,
                beta2,
                eps,
                weight_decay,
                momentum_decay,
                decoupled,
                maximize,
                product_dtype,
            )

        update_each_parameter(self, group, ("exp_avg", "exp_avg_sq"), update, scalars={"mu_product": 1.0})
