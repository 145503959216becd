r"""Stochastic gradient descent with momentum (``torch.optim.SGD``), and the seeds' momentum rule.

The seeds (Suk) write gradient descent as $w^{(\tau+1)} = w^{(\tau)} - \eta \nabla E(w^{(\tau)})$;
Rumelhart, Hinton and Williams (1986, eq. 9) add momentum:
$\Delta w(t) = -\varepsilon\, \partial E / \partial w(t) + \alpha\, \Delta w(t - 1)$. PyTorch keeps
a velocity buffer $b$ instead of $\Delta w$:

$$
b_t = \mu\, b_{t-1} + g_t, \qquad W_t = W_{t-1} - \eta\, b_t
$$

so $\Delta w(t) = -\eta b_t = -\eta g_t + \mu (-\eta b_{t-1}) = -\eta g_t + \mu\, \Delta w(t-1)$:
the same rule with $\varepsilon = \eta$ and $\alpha = \mu$ ($b_1 = g_1$ matches $\Delta w(0) = 0$).
The two differ only by a rescaling when $\eta$ changes during training: PyTorch's step becomes
$-\eta_t g_t + \mu (\eta_t / \eta_{t-1})\, \Delta w(t-1)$, Rumelhart's keeps the old step in the
velocity. With ``dampening`` $\tau$ (PyTorch's symbol, not the step index above),
$b_t = \mu b_{t-1} + (1 - \tau)\, g_t$, so that $\varepsilon = \eta (1 - \tau)$ after the first
step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def sgd_update(
    W: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray | None = None,
    work: tuple[np.ndarray, ...] | None = None,
    eta: float = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> np.ndarray | None:
    r"""One SGD step on ``W`` in place; returns the momentum buffer (None without momentum).

    Without momentum and weight decay this is the seeds' $W \leftarrow W - \eta\, g$. In full, with
    $\eta$ = ``eta``, $\mu$ = ``momentum``, $\tau$ = ``dampening``, $\lambda$ = ``weight_decay``
    and $d$ the direction of the step:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:   d ← d + λ W
    if μ ≠ 0:
        b ← d                       (first step: buf is None)
        b ← μ b + (1 − τ) d         (later steps, in place in buf)
        d ← d + μ b  if nesterov  else  b
    W ← W − η d
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient $\partial E / \partial W$ (read only).
        buf: the momentum buffer $b$ from the previous step, updated in place; None at the start.
        work: one scratch array shaped like ``W`` (allocated when None).
        eta: the learning rate $\eta$.
        momentum, dampening, weight_decay, nesterov, maximize: as in ``SGD``.

    Returns:
        The momentum buffer $b$ (the same array as ``buf`` after the first step), or None when
        ``momentum`` is 0.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.sgd import sgd_update
        >>> W = np.array([1.0, -2.0])
        >>> buf = sgd_update(W, np.array([0.5, 0.5]), None, eta=0.1, momentum=0.9)
        >>> buf = sgd_update(W, np.array([0.5, 0.5]), buf, eta=0.1, momentum=0.9)
        >>> W.round(6), buf
        (array([ 0.855, -2.145]), array([0.95, 0.95]))
    """
    scratch = work[0] if work is not None else np.empty_like(W)
    if momentum == 0 and weight_decay == 0:
        # Plain gradient descent: two passes over memory.
        np.multiply(g, eta, scratch)
        if maximize:
            np.add(W, scratch, W)
        else:
            np.subtract(W, scratch, W)
        return None
    # d: the descent direction before momentum; it lives in scratch when it differs from g.
    if weight_decay != 0:
        np.multiply(W, weight_decay, scratch)
        if maximize:
            np.subtract(scratch, g, scratch)
        else:
            np.add(scratch, g, scratch)
        d = scratch
    elif maximize:
        d = np.negative(g, scratch)
    else:
        d = g
    if momentum == 0:
        np.multiply(d, eta, scratch)
        np.subtract(W, scratch, W)
        return None
    if buf is None:
        buf = d.copy()
    else:
        buf *= momentum
        if dampening == 0:
            buf += d
        else:
            np.multiply(d, 1.0 - dampening, scratch)
            buf += scratch
    if nesterov:
        np.multiply(d, eta, scratch)
        np.subtract(W, scratch, W)
        np.multiply(buf, eta * momentum, scratch)
        np.subtract(W, scratch, W)
    else:
        np.multiply(buf, eta, scratch)
        np.subtract(W, scratch, W)
    return buf


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum, as ``torch.optim.SGD``.

    With the gradient $g = \partial E / \partial W$ (plus $\lambda W$ with weight decay), each step
    (see ``sgd_update``) is

    $$
    b \leftarrow \mu\, b + (1 - \tau)\, g, \qquad W \leftarrow W - \eta\, b
    $$

    and $W \leftarrow W - \eta\, g$ without momentum, the seeds' rule. With $\mu = \alpha$ and
    $\eta = \varepsilon$ this is Rumelhart's
    $\Delta w(t) = -\varepsilon\, \partial E / \partial w + \alpha\, \Delta w(t-1)$ (see the
    module docstring).

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$.
        momentum: $\mu \in [0, 1)$.
        dampening: $\tau \in [0, 1]$, the share of the fresh gradient left out of the buffer.
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient (the gradient of the $\ell_2$
            penalty $\frac{\lambda}{2} \lVert W \rVert^2$).
        nesterov: look-ahead momentum, $W \leftarrow W - \eta (g + \mu b)$ (needs momentum > 0 and
            dampening 0).
        maximize: ascend the objective instead.
        foreach, fused: PyTorch's implementation switches (None, True or False), accepted and kept
            in the param groups; deltanet computes the same update either way.
        differentiable: must be False (deltanet's steps are not recorded by autograd).

    Raises:
        ValueError: a hyperparameter out of range, or ``nesterov`` without momentum.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([0.01]))
        >>> opt = dn.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(3):
        ...     opt.zero_grad()
        ...     loss = ((w - 1.0) ** 2).sum()   # E = (w - 1)^2
        ...     loss.backward()
        ...     opt.step()
        >>> round(float(w.array[0]), 6)
        0.93862
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_number(name, "momentum", group["momentum"], 0.0, 1.0, high_open=True)
        _check_number(name, "dampening", group["dampening"], 0.0, 1.0)
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_bool(name, "nesterov", group["nesterov"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{name}: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update_group(self, group: dict[str, Any]) -> None:
        eta = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = bool(group["nesterov"])
        maximize = bool(group["maximize"])
        state, works = self.state, self._work
        plain = momentum == 0 and weight_decay == 0 and not maximize
        for p in group["params"]:
            grad = p._grad  # the slot behind the ``grad`` property: no call per parameter
            if grad is None:
                continue
            g = grad.array
            W = p.array
            work = works.get(p)
            if work is None or work[0].dtype != W.dtype:
                work = self._new_work(p, W)
            if plain:  # $W \leftarrow W - \eta g$, the seeds' rule, in two in-place ufuncs
                W -= np.multiply(g, eta, out=work[0])
                continue
            if momentum == 0:
                sgd_update(W, g, None, work, eta, 0.0, dampening, weight_decay, False, maximize)
                continue
            st = state.get(p)
            if st is None:
                st = state[p] = {}
            st["momentum_buffer"] = sgd_update(
                W,
                g,
                st.get("momentum_buffer"),
                work,
                eta,
                momentum,
                dampening,
                weight_decay,
                nesterov,
                maximize,
            )
