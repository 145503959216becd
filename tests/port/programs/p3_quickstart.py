"""A classifier trained with train/test loop functions, a device, and state_dict saving.

The idioms of PyTorch's quickstart tutorial: `device = "cuda" if torch.cuda.is_available() else
"cpu"`, an `nn.Module` with `nn.Flatten()` and `nn.Sequential(...)`, `.to(device)`,
`len(dataloader.dataset)`, `len(dataloader)`, `enumerate(dataloader)`,
`(pred.argmax(1) == y).type(torch.float).sum().item()`, f-strings with `{loss:>7f}`,
`torch.save(model.state_dict(), path)` and `model.load_state_dict(torch.load(path,
weights_only=True))`.
"""

import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 1e-3, "atol": 1e-5}

device = "cuda" if torch.cuda.is_available() else "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(12 * 12, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 4),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def build_model():
    return NeuralNetwork().to(device)


def make_images(n, rng):
    labels = rng.integers(0, 4, size=n)
    images = rng.normal(scale=0.5, size=(n, 1, 12, 12)).astype(np.float32)
    for i, label in enumerate(labels):  # a bright bar whose place is the class
        images[i, 0, 3 * label : 3 * label + 3, :] += 1.0
    return TensorDataset(torch.tensor(images), torch.tensor(labels))


def train(dataloader, model, loss_fn, optimizer, log):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 4 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            log.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    return test_loss, correct


def run(model, workdir):
    rng = np.random.default_rng(2)
    train_dataloader = DataLoader(make_images(320, rng), batch_size=32)
    test_dataloader = DataLoader(make_images(96, rng), batch_size=32)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
    log, results = [], []
    for t in range(3):
        train(train_dataloader, model, loss_fn, optimizer, log)
        results.append(test(test_dataloader, model, loss_fn))

    path = os.path.join(workdir, "model.pth")
    torch.save(model.state_dict(), path)
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(path, weights_only=True))
    reloaded = test(test_dataloader, model, loss_fn)
    return {"results": results, "reloaded": reloaded, "log": log}
