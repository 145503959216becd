r"""Which way an image's axes point in the patient, read from its affine, and the exact
permutation and flips that bring them to other axis codes (``"RAS"``, ``"LPS"``, ...).

An axis code names, for each spatial array axis, the patient direction that the index grows
towards: **R**ight/**L**eft ($x$), **A**nterior/**P**osterior ($y$), **S**uperior/**I**nferior
($z$), in RAS+ world coordinates (see ``deltanet.data.image``). A DICOM series read as
(slice, row, column) of an axial scan is ``"SPL"`` or ``"IPL"``; a NIfTI from dcm2niix is usually
``"LPS"`` or ``"RAS"``.

The axis that an array axis points along is found as nibabel's ``io_orientation`` finds it (the
same algorithm, in NumPy, so nibabel is not needed): the columns of the affine's $3 \times 3$ part,
divided by their lengths, are replaced by the nearest rotation $R = U V^T$ (from the singular value
decomposition $U S V^T$, which removes shear), and each array axis, strongest first, takes the
world axis of its column's largest $|R_{w, i}|$ that no stronger axis took. For an oblique scan the
codes name the nearest directions; reorienting stays an exact permutation and flip of the voxels
(no interpolation), and the affine keeps the obliquity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The letter for each world axis (x, y, z) in its negative and positive direction (RAS+).
AXIS_LETTERS = (("L", "R"), ("P", "A"), ("I", "S"))


def axis_directions(affine: Any, ndim: int = 3) -> tuple[list[int], list[int]]:
    r"""For each of the first ``ndim`` array axes, the world axis (0: $x$, 1: $y$, 2: $z$) it
    points along most and its sign (+1 towards R, A or S), as nibabel's ``io_orientation``.

    Args:
        affine: the $4 \times 4$ voxel-to-RAS+ affine.
        ndim: how many spatial array axes the image has (2 or 3).

    Raises:
        ValueError: an array axis that the affine maps to no direction (a zero column).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data.orientation import axis_directions
        >>> axis_directions(np.diag([-1.0, -1.0, 1.0, 1.0]))
        ([0, 1, 2], [-1, -1, 1])
    """
    A = np.asarray(affine, dtype=np.float64)
    RZS = A[:3, :ndim]
    zooms = np.linalg.norm(RZS, axis=0)
    if np.any(zooms == 0):
        raise ValueError(
            f"the affine maps array axis {int(np.flatnonzero(zooms == 0)[0])} to no direction (a zero column): "
            f"its orientation is undefined; affine {A.tolist()}"
        )
    U, S, Vt = np.linalg.svd(RZS / zooms, full_matrices=False)
    keep = S > S.max() * max(RZS.shape) * np.finfo(S.dtype).eps
    R = U[:, keep] @ Vt[keep]
    axes, signs = [0] * ndim, [0] * ndim
    for i in np.argsort(np.min(-(R**2), axis=0), kind="stable"):  # the strongest array axis first
        column = R[:, i]
        if np.allclose(column, 0):
            raise ValueError(f"the affine's array axes are not independent (rank {int(keep.sum())}): {A.tolist()}")
        w = int(np.argmax(np.abs(column)))
        axes[i], signs[i] = w, 1 if column[w] > 0 else -1
        R[w, :] = 0  # no other array axis may take this world axis
    return axes, signs


def axcodes(affine: Any, ndim: int = 3) -> str:
    """The axis codes of an affine: for each spatial array axis, the letter of the patient
    direction it grows towards (nibabel's ``aff2axcodes``).

    Args:
        affine: the $4 \\times 4$ voxel-to-RAS+ affine.
        ndim: the number of spatial array axes.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data.orientation import axcodes
        >>> axcodes(np.diag([-0.5, -0.5, 2.0, 1.0]))
        'LPS'
    """
    axes, signs = axis_directions(affine, ndim)
    return "".join(AXIS_LETTERS[w][s > 0] for w, s in zip(axes, signs))


def parse_axcodes(codes: Any, ndim: int, owner: str) -> tuple[list[int], list[int]]:
    """The world axis and sign for each letter of ``codes``, e.g. ``"RAS"`` → ([0, 1, 2], [1, 1, 1])."""
    letters = {
        letter: (w, 1 if positive else -1)
        for w, pair in enumerate(AXIS_LETTERS)
        for positive, letter in enumerate(pair)
    }
    text = codes.upper() if isinstance(codes, str) else None
    if text is None or len(text) != ndim or any(c not in letters for c in text):
        raise ValueError(
            f"{owner}: axcodes must be {ndim} letters, one per spatial axis, from R/L, A/P, S/I (e.g. "
            f"{'RAS' if ndim == 3 else 'RA'!r}), got {codes!r}"
        )
    axes = [letters[c][0] for c in text]
    if len(set(axes)) != ndim:
        raise ValueError(f"{owner}: axcodes {codes!r} names one direction twice; each of R/L, A/P, S/I at most once")
    return axes, [letters[c][1] for c in text]


def reorientation(
    affine: Any, shape: tuple[int, ...], codes: str, owner: str
) -> tuple[list[int], list[int], np.ndarray]:
    r"""How to bring an image to ``codes``: output axis $j$ is input axis ``order[j]``, reversed
    when $j$ is in ``flipped``; and the new affine $A M$, with $M$ the index map (new voxel index to
    old) of that permutation and flip, so every voxel keeps its place in the patient.

    Args:
        affine: the image's $4 \times 4$ affine.
        shape: its spatial shape.
        codes: the axis codes wanted, e.g. ``"RAS"``.
        owner: the caller's name, for the error messages.

    Raises:
        ValueError: bad codes, or codes that name a direction none of the image's axes points along
            (a 2-D image).
    """
    ndim = len(shape)
    have_axes, have_signs = axis_directions(affine, ndim)
    want_axes, want_signs = parse_axcodes(codes, ndim, owner)
    if sorted(have_axes) != sorted(want_axes):
        raise ValueError(
            f"{owner}: the image's axes point {axcodes(affine, ndim)!r}, and axcodes {codes!r} name another plane; "
            "a 2-D image can only be reoriented within its own plane"
        )
    order = [have_axes.index(w) for w in want_axes]
    flipped = [j for j, i in enumerate(order) if have_signs[i] != want_signs[j]]
    M = np.zeros((4, 4))
    M[3, 3] = 1.0
    for j, i in enumerate(order):
        M[i, j] = -1.0 if j in flipped else 1.0
        M[i, 3] = shape[i] - 1 if j in flipped else 0.0
    for k in range(ndim, 3):  # a 2-D image's unused third index stays 0
        M[k, k] = 1.0
    return order, flipped, np.asarray(affine, dtype=np.float64) @ M


def reorient_array(array: np.ndarray, order: list[int], flipped: list[int]) -> np.ndarray:
    """A channel-first array with its spatial axes permuted by ``order`` and ``flipped`` reversed."""
    out = np.transpose(array, [0] + [1 + i for i in order])
    if flipped:
        out = np.flip(out, axis=tuple(1 + j for j in flipped))
    return np.ascontiguousarray(out)


__all__ = ["AXIS_LETTERS", "axcodes", "axis_directions", "parse_axcodes", "reorient_array", "reorientation"]
