"""An imbalanced classifier trained with the habits of real training loops.

The idioms: input statistics kept in the model with `register_buffer` (torchvision's
`Normalize` inside a model); class weights from `torch.bincount(..., minlength=)` for
`nn.CrossEntropyLoss(weight=..., label_smoothing=...)` (the PyTorch docs, Kaggle notebooks);
`torch.optim.SGD(momentum=0.9, nesterov=True, weight_decay=...)` with per-parameter-group options
(`[{"params": model.features.parameters(), "lr": ...}, {"params": model.head.parameters()}]`, from
`torch.optim`'s documentation); a linear warm-up written by hand into
`optimizer.param_groups[i]["lr"]` (the ImageNet and Hugging Face scripts) before a `MultiStepLR`
with `scheduler.get_last_lr()`; gradient accumulation over micro-batches (`loss / accum_steps`,
`if (i + 1) % accum_steps == 0`); `torch.nn.utils.clip_grad_norm_` whose returned total norm is
logged; `optimizer.zero_grad(set_to_none=True)`; `running_loss += loss.item()`;
`DataLoader(..., shuffle=False, drop_last=True)`; validation under `torch.inference_mode()`;
early stopping on the validation loss with `copy.deepcopy(model)` keeping the best model (the
transfer-learning tutorial's `best_model_wts`); `F.softmax(logits, dim=1)` confidences with
`.max(dim=1)`; and a confusion matrix built with `torch.bincount(target * k + pred)` and
`.reshape(k, k)`, its per-class recall from `.diag()` and `.sum(1)`.
"""

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}
CLASSES = 3
FEATURES = 8


class Classifier(nn.Module):
    def __init__(self, n_features=FEATURES, n_classes=CLASSES):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        self.features = nn.Sequential(
            nn.Linear(n_features, 16),
            nn.ReLU(),
            nn.Linear(16, 16),
            nn.ReLU(),
        )
        self.head = nn.Linear(16, n_classes)

    def forward(self, x):
        x = (x - self.mean) / self.std
        return self.head(self.features(x))


def build_model():
    return Classifier()


def make_data(n, rng):
    # Imbalanced classes: 60 %, 25 %, 15 %.
    y = rng.choice(CLASSES, size=n, p=[0.6, 0.25, 0.15])
    centers = np.array([[1.0] * 4 + [0.0] * 4, [0.0] * 4 + [1.0] * 4, [1.0, -1.0] * 4])
    x = 3.0 + 2.0 * centers[y] + rng.normal(scale=1.2, size=(n, FEATURES))
    return torch.tensor(x.astype(np.float32)), torch.tensor(y)


def evaluate(model, x, y):
    model.eval()
    with torch.inference_mode():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        correct = (logits.argmax(dim=1) == y).sum().item()
    return loss, correct / len(y)


def run(model, workdir=None):
    torch.manual_seed(0)
    rng = np.random.default_rng(13)
    x_train, y_train = make_data(100, rng)
    x_val, y_val = make_data(60, rng)
    with torch.no_grad():
        model.mean.copy_(x_train.mean(dim=0))
        model.std.copy_(x_train.std(dim=0))

    counts = torch.bincount(y_train, minlength=CLASSES)
    class_weights = counts.sum() / (CLASSES * counts.float())
    criterion = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.05)
    optimizer = torch.optim.SGD(
        [
            {"params": model.features.parameters(), "lr": 0.05},
            {"params": model.head.parameters()},
        ],
        lr=0.1,
        momentum=0.9,
        nesterov=True,
        weight_decay=1e-4,
    )
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[3, 5], gamma=0.5)
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=8, shuffle=False, drop_last=True)

    accum_steps, warmup, patience = 2, 4, 2
    best_loss, best_epoch, wait = float("inf"), -1, 0
    best_model = None
    history, norms, warmup_lrs = [], [], []
    update = 0
    for epoch in range(12):
        model.train()
        running_loss = 0.0
        optimizer.zero_grad(set_to_none=True)
        for i, (xb, yb) in enumerate(loader):
            loss = criterion(model(xb), yb) / accum_steps
            loss.backward()
            running_loss += loss.item() * accum_steps
            if (i + 1) % accum_steps == 0:
                if update < warmup:
                    for group, base_lr in zip(optimizer.param_groups, base_lrs, strict=True):
                        group["lr"] = base_lr * (update + 1) / warmup
                    warmup_lrs.append(optimizer.param_groups[0]["lr"])
                total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
                norms.append(total_norm.item())
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                update += 1
        scheduler.step()
        val_loss, val_acc = evaluate(model, x_val, y_val)
        history.append((running_loss / len(loader), val_loss, val_acc, scheduler.get_last_lr()))
        if val_loss < best_loss - 1e-3:
            best_loss, best_epoch, wait = val_loss, epoch, 0
            best_model = copy.deepcopy(model)
        else:
            wait += 1
            if wait >= patience:
                break

    best_model.eval()
    with torch.no_grad():
        probs = F.softmax(best_model(x_val), dim=1)
        confidence, pred = probs.max(dim=1)
        confusion = torch.bincount(y_val * CLASSES + pred, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)
        recall = confusion.diag().float() / confusion.sum(1).float()
    return {
        "class_counts": counts.tolist(),
        "class_weights": class_weights.tolist(),
        "history": history,
        "norms": norms[::4],
        "warmup_lrs": warmup_lrs,
        "stopped_at": epoch,
        "best_epoch": best_epoch,
        "best_loss": best_loss,
        "best_is_copy": best_model is not model and best_model.head.weight is not model.head.weight,
        "confusion": confusion.tolist(),
        "recall": recall.tolist(),
        "mean_confidence": confidence.mean().item(),
        "buffers": [name for name, _ in model.named_buffers()],
    }
