r"""``ChainedScheduler``: several schedules on one optimizer, all stepped at every step."""

from __future__ import annotations

from typing import Any

from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from deltanet.optim.optimizer import Optimizer


class ChainedScheduler(LRScheduler):
    r"""Step every schedule of ``schedulers`` at each ``step()``, in order, so that their factors
    multiply (their chainable forms compose): a warm-up and a decay at once, for instance.

    Args:
        schedulers: the schedules, built on one optimizer (not ``ReduceLROnPlateau``, whose step
            needs a metric).
        optimizer: that optimizer (default: the first schedule's).

    Raises:
        ValueError: no schedule, a ``ReduceLROnPlateau``, or a schedule of another optimizer.
        TypeError: an entry is not a schedule.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.optim import lr_scheduler
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = lr_scheduler.ChainedScheduler(
        ...     [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2), lr_scheduler.ExponentialLR(opt, gamma=0.9)]
        ... )
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.45, 0.81, 0.729]
    """

    _warn_get_lr = False  # its get_lr is the active schedule's last rates (PyTorch's has none)

    def __init__(self, schedulers: list[LRScheduler], optimizer: Optimizer | None = None) -> None:
        name = "ChainedScheduler"
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(f"{name}: expects at least one scheduler to chain, got none")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{name}: schedulers[{i}] is a {type(scheduler).__name__}, not a scheduler")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    f"{name}: schedulers[{i}] is a ReduceLROnPlateau, whose step needs a metric; step it yourself"
                )
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        for i, scheduler in enumerate(schedulers):
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{name}: schedulers[{i}] belongs to another optimizer than the others")
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]  # PyTorch's ChainedScheduler.step takes no epoch
        """Step every schedule, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The rates the chain set last (the chain itself computes none)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Each schedule's own state, and the last rates, as JSON-able values."""
        return {"_last_lr": list(self._last_lr), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (or PyTorch's), each schedule's state included.

        Args:
            state_dict: what ``state_dict()`` returned, possibly through JSON.

        Raises:
            ValueError: a number of schedule states that differs from the schedules.
        """
        states = state_dict.get("_schedulers", [])
        if len(states) != len(self._schedulers):
            raise ValueError(
                f"ChainedScheduler.load_state_dict: {len(states)} schedule states for {len(self._schedulers)} schedules"
            )
        self._last_lr = list(state_dict.get("_last_lr", self._last_lr))
        for scheduler, state in zip(self._schedulers, states):
            scheduler.load_state_dict(state)
