"""Anomaly detection, as PyTorch's: ``set_detect_anomaly(True)`` or ``with detect_anomaly():``.

While it is on, the engine checks every gradient a function's backward returns and raises
PyTorch's error, naming the function, at the first NaN, instead of letting it spread into every
weight. (PyTorch also prints the traceback of the forward call that made the function; deltanet
names the function only.) The check costs a pass over each gradient: use it to debug, not to train.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class _State:
    enabled = False
    check_nan = True


state = _State()


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Returns:
        True inside ``detect_anomaly()`` or after ``set_detect_anomaly(True)``.

    Examples:
        >>> import deltanet as dn
        >>> dn.autograd.is_anomaly_enabled()
        False
    """
    return state.enabled


def check(fn: Any, grads: tuple[Any, ...]) -> None:
    """Raise PyTorch's error when a gradient that ``fn`` returned holds a NaN."""
    if not state.check_nan:
        return
    for i, g in enumerate(grads):
        if g is not None and np.isnan(g).any():
            raise RuntimeError(f"Function '{type(fn).__name__}' returned nan values in its {i}th output.")


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off: called, at once; with ``with``, until the block ends.

    Args:
        mode: True to check every gradient for NaN during backward.
        check_nan: False turns the NaN check off while the mode stays on.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([0.0], requires_grad=True)
        >>> with dn.autograd.set_detect_anomaly(True):
        ...     try:
        ...         (x.sqrt() * 0).sum().backward()
        ...     except RuntimeError as error:
        ...         print(error)
        Function 'Sqrt' returned nan values in its 0th output.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"set_detect_anomaly: mode must be True or False, got {mode!r}")
        self.previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: Any) -> None:
        state.enabled, state.check_nan = self.previous


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager in which backward checks every gradient for NaN (see ``set_detect_anomaly``).

    Args:
        check_nan: False turns the NaN check off.

    Examples:
        >>> import deltanet as dn
        >>> with dn.autograd.detect_anomaly():
        ...     dn.autograd.is_anomaly_enabled()
        True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)
        self.previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self.previous.append((state.enabled, state.check_nan))
        state.enabled, state.check_nan = True, self.check_nan

    def __exit__(self, *exc_info: Any) -> None:
        state.enabled, state.check_nan = self.previous.pop()
