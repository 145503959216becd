r"""``CyclicLR``: Smith's cyclical learning rate, a triangle wave between two rates, stepped every batch."""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import LRScheduler, _check_optimizer
from deltanet.optim.lr_scheduler.one_cycle import _per_group
from deltanet.optim.optimizer import Optimizer

#: The amplitude's scale of each built-in mode, as a function of the cycle $c$ (or of the step).
MODES: dict[str, tuple[str, Callable[[float, float], float]]] = {
    "triangular": ("cycle", lambda gamma, c: 1.0),
    "triangular2": ("cycle", lambda gamma, c: 1 / (2.0 ** (c - 1))),
    "exp_range": ("iterations", lambda gamma, t: gamma**t),
}


class CyclicLR(LRScheduler):
    r"""Cycle the learning rate between ``base_lr`` and ``max_lr`` (Smith 2017); call ``step()``
    after every batch.

    With $S_\uparrow$ = ``step_size_up``, $S_\downarrow$ = ``step_size_down`` (default
    $S_\uparrow$), $S = S_\uparrow + S_\downarrow$ and step $t$: the cycle $c = \lfloor 1 + t/S
    \rfloor$, the position in it $x = 1 + t/S - c$, and the rise or fall
    $h = x / r$ for $x \le r$, else $(x - 1)/(r - 1)$, with $r = S_\uparrow / S$. Then

    $$
    \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\, h\, s
    $$

    where the scale $s$ is 1 (``"triangular"``), $1/2^{c-1}$ (``"triangular2"``), $\gamma^t$
    (``"exp_range"``) or ``scale_fn`` of $c$ or of $t$ (``scale_mode``). The momentum (SGD's,
    RMSprop's, or Adam's $\beta_1$) cycles the other way, from ``max_momentum`` down by the same
    fraction, unless ``cycle_momentum=False``. The sequence of rates and momenta is PyTorch's;
    like PyTorch, the scheduler sets each group's rate to ``base_lr`` and writes ``max_momentum``
    and ``base_momentum`` into the groups.

    Args:
        optimizer: the optimizer.
        base_lr: the lowest rate, one number or one per param group.
        max_lr: the highest rate, one number or one per param group.
        step_size_up: steps $S_\uparrow \ge 1$ from ``base_lr`` up to ``max_lr`` (default 2000).
        step_size_down: steps $S_\downarrow$ back down (default: ``step_size_up``).
        mode: ``"triangular"`` (default), ``"triangular2"`` or ``"exp_range"``; ignored with ``scale_fn``.
        gamma: $\gamma$ of ``"exp_range"`` (default 1).
        scale_fn: a function of one number in $[0, 1]$ that scales the amplitude (instead of ``mode``).
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` is a function of.
        cycle_momentum: cycle the momentum inversely to the rate (default True; needs an
            optimizer with ``momentum`` or ``betas``).
        base_momentum: the momentum at the highest rate, one number or one per group (default 0.8).
        max_momentum: the momentum at the lowest rate, one number or one per group (default 0.9).
        last_epoch: the index of the last *step* taken; -1 to start afresh.

    Raises:
        ValueError: a bad option, or ``cycle_momentum`` with an optimizer that has no momentum.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
        >>> sched = dn.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
        >>> lrs = []
        >>> for step in range(6):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.01, 0.055, 0.1, 0.055, 0.01, 0.055]
        >>> round(opt.param_groups[0]["momentum"], 4)  # at the peak rate: base_momentum
        0.8
    """

    _state_keys = (
        "max_lrs",
        "total_size",
        "step_ratio",
        "mode",
        "gamma",
        "scale_mode",
        "cycle_momentum",
        "use_beta1",
        "base_momentums",
        "max_momentums",
    )

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: Any,
        max_lr: Any,
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: Any = 0.8,
        max_momentum: Any = 0.9,
        last_epoch: int = -1,
    ) -> None:
        name = "CyclicLR"
        _check_optimizer(name, optimizer)
        groups = optimizer.param_groups
        base_lrs = _per_group(name, "base_lr", base_lr, len(groups))
        check.integer(last_epoch, "last_epoch", name, low=-1)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, groups):
                group["lr"] = lr
        self.max_lrs = _per_group(name, "max_lr", max_lr, len(groups))
        # Any numbers, as PyTorch (a fractional or negative half-cycle gives its schedule); a cycle
        # of length 0 is refused, where PyTorch divides by zero.
        up = check.number(step_size_up, "step_size_up", name)
        down = up if step_size_down is None else check.number(step_size_down, "step_size_down", name)
        if up + down == 0:
            raise ValueError(
                f"{name}: step_size_up + step_size_down must not be 0 (PyTorch raises ZeroDivisionError), "
                f"got {step_size_up!r} and {step_size_down!r}"
            )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None:
            self.mode = check.one_of(mode, "mode", tuple(MODES), name)
        elif not callable(scale_fn):
            raise ValueError(f"{name}: scale_fn must be a function of one number, got {scale_fn!r}")
        else:
            self.mode = mode
        self.gamma = check.number(gamma, "gamma", name)  # any number, as PyTorch
        self._scale_fn_custom = scale_fn
        # PyTorch reads scale_mode only with a scale_fn, and takes anything but "cycle" as
        # "iterations"; a misspelling is refused here.
        self.scale_mode = check.one_of(scale_mode, "scale_mode", ("cycle", "iterations"), name)
        if scale_fn is None:
            self.scale_mode = MODES[self.mode][0]
        self.cycle_momentum = check.flag(cycle_momentum, "cycle_momentum", name)
        self.use_beta1 = "betas" in optimizer.defaults
        self.base_momentums: list[float] | None = None
        self.max_momentums: list[float] | None = None
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError(
                    f"{name}: cycle_momentum=True needs an optimizer with momentum or betas (SGD, RMSprop, "
                    f"Adam, AdamW), got {type(optimizer).__name__}; pass cycle_momentum=False"
                )
            self.base_momentums = _per_group(name, "base_momentum", base_momentum, len(groups))
            self.max_momentums = _per_group(name, "max_momentum", max_momentum, len(groups))
            if last_epoch == -1:
                for high, low, group in zip(self.max_momentums, self.base_momentums, groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs  # after the first step, as PyTorch (which reads initial_lr for it)

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle (or step) ``x``: ``scale_fn``'s, or the mode's."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return MODES[self.mode][1](self.gamma, x)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        h = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        s = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [base + (peak - base) * h * s for base, peak in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum and self.base_momentums is not None and self.max_momentums is not None:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, high - (high - low) * h * s)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state; a ``scale_fn`` that is a plain function is not saved (PyTorch's
        rule), a callable object's attributes are."""
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else dict(vars(fn))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (or PyTorch's).

        Args:
            state_dict: what ``state_dict()`` returned, possibly through JSON.
        """
        state = dict(state_dict)
        saved_fn = state.pop("_scale_fn_custom", None)
        state.pop("_scale_fn_ref", None)
        super().load_state_dict(state)
        if saved_fn is not None and self._scale_fn_custom is not None:
            vars(self._scale_fn_custom).update(saved_fn)
