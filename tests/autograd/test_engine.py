"""The reverse-mode engine: ordering, accumulation, graph freeing, no_grad, and its errors."""

import gc
import weakref

import numpy as np
import pytest

import deltanet as dn


def test_shared_subexpression_receives_summed_gradient():
    x = dn.tensor(np.array([2.0]), requires_grad=True)
    y = x * x  # used twice below
    z = y * y + y  # z = x^4 + x^2, dz/dx = 4x^3 + 2x = 36
    z.backward()
    np.testing.assert_allclose(x.grad, [36.0])


def test_leaf_gradients_accumulate_across_backward_calls():
    x = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_add_of_two_leaves_does_not_alias_their_gradients():
    a = dn.tensor(np.ones(3), requires_grad=True)
    b = dn.tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1  # must not change b.grad
    np.testing.assert_array_equal(b.grad, np.ones(3))
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full(3, 3.0))
    np.testing.assert_array_equal(b.grad, np.full(3, 2.0))


def test_explicit_output_gradient_is_not_aliased():
    x = dn.tensor(np.ones(3), requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0])
    (x + 0).backward(seed)
    x.grad *= 10
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])


def test_deep_chain_does_not_hit_recursion_limit():
    x = dn.tensor(np.array([0.5]), requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0])


def test_backward_needs_scalar_or_grad():
    x = dn.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar output"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"grad has shape \(2,\), expected the output's \(3,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_without_grad_requirement_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dn.tensor([1.0]).sum().backward()


def test_graph_is_freed_and_second_backward_explains():
    x = dn.tensor(np.ones(2), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_saved_arrays_are_released_after_backward():
    x = dn.tensor(np.ones(1000), requires_grad=True)
    h = x.tanh()
    ref = weakref.ref(h._ctx)
    h.sum().backward()
    assert h._ctx.saved_tensors is None and h._ctx.parents is None
    del h
    gc.collect()
    assert ref() is None


def test_no_grad_records_nothing_and_restores():
    w = dn.tensor(np.ones(2), requires_grad=True)
    with dn.no_grad():
        y = w * 2
        assert not dn.is_grad_enabled()
        with dn.enable_grad():
            assert (w * 2).requires_grad
    assert dn.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_no_grad_restores_after_exception():
    with pytest.raises(KeyError):
        with dn.no_grad():
            raise KeyError
    assert dn.is_grad_enabled()


def test_only_inputs_that_need_grad_get_one():
    x = dn.tensor(np.ones((2, 3)))
    w = dn.tensor(np.ones((3, 4)), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 2.0))


def test_detach_cuts_the_graph():
    x = dn.tensor(np.array([3.0]), requires_grad=True)
    y = x * x
    z = y.detach() * x
    z.backward()
    np.testing.assert_array_equal(x.grad, [9.0])  # y treated as a constant


def test_ndarray_on_the_left_uses_tensor_operators():
    x = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, dn.Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
