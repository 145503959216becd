"""torch.utils.checkpoint: the same values and gradients as calling the block, with PyTorch's variants."""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.utils.checkpoint import checkpoint, checkpoint_sequential


def block():
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def grads(model):
    return [p.grad.array.copy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_values_and_gradients_as_the_plain_call(use_reentrant):
    x = np.random.default_rng(0).standard_normal((5, 3))
    plain, wrapped = block(), block()
    a, b = dn.tensor(x, requires_grad=True), dn.tensor(x, requires_grad=True)
    (plain(a) ** 2).sum().backward()
    y = checkpoint(wrapped, b, use_reentrant=use_reentrant)
    (y**2).sum().backward()
    np.testing.assert_array_equal(y.array, plain(a).array)
    np.testing.assert_array_equal(b.grad.array, a.grad.array)
    for g, h in zip(grads(plain), grads(wrapped), strict=True):
        np.testing.assert_array_equal(g, h)


def test_reentrant_without_input_gradient_gives_no_gradient_as_torch():
    torch = pytest.importorskip("torch")
    t_block = torch.nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        t_out = torch.utils.checkpoint.checkpoint(t_block, torch.ones(1, 3), use_reentrant=True)
    model = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
        out = checkpoint(model, dn.ones(1, 3), use_reentrant=True)
    assert out.requires_grad is t_out.requires_grad is False
    # Non-reentrant: the parameters get their gradients, as in PyTorch.
    out = checkpoint(model, dn.ones(1, 3), use_reentrant=False)
    out.sum().backward()
    assert model.weight.grad is not None


def test_missing_use_reentrant_warns_and_takes_true():
    x = dn.ones(1, 3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(nn.Linear(3, 1), x)
    with pytest.warns(UserWarning, match="checkpoint_sequential: the use_reentrant parameter"):
        checkpoint_sequential(block(), 2, x)


def test_keyword_inputs_and_options():
    def f(x, scale=1.0):
        return x * scale

    x = dn.ones(2, requires_grad=True)
    assert checkpoint(f, x, scale=3.0, use_reentrant=False, preserve_rng_state=False).tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="checkpoint: unexpected keyword arguments with use_reentrant=True: scale"):
        checkpoint(f, x, scale=3.0, use_reentrant=True)
    with pytest.raises(ValueError, match="context_fn or debug is only supported when use_reentrant=False"):
        checkpoint(f, x, use_reentrant=True, debug=True)
    with pytest.raises(ValueError, match="context_fn is not supported: deltanet keeps the activations"):
        checkpoint(f, x, use_reentrant=False, context_fn=lambda: (None, None))
    with pytest.raises(ValueError, match="checkpoint: use_reentrant must be"):
        checkpoint(f, x, use_reentrant="no")


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_as_the_model(segments):
    torch = pytest.importorskip("torch")
    model = block()
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    t_model.load_state_dict({k: torch.tensor(v.array, dtype=torch.float64) for k, v in model.state_dict().items()})
    model = model.double()
    x = np.random.default_rng(1).standard_normal((4, 3))
    a, t = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = checkpoint_sequential(model, segments, a, use_reentrant=False)
        ty = torch.utils.checkpoint.checkpoint_sequential(t_model, segments, t, use_reentrant=False)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(a.grad.array, t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model[0].weight.grad.array, t_model[0].weight.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="checkpoint_sequential: segments must be"):
        checkpoint_sequential(model, 0, a, use_reentrant=False)
    with pytest.raises(ValueError, match="checkpoint_sequential: unexpected keyword arguments: foo"):
        checkpoint_sequential(model, 1, a, use_reentrant=False, foo=1)
