"""Learning-rate schedules, as `torch.optim`'s documentation and the recipes write them: one small regressor
trained under each schedule, warm-up chained into decay, cyclic momentum, and a resumed schedule.

The idioms of the "How to adjust learning rate" section of the `torch.optim` docs and of training scripts:
`scheduler.step()` after `optimizer.step()` in each epoch; `ExponentialLR(optimizer, gamma=0.9)`;
warm-up then decay with `SequentialLR(optimizer, schedulers=[LinearLR(optimizer, start_factor=0.1,
total_iters=3), CosineAnnealingLR(optimizer, T_max=...)], milestones=[3])`; `ChainedScheduler([ConstantLR(
optimizer, factor=0.5, total_iters=2), ExponentialLR(optimizer, gamma=0.9)], optimizer=optimizer)`;
`CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=1e-3)` stepped per batch with the fractional
epoch `scheduler.step(epoch + i / iters)` (its docstring's recipe); `CyclicLR(optimizer, base_lr, max_lr,
step_size_up=2, mode="triangular2")` cycling SGD's `momentum` and `OneCycleLR(optimizer, max_lr,
epochs=..., steps_per_epoch=len(loader))` cycling Adam's `betas`, both stepped per batch; `PolynomialLR(
optimizer, total_iters=4, power=2.0)`; `MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.95)`;
`LambdaLR` with one lambda per parameter group; `ReduceLROnPlateau(optimizer, mode="max", factor=0.5,
patience=1)` on a validation score; `scheduler.get_last_lr()` and `optimizer.param_groups[0]["lr"]`;
`copy.deepcopy(model)` for each run; and a checkpoint with `"scheduler": scheduler.state_dict()` saved
with `torch.save` and restored into a new scheduler with `load_state_dict` to resume.
"""

import copy
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim import SGD, Adam, lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


def build_model():
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))


def train_epoch(model, loader, optimizer, loss_fn, per_batch=None):
    total = 0.0
    for i, (X, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        if per_batch is not None:
            per_batch(i)
        total += loss.item()
    return total / len(loader)


def run(model, workdir):
    rng = np.random.default_rng(40)
    X = rng.normal(size=(48, 3)).astype(np.float32)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=16)
    loss_fn = nn.MSELoss()
    epochs = 8
    results = {}

    def per_epoch(make):
        net = copy.deepcopy(model)
        optimizer = SGD(net.parameters(), lr=0.1, momentum=0.9)
        scheduler = make(optimizer)
        lrs, losses = [], []
        for epoch in range(epochs):
            losses.append(train_epoch(net, loader, optimizer, loss_fn))
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
        return {"lrs": lrs, "loss": losses[-1], "name": type(scheduler).__name__}

    results["exponential"] = per_epoch(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9))
    results["warmup_cosine"] = per_epoch(
        lambda o: lr_scheduler.SequentialLR(
            o,
            schedulers=[
                lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
                lr_scheduler.CosineAnnealingLR(o, T_max=epochs - 3),
            ],
            milestones=[3],
        )
    )
    results["chained"] = per_epoch(
        lambda o: lr_scheduler.ChainedScheduler(
            [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=2), lr_scheduler.ExponentialLR(o, gamma=0.9)],
            optimizer=o,
        )
    )
    results["polynomial"] = per_epoch(lambda o: lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0))
    results["multiplicative"] = per_epoch(lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda epoch: 0.95))

    # Warm restarts stepped per batch with a fractional epoch, as its docstring shows.
    net = copy.deepcopy(model)
    optimizer = SGD(net.parameters(), lr=0.1)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=1e-3)
    iters, lrs = len(loader), []
    for epoch in range(epochs):
        train_epoch(net, loader, optimizer, loss_fn, lambda i, epoch=epoch: scheduler.step(epoch + i / iters))
        lrs.append(optimizer.param_groups[0]["lr"])
    results["warm_restarts"] = {"lrs": lrs, "T_i": scheduler.T_i, "T_cur": scheduler.T_cur}

    # Cyclic schedules stepped per batch, cycling the momentum.
    net = copy.deepcopy(model)
    optimizer = SGD(net.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="triangular2")
    momenta = []
    for epoch in range(3):
        train_epoch(
            net,
            loader,
            optimizer,
            loss_fn,
            lambda i: (scheduler.step(), momenta.append(optimizer.param_groups[0]["momentum"])),
        )
    results["cyclic"] = {"lr": scheduler.get_last_lr(), "momenta": momenta}

    net = copy.deepcopy(model)
    optimizer = Adam(net.parameters(), lr=0.01)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, epochs=3, steps_per_epoch=len(loader))
    betas, losses = [], []
    for epoch in range(3):
        losses.append(
            train_epoch(
                net,
                loader,
                optimizer,
                loss_fn,
                lambda i: (scheduler.step(), betas.append(optimizer.param_groups[0]["betas"][0])),
            )
        )
    results["one_cycle"] = {"betas": betas, "losses": losses, "lr": scheduler.get_last_lr()}

    # One lambda per parameter group.
    net = copy.deepcopy(model)
    optimizer = SGD([{"params": net[0].parameters()}, {"params": net[2].parameters(), "lr": 0.05}], lr=0.1)
    scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=[lambda e: 0.5**e, lambda e: 1.0 / (e + 1)])
    for epoch in range(3):
        train_epoch(net, loader, optimizer, loss_fn)
        scheduler.step()
    results["lambda_groups"] = [group["lr"] for group in optimizer.param_groups]

    # On a plateau of a validation score, then a checkpoint and a resumed schedule.
    net = copy.deepcopy(model)
    optimizer = SGD(net.parameters(), lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=1)
    plateau = []
    for epoch, score in enumerate([0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7]):
        train_epoch(net, loader, optimizer, loss_fn)
        scheduler.step(score)
        plateau.append(optimizer.param_groups[0]["lr"])
    results["plateau"] = plateau

    net = copy.deepcopy(model)
    optimizer = SGD(net.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for epoch in range(3):
        train_epoch(net, loader, optimizer, loss_fn)
        scheduler.step()
    path = os.path.join(workdir, "checkpoint.pt")
    torch.save(
        {
            "epoch": 3,
            "model": net.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
        },
        path,
    )
    checkpoint = torch.load(path, weights_only=True)
    resumed = build_model()
    resumed.load_state_dict(checkpoint["model"])
    optimizer = SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    scheduler.load_state_dict(checkpoint["scheduler"])
    lrs = []
    for epoch in range(checkpoint["epoch"], 6):
        train_epoch(resumed, loader, optimizer, loss_fn)
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    results["resumed"] = {"last_epoch": scheduler.last_epoch, "lrs": lrs, "keys": sorted(checkpoint["scheduler"])}
    return results
