"""The parts of deltanet.distributed that need no MPI job: sharding, batch checks, random streams,
the launcher's environment, the missing-extra message, and SyncBatchNorm's gradient (one rank,
and two ranks simulated by two threads that sum through a barrier)."""

import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from tests.distributed.launch import SRC

import deltanet as dn
from deltanet.distributed import mpi
from deltanet.distributed.seeding import split_streams
from deltanet.distributed.sharding import check_batches, shard
from deltanet.functional.sync_batchnorm import sync_batch_norm


@pytest.mark.parametrize("n, size", [(7, 2), (10, 3), (2, 2), (64, 8)])
def test_shards_cover_the_batch_once_in_order(n, size):
    parts = [shard(n, r, size) for r in range(size)]
    assert parts[0][0] == 0 and parts[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))
    assert max(hi - lo for lo, hi in parts) - min(hi - lo for lo, hi in parts) <= 1


def test_a_batch_that_leaves_a_rank_without_samples_is_refused():
    check_batches(35, 7, 2)
    check_batches(100, None, 8)
    with pytest.raises(ValueError, match=r"batch_size=1 gives each step 1 sample, fewer than the 2 ranks"):
        check_batches(10, 1, 2)
    with pytest.raises(ValueError, match=r"last step of each epoch has 5 of the 101 samples.*such as 31"):
        check_batches(101, 32, 8)


def test_each_rank_gets_its_own_stream_once():
    a, b, c = (np.random.default_rng(3) for _ in range(3))
    split_streams([b], rank=1)
    split_streams([b], rank=1)  # moved once: a second fit continues the stream
    c.bit_generator.state = c.bit_generator.jumped(1).state
    assert b.random() == c.random() and a.random() != b.random()
    d = np.random.default_rng(3)
    split_streams([d], rank=0)
    assert d.random() == np.random.default_rng(3).random()  # rank 0 keeps the one-process stream
    with pytest.raises(ValueError, match="SFC64 generator cannot be split"):
        split_streams([np.random.Generator(np.random.SFC64(0))], rank=1)


def test_the_launchers_environment_gives_the_world_size(monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE", "PMIX_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert mpi.launched_size() == 1
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert mpi.launched_size() == 4


def test_a_run_under_a_launcher_without_init_is_pointed_out(monkeypatch):
    """mpiexec -n 2 python train.py with no dn.distributed.init(): every rank would train the whole
    run alone and write the same files; fit and sweep say so, unless told distributed=False."""
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    X, y = np.random.default_rng(0).normal(size=(8, 2)), np.arange(8) % 2

    def train(**kwargs):
        model = dn.nn.Linear(2, 2, rng=0, dtype="float64")
        dn.fit(
            model, X, y, "cross_entropy", dn.optim.SGD(model.parameters(), lr=0.1), verbose=0, monitor=False, **kwargs
        )

    with pytest.warns(
        UserWarning, match=r"fit: this process is one of 2 ranks .* call dn.distributed.init\(\)"
    ) as seen:
        train()
    assert seen[0].filename == __file__  # the line that called fit
    with pytest.warns(UserWarning, match=r"sweep: this process is one of 2 ranks"):
        dn.sweep(lambda: dn.nn.Linear(2, 2, rng=0, dtype="float64"), X, y, {"lr": [0.1]}, epochs=1, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(distributed=False)
        monkeypatch.delenv("OMPI_COMM_WORLD_SIZE")
        train()


def test_a_missing_mpi4py_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r'pip install "deltanet\[mpi\]"'):
        mpi.load()


def test_one_process_is_not_distributed():
    assert dn.distributed.get_world_size() == 1 and dn.distributed.get_rank() == 0
    assert not dn.distributed.is_initialized()
    dn.distributed.barrier()  # nothing to wait for


def test_fit_distributed_in_a_plain_process_trains_as_one(tmp_path):
    pytest.importorskip("mpi4py")
    code = (
        "import numpy as np, deltanet as dn\n"
        "X = np.random.default_rng(0).normal(size=(12, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "def run(d):\n"
        "    m = dn.nn.Linear(3, 2, rng=0, dtype='float64')\n"
        "    dn.fit(m, X, y, 'cross_entropy', dn.optim.SGD(m.parameters(), lr=0.1), epochs=2, batch_size=5,"
        " rng=0, verbose=0, distributed=d)\n"
        "    return m.weight.data\n"
        "print(bool((run(True) == run(False)).all()), dn.distributed.get_world_size())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert done.stdout.split() == ["True", "1"], done.stderr


def test_fit_refuses_a_bad_distributed_flag():
    model = dn.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="fit: distributed must be True or False"):
        dn.fit(model, np.zeros((4, 2)), np.zeros(4, int), "cross_entropy", "sgd", distributed="yes", verbose=0)


# -- SyncBatchNorm ----------------------------------------------------------------------------------
def test_sync_batch_norm_on_one_rank_is_batch_norm():
    rng = np.random.default_rng(0)
    x, g, b, w = rng.normal(size=(6, 3, 4)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(6, 3, 4))
    stats = [(np.zeros(3), np.ones(3)) for _ in range(2)]
    leaves = [[dn.tensor(v, requires_grad=True) for v in (x, g, b)] for _ in range(2)]
    y1 = sync_batch_norm(leaves[0][0], *stats[0], leaves[0][1], leaves[0][2])
    y2 = dn.functional.batch_norm(leaves[1][0], *stats[1], leaves[1][1], leaves[1][2], training=True)
    assert np.array_equal(y1.data, y2.data)
    assert np.array_equal(stats[0][0], stats[1][0]) and np.array_equal(stats[0][1], stats[1][1])
    (y1 * dn.tensor(w)).sum().backward()
    (y2 * dn.tensor(w)).sum().backward()
    for a, c in zip(leaves[0], leaves[1], strict=True):
        np.testing.assert_allclose(a.grad.data, c.grad.data, rtol=1e-12, atol=1e-13)


def test_sync_batch_norm_gradcheck_one_rank():
    rng = np.random.default_rng(1)
    inputs = [dn.tensor(rng.normal(size=s), requires_grad=True) for s in ((5, 2, 3), (2,), (2,))]
    assert dn.gradcheck(lambda x, g, b: sync_batch_norm(x, None, None, g, b), inputs)


class ThreadRanks:
    """``size`` ranks as threads: ``member(r).sum_(array)`` sums over them through a barrier."""

    def __init__(self, size):
        self.size, self.barrier, self.slots = size, threading.Barrier(size, timeout=10), [None] * size

    def member(self, rank):
        ranks = self

        class Member:
            size = ranks.size

            def sum_(self, array):
                ranks.slots[rank] = array.copy()
                ranks.barrier.wait()
                total = sum(ranks.slots[1:], ranks.slots[0].copy())
                ranks.barrier.wait()
                array[...] = total
                return array

        return Member()


def test_sync_batch_norm_on_two_ranks_is_batch_norm_on_the_whole_batch():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(7, 3, 2, 2)), rng.normal(size=(7, 3, 2, 2))
    full = dn.nn.BatchNorm2d(3, dtype="float64")
    full.weight.data[...], full.bias.data[...] = rng.normal(size=3), rng.normal(size=3)
    X = dn.tensor(x, requires_grad=True)
    (full(X) * dn.tensor(w)).sum().backward()  # the objective: a sum, so the ranks' parts add up
    ranks, found = ThreadRanks(2), {}

    def rank(r):
        layer = dn.nn.SyncBatchNorm(3, process_group=ranks.member(r), dtype="float64")
        layer.load_state_dict({**full.state_dict(), "running_mean": np.zeros(3), "running_var": np.ones(3)})
        layer.num_batches_tracked[...] = 0
        lo, hi = shard(7, r, 2)
        xr = dn.tensor(x[lo:hi], requires_grad=True)
        (layer(xr) * dn.tensor(w[lo:hi])).sum().backward()
        found[r] = (xr.grad.data, layer.weight.grad.data, layer.bias.grad.data, layer.running_var.clone())

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    np.testing.assert_allclose(np.concatenate([found[0][0], found[1][0]]), X.grad.data, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(found[0][1] + found[1][1], full.weight.grad.data, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(found[0][2] + found[1][2], full.bias.grad.data, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(found[0][3], full.running_var, rtol=1e-12)
    assert np.array_equal(found[0][3], found[1][3])


def test_sync_batch_norm_checks_its_group_and_converts_models():
    with pytest.raises(ValueError, match="process_group must be None, an mpi4py communicator"):
        dn.nn.SyncBatchNorm(3, process_group="world")
    model = dn.nn.Sequential(dn.nn.Conv2d(1, 2, 3, rng=0), dn.nn.BatchNorm2d(2), dn.nn.ReLU())
    model[1].running_mean[...] = 0.5
    converted = dn.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], dn.nn.SyncBatchNorm) and converted[1].running_mean.tolist() == [0.5, 0.5]
    x = np.random.default_rng(0).normal(size=(3, 1, 5, 5)).astype(np.float32)
    reference = dn.nn.Sequential(dn.nn.Conv2d(1, 2, 3, rng=0), dn.nn.BatchNorm2d(2), dn.nn.ReLU())
    reference[1].running_mean[...] = 0.5
    assert np.array_equal(converted(dn.tensor(x)).data, reference(dn.tensor(x)).data)


def test_sync_batch_norm_against_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).normal(size=(4, 3, 5))
    ours = dn.nn.SyncBatchNorm(3, dtype="float64")
    theirs = torch.nn.BatchNorm1d(3).double()  # SyncBatchNorm on one process is batch norm
    y = ours(dn.tensor(x)).data
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    assert list(ours.state_dict()) == list(torch.nn.SyncBatchNorm(3).state_dict())


class _Recorder:
    """A stand-in stderr that records each write and flush."""

    def __init__(self, events):
        self.events = events

    def write(self, text):
        self.events.append(("write", text))

    def flush(self):
        self.events.append(("flush", None))


class _Comm:
    def __init__(self, events):
        self.events = events

    def Abort(self, status):
        self.events.append(("abort", status))


@pytest.mark.parametrize("where", ["excepthook", "abort_on_error"])
def test_a_failing_rank_writes_its_message_in_one_piece_and_flushes_before_the_abort(monkeypatch, where):
    # The launcher forwards a rank's output on its own time and MPI_Abort ends the job at once: a
    # traceback written after the line naming the rank was lost in one CI run (only that line came).
    from deltanet.distributed import failure

    events = []
    monkeypatch.setattr(failure, "FORWARD_SECONDS", 0)
    monkeypatch.setattr(failure, "_installed", [])
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(sys, "stderr", _Recorder(events))
    comm = _Comm(events)
    try:
        raise RuntimeError("rank 1 gave up before training")
    except RuntimeError as error:
        if where == "excepthook":
            failure.install_excepthook(comm, 1, 2)
            sys.excepthook(RuntimeError, error, error.__traceback__)
            header = "deltanet.distributed: uncaught RuntimeError on rank 1 of 2:"
        else:
            with pytest.raises(RuntimeError), failure.abort_on_error(comm, 1, 2):
                raise
            header = "deltanet.distributed: rank 1 of 2 failed; stopping all 2 ranks."
    writes = [text for kind, text in events if kind == "write"]
    assert len(writes) == 1
    assert writes[0].startswith(header) and "RuntimeError: rank 1 gave up before training" in writes[0]
    kinds = [kind for kind, _ in events]
    assert kinds.index("write") < kinds.index("flush") < kinds.index("abort") == len(kinds) - 1
