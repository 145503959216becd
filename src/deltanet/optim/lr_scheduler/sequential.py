r"""``SequentialLR``: one schedule after another, switching at given epochs (a warm-up, then a decay)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from deltanet.optim.optimizer import Optimizer


class SequentialLR(LRScheduler):
    r"""Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its start, and so on.

    At epoch $e$ the active schedule is the $i$-th, with $i$ the number of milestones $\le e$; at
    a milestone the next schedule starts over from its epoch 0, from the rates of its closed form
    (its base rates: ``initial_lr``), as in PyTorch, whose sequence of rates this follows to the
    last bit. Build the schedules on the same optimizer first; their construction steps are undone.

    Args:
        optimizer: the optimizer of every schedule.
        schedulers: the schedules, in order (not ``ReduceLROnPlateau``, whose ``step`` needs a metric).
        milestones: the epochs at which the next schedule takes over, one fewer than the schedules.
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: no schedule, a ``ReduceLROnPlateau``, a schedule of another optimizer, or a
            number of milestones that is not one fewer than the schedules.
        TypeError: an entry of ``schedulers`` is not a schedule.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.optim import lr_scheduler
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> warmup = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched = lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[2])
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    _warn_get_lr = False  # its get_lr is the active schedule's last rates (PyTorch's has none)

    def __init__(
        self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int], last_epoch: int = -1
    ) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR: expects at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] is a {type(scheduler).__name__}, not a scheduler")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] is a ReduceLROnPlateau, whose step needs a metric; "
                    f"step it yourself after the sequence"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] belongs to another optimizer than the one given")
        milestones = [check.integer(m, "milestones", "SequentialLR", low=0) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expects one milestone fewer than schedulers, got {len(schedulers)} schedulers "
                f"and {len(milestones)} milestones"
            )
        check.integer(last_epoch, "last_epoch", "SequentialLR", low=-1)
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:  # undo the step each made when it was built
            scheduler.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        first._step_count, first._is_initial = 0, True
        first.step()
        first._is_initial = False
        self._last_lr = first.get_last_lr()

    def get_lr(self) -> list[float]:
        """The rates of the active schedule (the sequence itself computes none)."""
        return self._schedulers[bisect_right(self._milestones, self.last_epoch)].get_last_lr()

    def step(self) -> None:  # type: ignore[override]  # PyTorch's SequentialLR.step takes no epoch
        """Advance one epoch: the active schedule steps, or the next one starts at a milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.last_epoch = 0
            closed = getattr(scheduler, "_closed_form", None)
            with scheduler._within_step():
                values = closed() if closed is not None else scheduler.get_lr()
            for group, lr in zip(self.optimizer.param_groups, values, strict=True):
                group["lr"] = lr
            scheduler._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The sequence's position and milestones, and each schedule's own state, as JSON-able values."""
        return {
            "last_epoch": self.last_epoch,
            "_milestones": list(self._milestones),
            "_last_lr": list(self._last_lr),
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

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
                f"SequentialLR.load_state_dict: {len(states)} schedule states for {len(self._schedulers)} schedules"
            )
        self.last_epoch = int(state_dict["last_epoch"])
        self._milestones = [int(m) for m in state_dict.get("_milestones", self._milestones)]
        self._last_lr = list(state_dict.get("_last_lr", self._last_lr))
        for scheduler, state in zip(self._schedulers, states, strict=True):
            scheduler.load_state_dict(state)
