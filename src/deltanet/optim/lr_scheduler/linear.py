r"""``LinearLR``: the learning rate goes in a straight line between two multiples of its initial value (a warm-up)."""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler, _any_number
from deltanet.optim.optimizer import Optimizer


class LinearLR(LRScheduler):
    r"""Scale the learning rate by a factor that goes linearly from ``start_factor`` to ``end_factor``.

    With the initial rate $\eta_0$, the factors $s$ (start) and $f$ (end) and ``total_iters`` $T$,
    the rate at epoch (or step) $e$ is

    $$
    \eta_e = \eta_0 \left(s + (f - s) \frac{\min(e, T)}{T}\right)
    $$

    and stays at $\eta_0 f$ after $T$ steps: the usual linear warm-up, often the first schedule of
    a ``SequentialLR``. As PyTorch, each step multiplies the current rate by the ratio of two
    consecutive factors (the chainable form), so that the rates agree with PyTorch's to the last
    bit and compose with other changes of ``group["lr"]``.

    Args:
        optimizer: the optimizer.
        start_factor: the factor $s$ of the first epoch, in $(0, 1]$ (default 1/3).
        end_factor: the factor $f$ reached after ``total_iters`` steps, in $[0, 1]$ (default 1).
        total_iters: the number of steps $T$ of the ramp (default 5; any number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: a factor out of its range (PyTorch's ranges), or ``total_iters`` is not a
            finite number (any number is taken, as PyTorch).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    _state_keys = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = check.number(start_factor, "start_factor", "LinearLR", low=0, high=1, low_open=True)
        self.end_factor = check.number(end_factor, "end_factor", "LinearLR", low=0, high=1)
        self.total_iters = _any_number(total_iters, "total_iters", "LinearLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, s, f, T = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if e == 0:
            return [lr * s for lr in self._current()]
        if self._is_initial or e > T:
            return self._current()
        return [lr * (1.0 + (f - s) / (T * s + (e - 1) * (f - s))) for lr in self._current()]

    def _closed_form(self) -> list[float]:
        s, f, T = self.start_factor, self.end_factor, self.total_iters
        return [base_lr * (s + (f - s) * min(T, self.last_epoch) / T) for base_lr in self.base_lrs]
