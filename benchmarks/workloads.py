"""The benchmark workloads, each written once per library with that library's public API.

A workload builder returns a ``step()`` closure that runs one full training step (feed forward,
loss, backpropagate, optimize) and the number of samples it processes. The harness in ``run.py``
times it in a fresh process per library.

W1: 4-16-3 sigmoid MLP, cross-entropy, full batch of 150 (iris-sized), plain SGD.
W2: 784-256-128-10 ReLU MLP, batch 128, SGD with momentum 0.9 (MNIST-sized), float32.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

WORKLOADS = {
    "W1": dict(sizes=(4, 16, 3), act="sigmoid", batch=150, momentum=0.0, lr=0.1),
    "W2": dict(sizes=(784, 256, 128, 10), act="relu", batch=128, momentum=0.9, lr=0.01),
}


def _data(spec: dict, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((spec["batch"], spec["sizes"][0])).astype(np.float32)
    y = rng.integers(0, spec["sizes"][-1], spec["batch"])
    return X, y


def deltanet_step(name: str) -> tuple[Callable[[], None], int]:
    import deltanet as dn
    from deltanet import losses, nn, optim

    spec = WORKLOADS[name]
    X, y = _data(spec)
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[spec["act"]]
    sizes = spec["sizes"]
    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], rng=i))
        if i < len(sizes) - 2:
            layers.append(act())
    model = nn.Sequential(*layers)
    loss_fn = losses.CrossEntropy()
    opt = optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])
    xb, yb = dn.tensor(X), dn.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    return step, spec["batch"]


def torch_step(name: str) -> tuple[Callable[[], None], int]:
    import torch

    torch.set_num_threads(2)
    spec = WORKLOADS[name]
    X, y = _data(spec)
    act = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}[spec["act"]]
    sizes = spec["sizes"]
    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    model = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])
    xb, yb = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    return step, spec["batch"]


def sklearn_step(name: str) -> tuple[Callable[[], None], int]:
    """scikit-learn's MLPClassifier, one mini-batch per step via partial_fit (same sizes, SGD)."""
    from sklearn.neural_network import MLPClassifier

    spec = WORKLOADS[name]
    X, y = _data(spec)
    clf = MLPClassifier(
        hidden_layer_sizes=spec["sizes"][1:-1],
        activation="logistic" if spec["act"] == "sigmoid" else spec["act"],
        solver="sgd",
        learning_rate_init=spec["lr"],
        momentum=spec["momentum"],
        nesterovs_momentum=False,
        batch_size=spec["batch"],
        alpha=0.0,
    )
    classes = np.arange(spec["sizes"][-1])
    clf.partial_fit(X, y, classes=classes)

    def step() -> None:
        clf.partial_fit(X, y)

    return step, spec["batch"]


LIBRARIES = {"deltanet": deltanet_step, "torch": torch_step, "sklearn": sklearn_step}
