"""``load_state_dict``: values must be tensors or arrays (PyTorch's error for a list), and
``assign=True`` makes the module hold the given values, as PyTorch's."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def _linear_state(lib, dtype=None):
    return {"weight": lib.ones(1, 2, dtype=dtype), "bias": lib.zeros(1, dtype=dtype)}


# -- NumPy-only ----------------------------------------------------------------------------------
def test_a_list_or_a_number_is_refused_with_pytorchs_error_and_nothing_changes():
    layer = nn.Linear(2, 1)
    before = layer.weight.tolist()
    with pytest.raises(
        RuntimeError, match=r'parameter named "weight", expected torch.Tensor .* received <class .list.>'
    ):
        layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r'"bias", expected torch.Tensor .* received <class .float.>'):
        layer.load_state_dict({"weight": np.ones((1, 2)), "bias": 0.5})
    assert layer.weight.tolist() == before
    layer.load_state_dict({"weight": np.ones((1, 2)), "bias": np.float32(2.0).reshape(1)})
    assert layer.weight.tolist() == [[1.0, 1.0]] and layer.bias.tolist() == [2.0]


def test_assign_holds_the_given_tensors():
    layer = nn.Linear(2, 1)
    state = {"weight": dn.ones(1, 2), "bias": dn.zeros(1, dtype=dn.float64)}
    old_weight = layer.weight
    result = layer.load_state_dict(state, assign=True)
    assert repr(result) == "<All keys matched successfully>"
    assert isinstance(layer.weight, nn.Parameter) and layer.weight is not old_weight
    assert layer.weight.requires_grad and not state["weight"].requires_grad
    assert np.shares_memory(layer.weight.array, state["weight"].array)
    assert layer.bias.dtype == dn.float64  # the value's dtype, as PyTorch's
    assert [p is q for p, q in zip(layer.parameters(), (layer.weight, layer.bias), strict=True)] == [True, True]


def test_assign_keeps_requires_grad_and_takes_a_parameter_itself():
    layer = nn.Linear(2, 1)
    layer.weight.requires_grad_(False)
    given = nn.Parameter(np.ones((1, 2), dtype=np.float32))
    layer.load_state_dict({"weight": given, "bias": dn.zeros(1)}, assign=True)
    assert layer.weight is given and given.requires_grad is False


def test_assign_sets_buffers_to_the_tensors_given():
    norm = nn.BatchNorm1d(2)
    mean, count = dn.full((2,), 3.0), dn.tensor(5)
    state = {**norm.state_dict(), "running_mean": mean, "num_batches_tracked": count, "running_var": np.ones(2)}
    norm.load_state_dict(state, assign=True)
    assert norm.running_mean is mean and norm.num_batches_tracked is count
    assert np.shares_memory(norm.running_var.array, state["running_var"])


def test_assign_checks_everything_before_changing_anything():
    layer = nn.Linear(2, 1)
    weight, bias = layer.weight, layer.bias
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict({"weight": dn.ones(2, 2), "bias": dn.zeros(1)}, assign=True)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        layer.load_state_dict({"bias": dn.zeros(1), "weight": dn.ones(1, 2, dtype=dn.int64)}, assign=True)
    with pytest.raises(RuntimeError, match="missing keys"):
        layer.load_state_dict({"weight": dn.ones(1, 2)}, assign=True)
    assert layer.weight is weight and layer.bias is bias
    layer.load_state_dict({"weight": dn.ones(1, 2)}, assign=True, strict=False)
    assert layer.bias is bias and layer.weight is not weight


def test_assign_then_train_updates_the_given_memory():
    layer = nn.Linear(2, 1)
    state = _linear_state(dn)
    layer.load_state_dict(state, assign=True)
    optimizer = dn.optim.SGD(layer.parameters(), lr=0.5)
    layer(dn.ones(1, 2)).sum().backward()
    optimizer.step()
    assert state["weight"].tolist() == [[0.5, 0.5]] and state["bias"].tolist() == [-0.5]


# -- against PyTorch ------------------------------------------------------------------------------
def test_a_list_raises_pytorchs_message():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (dn, torch):
        layer = (nn if lib is dn else torch.nn).Linear(2, 1)
        with pytest.raises(RuntimeError) as caught:
            layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": [0.5]})
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_assign_matches_pytorch():
    torch = pytest.importorskip("torch")
    facts = []
    for lib, module in ((dn, nn), (torch, torch.nn)):
        layer = module.Linear(2, 1)
        state = _linear_state(lib, dtype=lib.float64)
        layer.load_state_dict(state, assign=True)
        given = module.Parameter(lib.ones(1, 2), requires_grad=False)
        frozen = module.Linear(2, 1)
        frozen.load_state_dict({"weight": given}, assign=True, strict=False)
        facts.append(
            (
                type(layer.weight).__name__,
                layer.weight is state["weight"],
                layer.weight.requires_grad,
                str(layer.weight.dtype).rsplit(".", 1)[-1],
                frozen.weight is given,
                frozen.weight.requires_grad,
            )
        )
    assert facts[0] == facts[1]


def test_assign_from_a_pytorch_state_dict_shares_its_memory():
    torch = pytest.importorskip("torch")
    source = torch.nn.Linear(2, 1)
    layer = nn.Linear(2, 1)
    layer.load_state_dict(source.state_dict(), assign=True)
    with torch.no_grad():
        source.weight.fill_(4.0)
    assert layer.weight.tolist() == [[4.0, 4.0]]
