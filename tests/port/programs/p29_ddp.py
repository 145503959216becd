"""A DistributedDataParallel training script, run on two ranks (``WORLD_SIZE = 2``).

The idioms: `dist.init_process_group(backend="gloo")` and `dist.destroy_process_group()` around
the run, `dist.get_rank()`/`get_world_size()` (the "Getting Started with Distributed Data
Parallel" tutorial); `DDP(model)` from `torch.nn.parallel` with the parameters listed through the
wrapper, `DistributedSampler(dataset, num_replicas=, rank=, shuffle=False)` in a `DataLoader`
with `sampler=` and `sampler.set_epoch(epoch)` at every epoch, the checkpoint
`torch.save(model.module.state_dict(), path)` written by rank 0 alone, `dist.barrier()` and
every rank loading it (pytorch/examples `distributed/ddp-tutorial-series/multigpu.py` and the
DDP tutorial's `demo_checkpoint`); the epoch's loss summed over the ranks with
`dist.all_reduce(tensor, op=dist.ReduceOp.SUM)` (the ImageNet example's `AverageMeter.all_reduce`);
gradient accumulation with `with model.no_sync():` for the first micro-batch (the DDP docs);
predictions gathered for evaluation with `dist.all_gather(list_of_tensors, tensor)` and a
`dist.broadcast` of rank 0's random choice (the common "same subset on every rank" idiom);
`state_dict()` keys of the wrapper starting with `module.`.

The test runs it under `mpiexec -n 2` for deltanet and as two `gloo` processes for PyTorch
(``tests/distributed/test_torch_ddp_port.py``); each rank starts from other weights (seeded with
its rank), so the two runs agree only if DDP broadcasts rank 0's at construction.
"""

import os

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

WORLD_SIZE = 2
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
FEATURES, CLASSES = 6, 3


def build_model():
    return nn.Sequential(nn.Linear(FEATURES, 16), nn.ReLU(), nn.Linear(16, CLASSES))


def make_dataset():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, FEATURES)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def run(model, workdir):
    dist.init_process_group(backend="gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    ddp_model = DDP(model)
    keys = list(ddp_model.state_dict().keys())
    dataset = make_dataset()
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=False)
    loader = DataLoader(dataset, batch_size=4, sampler=sampler)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=0.1, momentum=0.9)

    epoch_losses = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        ddp_model.train()
        totals = torch.zeros(2)
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(ddp_model(inputs), targets)
            loss.backward()
            optimizer.step()
            totals += torch.tensor([loss.item() * inputs.size(0), inputs.size(0)])
        dist.all_reduce(totals, op=dist.ReduceOp.SUM)
        epoch_losses.append((totals[0] / totals[1]).item())

    # Gradient accumulation over two micro-batches: only the second backward pass synchronizes.
    inputs, targets = next(iter(loader))
    optimizer.zero_grad()
    with ddp_model.no_sync():
        F.cross_entropy(ddp_model(inputs[:2]), targets[:2]).backward()
    local_grad = model[0].bias.grad.clone()
    F.cross_entropy(ddp_model(inputs[2:]), targets[2:]).backward()
    optimizer.step()

    # Every rank evaluates its share; the predictions and counts are gathered.
    ddp_model.eval()
    with torch.no_grad():
        xs, ys = next(iter(DataLoader(dataset, batch_size=len(sampler), sampler=sampler)))
        preds = ddp_model(xs).argmax(dim=1)
    gathered = [torch.zeros_like(preds) for _ in range(world_size)]
    dist.all_gather(gathered, preds)
    correct = (preds == ys).sum()
    dist.all_reduce(correct)
    choice = torch.tensor([7 if rank == 0 else 3])
    dist.broadcast(choice, src=0)

    path = os.path.join(workdir, "checkpoint.pt")
    if rank == 0:
        torch.save(ddp_model.module.state_dict(), path)
    dist.barrier()
    restored = build_model()
    restored.load_state_dict(torch.load(path))
    restored_equal = all(torch.equal(a, b) for a, b in zip(restored.parameters(), model.parameters()))  # noqa: B905 - the tutorials spelling
    dist.destroy_process_group()
    return {
        "rank": rank,
        "world_size": world_size,
        "keys": keys,
        "per_rank_samples": len(sampler),
        "epoch_losses": epoch_losses,
        "local_grad": local_grad.tolist(),
        "weights": [p.detach().sum().item() for p in model.parameters()],
        "restored_equal": restored_equal,
        "predictions": torch.cat(gathered).tolist(),
        "correct": int(correct),
        "choice": int(choice),
        "initialized_after": dist.is_initialized(),
    }
