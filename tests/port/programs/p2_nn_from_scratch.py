"""Logistic regression written from scratch, then refactored with nn.Module, optim and DataLoader.

The idioms of PyTorch's "What is torch.nn really?" tutorial: weights made with `requires_grad_()`,
`x @ weights + bias`, a hand-written `log_softmax` with `.exp().sum(-1).log().unsqueeze(-1)`,
negative log-likelihood by fancy indexing `input[range(n), target]`, accuracy as
`(torch.argmax(out, dim=1) == yb).float().mean()`, the manual update with `.grad.zero_()`, then
`F.cross_entropy`, an `nn.Module` with `nn.Parameter`s, `optim.SGD`, `TensorDataset` and
`DataLoader`, and a validation loss under `torch.no_grad()` with `model.eval()`.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


def make_data(n, rng, centers):
    labels = rng.integers(0, 10, size=n)
    images = centers[labels] + rng.normal(scale=1.5, size=(n, 64)).astype(np.float32)
    return torch.from_numpy(images.astype(np.float32)), torch.from_numpy(labels)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(64, 10) / math.sqrt(64))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


def build_model():
    return MnistLogistic()


def run(model, workdir=None):
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(10, 64)).astype(np.float32)
    x_train, y_train = make_data(512, rng, centers)
    x_valid, y_valid = make_data(128, rng, centers)
    n, c = x_train.shape
    bs = 64
    lr = 0.05

    # From scratch: the weights of the model, used by hand.
    weights = model.weights.detach().clone()
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def scratch_model(xb):
        return log_softmax(xb @ weights + bias)

    loss_func = nll
    scratch = []
    for epoch in range(2):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = scratch_model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
        scratch.append((loss_func(scratch_model(x_train), y_train).item(), accuracy(scratch_model(xb), yb).item()))

    # Refactored: nn.Module, F.cross_entropy, optim, TensorDataset, DataLoader.
    loss_func = F.cross_entropy
    opt = optim.SGD(model.parameters(), lr=lr)
    train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=bs)
    valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=bs * 2)
    valid_losses = []
    for epoch in range(3):
        model.train()
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)
        valid_losses.append(float(valid_loss / len(valid_dl)))
    return {
        "scratch": scratch,
        "valid_losses": valid_losses,
        "valid_accuracy": accuracy(model(x_valid), y_valid).item(),
    }
