"""A leaf and an inner node that receive the same delta array (``x + y`` hands both inputs one
array) keep separate gradients: before, the leaf's ``.grad`` owned the array and a later ``+=``
into it changed the inner node's delta too, so ``(a + b) + a`` gave ``b.grad == 2``."""

import numpy as np
import pytest

import deltanet as dn

CASES = [
    ("(a + b) + a", lambda a, b, c: (a + b) + a),
    ("a + (a + b)", lambda a, b, c: a + (a + b)),
    ("(a + b) + (a + b)", lambda a, b, c: (a + b) + (a + b)),
    ("(a + b * c) + (a + b * c)", lambda a, b, c: (a + b * c) + (a + b * c)),
    ("a + (a + (a + b))", lambda a, b, c: a + (a + (a + b))),
    ("addcdiv + addcmul", lambda a, b, c: dn.addcdiv(a, b, c + 3, value=0.5) + dn.addcmul(a, b, c, value=2)),
]


@pytest.mark.parametrize("name, f", CASES, ids=[c[0] for c in CASES])
def test_backward_equals_autograd_grad_and_gradcheck(name, f):
    rng = np.random.default_rng(0)
    leaves = [dn.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True) for _ in range(3)]
    expected = dn.autograd.grad(f(*leaves).sum(), leaves, allow_unused=True)
    f(*leaves).sum().backward()
    for leaf, g in zip(leaves, expected, strict=True):
        if g is None:
            assert leaf.grad is None
        else:
            np.testing.assert_allclose(leaf.grad.numpy(), g.numpy(), rtol=1e-15)
    assert dn.gradcheck(f, leaves)


def test_the_simplest_case_by_hand():
    a = dn.tensor([1.0, 2.0], requires_grad=True)
    b = dn.tensor([3.0, 4.0], requires_grad=True)
    ((a + b) + a).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [1.0, 1.0]
