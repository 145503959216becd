"""``torch.distributed``'s names in one process, without starting MPI: the sampler's arithmetic
against PyTorch's, the errors before ``init_process_group``, ``queue_callback``."""

import numpy as np
import pytest
from deltanet.nn.parallel import DistributedDataParallel

import deltanet as dn
import deltanet.distributed as dist
from deltanet.autograd.hooks import queue_callback
from deltanet.utils.data import DataLoader, TensorDataset
from deltanet.utils.data.distributed import DistributedSampler

CASES = [(10, 3, False), (10, 3, True), (7, 2, False), (7, 2, True), (2, 5, False), (2, 5, True), (12, 4, False)]


@pytest.mark.parametrize(("n", "replicas", "drop_last"), CASES)
def test_unshuffled_indices_are_pytorchs(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as Theirs

    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = Theirs(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert torch is not None


@pytest.mark.parametrize(("n", "replicas", "drop_last"), CASES)
def test_shuffled_shares_partition_the_data(n, replicas, drop_last):
    def shares(epoch, seed=0):
        found = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=seed, drop_last=drop_last)
            s.set_epoch(epoch)
            found.append(list(s))
        return found

    first = shares(0)
    assert first == shares(0)  # every rank draws the same permutation
    assert len({len(s) for s in first}) == 1
    every = [i for s in first for i in s]
    if drop_last:
        assert len(set(every)) == len(every) and len(every) == n - n % replicas  # disjoint, the tail dropped
    else:
        assert set(every) == set(range(n)) and len(every) == -(-n // replicas) * replicas  # all, padded
    if n >= 7:
        assert shares(1) != first and shares(0, seed=1) != first  # set_epoch and seed change the order


def test_a_loader_with_the_sampler():
    data = TensorDataset(np.arange(10.0).reshape(10, 1), np.arange(10))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    batches = [y.tolist() for _, y in DataLoader(data, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]


def test_bad_samplers_are_refused():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    with pytest.raises(ValueError, match="DistributedSampler: Default process group has not been initialized"):
        DistributedSampler(range(4))  # PyTorch too: the world comes from the group


def test_before_init_process_group():
    assert not dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.group.WORLD is None
    for call in (
        lambda: dist.all_reduce(dn.ones(2)),
        lambda: dist.broadcast(dn.ones(2), src=0),
        lambda: dist.all_gather([dn.ones(2)], dn.ones(2)),
        dist.get_backend,
        lambda: DistributedDataParallel(dn.nn.Linear(2, 1)),
    ):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()
    dist.destroy_process_group()  # nothing to leave


def test_gpu_backends_and_bad_arguments_are_refused_before_mpi_starts():
    with pytest.raises(ValueError, match="backend='nccl' needs GPUs, and deltanet runs on the CPU"):
        dist.init_process_group(backend="nccl")
    with pytest.raises(ValueError, match="backend must be 'gloo', 'mpi' or None"):
        dist.init_process_group(backend="tcp")
    with pytest.raises(TypeError, match="backend must be a string"):
        dist.init_process_group(backend=1)
    with pytest.raises(ValueError, match="group must be None or dist.group.WORLD"):
        dist.get_rank(group="all")
    assert not dist.is_initialized()


def test_reduce_ops_and_work_look_like_pytorchs():
    assert repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>" and repr(dist.ReduceOp.AVG) == "<RedOpType.AVG: 1>"
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist

    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert int(getattr(dist.ReduceOp, name)) == int(getattr(tdist.ReduceOp, name)), name
    assert dist.Work([]).wait() is True and dist.is_nccl_available() is False
    assert torch is not None


def test_parallel_is_importable_by_pytorchs_paths():
    import deltanet.nn.parallel
    from deltanet.nn.parallel import DistributedDataParallel as DDP

    assert dn.nn.parallel.DistributedDataParallel is DDP is deltanet.nn.parallel.DistributedDataParallel
    assert dn.utils.data.DistributedSampler is DistributedSampler


def test_queue_callback_runs_once_after_every_grad_is_written():
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    v = dn.tensor([3.0], requires_grad=True)
    seen = []
    handle = w.register_hook(lambda g: queue_callback(lambda: seen.append((w.grad.tolist(), v.grad.tolist()))))
    (w.sum() * v).sum().backward()
    assert seen == [([3.0, 3.0], [3.0])]
    dn.autograd.grad((w * v).sum(), [w])  # autograd.grad writes no .grad: the callbacks are dropped
    assert len(seen) == 1
    handle.remove()  # the hook holds w: the table of leaf hooks would keep it alive
    with pytest.raises(TypeError, match="callback must be callable"):
        queue_callback(3)


def test_spawn_without_a_launcher():
    import deltanet.multiprocessing as mp

    seen = []
    mp.spawn(lambda rank, out: out.append(rank), args=(seen,), nprocs=1)
    assert seen == [0]
    with pytest.raises(ValueError, match=r"Run the script as mpiexec -n 2 python script.py"):
        mp.spawn(print, nprocs=2)
    with pytest.raises(ValueError, match="join=False is not supported"):
        mp.spawn(print, nprocs=1, join=False)
    assert dn.multiprocessing.spawn is mp.spawn


def test_queued_callbacks_belong_to_their_thread():
    import threading

    w = dn.tensor([1.0], requires_grad=True)
    started, release, seen = threading.Event(), threading.Event(), []

    def hook(g):
        queue_callback(lambda: seen.append("first thread"))
        started.set()
        release.wait(10)  # another thread runs a whole backward pass meanwhile

    handle = w.register_hook(hook)
    thread = threading.Thread(target=lambda: (w * 2).sum().backward())
    thread.start()
    started.wait(10)
    handle.remove()
    x = dn.tensor([1.0], requires_grad=True)
    (x * 3).sum().backward()  # must neither run nor drop the first thread's callback
    assert seen == []
    release.set()
    thread.join(10)
    assert seen == ["first thread"]


def test_the_ddp_tutorials_checkpoint_map_location_loads(tmp_path):
    model = dn.nn.Linear(2, 1)
    dn.save(model.state_dict(), tmp_path / "ddp.pt")
    rank = 1
    map_location = {"cuda:%d" % 0: "cuda:%d" % rank}  # noqa: UP031 - the tutorial's spelling
    state = dn.load(tmp_path / "ddp.pt", map_location=map_location, weights_only=True)
    assert np.array_equal(state["weight"], model.weight.data)
    with pytest.raises(ValueError, match="map_location must be None or 'cpu'"):
        dn.load(tmp_path / "ddp.pt", map_location={"cpu": "cuda:1"})  # would move deltanet's arrays to a GPU
