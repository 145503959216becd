r"""Adafactor (Shazeer & Stern 2018), as ``torch.optim.Adafactor``.

Adam keeps a running average $v$ of $g^2$ for every weight: as much memory as the model. For a
matrix $W \in \mathbb{R}^{n \times m}$ Adafactor keeps only the row means $R$ and the column means
$C$ of $g^2$ ($n + m$ numbers) and estimates $v$ by the rank-one product $R C / \operatorname{mean}(R)$.
The step is relative to the size of the weights ($\operatorname{RMS}(W)$), clipped when the
update's RMS exceeds $d$, and $\hat\beta_{2,t} = 1 - t^{\tau}$ replaces a fixed $\beta_2$.
PyTorch's version (followed here) uses ``lr`` as the cap of the relative step size and for
decoupled weight decay, and applies $\epsilon_1$ only to the variance estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.optim.adam import _pair
from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches, _load_value


def _lerp(a: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``a ← a + weight (end − a)`` in place, with PyTorch's ``lerp_`` rounding (from ``end`` when weight ≥ ½)."""
    if weight < 0.5:
        a += weight * (end - a)
    else:
        a[...] = end - (end - a) * (1 - weight)


def adafactor_update(
    W: np.ndarray,
    g: np.ndarray,
    variances: tuple[np.ndarray, ...],
    step: int,
    eta: float = 1e-2,
    beta2_decay: float = -0.8,
    eps1: float | None = None,
    eps2: float = 1e-3,
    d: float = 1.0,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    r"""One Adafactor step on ``W`` and its second-moment factors, in place.

    With $\eta$ = ``eta``, $\tau$ = ``beta2_decay``, $t$ = ``step`` and $G$ the gradient:

    ```text
    G ← −g if maximize else g
    ρ ← min(η, 1/√t) ;  a ← max(eps2, RMS(W)) ρ ;  w ← t^τ  (= 1 − β̂2)
    W ← W (1 − η λ)
    matrix:  R ← lerp(R, mean(G², last axis), w) ;  C ← lerp(C, mean(G², second last axis), w)
             V ← R C / max(mean(R), eps1)
    vector:  V ← lerp(V, G², w)
    U ← G / √max(V, eps1²)
    W ← W − a U / max(1, RMS(U) / d)
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        variances: ``(row_var, col_var)`` for a parameter of two or more dimensions,
            ``(variance,)`` otherwise; updated in place.
        step: the number $t$ of this step, counting from 1.
        eta: the learning rate $\eta$ (the cap of $\rho$, and the weight decay's factor).
        beta2_decay: $\tau \le 0$.
        eps1: the floor of the variance estimate (None: the dtype's machine epsilon).
        eps2: the floor of $\operatorname{RMS}(W)$.
        d: the clipping threshold of $\operatorname{RMS}(U)$.
        weight_decay: $\lambda$.
        maximize: ascend the objective instead.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.adafactor import adafactor_update
        >>> W, v = np.array([3.0, -4.0]), np.zeros(2)
        >>> adafactor_update(W, np.array([1.0, 2.0]), (v,), step=1, eta=0.1)
        >>> W.round(4)  # a step of 0.1 RMS(W) per weight, against the sign of g
        array([ 2.6464, -4.3536])
    """
    G = -g if maximize else g
    if eps1 is None:
        eps1 = float(np.finfo(W.dtype).eps)
    one_minus_beta2_t = step**beta2_decay
    rho_t = min(eta, 1 / (step**0.5))
    alpha = max(eps2, float(np.linalg.norm(W)) / (W.size**0.5)) * rho_t
    if weight_decay != 0:
        W *= 1 - eta * weight_decay
    if G.ndim > 1:
        row_var, col_var = variances
        # the mean of G² over a row (column), through its norm as PyTorch computes it
        _lerp(row_var, np.sqrt((G * G).sum(axis=-1, keepdims=True)) ** 2 / G.shape[-1], one_minus_beta2_t)
        _lerp(col_var, np.sqrt((G * G).sum(axis=-2, keepdims=True)) ** 2 / G.shape[-2], one_minus_beta2_t)
        var_estimate = row_var @ col_var
        var_estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
    else:
        (variance,) = variances
        _lerp(variance, G * G, one_minus_beta2_t)
        var_estimate = variance.copy()
    update = 1 / np.sqrt(np.maximum(var_estimate, eps1 * eps1))
    update *= G
    denom = max(1.0, float(np.linalg.norm(update)) / ((update.size**0.5) * d))
    W += (-alpha / denom) * update


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer & Stern 2018), as ``torch.optim.Adafactor``: Adam's adaptive steps in sublinear memory.

    For a parameter of two or more dimensions the state keeps the row and column means of $g^2$
    (``row_var``, ``col_var``), otherwise their running average (``variance``); see
    ``adafactor_update``. The step is $\alpha_t \hat U$ with $\alpha_t = \max(\epsilon_2,
    \operatorname{RMS}(W)) \min(\eta, 1/\sqrt t)$ and the update $\hat U$ clipped to RMS $\le d$.

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: $\eta$, the cap of the relative step size and the weight decay's factor (default 1e-2).
        beta2_decay: $\tau \le 0$: $\hat\beta_{2,t} = 1 - t^\tau$ (default -0.8).
        eps: $(\epsilon_1, \epsilon_2)$: the floor of the variance estimate (None: the dtype's
            machine epsilon) and of $\operatorname{RMS}(W)$ (default (None, 1e-3)).
        d: the clipping threshold $\ge 1$ of the update's RMS (default 1.0).
        weight_decay: $\lambda \ge 0$, decoupled: $W \leftarrow W (1 - \eta \lambda)$.
        foreach: PyTorch's implementation switch (None, True or False); no effect.
        maximize: ascend the objective instead.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> W = dn.nn.Parameter(np.ones((2, 3)))
        >>> opt = dn.optim.Adafactor([W])
        >>> W.grad = np.arange(6.0).reshape(2, 3); opt.step()
        >>> sorted(opt.state[W]), opt.state[W]["row_var"].shape, opt.state[W]["col_var"].shape
        (['col_var', 'row_var', 'step'], (2, 1), (1, 3))
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            beta2_decay=beta2_decay,
            eps=_pair(eps),
            d=d,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        check.number(group["beta2_decay"], "beta2_decay", name, high=0.0)
        eps = group["eps"] = _pair(group["eps"])
        if not (isinstance(eps, tuple) and len(eps) == 2):
            raise ValueError(f"{name}: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        if eps[0] is not None:
            _check_number(name, "eps[0]", eps[0])
        _check_number(name, "eps[1]", eps[1])
        check.number(group["d"], "d", name, low=1.0)
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            W = p.array
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {"step": 0}
                if W.ndim > 1:
                    st["row_var"] = np.zeros(W.shape[:-1] + (1,), W.dtype)
                    st["col_var"] = np.zeros(W.shape[:-2] + (1,) + W.shape[-1:], W.dtype)
                else:
                    st["variance"] = np.zeros_like(W)
            st["step"] += 1
            if eps1 is None:  # PyTorch sets it from the first parameter's dtype, for the group
                eps1 = float(np.finfo(W.dtype).eps)
            variances = (st["row_var"], st["col_var"]) if W.ndim > 1 else (st["variance"],)
            adafactor_update(
                W,
                grad.array,
                variances,
                st["step"],
                float(group["lr"]),
                float(group["beta2_decay"]),
                float(eps1),
                float(eps2),
                float(group["d"]),
                float(group["weight_decay"]),
                bool(group["maximize"]),
            )

    def _load_state_value(self, i: int, key: str, value: Any, p: Tensor) -> Any:
        """``row_var`` and ``col_var`` have the parameter's shape with the last (second last) axis 1."""
        shape = p.shape
        if key == "row_var" and len(shape) > 1:
            return _load_value("Adafactor", i, key, value, p, shape[:-1] + (1,))
        if key == "col_var" and len(shape) > 1:
            return _load_value("Adafactor", i, key, value, p, shape[:-2] + (1,) + shape[-1:])
        return _load_value("Adafactor", i, key, value, p)
