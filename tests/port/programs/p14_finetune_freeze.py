"""Pre-train, checkpoint, then fine-tune a new head on a frozen backbone, then unfreeze it.

The idioms of PyTorch's "Finetuning torchvision models" and transfer-learning tutorials and of
course notebooks: a checkpoint dict with nested Python values (`{"epoch": ..., "model_state_dict":
..., "optimizer_state_dict": ..., "meta": {...}}`) saved with `torch.save` and read back with
`torch.load(..., weights_only=True)`; a new model whose head has another number of classes, loaded
with `load_state_dict(filtered, strict=False)` whose `missing_keys`/`unexpected_keys` are read;
the new head zero-initialised with `nn.init.zeros_`; freezing with `p.requires_grad = False`,
`model.features.eval()` to keep the batch-norm statistics, and
`torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), ...)`;
`sum(p.numel() for p in model.parameters() if p.requires_grad)`; `named_parameters()`;
the tutorial's phase loop `for phase in ["train", "val"]` with `torch.set_grad_enabled(phase ==
"train")`, `_, preds = torch.max(outputs, 1)` and `torch.sum(preds == labels.data)`;
`nn.NLLLoss()` after `F.log_softmax`; unfreezing with `requires_grad_(True)` and per-group learning
rates, `OneCycleLR` stepped per batch, `LambdaLR`, `clip_grad_value_`,
`model.zero_grad(set_to_none=True)`; `optimizer.state_dict()` / `load_state_dict` into a fresh
optimizer; `model.double()` for a float64 evaluation.
"""

import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import LambdaLR, OneCycleLR

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class Net(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Linear(6, 16, bias=False),  # no bias before batch norm, which removes it
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Linear(16, 12),
            nn.ReLU(),
        )
        self.head = nn.Linear(12, num_classes)

    def forward(self, x):
        return F.log_softmax(self.head(self.features(x)), dim=1)


def build_model():
    return Net(num_classes=4)


def make_task(n, classes, rng, shift):
    y = rng.integers(0, classes, size=n)
    centers = np.linspace(-1.5, 1.5, classes)[:, None] * np.array([1.0, -1.0, 0.5, 0.0, 1.0, shift])
    x = centers[y] + rng.normal(scale=0.7, size=(n, 6))
    return torch.tensor(x.astype(np.float32)), torch.tensor(y)


def batches(x, y, size):
    for i in range(0, len(y), size):
        yield x[i : i + size], y[i : i + size]


def run(model, workdir):
    rng = np.random.default_rng(14)
    criterion = nn.NLLLoss()

    # 1. Pre-train on a 4-class task, and checkpoint.
    x_src, y_src = make_task(96, 4, rng, shift=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    pre_losses = []
    for epoch in range(3):
        model.train()
        for xb, yb in batches(x_src, y_src, 16):
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
        pre_losses.append(loss.item())
    path = os.path.join(workdir, "pretrained.pt")
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "meta": {"classes": ["a", "b", "c", "d"], "losses": pre_losses, "lr": 1e-2, "best": None},
        },
        path,
    )

    # 2. A 2-class model: the backbone from the checkpoint, a new zeroed head.
    checkpoint = torch.load(path, weights_only=True)
    finetune = Net(num_classes=2)
    nn.init.zeros_(finetune.head.weight)
    nn.init.zeros_(finetune.head.bias)
    backbone = {k: v for k, v in checkpoint["model_state_dict"].items() if not k.startswith("head.")}
    incompatible = finetune.load_state_dict(backbone, strict=False)

    for param in finetune.features.parameters():
        param.requires_grad = False
    trainable = sum(p.numel() for p in finetune.parameters() if p.requires_grad)
    frozen_names = [name for name, p in finetune.named_parameters() if not p.requires_grad]
    optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, finetune.parameters()), lr=0.1, momentum=0.9)
    x_tgt, y_tgt = make_task(64, 2, rng, shift=2.0)
    data = {"train": (x_tgt[:48], y_tgt[:48]), "val": (x_tgt[48:], y_tgt[48:])}
    running_mean_before = finetune.features[1].running_mean.tolist()
    frozen_weight_before = finetune.features[0].weight.sum().item()
    history = []
    for epoch in range(3):
        for phase in ["train", "val"]:
            if phase == "train":
                finetune.train()
                finetune.features.eval()
            else:
                finetune.eval()
            running_loss, running_corrects = 0.0, 0
            x, y = data[phase]
            for inputs, labels in batches(x, y, 16):
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = finetune(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            history.append((phase, running_loss / len(y), running_corrects.double().item() / len(y)))
    frozen_kept = (
        finetune.features[1].running_mean.tolist() == running_mean_before
        and finetune.features[0].weight.sum().item() == frozen_weight_before
        and finetune.features[0].weight.grad is None
    )

    # 3. Unfreeze with a smaller learning rate for the backbone, one-cycle per batch.
    finetune.features.requires_grad_(True)
    optimizer = torch.optim.SGD(
        [
            {"params": finetune.features.parameters(), "lr": 1e-3},
            {"params": finetune.head.parameters(), "lr": 1e-2},
        ],
        momentum=0.9,
    )
    steps = 3 * 3
    scheduler = OneCycleLR(optimizer, max_lr=[0.01, 0.05], total_steps=steps)
    x, y = data["train"]
    lrs, unfrozen_losses = [], []
    for epoch in range(3):
        finetune.train()
        for xb, yb in batches(x, y, 16):
            finetune.zero_grad(set_to_none=True)
            loss = criterion(finetune(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_value_(finetune.parameters(), clip_value=0.5)
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        unfrozen_losses.append(loss.item())

    # 4. The optimizer's state into a fresh optimizer; a decaying LambdaLR on it.
    state = optimizer.state_dict()
    resumed = torch.optim.SGD(
        [
            {"params": finetune.features.parameters(), "lr": 1e-3},
            {"params": finetune.head.parameters(), "lr": 1e-2},
        ],
        momentum=0.9,
    )
    resumed.load_state_dict(state)
    decay = LambdaLR(resumed, lr_lambda=lambda epoch: 0.5**epoch)
    for xb, yb in batches(x, y, 16):
        resumed.zero_grad()
        criterion(finetune(xb), yb).backward()
        resumed.step()
        decay.step()

    # 5. A float64 evaluation.
    finetune.double()
    finetune.eval()
    with torch.no_grad():
        probs = finetune(data["val"][0].double()).exp()
        accuracy = (probs.argmax(dim=1) == data["val"][1]).float().mean().item()
    return {
        "pre_losses": pre_losses,
        "checkpoint_meta": checkpoint["meta"],
        "checkpoint_epoch": checkpoint["epoch"],
        "missing": sorted(incompatible.missing_keys),
        "unexpected": sorted(incompatible.unexpected_keys),
        "trainable": trainable,
        "frozen_names": frozen_names,
        "history": history,
        "frozen_kept": frozen_kept,
        "lrs": lrs,
        "unfrozen_losses": unfrozen_losses,
        "state_steps": len(state["state"]),
        "state_lrs": [group["lr"] for group in state["param_groups"]],
        "decayed_lrs": decay.get_last_lr(),
        "momentum_buffer": resumed.state_dict()["state"][0]["momentum_buffer"].sum().item(),
        "dtype": str(probs.dtype).replace("torch.", ""),
        "accuracy": accuracy,
        "head_bias": finetune.head.bias.tolist(),
    }
