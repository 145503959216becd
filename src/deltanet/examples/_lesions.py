"""Synthetic round lesions painted on crops of a real brain MRI (nibabel's ``example4d.nii.gz``),
for the localization and detection examples.

Each lesion is a disc of radius 2.5–5 pixels, brighter than the tissue by a contrast of 0.25–0.4
(on images scaled to [0, 1]), with a one-pixel soft edge; its box is the disc's bounding square
``(top, left, bottom, right)`` in pixels. The backgrounds are 32 × 32 crops of the MRI's slices
that lie mostly inside the head (mean intensity above 0.15), so the lesions sit on real anatomy
with its own bright structures, not on a flat field.
"""

from __future__ import annotations

import numpy as np

from deltanet.examples import _scans

SIZE = 32
RADIUS = (2.5, 5.0)
CONTRAST = (0.25, 0.4)


def backgrounds(slices: range, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random SIZE × SIZE crops of the given MRI slices, mostly inside the head."""
    volume = _scans.mr_volume()
    out = np.empty((count, SIZE, SIZE), dtype=np.float32)
    k = 0
    while k < count:
        image = volume[rng.choice(list(slices))]
        top, left = rng.integers(0, image.shape[0] - SIZE + 1), rng.integers(0, image.shape[1] - SIZE + 1)
        crop = image[top : top + SIZE, left : left + SIZE]
        if crop.mean() > 0.15:
            out[k] = crop
            k += 1
    return out


def paint(image: np.ndarray, count: int, rng: np.random.Generator, margin: float = 1.0) -> tuple[np.ndarray, list]:
    """``image`` with ``count`` non-overlapping lesions, and their boxes ``(top, left, bottom, right)``."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    out = image.astype(np.float64).copy()
    discs: list[tuple[float, float, float]] = []
    while len(discs) < count:
        r = rng.uniform(*RADIUS)
        cy, cx = rng.uniform(r + margin, SIZE - r - margin, size=2)
        if any(np.hypot(cy - y, cx - x) < r + q + 2 for y, x, q in discs):
            continue  # keep lesions apart
        discs.append((cy, cx, r))
        inside = np.clip(r + 0.5 - np.hypot(rows - cy, cols - cx), 0.0, 1.0)  # a one-pixel soft edge
        out += rng.uniform(*CONTRAST) * inside
    boxes = [(cy - r, cx - r, cy + r, cx + r) for cy, cx, r in discs]
    return np.clip(out, 0.0, 1.0).astype(np.float32), boxes


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of boxes ``(top, left, bottom, right)``, row by row (broadcasting)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    height = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    width = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = height * width
    area = lambda x: np.clip(x[..., 2] - x[..., 0], 0, None) * np.clip(x[..., 3] - x[..., 1], 0, None)  # noqa: E731
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
