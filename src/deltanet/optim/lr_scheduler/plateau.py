r"""``ReduceLROnPlateau``: lower the learning rate when a validation metric stops improving."""

from __future__ import annotations

import math
import warnings
from typing import Any

from deltanet import _checks as check
from deltanet.optim.lr_scheduler.base import EPOCH_WARNING, LRScheduler, _any_number, _check_optimizer
from deltanet.optim.optimizer import Optimizer


class ReduceLROnPlateau(LRScheduler):
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
    are not counted. A NaN metric never improves.

    Args:
        optimizer: the optimizer.
        mode: "min" (a loss) or "max" (an accuracy).
        factor: in $[0, 1)$, the multiplier of the learning rate.
        patience: epochs without improvement to tolerate (any number, as PyTorch: a negative one
            reduces at every step).
        threshold: $\theta$, the margin an improvement needs.
        threshold_mode: "rel" or "abs".
        cooldown: epochs to wait after a reduction.
        min_lr: the lower bound, one number or one per param group.
        eps: the smallest change of the learning rate that is applied.

    Raises:
        ValueError: ``factor`` not below 1 (PyTorch's one check), an option that is not a finite
            number, a misspelled ``mode``, or ``min_lr`` of the wrong length.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for val_loss in [1.0, 0.9, 0.95, 0.96, 0.97]:
        ...     sched.step(val_loss)
        >>> sched.get_last_lr()
        [0.5]
    """

    _COMMON_KEYS = ("last_epoch", "_last_lr")
    _state_keys = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lrs",
        "default_min_lr",
        "eps",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
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
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        # PyTorch checks only factor < 1; the others are any numbers there (a negative factor or
        # min_lr, a fractional patience), and here.
        check.number(factor, "factor", name, high=1, high_open=True)
        check.number(threshold, "threshold", name)
        check.number(eps, "eps", name)
        self.patience = _any_number(patience, "patience", name)
        self.cooldown = _any_number(cooldown, "cooldown", name)
        n_groups = len(optimizer.param_groups)
        self.default_min_lr: float | None
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"{name}: min_lr has {len(min_lr)} values, expected one per param group ({n_groups})")
            self.default_min_lr = None
            self.min_lrs: list[float] = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n_groups
        for lr_floor in self.min_lrs:
            check.number(lr_floor, "min_lr", name)
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.threshold = threshold
        self.threshold_mode = threshold_mode
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

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the learning rates if it has plateaued.

        Args:
            metrics: the epoch's validation metric (a number, or a one-element Tensor or array).
            epoch: deprecated, as in PyTorch: set the epoch counter (and warn). Leave it out.
        """
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = check.integer(epoch, "epoch", type(self).__name__, low=0)
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups, but min_lr "
                    f"was given for {len(self.min_lrs)} (a group was added since); set sched.min_lrs "
                    f"to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def mode_worse(self) -> float:
        """The worst possible metric: inf for ``mode="min"``, -inf for ``"max"`` (PyTorch's attribute)."""
        return math.inf if self.mode == "min" else -math.inf

    @property
    def in_cooldown(self) -> bool:
        """Whether bad epochs are being ignored after a reduction."""
        return self.cooldown_counter > 0

    def state_dict(self) -> dict[str, Any]:
        """Settings and counters as JSON-able values (an infinite ``best`` is saved as None)."""
        state = super().state_dict()
        if math.isinf(self.best):
            state["best"] = None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (or PyTorch's).

        Args:
            state_dict: what ``state_dict()`` returned, possibly through JSON.
        """
        # PyTorch's state has mode_worse (derived from mode here).
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "mode_worse"})
        if self.best is None:
            self.best = math.inf if self.mode == "min" else -math.inf
