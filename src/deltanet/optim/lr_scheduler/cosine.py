r"""``CosineAnnealingLR``: the learning rate follows half a cosine from its initial value down to ``eta_min``."""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.optimizer import Optimizer


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the learning rate along a cosine, from the initial rate $\eta_0$ to $\eta_{min}$ in ``T_max`` epochs.

    The closed form (Loshchilov & Hutter's SGDR without restarts) is

    $$
    \eta_e = \eta_{min} + \tfrac{1}{2} (\eta_0 - \eta_{min}) \left(1 + \cos \frac{e \pi}{T_{max}}\right)
    $$

    and, as PyTorch, each step computes it recursively from the current rate,

    $$
    \eta_{e} = \eta_{min} + (\eta_{e-1} - \eta_{min})
        \frac{1 + \cos(e \pi / T_{max})}{1 + \cos((e - 1) \pi / T_{max})}
    $$

    so that other changes of ``group["lr"]`` compose with it and the rates agree with PyTorch's to
    the last bit. After ``T_max`` epochs the rate climbs back up along the same cosine.

    Args:
        optimizer: the optimizer.
        T_max: the number of epochs (or steps) of the half period, not 0 (any other number, as PyTorch).
        eta_min: the smallest rate $\eta_{min}$ (default 0; a negative one is taken, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``T_max`` is 0 (PyTorch's first step divides by it), or an argument is not a
            finite number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    _state_keys = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: Any, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        # PyTorch checks neither: a negative or fractional T_max and a negative eta_min give its
        # schedule; T_max=0 is refused here, where PyTorch's first step() divides by zero.
        check.number(T_max, "T_max", "CosineAnnealingLR")
        if T_max == 0:
            raise ValueError(
                "CosineAnnealingLR: T_max must not be 0 (PyTorch accepts it and its first step() raises "
                "ZeroDivisionError), got 0"
            )
        check.number(eta_min, "eta_min", "CosineAnnealingLR")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if (e - 1 - T) % (2 * T) == 0:
            # The bottom of the cosine, where the ratio below would divide by zero.
            return [
                lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, lr in zip(self.base_lrs, self._current())
            ]
        return [
            (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - eta_min) + eta_min
            for lr in self._current()
        ]

    def _closed_form(self) -> list[float]:
        return [
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]
