"""Hinton's forward-forward algorithm, as PyTorch's official example trains it: each layer trained alone
on the "goodness" of positive and negative data, no backpropagation between layers.

The idioms of `examples/mnist_forward_forward/main.py`: an `args = argparse.Namespace`-style object
read at construction; `overlay_y_on_x` (`x_ = x.clone()`, `x_[:, :classes] *= 0.0`,
`x_[range(x.shape[0]), y] = x.max()` with `y` a label tensor or a Python int); `get_y_neg`'s
`y.clone()`, `enumerate(y)`, `y_samp.item()`, `allowed_indices.remove(...)`,
`torch.tensor(allowed_indices)[...]` and `y_neg[idx] = ...item()` (the index drawn by `torch.randint`
in the example comes from NumPy); `class Layer(nn.Linear)` calling `super().__init__(in_features,
out_features, bias, device, dtype)` positionally, keeping its own `Adam(self.parameters(), lr=args.lr)`
and a `train(self, x_pos, x_neg)` method that shadows `nn.Module.train`; its `forward`'s `x / (x.norm(2, 1,
keepdim=True) + 1e-4)` and `torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0)`; the loss
`torch.log1p(torch.exp(torch.cat([-g_pos + self.threshold, g_neg - self.threshold]))).mean()` of
`h.pow(2).mean(1)`; `Net`'s layers kept in a plain Python list (`self.layers = self.layers + [Layer(...)
.to(device)]`, so that `Net` has no parameters of its own), `predict`'s `goodness = goodness + [...]`,
`sum(goodness).unsqueeze(1)` (Python's `sum` of tensors, from 0), `torch.cat(goodness_per_label, 1)`,
`.argmax(1)`; the error `1.0 - net.predict(x).eq(y).float().mean().item()`; and the example's
`transforms.Lambda(lambda x: torch.flatten(x))`.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.optim import Adam

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
args = argparse.Namespace(lr=0.03, threshold=2.0, epochs=30, log_interval=10)
device = torch.device("cpu")
LOG = []


def get_y_neg(y, rng):
    y_neg = y.clone()
    for idx, y_samp in enumerate(y):
        allowed_indices = list(range(10))
        allowed_indices.remove(y_samp.item())
        y_neg[idx] = torch.tensor(allowed_indices)[int(rng.integers(len(allowed_indices)))].item()
    return y_neg.to(device)


def overlay_y_on_x(x, y, classes=10):
    x_ = x.clone()
    x_[:, :classes] *= 0.0
    x_[range(x.shape[0]), y] = x.max()
    return x_


class Net(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = []
        for d in range(len(dims) - 1):
            self.layers = self.layers + [Layer(dims[d], dims[d + 1]).to(device)]

    def predict(self, x):
        goodness_per_label = []
        for label in range(10):
            h = overlay_y_on_x(x, label)
            goodness = []
            for layer in self.layers:
                h = layer(h)
                goodness = goodness + [h.pow(2).mean(1)]
            goodness_per_label += [sum(goodness).unsqueeze(1)]
        goodness_per_label = torch.cat(goodness_per_label, 1)
        return goodness_per_label.argmax(1)

    def train(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            LOG.append("training layer: %d" % i)
            h_pos, h_neg = layer.train(h_pos, h_neg)


class Layer(nn.Linear):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self.relu = torch.nn.ReLU()
        self.opt = Adam(self.parameters(), lr=args.lr)
        self.threshold = args.threshold
        self.num_epochs = args.epochs

    def forward(self, x):
        x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
        return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

    def train(self, x_pos, x_neg):
        for i in range(self.num_epochs):
            g_pos = self.forward(x_pos).pow(2).mean(1)
            g_neg = self.forward(x_neg).pow(2).mean(1)
            # The following loss pushes pos (neg) samples to values larger (smaller) than the self.threshold.
            loss = torch.log1p(torch.exp(torch.cat([-g_pos + self.threshold, g_neg - self.threshold]))).mean()
            self.opt.zero_grad()
            # this backward just compute the derivative and hence is not considered backpropagation.
            loss.backward()
            self.opt.step()
            if i % args.log_interval == 0:
                LOG.append("Loss: %.6f" % loss.item())
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


def build_model():
    net = Net([48, 32, 32])
    return torch.nn.ModuleList(net.layers)


def make_data(n, rng, prototypes):
    y = rng.integers(0, 10, size=n)
    images = prototypes[y] + rng.normal(scale=0.15, size=(n, 8, 6))
    images = np.clip(images, 0, 1).astype(np.float32)
    flatten = lambda x: torch.flatten(x)  # noqa: E731  transforms.Lambda(lambda x: torch.flatten(x))
    x = torch.stack([flatten(torch.from_numpy(img)) for img in images])
    return (x - 0.1307) / 0.3081, torch.from_numpy(y)


def run(model, workdir):
    del LOG[:]
    rng = np.random.default_rng(37)
    prototypes = (rng.uniform(size=(10, 8, 6)) > 0.6).astype(np.float64)
    x, y = make_data(100, rng, prototypes)
    x_te, y_te = make_data(50, rng, prototypes)

    net = Net([])
    net.layers = list(model)
    is_module_train = [type(layer).train is nn.Module.train for layer in net.layers]
    x_pos = overlay_y_on_x(x, y)
    y_neg = get_y_neg(y, rng)
    x_neg = overlay_y_on_x(x, y_neg)
    net.train(x_pos, x_neg)
    train_error = 1.0 - net.predict(x).eq(y).float().mean().item()
    test_error = 1.0 - net.predict(x_te).eq(y_te).float().mean().item()
    return {
        "log": list(LOG),
        "train_error": train_error,
        "test_error": test_error,
        "net_parameters": len(list(net.parameters())),
        "is_module_train": is_module_train,
        "overlay": x_pos[:3, :12].tolist(),
        "y_neg_differs": bool((y_neg != y).all().item()),
        "weights": [layer.weight.sum().item() for layer in net.layers],
    }
