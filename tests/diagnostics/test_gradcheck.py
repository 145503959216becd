import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd import Function


class WrongSquare(Function):
    """x² with a deliberately wrong derivative (x instead of 2x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, delta):
        (x,) = self.saved_tensors
        return delta * x


def test_gradcheck_catches_a_wrong_rule():
    x = dn.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    with pytest.raises(dn.diagnostics.GradcheckError, match="input 0 .* backward gives"):
        dn.gradcheck(WrongSquare.apply, [x])
    assert dn.gradcheck(WrongSquare.apply, [x], raise_exception=False) is False


def test_gradcheck_passes_a_right_rule_and_checks_inputs():
    x = dn.tensor(np.array([0.5, -1.5]), requires_grad=True)
    assert dn.gradcheck(lambda t: t * t, [x])
    with pytest.raises(ValueError, match="float64"):
        dn.gradcheck(lambda t: t * t, [dn.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad=True"):
        dn.gradcheck(lambda t: t * t, [dn.tensor(np.ones(2))])


def test_gradcheck_leaves_the_inputs_grad_as_it_found_it():
    """It read its gradients from .grad and left them there: a backward() after the check added
    to them (PyTorch's gradcheck leaves .grad untouched)."""
    a = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert dn.gradcheck(lambda x: (x * x).sum(), [a])
    assert a.grad is None
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    assert dn.gradcheck(lambda x: (x * x).sum(), [a])
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    with pytest.raises(dn.diagnostics.GradcheckError):
        dn.gradcheck(lambda x: dn.tensor(x.data**2).sum() + 0 * x.sum(), [a])
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
