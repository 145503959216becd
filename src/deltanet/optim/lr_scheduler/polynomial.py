r"""``PolynomialLR``: the learning rate decays as a polynomial of the remaining fraction of the schedule."""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler, _any_number
from deltanet.optim.optimizer import Optimizer


class PolynomialLR(LRScheduler):
    r"""Decay the learning rate to 0 over ``total_iters`` epochs (or steps) along a polynomial.

    With the initial rate $\eta_0$, ``total_iters`` $T$ and ``power`` $p$:

    $$
    \eta_e = \eta_0 \left(1 - \frac{\min(e, T)}{T}\right)^p
    $$

    ($p = 1$: a straight line to 0). As PyTorch, each step multiplies the current rate by the
    ratio of two consecutive factors (the chainable form), so that the rates agree with PyTorch's
    to the last bit.

    Args:
        optimizer: the optimizer.
        total_iters: the number of steps $T$ after which the rate is 0 (default 5; any number, as PyTorch).
        power: the power $p$ (default 1; a negative one raises ZeroDivisionError at epoch $T$,
            as PyTorch's).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``total_iters`` or ``power`` is not a finite number (any number is taken, as PyTorch).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=2)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    _state_keys = ("total_iters", "power")

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        # Any numbers, as PyTorch (a negative power raises ZeroDivisionError at total_iters there and here).
        self.total_iters = _any_number(total_iters, "total_iters", "PolynomialLR")
        self.power = check.number(power, "power", "PolynomialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, T = self.last_epoch, self.total_iters
        if self._is_initial or e > T:
            return self._current()
        factor = ((1.0 - e / T) / (1.0 - (e - 1) / T)) ** self.power
        return [lr * factor for lr in self._current()]

    def _closed_form(self) -> list[float]:
        T = self.total_iters
        return [base_lr * (1.0 - min(T, self.last_epoch) / T) ** self.power for base_lr in self.base_lrs]
