"""A small U-Net in the style of a popular PyTorch repository, trained with cross-entropy + Dice.

The idioms of milesial/Pytorch-UNet: `DoubleConv` as `nn.Sequential(nn.Conv2d(..., padding=1,
bias=False), nn.BatchNorm2d(...), nn.ReLU(inplace=True), ...)`; `Down` with `nn.MaxPool2d(2)`;
`Up` with `nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)`, the size difference
padded with `F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])` and the
skip joined with `torch.cat([x2, x1], dim=1)`; `x.size()[2]`; a Dice coefficient with
`sum(dim=...)` and `torch.where(sets_sum == 0, inter, sets_sum)`; targets as
`F.one_hot(mask, n_classes).permute(0, 3, 1, 2).float()`; `F.softmax(pred, dim=1)`;
`optim.RMSprop(..., weight_decay=1e-8, momentum=0.9)`, `ReduceLROnPlateau(optimizer, "max",
patience=5)` and `torch.nn.utils.clip_grad_norm_`.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}


class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes):
        super().__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.inc = DoubleConv(n_channels, 8)
        self.down1 = Down(8, 16)
        self.down2 = Down(16, 16)
        self.up1 = Up(32, 8)
        self.up2 = Up(16, 8)
        self.outc = nn.Conv2d(8, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        logits = self.outc(x)
        return logits


def dice_coeff(input, target, epsilon=1e-6):
    sum_dim = (-1, -2)
    inter = 2 * (input * target).sum(dim=sum_dim)
    sets_sum = input.sum(dim=sum_dim) + target.sum(dim=sum_dim)
    sets_sum = torch.where(sets_sum == 0, inter, sets_sum)
    dice = (inter + epsilon) / (sets_sum + epsilon)
    return dice.mean()


def dice_loss(input, target):
    return 1 - dice_coeff(input.flatten(0, 1), target.flatten(0, 1))


def build_model():
    return UNet(n_channels=1, n_classes=2)


def make_batch(n, rng):
    masks = np.zeros((n, 20, 20), dtype=np.int64)
    for i in range(n):
        r, c = rng.integers(3, 13, size=2)
        masks[i, r : r + 6, c : c + 6] = 1
    images = masks[:, None].astype(np.float32) + rng.normal(scale=0.4, size=(n, 1, 20, 20)).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(masks)


def run(model, workdir=None):
    rng = np.random.default_rng(5)
    optimizer = optim.RMSprop(model.parameters(), lr=1e-3, weight_decay=1e-8, momentum=0.9)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=5)
    criterion = nn.CrossEntropyLoss()
    losses, scores = [], []
    for step in range(4):
        images, true_masks = make_batch(4, rng)
        model.train()
        masks_pred = model(images)
        loss = criterion(masks_pred, true_masks)
        loss += dice_loss(
            F.softmax(masks_pred, dim=1).float(),
            F.one_hot(true_masks, model.n_classes).permute(0, 3, 1, 2).float(),
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())

        model.eval()
        with torch.no_grad():
            pred = model(images).argmax(dim=1)
            score = dice_coeff(
                F.one_hot(pred, 2).permute(0, 3, 1, 2)[:, 1:].float(),
                F.one_hot(true_masks, 2).permute(0, 3, 1, 2)[:, 1:].float(),
            )
        scheduler.step(score)
        scores.append(score.item())
    return {"losses": losses, "scores": scores, "lr": optimizer.param_groups[0]["lr"]}
