"""Learning-rate schedulers take the arguments PyTorch takes and give its rates with them.

PyTorch checks few scheduler arguments: a fractional or negative ``step_size``, ``gamma=0``, a
negative ``eta_min``, ``total_iters=0``, a negative ``patience`` ... all give a schedule there, and
the same schedule here. Refused here: NaN and infinities, and the arguments whose first step
divides by zero in PyTorch (``StepLR(o, 0)``, ``CosineAnnealingLR(o, 0)``, ...).
"""

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import lr_scheduler

ACCEPTED = [
    "StepLR(o, 2.5)",
    "StepLR(o, -1)",
    "StepLR(o, 2, gamma=0)",
    "StepLR(o, 2, gamma=-0.5)",
    "StepLR(o, 2, gamma=1.5)",
    "MultiStepLR(o, [-1, 2])",
    "MultiStepLR(o, [2.5, 3])",
    "MultiStepLR(o, [3], gamma=0)",
    "ExponentialLR(o, 0)",
    "ExponentialLR(o, -0.5)",
    "CosineAnnealingLR(o, -2)",
    "CosineAnnealingLR(o, 2.5)",
    "CosineAnnealingLR(o, 3, eta_min=-0.1)",
    "CosineAnnealingWarmRestarts(o, 2, eta_min=-1)",
    "ConstantLR(o, total_iters=-1)",
    "ConstantLR(o, total_iters=2.5)",
    "LinearLR(o, total_iters=0)",
    "LinearLR(o, total_iters=-1)",
    "LinearLR(o, total_iters=2.5)",
    "PolynomialLR(o, total_iters=0)",
    "PolynomialLR(o, total_iters=2.5)",
    "PolynomialLR(o, total_iters=2.5, power=-0.5)",
    "ReduceLROnPlateau(o, factor=-0.5, patience=0)",
    "ReduceLROnPlateau(o, patience=-1)",
    "ReduceLROnPlateau(o, patience=1.5)",
    "ReduceLROnPlateau(o, patience=0, threshold=-1)",
    "ReduceLROnPlateau(o, patience=0, cooldown=-1)",
    "ReduceLROnPlateau(o, patience=0, min_lr=-1)",
    "ReduceLROnPlateau(o, patience=0, eps=-1)",
    "CyclicLR(o, 0.01, 0.1, step_size_up=2.5)",
    "CyclicLR(o, 0.01, 0.1, step_size_up=-1)",
    "CyclicLR(o, 0.01, 0.1, step_size_down=0)",
    "CyclicLR(o, -0.1, 0.1)",
    "CyclicLR(o, 0.01, 0.1, mode='exp_range', gamma=-1)",
    "OneCycleLR(o, -1.0, total_steps=10)",
    "OneCycleLR(o, 1.0, total_steps=10, div_factor=-1)",
    "OneCycleLR(o, 1.0, total_steps=10, final_div_factor=-2)",
]


def _rates(lib, expression, steps=8):
    p = lib.nn.Parameter(lib.ones(2))
    o = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    s = eval(expression, {"o": o}, vars(lib.optim.lr_scheduler))
    rates = []
    for i in range(steps):
        o.step()
        s.step(1.0 + (i % 2)) if "Plateau" in expression else s.step()
        rates.append(o.param_groups[0]["lr"])
    return rates


@pytest.mark.parametrize("expression", ACCEPTED)
def test_edge_arguments_give_torch_rates(expression):
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(_rates(dn, expression), _rates(torch, expression), rtol=1e-12, atol=1e-15)


def test_fractional_step_size_and_zero_gamma():
    # epoch % 2.5 is 0 at epoch 5 only (of 1..7): one decay.
    assert _rates(dn, "StepLR(o, 2.5)", 7) == pytest.approx([0.1] * 4 + [0.01] * 3)
    assert _rates(dn, "ExponentialLR(o, 0)", 3) == [0.0, 0.0, 0.0]
    # A negative step_size divides every epoch: a decay at every step.
    assert _rates(dn, "StepLR(o, -1, gamma=0.5)", 3) == pytest.approx([0.05, 0.025, 0.0125])


def test_negative_patience_reduces_every_step():
    assert _rates(dn, "ReduceLROnPlateau(o, patience=-1, factor=0.5)", 3) == pytest.approx([0.05, 0.025, 0.0125])


REFUSED = [
    ("StepLR(o, 0)", "step_size must not be 0"),
    ("CosineAnnealingLR(o, 0)", "T_max must not be 0"),
    ("ConstantLR(o, factor=0)", "factor must be a number in"),
    ("CyclicLR(o, 0.01, 0.1, step_size_up=0)", "must not be 0"),
    ("OneCycleLR(o, 1.0, total_steps=10, div_factor=0)", "div_factor must not be 0"),
    ("OneCycleLR(o, 1.0, total_steps=10, pct_start=0)", "pct_start must be a float"),
    ("StepLR(o, 2, gamma=float('nan'))", "gamma must be a finite number"),
    ("ExponentialLR(o, math.inf)", "gamma must be a finite number"),
]


@pytest.mark.parametrize("expression, message", REFUSED)
def test_refused_arguments(expression, message):
    o = dn.optim.SGD([dn.nn.Parameter(dn.ones(2))], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=message):
        eval(expression, {"o": o, "math": math}, vars(lr_scheduler))


@pytest.mark.parametrize("expression, message", REFUSED[:6])
def test_torch_cannot_step_with_the_refused_arguments(expression, message):
    torch = pytest.importorskip("torch")
    with pytest.raises((ZeroDivisionError, ValueError)):
        _rates(torch, expression, 8)
