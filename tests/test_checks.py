"""The shared argument checks: what each accepts, what it refuses, and the one message shape."""

import math
import re

import numpy as np
import pytest

from deltanet import _checks as check


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.25), np.int64(1)])
def test_number_accepts_real_numbers_in_range(value):
    assert check.number(value, "lr", "SGD", low=0, high=1) == float(value)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (True, {}, "a finite number"),
        ("0.1", {}, "a finite number"),
        (None, {}, "a finite number"),
        (math.nan, {}, "a finite number"),
        (math.inf, {"low": 0}, "a number >= 0"),
        (0.0, {"low": 0, "low_open": True}, "a number > 0"),
        (1.5, {"low": 0, "high": 1}, r"a number in \[0, 1\]"),
        (1.0, {"low": 0, "high": 1, "high_open": True}, r"a number in \[0, 1\)"),
        (2.0, {"high": 1}, "a number <= 1"),
    ],
)
def test_number_refuses_with_expected_and_received(value, kwargs, expected):
    with pytest.raises(ValueError, match=rf"^SGD: lr must be {expected}, got {re.escape(repr(value))}$"):
        check.number(value, "lr", "SGD", **kwargs)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (1.0, {}, "an integer"),
        (True, {"low": 0}, "a non-negative integer"),
        (0, {"low": 1}, "a positive integer"),
        (-1, {"low": 0}, "a non-negative integer"),
        (5, {"low": 0, "high": 3}, r"an integer in \[0, 3\]"),
        (1, {"low": 2}, "an integer >= 2"),
        (9, {"high": 8}, "an integer <= 8"),
    ],
)
def test_integer_refuses_with_expected_and_received(value, kwargs, expected):
    with pytest.raises(ValueError, match=rf"^fit: epochs must be {expected}, got {re.escape(repr(value))}$"):
        check.integer(value, "epochs", "fit", **kwargs)


def test_integer_accepts_numpy_integers_and_returns_int():
    out = check.integer(np.int32(4), "epochs", "fit", low=0)
    assert out == 4 and type(out) is int


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, 1.0])
def test_flag_refuses_anything_but_a_bool(value):
    with pytest.raises(ValueError, match="restore_best_weights must be True or False"):
        check.flag(value, "restore_best_weights", "EarlyStopping")


def test_flag_accepts_numpy_bools():
    assert check.flag(np.bool_(True), "x") is True


def test_one_of_compares_types_too():
    assert check.one_of("sum", "reduction", ("mean", "sum")) == "sum"
    with pytest.raises(ValueError, match=r"^reduction must be one of 'mean', 'sum', got 1$"):
        check.one_of(1, "reduction", ("mean", "sum"))
    with pytest.raises(ValueError, match="mode must be one of 0, 1, got True"):
        check.one_of(True, "mode", (0, 1))
