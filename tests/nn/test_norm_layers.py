"""LayerNorm, GroupNorm and InstanceNorm1d/2d/3d: outputs, input and parameter gradients and
running statistics equal PyTorch's in float64, state_dict keys are PyTorch's (its weights load),
the functional ops pass gradcheck, and bad inputs are refused."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
from deltanet import nn

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(3)


def _randomize(ours, theirs):
    """The same random affine parameters in both layers (they start at ones and zeros)."""
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert name == tname
        p.data[...] = RNG.standard_normal(p.shape)
        with torch.no_grad():
            tp.copy_(torch.tensor(p.data))


def _compare(ours, theirs, shape, steps=2):
    ours.double()
    theirs.double()
    _randomize(ours, theirs)
    for _ in range(steps):
        x = RNG.standard_normal(shape) * 2 + 1
        a, ta = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = ours(a), theirs(ta)
        r = RNG.standard_normal(out.shape)
        (out * dn.tensor(r)).sum().backward()
        (tout * torch.tensor(r)).sum().backward()
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-8, atol=1e-9)
        for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-8, atol=1e-9)
            p.grad, tp.grad = None, None
    ours_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(their_state)
    for key, value in their_state.items():
        np.testing.assert_allclose(ours_state[key], value.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "args, kwargs, shape",
    [
        ((5,), {}, (3, 5)),
        (((3, 4),), {}, (2, 2, 3, 4)),
        ((4,), {"elementwise_affine": False}, (2, 3, 4)),
        ((4,), {"bias": False, "eps": 1e-3}, (6, 4)),
    ],
)
def test_layer_norm_matches_torch(args, kwargs, shape):
    _compare(nn.LayerNorm(*args, **kwargs), torch.nn.LayerNorm(*args, **kwargs), shape)


@pytest.mark.parametrize(
    "args, kwargs, shape",
    [
        ((2, 4), {}, (3, 4, 5)),
        ((1, 3), {}, (2, 3, 2, 2)),
        ((3, 3), {"affine": False}, (2, 3, 4)),
        ((2, 6), {}, (1, 6, 2, 2, 2)),
    ],
)
def test_group_norm_matches_torch(args, kwargs, shape):
    _compare(nn.GroupNorm(*args, **kwargs), torch.nn.GroupNorm(*args, **kwargs), shape)


@pytest.mark.parametrize(
    "ours, theirs, shape",
    [
        (nn.InstanceNorm1d, torch.nn.InstanceNorm1d, (3, 4, 6)),
        (nn.InstanceNorm1d, torch.nn.InstanceNorm1d, (4, 6)),  # unbatched
        (nn.InstanceNorm2d, torch.nn.InstanceNorm2d, (2, 4, 3, 3)),
        (nn.InstanceNorm3d, torch.nn.InstanceNorm3d, (2, 4, 2, 3, 2)),
    ],
)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"affine": True},
        {"track_running_stats": True, "affine": True},
        {"track_running_stats": True, "momentum": None},
    ],
)
def test_instance_norm_matches_torch_in_training_and_evaluation(ours, theirs, shape, kwargs):
    a, b = ours(4, **kwargs), theirs(4, **kwargs)
    _compare(a, b, shape)
    a.eval(), b.eval()
    _compare(a, b, shape, steps=1)


def test_torch_weights_load():
    theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.GroupNorm(2, 4), torch.nn.LayerNorm(4))
    ours = nn.Sequential(nn.Conv2d(2, 4, 3), nn.GroupNorm(2, 4), nn.LayerNorm(4))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((2, 2, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(dn.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda x, w, b: F.layer_norm(x, (3,), w, b), (4, 3)),
        (lambda x, w, b: F.group_norm(x, 2, w, b), (2, 4, 3)),
        (lambda x, w, b: F.instance_norm(x, None, None, w, b), (2, 4, 3)),
    ],
    ids=["layer_norm", "group_norm", "instance_norm"],
)
def test_gradcheck(fn, shape):
    channels = shape[-1] if len(shape) == 2 else shape[1]
    args = [dn.tensor(RNG.standard_normal(s), requires_grad=True) for s in (shape, (channels,), (channels,))]
    assert dn.gradcheck(fn, args)


def test_float32_stays_float32_and_eval_equals_train_for_layer_norm():
    ln = nn.LayerNorm(4)
    x = dn.tensor(RNG.standard_normal((2, 4)).astype(np.float32))
    y = ln(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(ln.eval()(x).data, y.data)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: nn.LayerNorm(4)(dn.tensor(np.ones((2, 3)))),
            r"LayerNorm\(\(4,\).*last axes are normalized_shape=\(4,\), got shape \(2, 3\)",
        ),
        (
            lambda: nn.GroupNorm(2, 4)(dn.tensor(np.ones((2, 3, 5)))),
            r"GroupNorm\(2, 4.*expected an input of shape \(N, 4, \*\), got shape \(2, 3, 5\)",
        ),
        (lambda: nn.GroupNorm(3, 4), r"GroupNorm: num_groups=3 must divide num_channels=4"),
        (
            lambda: nn.InstanceNorm2d(3, affine=True)(dn.tensor(np.ones((2, 3, 4)))),
            r"InstanceNorm2d\(3.*expected an input of shape \(N, 3, \*S\)",
        ),
        (lambda: nn.LayerNorm(4, eps=0), r"LayerNorm: eps must be a number > 0, got 0"),
        (
            lambda: nn.InstanceNorm1d(3, momentum=float("nan")),
            r"InstanceNorm1d: momentum must be a number in \[0, 1\] or None \(running statistics frozen\), got nan",
        ),
        (lambda: F.group_norm(dn.tensor(np.ones(3)), 1), r"group_norm: expected an input of shape \(N, C, \*\)"),
        (
            lambda: F.layer_norm(dn.tensor(np.ones((2, 3))), 3, weight=np.ones(2)),
            r"layer_norm: weight must have shape \(3,\), got shape \(2,\)",
        ),
        (
            lambda: F.instance_norm(dn.tensor(np.ones((2, 3, 1))), np.zeros(3), np.ones(3)),
            r"expected more than 1 spatial element",
        ),
        # As PyTorch, also without running statistics: one position normalizes to 0 (and the layer too).
        (lambda: F.instance_norm(dn.tensor(np.ones((2, 3, 1)))), r"expected more than 1 spatial element"),
        (lambda: nn.InstanceNorm2d(3)(dn.tensor(np.ones((2, 3, 1, 1)))), r"expected more than 1 spatial element"),
        (lambda: nn.InstanceNorm1d(3).eval()(dn.tensor(np.ones((0, 3, 1)))), r"expected more than 1 spatial element"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_one_spatial_element_is_refused_where_pytorch_refuses_it():
    """Only when the instance's own statistics normalize, and an empty spatial extent is fine."""
    torch = pytest.importorskip("torch")
    stats = dict(running_mean=np.zeros(2), running_var=np.ones(2), use_input_stats=False)
    ours = F.instance_norm(dn.tensor(np.full((1, 2, 1), 3.0)), **stats)
    theirs = torch.nn.functional.instance_norm(
        torch.full((1, 2, 1), 3.0, dtype=torch.float64),
        **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in stats.items()},
    )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    assert F.instance_norm(dn.tensor(np.ones((2, 2, 0)))).shape == (2, 2, 0)
    assert torch.nn.functional.instance_norm(torch.ones(2, 2, 0)).shape == (2, 2, 0)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        torch.nn.functional.instance_norm(torch.ones(2, 2, 1))
