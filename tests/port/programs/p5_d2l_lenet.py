"""The LeNet of "Dive into Deep Learning" (sigmoid, average pooling), trained the d2l way.

The idioms of the d2l chapter: `nn.Sequential` of `nn.Conv2d(1, 6, kernel_size=5, padding=2)`,
`nn.Sigmoid()`, `nn.AvgPool2d(kernel_size=2, stride=2)`, `nn.Flatten()`; initialization with
`net.apply(init_weights)` where `type(m) == nn.Linear or type(m) == nn.Conv2d` calls
`nn.init.xavier_uniform_(m.weight)`; a shape walk `for layer in net: X = layer(X)` with
`X.shape`; accuracy as `y_hat.argmax(axis=1)`, `y_hat.type(y.dtype) == y` and
`float(cmp.type(y.dtype).sum())`; `y.numel()`; `torch.optim.SGD(net.parameters(), lr=0.9)`.
"""

import numpy as np
import torch
from torch import nn

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)


def build_model():
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )
    net.apply(init_weights)
    return net


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def run(net, workdir=None):
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    shapes = []
    for layer in net:
        X = layer(X)
        shapes.append((layer.__class__.__name__, tuple(X.shape)))

    rng = np.random.default_rng(4)
    y_all = torch.from_numpy(rng.integers(0, 10, size=128))
    X_all = torch.from_numpy(rng.normal(size=(128, 1, 28, 28)).astype(np.float32))
    X_all[torch.arange(128), 0, y_all * 2 + 4, :] += 2.0  # a class-dependent line

    optimizer = torch.optim.SGD(net.parameters(), lr=0.9)
    loss = nn.CrossEntropyLoss()
    losses, accuracies = [], []
    for epoch in range(3):
        net.train()
        metric = [0.0, 0.0, 0]
        for i in range(0, 128, 32):
            X, y = X_all[i : i + 32], y_all[i : i + 32]
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric[0] += l * X.shape[0]
                metric[1] += accuracy(y_hat, y)
                metric[2] += y.numel()
        losses.append(float(metric[0] / metric[2]))
        accuracies.append(metric[1] / metric[2])
    return {"shapes": shapes, "losses": losses, "accuracies": accuracies}
