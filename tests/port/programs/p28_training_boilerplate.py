"""A training script with the boilerplate of modern PyTorch code: switches, AMP, EMA and SWA weights.

The idioms, as in the first lines and the loop of most training scripts on GitHub (the ImageNet
example of pytorch/examples, timm's `train.py`, nnU-Net's and MONAI's trainers, the AMP and SWA
recipes of the PyTorch docs): `import torch.backends.cudnn as cudnn; cudnn.benchmark = True`,
`torch.backends.cudnn.deterministic = True`, `torch.backends.cuda.matmul.allow_tf32 = True`,
`torch.set_float32_matmul_precision("high")`, `torch.use_deterministic_algorithms(True)`; the device
picked with `torch.cuda.is_available()` / `torch.backends.mps.is_available()`; `use_amp = device.type
== "cuda"`; `torch.autocast(device_type=device.type, enabled=use_amp)` around the forward pass and
the loss kept in float32 under `autocast(..., enabled=False)`; `torch.amp.GradScaler(device.type)`
(on the CPU, PyTorch's scaler is enabled and really scales the loss) with
`scaler.scale(loss).backward()`, `scaler.unscale_(optimizer)` before `clip_grad_norm_`,
`scaler.step(optimizer)`, `scaler.update()`, `scaler.get_scale()`; `nn.DataParallel(model)` and
`model.module`; an EMA of the weights with `AveragedModel(model.module,
multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)` (the torchvision reference scripts);
SWA with `AveragedModel`, `SWALR` after a `CosineAnnealingLR`, and `update_bn` on the loader (the
SWA tutorial); a checkpoint with the scaler's and the EMA model's `state_dict()` through
`torch.save`/`torch.load(weights_only=True)`; `torch.jit.script` / `torch.jit.trace` of the model
for inference.
"""

import os

import numpy as np
import torch
import torch.backends.cudnn as cudnn
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return self.body(x)


def build_model():
    return nn.DataParallel(Net())


def make_data(n, rng):
    y = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 5)) + np.eye(3, 5)[y] * 2.0
    return torch.tensor(x.astype(np.float32)), torch.tensor(y)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def run(model, workdir):
    cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision("high")
    torch.use_deterministic_algorithms(True)
    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    use_amp = device.type == "cuda"
    if torch.cuda.device_count() > 1:
        print("using", torch.cuda.device_count(), "GPUs")
    model = model.to(device)

    rng = np.random.default_rng(28)
    x_train, y_train = make_data(96, rng)
    x_val, y_val = make_data(48, rng)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=16, shuffle=False)

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    swa_start, epochs = 3, 6
    swa_model = AveragedModel(model.module)
    swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=2, anneal_strategy="cos")
    ema_model = AveragedModel(model.module, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
    scaler = torch.amp.GradScaler(device.type, init_scale=2.0**10, growth_interval=4)

    history, scales, norms = [], [], []
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, enabled=use_amp):
                logits = model(xb)
            with torch.autocast(device_type=device.type, enabled=False):
                loss = F.cross_entropy(logits.float(), yb)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
            scaler.step(optimizer)
            scaler.update()
            ema_model.update_parameters(model.module)
            scales.append(scaler.get_scale())
            running += loss.item() * xb.size(0)
        if epoch >= swa_start:
            swa_model.update_parameters(model.module)
            swa_scheduler.step()
        else:
            scheduler.step()
        history.append((running / len(loader.dataset), optimizer.param_groups[0]["lr"]))

    update_bn(loader, swa_model, device=device)
    path = os.path.join(workdir, "checkpoint.pt")
    torch.save(
        {
            "epoch": epochs,
            "model": model.module.state_dict(),
            "ema": ema_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(),
        },
        path,
    )
    checkpoint = torch.load(path, weights_only=True)
    resumed_scaler = torch.amp.GradScaler(device.type)
    resumed_scaler.load_state_dict(checkpoint["scaler"])
    restored = Net()
    restored.load_state_dict({k.replace("module.", "", 1): v for k, v in model.state_dict().items()})

    example = x_val[:4]
    scripted = torch.jit.script(ema_model.module.eval())
    traced = torch.jit.trace(restored.eval(), example)
    with torch.no_grad():
        script_out = scripted(example)
        trace_out = traced(example)
    return {
        "flags": [cudnn.benchmark, torch.backends.cudnn.deterministic, torch.backends.cuda.matmul.allow_tf32],
        "precision": torch.get_float32_matmul_precision(),
        "device": str(device),
        "use_amp": use_amp,
        "history": history,
        "scales": scales[::3],
        "final_scale": scaler.get_scale(),
        "scaler_state": checkpoint["scaler"],
        "resumed_scale": resumed_scaler.get_scale(),
        "norms": norms[::5],
        "model": evaluate(model, x_val, y_val),
        "ema": evaluate(ema_model, x_val, y_val),
        "swa": evaluate(swa_model, x_val, y_val),
        "ema_n": int(ema_model.n_averaged),
        "swa_n": checkpoint["epoch"] - swa_start,
        "swa_bn_mean": swa_model.module.body[1].running_mean.sum().item(),
        "swa_bn_batches": int(swa_model.module.body[1].num_batches_tracked),
        "ema_keys": list(checkpoint["ema"].keys())[:3],
        "model_keys": list(model.state_dict().keys())[:2],
        "script_out": script_out.sum().item(),
        "trace_matches": torch.allclose(trace_out, restored(example)),
        "wrapped": type(model).__name__ + "/" + type(model.module).__name__,
    }
