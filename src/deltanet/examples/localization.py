r"""Object localization: a CNN regresses the bounding box of one lesion per image ([de Back 2018]:
"object localization, e.g. bounding box regr."; [Desrosiers 2024]: "Detection & Localization").

Localization is regression: the network outputs four numbers, the box
$(\text{top}, \text{left}, \text{bottom}, \text{right})$ divided by the image size, trained with
the mean squared error against the true box (each coordinate standardized to mean 0 and
standard deviation 1 over the training set). The images are 32 × 32 crops of a real brain MRI
(nibabel's ``example4d.nii.gz``) with one *synthetic* lesion painted on each: a bright disc of
radius 2.5–5 pixels (see ``deltanet.examples._lesions``); training crops come from slices 4–15,
test crops from slices 16–21.

The network: three blocks of 3×3 convolution, ReLU and 2×2 max pooling (8, 16, 32 maps), then
fully connected layers 512 → 64 → 4. The score of a box is its intersection over union with the
true box, $\mathrm{IoU} = |A \cap B| / |A \cup B|$; reported are the mean IoU over the test images
and the rate of IoU > 0.5 (the usual threshold for a "found" object), against a baseline that
always answers the mean training box.

Run it: ``deltanet examples run localization`` (``--quick``: a few seconds).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.examples import _lesions
from deltanet.examples._common import example_main, printer, save_figure

N_TRAIN, N_TEST, EPOCHS = 1200, 200, 20
QUICK_TRAIN, QUICK_EPOCHS = 600, 8


def make_set(count: int, slices: range, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` images (N, 1, 32, 32) with one lesion each, and their boxes / 32 (N, 4)."""
    images = _lesions.backgrounds(slices, count, rng)
    X = np.empty((count, 1, _lesions.SIZE, _lesions.SIZE), dtype=np.float32)
    boxes = np.empty((count, 4), dtype=np.float32)
    for i, image in enumerate(images):
        X[i, 0], (box,) = _lesions.paint(image, 1, rng)
        boxes[i] = np.asarray(box) / _lesions.SIZE
    return X, boxes


def box_regressor(rng: Any = 0) -> dn.nn.Sequential:
    """Three conv-ReLU-pool blocks (8, 16, 32 maps) and fully connected layers 512 → 64 → 4."""
    g = dn.backend.get_rng(rng)
    layers: list = []
    for c_in, c_out in ((1, 8), (8, 16), (16, 32)):
        layers += [dn.nn.Conv2d(c_in, c_out, 3, padding=1, rng=g), dn.nn.ReLU(), dn.nn.MaxPool2d(2)]
    layers += [dn.nn.Flatten(), dn.nn.Linear(32 * 4 * 4, 64, rng=g), dn.nn.ReLU(), dn.nn.Linear(64, 4, rng=g)]
    return dn.nn.Sequential(*layers)


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the box regressor; report mean IoU and the rate of IoU > 0.5 on held-out images.

    Args:
        quick: 600 training images and 8 epochs instead of 1200 and 20.
        seed: seeds the images, the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"mean_iou", "hit_rate" (IoU > 0.5), "baseline_mean_iou", "baseline_hit_rate", "history",
        "images", "boxes", "predicted" (a few test images), "summary"}``.
    """
    say = printer(verbose)
    rng = np.random.default_rng(seed)
    n_train = QUICK_TRAIN if quick else N_TRAIN
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    X_train, B_train = make_set(n_train, range(4, 16), rng)
    X_test, B_test = make_set(N_TEST, range(16, 22), rng)
    model = box_regressor(rng=seed)
    say(
        f"Localization: box regression of one synthetic lesion on 32×32 crops of a real brain MRI; CNN with "
        f"{sum(p.size for p in model.parameters()):,} parameters, {n_train} training and {N_TEST} test images "
        f"(other slices). MSE on the standardized box, Adam (lr 0.003), {epochs} epochs, batches of 32"
    )
    # Standardized targets: each coordinate with mean 0 and standard deviation 1 (faster learning).
    mean, std = B_train.mean(axis=0), B_train.std(axis=0)
    began = time.perf_counter()
    history = dn.fit(
        model, X_train, (B_train - mean) / std, "mse", dn.optim.Adam(model.parameters(), lr=0.003), epochs=epochs,
        batch_size=32, rng=seed, monitor=False, verbose=0,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    predicted = dn.predict(model, X_test) * std + mean
    iou = _lesions.box_iou(predicted, B_test)
    baseline = _lesions.box_iou(np.broadcast_to(B_train.mean(axis=0), B_test.shape), B_test)
    say(f"  training MSE per epoch: {', '.join(f'{v:.4f}' for v in history.history['loss'])}  [{seconds:.1f} s]")
    say(f"  {'test images':<26}{'mean IoU':>10}{'IoU > 0.5':>11}")
    say(f"  {'CNN':<26}{iou.mean():>10.3f}{(iou > 0.5).mean():>11.1%}")
    say(f"  {'always the mean box':<26}{baseline.mean():>10.3f}{(baseline > 0.5).mean():>11.1%}")
    summary = (
        f"localization: mean IoU {iou.mean():.3f}, IoU > 0.5 for {(iou > 0.5).mean():.1%} of the test images "
        f"(mean box: {baseline.mean():.3f}, {(baseline > 0.5).mean():.1%})"
    )
    say("\n" + summary)
    return {
        "mean_iou": float(iou.mean()),
        "hit_rate": float((iou > 0.5).mean()),
        "baseline_mean_iou": float(baseline.mean()),
        "baseline_hit_rate": float((baseline > 0.5).mean()),
        "history": history,
        "images": X_test[:6, 0],
        "boxes": B_test[:6] * _lesions.SIZE,
        "predicted": predicted[:6] * _lesions.SIZE,
        "summary": summary,
    }


def draw_box(ax: Any, box: Any, color: str) -> None:
    """A rectangle ``(top, left, bottom, right)`` in pixel coordinates on an ``imshow`` axis."""
    top, left, bottom, right = box
    ax.plot([left, right, right, left, left], [top, top, bottom, bottom, top], color=color, lw=1.2)


def plot(result: dict[str, Any], path: Any) -> None:
    """Six test images with the true box (green) and the predicted one (red)."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 6, figsize=(12, 2.4))
    for ax, image, box, guess in zip(axes, result["images"], result["boxes"], result["predicted"]):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        draw_box(ax, box - 0.5, "lime")
        draw_box(ax, guess - 0.5, "red")
        ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.localization [--epochs N] [--plot out.png] [--quick]``."""
    return example_main("localization", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
