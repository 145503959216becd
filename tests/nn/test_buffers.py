"""Buffers are Tensors, as in PyTorch: batch norm's running statistics, ``register_buffer``, the
losses' class weights. They are updated in place (``state_dict()`` values and other references
see the live values), and their version counters move where PyTorch's do, so that a graph that
saved one refuses ``backward()`` after ``reset_running_stats()`` or ``load_state_dict``."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def batch(seed, shape=(6, 3)):
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 1


# -- batch norm's running statistics ---------------------------------------------------------
@pytest.mark.parametrize("cls", [nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm])
def test_running_statistics_are_tensors_without_gradient(cls):
    bn = cls(3)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        buffer = getattr(bn, name)
        assert type(buffer) is dn.Tensor and not buffer.requires_grad and buffer.is_leaf, name
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64
    assert [type(b) for b in bn.buffers()] == [dn.Tensor] * 3


def test_pytorch_habits_on_the_buffers():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn(dn.tensor(batch(0)))
    snapshot = bn.running_mean.clone()
    assert type(snapshot) is dn.Tensor and not np.shares_memory(snapshot.numpy(), bn.running_mean.numpy())
    assert isinstance(bn.running_var.numpy(), np.ndarray) and bn.running_var.numpy() is bn.running_var.array
    assert bn.running_mean.zero_() is bn.running_mean and bn.running_mean.tolist() == [0.0] * 3
    bn(dn.tensor(batch(1)))
    assert not dn.allclose(bn.running_mean, snapshot)  # it moved again, the clone did not
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.num_batches_tracked.item() == 0 and int(bn.num_batches_tracked) == 0
    assert repr(bn.running_var) == "tensor([1., 1., 1.], dtype=float64)"


def test_state_dict_values_share_memory_and_follow_training():
    bn = nn.BatchNorm1d(3)
    sd = bn.state_dict()
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert np.shares_memory(sd[name].numpy(), getattr(bn, name).numpy()), name
    assert bn.state_dict(keep_vars=True)["running_mean"] is bn.running_mean
    best = copy.deepcopy(bn.state_dict())
    bn(dn.tensor(batch(2).astype(np.float32)))
    np.testing.assert_array_equal(sd["running_mean"].numpy(), bn.running_mean.numpy())  # live
    assert int(sd["num_batches_tracked"]) == 1 and int(best["num_batches_tracked"]) == 0
    assert best["running_mean"].tolist() == [0.0] * 3
    sd["running_var"].fill_(4.0)  # writing through a value changes the layer, as in PyTorch
    assert bn.running_var.tolist() == [4.0] * 3


def test_eval_uses_the_updated_statistics():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    held = bn.running_mean  # an outside reference (an optimizer, a checkpoint) keeps the live buffer
    for seed in range(3):
        bn(dn.tensor(batch(seed)))
    assert held is bn.running_mean and not np.all(held.numpy() == 0)
    bn.eval()
    x = batch(9)
    expected = (x - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + bn.eps)
    np.testing.assert_allclose(bn(dn.tensor(x)).array, expected, rtol=1e-12)


def test_to_dtype_keeps_the_same_buffer_tensors():
    bn = nn.BatchNorm1d(2)
    buffers = list(bn.buffers())
    bn.double()
    assert list(bn.buffers()) == buffers and all(a is b for a, b in zip(bn.buffers(), buffers, strict=True))
    assert bn.running_mean.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    bn(dn.tensor(np.array([[1.0, 2.0], [3.0, 6.0]])))
    np.testing.assert_allclose(bn.state_dict()["running_mean"].numpy(), [0.2, 0.4])


def test_versions_move_where_pytorchs_do():
    """The forward pass writes the running statistics without a version bump (as PyTorch's kernel)
    and counts the batch with one (PyTorch's ``num_batches_tracked.add_(1)``)."""
    bn = nn.BatchNorm1d(2)
    before = [b._version for b in bn.buffers()]
    bn(dn.tensor(batch(3, (4, 2)).astype(np.float32)))
    bn(dn.tensor(batch(4, (4, 2)).astype(np.float32)))
    bn.eval()
    bn(dn.tensor(batch(5, (4, 2)).astype(np.float32)))
    assert [b._version - v for b, v in zip(bn.buffers(), before, strict=True)] == [0, 0, 2]
    bn.reset_running_stats()
    assert [b._version - v for b, v in zip(bn.buffers(), before, strict=True)] == [1, 1, 3]
    bn.load_state_dict(bn.state_dict())
    assert [b._version - v for b, v in zip(bn.buffers(), before, strict=True)] == [2, 2, 4]


def test_versions_match_pytorch():
    torch = pytest.importorskip("torch")
    theirs, ours = torch.nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    names = ("running_mean", "running_var", "num_batches_tracked")

    def versions(layer):
        return [getattr(layer, name)._version for name in names]

    start_theirs, start_ours = versions(theirs), versions(ours)
    x = batch(6, (4, 2)).astype(np.float32)
    for layer, data in ((theirs, torch.tensor(x)), (ours, dn.tensor(x))):
        layer(data)
        layer.reset_running_stats()
        layer.load_state_dict(layer.state_dict())
        layer.running_var.zero_()
    assert np.subtract(versions(ours), start_ours).tolist() == np.subtract(versions(theirs), start_theirs).tolist()


@pytest.mark.parametrize(
    "change",
    [
        lambda bn: bn.reset_running_stats(),
        lambda bn: bn.load_state_dict({k: v.clone() for k, v in bn.state_dict().items()}),
        lambda bn: bn.running_mean.add_(1.0),
    ],
    ids=["reset_running_stats", "load_state_dict", "add_"],
)
def test_a_graph_that_saved_a_buffer_refuses_backward_after_an_in_place_change(change):
    bn = nn.BatchNorm1d(2)
    w = dn.tensor([1.0, 2.0], requires_grad=True, dtype=np.float32)
    y = (w * bn.running_mean).sum()  # saved running_mean for w's gradient
    change(bn)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_training_forward_leaves_a_graph_that_saved_the_statistics_usable_as_pytorch():
    bn = nn.BatchNorm1d(2)
    w = dn.tensor([1.0, 2.0], requires_grad=True, dtype=np.float32)
    y = (w * bn.running_var).sum()
    bn(dn.tensor(batch(7, (4, 2)).astype(np.float32)))  # PyTorch's kernel does not bump it either
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), bn.running_var.numpy())


@pytest.mark.parametrize("momentum", [0.1, None])
def test_running_statistics_match_pytorch_over_training_steps(momentum):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=momentum)).double()
    ours = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.BatchNorm1d(4, momentum=momentum, dtype=np.float64))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt_o = dn.optim.SGD(ours.parameters(), lr=0.1)
    for seed in range(4):
        x = batch(seed, (8, 3))
        loss_t = theirs(torch.tensor(x)).square().mean()
        opt_t.zero_grad()
        loss_t.backward()
        opt_t.step()
        loss_o = ours(dn.tensor(x)).square().mean()
        opt_o.zero_grad()
        loss_o.backward()
        opt_o.step()
    bn_t, bn_o = theirs[1], ours[1]
    assert torch.allclose(torch.from_numpy(bn_o.running_mean.numpy()), bn_t.running_mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn_o.running_var.numpy(), bn_t.running_var.numpy(), rtol=1e-10)
    assert bn_o.num_batches_tracked.item() == bn_t.num_batches_tracked.item() == 4


def test_instance_norm_buffers_are_tensors_bumped_as_pytorchs():
    norm = nn.InstanceNorm1d(2, track_running_stats=True)
    assert type(norm.running_mean) is dn.Tensor and type(norm.num_batches_tracked) is dn.Tensor
    w = dn.tensor([1.0, 2.0], requires_grad=True, dtype=np.float32)
    y = (w * norm.running_mean).sum()
    norm(dn.tensor(batch(8, (3, 2, 4)).astype(np.float32)))  # PyTorch copy_()s the new statistics
    assert norm.running_mean._version == 1 and norm.num_batches_tracked._version == 0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_sync_batch_norm_conversion_keeps_the_statistics_as_tensors():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model(dn.tensor(batch(9, (5, 3)).astype(np.float32)))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(model))[1]
    assert type(converted.running_mean) is dn.Tensor
    np.testing.assert_array_equal(converted.running_mean.numpy(), model[1].running_mean.numpy())
    assert converted.num_batches_tracked.item() == 1


# -- register_buffer and assignment ----------------------------------------------------------
def test_register_buffer_keeps_a_tensor_and_wraps_an_array_without_a_copy():
    m = nn.Module()
    t = dn.tensor([1.0, 2.0])
    m.register_buffer("scale", t)
    assert m.scale is t
    array = np.zeros(3)
    m.register_buffer("mask", array, persistent=False)
    assert type(m.mask) is dn.Tensor and m.mask.array is array and m.mask.dtype == np.float64
    m.mask = np.ones(2)  # a later array assignment is wrapped too
    assert type(m.mask) is dn.Tensor and [n for n, _ in m.named_buffers()] == ["scale", "mask"]


@pytest.mark.parametrize("value", [[1.0], 3, "x", (1, 2)])
def test_a_buffer_must_be_a_tensor_or_none(value):
    m = nn.Module()
    with pytest.raises(TypeError, match=r"register_buffer: cannot assign \w+ as buffer 'b' \(a deltanet Tensor, a"):
        m.register_buffer("b", value)
    m.register_buffer("b", dn.zeros(1))
    with pytest.raises(TypeError, match=r"Module: cannot assign \w+ as buffer 'b' \(a deltanet Tensor, a NumPy arr"):
        m.b = value
    assert type(m.b) is dn.Tensor and list(m.state_dict()) == ["b"]


def test_a_pytorch_tensor_given_as_a_buffer_is_named_in_the_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"cannot assign torch\.Tensor as buffer 'w' \(a deltanet Tensor"):
        nn.Module().register_buffer("w", torch.ones(2))


def test_a_buffer_set_to_none_comes_back_with_a_tensor_as_pytorchs():
    torch = pytest.importorskip("torch")
    for lib, make in ((torch.nn, torch.ones), (nn, dn.ones)):
        m = lib.Module()
        m.register_buffer("b", None)
        assert list(m.state_dict()) == [] and list(m.buffers()) == []
        m.b = make(2)
        assert list(m.state_dict()) == ["b"], lib
        m.b = None
        assert list(m.state_dict()) == [] and [n for n, _ in m.named_buffers()] == []
    bn = nn.BatchNorm1d(2, track_running_stats=False)
    bn.running_mean = dn.zeros(2)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean"]


def test_loss_weights_are_tensor_buffers():
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0])
    assert type(loss.weight) is dn.Tensor and loss.weight.dtype == np.float64
    assert list(loss.state_dict()) == ["weight"]
    logits, target = dn.tensor(np.diag([1.0, 2.0, 3.0]).astype(np.float32)), np.array([0, 1, 2])
    before = loss(logits, target).item()
    loss.weight.fill_(1.0)  # in place, as a PyTorch user would
    assert loss(logits, target).item() != before
    assert loss.get_config()["weight"] == [1.0, 1.0, 1.0]
    bce = nn.BCEWithLogitsLoss(pos_weight=np.array([2.0]))
    assert type(bce.pos_weight) is dn.Tensor
    assert bce(dn.tensor([0.0]), dn.tensor([1.0])).item() == pytest.approx(2 * np.log(2))
