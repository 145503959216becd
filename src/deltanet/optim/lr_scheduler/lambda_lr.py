r"""``LambdaLR`` and ``MultiplicativeLR``: the learning rate from a function of the epoch, as a factor
of the initial rate or of the last one."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.optimizer import Optimizer


class _LambdaSchedule(LRScheduler):
    """A schedule from one function of the epoch per param group: their checks and their state
    (plain functions are not saved, as in PyTorch; a callable object's attributes are)."""

    _state_keys = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        name = type(self).__name__
        n_groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(
                    f"{name}: lr_lambda has {len(lr_lambda)} functions, expected one per param group ({n_groups})"
                )
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n_groups
        for fn in lambdas:
            if not callable(fn):
                raise TypeError(f"{name}: lr_lambda must be a function of the epoch (or a list of them), got {fn!r}")
        self.lr_lambdas: list[Callable[[int], float]] = lambdas
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(vars(fn)) for fn in self.lr_lambdas]
        return state

    def _restore(self, key: str, value: Any) -> Any:
        if key != "lr_lambdas":
            return super()._restore(key, value)
        if len(value) != len(self.lr_lambdas):
            name, expected = type(self).__name__, len(self.lr_lambdas)
            raise ValueError(f"{name}.load_state_dict: lr_lambdas has {len(value)} entries, expected {expected}")
        for fn, saved in zip(self.lr_lambdas, value):
            if saved is not None:
                vars(fn).update(saved)
        return self.lr_lambdas


class LambdaLR(_LambdaSchedule):
    r"""Set the learning rate of each group to its initial rate times a function of the epoch.

    With the initial rate $\eta_0$ of a group and its function $\lambda$:

    $$
    \eta_e = \eta_0\, \lambda(e)
    $$

    Plain functions (and lambdas) are not part of ``state_dict()``, as in PyTorch: after
    ``load_state_dict`` the scheduler keeps the functions it was built with. A callable *object*
    has its attributes (``vars(fn)``) saved and restored.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch index that returns a factor, or a list (or tuple) of
            them, one per param group.
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: a list of the wrong length, or something that is not callable.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=0.5)
        >>> sched = dn.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda epoch: 1 / (epoch + 1))
        >>> lrs = []
        >>> for epoch in range(3):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.25, 0.16666666666666666]
    """

    def get_lr(self) -> list[float]:
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaSchedule):
    r"""Multiply the learning rate of each group by a function of the epoch, every epoch.

    With the rate $\eta_{e-1}$ of the epoch before and the group's function $\lambda$:

    $$
    \eta_e = \eta_{e-1}\, \lambda(e), \qquad \eta_0 \text{ as given}
    $$

    (``LambdaLR`` multiplies the *initial* rate instead.)

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch index that returns a factor, or a list (or tuple) of
            them, one per param group.
        last_epoch: -1 to start afresh.

    Raises:
        ValueError: a list of the wrong length, or something that is not callable.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.5)
        >>> lrs = []
        >>> for epoch in range(3):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [1.0, 0.5, 0.25]
    """

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current())]
