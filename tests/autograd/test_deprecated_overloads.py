"""PyTorch's deprecated scalar-first in-place updates (``p.data.add_(-lr, d_p)``), which the
optimizers of PyTorch 1.x were written in: the same values, with PyTorch's warning."""

import numpy as np
import pytest

import deltanet as dn


def _old_adam(lib, steps=4, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """PyTorch 1.3's Adam.step, line for line in its in-place calls, on a small least-squares problem."""
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    p = lib.tensor(np.zeros(3), requires_grad=True)
    exp_avg, exp_avg_sq = lib.zeros(3, dtype=lib.float64), lib.zeros(3, dtype=lib.float64)
    for step in range(1, steps + 1):
        p.grad = None
        ((lib.tensor(A) @ p - lib.tensor(b)) ** 2).sum().backward()
        grad = p.grad.data
        exp_avg.mul_(beta1).add_(1 - beta1, grad)
        exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)
        denom = exp_avg_sq.sqrt().add_(eps)
        step_size = lr * (1 - beta2**step) ** 0.5 / (1 - beta1**step)
        p.data.addcdiv_(-step_size, exp_avg, denom)
        p.data.sub_(lr * 0.1, p.data)  # an L2 decay written in the same style
    return np.array(p.detach().numpy())


def test_old_style_adam_gives_the_values_written_down():
    with pytest.warns(UserWarning) as record:
        w = _old_adam(dn, steps=1)
    names = ("add_", "addcmul_", "addcdiv_", "sub_")
    assert {str(r.message).split(":")[0] for r in record} == {f"This overload of {n} is deprecated" for n in names}
    # step 1: exp_avg = 0.1 g, exp_avg_sq = 0.001 g^2, so the step is lr * sign(g) (eps aside)
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    g = 2 * A.T @ (A @ np.zeros(3) - b)
    expected = -0.01 * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8) * (1 - 0.999) ** 0.5 / (1 - 0.9)
    np.testing.assert_allclose(w, expected * (1 - 0.001), rtol=1e-12)


def test_each_deprecated_form_warns_as_pytorch_and_computes_the_current_one():
    g = dn.tensor([1.0, 2.0])
    cases = [
        ("add_", (-0.1, g), {"alpha": -0.1}, (g,)),
        ("sub_", (2, g), {"alpha": 2}, (g,)),
        ("addcmul_", (0.5, g, g), {"value": 0.5}, (g, g)),
        ("addcdiv_", (0.5, g, g + 1), {"value": 0.5}, (g, g + 1)),
    ]
    for name, old, keyword, new in cases:
        x, y = dn.ones(2), dn.ones(2)
        with pytest.warns(UserWarning, match=rf"This overload of {name} is deprecated:\n\t{name}\(Number"):
            getattr(x, name)(*old)
        getattr(y, name)(*new, **keyword)
        np.testing.assert_array_equal(x.array, y.array)


def test_other_extra_arguments_are_refused_naming_both_signatures():
    x, g = dn.ones(2), dn.tensor([1.0, 2.0])
    with pytest.raises(
        TypeError, match=r"add_\(\) takes \(Tensor other, \*, Number alpha=1\), or PyTorch's deprecated"
    ):
        x.add_(g, 2)
    with pytest.raises(TypeError, match="and alpha=2"):
        x.add_(0.5, g, alpha=2)
    with pytest.raises(TypeError, match="got 4 positional arguments"):
        x.addcmul_(0.5, g, g, g)
    np.testing.assert_array_equal(x.array, [1.0, 1.0])  # nothing written


def test_old_style_adam_equals_pytorch():
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning):
        ours = _old_adam(dn)
    with pytest.warns(UserWarning):
        theirs = _old_adam(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
