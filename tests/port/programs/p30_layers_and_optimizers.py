"""A small image classifier built from the layers, optimizers and import paths of newer and older PyTorch code.

The idioms: `nn.RMSNorm` (PyTorch 2.4+, LLaMA-style blocks) and `F.rms_norm`; `nn.SELU` with
`nn.AlphaDropout` (the self-normalizing-network recipe of the PyTorch docs), switched off for
training with `model.apply(...)` on the dropout layers (the "disable dropout" helper of
fine-tuning scripts) and checked in training mode on standardized data; `nn.CircularPad2d` (periodic
boundaries); a custom loss subclassing `torch.nn.modules.loss._Loss` with `self.reduction` (focal
loss as in detection repositories); a custom convolution whose `kernel_size` goes through
`torch.nn.modules.utils._pair` and whose weight is made with `torch.empty` and
`nn.init.kaiming_uniform_(..., a=math.sqrt(5))` (PyTorch's own `_ConvNd.reset_parameters`);
`isinstance(layer, torch.nn.modules.conv._ConvNd)`; `torch.utils.checkpoint.checkpoint(block, x,
use_reentrant=False)` in `forward` while training (the Hugging Face gradient-checkpointing idiom)
and `checkpoint_sequential`; `torch.optim.NAdam(momentum_decay=..., decoupled_weight_decay=True)`,
`torch.optim.RAdam(decoupled_weight_decay=True)` and `torch.optim.Adamax` on three
`copy.deepcopy` copies of one model, with their `state_dict()` and its `"step"`;
`F.gumbel_softmax(logits, tau, hard=True)` (straight-through samples); `nn.init.dirac_` for an
identity convolution; and the legacy constructors of old tutorials, `torch.FloatTensor(array)`,
`torch.LongTensor(list)`, `torch.FloatTensor(2, 3).zero_()`, `isinstance(x, torch.FloatTensor)`,
`x.type()`.
"""

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.loss import _Loss
from torch.nn.modules.utils import _pair
from torch.nn.parameter import Parameter
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}
CLASSES = 3


class FocalLoss(_Loss):
    def __init__(self, gamma=2.0, reduction="mean"):
        super().__init__(reduction=reduction)
        self.gamma = gamma

    def forward(self, input, target):
        ce = F.cross_entropy(input, target, reduction="none")
        pt = torch.exp(-ce)
        loss = (1 - pt) ** self.gamma * ce
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


class PeriodicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.pad = nn.CircularPad2d((self.kernel_size[1] // 2,) * 2 + (self.kernel_size[0] // 2,) * 2)
        self.weight = Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        self.bias = Parameter(torch.empty(out_channels))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        nn.init.zeros_(self.bias)

    def forward(self, x):
        return F.conv2d(self.pad(x), self.weight, self.bias)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = PeriodicConv2d(1, 4, 3)
        self.act = nn.SELU()
        self.drop = nn.AlphaDropout(0.2)
        self.fc = nn.Linear(4 * 6 * 6, 16)
        self.norm = nn.RMSNorm(16)
        self.block = nn.Sequential(nn.Linear(16, 16), nn.SiLU(), nn.Linear(16, 16))
        self.head = nn.Linear(16, CLASSES)

    def forward(self, x):
        h = self.drop(self.act(self.conv(x)))
        h = self.norm(self.fc(h.flatten(1)))
        if self.training:
            h = h + checkpoint(self.block, h, use_reentrant=False)
        else:
            h = h + self.block(h)
        return self.head(h)


def build_model():
    return Net()


def make_data(n, rng):
    y = rng.integers(0, CLASSES, size=n)
    x = rng.normal(size=(n, 1, 6, 6))
    x[:, 0, :, 0] += 2.0 * (y == 0)[:, None]
    x[:, 0, 0, :] += 2.0 * (y == 1)[:, None]
    x[:, 0, 3, 3] += 3.0 * (y == 2)
    return torch.FloatTensor(x), torch.LongTensor(y.tolist())


def disable_dropout(module):
    if isinstance(module, (nn.Dropout, nn.AlphaDropout)):
        module.eval()


def train(model, optimizer, x, y, criterion, steps):
    losses = []
    for step in range(steps):
        model.train()
        model.apply(disable_dropout)
        optimizer.zero_grad()
        loss = criterion(model(x[step % 2 :: 2]), y[step % 2 :: 2])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def run(model, workdir=None):
    rng = np.random.default_rng(30)
    x, y = make_data(40, rng)
    x_val, y_val = make_data(20, rng)
    criterion = FocalLoss(gamma=2.0)

    optimizers = {
        "nadam": lambda p: torch.optim.NAdam(
            p, lr=0.01, momentum_decay=4e-3, weight_decay=1e-2, decoupled_weight_decay=True
        ),
        "radam": lambda p: torch.optim.RAdam(p, lr=0.01, weight_decay=1e-2, decoupled_weight_decay=True),
        "adamax": lambda p: torch.optim.Adamax(p, lr=0.02, betas=(0.9, 0.99)),
    }
    results = {}
    for name, make in optimizers.items():
        net = copy.deepcopy(model)
        opt = make(net.parameters())
        losses = train(net, opt, x, y, criterion, steps=10)
        net.eval()
        with torch.no_grad():
            logits = net(x_val)
            val = criterion(logits, y_val).item()
            acc = (logits.argmax(1) == y_val).float().mean().item()
        state = opt.state_dict()
        first = state["state"][0]
        results[name] = {
            "losses": losses,
            "val_loss": val,
            "val_acc": acc,
            "state_keys": sorted(first.keys()),
            "step": float(first["step"]),
            "group": {k: state["param_groups"][0][k] for k in ("lr", "weight_decay", "betas")},
            "fc_norm": net.fc.weight.norm().item(),
        }

    # AlphaDropout in training mode keeps standardized activations standardized.
    drop = nn.AlphaDropout(0.2)
    z = torch.FloatTensor(rng.normal(size=(200, 100)))
    kept = drop(z)
    drop.eval()
    results["alpha_dropout"] = {
        "train_mean_near_0": abs(kept.mean().item()) < 0.05,
        "train_std_near_1": abs(kept.std().item() - 1.0) < 0.05,
        "eval_is_identity": bool(torch.equal(drop(z), z)),
    }

    # The functional forms and the other paths.
    h = torch.FloatTensor(rng.normal(size=(4, 8)))
    w = torch.ones(8) * 2
    logits = torch.FloatTensor(rng.normal(size=(5, 4)))
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    seq = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh())
    nn.init.eye_(seq[0].weight)
    nn.init.zeros_(seq[0].bias)
    nn.init.eye_(seq[2].weight)
    nn.init.zeros_(seq[2].bias)
    ident = nn.Conv2d(2, 2, 3, padding=1, bias=False)
    nn.init.dirac_(ident.weight)
    img = torch.FloatTensor(rng.normal(size=(1, 2, 4, 4)))
    blank = torch.FloatTensor(2, 3).zero_()
    results["extras"] = {
        "rms_norm": F.rms_norm(h, (8,), w, eps=1e-6).tolist(),
        "rms_norm_default_eps": F.rms_norm(h, (8,)).abs().sum().item(),
        "gumbel_rows": hard.sum(dim=-1).tolist(),
        "gumbel_values": sorted(set(hard.flatten().tolist())),
        "checkpoint_sequential": checkpoint_sequential(seq, 2, h, use_reentrant=False).tolist(),
        "dirac_identity": bool(torch.allclose(ident(img), img)),
        "circular": nn.CircularPad1d((1, 2))(torch.FloatTensor([[[1, 2, 3]]])).tolist(),
        "is_conv_nd": isinstance(ident, torch.nn.modules.conv._ConvNd),
        "legacy": [isinstance(x, torch.FloatTensor), isinstance(y, torch.LongTensor), x.type(), blank.tolist()],
        "dtypes": [x.dtype == torch.float32, y.dtype == torch.int64],
        "model": repr(model),
        "loss": repr(criterion),
    }
    return results
