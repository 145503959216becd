"""Details of the autograd API a ported training script uses, as PyTorch has them (hunt8):
``backward(inputs=[z])`` of a tensor that retains its gradient, ``inference_mode(False)`` inside
``no_grad``, ``detach_()`` of a view, and ``jacobian``'s forward-mode strategy."""

import numpy as np
import pytest

import deltanet as dn


def test_backward_inputs_of_a_retained_non_leaf_counts_once():
    x = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = dn.tensor([0.5, -1.0, 2.0])
    z = x * 2
    z.retain_grad()
    (z * y).sum().backward(inputs=[z])
    np.testing.assert_array_equal(z.grad.array, [0.5, -1.0, 2.0])
    assert x.grad is None


def test_inference_mode_false_switches_recording_on():
    x = dn.ones(2, requires_grad=True)
    with dn.no_grad():
        with dn.inference_mode(False):
            assert dn.is_grad_enabled() and (x * 2).requires_grad
        assert not dn.is_grad_enabled()
    with dn.inference_mode():
        with dn.inference_mode(False):
            assert (x * 2).requires_grad

    @dn.inference_mode(False)
    def f(a):
        return a * 2

    with dn.no_grad():
        assert f(x).requires_grad


def test_detach_in_place_of_a_view_raises():
    x = dn.ones(3, requires_grad=True)
    for view in (x[0:2], (x * 2)[1:], x.view(3), x.detach()[0:2]):
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            view.detach_()
    z = x * 2
    assert z.detach_() is z and not z.requires_grad and z.is_leaf
    assert not x.detach().detach_().requires_grad


def test_jacobian_forward_mode_needs_vectorize():
    x = dn.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        dn.autograd.functional.jacobian(lambda a: a**2, x, strategy="forward-mode")
    j = dn.autograd.functional.jacobian(lambda a: a**2, x, strategy="forward-mode", vectorize=True)
    np.testing.assert_array_equal(j.array, [[2.0, 0.0], [0.0, 4.0]])


CASES = [
    "z=x*2; z.retain_grad(); (z*y).sum().backward(inputs=[z]); r=(z.grad, x.grad)",
    "z=x*2; z.retain_grad(); (z*y).sum().backward(inputs=[z, x]); r=(z.grad, x.grad)",
    "with t.no_grad():\n    with t.inference_mode(False): z=x*2\nr=z.requires_grad",
    "z=x[0:2]\ntry:\n    z.detach_(); r='ok'\nexcept RuntimeError: r='raised'",
    "z=x*2; z.detach_(); r=(z.requires_grad, z.is_leaf)",
    "try:\n    t.autograd.functional.jacobian(lambda a: a**2, x, strategy='forward-mode'); r='ok'\n"
    "except NotImplementedError: r='raised'",
]


@pytest.mark.parametrize("code", CASES)
def test_matches_torch(code):
    torch = pytest.importorskip("torch")

    def run(lib):
        ns = {"t": lib, "x": lib.tensor([1.0, 2.0, 3.0], requires_grad=True), "y": lib.tensor([0.5, -1.0, 2.0])}
        exec(code, ns)
        r = ns["r"]
        if isinstance(r, tuple):
            return tuple(None if v is None else v.detach().numpy().tolist() if hasattr(v, "detach") else v for v in r)
        return r

    assert run(dn) == run(torch)


def test_post_accumulate_grad_hook():
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.array.copy()))
    x.register_hook(lambda g: g * 3)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(seen, [[6.0, 6.0], [12.0, 12.0]])
    dn.autograd.grad((x * 2).sum(), x)  # autograd.grad accumulates nothing: no call
    assert len(seen) == 2
    handle.remove()
    (x * 2).sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dn.ones(2).register_post_accumulate_grad_hook(lambda p: None)


def test_post_accumulate_grad_hook_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.detach().numpy().tolist()))
        (x * x).sum().backward()
        (x * 2).sum().backward()
        return seen

    assert run(dn) == run(torch)


def test_vjp_takes_v_as_a_tuple_of_one():
    x = dn.tensor([1.0, 2.0, 3.0])
    out, (g,) = dn.autograd.functional.vjp(lambda a: a**2, (x,), (dn.ones(3),))
    np.testing.assert_array_equal(g.array, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(out.array, [1.0, 4.0, 9.0])
