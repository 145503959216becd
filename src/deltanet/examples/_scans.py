"""Real scans that ship inside pydicom and nibabel, for the image-to-image examples (no download).

- CT: three axial slices from pydicom's test files, in Hounsfield units (stored values × slope +
  intercept): ``CT_small.dcm`` (128 × 128, the neck), ``J2K_pixelrep_mismatch.dcm`` and
  ``693_J2KI.dcm`` (512 × 512 heads, JPEG 2000, decoded by Pillow).
- MR: nibabel's ``example4d.nii.gz``, a 4-D brain MRI (128 × 96 × 24 voxels, 2 time points).

pydicom, Pillow and nibabel are optional; a missing one gives an ImportError naming the install.
"""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGING_HINT = "pip install pydicom pillow nibabel scipy"  # the 'imaging' extra, once merged
CT_FILES = ("J2K_pixelrep_mismatch.dcm", "693_J2KI.dcm", "CT_small.dcm")
CT_WINDOW = (-1000.0, 1000.0)  # Hounsfield units mapped to [0, 1]: air 0, water 0.5, dense bone 1


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this example reads scans with {module}, which is not installed; {IMAGING_HINT}") from None


def ct_slice(name: str) -> np.ndarray:
    """One of pydicom's bundled CT slices in Hounsfield units, float64 (H, W)."""
    _require("pydicom")
    import warnings

    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    if path is None:
        raise OSError(f"pydicom's test file {name} is not installed with pydicom")
    with warnings.catch_warnings():  # pydicom warns about oddities of its own test files
        warnings.simplefilter("ignore")
        ds = dcmread(path)
        try:
            stored = ds.pixel_array.astype(np.float64)
        except Exception as error:  # no JPEG 2000 decoder: pydicom raises its own RuntimeError
            raise ImportError(f"cannot decode {name} ({error}); install Pillow: {IMAGING_HINT}") from None
    return stored * float(getattr(ds, "RescaleSlope", 1.0)) + float(getattr(ds, "RescaleIntercept", 0.0))


def windowed(hu: np.ndarray, window: tuple[float, float] = CT_WINDOW) -> np.ndarray:
    """Hounsfield units mapped linearly to [0, 1] over ``window`` and clipped (a CT display window)."""
    low, high = window
    return np.clip((hu - low) / (high - low), 0.0, 1.0)


def ct_images() -> dict[str, np.ndarray]:
    """The three CT slices, windowed to [0, 1], float32, by file name."""
    return {name: windowed(ct_slice(name)).astype(np.float32) for name in CT_FILES}


def mr_volume() -> np.ndarray:
    """nibabel's example brain MRI, first time point, scaled to [0, 1]: float32 (24, 96, 128) (slice, y, x)."""
    nib = _require("nibabel")
    import os

    from nibabel.testing import data_path

    volume = np.asarray(nib.load(os.path.join(str(data_path), "example4d.nii.gz")).dataobj[..., 0], dtype=np.float64)
    volume = np.transpose(volume, (2, 1, 0))  # (x, y, z) -> (z, y, x): axial slices first
    return (volume / volume.max()).astype(np.float32)


def random_patches(images: list[np.ndarray], size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random ``size`` × ``size`` crops of the images, (count, C, size, size).

    Each image is (H, W) (C = 1) or (C, H, W), all with the same C (e.g. an image and its target
    stacked, cropped together); each is drawn in proportion to its area.
    """
    stacks = [im[None] if im.ndim == 2 else im for im in images]
    areas = np.array([(s.shape[1] - size + 1) * (s.shape[2] - size + 1) for s in stacks], dtype=np.float64)
    which = rng.choice(len(stacks), size=count, p=areas / areas.sum())
    out = np.empty((count, stacks[0].shape[0], size, size), dtype=np.float32)
    for k, i in enumerate(which):
        stack = stacks[i]
        top = rng.integers(0, stack.shape[1] - size + 1)
        left = rng.integers(0, stack.shape[2] - size + 1)
        out[k] = stack[:, top : top + size, left : left + size]
    return out


def scipy_ndimage() -> Any:
    """scipy.ndimage, or an ImportError naming the install."""
    return _require("scipy.ndimage")
