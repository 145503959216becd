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


def test_is_integer_refuses_bools_and_floats():
    assert check.is_integer(3) and check.is_integer(np.int8(-2))
    assert not any(check.is_integer(v) for v in (True, np.bool_(False), 3.0, "3", None))


def test_optional_number_takes_none_and_says_what_it_means():
    assert check.optional_number(None, "momentum", "BN", low=0, high=1) is None
    assert check.optional_number(np.float32(0.5), "momentum", "BN", low=0, high=1) == 0.5
    with pytest.raises(ValueError, match=r"^BN: momentum must be a number in \[0, 1\] or None for an average, got 2$"):
        check.optional_number(2, "momentum", "BN", none="None for an average", low=0, high=1)
    with pytest.raises(ValueError, match=r"^max_norm must be a number >= 0 or None, got True$"):
        check.optional_number(True, "max_norm", low=0)


def test_optional_integer_takes_none_and_says_what_it_means():
    assert check.optional_integer(None, "batch_size", low=1) is None
    assert check.optional_integer(np.int64(4), "batch_size", low=1) == 4
    with pytest.raises(ValueError, match=r"^fit: batch_size must be a positive integer or None \(all\), got 0$"):
        check.optional_integer(0, "batch_size", "fit", none="None (all)", low=1)
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer or None, got 2\.0$"):
        check.optional_integer(2.0, "batch_size", low=1)


def test_axis_takes_integers_and_none_where_allowed():
    assert check.axis(np.int64(-1), "dim") == -1
    assert check.axis(None, "dim", none=True) is None
    with pytest.raises(
        ValueError, match=r"^Flatten: start_dim must be an axis \(an integer such as 1 or -1\), got None$"
    ):
        check.axis(None, "start_dim", "Flatten")
    with pytest.raises(ValueError, match=r"dim must be an axis \(an integer such as 1 or -1\) or None, got True$"):
        check.axis(True, "dim", "Softmax", none=True)


def test_sizes_repeats_one_size_and_checks_each_of_a_tuple():
    assert check.sizes(3, "kernel_size", count=2) == (3, 3)
    assert check.sizes(np.int64(3), "kernel_size") == (3,)
    assert check.sizes([2, np.int32(4)], "kernel_size", count=2) == (2, 4)
    assert check.sizes((4, None), "output_size", count=2, special=(None, "keep")) == (4, None)
    assert check.sizes(-1, "roi_size", special=(-1, "keep the axis")) == (-1,)
    assert check.sizes((0, 2), "padding", low=0) == (0, 2)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0, {"count": 2}, "a positive integer or a tuple of 2 of them"),
        ((2, 2, 2), {"count": 2}, "a positive integer or a tuple of 2 of them"),
        ((), {}, "a positive integer or a sequence of them"),
        ((2, True), {}, "a positive integer or a sequence of them"),
        (2.0, {}, "a positive integer or a sequence of them"),
        ("3", {}, "a positive integer or a sequence of them"),
        (
            (4, -2),
            {"special": (-1, "keep the axis")},
            r"a positive integer or a sequence of them \(-1: keep the axis\)",
        ),
        (None, {"low": 0}, "a non-negative integer or a sequence of them"),
    ],
)
def test_sizes_refuses_with_expected_and_received(value, kwargs, expected):
    with pytest.raises(ValueError, match=rf"^Crop: size must be {expected}, got {re.escape(repr(value))}$"):
        check.sizes(value, "size", "Crop", **kwargs)


def test_number_takes_infinities_only_where_allowed():
    assert check.number(math.inf, "threshold", finite=False) == math.inf
    assert check.number(-math.inf, "threshold", finite=False) == -math.inf
    with pytest.raises(ValueError, match=r"^Softplus: threshold must be a number, got nan$"):
        check.number(math.nan, "threshold", "Softplus", finite=False)
    with pytest.raises(ValueError, match=r"^x must be a number >= 0, got -inf$"):
        check.number(-math.inf, "x", low=0, finite=False)


def test_one_of_takes_any_integer_type_for_an_int_option_and_returns_the_option():
    out = check.one_of(np.int64(3), "dims", (2, 3), "UNet")
    assert out == 3 and type(out) is int
    with pytest.raises(ValueError, match=r"^UNet: dims must be one of 2, 3, got 3\.0$"):
        check.one_of(3.0, "dims", (2, 3), "UNet")
    with pytest.raises(ValueError, match=r"^UNet: dims must be one of 0, 1, got np\.False_$|got False$"):
        check.one_of(np.bool_(False), "dims", (0, 1), "UNet")
