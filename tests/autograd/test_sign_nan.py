"""sign(NaN) is 0, and so is the gradient that |x|, the L1 losses and the 1- and inf-norms send
to a NaN (PyTorch's values; NumPy's sign gives NaN)."""

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn import functional as F

NAN = math.nan

# expression -> gradient at x = [NaN, 1, -2] (float64), PyTorch's values written down
GRADIENTS = {
    "x.abs().sum()": [0.0, 1.0, -1.0],
    "x.norm(1)": [0.0, 1.0, -1.0],
    "dn.linalg.vector_norm(x, 1)": [0.0, 1.0, -1.0],
    "x.norm(float('inf'))": [0.0, 0.0, -0.0],
    "dn.linalg.vector_norm(x, float('-inf'))": [0.0, 0.0, -0.0],
    "F.l1_loss(x, dn.zeros(3, dtype=dn.float64))": [0.0, 1 / 3, -1 / 3],
    "F.smooth_l1_loss(x, dn.zeros(3, dtype=dn.float64), beta=0.0)": [0.0, 1 / 3, -1 / 3],
    "F.smooth_l1_loss(x, dn.zeros(3, dtype=dn.float64))": [NAN, 1 / 3, -1 / 3],
    "x.norm(3)": [NAN, NAN, NAN],
}


def _same_signs(got, expected):
    """The sign bits agree (-0.0 is not 0.0), except at NaN, whose sign bit has no meaning."""
    expected = np.asarray(expected)
    number = ~np.isnan(expected)
    np.testing.assert_array_equal(np.signbit(got)[number], np.signbit(expected)[number])


def test_sign_of_nan_is_zero_and_bools_are_their_own_sign():
    assert dn.sign(dn.tensor([NAN, -0.0, 0.0, -3.0, math.inf])).tolist() == [0.0, 0.0, 0.0, -1.0, 1.0]
    assert dn.tensor([NAN]).sign().tolist() == [0.0]
    assert dn.tensor(NAN).sign().item() == 0.0 and dn.tensor(-2.0).sign().item() == -1.0  # 0-d
    signs = dn.sign(dn.tensor([True, False]))
    assert signs.dtype == dn.bool and signs.tolist() == [True, False]
    assert dn.sign(dn.tensor([3, -2, 0], dtype=dn.int8)).dtype == dn.int8


@pytest.mark.parametrize("expression", GRADIENTS)
def test_gradient_at_nan(expression):
    x = dn.tensor([NAN, 1.0, -2.0], dtype=dn.float64, requires_grad=True)
    with np.errstate(all="raise"):  # no RuntimeWarning on the way either
        eval(expression, {"dn": dn, "F": F, "x": x}).backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), GRADIENTS[expression])
    _same_signs(x.grad.detach().numpy(), GRADIENTS[expression])


def test_inf_norm_shares_its_gradient_among_ties():
    x = dn.tensor([[3.0, -3.0, 1.0], [0.5, -2.0, NAN]], dtype=dn.float64, requires_grad=True)
    z = x.norm(float("inf"), dim=1)
    z.sum().backward()
    np.testing.assert_array_equal(z.detach().numpy(), [3.0, NAN])
    np.testing.assert_array_equal(x.grad.detach().numpy(), [[0.5, -0.5, 0.0], [0.0, -0.0, 0.0]])
    assert dn.gradcheck(
        lambda t: t.norm(float("-inf"), dim=0),
        (dn.tensor([[3.0, -1.0], [0.5, 2.0]], dtype=dn.float64, requires_grad=True),),
    )


@pytest.mark.parametrize("expression", GRADIENTS)
def test_gradient_at_nan_equals_torch(expression):
    torch = pytest.importorskip("torch")
    x = torch.tensor([NAN, 1.0, -2.0], dtype=torch.float64, requires_grad=True)
    texpr = expression.replace("dn.", "torch.").replace("dtype=torch.float64", "dtype=torch.float64")
    eval(texpr, {"torch": torch, "F": torch.nn.functional, "x": x}).backward()
    expected = x.grad.detach().numpy()
    np.testing.assert_array_equal(expected, GRADIENTS[expression])
    _same_signs(expected, GRADIENTS[expression])
    assert torch.sign(torch.tensor([NAN])).item() == 0.0
