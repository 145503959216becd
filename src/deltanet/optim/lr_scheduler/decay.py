r"""Schedules that multiply the learning rate by a factor: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``.

Each keeps PyTorch's chainable form (the *current* rate is multiplied by $\gamma$ at each
boundary), so that the sequence of rates is PyTorch's to the last bit, and another schedule or a
hand-made change of ``group["lr"]`` composes with it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.optimizer import Optimizer


class StepLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ every ``step_size`` epochs.

    At epoch $e$, with ``step_size`` $s$ and the initial rate $\eta_0$:

    $$
    \eta_e = \eta_0\, \gamma^{\lfloor e / s \rfloor}
    $$

    Args:
        optimizer: the optimizer.
        step_size: the period $s$ of the decay, in epochs (any number but 0, as PyTorch: the
            rate decays at the epochs $e$ with $e \bmod s = 0$).
        gamma: the factor $\gamma$ (default 0.1; any finite number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``step_size`` is 0 (PyTorch's first step divides by it), or an argument is not
            a finite number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _state_keys = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = _check_step_size(step_size)
        self.gamma = _check_gamma("StepLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [lr * self.gamma ** (self.last_epoch // self.step_size) for lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ at each milestone epoch.

    At epoch $e$, with the initial rate $\eta_0$ and the milestones $m_1, m_2, \dots$:

    $$
    \eta_e = \eta_0\, \gamma^{\lvert \{ i : m_i \le e \} \rvert}
    $$

    Args:
        optimizer: the optimizer.
        milestones: epoch indices (in any order; one listed twice decays twice; one never reached,
            such as -1 or 2.5, never decays, as in PyTorch).
        gamma: the factor $\gamma$ (default 0.1; any finite number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: a milestone or ``gamma`` that is not a finite number.
        TypeError: ``milestones`` is not a list (PyTorch's error too).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(sched.get_last_lr()[0], 6))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 0.1, 0.1, 0.01]
    """

    _state_keys = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Any, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.milestones = _milestones(milestones)
        self.gamma = _check_gamma("MultiStepLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        count = self.milestones.count(self.last_epoch)
        if count == 0:
            return self._current()
        return [lr * self.gamma**count for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [lr * self.gamma ** bisect_right(self.milestones, self.last_epoch) for lr in self.base_lrs]

    def _restore(self, key: str, value: Any) -> Any:
        if key == "milestones" and isinstance(value, dict):
            # PyTorch saves a Counter {epoch: times} (JSON makes the epochs strings).
            value = [int(epoch) for epoch, times in value.items() for _ in range(int(times))]
        if key == "milestones":
            return _milestones(value)
        return super()._restore(key, value)


class ExponentialLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ every epoch.

    $$
    \eta_e = \eta_0\, \gamma^e
    $$

    Args:
        optimizer: the optimizer.
        gamma: the factor $\gamma$ (any finite number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``gamma`` is not a finite number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> for epoch in range(2):
        ...     opt.step()
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    _state_keys = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _check_gamma("ExponentialLR", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            # Resuming (last_epoch >= 0) must not move the rate one epoch ahead of itself.
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [lr * self.gamma**self.last_epoch for lr in self.base_lrs]


def _check_gamma(owner: str, gamma: Any) -> Any:
    """Any finite number, as PyTorch (which checks nothing; 0 or a negative factor is its user's choice)."""
    check.number(gamma, "gamma", owner)
    return gamma


def _check_step_size(step_size: Any) -> Any:
    """Any finite number but 0, as PyTorch takes (``epoch % step_size``; a float or a negative size
    works there too); 0 is refused here, where PyTorch's first ``step()`` divides by zero."""
    check.number(step_size, "step_size", "StepLR")
    if step_size == 0:
        raise ValueError(
            "StepLR: step_size must not be 0 (PyTorch accepts it and its first step() raises ZeroDivisionError), got 0"
        )
    return step_size


def _milestones(milestones: Any) -> list[Any]:
    try:
        values = list(milestones)
    except TypeError:
        raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {milestones!r}") from None
    for m in values:
        # PyTorch counts any values; an epoch that is never reached (-1, 2.5) never decays.
        if not check.is_number(m) or not math.isfinite(m):
            raise ValueError(f"MultiStepLR: milestones must be numbers (epochs), got {values!r}")
    return sorted(values)
