"""``LRScheduler``: the base of the schedules that set the learning rate from the epoch (or step) count.

A scheduler writes ``group["lr"]`` of its optimizer's param groups; the optimizer reads it at its
next step. Creating a scheduler records each group's starting rate as ``group["initial_lr"]`` and
sets the rates of epoch 0. As in PyTorch, ``sched.step()`` comes *after* ``opt.step()``; the
other order skips the first rate of the schedule, and the first ``sched.step()`` before any
``opt.step()`` warns (a ``UserWarning``, PyTorch's text).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from deltanet import _checks as check
from deltanet.optim.optimizer import Optimizer

# Keys of PyTorch's scheduler state_dicts that hold nothing a deltanet scheduler needs.
_TORCH_ONLY_KEYS = ("verbose",)

CALL_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, "
    "you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  "
    "Failure to do this will result in PyTorch skipping the first value of the learning rate schedule."
)
EPOCH_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch "
    "is different from None, the closed form is used instead of the new chainable form, where available."
)
GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."


class LRScheduler:
    """Base class of the epoch-based schedules: ``step()``, ``get_last_lr()``, ``state_dict()``.

    Subclasses write ``get_lr()``: the rates for epoch ``last_epoch`` from the current ones (the
    chainable form of PyTorch, so that the rates agree with PyTorch's to the last bit), and may
    write ``_closed_form()``: the rates for ``last_epoch`` from ``base_lrs`` alone, used by the
    deprecated ``step(epoch)``.

    Args:
        optimizer: the ``Optimizer`` whose learning rates it sets.
        last_epoch: index of the last epoch; -1 starts afresh (other values resume, and need
            ``initial_lr`` in every param group, as from the optimizer's ``load_state_dict``).

    Raises:
        ValueError: not a deltanet optimizer, a bad ``last_epoch``, or resuming without
            ``initial_lr``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> class Halve(dn.optim.lr_scheduler.LRScheduler):
        ...     def get_lr(self):
        ...         return [lr / 2 if self.last_epoch > 0 else lr for lr in self._current()]
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = Halve(opt)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr(), opt.param_groups[0]["initial_lr"]
        ([0.25], 1.0)
    """

    #: Attributes that make up the state, besides those every scheduler has (``_COMMON_KEYS``).
    _state_keys: tuple[str, ...] = ()
    _COMMON_KEYS: tuple[str, ...] = (
        "last_epoch",
        "base_lrs",
        "_last_lr",
        "_step_count",
        "_is_initial",
        "_get_lr_called_within_step",
    )

    #: Whether deltanet's own ``get_lr`` warns when called outside ``step()`` (PyTorch's built-in
    #: schedules do; a subclass written by a user does not, nor do the sequence and the chain).
    _warn_get_lr = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("deltanet.") and cls._warn_get_lr and "get_lr" in cls.__dict__:
            cls.get_lr = _warns_outside_step(cls.__dict__["get_lr"])  # type: ignore[method-assign]

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        check.integer(last_epoch, "last_epoch", name, low=-1)
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
        self._step_count = 0
        self._get_lr_called_within_step = False  # PyTorch's flag, kept for its state_dict keys
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The learning rates for epoch ``last_epoch``, one per param group."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set each group's ``lr``; call it after the epoch's ``opt.step()``.

        Args:
            epoch: deprecated, as in PyTorch: jump to this epoch (with the closed form of the
                schedule where it has one) and warn. Leave it out.
        """
        if self._step_count == 1 and self.optimizer._step_count == 0:
            warnings.warn(CALL_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            with self._within_step():
                values = self.get_lr()
        else:
            warnings.warn(EPOCH_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = check.integer(epoch, "epoch", type(self).__name__, low=0)
            closed = getattr(self, "_closed_form", None) or getattr(self, "_get_closed_form_lr", None)
            with self._within_step():
                values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @contextmanager
    def _within_step(self) -> Iterator[None]:
        """Mark ``get_lr`` calls as made by ``step()`` (PyTorch's flag: no warning then)."""
        self._get_lr_called_within_step = True
        try:
            yield
        finally:
            self._get_lr_called_within_step = False

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per param group."""
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position and settings, as JSON-able values (without the optimizer).

        A subclass written outside deltanet also saves its own attributes that hold plain values
        (numbers, strings, lists, dicts), as PyTorch saves every attribute but the optimizer.
        """
        state = {key: _plain(getattr(self, key)) for key in (*self._COMMON_KEYS, *self._state_keys)}
        for key in self._user_keys():
            state[key] = _plain(getattr(self, key))
        return state

    def _user_keys(self) -> list[str]:
        """The plain-valued attributes of a subclass written outside deltanet (saved as PyTorch does)."""
        if type(self).__module__.startswith("deltanet."):
            return []
        known = {*self._COMMON_KEYS, *self._state_keys, "optimizer"}
        return [k for k, v in vars(self).items() if k not in known and _is_plain(v)]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (or PyTorch's); the learning rates in the optimizer come from its own state.

        Args:
            state_dict: what ``state_dict()`` returned, possibly through JSON.

        Raises:
            ValueError: an unknown key, or a number of rates that differs from the param groups.
        """
        name = type(self).__name__
        allowed = {*self._COMMON_KEYS, *self._state_keys}
        if not type(self).__module__.startswith("deltanet."):
            allowed |= set(vars(self)) - {"optimizer"}  # a user's subclass: its own attributes too
        unknown = sorted(set(state_dict) - allowed - set(_TORCH_ONLY_KEYS))
        if unknown:
            raise ValueError(f"{name}.load_state_dict: unknown key(s) {unknown}, expected {sorted(allowed)}")
        n_groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr"):
            if key in state_dict and len(state_dict[key]) != n_groups:
                raise ValueError(
                    f"{name}.load_state_dict: {key} has {len(state_dict[key])} values, expected one "
                    f"per param group ({n_groups})"
                )
        for key, value in state_dict.items():
            if key in allowed:
                setattr(self, key, self._restore(key, value))

    def _restore(self, key: str, value: Any) -> Any:
        """The attribute ``key`` from its saved ``value`` (subclasses convert their own)."""
        return list(value) if isinstance(value, (list, tuple)) else value


def _warns_outside_step(get_lr: Callable[..., list[float]]) -> Callable[..., list[float]]:
    """``get_lr`` that warns (PyTorch's ``UserWarning``) when called outside ``step()``."""

    @functools.wraps(get_lr)
    def wrapper(self: LRScheduler) -> list[float]:
        if not self._get_lr_called_within_step:
            warnings.warn(GET_LR_WARNING, UserWarning, stacklevel=2)
        return get_lr(self)

    return wrapper


def _check_optimizer(owner: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{owner}: expected a deltanet Optimizer, got {type(optimizer).__name__}")


def _any_number(value: Any, name: str, owner: str) -> Any:
    """``value`` itself when it is a finite number (PyTorch takes any number where it checks
    nothing, such as ``total_iters``; NaN and infinities are refused, as everywhere here)."""
    check.number(value, name, owner)
    return value


def _is_plain(value: Any) -> bool:
    """Whether ``value`` is made of JSON's values only (numbers, strings, None, lists, dicts)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _plain(value: Any) -> Any:
    """A JSON-able copy: tuples become lists, dicts are copied."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _LRScheduler(LRScheduler):
    """PyTorch's old name of ``LRScheduler`` (kept, as PyTorch keeps it, for subclasses written for it)."""
