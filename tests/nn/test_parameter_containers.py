"""ParameterList, ParameterDict and ModuleList's printing, against PyTorch."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def build(lib):
    class Stack(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib.nn.ModuleList([lib.nn.Linear(4, 4) for _ in range(3)] + [lib.nn.ReLU()])
            self.scales = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(4)) for _ in range(2)])
            self.gains = lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2)), "b": lib.zeros(3)})

        def forward(self, x):
            for layer, s in zip(self.layers, self.scales, strict=False):
                x = layer(x) * s
            return x.sum() * self.gains["a"].sum()

    return Stack()


def test_names_state_dict_and_printing_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = build(dn), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert str(ours) == str(theirs).replace("torch.float32", "float32").replace("torch.FloatTensor", "float32")
    assert str(ours.layers[:2]) == str(theirs.layers[:2])
    assert str(nn.ModuleList()) == str(torch.nn.ModuleList())


def test_gradients_reach_the_parameters():
    model = build(dn)
    model(dn.tensor(np.ones((2, 4), dtype=np.float32))).backward()
    assert all(p.grad is not None for p in model.scales)
    assert model.gains["a"].grad is not None and model.gains["b"].grad is None
    assert sum(p.numel() for p in model.parameters()) == 3 * 20 + 8 + 5


def test_list_operations():
    pl = nn.ParameterList([dn.ones(2)])
    assert isinstance(pl[0], nn.Parameter) and pl[0].requires_grad
    pl += [dn.zeros(3)]
    pl.extend([dn.zeros(1)])
    pl[-1] = nn.Parameter(dn.ones(5))
    assert len(pl) == 3 and [p.shape for p in pl] == [(2,), (3,), (5,)]
    assert isinstance(pl[1:], nn.ParameterList) and len(pl[1:]) == 2
    with pytest.raises(IndexError, match="index 3 is out of range for a ParameterList of 3"):
        pl[3]
    with pytest.raises(TypeError, match="ParameterList holds tensors"):
        pl.append([1.0, 2.0])
    with pytest.raises(TypeError, match="got a single tensor"):
        pl.extend(dn.ones(2))


def test_dict_operations():
    pd = nn.ParameterDict([("w", dn.ones(2))])
    pd.update({"b": dn.zeros(1)})
    assert "w" in pd and len(pd) == 2 and list(pd) == ["w", "b"]
    assert pd.pop("w").shape == (2,) and pd.keys() == ["b"] and pd.get("w") is None
    del pd["b"]
    assert len(pd) == 0 and list(pd.state_dict()) == []
    with pytest.raises(KeyError, match="would hide the method"):
        pd["keys"] = dn.ones(1)
    with pytest.raises(KeyError, match="without '.'"):
        pd["a.b"] = dn.ones(1)
