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


def test_no_delta_is_copied_where_no_two_tensors_share_it(monkeypatch):
    """The engine copies a delta only when a leaf and a function would share it. The ids it keeps
    for that must not outlive the arrays: a freed delta's id is soon reused by a new array, which
    was then copied for nothing (3.8 % more instructions in a LeNet-5 step)."""
    from deltanet.autograd import engine

    copies = []

    class CountingNumPy:
        def __getattr__(self, name):
            return getattr(np, name)

        def array(self, *args, **kwargs):
            if isinstance(args[0], np.ndarray) and args[0].base is None:  # a view is copied to be owned
                copies.append(args[0].shape)
            return np.array(*args, **kwargs)

    monkeypatch.setattr(engine, "np", CountingNumPy())
    rng = np.random.default_rng(0)
    w = [dn.tensor(rng.normal(size=(8, 8)), requires_grad=True) for _ in range(20)]
    for _ in range(3):
        a = dn.tensor(rng.normal(size=(4, 8)))
        for W in w:  # new deltas are made while earlier ones are freed
            a = (a @ W).tanh() * 1.5 + 0.1
        a.sum().backward()
    assert copies == []


def test_a_gradient_is_laid_out_as_its_tensor():
    """PyTorch's gradient layout contract: the gradient of a C-contiguous leaf is C-contiguous, so
    that ``p.grad.view(-1)`` works (the gradient of W in ``W.T @ X`` comes back transposed)."""
    rng = np.random.default_rng(0)
    W = dn.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    X = dn.tensor(rng.normal(size=(3, 5)))
    (W.T @ X).sum().backward()
    assert W.grad.array.flags.c_contiguous
    np.testing.assert_allclose(W.grad.view(-1).numpy(), np.repeat(X.numpy().sum(axis=1), 4))
