"""torch's top-level neural-network functions (torch.conv2d, torch.dropout, torch.batch_norm, ...)
with ATen's positional order, against PyTorch."""

import numpy as np
import pytest

import deltanet as dn

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
X4 = RNG.standard_normal((2, 4, 5, 5))
X3 = RNG.standard_normal((2, 4, 6))
W = RNG.standard_normal((4,)) + 1.0
B = RNG.standard_normal((4,))
MEAN, VAR = RNG.standard_normal(4), RNG.random(4) + 0.5
K1 = RNG.standard_normal((3, 4, 3))
TABLE = RNG.standard_normal((5, 3))
IMAGE = RNG.standard_normal((1, 1, 4, 4))


def both(call):
    """``call(lib, tensor)`` on deltanet and on PyTorch, as NumPy arrays."""
    ours = call(dn, lambda a: dn.tensor(np.array(a)))
    theirs = call(torch, lambda a: torch.tensor(np.array(a)))
    return ours.detach().numpy(), theirs.detach().numpy()


CALLS = {
    "conv1d": lambda m, t: m.conv1d(t(X3), t(K1), None, 1, 1),
    "conv2d": lambda m, t: m.conv2d(t(X4), t(np.ones((4, 2, 3, 3))), t(np.ones(4)), 2, 1, 1, 2),
    "conv3d": lambda m, t: m.conv3d(t(X4[:, :, None]), t(np.ones((2, 4, 1, 2, 2)))),
    "conv_transpose2d": lambda m, t: m.conv_transpose2d(t(X4), t(np.ones((4, 2, 2, 2))), None, 2, 0, 1),
    "dropout eval": lambda m, t: m.dropout(t(X4), 0.5, False),
    "dropout p=0": lambda m, t: m.dropout(t(X4), 0.0, True),
    "layer_norm": lambda m, t: m.layer_norm(t(X4), (5, 5), None, None, 1e-5, True),
    "batch_norm train": lambda m, t: m.batch_norm(t(X4), t(W), t(B), None, None, True, 0.1, 1e-5, False),
    "batch_norm eval": lambda m, t: m.batch_norm(t(X4), t(W), t(B), t(MEAN), t(VAR), False, 0.1, 1e-5, False),
    "group_norm": lambda m, t: m.group_norm(t(X4), 2, t(W), t(B), 1e-5, False),
    "instance_norm": lambda m, t: m.instance_norm(t(X4), t(W), t(B), None, None, True, 0.1, 1e-5, False),
    "max_pool1d": lambda m, t: m.max_pool1d(t(X3), 2),
    "max_pool2d": lambda m, t: m.max_pool2d(t(X4), 3, 2, 1),
    "max_pool2d empty stride": lambda m, t: m.max_pool2d(t(X4), [2, 2], []),
    "max_pool3d": lambda m, t: m.max_pool3d(t(X4[:, :, None]), (1, 2, 2)),
    "avg_pool1d": lambda m, t: m.avg_pool1d(t(X3), 3, 1, 1, False, False),
    "adaptive_avg_pool1d": lambda m, t: m.adaptive_avg_pool1d(t(X3), 3),
    "embedding": lambda m, t: m.embedding(t(TABLE), t(np.array([[0, 4], [2, 2]]))),
    "selu": lambda m, t: m.selu(t(X3)),
    "celu": lambda m, t: m.celu(t(X3), 0.5),
    "prelu": lambda m, t: m.prelu(t(X3), t(np.array([0.25]))),
    "threshold": lambda m, t: m.threshold(t(X3), 0.1, -2.0),
    "rrelu eval": lambda m, t: m.rrelu(t(X3)),
    "hardshrink": lambda m, t: m.hardshrink(t(X3), 0.3),
    "pixel_shuffle": lambda m, t: m.pixel_shuffle(t(X4), 2),
    "pixel_unshuffle": lambda m, t: m.pixel_unshuffle(t(IMAGE), 2),
    "bilinear": lambda m, t: m.bilinear(t(X3[0]), t(X3[1]), t(np.ones((2, 6, 6))), t(np.ones(2))),
    "channel_shuffle": lambda m, t: m.channel_shuffle(t(X4), 2),
    "adaptive_max_pool1d values": lambda m, t: m.adaptive_max_pool1d(t(X3), 4)[0],
    "adaptive_max_pool1d indices": lambda m, t: m.adaptive_max_pool1d(t(X3), 4)[1],
    "relu_": lambda m, t: m.relu_(t(X3)),
    "sigmoid_": lambda m, t: m.sigmoid_(t(X3)),
    "tanh_": lambda m, t: m.tanh_(t(X3)),
    "selu_": lambda m, t: m.selu_(t(X3)),
    "celu_": lambda m, t: m.celu_(t(X3), 0.7),
    "threshold_": lambda m, t: m.threshold_(t(X3), 0.0, 5.0),
    "rrelu_ eval": lambda m, t: m.rrelu_(t(X3), 0.2, 0.4),
}


@pytest.mark.parametrize("name", CALLS)
def test_matches_pytorch(name):
    ours, theirs = both(CALLS[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_gradients_flow_through_the_reordered_arguments():
    x = dn.tensor(X4, requires_grad=True)
    w, b = dn.tensor(W, requires_grad=True), dn.tensor(B, requires_grad=True)
    assert dn.gradcheck(lambda x, w, b: dn.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False), [x, w, b])
    table = dn.tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    dn.embedding(table, dn.tensor([1, 1, 3]), 1).sum().backward()  # padding_idx=1: no gradient there
    ttable = torch.tensor(table.detach().numpy(), requires_grad=True)
    torch.embedding(ttable, torch.tensor([1, 1, 3]), 1).sum().backward()
    np.testing.assert_array_equal(table.grad, ttable.grad.detach().numpy())


def test_dropout_in_training_drops_and_scales():
    y = dn.dropout(dn.ones(10000), 0.25, True)
    values = set(np.round(y.detach().numpy().astype(float), 5).tolist())
    assert values == {0.0, round(1 / 0.75, 5)} and abs((y.detach().numpy() == 0).mean() - 0.25) < 0.03


def test_rrelu_takes_a_generator():
    x = dn.full((50,), -1.0)
    a = dn.rrelu(x, training=True, generator=dn.Generator().manual_seed(0))
    b = dn.rrelu(x, training=True, generator=dn.Generator().manual_seed(0))
    assert dn.equal(a, b) and ((a <= -1 / 8) & (a >= -1 / 3)).all()


def test_no_avg_pool2d_at_the_top_level_as_in_pytorch():
    assert not hasattr(torch, "avg_pool2d") and not hasattr(dn, "avg_pool2d")


def test_bad_flags_are_refused():
    with pytest.raises(ValueError, match=r"dropout: train must be True or False, got 'yes'"):
        dn.dropout(dn.ones(2), 0.5, "yes")
    with pytest.raises(ValueError, match=r"batch_norm: cudnn_enabled must be True or False, got None"):
        dn.batch_norm(dn.ones(2, 2), None, None, None, None, True, 0.1, 1e-5, None)


def test_in_place_functions_overwrite_their_input():
    x = dn.tensor([-1.0, 2.0])
    version = x._version
    assert dn.relu_(x) is x and x.tolist() == [0.0, 2.0] and x._version > version
    with pytest.raises(ValueError, match=r"sigmoid_: input must be a Tensor \(it is overwritten in place\)"):
        dn.sigmoid_([1.0])
    a = dn.rrelu_(dn.full((20,), -1.0), training=True, generator=0)
    assert dn.equal(a, dn.rrelu_(dn.full((20,), -1.0), training=True, generator=0))
