r"""Detection: a U-Net finds several lesions per image through a heat map of their centres
([Desrosiers 2024]: "Classical applications of ConvNets … Detection & Localization").

Detection finds *how many* objects there are and where. Here each image (a 32 × 32 crop of a real
brain MRI, nibabel's ``example4d.nii.gz``) carries 1–3 *synthetic* lesions: bright discs of
radius 2.5–5 pixels (``deltanet.examples._lesions``). A U-Net (``deltanet.models.unet``, depth 2,
8 maps) outputs two maps, trained together with the mean squared error:

- the *centre heat map* $H(p) = \max_k \exp(-\lVert p - c_k \rVert^2 / 2 \sigma^2)$, $\sigma$ = 1.5
  pixels, 1 at each lesion centre $c_k$;
- the lesion mask (1 inside a lesion), which gives each detection its extent.

Detections are the *peaks* of the predicted heat map: pixels equal to the maximum of their 5 × 5
neighbourhood (``scipy.ndimage.maximum_filter``) and above 0.5; each gets the bounding box of the
predicted mask's connected component under it. A detection is correct when its box has $\mathrm{IoU} \ge 0.5$
with a true lesion not yet matched (greedily, best IoU first); precision = correct / detections,
recall = correct / lesions, on test crops from other slices (16–21; training 4–15).

Baseline: a classical blob detector, the same peak picking on a difference of Gaussians of the
image ($G_{1.5} * x - G_4 * x$), with its threshold chosen for the best F1 on the training images
and the box of the component above half that threshold.

Run it: ``deltanet examples run detection`` (``--quick``: a few seconds).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.examples import _lesions, _scans
from deltanet.examples._common import example_main, printer, save_figure

N_TRAIN, N_TEST, EPOCHS = 320, 150, 12
QUICK_TRAIN, QUICK_EPOCHS = 160, 6
SIGMA, PEAK_WINDOW, PEAK_THRESHOLD = 1.5, 5, 0.5


def make_set(count: int, slices: range, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    """Images (N, 1, 32, 32) with 1–3 lesions, targets (N, 2, 32, 32) (heat map, mask), true boxes."""
    size = _lesions.SIZE
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5  # pixel centres
    X = np.empty((count, 1, size, size), dtype=np.float32)
    Y = np.zeros((count, 2, size, size), dtype=np.float32)
    truth = []
    for i, background in enumerate(_lesions.backgrounds(slices, count, rng)):
        X[i, 0], boxes = _lesions.paint(background, int(rng.integers(1, 4)), rng)
        for top, left, bottom, right in boxes:
            cy, cx, r = (top + bottom) / 2, (left + right) / 2, (bottom - top) / 2
            d2 = (rows - cy) ** 2 + (cols - cx) ** 2
            Y[i, 0] = np.maximum(Y[i, 0], np.exp(-d2 / (2 * SIGMA**2)))
            Y[i, 1][d2 <= r * r] = 1.0
        truth.append(np.asarray(boxes, dtype=np.float64))
    return X, Y, truth


def detect(heat: np.ndarray, extent: np.ndarray, threshold: float) -> np.ndarray:
    """Boxes (K, 4) of the peaks of ``heat`` above ``threshold``, each the bounding box of its ``extent`` component."""
    ndimage = _scans.scipy_ndimage()
    peaks = (heat == ndimage.maximum_filter(heat, size=PEAK_WINDOW)) & (heat > threshold)
    components, _ = ndimage.label(extent)
    boxes = []
    for r, c in zip(*np.nonzero(peaks)):
        label = components[r, c]
        if label:
            rr, cc = np.nonzero(components == label)
            boxes.append((rr.min(), cc.min(), rr.max() + 1, cc.max() + 1))
        else:  # a peak outside every component: a box of the smallest lesion's size
            boxes.append((r - 2, c - 2, r + 3, c + 3))
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def match(found: list, truth: list, threshold: float = 0.5) -> tuple[int, int, int]:
    """(correct, detections, lesions) over all images: greedy one-to-one matching at IoU >= threshold."""
    correct = detections = lesions = 0
    for boxes, true in zip(found, truth):
        detections, lesions = detections + len(boxes), lesions + len(true)
        if not len(boxes):
            continue
        iou = _lesions.box_iou(boxes[:, None], true[None])
        while iou.size and iou.max() >= threshold:
            i, j = np.unravel_index(np.argmax(iou), iou.shape)
            correct += 1
            iou[i, :], iou[:, j] = -1, -1
    return correct, detections, lesions


def blob_maps(X: np.ndarray) -> np.ndarray:
    """Difference of Gaussians $G_{1.5} * x - G_4 * x$ of each image (N, 32, 32)."""
    ndimage = _scans.scipy_ndimage()
    return np.stack([ndimage.gaussian_filter(x[0], 1.5) - ndimage.gaussian_filter(x[0], 4.0) for x in X])


def blob_detections(dog: np.ndarray, threshold: float) -> list:
    return [detect(d, d > threshold / 2, threshold) for d in dog]


def scores(correct: int, detections: int, lesions: int) -> tuple[float, float, float]:
    """Precision, recall and F1."""
    precision = correct / detections if detections else 0.0
    recall = correct / lesions if lesions else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the U-Net on heat maps and masks; report precision and recall at IoU 0.5 against a blob detector.

    Args:
        quick: 160 training images and 6 epochs instead of 320 and 12.
        seed: seeds the images, the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"precision", "recall", "f1", "blob_precision", "blob_recall", "blob_f1", "blob_threshold",
        "history", "images", "truth", "found" (a few test images), "summary"}``.
    """
    say = printer(verbose)
    rng = np.random.default_rng(seed)
    n_train = QUICK_TRAIN if quick else N_TRAIN
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    X_train, Y_train, truth_train = make_set(n_train, range(4, 16), rng)
    X_test, _, truth_test = make_set(N_TEST, range(16, 22), rng)
    model = dn.models.unet(in_channels=1, classes=2, depth=2, width=8, rng=seed)
    say(
        f"Detection: U-Net (depth 2, width 8, {sum(p.size for p in model.parameters()):,} parameters) predicts a "
        f"centre heat map and a lesion mask; {n_train} training and {N_TEST} test crops of a real brain MRI with "
        f"1–3 synthetic lesions each. MSE, Adam (lr 0.01), {epochs} epochs, batches of 16"
    )
    began = time.perf_counter()
    history = dn.fit(
        model, X_train, Y_train, "mse", dn.optim.Adam(model.parameters(), lr=0.01), epochs=epochs,
        batch_size=16, rng=seed, monitor=False, verbose=0,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    maps = dn.predict(model, X_test)
    found = [detect(m[0], m[1] > 0.5, PEAK_THRESHOLD) for m in maps]
    precision, recall, f1 = scores(*match(found, truth_test))

    dog_train = blob_maps(X_train)
    grid = np.round(np.arange(0.02, 0.3, 0.02), 2)
    blob_threshold = float(max(grid, key=lambda t: scores(*match(blob_detections(dog_train, t), truth_train))[2]))
    blob_found = blob_detections(blob_maps(X_test), blob_threshold)
    b_precision, b_recall, b_f1 = scores(*match(blob_found, truth_test))
    say(f"  training MSE per epoch: {', '.join(f'{v:.4f}' for v in history.history['loss'])}  [{seconds:.1f} s]")
    say(f"  {f'{sum(map(len, truth_test))} test lesions, IoU >= 0.5':<38}{'precision':>10}{'recall':>8}{'F1':>7}")
    say(f"  {'U-Net heat map, peak picking':<38}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}")
    say(f"  {f'difference of Gaussians > {blob_threshold}':<38}{b_precision:>10.3f}{b_recall:>8.3f}{b_f1:>7.3f}")
    summary = (
        f"detection: precision {precision:.3f}, recall {recall:.3f} at IoU 0.5 "
        f"(blob detector {b_precision:.3f}, {b_recall:.3f})"
    )
    say("\n" + summary)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "blob_precision": b_precision,
        "blob_recall": b_recall,
        "blob_f1": b_f1,
        "blob_threshold": blob_threshold,
        "history": history,
        "images": X_test[:6, 0],
        "truth": truth_test[:6],
        "found": found[:6],
        "summary": summary,
    }


def plot(result: dict[str, Any], path: Any) -> None:
    """Six test images with the true boxes (green) and the detections (red)."""
    from deltanet.examples._common import pyplot
    from deltanet.examples.localization import draw_box

    plt = pyplot()
    fig, axes = plt.subplots(1, 6, figsize=(12, 2.4))
    for ax, image, truth, found in zip(axes, result["images"], result["truth"], result["found"]):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        for box in truth:
            draw_box(ax, np.asarray(box) - 0.5, "lime")
        for box in found:
            draw_box(ax, np.asarray(box) - 0.5, "red")
        ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.detection [--epochs N] [--plot out.png] [--quick]``."""
    return example_main("detection", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
