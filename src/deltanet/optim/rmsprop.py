r"""RMSProp (root mean square propagation, Hinton 2012), as ``torch.optim.RMSprop``.

AdaGrad with a memory: the squared gradients are averaged with a decay $\alpha$ instead of summed,
so the step size $\eta / \sqrt{v}$ recovers when the gradients shrink. ``eps`` is added *outside*
the square root, as in PyTorch ($\sqrt{v} + \epsilon$), and ``centered`` divides by an estimate of
the gradient's standard deviation $\sqrt{v - \bar g^2}$ instead of its root mean square.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def rmsprop_update(
    W: np.ndarray,
    g: np.ndarray,
    square_avg: np.ndarray,
    work: tuple[np.ndarray, ...] | None = None,
    eta: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    momentum_buffer: np.ndarray | None = None,
    grad_avg: np.ndarray | None = None,
    maximize: bool = False,
) -> None:
    r"""One RMSProp step on ``W`` and its state arrays, all in place.

    With $\eta$ = ``eta``, $\alpha$ = ``alpha``, $\mu$ = ``momentum``, $\lambda$ = ``weight_decay``
    and $d$ the direction of the step:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  d ← d + λ W
    v ← α v + (1 − α) d²
    if centered:  ḡ ← α ḡ + (1 − α) d ;  a ← √max(v − ḡ², 0) + eps
    else:         a ← √v + eps
    if μ > 0:  b ← μ b + d / a ;  W ← W − η b
    else:      W ← W − η d / a
    ```

    $v$, $\bar g$ and $b$ start at zero. (PyTorch gives NaN where rounding makes $v - \bar g^2$
    slightly negative; the $\max(\cdot, 0)$ gives $\sqrt{0}$ instead.)

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        square_avg: $v$, updated in place.
        work: two scratch arrays shaped like ``W`` (allocated when None).
        eta: the learning rate $\eta$.
        alpha, eps, weight_decay, momentum, centered, maximize: as in ``RMSprop``.
        momentum_buffer: $b$ (needed when momentum > 0), updated in place.
        grad_avg: $\bar g$ (needed when centered), updated in place.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.rmsprop import rmsprop_update
        >>> W, v = np.array([1.0, 1.0]), np.zeros(2)
        >>> rmsprop_update(W, np.array([2.0, -0.5]), v, eta=0.01, alpha=0.99)
        >>> W.round(6), v
        (array([0.9, 1.1]), array([0.04  , 0.0025]))
    """
    t1, t2 = work if work is not None else (np.empty_like(W), np.empty_like(W))
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
    t2 *= 1.0 - alpha
    square_avg *= alpha
    square_avg += t2
    if centered:
        assert grad_avg is not None, "rmsprop_update: centered needs grad_avg"
        # $\bar g \leftarrow \bar g + (1 - \alpha)(d - \bar g)$: PyTorch's lerp.
        np.subtract(d, grad_avg, t2)
        t2 *= 1.0 - alpha
        grad_avg += t2
        np.multiply(grad_avg, grad_avg, t2)
        np.subtract(square_avg, t2, t2)
        np.maximum(t2, 0.0, out=t2)
        np.sqrt(t2, t2)
    else:
        np.sqrt(square_avg, t2)
    t2 += eps
    np.divide(d, t2, t2)
    if momentum > 0:
        assert momentum_buffer is not None, "rmsprop_update: momentum > 0 needs momentum_buffer"
        momentum_buffer *= momentum
        momentum_buffer += t2
        np.multiply(momentum_buffer, eta, t2)
    else:
        t2 *= eta
    np.subtract(W, t2, W)


class RMSprop(Optimizer):
    r"""RMSProp: steps divided by a running root mean square of the gradients, as ``torch.optim.RMSprop``.

    With the gradient $g$ (plus $\lambda W$ with weight decay; see ``rmsprop_update`` for momentum
    and ``centered``):

    $$
    v \leftarrow \alpha\, v + (1 - \alpha)\, g^2, \qquad W \leftarrow W - \eta \frac{g}{\sqrt{v} + \epsilon}
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$.
        alpha: the smoothing constant $\alpha \in [0, 1]$.
        eps: $\epsilon \ge 0$, added to $\sqrt{v}$ (outside the root).
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient.
        momentum: $\mu \in [0, 1)$; a momentum buffer on the normalized step.
        centered: normalize by the estimated standard deviation $\sqrt{v - \bar g^2}$, with $\bar g$
            a running average of $g$.
        capturable: PyTorch's CUDA-graph switch (True or False); no effect on the CPU.
        foreach: PyTorch's implementation switch (None, True or False); no effect.
        maximize: ascend the objective instead.
        differentiable: must be False (deltanet's steps are not recorded by autograd).

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([0.0, 0.0]))
        >>> opt = dn.optim.RMSprop([w], lr=0.01)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     ((w - np.array([1.0, -3.0])) ** 2).sum().backward()
        ...     opt.step()
        >>> w.array.round(4)
        array([ 0.1671, -0.1697])
    """

    _n_work = 2

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_number(name, "alpha", group["alpha"], 0.0, 1.0)
        _check_number(name, "eps", group["eps"])
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_number(name, "momentum", group["momentum"], 0.0, 1.0, high_open=True)
        _check_bool(name, "centered", group["centered"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
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
                st = state[p] = {"step": 0, "square_avg": np.zeros_like(W)}
            st["step"] += 1
            buf = avg = None
            if momentum > 0:
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = np.zeros_like(W)
            if centered:
                avg = st.get("grad_avg")
                if avg is None:
                    avg = st["grad_avg"] = np.zeros_like(W)
            rmsprop_update(
                W, g, st["square_avg"], work, eta, alpha, eps, weight_decay, momentum, centered, buf, avg, maximize
            )
