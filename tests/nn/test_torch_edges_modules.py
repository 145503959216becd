"""Module containers and registration where deltanet once differed from PyTorch without saying so
(found by differential testing, tools/diff_run.py), with sorting of 0-d and empty tensors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def test_register_buffer_over_a_parameter_is_refused():
    m = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", dn.ones(1))  # it replaced the parameter silently
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("bias", nn.ReLU())
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("forward", nn.Parameter(dn.ones(1)))
    m.register_buffer("running", dn.ones(1))
    m.register_buffer("running", dn.zeros(1))  # the same kind is replaced, as in PyTorch
    assert m.running.tolist() == [0.0]


def test_sequential_is_numbered_again_after_del_and_pop():
    s = nn.Sequential(OrderedDict([("x", nn.ReLU()), ("y", nn.Tanh()), ("z", nn.ELU())]))
    del s[0]
    assert [n for n, _ in s.named_children()] == ["0", "1"]  # it kept 'y' and 'z'
    s.pop(0)
    assert [(n, type(m).__name__) for n, m in s.named_children()] == [("0", "ELU")]


def test_parameter_dict_sorts_the_keys_of_a_plain_dict():
    d = nn.ParameterDict({"b": dn.ones(1), "a": dn.ones(2)})
    assert list(d.keys()) == ["a", "b"]  # PyTorch's order, and so its state_dict's
    o = nn.ParameterDict(OrderedDict([("b", dn.ones(1)), ("a", dn.ones(2))]))
    assert list(o.keys()) == ["b", "a"]


def test_empty_containers_and_parameter():
    assert len(nn.ModuleList(None)) == 0
    p = nn.Parameter()
    assert p.shape == (0,) and p.dtype == dn.float32 and p.requires_grad


def test_containers_match_pytorch():
    torch = pytest.importorskip("torch")
    keys = []
    for lib in (torch, dn):
        s = lib.nn.Sequential(OrderedDict([("x", lib.nn.ReLU()), ("y", lib.nn.Linear(2, 2))]))
        del s[0]
        d = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(1)), "a": lib.nn.Parameter(lib.ones(2))})
        keys.append((list(s.state_dict()), list(d.state_dict()), tuple(lib.nn.Parameter().shape)))
        with pytest.raises(KeyError):
            lib.nn.Linear(2, 2).register_buffer("weight", lib.ones(1))
    assert keys[0] == keys[1]


# -- sorting a 0-d tensor, the median of nothing -------------------------------------------------
def test_sort_argsort_topk_of_a_0d_tensor():
    x = dn.tensor(3.0, requires_grad=True)
    values, indices = dn.sort(x)
    assert values.item() == 3.0 and indices.item() == 0 and indices.shape == ()
    assert dn.argsort(dn.tensor(5.0)).shape == ()
    top = dn.topk(x, 1)
    assert top.values.shape == () and top.indices.item() == 0
    (values * 2).backward()
    assert x.grad.item() == 2.0
    with pytest.raises((ValueError, IndexError)):
        dn.sort(x, dim=1)


def test_median_of_an_empty_float_tensor_is_nan():
    z = dn.median(dn.tensor([]))
    assert z.shape == () and np.isnan(z.item()) and z.dtype == dn.float32
    assert np.isnan(dn.nanmedian(dn.zeros(0, 3)).item())


def test_sorting_0d_and_median_of_empty_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        values, indices = lib.sort(lib.tensor(3.0), descending=True)
        assert (values.item(), indices.item(), tuple(indices.shape)) == (3.0, 0, ())
        assert lib.topk(lib.tensor(3.0), 1).indices.item() == 0
        assert np.isnan(lib.median(lib.tensor([])).item())
