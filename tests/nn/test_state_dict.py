"""``Module.state_dict()`` gives what PyTorch's gives: detached tensors that share memory (and the
version counter) with the parameters and buffers, so the PyTorch habits behave alike: ``.size()``,
writing through a value, ``best = model.state_dict()`` following later training while a deepcopy
does not; ``keep_vars=True`` gives the members themselves. And deltanet's own users of a
``state_dict`` that need a snapshot (EarlyStopping, checkpoint resume) still get one."""

import copy

import numpy as np
import pytest
from tests.training._callbacks import CrashAfter, Interrupted

import deltanet as dn
from deltanet import nn


def model():
    return nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.Linear(4, 2, rng=1))


def train_a_step(net, seed=0):
    x = dn.tensor(np.random.default_rng(seed).standard_normal((5, 3)).astype(np.float32))
    opt = dn.optim.SGD(net.parameters(), lr=0.5)
    net(x).square().sum().backward()
    opt.step()


def test_values_are_detached_tensors_sharing_the_models_memory():
    net = model()
    sd = net.state_dict()
    assert list(sd) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "2.weight", "2.bias",
    ]  # fmt: skip
    assert all(type(v) is dn.Tensor and not v.requires_grad and v.is_leaf for v in sd.values())
    w = sd["0.weight"]
    assert w.size() == (4, 3) and w.size(1) == 3 and w.shape == (4, 3)  # the tutorial's .size()
    assert w.detach().numpy() is net[0].weight.array and w.cpu() is w
    assert sd["1.running_mean"].detach().numpy() is net[1].running_mean.array  # a buffer: detached, same memory
    assert sd["1.num_batches_tracked"].dtype == np.int64 and sd["1.num_batches_tracked"].shape == ()
    clone = w.clone()
    assert not np.shares_memory(clone.detach().numpy(), w.detach().numpy())
    np.testing.assert_array_equal(clone.detach().numpy(), w.detach().numpy())


def test_writing_through_a_value_changes_the_model():
    net = model()
    sd = net.state_dict()
    sd["0.weight"][0] = 0
    sd["2.bias"].copy_(dn.tensor([1.0, 2.0]))
    sd["1.running_var"].fill_(3.0)
    assert not net[0].weight.array[0].any()
    assert net[2].bias.tolist() == [1.0, 2.0] and net[1].running_var.tolist() == [3.0] * 4


def test_a_write_through_a_value_is_seen_by_autograds_version_check():
    net = nn.Linear(3, 2, rng=0)
    y = net(dn.tensor(np.ones((4, 3)), requires_grad=True)).sum()  # saved the weight for backward
    net.state_dict()["weight"][0] = 0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_kept_state_dict_follows_training_and_a_deepcopy_does_not():
    net = model()
    start = net[0].weight.detach().numpy().copy()
    best = net.state_dict()
    frozen = copy.deepcopy(net.state_dict())
    cloned = {k: v.clone() for k, v in net.state_dict().items()}
    train_a_step(net)
    assert not np.array_equal(net[0].weight.array, start)
    np.testing.assert_array_equal(best["0.weight"].detach().numpy(), net[0].weight.array)  # follows, as PyTorch's
    np.testing.assert_array_equal(frozen["0.weight"].detach().numpy(), start)
    np.testing.assert_array_equal(cloned["0.weight"].detach().numpy(), start)
    net.load_state_dict(frozen)
    np.testing.assert_array_equal(net[0].weight.array, start)


def test_keep_vars_gives_the_members_themselves():
    net = model()
    sd = net.state_dict(keep_vars=True)
    assert sd["0.weight"] is net[0].weight and sd["0.weight"].requires_grad
    assert sd["1.running_mean"] is net[1].running_mean
    assert list(sd) == list(net.state_dict())
    holder = nn.Module()
    holder.register_buffer("scale", dn.tensor([1.0, 2.0]))
    assert holder.state_dict(keep_vars=True)["scale"] is holder.scale
    assert (
        holder.state_dict()["scale"] is not holder.scale
        and holder.state_dict()["scale"].detach().numpy() is holder.scale.array
    )


def test_tied_parameters_appear_under_both_names():
    first, second = nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1)
    second.weight = first.weight
    net = nn.Sequential(first, second)
    sd = net.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert sd["1.weight"].detach().numpy() is sd["0.weight"].detach().numpy()
    assert repr(net.load_state_dict(sd)) == "<All keys matched successfully>"


def test_loading_a_models_own_state_dict_back_changes_nothing():
    net = model()
    train_a_step(net)
    before = copy.deepcopy(net.state_dict())
    arrays = [p.array for p in net.parameters()]
    assert repr(net.load_state_dict(net.state_dict())) == "<All keys matched successfully>"
    assert all(a is p.array for a, p in zip(arrays, net.parameters(), strict=True))
    for key, value in net.state_dict().items():
        assert value.detach().numpy().tobytes() == before[key].detach().numpy().tobytes(), key


def test_a_swap_of_two_keys_loads_both_values():
    """Values that alias *other* keys of the same model are copied before any write: writing one
    after the other would load the first write's result twice."""
    net = nn.Sequential(nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1))
    a, b = net[0].weight.detach().numpy().copy(), net[1].weight.detach().numpy().copy()
    sd = net.state_dict()
    sd["0.weight"], sd["1.weight"] = sd["1.weight"], sd["0.weight"]
    net.load_state_dict(sd)
    np.testing.assert_array_equal(net[0].weight.array, b)
    np.testing.assert_array_equal(net[1].weight.array, a)


def test_a_state_dict_saves_and_loads_as_tensors(tmp_path):
    net = model()
    train_a_step(net)
    dn.save(net.state_dict(), tmp_path / "weights.dnet")
    loaded = dn.load(tmp_path / "weights.dnet")
    assert list(loaded) == list(net.state_dict())
    assert all(type(v) is dn.Tensor for v in loaded.values())  # what was saved, as torch.load
    fresh = model()
    fresh.load_state_dict(loaded)
    for key, value in net.state_dict().items():
        assert fresh.state_dict()[key].detach().numpy().tobytes() == value.detach().numpy().tobytes(), key


def _habits(net, train):
    """The three habits, written once for both libraries: (.size(), a write through a value
    reaches the model, a kept state_dict follows training, a deepcopy stays)."""
    sd = net.state_dict()
    size = tuple(sd["weight"].size())
    kept, snapshot = net.state_dict(), copy.deepcopy(net.state_dict())
    sd["weight"][0] = 0
    written = not net.weight.detach().numpy()[0].any()
    train()
    now = net.weight.detach().numpy()
    return (
        size,
        written,
        np.array_equal(kept["weight"].detach().numpy(), now),
        np.array_equal(snapshot["weight"].detach().numpy(), now),
    )


def test_the_three_pytorch_habits_behave_as_in_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2, rng=0), torch.nn.Linear(3, 2)

    def train_ours():
        ours(dn.tensor(np.ones((1, 3)))).sum().backward()
        dn.optim.SGD(ours.parameters(), lr=0.1).step()

    def train_theirs():
        theirs(torch.ones(1, 3)).sum().backward()
        torch.optim.SGD(theirs.parameters(), lr=0.1).step()

    assert _habits(ours, train_ours) == _habits(theirs, train_theirs) == ((2, 3), True, True, False)
    assert type(theirs.state_dict()["weight"]) is torch.Tensor and type(ours.state_dict()["weight"]) is dn.Tensor
    assert theirs.state_dict(keep_vars=True)["weight"] is theirs.weight
    assert ours.state_dict(keep_vars=True)["weight"] is ours.weight


def _restore_run(restore, values):
    class Script(dn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = values[epoch]
            states.append(copy.deepcopy(self.model.state_dict()))

    states = []
    net = nn.Linear(2, 2, rng=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    stopper = dn.callbacks.EarlyStopping(patience=2, restore_best_weights=restore)
    opt = dn.optim.SGD(net.parameters(), lr=0.5)
    dn.fit(net, X, y, "cross_entropy", opt, epochs=len(values), batch_size=4, callbacks=[Script(), stopper], rng=0)
    return net, states, stopper


def test_early_stopping_restores_the_best_epoch_not_the_last():
    net, states, stopper = _restore_run(True, [1.0, 0.5, 0.7, 0.8, 0.9])
    assert stopper.best_epoch == 1 and len(states) == 4
    assert any(not np.array_equal(states[3][k].detach().numpy(), states[1][k].detach().numpy()) for k in states[1])
    for key, value in net.state_dict().items():  # an alias to the live weights would give epoch 3's
        np.testing.assert_array_equal(value.detach().numpy(), states[1][key].detach().numpy())
    kept = stopper.best_weights.values()
    assert all(not np.shares_memory(v.detach().numpy(), p.array) for v, p in zip(kept, net.parameters(), strict=True))


def test_a_checkpoint_resume_is_bit_exact(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((24, 3)), rng.integers(0, 2, 24)

    def run(callbacks, resume_from=None):
        net = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2, rng=1))
        opt = dn.optim.Adam(net.parameters(), lr=0.05)
        dn.fit(net, X, y, "cross_entropy", opt, epochs=3, batch_size=8, rng=0, callbacks=callbacks,
               resume_from=resume_from)  # fmt: skip
        return net

    whole = run([])
    with pytest.raises(Interrupted):
        run([CrashAfter(5), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1, monitor="loss")])
    resumed = run(
        [dn.callbacks.ModelCheckpoint(tmp_path / "again", every_n_steps=1, monitor="loss")], tmp_path / "last.dnet"
    )
    for key, value in whole.state_dict().items():
        assert resumed.state_dict()[key].detach().numpy().tobytes() == value.detach().numpy().tobytes(), key


def test_numpy_array_of_a_value_is_a_copy():
    net = nn.Linear(2, 2, rng=0)
    snapshot = np.array(net.state_dict()["weight"])  # NumPy's copy, as np.array(torch_tensor) is
    assert not np.shares_memory(snapshot, net.weight.array)
    assert np.shares_memory(np.asarray(net.state_dict()["weight"]), net.weight.array)  # asarray: no copy
    with pytest.raises(ValueError, match="cannot be read as float64 without a copy"):
        np.array(net.state_dict()["weight"], dtype=np.float64, copy=False)


def test_a_dict_without_num_batches_tracked_loads_and_keeps_the_count_as_pytorch():
    """PyTorch's batch norm fills a missing ``num_batches_tracked`` (older checkpoints, hand-built
    dicts) with its own count; every other missing key still counts as missing."""
    net = model()
    net(dn.tensor(np.ones((5, 3), np.float32)))  # one training batch: the count is 1
    values = {k: v.clone() + 1 for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert net.load_state_dict(values).missing_keys == []
    assert int(net[1].num_batches_tracked) == 1
    np.testing.assert_array_equal(net[1].running_mean.detach().numpy(), values["1.running_mean"].detach().numpy())
    del values["1.running_mean"]
    assert net.load_state_dict(values, strict=False).missing_keys == ["1.running_mean"]
    with pytest.raises(KeyError, match=r"missing keys \['1.running_mean'\]"):
        net.load_state_dict(values)
    norm = nn.InstanceNorm1d(2, track_running_stats=True)
    assert norm.load_state_dict({"running_mean": np.ones(2), "running_var": np.ones(2)}).missing_keys == []


def test_missing_num_batches_tracked_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(2), torch.nn.BatchNorm2d(2)
    values = {"weight": np.ones(2, np.float32), "bias": np.zeros(2, np.float32)}
    values |= {"running_mean": np.ones(2, np.float32), "running_var": np.ones(2, np.float32)}
    mine = ours.load_state_dict(values)
    other = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in values.items()})
    assert (mine.missing_keys, mine.unexpected_keys) == (other.missing_keys, other.unexpected_keys) == ([], [])
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 0


def test_a_shape_mismatch_raises_pytorchs_runtime_error_also_when_not_strict():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        sd = {"weight": lib.zeros(3, 2), "bias": lib.zeros(2)}
        with pytest.raises(RuntimeError, match="size mismatch for weight: copying a param with shape"):
            lib.nn.Linear(2, 2).load_state_dict(sd, strict=False)
    with pytest.raises(ValueError, match=r"'weight' expected shape \(2, 2\), got \(3, 2\)"):  # deltanet's habit too
        dn.nn.Linear(2, 2).load_state_dict({"weight": np.zeros((3, 2))}, strict=False)


def test_incompatible_keys_print_as_pytorchs():
    torch = pytest.importorskip("torch")
    shown = []
    for lib in (torch, dn):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        state = {k: v for k, v in model.state_dict().items() if k != "1.bias"}
        state["extra"] = lib.zeros(1)
        shown.append(
            (repr(model.load_state_dict(state, strict=False)), repr(model.load_state_dict(model.state_dict())))
        )
    assert shown[0] == shown[1]
