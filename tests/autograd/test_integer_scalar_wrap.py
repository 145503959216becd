"""A Python int beside an integer tensor is cast into the tensor's dtype, wrapping, as PyTorch does:
``uint8 < -1`` compares with 255, ``uint8 + 300`` adds 44, ``clamp(min=-1)`` of uint8 is 255."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn

U8 = [0, 5, 200, 255]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (lambda a: a < -1, [True, True, True, False]),
        (lambda a: a == -1, [False, False, False, True]),
        (lambda a: a >= 256, [True, True, True, True]),
        (lambda a: a <= 300, [True, True, False, False]),
        (lambda a: -1 < a, [False, False, False, False]),
        (lambda a: a.eq(np.int64(-56)), [False, False, True, False]),
        (lambda a: a < dn.tensor(-1), [True, True, True, False]),
    ],
)
def test_uint8_compared_with_an_out_of_range_int_wraps_it(expr, expected):
    assert expr(dn.tensor(U8, dtype=dn.uint8)).tolist() == expected


def test_arithmetic_and_clamp_wrap_the_number():
    a = dn.tensor(U8, dtype=dn.uint8)
    assert (a + (-1)).tolist() == [255, 4, 199, 254]
    assert (a * 300).tolist() == [0, 220, 96, 212]
    assert a.clamp(min=-1).tolist() == [255, 255, 255, 255]
    with pytest.raises(RuntimeError, match="without overflow"):
        a.clamp(max=300)
    with pytest.raises(OverflowError, match="too big"):
        dn.tensor([1, 2]) == 2**64  # noqa: B015


def test_float32_compared_with_a_0d_float64_tensor_in_float32():
    assert (dn.tensor([0.1, 0.2]) == dn.tensor(0.1, dtype=dn.float64)).tolist() == [True, False]


EXPRESSIONS = [
    "a < -1",
    "a > -5",
    "a == 256",
    "a != 300",
    "a <= 1000",
    "a.clamp(min=-1)",
    "a.clamp(-5, 255)",
    "a + (-1)",
    "a * 300",
    "a // -3",
    "a.remainder(-3)",
    "a.masked_fill(a > 100, -1)",
    "t.where(a < -1, a, 0)",
    "b < 200",
    "b == 128",
    "c == 2**32",
    "d < 2**63",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_matches_torch(expr):
    torch = pytest.importorskip("torch")
    results = []
    for t in (torch, dn):
        env = {
            "t": t,
            "a": t.tensor(U8, dtype=t.uint8),
            "b": t.tensor([-128, 0, 5, 127], dtype=t.int8),
            "c": t.tensor([0, 1, 5], dtype=t.int32),
            "d": t.tensor([0, 1, 5]),
        }
        out = eval(expr, env)  # noqa: S307 - fixed expressions of this file
        results.append((np.asarray(out).tolist(), str(out.dtype).replace("torch.", "")))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: dn.tensor([-1, 5], dtype=dn.uint8), [255, 5]),
        (lambda: dn.tensor([-255], dtype=dn.uint8), [1]),
        (lambda: dn.full((2,), -1, dtype=dn.uint8), [255, 255]),
        (lambda: dn.full((1,), -129, dtype=dn.uint8), [127]),
    ],
)
def test_a_negative_int_wraps_into_an_unsigned_dtype_that_holds_its_magnitude(make, expected):
    assert make().tolist() == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: dn.tensor([-256], dtype=dn.uint8),
        lambda: dn.tensor([300], dtype=dn.uint8),
        lambda: dn.tensor([128], dtype=dn.int8),
        lambda: dn.full((2,), 256, dtype=dn.uint8),
        lambda: dn.full((2,), -129, dtype=dn.int8),
    ],
)
def test_other_out_of_range_ints_raise_as_in_pytorch(make):
    with pytest.raises(RuntimeError, match="without overflow"):
        make()


def test_integer_tensor_compared_with_a_float_in_the_default_float_dtype():
    a = dn.tensor([16777217, 3])  # 2**24 + 1 is 2**24 in float32
    assert (a == 16777216.0).tolist() == [True, False]
    assert (a > 16777216.0).tolist() == [False, False]
    assert dn.ne(a, 16777216.0).tolist() == [False, True]


@pytest.mark.parametrize("expr", ["a == 16777216.0", "a > 16777216.0", "a <= 16777216.5", "t.eq(a, 16777216.0)"])
def test_float_comparisons_match_torch(expr):
    torch = pytest.importorskip("torch")
    got = [eval(expr, {"t": t, "a": t.tensor([16777217, 3])}).tolist() for t in (torch, dn)]  # noqa: S307
    assert got[0] == got[1]
