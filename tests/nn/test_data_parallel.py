"""``nn.DataParallel`` as PyTorch's on a machine without a GPU: the model, passed through."""

import numpy as np
import pytest

import deltanet as dn


def test_wraps_and_passes_through():
    inner = dn.nn.Linear(3, 2)
    model = dn.nn.DataParallel(inner, device_ids=[0, 1], output_device=0)
    assert model.module is inner and model.device_ids == []
    x = dn.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3))
    assert np.array_equal(model(x).data, inner(x).data)
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    assert [n for n, _ in model.named_parameters()] == ["module.weight", "module.bias"]
    assert repr(model) == "DataParallel(\n  (module): Linear(in_features=3, out_features=2, bias=True)\n)"
    model.load_state_dict({"module.weight": np.zeros((2, 3), np.float32), "module.bias": np.ones(2, np.float32)})
    assert inner.weight.sum().item() == 0.0 and inner.bias.tolist() == [1.0, 1.0]
    with pytest.raises(Exception, match="weight"):
        model.load_state_dict(inner.state_dict())
    loss = model(x).sum()
    loss.backward()
    assert inner.weight.grad is not None


def test_not_a_module_is_refused():
    with pytest.raises(TypeError, match="DataParallel: module must be an nn.Module, got function"):
        dn.nn.DataParallel(lambda x: x)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this PyTorch has a GPU")
    t = torch.nn.DataParallel(torch.nn.Linear(3, 2), device_ids=[0])
    d = dn.nn.DataParallel(dn.nn.Linear(3, 2), device_ids=[0])
    d.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    assert np.allclose(d(dn.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), atol=1e-6)
    assert list(d.state_dict()) == list(t.state_dict()) and d.device_ids == t.device_ids
    assert repr(d) == repr(t)
