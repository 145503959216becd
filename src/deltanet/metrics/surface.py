r"""Surface distances between two segmentations, in millimetres: Hausdorff distance (maximum and
95th percentile) and average surface distance.

Dice counts overlapping voxels; it barely notices a thin spur of false positives far from the
organ, which a surgeon or a radiotherapy plan cares about. Surface distances measure *where* the
boundaries are. The surface $\partial A$ of a mask $A$ is its boundary voxels: those of $A$ with
a face-neighbour outside $A$, $\partial A = A \setminus \mathrm{erode}(A)$ (MONAI's definition;
voxels on the image border count as surface). For each surface voxel $a$ of the prediction $P$, its
distance to the target's surface $G$ is $d(a, \partial G) = \min_{b \in \partial G} \lVert a - b
\rVert$, measured in mm with the voxel ``spacing`` (``scipy.ndimage.distance_transform_edt``).

- **Directed** (from $P$ to $G$): the distances $d(a, \partial G)$ for $a \in \partial P$;
  $h(P, G) = \max_a d(a, \partial G)$. It says how far the prediction strays, not how much of the
  target it misses.
- **Symmetric** (the default of the Hausdorff distance):
  $HD(P, G) = \max\{h(P, G), h(G, P)\}$. With ``percentile=95``, each direction takes its 95th
  percentile instead of the maximum, then the larger of the two (MONAI's HD95), which ignores the
  few worst voxels.
- **Average surface distance**: the mean of the directed distances from $P$ to $G$ (MONAI's
  default), or with ``symmetric=True`` the mean over both directions' distances together (often
  called ASSD).

**Masks are binary**: bool, or numbers that are all 0 or 1. A label map of several classes or a
map of probabilities raises a ``ValueError`` instead of being read as "nonzero = inside": give
``labels == c`` for class $c$, and threshold probabilities first.

**Empty masks** (as MONAI): if both masks are empty there is nothing to measure and the result
is ``nan``; if exactly one is empty (a missed or an invented structure) it is ``inf``. Average
over cases with ``numpy.nanmean`` if empty pairs are expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor


def _mask(values: Any, name: str, fn: str) -> np.ndarray:
    array = np.asarray(values.array if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "biuf" or array.ndim < 1 or array.size == 0:
        raise ValueError(
            f"{fn}: {name} must be a non-empty mask of numbers, got shape {array.shape}, dtype {array.dtype}"
        )
    inside = array != 0
    if array.dtype.kind != "b" and not np.all(array[inside] == 1):
        # A label map of several classes or a probability map would be merged silently into "nonzero".
        others = np.unique(array[inside & (array != 1)])
        raise ValueError(
            f"{fn}: {name} must be a binary mask (bool, or only 0 and 1), got the values "
            f"{', '.join(f'{v:g}' for v in others[:5].tolist())}{', ...' if others.size > 5 else ''}; for class c of "
            "a label map give labels == c, for probabilities a thresholded mask (p > 0.5)"
        )
    return inside


def _spacing(spacing: Any, ndim: int, fn: str) -> tuple[float, ...]:
    if spacing is None:
        return (1.0,) * ndim
    values = [spacing] * ndim if np.ndim(spacing) == 0 else list(np.asarray(spacing).reshape(-1))
    if len(values) != ndim:
        raise ValueError(f"{fn}: spacing must be one number or {ndim} (one per axis), got {spacing!r}")
    return tuple(check.number(float(v), "spacing", fn, low=0, low_open=True) for v in values)


def surface(mask: np.ndarray) -> np.ndarray:
    r"""The boundary voxels of a boolean mask: $A \setminus \mathrm{erode}(A)$ (face connectivity).

    Args:
        mask: a boolean array, 2-D or 3-D (any number of axes).

    Returns:
        A boolean array of the same shape, True on the surface.

    Examples:
        >>> import numpy as np
        >>> from deltanet.metrics.surface import surface
        >>> square = np.zeros((5, 5), bool); square[1:4, 1:4] = True
        >>> int(surface(square).sum())     # the 3×3 square's 8 border pixels
        8
    """
    ndimage = _ndimage()
    structure = ndimage.generate_binary_structure(mask.ndim, 1)
    return mask & ~ndimage.binary_erosion(mask, structure=structure, border_value=0)


def _ndimage() -> Any:
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError(
            "deltanet's surface distances need scipy, which is not installed; run: pip install 'deltanet[imaging]'"
        ) from None
    return ndimage


def surface_distances(pred: Any, target: Any, spacing: Any = None) -> np.ndarray:
    r"""The directed distances $d(a, \partial G)$ in mm from each surface voxel $a$ of ``pred`` to
    the surface of ``target``.

    Args:
        pred: the predicted mask (1 or True = inside), 2-D or 3-D.
        target: the true mask, the same shape.
        spacing: the voxel size in mm per axis (one number for all; default 1).

    Returns:
        A float64 array, one distance per surface voxel of ``pred``; empty if ``pred`` is empty, all
        ``inf`` if ``target`` is empty and ``pred`` is not.

    Examples:
        >>> import numpy as np
        >>> from deltanet.metrics import surface_distances
        >>> a = np.zeros((6, 6)); a[1:3, 1:3] = 1
        >>> b = np.zeros((6, 6)); b[1:3, 2:4] = 1
        >>> surface_distances(a, b, spacing=(1.0, 0.5)).tolist()    # a's left column is 1 voxel from b
        [0.5, 0.0, 0.5, 0.0]
    """
    p, g, sampling = _inputs(pred, target, spacing, "surface_distances")
    return _directed(p, g, sampling)


def _inputs(pred: Any, target: Any, spacing: Any, fn: str) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    p, g = _mask(pred, "pred", fn), _mask(target, "target", fn)
    if p.shape != g.shape:
        raise ValueError(f"{fn}: pred and target must have the same shape, got {p.shape} and {g.shape}")
    return p, g, _spacing(spacing, p.ndim, fn)


def _directed(p: np.ndarray, g: np.ndarray, sampling: tuple[float, ...]) -> np.ndarray:
    edges_p, edges_g = surface(p), surface(g)
    if not edges_p.any():
        return np.zeros(0)
    if not edges_g.any():
        return np.full(int(edges_p.sum()), np.inf)
    distance_to_g = _ndimage().distance_transform_edt(~edges_g, sampling=sampling)
    return np.asarray(distance_to_g[edges_p], dtype=np.float64)


def _both_directions(pred: Any, target: Any, spacing: Any, fn: str) -> tuple[np.ndarray, np.ndarray] | float:
    """Distances P→G and G→P, or the value for empty masks (nan both, inf one)."""
    p, g, sampling = _inputs(pred, target, spacing, fn)
    if not p.any() and not g.any():
        return float("nan")
    if not p.any() or not g.any():
        return float("inf")
    return _directed(p, g, sampling), _directed(g, p, sampling)


def hausdorff_distance(
    pred: Any, target: Any, percentile: float | None = None, spacing: Any = None, directed: bool = False
) -> float:
    r"""The Hausdorff distance between two masks' surfaces, in mm; HD95 with ``percentile=95``.

    $$
    HD(P, G) = \max\Big\{ \max_{a \in \partial P} d(a, \partial G),\ \max_{b \in \partial G} d(b, \partial P) \Big\}
    $$

    With ``percentile`` $q$ each maximum becomes the $q$-th percentile (``numpy.percentile``,
    linear interpolation), as MONAI's ``compute_hausdorff_distance``. With ``directed=True`` only
    the first term, from ``pred`` to ``target``.

    Args:
        pred: the predicted mask (1 or True = inside), 2-D or 3-D; for class $c$ of a label map,
            ``labels == c``.
        target: the true mask, the same shape.
        percentile: None (the maximum) or $q \in [0, 100]$, e.g. 95.
        spacing: the voxel size in mm per axis (one number for all; default 1: voxels).
        directed: only the distances from ``pred`` to ``target``.

    Returns:
        The distance in mm; ``nan`` if both masks are empty, ``inf`` if one is (see the module
        docstring).

    Raises:
        ValueError: masks of different shapes, a bad spacing or percentile.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = np.zeros((20, 20)); a[5:12, 5:12] = 1
        >>> b = np.zeros((20, 20)); b[8:15, 5:12] = 1                  # moved down by 3 rows
        >>> dn.metrics.hausdorff_distance(a, b, spacing=(0.8, 0.8))    # 3 rows of 0.8 mm
        2.4000000000000004
    """
    fn = "hausdorff_distance"
    if percentile is not None:
        percentile = check.number(percentile, "percentile", fn, low=0, high=100)
    directed = check.flag(directed, "directed", fn)
    distances = _both_directions(pred, target, spacing, fn)
    if isinstance(distances, float):
        return distances
    directions = distances[:1] if directed else distances

    def summary(d: np.ndarray) -> float:
        return float(d.max() if percentile is None else np.percentile(d, percentile))

    return max(summary(d) for d in directions)


def average_surface_distance(pred: Any, target: Any, spacing: Any = None, symmetric: bool = False) -> float:
    r"""The mean distance in mm from the surface of ``pred`` to that of ``target`` (ASD).

    $$
    \mathrm{ASD}(P, G) = \frac{1}{|\partial P|} \sum_{a \in \partial P} d(a, \partial G), \qquad
    \mathrm{ASSD} = \frac{\sum_{a \in \partial P} d(a, \partial G) + \sum_{b \in \partial G} d(b, \partial P)}
    {|\partial P| + |\partial G|}
    $$

    Directed by default, as MONAI's ``compute_average_surface_distance``; ``symmetric=True`` gives
    the symmetric mean (ASSD).

    Args:
        pred: the predicted mask (1 or True = inside), 2-D or 3-D.
        target: the true mask, the same shape.
        spacing: the voxel size in mm per axis (one number for all; default 1).
        symmetric: average over both directions' distances together.

    Returns:
        The mean distance in mm; ``nan`` if both masks are empty, ``inf`` if one is.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = np.zeros((6, 6)); a[1:3, 1:3] = 1
        >>> b = np.zeros((6, 6)); b[1:3, 2:4] = 1
        >>> dn.metrics.average_surface_distance(a, b), dn.metrics.average_surface_distance(a, b, symmetric=True)
        (0.5, 0.5)
    """
    fn = "average_surface_distance"
    symmetric = check.flag(symmetric, "symmetric", fn)
    distances = _both_directions(pred, target, spacing, fn)
    if isinstance(distances, float):
        return distances
    chosen = np.concatenate(distances) if symmetric else distances[0]
    return float(chosen.mean())


__all__ = ["average_surface_distance", "hausdorff_distance", "surface", "surface_distances"]
