"""A Siamese network that tells whether two images show the same digit, as PyTorch's official
`siamese_network` example trains it: a ResNet-style feature extractor cut before its head, the two
embeddings concatenated, `nn.BCELoss` on a sigmoid.

The idioms of `examples/siamese_network/main.py`: a backbone whose first convolution is replaced after
construction (`self.resnet.conv1 = nn.Conv2d(1, 64, kernel_size=(7, 7), ...)` here on a small ResNet written
as torchvision's, with `BasicBlock`s, a `downsample` branch, `nn.AdaptiveAvgPool2d((1, 1))` and `fc`),
`self.fc_in_features = self.resnet.fc.in_features`, `torch.nn.Sequential(*(list(self.resnet.children())[:-1]))`,
`self.resnet.apply(self.init_weights)` with `isinstance(m, nn.Linear)` and `torch.nn.init.xavier_uniform_`,
`forward_once`'s `output.view(output.size()[0], -1)`, `torch.cat((output1, output2), 1)`; the `APP_MATCHER`
dataset (`self.data = dataset.data.unsqueeze(1).clone()`, `np.array(targets.clone(), dtype=None, copy=None)`,
`np.where((np_arr==i))[0]` per class, Python's `random.randint` for the pairs, `self.data[index_1].clone().float()`,
`torch.tensor(1, dtype=torch.float)`); training with `optim.Adadelta(model.parameters(), lr=1.0)` and
`StepLR(optimizer, step_size=1, gamma=0.7)`, `model(images_1, images_2).squeeze()`, the log line `'Train Epoch: {}
[{}/{} ({:.0f}%)]\\tLoss: {:.6f}'`; testing with `criterion(outputs, targets).sum().item()`, `torch.where(outputs >
0.5, 1, 0)`, `pred.eq(targets.view_as(pred)).sum().item()`, and `init_weights`' `m.bias.data.fill_(0.01)`.
Python's `random` is seeded in the program, so both runs draw the same pairs.
"""

import random

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class TinyResNet(nn.Module):
    def __init__(self, widths=(8, 16), num_classes=10):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(widths[0], stride=1)
        self.layer2 = self._make_layer(widths[1], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[1] * BasicBlock.expansion, num_classes)

    def _make_layer(self, planes, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.resnet = TinyResNet()
        # over-write the first conv layer to be able to read MNIST images
        # as resnet18 reads (3,x,x) where 3 is RGB channels
        # whereas MNIST has (1,x,x) where 1 is a gray-scale channel
        self.resnet.conv1 = nn.Conv2d(1, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
        self.fc_in_features = self.resnet.fc.in_features

        # remove the last layer of resnet18 (linear layer which is before avgpool layer)
        self.resnet = torch.nn.Sequential(*(list(self.resnet.children())[:-1]))

        # add linear layers to compare between the features of the two images
        self.fc = nn.Sequential(
            nn.Linear(self.fc_in_features * 2, 16),
            nn.ReLU(inplace=True),
            nn.Linear(16, 1),
        )
        self.sigmoid = nn.Sigmoid()

        # initialize the weights
        self.resnet.apply(self.init_weights)
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    def forward_once(self, x):
        output = self.resnet(x)
        output = output.view(output.size()[0], -1)
        return output

    def forward(self, input1, input2):
        # get two images' features
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        # concatenate both images' features
        output = torch.cat((output1, output2), 1)
        # pass the concatenation to the linear layers
        output = self.fc(output)
        # pass the out of the linear layers to sigmoid layer
        output = self.sigmoid(output)
        return output


class Digits:
    """What `datasets.MNIST` offers the example: `.data` (N, H, W) uint8 and `.targets`."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.targets = torch.from_numpy(rng.permutation(np.arange(n) % 10))  # every digit at least twice
        strokes = rng.uniform(size=(10, 12, 12)) > 0.7
        images = strokes[self.targets.numpy()] * 200 + rng.integers(0, 50, size=(n, 12, 12))
        self.data = torch.from_numpy(images.astype(np.uint8))


class APP_MATCHER(Dataset):
    def __init__(self, n, seed):
        super(APP_MATCHER, self).__init__()
        self.dataset = Digits(n, seed)
        self.data = self.dataset.data.unsqueeze(1).clone()
        self.group_examples()

    def group_examples(self):
        np_arr = np.array(self.dataset.targets.clone(), dtype=None, copy=None)
        self.grouped_examples = {}
        for i in range(0, 10):
            self.grouped_examples[i] = np.where((np_arr == i))[0]  # noqa: UP034 - the example's parentheses

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        selected_class = random.randint(0, 9)
        random_index_1 = random.randint(0, self.grouped_examples[selected_class].shape[0] - 1)
        index_1 = self.grouped_examples[selected_class][random_index_1]
        image_1 = self.data[index_1].clone().float()
        if index % 2 == 0:
            random_index_2 = random.randint(0, self.grouped_examples[selected_class].shape[0] - 1)
            while random_index_2 == random_index_1:
                random_index_2 = random.randint(0, self.grouped_examples[selected_class].shape[0] - 1)
            index_2 = self.grouped_examples[selected_class][random_index_2]
            image_2 = self.data[index_2].clone().float()
            target = torch.tensor(1, dtype=torch.float)
        else:
            other_selected_class = random.randint(0, 9)
            while other_selected_class == selected_class:
                other_selected_class = random.randint(0, 9)
            random_index_2 = random.randint(0, self.grouped_examples[other_selected_class].shape[0] - 1)
            index_2 = self.grouped_examples[other_selected_class][random_index_2]
            image_2 = self.data[index_2].clone().float()
            target = torch.tensor(0, dtype=torch.float)
        return image_1 / 255, image_2 / 255, target


def build_model():
    return SiameseNetwork()


def train(model, device, train_loader, optimizer, epoch, log):
    model.train()
    criterion = nn.BCELoss()
    for batch_idx, (images_1, images_2, targets) in enumerate(train_loader):
        images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(images_1, images_2).squeeze()
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        log.append(
            "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch,
                batch_idx * len(images_1),
                len(train_loader.dataset),
                100.0 * batch_idx / len(train_loader),
                loss.item(),
            )
        )


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    criterion = nn.BCELoss()
    with torch.no_grad():
        for images_1, images_2, targets in test_loader:
            images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
            outputs = model(images_1, images_2).squeeze()
            test_loss += criterion(outputs, targets).sum().item()  # sum up batch loss
            pred = torch.where(outputs > 0.5, 1, 0)  # get the index of the max log-probability
            correct += pred.eq(targets.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return "Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)".format(
        test_loss, correct, len(test_loader.dataset), 100.0 * correct / len(test_loader.dataset)
    )


def run(model, workdir):
    random.seed(45)
    device = torch.device("cpu")
    train_dataset = APP_MATCHER(36, seed=1)
    test_dataset = APP_MATCHER(20, seed=2)
    train_loader = DataLoader(train_dataset, batch_size=12)
    test_loader = DataLoader(test_dataset, batch_size=20)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    log, tests = [], []
    for epoch in range(1, 3):
        train(model, device, train_loader, optimizer, epoch, log)
        tests.append(test(model, device, test_loader))
        scheduler.step()
    return {
        "children": [type(m).__name__ for m in model.resnet.children()],
        "fc_in_features": model.fc_in_features,
        "bias": model.fc[0].bias[:3].tolist(),
        "groups": [len(train_dataset.grouped_examples[i]) for i in range(10)],
        "log": log[::2],
        "tests": tests,
    }
