"""Backward rules that PyTorch writes as a ``where`` (found by differential testing, tools/hunt4):
a clamped value or a flat piece of an activation passes no gradient back, even an infinite or NaN one."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet.distributions import Dirichlet

CASES = [
    ("clamp_min", lambda lib, x: x.clamp(min=0.0)),
    ("clamp", lambda lib, x: x.clamp(0.0, 1.0)),
    ("hardtanh", lambda lib, x: lib.nn.functional.hardtanh(x)),
    ("relu6", lambda lib, x: lib.nn.functional.relu6(x)),
    ("threshold", lambda lib, x: lib.nn.functional.threshold(x, 0.6, 0.0)),
    ("hardshrink", lambda lib, x: lib.nn.functional.hardshrink(x, 0.6)),
    ("softshrink", lambda lib, x: lib.nn.functional.softshrink(x, 0.6)),
    ("hardsigmoid", lambda lib, x: lib.nn.functional.hardsigmoid(4 * x)),
    ("hardswish", lambda lib, x: lib.nn.functional.hardswish(4 * x)),
]


def test_sqrt_of_a_clamp_has_a_zero_gradient_where_clamped():
    x = dn.tensor([-1.0, 0.25, 4.0], requires_grad=True)
    x.clamp(min=0.0).sqrt().sum().backward()  # sqrt's 1/(2*0) = inf times the clamp's 0 was NaN
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 0.25])
    y = dn.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    F.hardtanh(y).backward(dn.tensor([math.nan, 1.0, math.inf]))
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 1.0, 0.0])


def test_dirichlet_mode_has_a_finite_gradient_below_one():
    c = dn.tensor([[0.5, 0.7, 0.6], [2.0, 3.0, 4.0]], requires_grad=True)
    Dirichlet(c).mode.sum().backward()  # the vertex of the first row is a constant
    assert np.isfinite(c.grad.numpy()).all()
    np.testing.assert_allclose(c.grad.numpy()[0], 0.0)


@pytest.mark.parametrize("name, op", CASES)
def test_gated_gradients_match_pytorch(name, op):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (torch, dn):
        x = lib.tensor([-1.0, 0.5, 2.0, 0.7], requires_grad=True)
        op(lib, x).backward(lib.tensor([math.nan, math.inf, -math.inf, 2.0]))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
