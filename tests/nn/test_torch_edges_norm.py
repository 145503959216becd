"""Normalization layers where deltanet once differed from PyTorch without saying so (found by
differential testing, tools/hunt4): batch norm of an empty batch, evaluation after the running
statistics were removed, and instance norm whose num_features is unused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_running_statistics():
    m = nn.BatchNorm1d(3)
    x = dn.zeros(0, 3, requires_grad=True)
    y = m(x)  # it refused: "Expected more than 1 value per channel"
    assert y.shape == (0, 3)
    assert m.running_mean.tolist() == [0.0] * 3 and m.running_var.tolist() == [1.0] * 3
    assert int(m.num_batches_tracked) == 1  # PyTorch counts the batch
    y.sum().backward()
    assert x.grad.shape == (0, 3) and m.weight.grad.tolist() == [0.0] * 3
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        m(dn.zeros(1, 3, 1))


def test_batch_norm_without_running_statistics_normalizes_with_the_batch_in_eval():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    m = nn.BatchNorm1d(2).double()
    m.running_mean = None
    m.running_var = None  # PyTorch's way to evaluate with batch statistics; it raised AttributeError
    m.eval()
    z = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(m(dn.tensor(x)).detach().numpy(), z, rtol=1e-12)
    m = nn.BatchNorm1d(2)
    m.running_var = None
    m.eval()
    with pytest.raises(ValueError, match="both running_mean and running_var, or neither"):
        m(dn.tensor(x).float())


def test_batch_norm_without_a_counter_uses_momentum_or_zero():
    m = nn.BatchNorm1d(1, momentum=None)
    m.num_batches_tracked = None
    m(dn.tensor([[2.0], [4.0]]))
    assert m.running_mean.tolist() == [0.0]  # PyTorch's factor 0.0: nothing to average with


def test_instance_norm_without_affine_warns_when_the_channels_differ():
    x = np.arange(10.0).reshape(1, 2, 5)
    with pytest.warns(UserWarning, match="do not match num_features=3"):
        y = nn.InstanceNorm1d(3)(dn.tensor(x))  # it refused the input
    z = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), z, rtol=1e-12)
    with pytest.raises(ValueError, match="expected an input of shape"):
        nn.InstanceNorm1d(3, affine=True)(dn.tensor(x))


def test_norm_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    out = []
    for lib in (torch, dn):
        m = lib.nn.BatchNorm1d(3).double()
        m(lib.tensor(x))
        m.running_mean = None
        m.running_var = None
        m.eval()
        e = lib.nn.BatchNorm2d(3).double()
        empty = e(lib.zeros(2, 3, 0, 2, dtype=lib.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            i = lib.nn.InstanceNorm1d(5)(lib.tensor(x[None]))
        out.append(
            (m(lib.tensor(x)).detach().numpy(), tuple(empty.shape), int(e.num_batches_tracked), i.detach().numpy())
        )
    for a, b in zip(*out, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_group_norm_refuses_one_value_per_group_as_pytorch():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.GroupNorm(4, 4)(dn.ones(1, 4))  # it returned the bias
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        dn.nn.functional.group_norm(dn.ones(1, 1, 1), 1)
    # PyTorch's test counts (N * C / groups) * spatial, so two samples of one value each pass
    np.testing.assert_allclose(nn.GroupNorm(1, 1)(dn.ones(2, 1)).detach().numpy(), 0.0)


def test_group_norm_refusal_matches_pytorch():
    torch = pytest.importorskip("torch")
    for shape, groups in (((1, 4), 4), ((1, 1, 1), 1), ((2, 1), 1), ((1, 4, 1), 2)):
        outcomes = []
        for lib in (torch, dn):
            try:
                outcomes.append(lib.nn.functional.group_norm(lib.ones(*shape), groups).detach().numpy())
            except ValueError:
                outcomes.append("refused")
        if isinstance(outcomes[0], str):
            assert outcomes[1] == "refused"
        else:
            np.testing.assert_allclose(outcomes[1], outcomes[0])
