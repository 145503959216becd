"""Module, Parameter, Sequential and Linear: registration, state_dict with PyTorch keys, modes."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def mlp():
    return nn.Sequential(nn.Linear(4, 16), nn.Sigmoid(), nn.Linear(16, 3))


def test_named_parameters_and_state_dict_keys_are_pytorchs():
    model = mlp()
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sd["0.weight"].shape == (16, 4) and sd["2.bias"].shape == (3,)


def test_state_dict_shares_memory_and_round_trips():
    model = mlp()
    sd = model.state_dict()
    sd["0.weight"][...] = 7  # as in PyTorch: the values are the model's memory, not copies
    assert np.all(model[0].weight.array == 7)
    other = mlp()
    other.load_state_dict(model.state_dict())
    for (_, a), (_, b) in zip(model.named_parameters(), other.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.array, b.array)


def test_load_state_dict_updates_in_place():
    model = mlp()
    w = model[0].weight.array
    model.load_state_dict({k: np.zeros_like(v) for k, v in model.state_dict().items()})
    assert model[0].weight.array is w and not w.any()


def test_load_state_dict_errors_change_nothing():
    model = mlp()
    before = copy.deepcopy(model.state_dict())  # a snapshot: state_dict() shares the model's memory
    bad = model.state_dict()
    bad["2.weight"] = np.zeros((4, 16))
    bad["0.weight"] = np.ones((16, 4))
    with pytest.raises(ValueError, match=r"'2.weight' expected shape \(3, 16\), got \(4, 16\)"):
        model.load_state_dict(bad)
    np.testing.assert_array_equal(model[0].weight.array, before["0.weight"])
    missing = model.state_dict()
    del missing["0.bias"]
    with pytest.raises(KeyError, match="missing keys \\['0.bias'\\]"):
        model.load_state_dict(missing)
    model.load_state_dict(missing, strict=False)


@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_of_none_says_a_state_dict_is_expected(strict):
    # The early-stopping habit gone wrong: best_state stays None when no epoch improved.
    with pytest.raises(TypeError, match=r"load_state_dict for Sequential: expected a dict of arrays .* got NoneType"):
        mlp().load_state_dict(None, strict=strict)


def test_loads_a_pytorch_state_dict():
    torch = pytest.importorskip("torch")
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Sigmoid(), torch.nn.Linear(16, 3))
    model = mlp()
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(dn.tensor(x)).array, tmodel(torch.tensor(x)).detach().numpy(), atol=1e-6)
    model.load_state_dict(tmodel.state_dict())  # torch tensors directly
    back = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    tmodel.load_state_dict(back)


def test_linear_matches_torch_forward_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    layer = nn.Linear(5, 3, dtype=np.float64)
    t = torch.nn.Linear(5, 3).double()
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((7, 2, 5))
    xd = dn.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    cot = rng.standard_normal((7, 2, 3))
    (layer(xd) * dn.tensor(cot)).sum().backward()
    (t(xt) * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, t.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, t.bias.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(rng, shape, bias):
    layer = nn.Linear(4, 2, bias=bias, dtype=np.float64)
    x = dn.tensor(rng.standard_normal(shape), requires_grad=True)
    params = [x, layer.weight] + ([layer.bias] if bias else [])
    fn = (lambda a, w, b: dn.functional.linear(a, w, b)) if bias else (lambda a, w: dn.functional.linear(a, w))
    np.testing.assert_allclose(fn(*params).array, x.array @ layer.weight.array.T + (layer.bias.array if bias else 0))
    assert dn.gradcheck(fn, params)


def test_linear_default_init_is_pytorchs_bound():
    layer = nn.Linear(100, 50, rng=0)
    assert np.abs(layer.weight.array).max() <= 0.1 and np.abs(layer.weight.array).max() > 0.09
    assert np.abs(layer.bias.array).max() <= 0.1


def test_linear_errors_name_the_layer():
    with pytest.raises(
        ValueError, match=r"Linear\(in_features=4, out_features=3.*expected input with 4 features.*got shape \(2, 5\)"
    ):
        nn.Linear(4, 3)(dn.tensor(np.zeros((2, 5))))
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="Linear: init: unknown initializer 'nope'"):
        nn.Linear(2, 3, init="nope")


def test_same_seed_same_weights():
    dn.manual_seed(3)
    a = mlp().state_dict()
    dn.manual_seed(3)
    b = mlp().state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = nn.Linear(4, 3, rng=5).weight.array
    np.testing.assert_array_equal(c, nn.Linear(4, 3, rng=5).weight.array)


def test_train_eval_propagate():
    model = mlp()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_custom_module_registration_and_repr():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = mlp()
            self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
            self.register_buffer("count", np.zeros((), dtype=np.int64))

        def forward(self, x):
            return self.body(x) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()][0] == "scale"  # own parameters first, as PyTorch
    assert "count" in net.state_dict()
    assert "(body): Sequential(" in repr(net)
    assert net(dn.tensor(np.zeros((2, 4), dtype=np.float32))).shape == (2, 3)


def test_module_without_super_init_explains():
    class Broken(nn.Module):
        def __init__(self):
            self.w = 1

    with pytest.raises(RuntimeError, match="super\\(\\).__init__\\(\\)"):
        Broken()


def test_sequential_rejects_classes():
    with pytest.raises(TypeError, match="nn.ReLU instead of nn.ReLU\\(\\)"):
        nn.Sequential(nn.Linear(2, 2), nn.ReLU)


def test_to_double_and_back():
    model = mlp().double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model(dn.tensor(np.zeros((1, 4)))).dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_shared_parameter_listed_once():
    layer = nn.Linear(3, 3)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert len(model.parameters()) == 2
