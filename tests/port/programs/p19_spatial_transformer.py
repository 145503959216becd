"""A spatial transformer network and a sub-pixel super-resolution network against a bicubic baseline.

The idioms of PyTorch's spatial transformer tutorial (`intermediate/spatial_transformer_tutorial`):
a localisation network `nn.Sequential(nn.Conv2d(1, 8, kernel_size=7), nn.MaxPool2d(2, stride=2),
nn.ReLU(True), ...)`, a regressor `fc_loc` whose last layer starts at the identity transform
(`bias.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))`), `theta.view(-1, 2, 3)`,
`F.affine_grid(theta, x.size(), align_corners=False)`, `F.grid_sample(x, grid, align_corners=False)`,
then the classifier of the MNIST tutorial (`F.max_pool2d`, `nn.Dropout2d`, `F.dropout(x,
training=self.training)`, `x.view(-1, 320)`, `F.log_softmax`), trained with `optim.SGD(lr=0.01)`
and `F.nll_loss` on digits-like patterns shifted and rotated; the identity start is the tutorial's
`self.fc_loc[2].weight.data.zero_()` and `self.fc_loc[2].bias.data.copy_(...)`.

Then the official `examples/super_resolution` model (its `super(SuperResolutionNet, self)` written
`super()`): `nn.Conv2d(..., (5, 5), (1, 1), (2, 2))`, `nn.PixelShuffle(upscale_factor)`,
`init.orthogonal_(w, init.calculate_gain("relu"))`, trained with
`nn.MSELoss` and `optim.Adam`, scored by PSNR `10 * log10(1 / mse.item())`, against a bicubic
baseline `F.interpolate(lr, scale_factor=2, mode="bicubic", align_corners=False)` and the
`nn.Upsample(..., mode="bicubic")` layer; low-resolution inputs made with
`F.avg_pool2d(hr, 2, ceil_mode=True)`. Also: `F.grid_sample(..., padding_mode="border"|
"reflection", mode="nearest")`, `nn.AdaptiveMaxPool2d`, `F.unfold` patches,
`nn.UpsamplingBilinear2d`, and SegNet's `F.max_pool2d(x, 2, return_indices=True)` with
`nn.MaxUnpool2d(2)(..., output_size=x.size())`. Dropout keeps p = 0: the two libraries' random masks differ.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}
P_DROP = 0.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(P_DROP)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 4)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(nn.Linear(10 * 3 * 3, 32), nn.ReLU(True), nn.Linear(32, 3 * 2))

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=P_DROP, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class SuperResolutionNet(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor**2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


def build_model():
    return nn.ModuleDict({"stn": Net(), "sr": SuperResolutionNet(upscale_factor=2)})


def make_digits(n, rng):
    """Four 28x28 patterns (bar, cross, box, diagonal), each shifted and rotated at random."""
    target = rng.integers(0, 4, size=n)
    yy, xx = np.mgrid[0:28, 0:28] - 13.5
    data = np.zeros((n, 1, 28, 28), dtype=np.float32)
    for i, t in enumerate(target):
        angle = rng.uniform(-0.6, 0.6)
        dy, dx = rng.uniform(-4, 4, size=2)
        u = np.cos(angle) * (xx - dx) + np.sin(angle) * (yy - dy)
        v = -np.sin(angle) * (xx - dx) + np.cos(angle) * (yy - dy)
        if t == 0:
            shape = (np.abs(u) < 2) & (np.abs(v) < 8)
        elif t == 1:
            shape = ((np.abs(u) < 2) | (np.abs(v) < 2)) & (np.abs(u) < 8) & (np.abs(v) < 8)
        elif t == 2:
            shape = (np.maximum(np.abs(u), np.abs(v)) < 7) & (np.maximum(np.abs(u), np.abs(v)) > 4)
        else:
            shape = (np.abs(u - v) < 2.5) & (np.abs(u) < 8)
        data[i, 0] = shape + rng.normal(scale=0.1, size=(28, 28))
    return torch.from_numpy(data), torch.from_numpy(target)


def train_stn(model, data, target, log):
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    model.train()
    for epoch in range(2):
        for batch_idx in range(0, len(data), 16):
            x, y = data[batch_idx : batch_idx + 16], target[batch_idx : batch_idx + 16]
            optimizer.zero_grad()
            output = model(x)
            loss = F.nll_loss(output, y)
            loss.backward()
            optimizer.step()
            log.append(round(loss.item(), 6))


def test_stn(model, data, target):
    with torch.no_grad():
        model.eval()
        output = model(data)
        test_loss = F.nll_loss(output, target, reduction="sum").item()
        pred = output.max(1, keepdim=True)[1]
        correct = pred.eq(target.view_as(pred)).sum().item()
        transformed = model.stn(data)
    return test_loss / len(data), correct, transformed.abs().sum().item()


def make_images(n, rng):
    """Smooth 16x16 images: sums of a few Gaussian blobs."""
    yy, xx = np.mgrid[0:16, 0:16]
    images = np.zeros((n, 1, 16, 16), dtype=np.float32)
    for i in range(n):
        for _ in range(3):
            cy, cx, s = rng.uniform(2, 14), rng.uniform(2, 14), rng.uniform(1.5, 4)
            images[i, 0] += rng.uniform(0.3, 0.7) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return torch.from_numpy(np.clip(images, 0, 1))


def psnr(prediction, target):
    mse = nn.MSELoss()(prediction, target)
    return 10 * math.log10(1 / mse.item())


def train_super_resolution(model, rng):
    hr = make_images(24, rng)
    lr = F.avg_pool2d(hr, 2, ceil_mode=True)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.003)
    losses = []
    for epoch in range(3):
        for i in range(0, len(hr), 8):
            optimizer.zero_grad()
            loss = criterion(model(lr[i : i + 8]), hr[i : i + 8])
            loss.backward()
            optimizer.step()
            losses.append(round(loss.item(), 6))
    test_hr = make_images(6, rng)
    test_lr = F.avg_pool2d(test_hr, 2, ceil_mode=True)
    with torch.no_grad():
        bicubic = F.interpolate(test_lr, scale_factor=2, mode="bicubic", align_corners=False)
        upsample = nn.Upsample(scale_factor=2, mode="bicubic", align_corners=True)
        bilinear = nn.UpsamplingBilinear2d(scale_factor=2)
        scores = {
            "cnn": psnr(model(test_lr), test_hr),
            "bicubic": psnr(bicubic.clamp(0, 1), test_hr),
            "bicubic_corners": psnr(upsample(test_lr), test_hr),
            "bilinear": psnr(bilinear(test_lr), test_hr),
        }
    return losses, scores, repr(upsample), repr(bilinear)


def sampling_idioms(rng):
    """The samplers' other options, the adaptive max pool and unfold, on one small batch."""
    x = torch.from_numpy(rng.normal(size=(2, 3, 6, 7)).astype(np.float32)).requires_grad_()
    theta = torch.from_numpy(np.array([[[0.9, -0.3, 0.2], [0.4, 1.1, -0.5]]] * 2, dtype=np.float32))
    theta.requires_grad_()
    grid = F.affine_grid(theta, (2, 3, 5, 5), align_corners=True)
    border = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    reflection = F.grid_sample(x, grid * 1.5, padding_mode="reflection", align_corners=False)
    nearest = F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=True)
    pooled, indices = nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(x)
    patches = F.unfold(x, kernel_size=3, padding=1, stride=2)
    ceil = F.max_pool2d(x, 2, ceil_mode=True)[:, :, :, :3] + F.avg_pool2d(x, 3, 2, 1, True, False)[:, :, 1:, 1:]
    total = border.sum() + (reflection**2).mean() + nearest.mean() + pooled.sum() + patches.abs().mean()
    pooled2, where = F.max_pool2d(x, 2, return_indices=True)  # SegNet's encoder and decoder
    unpooled = nn.MaxUnpool2d(2)(pooled2 * 2, where, output_size=x.size())
    dilated = F.max_pool2d(x, 2, stride=1, dilation=2)
    total = total + ceil.sum() / ceil.numel() + unpooled.mean() + dilated.mean()
    total.backward()
    folded = F.fold(patches, (6, 7), kernel_size=3, padding=1, stride=2)
    return {
        "total": total.item(),
        "x_grad": x.grad.abs().sum().item(),
        "theta_grad": theta.grad.view(-1).tolist(),
        "indices": indices.view(-1).tolist()[:6],
        "patches": list(patches.shape),
        "ceil": list(ceil.shape),
        "folded": folded.abs().sum().item(),
        "shuffled": nn.ChannelShuffle(3)(x).detach()[0, :, 0, 0].tolist(),
    }


def run(model, workdir=None):
    rng = np.random.default_rng(17)
    data, target = make_digits(64, rng)
    test_data, test_target = make_digits(32, rng)
    log = []
    train_stn(model["stn"], data, target, log)
    loss, correct, transformed = test_stn(model["stn"], test_data, test_target)
    sr_losses, scores, upsample_repr, bilinear_repr = train_super_resolution(model["sr"], rng)
    return {
        "stn_log": log,
        "stn_test": [loss, correct, transformed],
        "sr_losses": sr_losses,
        "psnr": scores,
        "reprs": [upsample_repr, bilinear_repr],
        "sampling": sampling_idioms(rng),
    }
