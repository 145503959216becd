"""``torch.distributed``'s API on two ranks (``test_torch_api.py``): each rank writes what it saw
to ``OUT/rank<r>.json``."""

import copy
import json
import os
import sys

import deltanet.multiprocessing as mp
import numpy as np
from deltanet.nn.parallel import DistributedDataParallel as DDP

import deltanet as torch
import deltanet.distributed as dist
from deltanet import nn
from deltanet.utils.data.distributed import DistributedSampler

found: dict = {}


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test reads the type and the message
        return [type(e).__name__, str(e)]
    return None


# -- joining the group ------------------------------------------------------------------------------
found["bad_rank"] = error(lambda: dist.init_process_group("gloo", rank=5, world_size=2))
os.environ["WORLD_SIZE"] = "7"
found["torchrun_env"] = error(lambda: dist.init_process_group("gloo"))
del os.environ["WORLD_SIZE"]
dist.init_process_group("gloo", init_method="env://")
found["twice"] = error(lambda: dist.init_process_group("gloo"))
rank, W = dist.get_rank(), dist.get_world_size()
found["who"] = [
    rank,
    W,
    dist.get_backend(),
    dist.is_initialized(),
    dist.group.WORLD.size(),
    dist.get_rank(dist.group.WORLD),
]
found["subgroup"] = error(lambda: dist.new_group([0]))

# -- collectives ------------------------------------------------------------------------------------
t = torch.arange(4.0) + rank
v = t._version
dist.all_reduce(t)
found["sum"] = [t.tolist(), t._version > v, str(t.dtype)]
x = (torch.arange(6.0).reshape(2, 3) * (rank + 1)).t()
dist.all_reduce(x, op=dist.ReduceOp.MAX)
found["max_transposed"] = x.tolist()
i = torch.tensor([rank + 2])
dist.all_reduce(i, op=dist.ReduceOp.PRODUCT)
found["int_product"] = [i.tolist(), str(i.dtype)]
a = torch.ones(3) * rank
dist.all_reduce(a, op=dist.ReduceOp.AVG)
found["avg"] = a.tolist()
found["int_avg"] = error(lambda: dist.all_reduce(torch.tensor([1]), op=dist.ReduceOp.AVG))
found["op_string"] = error(lambda: dist.all_reduce(torch.ones(1), op="sum"))
work = dist.all_reduce(torch.ones(2), async_op=True)
found["work"] = [work.wait(), work.is_completed()]
w = torch.tensor([1.0, 2.0], requires_grad=True)
h = w * 1.0
y = (h * h).sum()  # saves h
dist.all_reduce(h)
found["saved_changed"] = error(y.backward)
b = torch.full((2,), float(rank))
dist.broadcast(b, src=1)
found["broadcast"] = b.tolist()
parts = [torch.zeros(2) for _ in range(W)]
dist.all_gather(parts, torch.full((2,), float(rank)))
found["all_gather"] = [p.tolist() for p in parts]
flat, stacked = torch.zeros(2 * W), torch.zeros(W, 2)
dist.all_gather_into_tensor(flat, torch.full((2,), float(rank)))
dist.all_gather_into_tensor(stacked, torch.full((2,), float(rank)))
found["into_tensor"] = [flat.tolist(), stacked.tolist()]
found["into_wrong_size"] = error(lambda: dist.all_gather_into_tensor(torch.zeros(3), torch.zeros(2)))
r = torch.full((2,), float(rank + 1))
dist.reduce(r, dst=0)
found["reduce"] = r.tolist()
g = [torch.zeros(2) for _ in range(W)] if rank == 0 else None
dist.gather(torch.full((2,), float(rank)), g, dst=0)
found["gather"] = None if g is None else [p.tolist() for p in g]
s = torch.zeros(2)
dist.scatter(s, [torch.full((2,), k + 1.0) for k in range(W)] if rank == 0 else None, src=0)
found["scatter"] = s.tolist()
found["bad_src"] = error(lambda: dist.broadcast(torch.zeros(1), src=2))

# -- DistributedDataParallel ------------------------------------------------------------------------
X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 1))
torch.manual_seed(rank)  # other weights on each rank: DDP starts every rank from rank 0's
model = nn.Sequential(nn.Linear(3, 4, dtype=torch.float64), nn.Tanh(), nn.Linear(4, 1, dtype=torch.float64))
reference = nn.Sequential(nn.Linear(3, 4, dtype=torch.float64), nn.Tanh(), nn.Linear(4, 1, dtype=torch.float64))
ddp = DDP(model)
reference.load_state_dict(model.state_dict())
found["weights_0"] = model[0].weight.tolist()
share = slice(4 * rank, 4 * rank + 4)
((ddp(torch.tensor(X[share])) - torch.tensor(Y[share])) ** 2).mean().backward()
((reference(torch.tensor(X)) - torch.tensor(Y)) ** 2).mean().backward()
found["ddp_grad_error"] = max(
    float((p.grad - q.grad).abs().max()) for p, q in zip(model.parameters(), reference.parameters(), strict=True)
)
# no_sync: local accumulation, then the synchronized pass averages the sum.
ddp.zero_grad()
with ddp.no_sync():
    ddp(torch.tensor(X[share])).sum().backward()
local = model[2].weight.grad.clone()
ddp(torch.tensor(X[share])).sum().backward()  # the same pass again: the sum doubles
found["no_sync_local"] = local.tolist()
found["no_sync_after"] = model[2].weight.grad.tolist()
ddp.zero_grad()
with torch.no_grad():
    ddp(torch.tensor(X[share]))  # without gradients: the next backward pass still averages, as in PyTorch
ddp(torch.tensor(X[share])).sum().backward()
found["armed"] = model[2].weight.grad.tolist()
model.zero_grad()
model(torch.tensor(X[share])).sum().backward()  # the module itself, not the wrapper: no average
found["direct"] = model[2].weight.grad.tolist()
twin = copy.deepcopy(ddp)  # an EMA copy of the wrapped model: the same group, its own parameters
twin.zero_grad()  # the copy has the gradients too
twin(torch.tensor(X[share])).sum().backward()
found["deepcopy"] = [twin.module[2].weight.grad.tolist(), twin.module is not model]


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.never = nn.Linear(2, 1), nn.Linear(2, 1), nn.Linear(2, 1)

    def forward(self, x):
        return self.a(x) if rank == 0 else self.b(x)


heads = DDP(TwoHeads(), find_unused_parameters=True)
heads(torch.ones(1, 2)).sum().backward()
found["unused"] = [
    heads.module.a.bias.grad.tolist(),
    heads.module.b.bias.grad.tolist(),
    heads.module.never.bias.grad is None,
]
bn = DDP(nn.BatchNorm1d(2))
bn(torch.tensor(np.full((4, 2), float(rank))))
mean_after_train = bn.module.running_mean.tolist()
bn.eval()
bn(torch.zeros(1, 2))
found["buffers"] = [mean_after_train, bn.module.running_mean.tolist()]
found["device_ids"] = error(lambda: DDP(nn.Linear(1, 1), device_ids=[0]))
sampler = DistributedSampler(range(7), shuffle=False)
found["sampler"] = [list(sampler), len(sampler)]

# -- more of torch.distributed -----------------------------------------------------------------------
flags = torch.tensor([rank == 0, True])
dist.all_reduce(flags, op=dist.ReduceOp.MIN)  # booleans: MIN is "all", MAX and SUM are "any"
anyflag = torch.tensor([rank == 0, False])
dist.all_reduce(anyflag, op=dist.ReduceOp.SUM)
found["bool"] = [flags.tolist(), anyflag.tolist(), str(flags.dtype)]
objects = [None, None]
dist.all_gather_object(objects, {"rank": rank, "loss": 0.5 * rank, "name": f"r{rank}"})
found["all_gather_object"] = objects
sent = [{"lr": 0.1}, "x", 3] if rank == 0 else [None, None, None]
dist.broadcast_object_list(sent, src=0)
found["broadcast_object_list"] = sent
found["tuple_refused"] = error(lambda: dist.all_gather_object([None, None], (1, 2)))
found["array_refused"] = error(lambda: dist.all_gather_object([None, None], np.zeros(2)))
part = torch.zeros(2)
dist.reduce_scatter_tensor(part, torch.arange(4.0) * (rank + 1))
found["reduce_scatter_tensor"] = part.tolist()
message = torch.zeros(3)
if rank == 0:
    dist.send(torch.tensor([1.0, 2.0, 3.0]), dst=1)
else:
    found["recv_from"] = dist.recv(message, src=0)
found["recv"] = message.tolist()
found["local_rank"] = dist.get_node_local_rank()
found["backend_names"] = [dist.Backend.GLOO == "gloo", dist.get_global_rank(dist.group.WORLD, 1)]
found["join"] = error(lambda: ddp.join())
found["barrier"] = [dist.barrier(), dist.barrier(async_op=True).wait(), dist.monitored_barrier()]

box: list = []
mp.spawn(lambda r, out: out.append(r), args=(box,), nprocs=2)  # the DDP tutorial's launch: fn(rank) per rank
found["spawn"] = [box, error(lambda: mp.spawn(print, nprocs=3))]

dist.destroy_process_group()
found["after_destroy"] = [dist.is_initialized(), error(lambda: dist.all_reduce(torch.ones(1)))]
dist.init_process_group("mpi")
found["again"] = [dist.is_initialized(), dist.get_backend()]
dist.destroy_process_group()
with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
    json.dump(found, f)
