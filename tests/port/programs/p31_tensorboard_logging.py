"""A training loop that logs to TensorBoard with `SummaryWriter`, then reads its event files back.

The idioms, from PyTorch's tutorial "Visualizing Models, Data, and Training with TensorBoard" and
its recipe "How to use TensorBoard with PyTorch", and the logging lines of GitHub training scripts:
`from torch.utils.tensorboard import SummaryWriter`; `writer = SummaryWriter(log_dir)` (with
`comment=`/`filename_suffix=` variants); `writer.add_images(...)` of an input batch (a grid, as
`make_grid` gives) and `add_image(..., dataformats="HW")` of a mask; `add_text` of the
configuration; `writer.add_scalar("training loss", running_loss / k, epoch * len(loader) + i)`
every k batches; `add_scalars("Loss", {"train": ..., "val": ...}, epoch)`; the learning rate from
`optimizer.param_groups[0]["lr"]` under a `StepLR`; `for name, param in model.named_parameters():
writer.add_histogram(name, param, epoch)` and `add_histogram(f"{name}.grad", param.grad, epoch)`;
the tutorial's `add_pr_curve` of one class's softmax probabilities; `add_hparams` with the final
metrics; `writer.flush()`, `writer.close()`, and `with SummaryWriter(...) as w:`. The event files
are then read back with TensorBoard's `EventAccumulator`, and what TensorBoard would show (tags,
steps, values, histogram buckets, image sizes and pixels, texts, PR tables) is returned.
"""

import io
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}
REQUIRES = ("tensorboard", "PIL")  # the port suite skips this program without them


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def build_model():
    return Net()


def make_data(n, rng):
    y = rng.integers(0, 3, size=n)
    images = rng.random((n, 1, 8, 8)) * 0.8
    for k in range(3):  # each class lights up its own band of rows
        images[y == k, :, 2 * k : 2 * k + 3, :] += 0.2
    return torch.tensor(images.astype(np.float32)), torch.tensor(y)


def read_back(folder):
    events = EventAccumulator(folder, size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    events.Reload()
    tags = events.Tags()
    out = {"tags": {kind: sorted(tags[kind]) for kind in ("scalars", "histograms", "images", "tensors")}}
    out["scalars"] = {t: [(e.step, e.value) for e in events.Scalars(t)] for t in tags["scalars"]}
    out["histograms"] = {
        t: [(e.step, e.histogram_value.num, e.histogram_value.min, e.histogram_value.max, e.histogram_value.sum)
            for e in events.Histograms(t)]
        for t in tags["histograms"]
    }  # fmt: skip
    out["images"] = {}
    for t in tags["images"]:
        for e in events.Images(t):
            pixels = np.asarray(Image.open(io.BytesIO(e.encoded_image_string)))
            out["images"][t] = (e.step, e.width, e.height, list(pixels.shape), int(pixels.astype(np.int64).sum()))
    out["tensors"] = {}
    for t in tags["tensors"]:
        proto = events.Tensors(t)[-1].tensor_proto
        out["tensors"][t] = [s.decode() for s in proto.string_val] or [round(v, 5) for v in proto.float_val]
    return events, out


def run(model, workdir):
    rng = np.random.default_rng(31)
    x_train, y_train = make_data(48, rng)
    x_val, y_val = make_data(24, rng)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=8, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    log_dir = os.path.join(workdir, "runs", "tb_experiment_1")

    writer = SummaryWriter(log_dir, filename_suffix=".train")
    writer.add_images("input batch", x_train[:10], 0)
    writer.add_image("mask of the first image", (x_train[0, 0] > 0.5).float(), 0, dataformats="HW")
    writer.add_text("config", "lr=0.1, momentum=0.9, batch_size=8", 0)
    for name, param in model.named_parameters():
        writer.add_histogram(name, param, 0)  # the initial weights
    initial_buckets = {}

    for epoch in range(3):
        model.train()
        running_loss, epoch_loss = 0.0, 0.0
        for i, (inputs, labels) in enumerate(loader):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            epoch_loss += loss.item()
            if i % 2 == 1:
                writer.add_scalar("training loss", running_loss / 2, epoch * len(loader) + i)
                running_loss = 0.0
        model.eval()
        with torch.no_grad():
            val_logits = model(x_val)
            val_loss = F.cross_entropy(val_logits, y_val).item()
            val_acc = (val_logits.argmax(1) == y_val).float().mean().item()
        writer.add_scalars("Loss", {"train": epoch_loss / len(loader), "val": val_loss}, epoch)
        writer.add_scalar("Accuracy/val", val_acc, epoch)
        writer.add_scalar("lr", optimizer.param_groups[0]["lr"], epoch)
        for name, param in model.named_parameters():
            writer.add_histogram(name, param, epoch + 1)
            writer.add_histogram(f"{name}.grad", param.grad, epoch + 1)
        scheduler.step()
        writer.flush()

    probs = F.softmax(model(x_val), dim=1).detach()
    writer.add_pr_curve("class 0", y_val == 0, probs[:, 0], 3, num_thresholds=9)
    writer.add_hparams(
        {"lr": 0.1, "batch_size": 8, "optimizer": "SGD"},
        {"hparam/accuracy": val_acc, "hparam/loss": val_loss},
        run_name="hparams",
    )
    writer.close()
    with SummaryWriter(os.path.join(workdir, "runs", "test")) as test_writer:
        test_writer.add_scalar("test/accuracy", val_acc, 3)

    results = {"val_loss": val_loss, "val_acc": val_acc}
    for sub in ("", "Loss_train", "Loss_val", "hparams"):
        events, results[sub or "main"] = read_back(os.path.join(log_dir, sub))
        if not sub:
            for tag in ("fc1.weight", "fc2.bias"):
                histogram = events.Histograms(tag)[0].histogram_value
                initial_buckets[tag] = (list(histogram.bucket_limit), list(histogram.bucket))
    results["initial_buckets"] = initial_buckets
    results["test"] = read_back(os.path.join(workdir, "runs", "test"))[1]["scalars"]
    results["files"] = sorted(
        (os.path.relpath(root, workdir), f.endswith(".train")) for root, _, files in os.walk(workdir) for f in files
    )
    return results
