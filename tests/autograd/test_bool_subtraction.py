"""Subtraction with a bool operand and negation of a bool tensor are refused, with PyTorch's
messages (NumPy would compute ``1 - True`` as 0 and name itself in the error of ``-mask``)."""

import pytest

import deltanet as dn

ONE_BOOL = "Subtraction, the `-` operator, with a bool tensor is not supported"
TWO_BOOLS = "Subtraction, the `-` operator, with two bool tensors is not supported"
NEGATION = "Negation, the `-` operator, on a bool tensor is not supported"

CASES = {
    "i - b": ONE_BOOL,
    "b - i": ONE_BOOL,
    "f - b": ONE_BOOL,
    "b - f": ONE_BOOL,
    "b - 1": ONE_BOOL,
    "1 - b": ONE_BOOL,
    "b - 1.5": ONE_BOOL,
    "i - True": ONE_BOOL,
    "f - True": ONE_BOOL,
    "b - b": TWO_BOOLS,
    "b - True": TWO_BOOLS,
    "True - b": TWO_BOOLS,
    "lib.sub(i, b)": ONE_BOOL,
    "lib.rsub(b, i)": ONE_BOOL,
    "i.subtract(b)": ONE_BOOL,
    "i.sub_(b)": ONE_BOOL,
    "-b": NEGATION,
    "b.neg()": NEGATION,
    "lib.neg(b)": NEGATION,
    "b.negative_()": NEGATION,
}


def _names(lib):
    return {
        "lib": lib,
        "b": lib.tensor([True, False]),
        "i": lib.tensor([1, 2]),
        "f": lib.tensor([1.0, 2.0]),
    }


@pytest.mark.parametrize("expression", CASES)
def test_refused_with_pytorchs_message(expression):
    with pytest.raises(RuntimeError, match=CASES[expression].replace("`", ".")):
        eval(expression, _names(dn))


@pytest.mark.parametrize("expression", CASES)
def test_torch_refuses_the_same(expression):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=CASES[expression].replace("`", ".")):
        eval(expression, _names(torch))


def test_what_stays_allowed():
    names = _names(dn)
    assert eval("b + b", names).tolist() == [True, False]
    assert eval("b + 1", names).tolist() == [2, 1]
    assert eval("i - 1", names).tolist() == [0, 1]
    assert eval("~b", names).tolist() == [False, True]
    assert eval("-i", names).tolist() == [-1, -2]
