"""Argument checks: one place writes every "expected ..., got ..." message.

Each check takes the value, the argument's name and the owner that reports it (a class or function
name), returns the value in its plain Python type, and raises ``ValueError`` with one message
shape: ``"{owner}: {name} must be {expected}, got {value!r}"``. The library's constructors and
functions call these instead of writing their own ``isinstance`` ladders, so that every message
names the argument, what was expected and what was received, and so that ``True`` is never taken
for the number 1 nor the string ``"no"`` for a truth value.

Examples:
    >>> from deltanet import _checks as check
    >>> check.number(0.5, "lr", "SGD", low=0, low_open=True)
    0.5
    >>> check.integer(3, "patience", "EarlyStopping", low=0)
    3
    >>> try:
    ...     check.flag("no", "restore_best_weights", "EarlyStopping")
    ... except ValueError as error:
    ...     print(error)
    EarlyStopping: restore_best_weights must be True or False, got 'no'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def fail(owner: str | None, name: str, expected: str, value: Any) -> ValueError:
    """The error for ``name`` of ``owner``: what was expected and what was received."""
    where = f"{owner}: " if owner else ""
    return ValueError(f"{where}{name} must be {expected}, got {value!r}")


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _interval(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if high == math.inf and low == -math.inf:
        return "a finite number"
    if high == math.inf:
        return f"a number {'>' if low_open else '>='} {low:g}"
    if low == -math.inf:
        return f"a number {'<' if high_open else '<='} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def number(
    value: Any,
    name: str,
    owner: str | None = None,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number in the interval from ``low`` to ``high``, returned as a float.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        low: the smallest allowed value (``-inf``: no bound).
        high: the largest allowed value (``inf``: no bound).
        low_open: exclude ``low`` itself.
        high_open: exclude ``high`` itself.

    Returns:
        ``float(value)``.

    Raises:
        ValueError: not a number (a bool, a string, None), NaN or infinite, or outside the interval.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.number(1, "momentum", "SGD", low=0, high=1)
        1.0
    """
    expected = _interval(low, high, low_open, high_open)
    if not is_number(value) or not math.isfinite(value):
        raise fail(owner, name, expected, value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        raise fail(owner, name, expected, value)
    return float(value)


def integer(
    value: Any,
    name: str,
    owner: str | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """An integer (Python or NumPy, not a bool, not a float) from ``low`` to ``high`` inclusive.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        low: the smallest allowed value (None: no bound).
        high: the largest allowed value (None: no bound).

    Returns:
        ``int(value)``.

    Raises:
        ValueError: not an integer, or outside the bounds.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.integer(10, "epochs", "fit", low=0)
        10
    """
    if low is not None and high is not None:
        expected = f"an integer in [{low}, {high}]"
    elif low is not None:
        expected = {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise fail(owner, name, expected, value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise fail(owner, name, expected, value)
    return int(value)


def flag(value: Any, name: str, owner: str | None = None) -> bool:
    """``True`` or ``False`` (a NumPy bool too); never a truthy string or number.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.

    Returns:
        ``bool(value)``.

    Raises:
        ValueError: anything but a bool.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.flag(True, "shuffle", "fit")
        True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise fail(owner, name, "True or False", value)
    return bool(value)


def one_of(value: Any, name: str, options: Iterable[Any], owner: str | None = None) -> Any:
    """One of the listed ``options`` (compared with ``==``, types matching).

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        options: the allowed values.
        owner: the class or function that takes it, for the message.

    Returns:
        ``value``.

    Raises:
        ValueError: ``value`` is not among the options.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.one_of("mean", "reduction", ("mean", "sum", "none"), "MSELoss")
        'mean'
    """
    options = tuple(options)
    for option in options:
        if type(value) is type(option) and value == option:
            return value
    listed = ", ".join(repr(o) for o in options)
    raise fail(owner, name, f"one of {listed}", value)
