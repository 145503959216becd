"""Deep sigmoid vs ReLU/He: the sigmoid stack's first-layer gradient is orders of magnitude smaller."""

from itertools import pairwise

import numpy as np
import pytest

pytest.importorskip("sklearn")

from deltanet.examples import vanishing_gradients as vg  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return vg.run(quick=True, verbose=0)


def test_first_layer_gradient_vanishes_for_sigmoid(result):
    sigmoid, relu = result["sigmoid, default init"]["norms"], result["ReLU, He init"]["norms"]
    assert len(sigmoid) == len(relu) == vg.DEPTH + 1
    assert sigmoid[0] / relu[0] < 1e-4  # about 1e-9 here
    assert all(a < b for a, b in pairwise(sigmoid))  # shrinks at every layer towards the input
    assert sigmoid[0] / sigmoid[-1] < 1e-6
    assert max(relu) / min(relu) < 10  # ReLU with He keeps the gradient's size through the depth


def test_each_sigmoid_layer_shrinks_the_gradient_by_at_least_the_derivative_bound(result):
    norms = np.array(result["sigmoid, default init"]["norms"])
    ratios = norms[1:-1] / norms[:-2]  # layer l+1 over layer l among the hidden layers
    assert (ratios > 4).all()  # σ' ≤ 1/4 and |w| < 1: a factor 4 or more per layer


def test_only_relu_learns(result):
    assert result["ReLU, He init"]["accuracy"][-1] > 0.7
    assert result["sigmoid, default init"]["accuracy"][-1] < 0.2
