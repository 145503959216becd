"""A NaN gradient anywhere makes the total norm of clip_grad_norm_ NaN (for every norm type)."""

import numpy as np
import pytest

import deltanet as dn


@pytest.mark.parametrize("norm_type", [float("inf"), float("-inf"), 2.0])
def test_a_nan_gradient_in_a_later_tensor_makes_the_total_norm_nan(norm_type):
    # Python's max(1.0, nan) is 1.0: the inf-norm once skipped a NaN that came after a number.
    a = dn.nn.Parameter(dn.tensor([1.0, 2.0]))
    b = dn.nn.Parameter(dn.tensor([float("nan")]))
    a.grad, b.grad = dn.tensor([1.0, 2.0]), dn.tensor([float("nan")])
    total = dn.nn.utils.clip_grad_norm_([a, b], 1.0, norm_type=norm_type)
    assert np.isnan(total.item())
    assert np.isnan(a.grad.numpy()).all()
