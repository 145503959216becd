"""Regression from a custom Dataset class, with Adam, a cosine schedule and a saved checkpoint.

The idioms: a `Dataset` subclass with `__init__`, `__len__` and `__getitem__` returning
`torch.tensor(...)` pairs; `DataLoader(dataset, batch_size=16, shuffle=False)`; `Subset`;
`random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(42))`;
`nn.MSELoss()`, `torch.optim.Adam`, `CosineAnnealingLR(T_max=...)`; a checkpoint dict
`{"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}` saved with
`torch.save` and restored with `load_state_dict`; `.view(-1, 1)`, `x.size(0)`, `.unsqueeze(1)`,
`.detach().numpy()`.
"""

import os

import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader, Dataset, Subset, random_split

TOLERANCE = {"rtol": 1e-3, "atol": 1e-5}


class TumorDataset(Dataset):
    """Tumor size and temperature against survival, as in the decks' 1-neuron example."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.size = rng.uniform(0.5, 5.0, size=n).astype(np.float32)
        self.temperature = rng.normal(37.0, 0.6, size=n).astype(np.float32)
        self.survival = (10.0 - 1.6 * self.size - 0.5 * (self.temperature - 37.0)).astype(np.float32)

    def __len__(self):
        return len(self.size)

    def __getitem__(self, idx):
        x = torch.tensor([self.size[idx], self.temperature[idx] - 37.0])
        y = torch.tensor(self.survival[idx])
        return x, y


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def build_model():
    return Regressor()


def run(model, workdir):
    dataset = TumorDataset(160, seed=6)
    train_set = Subset(dataset, range(0, 128))
    valid_set = Subset(dataset, range(128, 160))
    parts = random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(42))
    train_loader = DataLoader(train_set, batch_size=16, shuffle=False)
    valid_loader = DataLoader(valid_set, batch_size=32)

    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = CosineAnnealingLR(optimizer, T_max=10)
    history = []
    for epoch in range(6):
        model.train()
        total = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            pred = model(x)
            loss = criterion(pred, y.view(-1, 1))
            loss.backward()
            optimizer.step()
            total += loss.item() * x.size(0)
        scheduler.step()
        model.eval()
        with torch.no_grad():
            valid = sum(criterion(model(x), y.unsqueeze(1)).item() for x, y in valid_loader)
        history.append((total / len(train_set), valid, scheduler.get_last_lr()[0]))
        if epoch == 2:
            path = os.path.join(workdir, "checkpoint.pth")
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)

    checkpoint = torch.load(path, weights_only=True)
    restored = Regressor()
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer = torch.optim.Adam(restored.parameters(), lr=0.01)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    x, _ = dataset[0]
    prediction = restored(x.unsqueeze(0)).detach().numpy()
    return {
        "history": history,
        "split_sizes": [len(p) for p in parts],
        "epoch": checkpoint["epoch"],
        "restored_prediction": prediction.tolist(),
        "restored_step": float(restored_optimizer.state_dict()["state"][0]["step"]),
    }
