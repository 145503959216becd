r"""AdaGrad (adaptive gradient, Duchi et al. 2011), as ``torch.optim.Adagrad``.

Each weight gets its own step size $\eta / \sqrt{\sum_t g_t^2}$: weights whose gradients have been
large move slowly, rarely-updated ones keep moving. The sum only grows, so the steps only shrink.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def adagrad_update(
    W: np.ndarray,
    g: np.ndarray,
    state_sum: np.ndarray,
    step: int,
    work: tuple[np.ndarray, ...] | None = None,
    eta: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> None:
    r"""One AdaGrad step on ``W`` and the accumulator ``state_sum``, both in place.

    With $\eta$ = ``eta``, $t$ = ``step`` (1 for the first step), $\lambda$ = ``weight_decay``
    and $d$ the direction of the step:

    ```text
    d ← −g if maximize else g
    if λ ≠ 0:  d ← d + λ W
    η_t ← η / (1 + (t − 1) · lr_decay)
    s ← s + d²
    W ← W − η_t d / (√s + eps)
    ```

    ``state_sum`` starts at ``initial_accumulator_value`` (0 by default).

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        state_sum: the sum of squared gradients $s$, updated in place.
        step: the number $t$ of this step, counting from 1.
        work: two scratch arrays shaped like ``W`` (allocated when None).
        eta: the learning rate $\eta$.
        lr_decay, weight_decay, eps, maximize: as in ``Adagrad``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.adagrad import adagrad_update
        >>> W, s = np.array([1.0, 1.0]), np.zeros(2)
        >>> adagrad_update(W, np.array([2.0, -0.5]), s, step=1, eta=0.1)
        >>> W.round(6), s
        (array([0.9, 1.1]), array([4.  , 0.25]))
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
    clr = eta / (1.0 + (step - 1) * lr_decay)
    np.multiply(d, d, t2)
    state_sum += t2
    np.sqrt(state_sum, t2)
    t2 += eps
    np.divide(d, t2, t2)
    t2 *= clr
    np.subtract(W, t2, W)


class Adagrad(Optimizer):
    r"""AdaGrad: a step size of its own for every weight, as ``torch.optim.Adagrad``.

    At step $t$, with the gradient $g$ (plus $\lambda W$ with weight decay; see ``adagrad_update``):

    $$
    s \leftarrow s + g^2, \qquad W \leftarrow W - \eta_t \frac{g}{\sqrt{s} + \epsilon}, \qquad
    \eta_t = \frac{\eta}{1 + (t - 1)\, \mathrm{lr\_decay}}
    $$

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the learning rate $\eta$.
        lr_decay: $\ge 0$, decays $\eta$ as $\eta / (1 + (t - 1)\, \mathrm{lr\_decay})$.
        weight_decay: $\lambda \ge 0$, adds $\lambda W$ to the gradient.
        initial_accumulator_value: $\ge 0$, the starting value of $s$ for every parameter, as in
            PyTorch: a param group's own ``initial_accumulator_value`` is kept in its dict but
            not read (PyTorch reads the constructor's value only).
        eps: $\epsilon \ge 0$, added to $\sqrt{s}$ for numerical stability.
        maximize: ascend the objective instead.
        foreach, fused: PyTorch's implementation switches (None, True or False), accepted and kept
            in the param groups; deltanet computes the same update either way.
        differentiable: must be False (deltanet's steps are not recorded by autograd).

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([0.0, 0.0]))
        >>> opt = dn.optim.Adagrad([w], lr=0.5)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     ((w - np.array([1.0, -3.0])) ** 2).sum().backward()
        ...     opt.step()
        >>> w.array.round(4)
        array([ 0.7236, -0.8201])
    """

    _n_work = 2

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        # As PyTorch: the state of every parameter given here starts now (step 0, in the state
        # dict before the first step), from the constructor's initial_accumulator_value.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._new_state(p.array)

    def _new_state(self, W: np.ndarray) -> dict[str, Any]:
        # PyTorch reads the constructor's value (``defaults``), never a group's own.
        return {"step": 0, "sum": np.full_like(W, float(self.defaults["initial_accumulator_value"]))}

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_number(name, "lr_decay", group["lr_decay"])
        _check_number(name, "weight_decay", group["weight_decay"])
        _check_number(name, "initial_accumulator_value", group["initial_accumulator_value"])
        _check_number(name, "eps", group["eps"])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        weight_decay = float(group["weight_decay"])
        eps = float(group["eps"])
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
                st = state[p] = self._new_state(W)
            step = st["step"] = st["step"] + 1
            adagrad_update(W, g, st["sum"], step, work, eta, lr_decay, weight_decay, eps, maximize)
