"""Sequential, ModuleList and ModuleDict behave as PyTorch's: indexing, slicing, append, extend,
insert, pop, del (with the positional names renumbered), named layers, state_dict keys; and they
survive dn.save/dn.load."""

from collections import OrderedDict

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

torch = pytest.importorskip("torch")


def _names(container):
    return [n for n, _ in container.named_children()]


def _same_ops(ours, theirs):
    """Apply the same list operations to both and compare names and layer types after each."""
    for op in (
        lambda c, lib: c.append(lib.ReLU()),
        lambda c, lib: c.extend([lib.Tanh(), lib.Sigmoid()]),
        lambda c, lib: c.insert(1, lib.Identity()),
        lambda c, lib: c.__delitem__(0),
        lambda c, lib: c.__delitem__(slice(1, 3)),
        lambda c, lib: c.__setitem__(-1, lib.SiLU()),
        lambda c, lib: c.pop(0),
    ):
        op(ours, nn)
        op(theirs, torch.nn)
        assert _names(ours) == _names(theirs)
        assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]


def test_module_list_operations_match_torch():
    ours = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU()])
    _same_ops(ours, theirs)
    assert len(ours) == len(theirs)
    assert isinstance(ours[1:], nn.ModuleList) and len(ours[1:]) == len(theirs[1:])
    ours += [nn.ReLU()]
    assert len(ours) == len(theirs) + 1 and isinstance(ours + nn.ModuleList([nn.ReLU()]), nn.ModuleList)


def test_sequential_operations_match_torch():
    ours = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    _same_ops(ours, theirs)


def test_sequential_from_an_ordered_dict_keeps_names_and_slices_keep_them():
    layers = [("fc1", nn.Linear(4, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 2))]
    model = nn.Sequential(OrderedDict(layers))
    theirs = torch.nn.Sequential(
        OrderedDict([("fc1", torch.nn.Linear(4, 3)), ("act", torch.nn.ReLU()), ("fc2", torch.nn.Linear(3, 2))])
    )
    assert list(model.state_dict()) == list(theirs.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert model[0] is layers[0][1] and model[-1] is layers[2][1]
    assert _names(model[1:]) == _names(theirs[1:]) == ["act", "fc2"]
    numbered = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    torch_numbered = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2))
    assert list(numbered[1:].state_dict()) == list(torch_numbered[1:].state_dict()) == ["2.weight", "2.bias"]
    assert model(dn.tensor(np.ones((1, 4)))).shape == (1, 2)


def test_module_dict_matches_torch():
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "act": torch.nn.ReLU()})
    ours["dec"] = nn.Linear(3, 2)
    theirs["dec"] = torch.nn.Linear(3, 2)
    del ours["act"], theirs["act"]
    assert list(ours) == list(theirs) == ours.keys() and "enc" in ours and "act" not in ours
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.update([("act", nn.Tanh())])
    assert ours.keys() == ["enc", "dec", "act"] and isinstance(ours.pop("act"), nn.Tanh) and len(ours) == 2
    ours.clear()
    assert len(ours) == 0 and not ours.parameters()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: nn.ModuleList([nn.ReLU]),
            TypeError,
            r"ModuleList takes Module instances, got type \(did you pass a class",
        ),
        (lambda: nn.ModuleList().extend(nn.ReLU()), TypeError, r"takes an iterable of modules, got a single Module"),
        (lambda: nn.ModuleList([nn.ReLU()])[3], IndexError, r"index 3 is out of range for a ModuleList of 1 modules"),
        (lambda: nn.Sequential(nn.ReLU())["0"], TypeError, r"Sequential indices must be integers or slices, got str"),
        (lambda: nn.ModuleDict({"a.b": nn.ReLU()}), KeyError, r"module name must be a non-empty string without '.'"),
        (lambda: nn.ModuleDict([1, 2]), TypeError, r"ModuleDict.update takes a mapping or \(name, module\) pairs"),
        (lambda: nn.Sequential(OrderedDict([(1, nn.ReLU())])), TypeError, r"module names must be strings"),
    ],
)
def test_bad_use(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_named_sequential_and_module_dict_round_trip(tmp_path):
    model = nn.Sequential(
        OrderedDict(
            [
                ("body", nn.Sequential(nn.Linear(3, 4), nn.ReLU())),
                ("heads", nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 1)})),
            ]
        )
    )
    path = tmp_path / "m.dnet"
    dn.save(model, path)
    loaded = dn.load(path)
    assert repr(loaded) == repr(model) and list(loaded.state_dict()) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert np.array_equal(loaded.state_dict()[key], value)


def test_sequential_arithmetic_as_pytorch():
    a, b = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU()), nn.Sequential(nn.Tanh())
    joined = a + b
    assert [type(m).__name__ for m in joined] == ["Linear", "ReLU", "Tanh"] and joined[0] is a[0]
    twice = a * 2
    assert len(twice) == 4 and twice[0] is twice[2] and len(2 * a) == 4  # the same modules, shared weights
    a += b
    assert len(a) == 3 and a[2] is b[0]
    with pytest.raises(ValueError, match=r"Sequential \+ : the other operand must be a Sequential, got list"):
        a + [nn.ReLU()]
    with pytest.raises(ValueError, match=r"Sequential \* : the number of repeats must be a positive integer, got 0"):
        a * 0


def test_module_type_and_get_name():
    m = nn.Linear(2, 1)
    assert m.type(dn.float64) is m and m.weight.dtype == dn.float64 and m._get_name() == "Linear"
