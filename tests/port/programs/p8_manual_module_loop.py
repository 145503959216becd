"""An nn.Module trained by the hand-written update over `model.parameters()`, the loop of issue 12.

The idioms of the "What is torch.nn really?" tutorial's `fit()` and of many course notebooks:
`with torch.no_grad(): for p in model.parameters(): p -= p.grad * lr`, then `model.zero_grad()`;
an `nn.Module` subclass whose `forward` calls `F.relu` and `F.log_softmax(..., dim=1)`; labels
made with `torch.arange(n) % 3`, a class count with `y.max().item() + 1`, mini-batches sliced with
`//`; `next(model.parameters()).dtype` and `.device`; `x.size(0)`; accuracy as
`(out.argmax(dim=1) == y).float().mean()`; `torch.where(cond)` alone for the indices of the
mistakes, `.numel()` and `.tolist()`; `F.nll_loss`.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class TwoLayer(nn.Module):
    def __init__(self, n_in=4, n_hidden=16, n_out=3):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return F.log_softmax(self.out(F.relu(self.hidden(x))), dim=1)


def build_model():
    return TwoLayer()


def run(model, workdir=None):
    n = 240
    y = torch.arange(n) % 3
    rng = np.random.default_rng(2)
    centers = rng.normal(scale=2.0, size=(3, 4)).astype(np.float32)
    param = next(model.parameters())
    x = torch.tensor(centers[y.numpy()] + rng.normal(size=(n, 4)).astype(np.float32), dtype=param.dtype)
    x = x.to(param.device)
    classes = y.max().item() + 1
    bs, lr = 32, 0.1
    losses = []
    for epoch in range(4):
        for i in range((x.size(0) - 1) // bs + 1):
            xb, yb = x[i * bs : (i + 1) * bs], y[i * bs : (i + 1) * bs]
            loss = F.nll_loss(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()
        losses.append(loss.item())
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
        accuracy = (pred == y).float().mean().item()
        (wrong,) = torch.where(pred != y)
    return {
        "classes": classes,
        "losses": losses,
        "accuracy": accuracy,
        "mistakes": wrong.numel(),
        "first_mistakes": wrong[:5].tolist(),
        "weight_norm": model.hidden.weight.norm().item(),
        "dtype": str(param.dtype).replace("torch.", ""),
    }
