r"""``ConstantLR``: the learning rate times a constant factor for the first epochs (a simple warm-up)."""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler, _any_number
from deltanet.optim.optimizer import Optimizer


class ConstantLR(LRScheduler):
    r"""Scale the learning rate by ``factor`` until epoch ``total_iters``, then give back the full rate.

    With the initial rate $\eta_0$, the factor $f$ and ``total_iters`` $T$:

    $$
    \eta_e = \begin{cases} f\, \eta_0 & e < T \\ \eta_0 & e \ge T \end{cases}
    $$

    As PyTorch, the rate is multiplied by $f$ at epoch 0 and by $1/f$ at epoch $T$ (the chainable
    form), so that the rates agree with PyTorch's to the last bit.

    Args:
        optimizer: the optimizer.
        factor: the factor $f \in (0, 1]$ (default 1/3).
        total_iters: the number of epochs $T$ with the reduced rate (default 5; any number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``factor`` outside $(0, 1]$ (PyTorch takes 0, then divides by it at epoch $T$),
            or ``total_iters`` is not a finite number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.5, 1.0, 1.0]
    """

    _state_keys = ("factor", "total_iters")

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        self.factor = check.number(factor, "factor", "ConstantLR", low=0, high=1, low_open=True)
        self.total_iters = _any_number(total_iters, "total_iters", "ConstantLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current()]
        if self.last_epoch != self.total_iters:
            return self._current()
        return [lr * (1.0 / self.factor) for lr in self._current()]

    def _closed_form(self) -> list[float]:
        reached = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + reached * (1 - self.factor)) for base_lr in self.base_lrs]
