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
