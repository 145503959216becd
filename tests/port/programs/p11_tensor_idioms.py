"""Causal self-attention, k-nearest neighbours and k-means: the tensor code between the layers.

The idioms of minGPT's `CausalSelfAttention` (`q, k, v = self.c_attn(x).split(C, dim=2)`,
`k.view(B, T, nh, hs).transpose(1, 2)`, `q @ k.transpose(-2, -1) * (1.0 / math.sqrt(k.size(-1)))`,
`torch.tril(torch.ones(T, T)).view(1, 1, T, T)` as the mask, `masked_fill(mask[:, :, :T, :T] == 0,
float('-inf'))`, `F.softmax(att, dim=-1)`, `y.transpose(1, 2).contiguous().view(B, T, C)`), of
attention written with `torch.einsum("bhts,bhsd->bhtd", ...)` and `torch.bmm`; of k-NN
classifiers (`torch.cdist`, `topk(k, largest=False)`, `.values`/`.indices`, `y_train[idx]`,
`F.one_hot(...).sum(1).argmax(1)`, `torch.mode`-free voting) and of k-means in PyTorch
(`x[:, None, :] - centers[None, :, :]`, `.pow(2).sum(-1)`, `argmin(dim=1)`, boolean-mask
selection `x[assign == j]`, `centers[j] = ...` under `no_grad`, `index_add_`, `scatter_add_`
and `scatter_(1, idx.unsqueeze(1), 1.0)` (one-hot rows), `F.one_hot(...).float().T @ x`
divided by `counts.clamp(min=1)[:, None]`, `torch.allclose`/`torch.equal`); autograd through a
learned metric (`F.normalize`, `torch.where`, `logp.gather(1, y[:, None]).squeeze(1)`,
`torch.linalg.norm`), integer arithmetic (`//`, `%`, `torch.div(..., rounding_mode="floor")`,
`true_divide`, an int64 tensor times a float32 one), `max(dim)` returning `(values, indices)`,
`torch.sort`, `x.shape[-1]`, `x.size()`, `x.dim()`, `.T`, `numel()`, `len()`, iteration over
rows, `.tolist()`, `.item()`.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd=8, n_head=2, block_size=6):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = torch.einsum("bhts,bhsd->bhtd", att, v)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


def build_model():
    return CausalSelfAttention()


def attention(model, rng):
    x = torch.tensor(rng.normal(size=(3, 6, 8)).astype(np.float32))
    target = torch.tensor(np.cumsum(x.numpy(), axis=1) / np.arange(1, 7)[None, :, None], dtype=torch.float32)
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    losses = []
    for _ in range(8):
        loss = F.mse_loss(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        # The first head's attention, by hand with bmm: causal rows sum to 1, zeros above the diagonal.
        q, k, _ = model.c_attn(x).chunk(3, dim=-1)
        scores = torch.bmm(q[..., :4], k[..., :4].permute(0, 2, 1)) / 2.0
        mask = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)
        weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return {
        "losses": losses,
        "row_sums": weights.sum(-1)[0].tolist(),
        "upper_zero": bool((weights[:, mask] == 0).all()),
        "first_row": weights[1, 2].tolist(),
        "out_shape": list(model(x).shape),
    }


def nearest_neighbours(rng):
    centers = rng.normal(scale=3.0, size=(3, 2)).astype(np.float32)
    labels = np.arange(60) % 3
    x_train = torch.from_numpy(centers[labels] + rng.normal(size=(60, 2)).astype(np.float32))
    y_train = torch.from_numpy(labels)
    x_test = torch.from_numpy(centers[np.arange(12) % 3] + rng.normal(size=(12, 2)).astype(np.float32))
    y_test = torch.arange(12) % 3
    d = torch.cdist(x_test, x_train)
    nearest = d.min(dim=1)
    knn = d.topk(5, dim=1, largest=False)
    votes = F.one_hot(y_train[knn.indices], num_classes=3).sum(dim=1)
    pred = votes.argmax(dim=1)
    order = torch.sort(nearest.values, descending=True)
    return {
        "nearest_index": nearest.indices.tolist(),
        "nearest_distance": nearest.values[:4].tolist(),
        "votes_dtype": str(votes.dtype).replace("torch.", ""),
        "accuracy": (pred == y_test).float().mean().item(),
        "farthest_first": order.indices[:3].tolist(),
        "max_per_row": [row.max().item() for row in knn.values[:3]],
    }


def kmeans(rng, k=3, iters=4):
    centers_true = rng.normal(scale=4.0, size=(k, 2)).astype(np.float32)
    x = torch.tensor(centers_true[np.arange(90) % k] + rng.normal(size=(90, 2)).astype(np.float32))
    centers = x[torch.tensor([0, 1, 2])].clone()
    for _ in range(iters):
        dist = (x[:, None, :] - centers[None, :, :]).pow(2).sum(-1)
        assign = dist.argmin(dim=1)
        with torch.no_grad():
            for j in range(k):
                members = x[assign == j]
                if len(members) > 0:
                    centers[j] = members.mean(dim=0)
    onehot = F.one_hot(assign, k).float()
    counts = onehot.sum(0)
    means = (onehot.T @ x) / counts.clamp(min=1)[:, None]
    sums = torch.zeros(k, 2).index_add_(0, assign, x)
    sizes = torch.zeros(k).scatter_add_(0, assign, torch.ones(len(x)))
    hard = torch.zeros(len(x), k).scatter_(1, assign.unsqueeze(1), 1.0)
    inertia = (x - centers[assign]).pow(2).sum()
    return {
        "centers": sorted(centers.tolist()),
        "same_as_one_hot_means": torch.allclose(means, centers, atol=1e-5),
        "assign_equal": torch.equal(assign, dist.argmin(1)),
        "counts": counts.long().tolist(),
        "scatter_counts": sizes.tolist(),
        "index_add_means": (sums / sizes[:, None]).tolist(),
        "scatter_one_hot": torch.equal(hard, onehot),
        "inertia": inertia.item(),
        "assign_dtype": str(assign.dtype).replace("torch.", ""),
    }


def learned_metric(rng):
    x = torch.tensor(rng.normal(size=(24, 4)).astype(np.float32))
    y = torch.arange(24) % 3
    prototypes = torch.tensor(rng.normal(size=(3, 4)).astype(np.float32))
    W = torch.tensor(np.eye(4, dtype=np.float32) + 0.1 * rng.normal(size=(4, 4)).astype(np.float32), requires_grad=True)
    z = F.normalize(x @ W, dim=1)
    p = F.normalize(prototypes @ W, dim=-1)
    logits = 5.0 * z @ p.T
    logp = F.log_softmax(logits, dim=-1)
    nll = -logp.gather(1, y[:, None]).squeeze(1)
    hard = torch.where(nll > nll.mean(), nll, torch.zeros_like(nll))
    loss = nll.mean() + 0.1 * hard.sum() / max(int((hard > 0).sum()), 1)
    loss.backward()
    return {"loss": loss.item(), "grad_norm": torch.linalg.norm(W.grad).item(), "grad_row": W.grad[0].tolist()}


def integers():
    n = torch.arange(10)
    w = torch.full((10,), 0.5)
    half = n // 3
    floor = torch.div(n - 5, 3, rounding_mode="floor")
    positions = torch.arange(4, dtype=torch.float32).unsqueeze(1) * torch.exp(torch.arange(0, 4, 2) * -0.5)
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return {
        "floordiv": half.tolist(),
        "floor": floor.tolist(),
        "mod": (n % 4).tolist(),
        "true_divide": torch.true_divide(n, 4)[:3].tolist(),
        "mixed_dtype": str((n * w).dtype).replace("torch.", ""),
        "positions": positions.tolist(),
        "positions_dtype": str(positions.dtype).replace("torch.", ""),
        "shape": [a.shape[-1], a.dim(), a.numel(), len(a), list(a.size()), list(a.T.shape)],
        "max": [a.max(dim=1).values.tolist(), a.max(1)[1].tolist(), a.argmax(dim=0, keepdim=True).tolist()],
        "clamped": a.clamp(min=2.5).tolist(),
        "isclose": torch.isclose(a, a + 1e-6).all().item(),
    }


def run(model, workdir=None):
    rng = np.random.default_rng(11)
    return {
        "attention": attention(model, rng),
        "knn": nearest_neighbours(rng),
        "kmeans": kmeans(rng),
        "metric": learned_metric(rng),
        "integers": integers(),
    }
