"""Module hooks: forward pre/post hooks, full backward hooks and their handles, against PyTorch."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def data(seed=0, shape=(3, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


def mlp(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.ReLU(), lib.nn.Linear(5, 2))
    rng = np.random.default_rng(5)
    model.load_state_dict(
        {k: lib.tensor(rng.standard_normal(tuple(v.shape)), dtype=lib.float32) for k, v in model.state_dict().items()}
    )
    return model


def test_forward_hook_saves_activations_and_remove_stops_it():
    model = mlp(dn)
    activations = {}

    def get_activation(name):
        def hook(module, args, output):
            activations[name] = output.detach()

        return hook

    handle = model[0].register_forward_hook(get_activation("fc1"))
    x = dn.tensor(data(), dtype=dn.float32)
    model(x)
    np.testing.assert_allclose(activations["fc1"].numpy(), model[0](x).detach().numpy())
    handle.remove()
    activations.clear()
    model(x)
    assert activations == {}
    handle.remove()  # twice: nothing


def test_hooks_replace_arguments_and_output():
    layer = nn.Linear(4, 2)
    x = dn.tensor(data(), dtype=dn.float32)
    with layer.register_forward_pre_hook(lambda m, args: args[0] * 0):
        np.testing.assert_allclose(layer(x).detach().numpy(), np.broadcast_to(layer.bias.detach().numpy(), (3, 2)))
    with layer.register_forward_hook(lambda m, args, out: out * 0 + 1):
        assert layer(x).detach().numpy().tolist() == [[1.0, 1.0]] * 3
    assert layer(x).detach().numpy().sum() != 6.0  # both removed on leaving the with blocks


def test_prepend_runs_first():
    layer, order = nn.ReLU(), []
    layer.register_forward_hook(lambda m, a, o: order.append("second"))
    layer.register_forward_hook(lambda m, a, o: order.append("first"), prepend=True)
    layer(dn.ones(2))
    assert order == ["first", "second"]


def run_backward_hooks(lib, scale):
    model = mlp(lib)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(
            ([None if g is None else g.detach().numpy().copy() for g in grad_input], grad_output[0].numpy().copy())
        )
        if scale is not None and grad_input[0] is not None:
            return (grad_input[0] * scale,)

    handles = [model[1].register_full_backward_hook(hook), model[0].register_full_backward_hook(hook)]
    x = lib.tensor(data(), dtype=lib.float32)
    out = model(x)
    (out**2).sum().backward()
    for h in handles:
        h.remove()
    return seen, [p.grad.numpy().copy() for p in model.parameters()], model


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_full_backward_hook_matches_pytorch():
    torch = pytest.importorskip("torch")
    for scale in (None, 0.5):
        ours, ours_grads, _ = run_backward_hooks(dn, scale)
        theirs, their_grads, _ = run_backward_hooks(torch, scale)
        assert len(ours) == len(theirs) == 2
        for (gi, go), (tgi, tgo) in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(go, tgo, rtol=1e-5, atol=1e-6)
            assert [g is None for g in gi] == [g is None for g in tgi]
            for a, b in zip(gi, tgi, strict=True):
                if a is not None:
                    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        for a, b in zip(ours_grads, their_grads, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_backward_hook_gradcheck_float64():
    layer = nn.Tanh()
    layer.register_full_backward_hook(lambda m, gi, go: None)
    assert dn.gradcheck(lambda x: layer(x), [dn.tensor(data(), requires_grad=True)])


def test_backward_hook_removed_is_not_called():
    layer, calls = nn.Tanh(), []
    handle = layer.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    x = dn.tensor(data(), requires_grad=True)
    layer(x).sum().backward()
    handle.remove()
    layer(x).sum().backward()
    assert calls == [1]


def test_backward_hook_errors_are_clear():
    with pytest.raises(TypeError, match="a hook must be callable"):
        nn.ReLU().register_forward_hook(None)
    bilinear = nn.Module()
    bilinear.forward = lambda a, b: a * b
    bilinear.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.raises(NotImplementedError, match="one tensor, got 2"):
        bilinear(dn.ones(2, requires_grad=True), dn.ones(2))
    layer = nn.Tanh()
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        layer(dn.ones(2, requires_grad=True)).sum().backward()
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        nn.ReLU().register_backward_hook(lambda m, gi, go: None)


def test_with_kwargs_and_backward_pre_hook_match_pytorch():
    torch = pytest.importorskip("torch")

    def scenario(lib):
        layer = mlp(lib)[0]
        seen = []
        layer.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True)
        layer.register_forward_hook(lambda m, args, kwargs, out: seen.append(sorted(kwargs)), with_kwargs=True)
        layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 0.5,))
        x = lib.tensor(data(), dtype=lib.float32, requires_grad=True)
        out = layer(x)
        (out**2).sum().backward()
        return out.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy(), seen

    for a, b in zip(scenario(dn), scenario(torch), strict=True):
        if isinstance(a, list):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_with_kwargs_pre_hook_must_return_args_and_kwargs():
    layer = nn.ReLU()
    layer.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"must return None or \(args, kwargs\)"):
        layer(dn.ones(2))
    with pytest.raises(ValueError, match="with_kwargs"):
        nn.ReLU().register_forward_hook(lambda *a: None, with_kwargs="yes")
