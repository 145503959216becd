"""Binary lesion segmentation with a small U-Net, a hand-written Dice loss and IoU validation.

The idioms of medical-imaging research code (MONAI's and the Kaggle/brain-MRI U-Nets'
`DiceLoss`, `dice_coef`, `iou_score`): blocks built as `nn.Sequential(OrderedDict([...]))` with
named `nn.Conv2d`, `nn.BatchNorm2d`, `nn.ReLU(inplace=True)` and `nn.Dropout2d`; `nn.MaxPool2d`,
`nn.ConvTranspose2d(..., stride=2)` called with `output_size=skip.size()` (an odd skip size) and
`nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)`; `nn.Conv2d(...,
padding_mode="reflect")`; `F.interpolate(..., size=..., mode="bilinear",
align_corners=False)` to match a skip's size; `F.pad`; `torch.cat(..., dim=1)`;
`model.apply(init_weights)` with `isinstance(m, nn.Conv2d)` and
`nn.init.kaiming_normal_(m.weight, nonlinearity="relu")`, `nn.init.zeros_`, and
`nn.init.constant_(m.weight.data, 1)` on a parameter's `.data` (the DCGAN `weights_init` form);
`named_modules()`; the trainable-parameter count `sum(p.numel() for p in model.parameters() if
p.requires_grad)`; a Dice loss from `torch.sigmoid`, `.sum(dim=(2, 3))`, `smooth` and
`1 - dice.mean()`, added to `nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]).view(1, 1, 1))`
(a per-channel weight);
`torch.optim.AdamW(weight_decay=...)` and `ReduceLROnPlateau(optimizer, mode="min", factor=0.5,
patience=1)`; `model.train()` / `model.eval()` with `torch.no_grad()` validation;
`(torch.sigmoid(logits) > 0.5).float()`, an IoU metric against `targets.long()` with
`torch.clamp(union, min=...)` (and the dtype of its result);
a checkpoint dict saved with `torch.save` and restored with `torch.load` and `load_state_dict`.
Dropout is kept in the model with p = 0 so that the two libraries' runs stay comparable step by
step (their random streams differ); weights are re-initialised by `model.apply` from a NumPy seed
because the two libraries' Kaiming draws differ too.
"""

import os
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}
P_DROP = 0.0


def conv_block(in_ch, out_ch, name):
    return nn.Sequential(
        OrderedDict(
            [
                (name + "conv1", nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1, bias=False)),
                (name + "norm1", nn.BatchNorm2d(num_features=out_ch)),
                (name + "relu1", nn.ReLU(inplace=True)),
                (name + "drop", nn.Dropout2d(p=P_DROP)),
                (name + "conv2", nn.Conv2d(out_ch, out_ch, kernel_size=3, padding=1, bias=False)),
                (name + "norm2", nn.BatchNorm2d(num_features=out_ch)),
                (name + "relu2", nn.ReLU(inplace=True)),
            ]
        )
    )


class LesionUNet(nn.Module):
    def __init__(self, in_channels=1, out_channels=1, init_features=4):
        super().__init__()
        f = init_features
        self.encoder1 = conv_block(in_channels, f, name="enc1")
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.encoder2 = conv_block(f, f * 2, name="enc2")
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.bottleneck = conv_block(f * 2, f * 4, name="bottleneck")
        self.upconv2 = nn.ConvTranspose2d(f * 4, f * 2, kernel_size=4, stride=2, padding=1)
        self.decoder2 = conv_block(f * 4, f * 2, name="dec2")
        self.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.reduce1 = nn.Conv2d(f * 2, f, kernel_size=3, padding=1, padding_mode="reflect")
        self.decoder1 = conv_block(f * 2, f, name="dec1")
        self.dropout = nn.Dropout(P_DROP)
        self.conv = nn.Conv2d(in_channels=f, out_channels=out_channels, kernel_size=1)

    def forward(self, x):
        enc1 = self.encoder1(x)
        enc2 = self.encoder2(self.pool1(enc1))
        bottleneck = self.bottleneck(self.pool2(enc2))
        dec2 = self.upconv2(bottleneck, output_size=enc2.size())
        if dec2.shape[-2:] != enc2.shape[-2:]:
            dec2 = F.interpolate(dec2, size=enc2.shape[-2:], mode="bilinear", align_corners=False)
        dec2 = self.decoder2(torch.cat((dec2, enc2), dim=1))
        dec1 = self.reduce1(self.up1(dec2))
        diff_y = enc1.size(2) - dec1.size(2)
        diff_x = enc1.size(3) - dec1.size(3)
        dec1 = F.pad(dec1, [diff_x // 2, diff_x - diff_x // 2, diff_y // 2, diff_y - diff_y // 2])
        dec1 = self.decoder1(torch.cat((dec1, enc1), dim=1))
        return self.conv(self.dropout(dec1))


def build_model():
    return LesionUNet()


def init_weights(m, rng):
    # kaiming_normal_ draws from each library's own generator: overwrite with the same NumPy draw.
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(rng.normal(scale=0.3, size=tuple(m.weight.shape)).astype(np.float32)))
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.constant_(m.weight.data, 1)
        nn.init.constant_(m.bias.data, 0)


class DiceLoss(nn.Module):
    def __init__(self, smooth=1.0):
        super().__init__()
        self.smooth = smooth

    def forward(self, logits, targets):
        probs = torch.sigmoid(logits)
        intersection = (probs * targets).sum(dim=(2, 3))
        union = probs.sum(dim=(2, 3)) + targets.sum(dim=(2, 3))
        dice = (2.0 * intersection + self.smooth) / (union + self.smooth)
        return 1 - dice.mean()


def iou_score(logits, targets, eps=1e-7):
    preds = (torch.sigmoid(logits) > 0.5).float()
    targets = targets.long()  # masks often arrive as integer labels: float * long stays float32
    intersection = (preds * targets).sum(dim=(1, 2, 3))
    union = preds.sum(dim=(1, 2, 3)) + targets.sum(dim=(1, 2, 3)) - intersection
    return (intersection / torch.clamp(union, min=eps)).mean()


def make_batch(n, rng):
    masks = np.zeros((n, 1, 18, 18), dtype=np.float32)
    yy, xx = np.mgrid[:18, :18]
    for i in range(n):
        cy, cx = rng.uniform(5, 13, size=2)
        r = rng.uniform(2.5, 4.5)
        masks[i, 0] = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r).astype(np.float32)
    images = masks + rng.normal(scale=0.5, size=masks.shape).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(masks)


def run(model, workdir):
    rng = np.random.default_rng(9)
    model.apply(lambda m: init_weights(m, rng))
    names = [name for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)

    bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]).view(1, 1, 1))
    dice_loss = DiceLoss(smooth=1.0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    val_images, val_masks = make_batch(4, rng)
    history = []
    for epoch in range(4):
        model.train()
        images, masks = make_batch(4, rng)
        optimizer.zero_grad()
        logits = model(images)
        loss = bce(logits, masks) + dice_loss(logits, masks)
        loss.backward()
        optimizer.step()

        model.eval()
        with torch.no_grad():
            val_logits = model(val_images)
            val_loss = (bce(val_logits, val_masks) + dice_loss(val_logits, val_masks)).item()
            iou = iou_score(val_logits, val_masks)
        iou_dtype = str(iou.dtype)
        iou = iou.item()
        scheduler.step(val_loss)
        history.append((loss.item(), val_loss, iou, optimizer.param_groups[0]["lr"], iou_dtype.split(".")[-1]))

    path = os.path.join(workdir, "best_model.pth")
    torch.save({"epoch": 4, "state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)
    restored = LesionUNet()
    restored.load_state_dict(checkpoint["state_dict"])
    restored.eval()
    with torch.no_grad():
        same = torch.equal(restored(val_images), model(val_images))
        fraction = (torch.sigmoid(restored(val_images)) > 0.5).float().mean().item()
    running_mean = model.encoder1.enc1norm1.running_mean.tolist()
    return {
        "history": history,
        "n_params": n_params,
        "norm_names": names,
        "restored_same": same,
        "fraction": fraction,
        "running_mean": running_mean,
        "num_batches_tracked": int(model.encoder1.enc1norm1.num_batches_tracked),
    }
