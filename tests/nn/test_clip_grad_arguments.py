"""PyTorch's arguments of the clipping functions: norms of order 0 (count) and below 0, bounds given
as tensors, ``clip_value=inf``; an integer vector is refused by ``vector_to_parameters``."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm, vector_to_parameters

GRADS = ([3.0, 0.0, -4.0], [[0.0, 0.0], [0.0, 0.0]], [0.5])


def _params(lib):
    params = []
    for g in GRADS:
        p = lib.nn.Parameter(lib.zeros(np.shape(g)))
        p.grad = lib.tensor(g)
        params.append(p)
    return params


def test_orders_zero_and_negative():
    grads = [dn.tensor(g) for g in GRADS]
    assert get_total_norm(grads, norm_type=0).item() == 2.0  # two tensors have a nonzero norm
    got = get_total_norm([dn.tensor([3.0, -4.0])], norm_type=-1).item()
    assert got == pytest.approx(1 / (1 / 3 + 1 / 4))


def test_bounds_as_tensors_and_infinite_clip_value():
    params = _params(dn)
    clip_grad_value_(params, dn.tensor(1.0))
    assert params[0].grad.tolist() == [1.0, 0.0, -1.0]
    clip_grad_value_(params, float("inf"))
    assert params[0].grad.tolist() == [1.0, 0.0, -1.0]
    total = clip_grad_norm_(params, dn.tensor([0.5]))
    assert total.item() == pytest.approx(np.sqrt(2.25))


def test_integer_vector_is_refused():
    with pytest.raises(RuntimeError, match="floating-point"):
        vector_to_parameters(dn.arange(3), dn.nn.Linear(2, 1).parameters())


@pytest.mark.parametrize("norm_type", [0, -1, -2.5, float("-inf"), "inf", 3])
def test_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        params = _params(lib)
        total = lib.nn.utils.clip_grad_norm_(params, lib.tensor(1.0), norm_type=norm_type)
        results.append([float(total)] + [p.grad.numpy().copy() for p in params])
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    for ours, theirs in zip(results[1][1:], results[0][1:], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
