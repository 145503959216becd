"""A convolutional network in the shape of PyTorch's official MNIST example.

The idioms of `examples/mnist/main.py`: `nn.Conv2d`, `nn.Dropout`, a `forward` of `F.relu`,
`F.max_pool2d(x, 2)`, `torch.flatten(x, 1)`, `F.log_softmax(x, dim=1)`; training with
`F.nll_loss`, `optim.Adadelta` and `StepLR(step_size=1, gamma=0.7)`; testing with
`F.nll_loss(..., reduction="sum").item()`, `output.argmax(dim=1, keepdim=True)` and
`pred.eq(target.view_as(pred)).sum().item()`. The dropout layers are kept but given p = 0 so that
the two libraries' runs are comparable step by step (their random streams differ).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
P_DROP = 0.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(P_DROP)
        self.dropout2 = nn.Dropout(P_DROP)
        self.fc1 = nn.Linear(16 * 6 * 6, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def build_model():
    return Net()


def make_data(n, rng):
    target = rng.integers(0, 3, size=n)
    data = rng.normal(scale=0.3, size=(n, 1, 16, 16)).astype(np.float32)
    for i, t in enumerate(target):  # a cross, a square or a diagonal
        if t == 0:
            data[i, 0, 7:9, :] += 1
            data[i, 0, :, 7:9] += 1
        elif t == 1:
            data[i, 0, 4:12, 4:12] += 1
        else:
            data[i, 0][np.eye(16, dtype=bool)] += 1
    return TensorDataset(torch.from_numpy(data), torch.from_numpy(target))


def train(model, device, train_loader, optimizer, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 2 == 0:
            log.append(loss.item())


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return test_loss, correct


def run(model, workdir=None):
    torch.manual_seed(1)
    device = torch.device("cpu")
    rng = np.random.default_rng(3)
    train_loader = DataLoader(make_data(192, rng), batch_size=32)
    test_loader = DataLoader(make_data(64, rng), batch_size=64)
    model = model.to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    log, results, lrs = [], [], []
    for epoch in range(1, 4):
        train(model, device, train_loader, optimizer, epoch, log)
        results.append(test(model, device, test_loader))
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    return {"log": log, "results": results, "lrs": lrs}
