"""Module's PyTorch habits: traversal, modes, gradients, ``to``/device calls, buffers, state
dicts (``load_state_dict`` returns the missing and unexpected keys), parameter assignment rules,
``repr`` like PyTorch's, and ``summary`` without an import cycle."""

import ast
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn.state import IncompatibleKeys, StateDictError

SRC = Path(dn.__file__).parent


def build(lib):
    """The same model written with ``lib`` = deltanet.nn or torch.nn."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(lib.Conv2d(1, 4, 3, padding=1), lib.ReLU(inplace=True), lib.MaxPool2d(2))
            self.heads = lib.ModuleDict({"cls": lib.Linear(16, 3)})
            self.blocks = lib.ModuleList([lib.LayerNorm(16), lib.GELU()])
            self.drop = lib.Dropout(0.5)

        def forward(self, x):
            return x

    return Net()


def test_repr_is_torchs():
    torch = pytest.importorskip("torch")
    assert repr(build(nn)) == repr(build(torch.nn))


def test_traversal_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = build(nn), build(torch.nn)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == []
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_shared_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert sum(1 for m in model.modules() if m is shared) == 1
    assert len(list(model.children())) == 2 and len(model.parameters()) == 2
    assert len(list(model.named_modules(remove_duplicate=False))) == 4


def test_apply_train_eval_requires_grad_zero_grad():
    model = build(nn)
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen[-1] == "Net" and "Conv2d" in seen
    assert model.eval() is model and not any(m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    with pytest.raises(ValueError, match=r"Net.train: mode must be True or False, got 'no'"):
        model.train("no")
    assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    layer = nn.Linear(2, 1)
    layer(dn.tensor(np.ones((1, 2)))).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert np.array_equal(np.asarray(layer.weight.grad), np.zeros((1, 2)))
    layer.zero_grad()
    assert layer.weight.grad is None


def test_to_takes_torch_forms_and_keeps_parameter_identity():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    assert model.to("cpu") is model and model.cpu() is model
    model.to(np.float64)
    assert model[0].weight is weight and weight.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64 and model[1].num_batches_tracked.dtype == np.int64
    model.to("cpu", np.float32)
    assert weight.dtype == np.float32
    model.to(dtype="float64", device="cpu", non_blocking=True)
    assert weight.dtype == np.float64
    model.to(dn.tensor(np.zeros(1, dtype=np.float32)))
    assert weight.dtype == np.float32
    assert model.double() is model and weight.dtype == np.float64
    assert model.float() is model and weight.dtype == np.float32


def test_to_accepts_torch_device_objects():
    torch = pytest.importorskip("torch")
    model = nn.Linear(2, 2)
    assert model.to(torch.device("cpu")) is model
    with pytest.raises(RuntimeError, match="Linear.to: deltanet has no GPU backend.*device 'cuda' cannot be used"):
        model.to(torch.device("cuda"))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m: m.to("int64"), ValueError, r"Linear.to: a model's parameters must stay floating point .*got int64"),
        (lambda m: m.to(np.int32), ValueError, r"must stay floating point \(float32 or float64\), got int32"),
        (
            lambda m: m.to("cuda"),
            RuntimeError,
            r"Linear.to: deltanet has no GPU backend: .*device 'cuda' cannot be used",
        ),
        (lambda m: m.to("cuda:0", np.float64), RuntimeError, r"device 'cuda:0' cannot be used"),
        (lambda m: m.cuda(), RuntimeError, r"Linear.cuda\(\): deltanet computes on the CPU with NumPy and has no CUDA"),
        (lambda m: m.half(), ValueError, r"float32 or float64, got float16"),
        (
            lambda m: m.to("banana"),
            ValueError,
            r"Linear.to: dtype must be a NumPy dtype such as dn.float32.*got 'banana'",
        ),
        (lambda m: m.to(np.float64, copy=True, bogus=1), TypeError, r"unexpected keyword arguments \['bogus'\]"),
        (
            lambda m: m.to(True),
            ValueError,
            r"Linear.to: the first argument must be a device, a dtype or a tensor, got True",
        ),
        (lambda m: m.to(dn.zeros(1, dtype=dn.int64)), ValueError, r"must stay floating point .*got int64"),
    ],
)
def test_to_refuses_what_it_cannot_do(call, error, message):
    model = nn.Linear(2, 2)
    with pytest.raises(error, match=message):
        call(model)
    assert model.weight.dtype == np.float32


def test_buffers_persistent_and_not():
    m = nn.Module()
    m.register_buffer("mask", np.ones(2))
    m.register_buffer("cache", dn.tensor([1.0, 2.0]), persistent=False)
    assert list(m.state_dict()) == ["mask"]
    assert [n for n, _ in m.named_buffers()] == ["mask", "cache"] and len(m.buffers()) == 2
    m.mask = np.zeros(3)  # a new array is wrapped in a Tensor and stays a buffer
    assert m.state_dict()["mask"].shape == (3,)
    m.to(np.float32)
    assert m.mask.dtype == np.float32 and m.cache.dtype == np.float32
    with pytest.raises(TypeError, match="cannot assign list as buffer 'x'"):
        m.register_buffer("x", [1.0])
    with pytest.raises(KeyError, match="buffer name must be a non-empty string without '.'"):
        m.register_buffer("a.b", np.ones(1))


def test_tensor_buffer_state_dict_and_load():
    m = nn.Module()
    m.register_buffer("scale", dn.tensor([1.0, 2.0]))
    m.load_state_dict({"scale": np.array([3.0, 4.0])})
    assert m.scale.array.tolist() == [3.0, 4.0]


def test_assigning_a_plain_tensor_to_a_parameter_is_refused_as_torch():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign Tensor as parameter 'weight' of Linear"):
        layer.weight = dn.tensor(np.zeros((2, 2)))
    layer.weight = nn.Parameter(np.zeros((2, 2), dtype=np.float32))
    assert layer.parameters()[0] is layer.weight and list(layer.state_dict()) == ["weight", "bias"]


def test_load_state_dict_returns_missing_and_unexpected_keys():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    state = model.state_dict()
    del state["1.bias"]
    state["extra"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert isinstance(result, IncompatibleKeys)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["extra"]
    assert repr(result) == "_IncompatibleKeys(missing_keys=['1.bias'], unexpected_keys=['extra'])"  # PyTorch's
    missing, unexpected = model.load_state_dict(model.state_dict())
    assert missing == [] and unexpected == []
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"  # as PyTorch
    with pytest.raises(RuntimeError, match=r"missing keys \['1.bias'\], unexpected keys \['extra'\]") as info:
        model.load_state_dict(state)
    assert isinstance(info.value, KeyError) and isinstance(info.value, StateDictError)
    with pytest.raises(RuntimeError, match="expected torch.Tensor or Tensor-like object"):
        model.load_state_dict({**model.state_dict(), "0.bias": [0.0] * 3})


def test_state_dict_prefix_and_keep_vars():
    layer = nn.Linear(2, 2)
    assert list(layer.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight  # the Parameter itself, as PyTorch


def test_get_submodule_and_parameter():
    model = build(nn)
    assert model.get_submodule("features.0") is model.features[0]
    assert model.get_parameter("heads.cls.bias") is model.heads["cls"].bias
    with pytest.raises(AttributeError, match="has no sub-module 'nope'"):
        model.get_submodule("features.nope")


def test_summary_still_works_and_module_does_not_import_summary():
    assert nn.Sequential(nn.Linear(784, 10)).summary().total_params == 7850
    tree = ast.parse((SRC / "nn" / "module.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not any(name and "summary" in name for name in imported)


@pytest.mark.parametrize("name", ["functional", "init", "utils"])
def test_torch_submodule_spellings(name):
    import importlib

    assert importlib.import_module(f"deltanet.nn.{name}") is getattr(nn, name)


def test_parameters_is_a_list_that_answers_next_as_pytorchs_generator():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert next(model.parameters()) is model[0].weight
    assert next(model.parameters()).dtype == dn.float32 and next(model.parameters()).device == dn.device("cpu")
    assert next(model.buffers()) is model[1].running_mean
    params = model.parameters()
    assert len(params) == 4 and params[1] is model[0].bias
    assert list(params) == list(params)  # a list: iterated twice, the same members
    first = next(params)
    assert first is model[0].weight
    assert [p is q for p, q in zip(params, model.parameters()[1:], strict=True)] == [True] * 3
    assert list(params) == []  # once used as an iterator, it is one: exhausted, as a generator would be
    with pytest.raises(StopIteration):
        next(params)


def test_to_accepts_deltanet_device_objects():
    model = nn.Linear(2, 2)
    assert model.to(dn.device("cpu")) is model and model.to(dn.device("cpu"), dn.float64) is model
    assert model.weight.dtype == dn.float64
    with pytest.raises(RuntimeError, match=r"Linear.to: deltanet has no GPU backend.*device 'cuda' cannot be used"):
        model.to(dn.device("cuda"))


def test_a_float64_input_to_a_float32_model_is_the_documented_difference():
    """docs/from-pytorch.md: NumPy's promotion (PyTorch refuses); nothing of the input is truncated,
    the gradients keep each parameter's dtype, and predict converts to the model's dtype."""
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = np.random.default_rng(0).standard_normal((5, 3))
    out = model(dn.tensor(x))
    w1, b1, w2, b2 = (p.array.astype(np.float64) for p in model.parameters())
    assert out.dtype == dn.float64
    np.testing.assert_allclose(out.array, np.tanh(x @ w1.T + b1) @ w2.T + b2, rtol=1e-13)
    out.sum().backward()
    assert all(p.grad.dtype == dn.float32 for p in model.parameters())
    assert dn.predict(model, x).dtype == np.float32
