"""Item assignment, in-place writes and dtype rules where deltanet once gave another result than
PyTorch without saying so (found by differential testing, tools/diff_run.py): each test states
PyTorch's answer, and checks it against PyTorch where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltanet as dn


# -- a list index that holds sequences is a tuple of indices -------------------------------------
def test_list_of_lists_index_is_a_tuple_as_in_pytorch():
    x = dn.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        z = x[[[0, 1], [1, 2]]]  # x[[0, 1], [1, 2]]: NumPy now reads one (2, 2) array of rows
    assert z.tolist() == [1.0, 5.0]
    with pytest.warns(UserWarning):
        assert x[[[0, 1]]].shape == (2, 3)  # x[[0, 1]], not (1, 2, 3)
    with pytest.warns(UserWarning):
        assert x[[0, slice(None)]].tolist() == [0.0, 1.0, 2.0]
    with pytest.warns(UserWarning):
        x[[[0, 1], [1, 2]]] = -1.0
    assert x.tolist() == [[0.0, -1.0, 2.0], [3.0, 4.0, -1.0]]
    assert x[[0, 1]].shape == (2, 3)  # a list of integers stays positions


def test_list_of_lists_index_matches_pytorch():
    torch = pytest.importorskip("torch")
    for index in ([[0, 1], [1, 2]], [[0, 1]], [0, slice(1, None)], [[1], [0, 2]], [0, None]):
        with pytest.warns(UserWarning):
            ours = dn.arange(6.0).reshape(2, 3)[index]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PyTorch's own deprecation warning
            theirs = torch.arange(6.0).reshape(2, 3)[index]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# -- a Python number that does not fit the dtype -------------------------------------------------
@pytest.mark.parametrize(
    "write",
    [
        lambda x: x.__setitem__(1, 300),
        lambda x: x.fill_(300),
        lambda x: x.fill_(-256),
        lambda x: x.fill_(-0.5),
        lambda x: x.masked_fill_(dn.tensor([True, False, True]), 300),
        lambda x: x.masked_fill(dn.tensor([True, False, True]), 1000),
        lambda x: x.index_fill_(0, dn.tensor([1]), 300),
    ],
)
def test_number_outside_uint8_is_refused(write):
    x = dn.zeros(3, dtype=dn.uint8)
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8 without overflow"):
        write(x)  # it wrapped: 300 was stored as 44
    assert x.tolist() == [0, 0, 0]


def test_number_outside_the_range_of_other_dtypes_is_refused():
    with pytest.raises(RuntimeError, match="float32"):
        dn.zeros(3).fill_(1e40)  # it was inf
    with pytest.raises(RuntimeError, match="float32"):
        dn.full((2,), 1e40)
    with pytest.raises(RuntimeError, match="int64"):
        dn.zeros(3, dtype=dn.int64)[1] = float("nan")  # it was the smallest int64
    with pytest.raises(RuntimeError, match="int32"):
        dn.zeros(3, dtype=dn.int32).fill_(2**31)
    with pytest.raises(RuntimeError, match="int8"):
        dn.full((2,), 200, dtype=dn.int8)


def test_numbers_that_fit_are_written_as_pytorch():
    x = dn.zeros(4, dtype=dn.uint8)
    x[0] = -1  # a negative integer wraps into an unsigned dtype that holds its magnitude
    x[1] = 2.9  # a float is truncated
    x[2] = 255
    assert x.tolist() == [255, 2, 255, 0]
    y = dn.zeros(3)
    y.fill_(float("inf"))
    assert y.tolist() == [float("inf")] * 3
    assert dn.zeros(2, dtype=dn.bool).fill_(300).tolist() == [True, True]
    assert dn.full((2,), -128, dtype=dn.int8).tolist() == [-128, -128]


def test_number_range_checks_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [("uint8", 300), ("uint8", -1), ("uint8", -256), ("int8", -128.9), ("int8", 127.0), ("int32", 2**31),
             ("float32", 1e40), ("float32", float("inf")), ("int64", float("nan")), ("bool", 300)]  # fmt: skip
    for dtype, value in cases:
        outcomes = []
        for lib in (torch, dn):
            x = lib.zeros(2, dtype=getattr(lib, dtype))
            try:
                outcomes.append(x.fill_(value).tolist())
            except RuntimeError:
                outcomes.append("refused")
        assert outcomes[0] == outcomes[1], (dtype, value, outcomes)


# -- index_add_ and index_copy_ ------------------------------------------------------------------
def test_index_add_of_integers_truncates_a_float_alpha():
    z = dn.zeros(5, dtype=dn.long).index_add(0, dn.tensor([0, 0, 4]), dn.tensor([1, 2, 3]), alpha=2.5)
    assert z.tolist() == [6, 0, 0, 0, 6]  # alpha 2; it was 7 (1 * 2.5 + 2 * 2.5, truncated once)
    w = dn.zeros(5, dtype=dn.long)
    w.index_add_(0, dn.tensor([1]), dn.tensor([3]), alpha=-1.5)
    assert w.tolist() == [0, -3, 0, 0, 0]


def test_index_copy_refuses_a_negative_position():
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        dn.zeros(5).index_copy(0, dn.tensor([-1]), dn.tensor([1.0]))  # it wrote into the last element
    assert dn.zeros(5).index_fill(0, dn.tensor([-1]), 3.0).tolist() == [0.0, 0.0, 0.0, 0.0, 3.0]  # index_fill may


def test_index_add_and_copy_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        z = lib.zeros(5, dtype=lib.long).index_add(0, lib.tensor([0, 0, 4]), lib.tensor([1, 2, 3]), alpha=2.5)
        assert z.tolist() == [6, 0, 0, 0, 6]
        with pytest.raises(IndexError):
            lib.zeros(5).index_copy(0, lib.tensor([-1]), lib.tensor([1.0]))


# -- dtype rules of operators --------------------------------------------------------------------
@pytest.mark.parametrize(
    "subtract",
    [
        lambda a, m: m - 1,
        lambda a, m: 1 - m,
        lambda a, m: a - True,
        lambda a, m: True - a,
        lambda a, m: a - m,
        lambda a, m: dn.sub(a, m),
        lambda a, m: dn.rsub(m, 2),
        lambda a, m: a.clone().sub_(m),
    ],
)
def test_subtraction_with_bool_is_refused(subtract):
    a, m = dn.tensor([1.0, 2.0]), dn.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is not supported"):
        subtract(a, m)


def test_subtraction_with_bool_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        with pytest.raises(RuntimeError, match="Subtraction"):
            lib.tensor([3, -7]) - True
        assert (lib.tensor([3, -7]) + True).tolist() == [4, -6]  # addition is allowed


def test_integers_to_negative_integer_tensor_powers():
    base = dn.tensor([2, -1, 1, 0, -1, 5])
    exponent = dn.tensor([-1, -3, -2, -1, -2, 2])
    assert (base**exponent).tolist() == [0, -1, 1, 0, 1, 25]  # NumPy raised a ValueError
    assert (2 ** dn.tensor([-1, 2])).tolist() == [0, 4]
    assert (dn.tensor([2, 3], dtype=dn.int32) ** dn.tensor(-1)).dtype == dn.int32
    with pytest.raises(ValueError, match="negative integer powers"):
        dn.tensor([2, 3]) ** -1  # a number exponent is refused, as by PyTorch


def test_integer_powers_match_pytorch():
    torch = pytest.importorskip("torch")
    b, e = [2, -1, 1, 0, -1, 5, -2, 3], [-1, -3, -2, -1, -2, 2, -5, 0]
    for dtype in ("int8", "int32", "int64"):
        ours = dn.tensor(b, dtype=getattr(dn, dtype)) ** dn.tensor(e)
        theirs = torch.tensor(b, dtype=getattr(torch, dtype)) ** torch.tensor(e)
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_bitwise_with_a_0d_tensor_keeps_the_dimensioned_dtype():
    a = dn.tensor([3, -7, 0, 5], dtype=dn.int32)
    for z in (a | dn.tensor(2), a & dn.tensor(2), a ^ dn.tensor(2)):
        assert z.dtype == dn.int32  # NumPy's rule gave int64
    assert (a | dn.tensor(2)).tolist() == [3, -5, 2, 7]
    assert (dn.tensor([1, 2], dtype=dn.int8) & dn.tensor([3, 3], dtype=dn.int32)).dtype == dn.int32


def test_bitwise_dtypes_match_pytorch():
    torch = pytest.importorskip("torch")
    for left, right in (("int32", "int64"), ("uint8", "int8"), ("int16", "int32")):
        for zero_d in (True, False):
            shape = () if zero_d else (2,)
            ours = dn.ones(2, dtype=getattr(dn, left)) | dn.ones(shape, dtype=getattr(dn, right))
            theirs = torch.ones(2, dtype=getattr(torch, left)) | torch.ones(shape, dtype=getattr(torch, right))
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
