r"""Segmentation with a U-Net and the Dice loss ([Hosny et al.]: "pixel classification — Dice";
[Desrosiers 2024]: image segmentation), on synthetic microscope images.

Segmentation is classification of every pixel. The images come from
``deltanet.data.segmentation.make_cells``: cells (bright ellipses, class 1) and nuclei (small,
dimmer round spots, class 2) on an uneven background (class 0), with Gaussian noise. The network
is a small U-Net (``deltanet.models.unet``: depth 2, 8 feature maps at full resolution, batch
norm), trained with the soft Dice loss $1 - (2 |P \cap G| + s) / (|P| + |G| + s)$ on the softmax
outputs $P$ against the ground truth $G$ (see ``deltanet.functional.dice``), which weighs the small
nucleus class as much as the large background, unlike per-pixel cross-entropy.

Training: Adam with the learning rate annealed from 0.02 to 0 along a cosine over the epochs
(``optim.CosineAnnealingLR``): the small nucleus class is learned late, and a rate still high at
the end leaves the last epoch's segmentation to chance (with a constant rate, a few more epochs can
make it worse). The quick run (12 epochs instead of 20) already beats the thresholds; at 10 epochs
the nuclei appear only in the last epoch, and whether they do for seed 0 turned on the rounding of
the sums in a convolution's weight gradient.

The score is the Dice coefficient of the hard segmentation $2 |P \cap G| / (|P| + |G|)$ per class on
held-out images (``dn.metrics.dice_score``), compared with the best pair of intensity thresholds
chosen on the training images: intensity alone confuses noisy cell pixels with nuclei, the U-Net
also sees shape and size.

Run it: ``python -m deltanet.examples.segmentation --plot segmentation.png``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.data.segmentation import make_cells
from deltanet.examples._common import example_main, printer, save_figure

SIZE, N_TRAIN, N_TEST = 32, 96, 24
EPOCHS, QUICK_EPOCHS = 20, 12
LEARNING_RATE = 0.02
CLASSES = ["background", "cell", "nucleus"]


def threshold_segmentation(images: np.ndarray, low: float, high: float) -> np.ndarray:
    """Intensity in ``[low, high)`` → nucleus (2), at least ``high`` → cell (1), below → background (0)."""
    z = images[:, 0]
    out = np.zeros(z.shape, dtype=np.int64)
    out[(z >= low) & (z < high)] = 2
    out[z >= high] = 1
    return out


def best_thresholds(images: np.ndarray, masks: np.ndarray) -> tuple[float, float]:
    """The pair of thresholds (on a 0.05 grid) with the best mean Dice on the given images."""
    grid = np.round(np.arange(0.2, 1.0, 0.05), 2)
    scored = [
        (dn.metrics.dice_score(masks, threshold_segmentation(images, a, b), num_classes=3), a, b)
        for a in grid
        for b in grid
        if b > a
    ]
    _, low, high = max(scored)
    return float(low), float(high)


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the U-Net with Dice on synthetic cells; compare with intensity thresholds.

    Args:
        quick: 12 epochs instead of 20.
        seed: seeds the images, the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"dice" (mean over cell and nucleus), "dice_per_class" (background, cell, nucleus),
        "threshold_dice", "threshold_dice_per_class", "thresholds", "history", "images", "masks",
        "predictions", "summary"}``.
    """
    say = printer(verbose)
    n_train = N_TRAIN
    X_train, M_train = make_cells(n_train, size=SIZE, n_classes=3, rng=seed)
    X_test, M_test = make_cells(N_TEST, size=SIZE, n_classes=3, rng=seed + 1000)
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    model = dn.models.unet(in_channels=1, classes=3, depth=2, width=8, rng=seed)
    say(
        f"Segmentation: U-Net (depth 2, width 8, {sum(p.size for p in model.parameters()):,} parameters) on "
        f"{n_train} synthetic {SIZE}×{SIZE} cell images, tested on {N_TEST} others; soft Dice loss, Adam (lr "
        f"{LEARNING_RATE} annealed to 0 along a cosine), {epochs} epochs, batches of 8"
    )
    optimizer = dn.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    annealing = dn.callbacks.LearningRateScheduler(dn.optim.CosineAnnealingLR(optimizer, T_max=max(epochs, 1)))
    began = time.perf_counter()
    history = dn.fit(
        model,
        X_train,
        M_train,
        dn.losses.DiceLoss(),
        optimizer,
        epochs=epochs,
        batch_size=8,
        rng=seed,
        callbacks=[annealing],
        monitor=False,
    )
    seconds = time.perf_counter() - began
    predictions = dn.predict(model, X_test).argmax(axis=1)
    per_class = dn.metrics.dice_score(M_test, predictions, num_classes=3, average=None)
    dice = dn.metrics.dice_score(M_test, predictions, num_classes=3)
    low, high = best_thresholds(X_train, M_train)
    baseline = threshold_segmentation(X_test, low, high)
    baseline_per_class = dn.metrics.dice_score(M_test, baseline, num_classes=3, average=None)
    threshold_dice = dn.metrics.dice_score(M_test, baseline, num_classes=3)
    say(f"  Dice loss per epoch: {', '.join(f'{v:.3f}' for v in history.history['loss'])}  [{seconds:.1f} s]")
    say(f"  {'test Dice':<28}" + "".join(f"{c:>12}" for c in CLASSES) + f"{'mean (cell, nucleus)':>24}")
    say(f"  {'U-Net':<28}" + "".join(f"{v:>12.3f}" for v in per_class) + f"{dice:>24.3f}")
    say(
        f"  {f'thresholds {low:.2f}, {high:.2f}':<28}"
        + "".join(f"{v:>12.3f}" for v in baseline_per_class)
        + f"{threshold_dice:>24.3f}"
    )
    summary = (
        f"segmentation: test Dice {dice:.3f} (cell {per_class[1]:.3f}, nucleus {per_class[2]:.3f}); "
        f"thresholds {threshold_dice:.3f}"
    )
    say("\n" + summary)
    return {
        "dice": float(dice),
        "dice_per_class": np.asarray(per_class),
        "threshold_dice": float(threshold_dice),
        "threshold_dice_per_class": np.asarray(baseline_per_class),
        "thresholds": (low, high),
        "history": history,
        "images": X_test[:4],
        "masks": M_test[:4],
        "predictions": predictions[:4],
        "summary": summary,
    }


def plot(result: dict[str, Any], path: Any) -> None:
    """Four test images, their true masks and the U-Net's segmentations."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(3, 4, figsize=(9, 7))
    for i in range(4):
        axes[0, i].imshow(result["images"][i, 0], cmap="gray")
        axes[1, i].imshow(result["masks"][i], cmap="viridis", vmin=0, vmax=2)
        axes[2, i].imshow(result["predictions"][i], cmap="viridis", vmin=0, vmax=2)
    for row, title in enumerate(("image", "truth", f"U-Net (Dice {result['dice']:.2f})")):
        axes[row, 0].set_ylabel(title)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.segmentation [--epochs N] [--plot out.png] [--quick]``."""
    return example_main("segmentation", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
