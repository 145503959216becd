"""Custom Functions (PyTorch's form) whose forward returns several outputs: one gradient per output.

The "Extending PyTorch" docs and research code return `values, idx` (a sort, a top-k) or two
differentiable results from one `forward`; `backward(ctx, *grad_outputs)` then receives zeros for an
output that got no gradient (None after `ctx.set_materialize_grads(False)`). Before, deltanet refused
every tuple returned by `forward` with NotImplementedError.
"""

import numpy as np
import pytest

import deltanet as dn


def make_functions(lib):
    class SortValues(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return values, idx

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad_values, grad_idx):
            x, idx = ctx.saved_tensors
            ctx.seen = grad_idx
            grad_x = lib.zeros_like(x)
            grad_x.index_add_(0, idx, grad_values)
            return grad_x

    class SquareAndCube(lib.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * x, x * x * x * k, "note"

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g_square, g_cube, g_note):
            (x,) = ctx.saved_tensors
            ctx.received = (g_square, g_cube, g_note)
            return g_square * 2 * x + g_cube * 3 * x * x * ctx.k, None

    class Lazy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.nones = (g1 is None, g2 is None)
            grad = lib.zeros_like(g1 if g1 is not None else g2)
            if g1 is not None:
                grad = grad + g1
            if g2 is not None:
                grad = grad + 10 * g2
            return grad

    return SortValues, SquareAndCube, Lazy


def test_sorted_values_pass_their_gradient_and_the_indices_none():
    SortValues, _, _ = make_functions(dn)
    x = dn.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortValues.apply(x)
    assert [type(f).__name__ for f, _ in values.grad_fn.next_functions] == ["AccumulateGrad"]  # x, as PyTorch's
    (values * dn.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert values.tolist() == [1.0, 2.0, 3.0] and idx.tolist() == [1, 2, 0]
    assert values.requires_grad and not idx.requires_grad
    assert x.grad.tolist() == [3.0, 1.0, 2.0]  # x[1] got weight 1, x[2] weight 2, x[0] weight 3
    assert type(values.grad_fn).__name__ == "SortValuesBackward"


def test_both_outputs_used_and_non_tensor_outputs_returned_as_they_are():
    _, SquareAndCube, _ = make_functions(dn)
    x_np = np.array([0.5, -1.5, 2.0])
    x = dn.tensor(x_np, requires_grad=True)
    square, cube, note = SquareAndCube.apply(x, 2.0)
    assert note == "note"
    (square.sum() + (cube * cube).sum()).backward()
    expected = 2 * x_np + 2 * (2 * x_np**3) * 3 * x_np**2 * 2.0  # NumPy reference
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_an_unused_output_gets_zeros_or_none_without_materialize():
    SortValues, SquareAndCube, Lazy = make_functions(dn)
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    square, cube, _ = SquareAndCube.apply(x, 1.0)
    square.sum().backward()
    g_square, g_cube, g_note = cube.grad_fn.received  # the ctx's attribute, read through grad_fn
    assert g_square.tolist() == [1.0, 1.0] and g_cube.tolist() == [0.0, 0.0] and g_note is None
    assert x.grad.tolist() == [2.0, 4.0]
    a, b = Lazy.apply(x)
    b.sum().backward()
    assert x.grad.tolist() == [12.0, 14.0]


def test_no_graph_without_a_gradient_and_retain_graph_twice():
    _, SquareAndCube, _ = make_functions(dn)
    square, cube, _ = SquareAndCube.apply(dn.tensor([1.0, 2.0]), 1.0)
    assert not square.requires_grad and not cube.requires_grad and square.grad_fn is None
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    with dn.no_grad():
        square, _, _ = SquareAndCube.apply(x, 1.0)
    assert not square.requires_grad
    square, cube, _ = SquareAndCube.apply(x, 1.0)
    loss = square.sum() + cube.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (2 * np.array([1.0, 2.0]) + 3 * np.array([1.0, 4.0])))


def test_gradcheck_of_a_function_of_two_outputs():
    _, SquareAndCube, _ = make_functions(dn)
    x = dn.tensor([0.3, -0.7, 1.1], dtype=dn.float64, requires_grad=True)

    def combined(v):
        square, cube, _ = SquareAndCube.apply(v, 0.5)
        return square * 3 + cube

    assert dn.autograd.gradcheck(combined, (x,), eps=1e-6, atol=1e-6)


def test_several_outputs_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        SortValues, SquareAndCube, Lazy = make_functions(lib)
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        values, idx = SortValues.apply(x)
        (values * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads = [x.grad.tolist(), values.grad_fn.seen.tolist(), str(values.grad_fn.seen.dtype).replace("torch.", "")]
        x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
        square, cube, note = SquareAndCube.apply(x, 2.0)
        square.sum().backward()
        grads += [x.grad.tolist(), note, [g is None for g in square.grad_fn.received]]
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = Lazy.apply(x)
        b.sum().backward()
        grads += [x.grad.tolist(), list(a.grad_fn.nones), idx.requires_grad]
        if lib is torch:
            expected = grads
    assert grads == expected
