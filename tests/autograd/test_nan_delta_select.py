"""A NaN or infinite delta arriving at an input that lost (``maximum``/``minimum``) or is not the
maximum (``x.max()``) gives it 0, as PyTorch's backward selects rather than multiplies by a 0/1
mask (a product gave NaN there)."""

import numpy as np
import pytest

import deltanet as dn

X = np.array([[-1.0, 2.0, 0.5, -3.0], [4.0, -0.5, 1.5, 0.0]])
DELTA = np.array([[np.nan, np.inf, -np.inf, np.nan], [np.inf, np.nan, np.nan, -np.inf]])
NAN, INF = np.nan, np.inf

# name: (function of a tensor, PyTorch's gradient for the delta above, written down)
CASES = {
    "maximum": (
        lambda lib, t: lib.maximum(t, lib.zeros(2, 4, dtype=lib.float64)),
        [[0, INF, -INF, 0], [INF, 0, NAN, -INF]],
    ),
    "minimum": (
        lambda lib, t: lib.minimum(t, lib.zeros(2, 4, dtype=lib.float64)),
        [[NAN, 0, 0, NAN], [0, NAN, 0, -INF]],
    ),
    "max of all": (lambda lib, t: t.max().reshape(1, 1).repeat(2, 4), [[0, 0, 0, 0], [NAN, 0, 0, 0]]),
    "min of all": (lambda lib, t: t.min().reshape(1, 1).repeat(2, 4), [[0, 0, 0, NAN], [0, 0, 0, 0]]),
}


def _gradient(lib, f):
    a = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    f(lib, a).backward(lib.tensor(DELTA, dtype=lib.float64))
    return np.asarray(a.grad.tolist())


@pytest.mark.parametrize("name", list(CASES))
def test_an_input_that_is_not_chosen_gets_zero_from_a_non_finite_delta(name):
    f, expected = CASES[name]
    with np.errstate(invalid="raise"):  # no inf * 0 on the way
        np.testing.assert_array_equal(_gradient(dn, f), np.array(expected, dtype=float))


def test_finite_deltas_are_split_as_before():
    a, b = dn.tensor([1.0, 2.0, 3.0], requires_grad=True), dn.tensor([2.0, 2.0, 1.0], requires_grad=True)
    dn.maximum(a, b).backward(dn.tensor([1.0, 4.0, 8.0]))
    assert a.grad.tolist() == [0.0, 2.0, 8.0] and b.grad.tolist() == [1.0, 2.0, 0.0]
    x = dn.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward(dn.tensor(4.0))
    assert x.grad.tolist() == [2.0, 0.0, 2.0]


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_equal_pytorchs(name):
    torch = pytest.importorskip("torch")
    f = CASES[name][0]
    np.testing.assert_array_equal(_gradient(dn, f), _gradient(torch, f))
