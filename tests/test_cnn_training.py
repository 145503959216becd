"""Convolutional networks learn real tasks: LeNet-5 on real handwritten digits beats an MLP with
the same number of parameters and the same training budget; a small U-Net trained with the Dice
loss segments held-out synthetic cell images (Dice ≥ 0.9) far better than a pixel threshold."""

import time

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
from deltanet import losses, metrics, models, optim
from deltanet.data import train_test_split
from deltanet.data.segmentation import make_cells


def _digits_28x28():
    """scikit-learn's 1,797 bundled 8×8 digits (UCI), resized ×3 bilinearly and padded to 28×28."""
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    X = digits.images.astype(np.float32)[:, None] / 16.0  # grey levels 0..16 → [0, 1]
    X = F.upsample(dn.tensor(X), 3, mode="bilinear").data  # 24 × 24
    X = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2)))  # 28 × 28, as MNIST
    return X, digits.target.astype(np.int64)


def _train(model, X, y, epochs):
    """The same budget for every model: SGD with momentum, mini-batches of 32, seeded shuffle."""
    opt = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    dn.fit(model, X, y, losses.CrossEntropy(), opt, epochs=epochs, batch_size=32, rng=0)
    return model


def test_lenet5_beats_an_mlp_of_the_same_size_on_handwritten_digits():
    X, y = _digits_28x28()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=True, rng=0)
    lenet = models.lenet5(rng=0)
    mlp = models.mlp([784, 78, 10], flatten=True, rng=0)
    n_lenet = sum(p.size for p in lenet.parameters())
    n_mlp = sum(p.size for p in mlp.parameters())
    assert n_lenet == 61706 and abs(n_mlp - n_lenet) / n_lenet < 0.01  # 62,020: within 1 %
    start = time.perf_counter()
    _train(lenet, X_train, y_train, epochs=30)
    seconds = time.perf_counter() - start
    _train(mlp, X_train, y_train, epochs=30)
    acc_lenet = dn.evaluate(lenet, X_test, y_test)["accuracy"]
    acc_mlp = dn.evaluate(mlp, X_test, y_test)["accuracy"]
    print(
        f"\nheld-out accuracy on {len(y_test)} digits: LeNet-5 ({n_lenet} parameters) {acc_lenet:.4f} "
        f"in {seconds:.1f} s, MLP 784-78-10 ({n_mlp} parameters) {acc_mlp:.4f}"
    )
    assert acc_lenet >= 0.975
    assert acc_mlp >= 0.90  # a properly trained baseline, not a broken one
    assert acc_lenet > acc_mlp


def test_unet_with_dice_loss_segments_held_out_cells():
    # Noise σ = 0.3 against a contrast of 0.65: a pixel-wise threshold misses (Dice ≈ 0.66); the
    # U-Net must use the neighbourhood of each pixel.
    X, masks = make_cells(64, size=32, noise=0.3, rng=0)
    X_train, m_train, X_test, m_test = X[:48], masks[:48], X[48:], masks[48:]
    model = models.unet(in_channels=1, classes=1, depth=2, width=8, rng=0)
    history = dn.fit(
        model,
        X_train,
        m_train,
        losses.DiceLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        epochs=15,
        batch_size=8,
        rng=0,
        metrics=["dice"],
    )
    logits = dn.predict(model, X_test)
    assert logits.shape == (16, 1, 32, 32)
    dice = metrics.dice_score(m_test, logits)
    iou = metrics.iou(m_test, logits)
    threshold = metrics.dice_score(m_test, (X_test[:, 0] > 0.52).astype(np.int64))
    print(f"\nU-Net held-out Dice {dice:.4f}, IoU {iou:.4f}; pixel threshold Dice {threshold:.4f}")
    assert dice >= 0.9
    assert threshold < 0.75
    assert iou == pytest.approx(dice / (2 - dice), rel=1e-12)  # one class: J = D / (2 − D)
    # The loss logged by fit is the soft Dice loss; the metric is the hard Dice of the same masks.
    assert history.history["loss"][-1] < 0.15 and history.history["dice"][-1] > 0.85


def test_unet_with_multiclass_dice_loss_separates_cells_from_nuclei():
    X, masks = make_cells(80, size=32, n_classes=3, noise=0.1, rng=0)
    X_train, m_train, X_test, m_test = X[:64], masks[:64], X[64:], masks[64:]
    model = models.unet(in_channels=1, classes=3, depth=2, width=8, rng=0)
    dn.fit(
        model,
        X_train,
        m_train,
        losses.DiceLoss(),
        optim.Adam(model.parameters(), lr=0.005),
        epochs=40,
        batch_size=8,
        rng=0,
    )
    scores = dn.predict(model, X_test)
    per_class = metrics.dice_score(m_test, scores, average=None)
    print(f"\nU-Net 3 classes, held-out Dice per class (background, cell, nucleus): {per_class.round(4)}")
    assert per_class[1] >= 0.9  # the large bright cells
    assert metrics.dice_score(m_test, scores) >= 0.85  # mean over cells and the small, dim nuclei
