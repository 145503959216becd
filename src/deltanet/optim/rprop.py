r"""Rprop, resilient backpropagation (Riedmiller & Braun 1993), as ``torch.optim.Rprop``.

Rprop ignores the size of the gradient and keeps its own step size $\Delta$ for every weight:
while the sign of $\partial E / \partial w$ stays the same the step grows ($\Delta \eta_+$), when it
flips the last step jumped over a minimum, so the step shrinks ($\Delta \eta_-$) and the weight
waits one step. Each weight then moves by $\Delta$ against the sign of its gradient. Meant for
full-batch training, where the sign of the gradient is reliable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.optim.adam import _pair
from deltanet.optim.optimizer import Optimizer, _check_bool, _check_number, _check_switches


def rprop_update(
    W: np.ndarray,
    g: np.ndarray,
    prev: np.ndarray,
    step_size: np.ndarray,
    etaminus: float = 0.5,
    etaplus: float = 1.2,
    step_size_min: float = 1e-6,
    step_size_max: float = 50.0,
    maximize: bool = False,
) -> None:
    r"""One Rprop step on ``W``, the previous gradient and the step sizes $\Delta$, all in place.

    With $\eta_-$ = ``etaminus``, $\eta_+$ = ``etaplus`` and $g'$ the previous (kept) gradient,
    elementwise:

    ```text
    d ← −g if maximize else g
    f ← η+ where d g' > 0,  η− where d g' < 0,  1 where d g' = 0
    Δ ← clip(Δ f, step_size_min, step_size_max)
    d ← 0 where f = η−           (after a sign flip the weight waits)
    W ← W − sign(d) Δ
    g' ← d
    ```

    Args:
        W: the parameter array, updated in place.
        g: its gradient (read only).
        prev: $g'$, updated in place.
        step_size: $\Delta$, updated in place.
        etaminus, etaplus: the factors $\eta_-$ and $\eta_+$.
        step_size_min, step_size_max: the bounds of $\Delta$.
        maximize: ascend the objective instead.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.rprop import rprop_update
        >>> W, prev, delta = np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.full(2, 0.1)
        >>> rprop_update(W, np.array([3.0, -3.0]), prev, delta)
        >>> W, delta, prev
        (array([0.88, 1.  ]), array([0.12, 0.05]), array([3., 0.]))
    """
    d = -g if maximize else g
    sign = np.sign(d * prev)
    factor = sign.copy()  # PyTorch's masked writes: a NaN product stays NaN
    factor[sign > 0] = etaplus
    factor[sign < 0] = etaminus
    factor[sign == 0] = 1
    step_size *= factor
    np.clip(step_size, step_size_min, step_size_max, out=step_size)
    d = d.copy()
    d[factor == etaminus] = 0
    W -= np.sign(d) * step_size
    prev[...] = d


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller & Braun 1993), as ``torch.optim.Rprop``.

    Each weight has its own step size $\Delta$, started at ``lr``, grown by $\eta_+$ while its
    gradient keeps its sign and shrunk by $\eta_-$ when the sign flips (see ``rprop_update``):

    $$
    W \leftarrow W - \operatorname{sign}\!\left(\frac{\partial E}{\partial W}\right) \Delta
    $$

    The state holds ``step``, ``prev`` (the last gradient) and ``step_size`` ($\Delta$), PyTorch's keys.

    Args:
        params: Parameters, or a list of param-group dicts.
        lr: the initial step size (default 1e-2).
        etas: $(\eta_-, \eta_+)$ with $0 < \eta_- < 1 < \eta_+$ (default (0.5, 1.2)).
        step_sizes: the smallest and the largest step size (default (1e-6, 50)).
        capturable: PyTorch's CUDA-graph switch; no effect on the CPU.
        foreach: PyTorch's implementation switch (None, True or False); no effect.
        maximize: ascend the objective instead.
        differentiable: must be False.

    Raises:
        ValueError: a hyperparameter out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0, -1.0]))
        >>> opt = dn.optim.Rprop([w], lr=0.1)
        >>> for _ in range(3):
        ...     w.grad = 2 * w.array; opt.step()
        >>> w.array.round(4), opt.state[w]["step_size"].round(4)
        (array([ 0.636, -0.636]), array([0.144, 0.144]))
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            etas=_pair(etas),
            step_sizes=_pair(step_sizes),
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        for key in ("etas", "step_sizes"):
            pair = group[key] = _pair(group[key])
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(f"{name}: {key} must be a pair of numbers, got {pair!r}")
        etaminus, etaplus = group["etas"]
        check.number(etaminus, "etas[0]", name, low=0.0, high=1.0, low_open=True, high_open=True)
        check.number(etaplus, "etas[1]", name, low=1.0, low_open=True)
        _check_number(name, "step_sizes[0]", group["step_sizes"][0])
        _check_number(name, "step_sizes[1]", group["step_sizes"][1])
        _check_bool(name, "maximize", group["maximize"])
        _check_switches(name, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = (float(e) for e in group["etas"])
        step_size_min, step_size_max = (float(s) for s in group["step_sizes"])
        maximize = bool(group["maximize"])
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            W = p.array
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {
                    "step": 0,
                    "prev": np.zeros_like(W),
                    "step_size": np.full_like(W, float(group["lr"])),
                }
            st["step"] += 1
            rprop_update(
                W, grad.array, st["prev"], st["step_size"], etaminus, etaplus, step_size_min, step_size_max, maximize
            )
