"""Synthetic segmentation sets that look like cells under a microscope, generated deterministically.

Each image holds a few cells: filled ellipses (ellipsoids in 3-D) at random positions, sizes and
orientations, brighter than a smooth, uneven background (a tilted illumination plus a slow
ripple), with Gaussian noise on top. The mask gives every pixel its class: 0 for the background,
1 for a cell, and with ``n_classes=3`` a second kind of cell (class 2): smaller and dimmer round
"nuclei" next to the large bright cells, so a network must use intensity *and* shape. Cells drawn
later cover earlier ones, in the image and the mask alike, so the two always agree.

Everything is drawn from one generator (``rng=``, else ``dn.manual_seed``'s default): the same
seed gives bit-identical arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend

# Mean intensity of each class (background, cell, nucleus); the background varies around its mean.
_INTENSITY = (0.2, 0.85, 0.55)


def _check(count: tuple[str, Any], size: Any, n_classes: Any, noise: Any, cells: Any, fn: str) -> tuple[int, int]:
    check.integer(count[1], count[0], fn, low=1)
    check.integer(size, "size", fn, low=8)
    if not check.is_number(n_classes) or n_classes not in (2, 3):
        raise check.fail(fn, "n_classes", "2 (background, cell) or 3 (background, cell, nucleus)", n_classes)
    check.number(noise, "noise", fn, low=0)
    pair = isinstance(cells, (tuple, list)) and len(cells) == 2 and all(map(check.is_integer, cells))
    if not pair or not 1 <= cells[0] <= cells[1]:
        raise check.fail(fn, "cells", "a pair (fewest, most) of integers with 1 ≤ fewest ≤ most", cells)
    return int(cells[0]), int(cells[1])


def _background(grids: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Smooth uneven illumination: a random tilt and a slow ripple around the background level."""
    tilt = sum(rng.uniform(-0.08, 0.08) * (g - 0.5) for g in grids)
    phase = rng.uniform(0, 2 * math.pi, len(grids))
    ripple = 0.04 * np.prod([np.cos(2 * math.pi * g + ph) for g, ph in zip(grids, phase)], axis=0)
    return _INTENSITY[0] + tilt + ripple


def _draw(
    shape: tuple[int, ...], n_classes: int, noise: float, cells: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One image and its mask (ellipses or ellipsoids, by the length of ``shape``)."""
    size = shape[0]
    # Pixel centres in [0, 1]: positions and radii are fractions of the image size.
    grids = np.meshgrid(*[(np.arange(n) + 0.5) / n for n in shape], indexing="ij")
    image = _background(grids, rng)
    mask = np.zeros(shape, dtype=np.int64)
    count = int(rng.integers(cells[0], cells[1] + 1))
    for _ in range(count):
        kind = 2 if n_classes == 3 and rng.random() < 0.4 else 1
        if kind == 1:  # a large, bright, elongated cell
            radii = rng.uniform(0.09, 0.17, len(shape))
        else:  # a small, dimmer, round nucleus
            radii = np.full(len(shape), rng.uniform(0.05, 0.08))
        radii = np.maximum(radii, 1.5 / size)  # at least a few pixels across
        centre = rng.uniform(0.15, 0.85, len(shape))
        rotation = _rotation(len(shape), rng)
        offsets = np.stack([g - c for g, c in zip(grids, centre)], axis=-1) @ rotation
        inside = ((offsets / radii) ** 2).sum(axis=-1) <= 1.0
        brightness = _INTENSITY[kind] + rng.uniform(-0.05, 0.05)
        image = np.where(inside, brightness, image)
        mask[inside] = kind
    image = image + noise * rng.standard_normal(shape)
    return image.astype(np.float32), mask


def _rotation(dims: int, rng: np.random.Generator) -> np.ndarray:
    """A random rotation matrix (2-D: one angle; 3-D: from the QR of a Gaussian matrix)."""
    if dims == 2:
        a = rng.uniform(0, math.pi)
        return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    q, r = np.linalg.qr(rng.standard_normal((dims, dims)))
    return q * np.sign(np.diag(r))


def make_cells(
    n_images: int,
    size: int = 64,
    n_classes: int = 2,
    noise: float = 0.1,
    cells: tuple[int, int] = (2, 5),
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Synthetic 2-D microscope images of cells and their segmentation masks.

    Every image holds between ``cells[0]`` and ``cells[1]`` cells (filled ellipses, intensity
    about 0.85) on a smooth background (about 0.2, tilted and rippled), plus Gaussian noise
    $\mathcal{N}(0, \sigma^2)$ with $\sigma$ = ``noise``. With ``n_classes=3`` about 40 % of the
    cells are small round nuclei of intensity about 0.55 (class 2).

    Args:
        n_images: N, the number of images.
        size: height and width in pixels (default 64; at least 8).
        n_classes: 2 (background, cell) or 3 (background, cell, nucleus).
        noise: standard deviation of the Gaussian noise added to the image (default 0.1).
        cells: (fewest, most) cells per image (default (2, 5)).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``(images, masks)``: images (N, 1, size, size) float32, masks (N, size, size) int64 with
        values in [0, n_classes).

    Examples:
        >>> from deltanet.data.segmentation import make_cells
        >>> images, masks = make_cells(4, size=32, rng=0)
        >>> images.shape, images.dtype, masks.shape, masks.dtype
        ((4, 1, 32, 32), dtype('float32'), (4, 32, 32), dtype('int64'))
        >>> sorted(set(masks.ravel().tolist()))
        [0, 1]
    """
    fewest_most = _check(("n_images", n_images), size, n_classes, noise, cells, "make_cells")
    generator = backend.get_rng(rng)
    pairs = [
        _draw((int(size),) * 2, int(n_classes), float(noise), fewest_most, generator) for _ in range(int(n_images))
    ]
    images = np.stack([image for image, _ in pairs])[:, None]
    masks = np.stack([mask for _, mask in pairs])
    return images, masks


def make_cells_3d(
    n_volumes: int,
    size: int = 32,
    n_classes: int = 2,
    noise: float = 0.1,
    cells: tuple[int, int] = (2, 4),
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic 3-D volumes of cells (filled ellipsoids) and their masks: ``make_cells``
    in three dimensions, for 3-D convolutions.

    Args:
        n_volumes: N, the number of volumes.
        size: depth, height and width in voxels (default 32; at least 8).
        n_classes, noise, cells, rng: as for ``make_cells``.

    Returns:
        ``(volumes, masks)``: volumes (N, 1, size, size, size) float32, masks
        (N, size, size, size) int64.

    Examples:
        >>> from deltanet.data.segmentation import make_cells_3d
        >>> volumes, masks = make_cells_3d(2, size=16, n_classes=3, rng=0)
        >>> volumes.shape, masks.shape
        ((2, 1, 16, 16, 16), (2, 16, 16, 16))
    """
    fewest_most = _check(("n_volumes", n_volumes), size, n_classes, noise, cells, "make_cells_3d")
    generator = backend.get_rng(rng)
    pairs = [
        _draw((int(size),) * 3, int(n_classes), float(noise), fewest_most, generator) for _ in range(int(n_volumes))
    ]
    volumes = np.stack([volume for volume, _ in pairs])[:, None]
    masks = np.stack([mask for _, mask in pairs])
    return volumes, masks


__all__ = ["make_cells", "make_cells_3d"]
