"""PyTorch's rules for custom ``Function`` outputs (marked or integer outputs need no grad) and for
``autograd.grad``'s options (``is_grads_batched``, ``materialize_grads``, empty ``inputs``), and
tensor hooks that change the gradient's type."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd.function import once_differentiable


class Argmax(dn.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a.argmax()

    @staticmethod
    def backward(ctx, g):
        return None


class Marked(dn.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        out = a * 2
        ctx.mark_non_differentiable(out)
        return out

    @staticmethod
    def backward(ctx, g):
        return g


class Five(dn.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        return g * 5


def _x():
    return dn.tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_integer_and_marked_outputs_need_no_grad():
    x = _x()
    r = Argmax.apply(x)
    assert not r.requires_grad and r.grad_fn is None and r.item() == 2
    m = Marked.apply(x)
    assert not m.requires_grad and m.grad_fn is None
    with pytest.raises(RuntimeError):
        m.sum().backward()


def test_once_differentiable():
    x = _x()
    Five.apply(x).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


def test_grad_batched_rows():
    x, y = _x(), dn.tensor([0.5, -1.0, 2.0], requires_grad=True)
    gx, gy = dn.autograd.grad(x * y, [x, y], grad_outputs=dn.eye(3), is_grads_batched=True)
    np.testing.assert_array_equal(gx.numpy(), np.diag([0.5, -1.0, 2.0]))
    np.testing.assert_array_equal(gy.numpy(), np.diag([1.0, 2.0, 3.0]))
    gx, gy = dn.autograd.grad(x * 2, [x, y], grad_outputs=dn.eye(3), is_grads_batched=True, materialize_grads=True)
    assert gx.shape == (3, 3) and gy.tolist() == [0.0, 0.0, 0.0]


def test_grad_option_errors():
    x = _x()
    with pytest.raises(ValueError, match="allow_unused"):
        dn.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        dn.autograd.grad((x * 2).sum(), [])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        (x * 2).sum().backward(inputs=[x.detach()])


def test_hooks_must_keep_the_type():
    x = _x()
    w = x * 2
    w.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match="changed the type"):
        w.sum().backward()
    w = x * 2
    w.register_hook(lambda g: 5)
    with pytest.raises(TypeError, match="hook returned 'int'"):
        w.sum().backward()


def test_matches_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        grads = lib.autograd.grad(
            [x * y, x * 2], [x, y], grad_outputs=[lib.eye(3), 2 * lib.eye(3)], is_grads_batched=True
        )
        results.append([g.numpy() for g in grads])
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, theirs)
