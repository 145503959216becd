r"""Learning-rate schedules, as in ``torch.optim.lr_scheduler``: ``step()`` once per epoch.

A scheduler writes ``group["lr"]`` of its optimizer's param groups; the optimizer reads it at its
next step. Creating a scheduler records each group's starting rate as ``group["initial_lr"]``.
The chainable form of PyTorch is kept (``StepLR`` multiplies the *current* rate by $\gamma$ at each
boundary), so the sequence of rates is the same to the last bit. ``state_dict()`` holds JSON-able
values only.
"""

from __future__ import annotations

import math
from typing import Any

from deltanet.optim.optimizer import Optimizer, _check_number

__all__ = ["ExponentialLR", "LRScheduler", "MultiStepLR", "ReduceLROnPlateau", "StepLR"]


class LRScheduler:
    """Base class of the epoch-based schedules: ``step()``, ``get_last_lr()``, ``state_dict()``.

    Subclasses write ``get_lr()``: the rates for epoch ``last_epoch`` from the current ones.

    Args:
        optimizer: the ``Optimizer`` whose learning rates it sets.
        last_epoch: index of the last epoch; -1 starts afresh (other values resume, and need
            ``initial_lr`` in every param group).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> class Halve(dn.optim.LRScheduler):
        ...     def get_lr(self):
        ...         return [lr / 2 if self.last_epoch > 0 else lr for lr in self._current()]
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = Halve(opt)
        >>> sched.step(); sched.step(); sched.get_last_lr(), opt.param_groups[0]["initial_lr"]
        ([0.25], 1.0)
    """

    #: Attributes that make up the state, besides ``last_epoch``, ``base_lrs`` and ``_last_lr``.
    _state_keys: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"{name}: expected a deltanet Optimizer, got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{name}: resuming with last_epoch={last_epoch} needs 'initial_lr' in "
                        f"param group {i}; load the optimizer's state_dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial = True
        self.step()
        self._initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The learning rates for epoch ``last_epoch``, one per param group."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def step(self) -> None:
        """Advance one epoch and set each group's ``lr``; call it after the epoch's training."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per param group."""
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position and settings, as JSON-able values."""
        state = {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "_last_lr": list(self._last_lr),
        }
        for key in self._state_keys:
            state[key] = getattr(self, key)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``; learning rates in the optimizer come from its own state."""
        allowed = {"last_epoch", "base_lrs", "_last_lr", *self._state_keys}
        unknown = sorted(set(state_dict) - allowed)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: unknown key(s) {unknown}, expected {sorted(allowed)}"
            )
        for key, value in state_dict.items():
            setattr(self, key, list(value) if isinstance(value, (list, tuple)) else value)


class StepLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ every ``step_size`` epochs.

    At epoch $e$, with ``step_size`` $s$ and the initial rate $\eta_0$:

    $$
    \eta_e = \eta_0\, \gamma^{\lfloor e / s \rfloor}
    $$

    Args:
        optimizer: the optimizer.
        step_size: the period $s$ of the decay, in epochs (a positive integer).
        gamma: the factor $\gamma > 0$ (default 0.1).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``step_size`` is not a positive integer, or ``gamma`` is not positive.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _state_keys = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        _check_gamma("StepLR", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ at each milestone epoch.

    At epoch $e$, with the initial rate $\eta_0$ and the milestones $m_1, m_2, \dots$:

    $$
    \eta_e = \eta_0\, \gamma^{\lvert \{ i : m_i \le e \} \rvert}
    $$

    Args:
        optimizer: the optimizer.
        milestones: epoch indices (non-negative integers); one listed twice decays twice.
        gamma: the factor $\gamma > 0$ (default 0.1).
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: a milestone that is not a non-negative integer, or ``gamma`` is not positive.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(sched.get_last_lr()[0], 6))
        ...     sched.step()
        >>> lrs
        [1.0, 0.1, 0.1, 0.01]
    """

    _state_keys = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Any, gamma: float = 0.1, last_epoch: int = -1) -> None:
        try:
            milestones = list(milestones)
        except TypeError:
            raise ValueError(f"MultiStepLR: milestones must be a list of epochs, got {milestones!r}") from None
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, int) or m < 0:
                raise ValueError(f"MultiStepLR: milestones must be non-negative integers, got {milestones!r}")
        _check_gamma("MultiStepLR", gamma)
        self.milestones = sorted(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        count = self.milestones.count(self.last_epoch)
        if count == 0:
            return self._current()
        return [lr * self.gamma**count for lr in self._current()]


class ExponentialLR(LRScheduler):
    r"""Multiply the learning rate by $\gamma$ every epoch.

    $$
    \eta_e = \eta_0\, \gamma^e
    $$

    Args:
        optimizer: the optimizer.
        gamma: the factor $\gamma > 0$.
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: ``gamma`` is not positive.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); sched.step(); sched.get_last_lr()
        [0.25]
    """

    _state_keys = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _check_gamma("ExponentialLR", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class ReduceLROnPlateau:
    r"""Multiply the learning rate by ``factor`` when a metric has stopped improving, as PyTorch's.

    Call ``step(metric)`` after each epoch's validation. An epoch improves when the metric beats
    the best so far by the threshold $\theta$: in "min" mode when it is below
    $\mathrm{best} \cdot (1 - \theta)$ (``threshold_mode="rel"``) or $\mathrm{best} - \theta$
    (``"abs"``), in "max" mode above $\mathrm{best} \cdot (1 + \theta)$ or $\mathrm{best} + \theta$.
    After more than ``patience`` epochs without improvement every learning rate becomes

    $$
    \eta \leftarrow \max(\eta \cdot \mathrm{factor},\ \mathrm{min\_lr})
    $$

    (skipped when the change is below ``eps``), and ``cooldown`` epochs follow in which bad epochs
    are not counted.

    Args:
        optimizer: the optimizer.
        mode: "min" (a loss) or "max" (an accuracy).
        factor: in $[0, 1)$, the multiplier of the learning rate.
        patience: epochs without improvement to tolerate ($\ge 0$).
        threshold: $\theta \ge 0$, the margin an improvement needs.
        threshold_mode: "rel" or "abs".
        cooldown: epochs to wait after a reduction ($\ge 0$).
        min_lr: the lower bound, one number or one per param group.
        eps: the smallest change of the learning rate that is applied.

    Raises:
        ValueError: an option out of range, or ``min_lr`` of the wrong length.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for val_loss in [1.0, 0.9, 0.95, 0.96, 0.97]:
        ...     sched.step(val_loss)
        >>> sched.get_last_lr()
        [0.5]
    """

    _state_keys = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lrs",
        "eps",
        "last_epoch",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
        "_last_lr",
    )

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"{name}: expected a deltanet Optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        _check_number(name, "factor", factor, 0.0, 1.0, high_open=True)
        _check_number(name, "threshold", threshold)
        _check_number(name, "eps", eps)
        for key, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: {key} must be a non-negative integer, got {value!r}")
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"{name}: min_lr has {len(min_lr)} values, expected one per param group ({n_groups})")
            min_lrs: list[float] = list(min_lr)
        else:
            min_lrs = [min_lr] * n_groups
        for lr_floor in min_lrs:
            _check_number(name, "min_lr", lr_floor)
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lrs = min_lrs
        self.eps = eps
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        best, threshold = self.best, self.threshold
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return current < (best * (1.0 - threshold) if rel else best - threshold)
        return current > (best * (1.0 + threshold) if rel else best + threshold)

    def step(self, metrics: Any) -> None:
        """Record this epoch's metric and reduce the learning rates if it has plateaued.

        Args:
            metrics: the epoch's validation metric (a number, or a one-element Tensor or array).
        """
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        """Whether bad epochs are being ignored after a reduction."""
        return self.cooldown_counter > 0

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last ``step()``, one per param group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Settings and counters as JSON-able values (an infinite ``best`` is saved as None)."""
        state = {key: getattr(self, key) for key in self._state_keys}
        state["min_lrs"] = list(self.min_lrs)
        state["_last_lr"] = list(self._last_lr)
        if math.isinf(self.best):
            state["best"] = None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``."""
        unknown = sorted(set(state_dict) - set(self._state_keys))
        if unknown:
            raise ValueError(
                f"ReduceLROnPlateau.load_state_dict: unknown key(s) {unknown}, expected {sorted(self._state_keys)}"
            )
        for key, value in state_dict.items():
            setattr(self, key, list(value) if isinstance(value, (list, tuple)) else value)
        if self.best is None:
            self.best = math.inf if self.mode == "min" else -math.inf


def _check_gamma(owner: str, gamma: Any) -> None:
    _check_number(owner, "gamma", gamma)
    if gamma == 0:
        raise ValueError(f"{owner}: gamma must be a number > 0, got {gamma!r}")
