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
from typing import Any, Literal, TypeGuard, overload

import numpy as np


def fail(owner: str | None, name: str, expected: str, value: Any) -> ValueError:
    """The error for ``name`` of ``owner``: what was expected and what was received."""
    where = f"{owner}: " if owner else ""
    return ValueError(f"{where}{name} must be {expected}, got {value!r}")


def is_number(value: Any) -> TypeGuard[float | np.number[Any]]:
    """Whether ``value`` is a real number (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_integer(value: Any) -> TypeGuard[int | np.integer[Any]]:
    """Whether ``value`` is an integer (Python or NumPy), not a bool and not a float."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _interval(low: float, high: float, low_open: bool, high_open: bool, finite: bool = True) -> str:
    if not finite:
        return "a number" if high == math.inf and low == -math.inf else _interval(low, high, low_open, high_open)
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
    finite: bool = True,
) -> float:
    """A real number in the interval from ``low`` to ``high``, returned as a float; finite unless
    ``finite=False``.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        low: the smallest allowed value (``-inf``: no bound).
        high: the largest allowed value (``inf``: no bound).
        low_open: exclude ``low`` itself.
        high_open: exclude ``high`` itself.
        finite: refuse ``inf`` and ``-inf`` (NaN is always refused); ``False`` for an argument where
            an infinity has a meaning, such as a threshold that is never reached.

    Returns:
        ``float(value)``.

    Raises:
        ValueError: not a number (a bool, a string, None), NaN, infinite unless allowed, or outside
            the interval.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.number(1, "momentum", "SGD", low=0, high=1)
        1.0
    """
    return _number(value, name, owner, (low, high, low_open, high_open), "", finite)


def _number(
    value: Any, name: str, owner: str | None, bounds: tuple[float, float, bool, bool], more: str, finite: bool = True
) -> float:
    low, high, low_open, high_open = bounds
    if is_number(value) and (math.isfinite(value) if finite else not math.isnan(value)):
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if above and below:
            return float(value)
    raise fail(owner, name, _interval(*bounds, finite) + more, value)


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
    return _integer(value, name, owner, low, high, "")


def _integers(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    if low is not None:
        return {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
    if high is not None:
        return f"an integer <= {high}"
    return "an integer"


def _in_range(value: Any, low: int | None, high: int | None) -> bool:
    return is_integer(value) and (low is None or bool(value >= low)) and (high is None or bool(value <= high))


def _integer(value: Any, name: str, owner: str | None, low: int | None, high: int | None, more: str) -> int:
    if not _in_range(value, low, high):
        raise fail(owner, name, _integers(low, high) + more, value)
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


def _same_kind(value: Any, option: Any) -> bool:
    """The same type, or two integers (``np.int64(2)`` is the option 2; ``True`` is not 1)."""
    return type(value) is type(option) or (is_integer(value) and is_integer(option))


def one_of(value: Any, name: str, options: Iterable[Any], owner: str | None = None) -> Any:
    """One of the listed ``options`` (compared with ``==``, types matching; any integer type matches an int).

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        options: the allowed values.
        owner: the class or function that takes it, for the message.

    Returns:
        The option that ``value`` equals (a plain ``int`` for a NumPy integer).

    Raises:
        ValueError: ``value`` is not among the options.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.one_of("mean", "reduction", ("mean", "sum", "none"), "MSELoss")
        'mean'
    """
    options = tuple(options)
    for option in options:
        if _same_kind(value, option) and value == option:
            return option
    listed = ", ".join(repr(o) for o in options)
    raise fail(owner, name, f"one of {listed}", value)


def optional_number(
    value: Any,
    name: str,
    owner: str | None = None,
    *,
    none: str = "None",
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float | None:
    """``None``, or a number as ``number`` checks it; the message says what None means.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        none: how the message names the None choice (``"None for a cumulative average"``).
        low: the smallest allowed value (``-inf``: no bound).
        high: the largest allowed value (``inf``: no bound).
        low_open: exclude ``low`` itself.
        high_open: exclude ``high`` itself.

    Returns:
        ``None`` or ``float(value)``.

    Raises:
        ValueError: neither None nor a number in the interval.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.optional_number(None, "momentum", "BatchNorm1d", low=0, high=1) is None
        True
        >>> try:
        ...     check.optional_number(2, "momentum", "BatchNorm1d", none="None for a cumulative average", low=0, high=1)
        ... except ValueError as error:
        ...     print(error)
        BatchNorm1d: momentum must be a number in [0, 1] or None for a cumulative average, got 2
    """
    if value is None:
        return None
    return _number(value, name, owner, (low, high, low_open, high_open), f" or {none}")


def optional_integer(
    value: Any,
    name: str,
    owner: str | None = None,
    *,
    none: str = "None",
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """``None``, or an integer as ``integer`` checks it; the message says what None means.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        none: how the message names the None choice (``"None (full batch)"``).
        low: the smallest allowed value (None: no bound).
        high: the largest allowed value (None: no bound).

    Returns:
        ``None`` or ``int(value)``.

    Raises:
        ValueError: neither None nor an integer within the bounds.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.optional_integer(None, "batch_size", "fit", low=1) is None
        True
        >>> try:
        ...     check.optional_integer(0, "batch_size", "fit", none="None (full batch)", low=1)
        ... except ValueError as error:
        ...     print(error)
        fit: batch_size must be a positive integer or None (full batch), got 0
    """
    if value is None:
        return None
    return _integer(value, name, owner, low, high, f" or {none}")


@overload
def axis(value: Any, name: str, owner: str | None = ..., *, none: Literal[False] = ...) -> int: ...
@overload
def axis(value: Any, name: str, owner: str | None = ..., *, none: Literal[True]) -> int | None: ...
def axis(value: Any, name: str, owner: str | None = None, *, none: bool = False) -> int | None:
    """An axis number (an integer, negative ones counting from the end), or also None where ``none``.

    The input's rank is not known here: the op that receives the tensor checks the range.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        none: whether None is allowed (PyTorch's "no axis given").

    Returns:
        ``int(value)``, or None.

    Raises:
        ValueError: not an integer (nor None where allowed).

    Examples:
        >>> from deltanet import _checks as check
        >>> check.axis(-1, "dim", "Softmax", none=True)
        -1
        >>> try:
        ...     check.axis(1.0, "start_dim", "Flatten")
        ... except ValueError as error:
        ...     print(error)
        Flatten: start_dim must be an axis (an integer such as 1 or -1), got 1.0
    """
    if value is None and none:
        return None
    if not is_integer(value):
        expected = "an axis (an integer such as 1 or -1)" + (" or None" if none else "")
        raise fail(owner, name, expected, value)
    return int(value)


def sizes(
    value: Any,
    name: str,
    owner: str | None = None,
    *,
    count: int | None = None,
    low: int = 1,
    special: tuple[Any, str] | None = None,
) -> tuple[Any, ...]:
    """One size or a sequence of sizes (``count`` of them where given), each an integer >= ``low``.

    A kernel size, an output size, a crop: PyTorch takes one int for every axis or a tuple with
    one per axis. ``special`` is a value allowed in place of a size and what it means, such as
    ``(-1, "keep the axis")`` or ``(None, "keep the axis")``.

    Args:
        value: the argument as received.
        name: the argument's name, for the message.
        owner: the class or function that takes it, for the message.
        count: how many sizes a sequence must hold (None: any positive number of them); one
            integer is repeated ``count`` times.
        low: the smallest allowed size.
        special: a (value, meaning) pair allowed in place of a size, or None.

    Returns:
        The sizes as a tuple of ints (the special value kept as it is).

    Raises:
        ValueError: not a size, a sequence of the wrong length, or a size below ``low``.

    Examples:
        >>> from deltanet import _checks as check
        >>> check.sizes(3, "kernel_size", "Conv2d", count=2)
        (3, 3)
        >>> check.sizes((8, -1), "roi_size", "CenterSpatialCrop", special=(-1, "keep the axis"))
        (8, -1)
        >>> try:
        ...     check.sizes((2, 0), "output_size", "AdaptiveAvgPool2d", count=2)
        ... except ValueError as error:
        ...     print(error)
        AdaptiveAvgPool2d: output_size must be a positive integer or a tuple of 2 of them, got (2, 0)
    """

    def allowed(v: Any) -> bool:
        if special is not None and (v is special[0] or (is_integer(v) and is_integer(special[0]) and v == special[0])):
            return True
        return _in_range(v, low, None)

    if not isinstance(value, (tuple, list)):
        if allowed(value):
            return (int(value) if is_integer(value) else value,) * (count or 1)
    elif len(value) and (count is None or len(value) == count) and all(allowed(v) for v in value):
        return tuple(int(v) if is_integer(v) else v for v in value)
    one = _integers(low, None)
    expected = f"{one} or a tuple of {count} of them" if count is not None else f"{one} or a sequence of them"
    if special is not None:
        expected += f" ({special[0]!r}: {special[1]})"
    raise fail(owner, name, expected, value)
