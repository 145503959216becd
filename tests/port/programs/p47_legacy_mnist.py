"""The MNIST example as `pytorch/examples` wrote it before PyTorch 0.4 (`mnist/main.py` at commit
c66593f, March 2018), reading every result through `.data`.

Its idioms: `from torch.autograd import Variable` and `data, target = Variable(data), Variable(target)`;
`Net` with `nn.Conv2d(1, 10, kernel_size=5)`, `nn.Conv2d(10, 20, kernel_size=5)`, `nn.Dropout2d()`,
`F.relu(F.max_pool2d(self.conv1(x), 2))`, `x.view(-1, 320)`, `F.dropout(x, training=self.training)` and
`F.log_softmax(x, dim=1)`; `optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)`; the log
line `'Train Epoch: {} [{}/{} ({:.0f}%)]\\tLoss: {:.6f}'` of the loss read through `.data`; and `test()`'s
`pred = output.data.max(1, keepdim=True)[1]`, `correct += pred.eq(target.data.view_as(pred)).long().cpu().sum()`
(a tensor, formatted with `{}` and `{:.0f}` in the summary line `'\\nTest set: Average loss: {:.4f},
Accuracy: {}/{} ({:.0f}%)\\n'`). Three changes PyTorch itself made necessary since: `loss.data[0]` (an
index into a 0-d tensor, an error from PyTorch 0.5) is `loss.data.item()`; `Variable(data,
volatile=True)` (a no-op since 0.4) is `with torch.no_grad():`; `size_average=False` (deprecated) is
`reduction='sum'`. The dropout probabilities are 0 so that the two runs compare; the digits are three
synthetic patterns on 28 x 28 pixels, normalised with the example's `(0.1307,), (0.3081,)`.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.autograd import Variable

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
P_DROP = 0.0  # the example's nn.Dropout2d() and F.dropout(x, training=...): 0.5


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008 (the example's spelling)
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(P_DROP)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, P_DROP, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def build_model():
    return Net()


def digits(n, rng):
    """A loader's batches: a cross, a square or a diagonal (classes 0, 1, 2) in noise."""
    target = rng.integers(0, 3, size=n)
    data = rng.normal(scale=0.2, size=(n, 1, 28, 28)).astype(np.float32)
    for i, t in enumerate(target):
        if t == 0:
            data[i, 0, 13:15, 4:24] += 1
            data[i, 0, 4:24, 13:15] += 1
        elif t == 1:
            data[i, 0, 8:20, 8:20] += 1
        else:
            data[i, 0][np.eye(28, dtype=bool)] += 1
    data = (data - 0.1307) / 0.3081  # transforms.Normalize((0.1307,), (0.3081,))
    return [(torch.from_numpy(data[i : i + 16]), torch.from_numpy(target[i : i + 16])) for i in range(0, n, 16)]


def run(model, workdir=None):
    torch.manual_seed(1)
    rng = np.random.default_rng(5)
    train_loader, test_loader = digits(32, rng), digits(16, rng)
    n_train, n_test = 32, 16
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    log = []

    def train(epoch):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = Variable(data), Variable(target)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            log.append(
                "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                    epoch,
                    batch_idx * len(data),
                    n_train,
                    100.0 * batch_idx / len(train_loader),
                    loss.data.item(),
                )
            )

    def test():
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = Variable(data), Variable(target)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").data.item()  # sum up batch loss
                pred = output.data.max(1, keepdim=True)[1]  # get the index of the max log-probability
                correct += pred.eq(target.data.view_as(pred)).long().cpu().sum()
        test_loss /= n_test
        log.append(
            "\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
                test_loss, correct, n_test, 100.0 * correct / n_test
            )
        )
        return correct

    corrects = []
    for epoch in range(1, 4):
        train(epoch)
        correct = test()
        corrects.append((correct.dtype == torch.int64, correct.dim(), correct.item()))
    return {"log": log, "corrects": corrects}
