"""The benchmark workloads, each written once per library with that library's public API.

A workload builder returns a ``step()`` closure that runs one full training step (feed forward,
loss, backpropagate, optimize) and the number of samples it processes. The harness in ``run.py``
times it in a fresh process per library.

W1: 4-16-3 sigmoid MLP, cross-entropy, full batch of 150 (iris-sized), plain SGD.
W2: 784-256-128-10 ReLU MLP, batch 128, SGD with momentum 0.9 (MNIST-sized), float32.
W3, W4, W5: convolutional networks (LeNet-5, a small U-Net, the textbook sigmoid LeNet): below.
"""

from __future__ import annotations

from collections.abc import Callable

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


def deltanet_mlp(name: str) -> tuple:
    """deltanet's model of MLP workload ``name`` (layer i seeded with i) and its SGD optimizer."""
    from deltanet import nn, optim

    spec = WORKLOADS[name]
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[spec["act"]]
    sizes = spec["sizes"]
    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], rng=i))
        if i < len(sizes) - 2:
            layers.append(act())
    model = nn.Sequential(*layers)
    return model, optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])


def deltanet_step(name: str) -> tuple[Callable[[], None], int]:
    import deltanet as dn
    from deltanet import losses

    spec = WORKLOADS[name]
    X, y = _data(spec)
    model, opt = deltanet_mlp(name)
    loss_fn = losses.CrossEntropy()
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


def deltanet_compiled_step(name: str) -> tuple[Callable[[], None], int]:
    """deltanet's step of MLP workload ``name`` through ``dn.compile_step``: the same model, loss
    and optimizer as ``deltanet_step``, replayed without the graph (bit for bit the same step)."""
    import deltanet as dn
    from deltanet import losses

    spec = WORKLOADS[name]
    X, y = _data(spec)
    model, opt = deltanet_mlp(name)
    step = dn.compile_step(model, losses.CrossEntropy(), opt)
    xb, yb = dn.tensor(X), dn.tensor(y)

    def run() -> None:
        step(xb, yb)
        if step.why is not None:  # the benchmark would time the eager step under another name
            raise RuntimeError(f"compile_step ran {name} eagerly: {step.why}")

    return run, spec["batch"]


LIBRARIES = {
    "deltanet": deltanet_step,
    "deltanet-compiled": deltanet_compiled_step,
    "torch": torch_step,
    "sklearn": sklearn_step,
}


# -- W3, W4: convolutional networks (issue 3) ---------------------------------------------------
# W3: LeNet-5 (conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, 400-120-84-10),
#     batch 64 of 1x28x28, cross-entropy, SGD with momentum 0.9. deltanet's ``models.lenet5``
#     max-pools before the ReLU (the same function: max-pooling commutes with ReLU); torch runs
#     the textbook order.
# W4: a 2-level U-Net at 64x64: conv3x3 16, conv3x3 16, max-pool, conv3x3 32 x2, transposed conv
#     2x2 stride 2 to 16, concat skip, conv3x3 16, conv1x1 1 (ReLU after every 3x3 conv), batch 8,
#     Adam, BCE-with-logits.
CNN_WORKLOADS = {
    "W3": dict(batch=64, input=(1, 28, 28), classes=10, lr=0.01, momentum=0.9),
    "W4": dict(batch=8, input=(1, 64, 64), lr=1e-3),
    "W5": dict(batch=256, input=(1, 28, 28), classes=10, lr=0.9),
}


def _cnn_data(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    spec = CNN_WORKLOADS[name]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((spec["batch"],) + spec["input"]).astype(np.float32)
    if name in ("W3", "W5"):
        return X, rng.integers(0, spec["classes"], spec["batch"])
    return X, (rng.random((spec["batch"], 1) + spec["input"][1:]) < 0.3).astype(np.float32)


def deltanet_w3() -> tuple[Callable[[], None], int]:
    import deltanet as dn
    from deltanet import losses, models, optim

    spec = CNN_WORKLOADS["W3"]
    X, y = _cnn_data("W3")
    model = models.lenet5(rng=0)
    loss_fn = losses.CrossEntropy()
    opt = optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])
    xb, yb = dn.tensor(X), dn.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return step, spec["batch"]


def torch_w3() -> tuple[Callable[[], None], int]:
    import torch

    torch.set_num_threads(2)
    tnn = torch.nn
    spec = CNN_WORKLOADS["W3"]
    X, y = _cnn_data("W3")
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(400, 120),
        tnn.ReLU(),
        tnn.Linear(120, 84),
        tnn.ReLU(),
        tnn.Linear(84, 10),
    )
    loss_fn = tnn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])
    xb, yb = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return step, spec["batch"]


def deltanet_w4() -> tuple[Callable[[], None], int]:
    import deltanet as dn
    from deltanet import losses, nn, optim

    class TwoLevelUNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1, rng=0)
            self.conv2 = nn.Conv2d(16, 16, 3, padding=1, rng=1)
            self.pool = nn.MaxPool2d(2)
            self.conv3 = nn.Conv2d(16, 32, 3, padding=1, rng=2)
            self.conv4 = nn.Conv2d(32, 32, 3, padding=1, rng=3)
            self.up = nn.ConvTranspose2d(32, 16, 2, stride=2, rng=4)
            self.conv5 = nn.Conv2d(32, 16, 3, padding=1, rng=5)
            self.head = nn.Conv2d(16, 1, 1, rng=6)

        def forward(self, x: dn.Tensor) -> dn.Tensor:
            skip = self.conv2(self.conv1(x).relu()).relu()
            deep = self.conv4(self.conv3(self.pool(skip)).relu()).relu()
            merged = dn.cat([skip, self.up(deep)], axis=1)
            return self.head(self.conv5(merged).relu())

    spec = CNN_WORKLOADS["W4"]
    X, y = _cnn_data("W4")
    model = TwoLevelUNet()
    loss_fn = losses.BCEWithLogitsLoss()
    opt = optim.Adam(model.parameters(), lr=spec["lr"])
    xb, yb = dn.tensor(X), dn.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return step, spec["batch"]


def torch_w4() -> tuple[Callable[[], None], int]:
    import torch

    torch.set_num_threads(2)
    tnn = torch.nn

    class TwoLevelUNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 16, 3, padding=1)
            self.conv2 = tnn.Conv2d(16, 16, 3, padding=1)
            self.pool = tnn.MaxPool2d(2)
            self.conv3 = tnn.Conv2d(16, 32, 3, padding=1)
            self.conv4 = tnn.Conv2d(32, 32, 3, padding=1)
            self.up = tnn.ConvTranspose2d(32, 16, 2, stride=2)
            self.conv5 = tnn.Conv2d(32, 16, 3, padding=1)
            self.head = tnn.Conv2d(16, 1, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            relu = torch.relu
            skip = relu(self.conv2(relu(self.conv1(x))))
            deep = relu(self.conv4(relu(self.conv3(self.pool(skip)))))
            merged = torch.cat([skip, self.up(deep)], dim=1)
            return self.head(relu(self.conv5(merged)))

    spec = CNN_WORKLOADS["W4"]
    X, y = _cnn_data("W4")
    model = TwoLevelUNet()
    loss_fn = tnn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    xb, yb = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return step, spec["batch"]


# W5: the textbook LeNet (d2l.ai's "LeNet" chapter, as a PyTorch program ported to deltanet would
#     run it): conv 6@5x5 pad 2, sigmoid, average pool 2, conv 16@5x5, sigmoid, average pool 2,
#     400-120-84-10 with sigmoids, batch 256 of 1x28x28, cross-entropy, SGD lr 0.9. Both libraries
#     start from the same weights (Xavier-uniform, drawn once with NumPy, as the book initializes).
def _w5_weights(seed: int = 0) -> list[np.ndarray]:
    """W, b for each of W5's five layers, in PyTorch's layouts: Xavier-uniform weights, zero biases."""
    rng = np.random.default_rng(seed)
    shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (120, 400), (84, 120), (10, 84)]
    arrays = []
    for shape in shapes:
        receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        arrays += [rng.uniform(-bound, bound, shape).astype(np.float32), np.zeros(shape[0], np.float32)]
    return arrays


def deltanet_w5() -> tuple[Callable[[], None], int]:
    import deltanet as dn
    from deltanet import losses, nn, optim

    spec = CNN_WORKLOADS["W5"]
    X, y = _cnn_data("W5")
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(2, stride=2),
        nn.Conv2d(6, 16, 5),
        nn.Sigmoid(),
        nn.AvgPool2d(2, stride=2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )
    for p, w in zip(model.parameters(), _w5_weights(), strict=True):
        p.data[...] = w
    loss_fn = losses.CrossEntropy()
    opt = optim.SGD(model.parameters(), lr=spec["lr"])
    xb, yb = dn.tensor(X), dn.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    step.model = model  # type: ignore[attr-defined]  # for tests/test_benchmarks.py: same weights as torch's
    return step, spec["batch"]


def torch_w5() -> tuple[Callable[[], None], int]:
    import torch

    torch.set_num_threads(2)
    tnn = torch.nn
    spec = CNN_WORKLOADS["W5"]
    X, y = _cnn_data("W5")
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, kernel_size=5, padding=2),
        tnn.Sigmoid(),
        tnn.AvgPool2d(kernel_size=2, stride=2),
        tnn.Conv2d(6, 16, kernel_size=5),
        tnn.Sigmoid(),
        tnn.AvgPool2d(kernel_size=2, stride=2),
        tnn.Flatten(),
        tnn.Linear(16 * 5 * 5, 120),
        tnn.Sigmoid(),
        tnn.Linear(120, 84),
        tnn.Sigmoid(),
        tnn.Linear(84, 10),
    )
    with torch.no_grad():
        for p, w in zip(model.parameters(), _w5_weights(), strict=True):
            p.copy_(torch.from_numpy(w))
    loss_fn = tnn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])
    xb, yb = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    step.model = model  # type: ignore[attr-defined]
    return step, spec["batch"]


_CNN_BUILDERS = {
    ("deltanet", "W3"): deltanet_w3,
    ("torch", "W3"): torch_w3,
    ("deltanet", "W4"): deltanet_w4,
    ("torch", "W4"): torch_w4,
    ("deltanet", "W5"): deltanet_w5,
    ("torch", "W5"): torch_w5,
}


def _with_cnn_workloads(library: str, mlp_builder: Callable) -> Callable:
    """The library's builder, extended with W3 and W4 (the MLP workloads go to ``mlp_builder``)."""

    def build(name: str) -> tuple[Callable[[], None], int]:
        if (library, name) in _CNN_BUILDERS:
            return _CNN_BUILDERS[(library, name)]()
        if name in CNN_WORKLOADS:
            raise ValueError(f"workload {name} (a CNN) has no {library} version; use --libraries deltanet torch")
        return mlp_builder(name)

    return build


LIBRARIES = {library: _with_cnn_workloads(library, builder) for library, builder in LIBRARIES.items()}


def supports(library: str, name: str) -> bool:
    """Whether ``library`` has a version of workload ``name`` (scikit-learn has no CNN)."""
    return name in WORKLOADS or (library, name) in _CNN_BUILDERS
