r"""``OneCycleLR``: Smith's 1cycle policy, one rise and one fall of the learning rate over the whole training.

Call ``step()`` after every *batch* (not every epoch). The momentum (SGD's, RMSprop's ``momentum``
or Adam's $\beta_1$) cycles the other way by default: high while the rate is low.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler, _check_optimizer
from deltanet.optim.optimizer import Optimizer


def _anneal_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith & Topin 2017): up from ``max_lr / div_factor`` to ``max_lr``, then down to far below.

    With $T$ = ``total_steps``, $p$ = ``pct_start``, $\eta_{max}$ = ``max_lr``,
    $\eta_0 = \eta_{max} / \mathrm{div\_factor}$ and $\eta_{min} = \eta_0 / \mathrm{final\_div\_factor}$,
    the rate of step $t$ moves, by cosine (or linear) annealing
    $a(x, y, f) = y + \tfrac{1}{2}(x - y)(1 + \cos \pi f)$ over each phase:

    | phase | steps | rate | momentum |
    |---|---|---|---|
    | 1 | $0 \ldots pT - 1$ | $\eta_0 \to \eta_{max}$ | max_momentum $\to$ base_momentum |
    | 2 | $\ldots T - 1$ | $\eta_{max} \to \eta_{min}$ | base_momentum $\to$ max_momentum |

    With ``three_phase=True`` phase 2 ends at $2pT - 2$ back at $\eta_0$, and a third phase takes
    the rate from $\eta_0$ to $\eta_{min}$ (the paper's form). The sequence of rates and momenta
    is PyTorch's. The scheduler writes ``initial_lr``, ``max_lr``, ``min_lr`` (and, cycling the
    momentum, ``max_momentum`` and ``base_momentum``) into every param group, as PyTorch does.

    Args:
        optimizer: the optimizer.
        max_lr: the peak rate $\eta_{max}$, one number or one per param group.
        total_steps: the number of steps $T$ of the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs: the number of epochs (with ``steps_per_epoch``: $T$ = their product).
        steps_per_epoch: the number of batches per epoch.
        pct_start: $p \in [0, 1]$, the share of the cycle spent raising the rate (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: cycle the momentum inversely to the rate (needs an optimizer with
            ``momentum`` or ``betas``: SGD, RMSprop, Adam, AdamW).
        base_momentum: the momentum at the peak rate, one number or one per group (default 0.85).
        max_momentum: the momentum at the start and end, one number or one per group (default 0.95).
        div_factor: $\eta_0 = \eta_{max} / \mathrm{div\_factor}$ (default 25).
        final_div_factor: $\eta_{min} = \eta_0 / \mathrm{final\_div\_factor}$ (default 1e4).
        three_phase: use the paper's three phases instead of fastai's two.
        last_epoch: the index of the last *step* taken; -1 to start afresh.

    Raises:
        ValueError: a bad option, neither ``total_steps`` nor both ``epochs`` and
            ``steps_per_epoch``, ``cycle_momentum`` without a momentum to cycle, or more than
            ``total_steps`` steps.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
        >>> sched = dn.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=0.4)
        >>> lrs, momenta = [], []
        >>> for step in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     momenta.append(round(opt.param_groups[0]["momentum"], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.04, 1.0, 0.75, 0.25, 0.0]
        >>> momenta
        [0.95, 0.85, 0.875, 0.925, 0.95]
    """

    _state_keys = ("total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1")

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: Any,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: Any = 0.85,
        max_momentum: Any = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        _check_optimizer(name, optimizer)
        if total_steps is not None:
            self.total_steps = check.integer(total_steps, "total_steps", name, low=1)
        elif epochs is not None and steps_per_epoch is not None:
            epochs = check.integer(epochs, "epochs", name, low=1)
            self.total_steps = epochs * check.integer(steps_per_epoch, "steps_per_epoch", name, low=1)
        else:
            raise ValueError(
                f"{name}: give total_steps, or both epochs and steps_per_epoch, got total_steps="
                f"{total_steps!r}, epochs={epochs!r}, steps_per_epoch={steps_per_epoch!r}"
            )
        if not isinstance(pct_start, float):  # PyTorch refuses an int 0 or 1 too
            raise ValueError(f"{name}: pct_start must be a float between 0 and 1 (PyTorch's check), got {pct_start!r}")
        pct_start = check.number(pct_start, "pct_start", name, low=0, high=1)
        self._anneal_func_type = check.one_of(anneal_strategy, "anneal_strategy", ("cos", "linear"), name)
        self.cycle_momentum = check.flag(cycle_momentum, "cycle_momentum", name)
        check.flag(three_phase, "three_phase", name)
        # Any numbers but 0 (PyTorch divides by them when built); a negative one gives PyTorch's schedule.
        for factor_name, factor in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if check.number(factor, factor_name, name) == 0:
                raise ValueError(f"{name}: {factor_name} must not be 0 (PyTorch raises ZeroDivisionError), got 0")
        T, p = self.total_steps, pct_start
        if three_phase:
            self._schedule_phases = [
                _phase(float(p * T) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * p * T) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                _phase(T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(float(p * T) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        # A phase of zero length met at the first step fails here, as PyTorch's (its get_lr divides by
        # zero); one met only at step total_steps (pct_start=1.0) fails there, after the whole cycle.
        _phase_of(self._schedule_phases, 0, T)
        groups = optimizer.param_groups
        max_lrs = _per_group(name, "max_lr", max_lr, len(groups))
        check.integer(last_epoch, "last_epoch", name, low=-1)
        needed = ["initial_lr", "max_lr", "min_lr"]
        if check.flag(cycle_momentum, "cycle_momentum", name):
            needed += ["max_momentum", "base_momentum"]
        for i, group in enumerate(groups):
            missing = [key for key in needed if key not in group]
            if last_epoch != -1 and missing:
                raise ValueError(
                    f"{name}: resuming with last_epoch={last_epoch} needs {missing} in param group {i}; "
                    f"load the optimizer's state_dict first"
                )
        if last_epoch == -1:
            for group, peak in zip(groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError(
                    f"{name}: cycle_momentum=True needs an optimizer with momentum or betas (SGD, "
                    f"RMSprop, Adam, AdamW), got {type(optimizer).__name__}; pass cycle_momentum=False"
                )
            max_momentums = _per_group(name, "max_momentum", max_momentum, len(groups))
            base_momentums = _per_group(name, "base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for high, low, group in zip(max_momentums, base_momentums, groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {t} times, but the cycle has total_steps={self.total_steps}; "
                f"make total_steps (or epochs * steps_per_epoch) the number of batches of the whole training"
            )
        anneal = _anneal_cos if self._anneal_func_type == "cos" else _anneal_linear
        phase, pct = _phase_of(self._schedule_phases, t, self.total_steps)
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                self._set_momentum(group, anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct))
        return lrs


def _phase_of(phases: list[dict[str, Any]], t: int, total_steps: int) -> tuple[dict[str, Any], float]:
    """The phase of step ``t`` and how far into it ``t`` is (0 at its start, 1 at its end), as PyTorch finds them."""
    start_step = 0.0
    for i, phase in enumerate(phases):
        end_step = phase["end_step"]
        if t <= end_step or i == len(phases) - 1:
            if end_step == start_step:  # PyTorch's ZeroDivisionError, with what caused it
                raise ZeroDivisionError(
                    f"OneCycleLR: phase {i + 1} of the cycle has no steps at step {t} (pct_start * total_steps "
                    f"gives it zero length, total_steps={total_steps}); change pct_start"
                )
            return phase, (t - start_step) / (end_step - start_step)
        start_step = end_step
    raise AssertionError("unreachable: the last phase takes every later step")


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict[str, Any]:
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_momentum,
        "end_momentum": end_momentum,
    }


def _per_group(owner: str, name: str, value: Any, n_groups: int) -> list[float]:
    """One value per param group: a list of them as it is, or one number repeated (any finite
    numbers: PyTorch checks none)."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_groups:
            raise ValueError(f"{owner}: {name} has {len(value)} values, expected one per param group ({n_groups})")
        values = list(value)
    else:
        values = [value] * n_groups
    for v in values:
        check.number(v, name, owner)
    return values
