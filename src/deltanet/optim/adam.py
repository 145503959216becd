r"""Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), as ``torch.optim.Adam``/``AdamW``.

Adam keeps RMSProp's running average of squared gradients $v$ and adds a running average of the
gradients $m$ (momentum); both start at zero, so early averages are too small, and the bias
corrections $1 - \beta_1^t$ and $1 - \beta_2^t$ undo that. AdamW applies weight decay to $W$
directly (decoupled) instead of adding $\lambda W$ to the gradient, where $v$ would rescale it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def adam_update(
    W: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    step: int,
    work: tuple[np.ndarray, ...] | None = None,
    eta: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    max_exp_avg_sq: np.ndarray | None = None,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> None:
    r"""One Adam (or AdamW) step on ``W`` and the moment arrays, all in place.

    With $\eta$ = ``eta``, $\lambda$ = ``weight_decay``, $t$ = ``step`` (1 for the first step) and
    $d$ the direction of the step:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  W ← W − η λ W  (decoupled, AdamW)   or   d ← d + λ W  (Adam)
    m ← β1 m + (1 − β1) d
    v ← β2 v + (1 − β2) d²
    if amsgrad:  v_max ← max(v_max, v) ;  v̂ ← v_max   else  v̂ ← v
    W ← W − (η / (1 − β1ᵗ)) · m / (√v̂ / √(1 − β2ᵗ) + eps)
    ```

    $m$, $v$ and $v_{max}$ start at zero.

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        exp_avg: $m$, updated in place.
        exp_avg_sq: $v$, updated in place.
        step: the number $t$ of this step, counting from 1.
        work: two scratch arrays shaped like ``W`` (allocated when None).
        eta: the learning rate $\eta$.
        beta1, beta2: $\beta_1$ and $\beta_2$, the ``betas`` of ``Adam``.
        eps, weight_decay, amsgrad, maximize: as in ``Adam``.
        max_exp_avg_sq: $v_{max}$ (needed with amsgrad), updated in place.
        decoupled_weight_decay: AdamW's decay of $W$ instead of Adam's $\ell_2$ gradient term.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.adam import adam_update
        >>> W, m, v = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
        >>> adam_update(W, np.array([2.0, -0.5]), m, v, step=1, eta=0.1)
        >>> W.round(6)
        array([0.9, 1.1])
    """
    t1, t2 = work if work is not None else (np.empty_like(W), np.empty_like(W))
    coupled = weight_decay != 0 and not decoupled_weight_decay
    if coupled:
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
    if weight_decay != 0 and decoupled_weight_decay:
        W *= 1.0 - eta * weight_decay
    # $m \leftarrow m + (1 - \beta_1)(d - m)$: PyTorch's lerp.
    np.subtract(d, exp_avg, t2)
    t2 *= 1.0 - beta1
    exp_avg += t2
    np.multiply(d, d, t2)
    t2 *= 1.0 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += t2
    if amsgrad:
        assert max_exp_avg_sq is not None, "adam_update: amsgrad needs max_exp_avg_sq"
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v_hat = max_exp_avg_sq
    else:
        v_hat = exp_avg_sq
    step_size = eta / (1.0 - beta1**step)
    bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
    np.sqrt(v_hat, t2)
    np.divide(t2, bias_correction2_sqrt, t2)
    t2 += eps
    np.divide(exp_avg, t2, t2)
    t2 *= step_size
    np.subtract(W, t2, W)


class Adam(Optimizer):
    r"""Adam: momentum over an RMSProp-normalized step, bias-corrected, as ``torch.optim.Adam``.

    At step $t$, with the gradient $g$ (plus $\lambda W$ with weight decay; see ``adam_update``):

    $$
    m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2,
    \qquad W \leftarrow W - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}
    $$

    with the bias-corrected $\hat m = m / (1 - \beta_1^t)$ and $\hat v = v / (1 - \beta_2^t)$.

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$.
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$: the decay of the averages of $g$ and $g^2$.
        eps: $\epsilon \ge 0$, added to $\sqrt{\hat v}$.
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient ($\ell_2$).
        amsgrad: normalize by the largest $v$ seen so far (Reddi et al. 2018).
        maximize: ascend the objective instead.
        foreach, fused: PyTorch's implementation switches (None, True or False), accepted and kept
            in the param groups; deltanet computes the same update either way.
        capturable: PyTorch's CUDA-graph switch (True or False); no effect on the CPU.
        differentiable: must be False (deltanet's steps are not recorded by autograd).
        decoupled_weight_decay: decay $W$ directly, as ``AdamW``.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([0.0, 0.0]))
        >>> opt = dn.optim.Adam([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     ((w - np.array([1.0, -3.0])) ** 2).sum().backward()
        ...     opt.step()
        >>> w.array.round(4)
        array([ 0.1996, -0.1999])
    """

    _n_work = 2

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=_pair(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        betas = group["betas"] = _pair(group["betas"])
        if not (isinstance(betas, tuple) and len(betas) == 2):
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        _check_number(name, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
        _check_number(name, "betas[1]", betas[1], 0.0, 1.0, high_open=True)
        _check_number(name, "eps", group["eps"])
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_bool(name, "amsgrad", group["amsgrad"])
        _check_bool(name, "maximize", group["maximize"])
        _check_bool(name, "decoupled_weight_decay", group["decoupled_weight_decay"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = bool(group["amsgrad"])
        maximize = bool(group["maximize"])
        decoupled = bool(group["decoupled_weight_decay"])
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
                st = state[p] = {"step": 0, "exp_avg": np.zeros_like(W), "exp_avg_sq": np.zeros_like(W)}
            step = st["step"] = st["step"] + 1
            v_max = None
            if amsgrad:
                v_max = st.get("max_exp_avg_sq")
                if v_max is None:
                    v_max = st["max_exp_avg_sq"] = np.zeros_like(W)
            adam_update(
                W,
                g,
                st["exp_avg"],
                st["exp_avg_sq"],
                step,
                work,
                eta,
                beta1,
                beta2,
                eps,
                weight_decay,
                amsgrad,
                v_max,
                maximize,
                decoupled,
            )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (default $\lambda = 0.01$), as PyTorch's ``AdamW``.

    Before each Adam step (on the gradient alone), the weights decay:

    $$
    W \leftarrow W - \eta \lambda W
    $$

    Args:
        params, lr, betas, eps, amsgrad, maximize: as in ``Adam``.
        foreach, capturable, differentiable, fused: PyTorch's implementation switches, as in ``Adam``.
        weight_decay: $\lambda \ge 0$, applied to $W$ directly, not through the gradient.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = np.array([0.0]); opt.step()
        >>> w.array   # 1 - 0.1 * 0.5 * 1, and no gradient step
        array([0.95])
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["decoupled_weight_decay"] is not True:
            raise ValueError(
                f"AdamW: decoupled_weight_decay is always True, got "
                f"{group['decoupled_weight_decay']!r} (use Adam for the coupled form)"
            )


def _pair(betas: Any) -> Any:
    """Lists (as from JSON) become tuples; anything else is left for validation."""
    if isinstance(betas, list):
        return tuple(betas)
    if isinstance(betas, np.ndarray):
        return tuple(betas.tolist())
    return betas
