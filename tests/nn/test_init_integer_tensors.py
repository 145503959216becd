"""The random ``nn.init`` functions refuse an integer tensor as PyTorch does (NumPy wrote the draws
truncated: mostly zeros); ``constant_`` still fills one."""

from __future__ import annotations

import pytest

import deltanet as dn
from deltanet.nn import init

RANDOM = [
    init.uniform_,
    init.normal_,
    init.trunc_normal_,
    init.xavier_uniform_,
    init.xavier_normal_,
    init.kaiming_uniform_,
    init.kaiming_normal_,
    init.orthogonal_,
]


@pytest.mark.parametrize("fill", RANDOM)
def test_random_fills_refuse_integers(fill):
    with pytest.raises(NotImplementedError, match="int64"):
        fill(dn.zeros(3, 4, dtype=dn.int64))


def test_constant_fills_integers():
    assert init.constant_(dn.zeros(2, dtype=dn.int64), 3).tolist() == [3, 3]


@pytest.mark.parametrize("name", ["uniform_", "normal_", "xavier_uniform_", "kaiming_normal_"])
def test_torch_refuses_too(name):
    torch = pytest.importorskip("torch")
    with pytest.raises((NotImplementedError, RuntimeError)):
        getattr(torch.nn.init, name)(torch.zeros(3, 4, dtype=torch.int64))
