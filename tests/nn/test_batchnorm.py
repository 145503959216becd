"""Batch normalization: the fused op's gradients, NumPy and PyTorch references, the layers."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import functional as F
from deltanet import nn


def _reference(x, gamma, beta, eps):
    """Training-mode batch norm in plain NumPy, per channel over every axis but 1."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y, mu.reshape(-1), var.reshape(-1)


SHAPES = [(6, 3), (4, 3, 5), (3, 2, 3, 4), (2, 2, 2, 3, 2)]


# -- the functional op -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_running_stats_match_numpy(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3 + 1
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    running_mean, running_var = rng.standard_normal(C), rng.random(C) + 0.5
    start_mean, start_var = running_mean.copy(), running_var.copy()
    y = F.batch_norm(
        dn.tensor(x),
        running_mean,
        running_var,
        dn.tensor(gamma),
        dn.tensor(beta),
        training=True,
        momentum=0.2,
        eps=1e-3,
    )
    expected, mu, var = _reference(x, gamma, beta, 1e-3)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)
    m = x.size // C
    np.testing.assert_allclose(running_mean, 0.8 * start_mean + 0.2 * mu, rtol=1e-12)
    np.testing.assert_allclose(running_var, 0.8 * start_var + 0.2 * var * m / (m - 1), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_eval_uses_running_stats_and_changes_nothing(shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    mean, var = rng.standard_normal(C), rng.random(C) + 0.5
    before = mean.copy(), var.copy()
    y = F.batch_norm(dn.tensor(x), mean, var, dn.tensor(gamma), dn.tensor(beta), training=False)
    b = (1, C) + (1,) * (len(shape) - 2)
    expected = (x - mean.reshape(b)) / np.sqrt(var.reshape(b) + 1e-5) * gamma.reshape(b) + beta.reshape(b)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(mean, before[0])
    np.testing.assert_array_equal(var, before[1])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_gradcheck_training(shape, affine):
    rng = np.random.default_rng(2)
    C = shape[1]
    x = dn.tensor(rng.standard_normal(shape), requires_grad=True)
    w = dn.tensor(rng.standard_normal(C), requires_grad=True) if affine in ("both", "weight") else None
    b = dn.tensor(rng.standard_normal(C), requires_grad=True) if affine in ("both", "bias") else None
    mean, var = np.zeros(C), np.ones(C)

    def fn(x, *params):
        return F.batch_norm(x, mean, var, w, b, training=True)

    assert dn.gradcheck(fn, [x] + [t for t in (w, b) if t is not None])


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (2, 2, 3, 3)])
def test_gradcheck_training_without_running_stats(shape):
    rng = np.random.default_rng(3)
    x = dn.tensor(rng.standard_normal(shape), requires_grad=True)
    w = dn.tensor(rng.standard_normal(shape[1]), requires_grad=True)
    b = dn.tensor(rng.standard_normal(shape[1]), requires_grad=True)
    assert dn.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_gradcheck_eval(shape, affine):
    rng = np.random.default_rng(4)
    C = shape[1]
    x = dn.tensor(rng.standard_normal(shape), requires_grad=True)
    inputs = [x]
    w = b = None
    if affine:
        w = dn.tensor(rng.standard_normal(C), requires_grad=True)
        b = dn.tensor(rng.standard_normal(C), requires_grad=True)
        inputs += [w, b]
    mean, var = rng.standard_normal(C), rng.random(C) + 0.5
    assert dn.gradcheck(lambda *t: F.batch_norm(x, mean, var, w, b, training=False), inputs)


def test_only_some_inputs_need_grad():
    rng = np.random.default_rng(5)
    x = dn.tensor(rng.standard_normal((4, 3)))
    w = dn.tensor(rng.standard_normal(3), requires_grad=True)
    b = dn.tensor(rng.standard_normal(3))
    F.batch_norm(x, None, None, w, b, training=True).sum().backward()
    expected, _, _ = _reference(x.data, None, None, 1e-5)
    np.testing.assert_allclose(w.grad, expected.sum(axis=0), atol=1e-12)
    assert x.grad is None and b.grad is None


def test_input_gradient_of_a_sum_is_zero():
    # Σ_i y_i does not depend on x (the mean is subtracted): dL/dx = 0 by the two sum terms.
    x = dn.tensor(np.random.default_rng(6).standard_normal((8, 4)), requires_grad=True)
    F.batch_norm(x, None, None, training=True).sum().backward()
    np.testing.assert_allclose(x.grad, 0, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_float32_stays_float32(training):
    x = dn.tensor(np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    w = dn.tensor(np.ones(3, np.float32), requires_grad=True)
    b = dn.tensor(np.zeros(3, np.float32), requires_grad=True)
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    y = F.batch_norm(x, mean, var, w, b, training=training)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    assert mean.dtype == var.dtype == np.float32


def test_functional_validation():
    x = dn.tensor(np.ones((4, 3)))
    with pytest.raises(
        ValueError, match=r"Expected more than 1 value per channel when training, got input size \(1, 3\)"
    ):
        F.batch_norm(dn.tensor(np.ones((1, 3))), None, None, training=True)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel.*\(1, 2, 1\)"):
        F.batch_norm(dn.tensor(np.ones((1, 2, 1))), None, None, training=True)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\).*got shape \(2,\)"):
        F.batch_norm(x, np.zeros(2), np.ones(2), training=True)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.batch_norm(x, None, None, dn.tensor(np.ones(4)), training=True)
    with pytest.raises(ValueError, match="evaluation"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match="both running_mean and running_var"):
        F.batch_norm(x, np.zeros(3), None, training=True)
    with pytest.raises(ValueError, match=r"at least 2 axes, got shape \(3,\)"):
        F.batch_norm(dn.tensor(np.ones(3)), None, None, training=True)
    with pytest.raises(ValueError, match="momentum must be a number in \\[0, 1\\], got 2"):
        F.batch_norm(x, np.zeros(3), np.ones(3), training=True, momentum=2)
    # one sample is fine in evaluation
    y = F.batch_norm(dn.tensor(np.full((1, 3), 2.0)), np.ones(3), np.full(3, 4.0), training=False, eps=0.0)
    np.testing.assert_allclose(y.data, [[0.5, 0.5, 0.5]])


# -- the layers ------------------------------------------------------------------------------
def test_layer_parameters_buffers_and_state_dict_keys():
    bn = nn.BatchNorm1d(4)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(bn.weight.data, np.ones(4))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(4))
    state = bn.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert state["num_batches_tracked"].dtype == np.int64 and state["num_batches_tracked"].shape == ()
    assert bn.weight.dtype == bn.running_mean.dtype == np.float32
    no_affine = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert no_affine.parameters() == [] and list(no_affine.state_dict()) == []
    assert repr(bn) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"


def test_training_updates_buffers_in_place_and_eval_does_not():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    buffers = bn.running_mean, bn.running_var, bn.num_batches_tracked
    x = dn.tensor(np.random.default_rng(0).standard_normal((5, 3)) + 2)
    bn(x)
    bn(x)
    assert bn.running_mean is buffers[0] and bn.num_batches_tracked is buffers[2]
    assert int(bn.num_batches_tracked) == 2
    assert dict(bn.named_buffers())["num_batches_tracked"] is buffers[2]
    mean = bn.running_mean.clone()
    bn.eval()
    bn(x)
    np.testing.assert_array_equal(bn.running_mean, mean)
    assert int(bn.num_batches_tracked) == 2


def test_eval_output_does_not_depend_on_the_batch():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    rng = np.random.default_rng(1)
    for _ in range(3):
        bn(dn.tensor(rng.standard_normal((8, 3))))
    bn.eval()
    x = rng.standard_normal((4, 3))
    whole = bn(dn.tensor(x)).data
    one = bn(dn.tensor(x[:1])).data
    np.testing.assert_allclose(whole[:1], one, rtol=1e-14)


def test_failed_forward_does_not_count_a_batch():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        bn(dn.tensor(np.ones((1, 3))))
    assert int(bn.num_batches_tracked) == 0


@pytest.mark.parametrize(
    "layer, bad_shape, expected",
    [
        (
            nn.BatchNorm1d(4),
            (2, 4, 3, 3),
            r"BatchNorm1d\(4\): expected input of shape \(N, C\) or "
            r"\(N, C, L\) with C = 4 channels, got shape \(2, 4, 3, 3\)",
        ),
        (nn.BatchNorm1d(4), (2, 3), r"BatchNorm1d\(4\).*C = 4 channels, got shape \(2, 3\)"),
        (nn.BatchNorm1d(4), (4,), r"BatchNorm1d\(4\).*got shape \(4,\)"),
        (nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d\(3\): expected input of shape \(N, C, H, W\)"),
        (nn.BatchNorm3d(3), (2, 3, 4, 4), r"BatchNorm3d\(3\): expected input of shape \(N, C, D, H, W\)"),
    ],
)
def test_wrong_input_shape_names_layer_and_shapes(layer, bad_shape, expected):
    with pytest.raises(ValueError, match=expected):
        layer(dn.tensor(np.ones(bad_shape)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_features": 0}, "num_features must be a positive integer, got 0"),
        ({"num_features": 2.5}, "num_features must be a positive integer, got 2.5"),
        ({"num_features": 3, "eps": -1.0}, r"eps must be a number > 0, got -1\.0"),
        ({"num_features": 3, "momentum": 1.5}, r"momentum must be a number in \[0, 1\].*got 1.5"),
        ({"num_features": 3, "momentum": "fast"}, "got 'fast'"),
    ],
)
def test_hyperparameter_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.BatchNorm1d(**kwargs)


def test_module_to_double_keeps_buffers_registered():
    bn = nn.BatchNorm1d(2).double()
    assert bn.running_mean.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    bn(dn.tensor(np.array([[1.0, 2.0], [3.0, 6.0]])))
    state = bn.state_dict()
    np.testing.assert_allclose(state["running_mean"], [0.2, 0.4])
    assert int(state["num_batches_tracked"]) == 1


def test_track_running_stats_false_uses_batch_statistics_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False, dtype=np.float64).eval()
    x = np.random.default_rng(0).standard_normal((6, 2))
    expected, _, _ = _reference(x, None, None, 1e-5)
    np.testing.assert_allclose(bn(dn.tensor(x)).data, expected, rtol=1e-12)


# -- against PyTorch -------------------------------------------------------------------------
def _torch_bn(torch, cls_name, C, **kwargs):
    layer = getattr(torch.nn, cls_name)(C, **kwargs).double()
    with torch.no_grad():
        if layer.affine:
            layer.weight.copy_(torch.linspace(0.5, 1.5, C, dtype=torch.float64))
            layer.bias.copy_(torch.linspace(-0.3, 0.3, C, dtype=torch.float64))
    return layer


def _ours_like(torch_layer, cls_name, C, **kwargs):
    ours = getattr(nn, cls_name)(C, dtype=np.float64, **kwargs)
    if ours.affine:
        ours.weight.data[...] = torch_layer.weight.detach().numpy()
        ours.bias.data[...] = torch_layer.bias.detach().numpy()
    return ours


def _step(torch, ours, theirs, x, delta):
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.tensor(delta))
    xo = dn.tensor(x, requires_grad=True)
    yo = ours(xo)
    yo.backward(delta)
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-8)
    if ours.affine:
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-8, atol=1e-8)
        ours.zero_grad()
        theirs.zero_grad()


def _compare_buffers(ours, theirs):
    if ours.track_running_stats:
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-8, atol=1e-12)
        assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked)


@pytest.mark.parametrize(
    "cls_name, shape",
    [
        ("BatchNorm1d", (8, 4)),
        ("BatchNorm1d", (5, 4, 6)),
        ("BatchNorm2d", (3, 4, 3, 5)),
        ("BatchNorm3d", (2, 4, 2, 3, 2)),
    ],
)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"momentum": None},
        {"momentum": 0.3, "eps": 1e-3},
        {"affine": False},
        {"track_running_stats": False},
    ],
)
def test_matches_torch_over_training_steps_and_in_eval(cls_name, shape, kwargs):
    torch = pytest.importorskip("torch")
    C = shape[1]
    theirs = _torch_bn(torch, cls_name, C, **kwargs)
    ours = _ours_like(theirs, cls_name, C, **kwargs)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal(shape) * (1 + step) + step
        _step(torch, ours, theirs, x, rng.standard_normal(shape))
        _compare_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    _step(torch, ours, theirs, rng.standard_normal(shape), rng.standard_normal(shape))
    _compare_buffers(ours, theirs)


def test_loads_a_torch_state_dict():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.BatchNorm1d(5).double()
    rng = np.random.default_rng(3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.random(5) + 0.5))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(5)))
        for _ in range(3):
            theirs(torch.tensor(rng.standard_normal((7, 5)) * 2 + 1))
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    ours = nn.BatchNorm1d(5, dtype=np.float64)
    ours.load_state_dict(state)
    assert int(ours.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((4, 5))
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=1e-8, atol=1e-8)
    # and back: our state dict loads into torch
    theirs2 = torch.nn.BatchNorm1d(5).double()
    theirs2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    theirs2.eval()
    with torch.no_grad():
        np.testing.assert_allclose(theirs2(torch.tensor(x)).numpy(), expected, rtol=1e-12)


def test_float32_torch_state_dict_loads_into_float32_layer():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        theirs(torch.randn(6, 3, generator=torch.Generator().manual_seed(0)))
    ours = nn.BatchNorm1d(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.running_var, theirs.running_var.numpy())
    assert ours.running_var.dtype == np.float32


def test_non_contiguous_input_gives_the_same_result():
    rng = np.random.default_rng(8)
    base = rng.standard_normal((3, 6, 5))
    x_nc = base.transpose(2, 1, 0)[:, ::2]  # (5, 3, 3), not contiguous
    assert not x_nc.flags.c_contiguous
    a = dn.as_tensor(x_nc).requires_grad_()  # shares: stays non-contiguous
    b = dn.tensor(np.ascontiguousarray(x_nc), requires_grad=True)
    delta = rng.standard_normal(x_nc.shape)
    F.batch_norm(a, None, None, training=True).backward(delta)
    F.batch_norm(b, None, None, training=True).backward(delta)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-13, atol=1e-13)


def test_torch_sequential_state_dict_loads_and_eval_outputs_match():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.BatchNorm1d(6),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(6, 3),
    ).double()
    rng = np.random.default_rng(9)
    with torch.no_grad():
        for _ in range(3):
            theirs(torch.tensor(rng.standard_normal((10, 4))))
    ours = nn.Sequential(
        nn.Linear(4, 6, dtype=np.float64),
        nn.BatchNorm1d(6, dtype=np.float64),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(6, 3, dtype=np.float64),
    )
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())
    ours.load_state_dict(state)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((5, 4))
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=1e-10, atol=1e-12)
