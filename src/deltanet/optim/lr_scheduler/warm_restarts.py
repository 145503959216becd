r"""``CosineAnnealingWarmRestarts``: cosine annealing that restarts from the initial rate (SGDR)."""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.optimizer import Optimizer


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Anneal the rate along a cosine for $T_i$ epochs, then restart it; each period is ``T_mult`` times longer.

    Loshchilov & Hutter's SGDR: with $T_{cur}$ the epochs since the last restart and $T_i$ the
    length of the current period ($T_0$, then $T_0 \cdot T_{mult}$, ...),

    $$
    \eta = \eta_{min} + \tfrac{1}{2} (\eta_0 - \eta_{min}) \left(1 + \cos \frac{T_{cur} \pi}{T_i}\right)
    $$

    ``step()`` advances one epoch; ``step(epoch)`` jumps to ``epoch``, which may be fractional
    (``scheduler.step(epoch + i / iters)`` inside an epoch of ``iters`` batches), as in PyTorch,
    whose rates these are to the last bit.

    Args:
        optimizer: the optimizer.
        T_0: the length of the first period, in epochs (a positive integer).
        T_mult: the factor by which each period is longer than the last (an integer >= 1).
        eta_min: the smallest rate $\eta_{min}$ (default 0; any number, as PyTorch).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``T_0`` is not a positive integer, ``T_mult`` not an integer >= 1, ``eta_min``
            not a number, or a negative ``epoch`` given to ``step``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        >>> lrs = []
        >>> for epoch in range(7):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    _state_keys = ("T_0", "T_i", "T_mult", "eta_min", "T_cur")

    def __init__(
        self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_0 = check.integer(T_0, "T_0", "CosineAnnealingWarmRestarts", low=1)
        self.T_i = self.T_0
        self.T_mult = check.integer(T_mult, "T_mult", "CosineAnnealingWarmRestarts", low=1)
        check.number(eta_min, "eta_min", "CosineAnnealingWarmRestarts")  # any number, as PyTorch
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base_lr in self.base_lrs
        ]

    def step(self, epoch: Any = None) -> None:
        """Advance one epoch, or jump to ``epoch`` (a number >= 0, fractional inside an epoch).

        Args:
            epoch: None for the next epoch, or the epoch to set (not deprecated here, as in PyTorch).
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            given = epoch
            epoch = check.number(epoch, "epoch", "CosineAnnealingWarmRestarts.step", low=0)
            if isinstance(given, int):  # an int epoch keeps T_cur an int, as in PyTorch
                epoch = int(epoch)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        with self._within_step():
            values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
