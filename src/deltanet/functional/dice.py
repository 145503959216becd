r"""Segmentation losses: the soft Dice loss and the generalized Wasserstein Dice loss.

A segmentation network gives every pixel (voxel) a score per class; the loss compares the
predicted class probabilities $P$ with the ground truth $G$ over the whole image at once. The
Dice overlap $2 |P \cap G| / (|P| + |G|)$ of the seeds ([Hosny et al.]: "pixel classification –
dice / Wasserstein dice coefficient") counts the overlap relative to the sizes of the two
regions, so a small structure on a large background weighs as much as a large one: the loss is
not swamped by the background pixels that a pixel-wise cross-entropy would average over.

**Soft Dice.** With probabilities $p \in [0, 1]$ in place of hard masks, for image $n$ and
class $c$:

$$
D_{nc} = \frac{2 \sum_i p_{nci} \, g_{nci} + s}{\sum_i p_{nci} + \sum_i g_{nci} + s}, \qquad
L = 1 - \operatorname{mean}_{n,c} D_{nc}
$$

where $i$ runs over the pixels and $s \ge 0$ (``smooth``) keeps $D$ defined when a class is
absent from both $P$ and $G$ ($D = 1$ then, so nothing is learned from an empty image that is
predicted empty). Dice is computed **per image** and then averaged (``batch=False``, the
default, as MONAI): every image counts the same, however many foreground pixels it has.
``batch=True`` pools the pixels of the whole batch into one $P$ and one $G$ per class first.

**Generalized Wasserstein Dice** (Fidon et al., 2017): for $K$ classes and a distance matrix
$M$ between classes ($M_{ll} = 0$; $M_{lk}$ says how bad it is to confuse $l$ with $k$), the
Wasserstein distance between the predicted distribution $p_i$ and the one-hot label $g_i$ of
pixel $i$ is $W_i = \sum_k M_{g_i k} \, p_{ik}$ (all of $p_i$'s mass moves to $g_i$). With
$\alpha_l = M_{bl}$ (the distance of class $l$ from the background $b$, so $\alpha_b = 0$):

$$
\mathrm{TP} = \sum_i \alpha_{g_i} (1 - W_i), \qquad
\mathrm{GWD} = \frac{2\,\mathrm{TP} + s}{2\,\mathrm{TP} + \sum_i W_i + s}, \qquad
L = 1 - \mathrm{GWD}
$$

per image, averaged over the batch. This is the authors' NiftyNet formula, and MONAI's
``GeneralizedWassersteinDiceLoss`` (default weighting) when the background is at distance 1 from
every class. $M$ is divided by its largest entry first, as MONAI does, so that
$0 \le W_i \le 1$. With $M = 1 - I$ and two classes, GWD is the soft Dice of the foreground.

Both losses are written with differentiable ops (softmax or sigmoid, products, sums), so their
gradients come from the autograd engine and are checked by ``gradcheck`` in the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional.activations import softmax
from deltanet.functional.losses import (
    _as_tensor,
    _check_finite,
    _check_input,
    _check_range,
    _check_reduction,
)


# -- checks --------------------------------------------------------------------------------------
def _check_smooth(smooth: Any, owner: str) -> float:
    if isinstance(smooth, bool) or not isinstance(smooth, (int, float, np.integer, np.floating)):
        raise ValueError(f"{owner}: smooth must be a non-negative finite number, got {smooth!r}")
    if not (math.isfinite(smooth) and smooth >= 0):
        raise ValueError(f"{owner}: smooth must be a non-negative finite number, got {smooth!r}")
    return float(smooth)


def _check_flag(value: Any, name: str, owner: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def _check_scores(input: Any, owner: str, min_classes: int) -> Tensor:
    z = _as_tensor(input, owner, "input")
    _check_input(z, owner)
    if z.ndim < 3 or z.shape[1] < min_classes:
        need = "C ≥ 2 class channels" if min_classes > 1 else "C ≥ 1 channels"
        raise ValueError(
            f"{owner}: input must be scores of shape (N, C, *spatial) with {need} and 1 to 3 "
            f"spatial axes, e.g. (N, C, H, W), got shape {z.shape}"
        )
    return z


def _labels(y: np.ndarray, classes: int, owner: str) -> np.ndarray:
    """Integer class labels in [0, classes) as int64 (whole floats are accepted)."""
    if y.dtype.kind == "f":
        _check_finite(y, owner)
        fractional = y != np.round(y)
        if fractional.any():
            raise ValueError(
                f"{owner}: a label map must hold integer class labels, got the non-integer value "
                f"{y[fractional].flat[0].item()!r}"
            )
    elif y.dtype.kind not in "iub":
        raise ValueError(f"{owner}: a label map must hold integers, got dtype {y.dtype}")
    labels = y.astype(np.int64, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)]
        what = (
            "binary labels must be 0 or 1"
            if classes == 2 and owner.startswith("dice")
            else (f"labels must be in [0, {classes}) for {classes} classes")
        )
        raise ValueError(f"{owner}: {what}, got {int(bad.flat[0])} ({bad.size} label(s) out of range)")
    return labels


def _one_hot(labels: np.ndarray, classes: int, dtype: np.dtype) -> np.ndarray:
    """(N, *spatial) labels → (N, C, *spatial) one-hot in ``dtype``."""
    shape = (1, classes) + (1,) * (labels.ndim - 1)
    return (labels[:, None] == np.arange(classes).reshape(shape)).astype(dtype)


def _dice_target(y: Tensor, z: Tensor, owner: str) -> np.ndarray:
    """The target G as an array of the input's shape and dtype (see ``dice_loss``)."""
    classes = z.shape[1]
    label_shape = z.shape[:1] + z.shape[2:]
    if y.shape == z.shape:
        g = y.array
        if g.dtype.kind not in "fiub":
            raise ValueError(f"{owner}: target must hold numbers, got dtype {g.dtype}")
        g = g.astype(z.dtype, copy=False)
        _check_finite(g, owner)
        _check_range(g, 0, 1, owner, "target", " (one-hot or probability targets)")
        return g
    if y.shape == label_shape:
        labels = _labels(y.array, max(classes, 2), owner)
        if classes == 1:  # binary: label 1 is the foreground channel
            return labels[:, None].astype(z.dtype)
        return _one_hot(labels, classes, z.dtype)
    raise ValueError(
        f"{owner}: for input of shape {z.shape} the target must be a label map of shape "
        f"{label_shape} or one-hot/probabilities of shape {z.shape}, got shape {y.shape}"
    )


def _probabilities(z: Tensor, from_logits: bool, owner: str) -> Tensor:
    if from_logits:
        return z.sigmoid() if z.shape[1] == 1 else softmax(z, axis=1)
    _check_range(
        z.array,
        0,
        1,
        owner,
        "input probabilities",
        " (pass from_logits=True for raw network outputs)",
    )
    return z


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# -- soft Dice ------------------------------------------------------------------------------------
def dice_loss(
    input: Any,
    target: Any,
    *,
    smooth: float = 1.0,
    from_logits: bool = True,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
) -> Tensor:
    r"""Soft Dice loss, one minus the Dice overlap of the predicted probabilities and the target.

    $$
    L = 1 - \operatorname{mean}_{n,c} \frac{2 \sum_i p_{nci} \, g_{nci} + s}{\sum_i p_{nci} + \sum_i g_{nci} + s}
    $$

    per image $n$ and class $c$, over the pixels $i$. Binary segmentation uses one channel
    ($C = 1$): $p = \sigma(z)$ of the logits, or the probabilities themselves with
    ``from_logits=False``. Multi-class segmentation uses $C \ge 2$ channels: $p$ = softmax of $z$
    over the class axis 1, and an integer label map is turned into one-hot targets. See the module
    docstring for the per-image convention.

    Args:
        input: scores (N, C, *spatial) with 1 to 3 spatial axes: logits (default) or
            probabilities in $[0, 1]$ (``from_logits=False``).
        target: a label map (N, *spatial) of integers, in $[0, C)$ ($C \ge 2$) or $\{0, 1\}$
            ($C = 1$); or one-hot / probability targets of the input's shape.
        smooth: $s \ge 0$, added to numerator and denominator (default 1).
        from_logits: apply sigmoid ($C = 1$) or softmax over axis 1 ($C \ge 2$) to the input first.
        include_background: with $C \ge 2$, False leaves class 0 out of the mean.
        batch: pool the pixels of all images before dividing (one Dice per class) instead of
            one Dice per image and class.
        reduction: "mean" (default) over images and classes, "sum", or "none": the losses
            $1 - D$ of shape (N, C) (or (C,) with ``batch=True``).

    Raises:
        ValueError: the shapes, labels, probabilities or options do not fit.

    Shape:
        - input: $(N, C, *)$ with 1 to 3 spatial axes.
        - target: $(N, *)$ (labels) or $(N, C, *)$ (one-hot or probabilities).
        - output: $()$; $(N, C)$ with ``reduction="none"`` ($(C,)$ with ``batch=True``).

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.functional as F
        >>> p = dn.tensor(np.array([[[0.9, 0.8, 0.1, 0.0]]]))      # (N=1, C=1, L=4)
        >>> g = np.array([[1, 1, 0, 0]])                             # label map (N, L)
        >>> round(F.dice_loss(p, g, smooth=0.0, from_logits=False).item(), 4)  # 1 − 3.4/3.8
        0.1053
    """
    owner = "dice_loss"
    _check_reduction(reduction, owner)
    s = _check_smooth(smooth, owner)
    from_logits = _check_flag(from_logits, "from_logits", owner)
    include_background = _check_flag(include_background, "include_background", owner)
    batch = _check_flag(batch, "batch", owner)
    z = _check_scores(input, owner, 1)
    if not include_background and z.shape[1] == 1:
        raise ValueError(
            f"{owner}: include_background=False needs C ≥ 2 class channels (class 0 is the "
            f"background); a binary input of shape {z.shape} has only the foreground channel"
        )
    g = _dice_target(_as_tensor(target, owner, "target"), z, owner)
    p = _probabilities(z, from_logits, owner)
    if not include_background:
        p, g = p[:, 1:], g[:, 1:]
    axes = ((0,) if batch else ()) + tuple(range(2, z.ndim))
    intersection = (p * g).sum(axis=axes)
    sizes = p.sum(axis=axes) + g.sum(axis=axes)
    dice = (intersection * 2.0 + s) / (sizes + s)
    return _reduce(1.0 - dice, reduction)


# -- generalized Wasserstein Dice -----------------------------------------------------------------
def check_dist_matrix(dist_matrix: Any, owner: str = "generalized_wasserstein_dice_loss") -> np.ndarray:
    r"""Check a class-distance matrix $M$ and return it as float64 divided by its largest entry.

    $M$ must be $C \times C$ with $C \ge 2$, finite, non-negative, with a zero diagonal and not all
    zero.

    Args:
        dist_matrix: $M$, a nested list, array or tensor.
        owner: the name that error messages start with.

    Raises:
        ValueError: $M$ breaks one of the rules above.

    Examples:
        >>> from deltanet.functional.dice import check_dist_matrix
        >>> check_dist_matrix([[0, 2], [2, 0]]).tolist()
        [[0.0, 1.0], [1.0, 0.0]]
    """
    if isinstance(dist_matrix, Tensor):
        dist_matrix = dist_matrix.array
    try:
        M = np.asarray(dist_matrix)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: dist_matrix must be a C × C array of numbers: {err}") from None
    if M.dtype.kind not in "fiu":
        raise ValueError(f"{owner}: dist_matrix must hold numbers, got dtype {M.dtype}")
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 2:
        raise ValueError(f"{owner}: dist_matrix must be a square C × C matrix with C ≥ 2 classes, got shape {M.shape}")
    M = M.astype(np.float64)
    if not np.isfinite(M).all() or (M < 0).any():
        raise ValueError(f"{owner}: dist_matrix must hold finite distances ≥ 0, got {M.tolist()}")
    if (np.diag(M) != 0).any():
        raise ValueError(
            f"{owner}: dist_matrix must have a zero diagonal (a class is at distance 0 from "
            f"itself), got diagonal {np.diag(M).tolist()}"
        )
    if M.max() == 0:
        raise ValueError(f"{owner}: dist_matrix is all zeros; at least two classes must differ")
    return M / M.max()


def generalized_wasserstein_dice_loss(
    input: Any,
    target: Any,
    dist_matrix: Any,
    *,
    smooth: float = 1e-5,
    from_logits: bool = True,
    background: int = 0,
    reduction: str = "mean",
) -> Tensor:
    r"""Generalized Wasserstein Dice loss (Fidon et al. 2017): Dice with a cost for each confusion of classes.

    $$
    L = 1 - \frac{2\,\mathrm{TP} + s}{2\,\mathrm{TP} + \sum_i W_i + s}, \qquad
    W_i = \sum_k M_{g_i k} \, p_{ik}, \qquad
    \mathrm{TP} = \sum_i \alpha_{g_i} (1 - W_i), \quad \alpha_l = M_{bl}
    $$

    $W_i$ is the Wasserstein distance between the predicted class distribution of pixel $i$ and
    its label $g_i$; one value per image, then averaged (see the module docstring).

    Args:
        input: scores (N, C, *spatial), $C \ge 2$: logits (softmax over axis 1 is applied) or
            probabilities (``from_logits=False``).
        target: a label map (N, *spatial) (or (N, 1, *spatial)) of integers in $[0, C)$.
        dist_matrix: $M$, $C \times C$, distances $\ge 0$ with a zero diagonal; divided by its maximum.
        smooth: $s \ge 0$ (default 1e-5, as MONAI).
        from_logits: apply softmax over axis 1 to the input first (default True).
        background: the index $b$ of the background class (default 0).
        reduction: "mean" (default) over images, "sum", or "none" (shape (N,)).

    Raises:
        ValueError: the shapes, labels, distance matrix or options do not fit.

    Shape:
        - input: $(N, C, *)$ with 1 to 3 spatial axes.
        - target: $(N, *)$ or $(N, 1, *)$.
        - dist_matrix: $(C, C)$.
        - output: $()$; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.functional as F
        >>> M = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [1.0, 0.5, 0.0]])
        >>> z = dn.tensor(np.eye(3)[None, :, :] * 50.0)    # confident and right: classes 0, 1, 2
        >>> round(F.generalized_wasserstein_dice_loss(z, np.array([[0, 1, 2]]), M).item(), 6)
        0.0
        >>> z = dn.tensor(np.eye(3)[None, [0, 2, 1], :] * 50.0)   # 1 and 2 swapped: cost 0.5 each
        >>> round(F.generalized_wasserstein_dice_loss(z, np.array([[0, 1, 2]]), M).item(), 4)
        0.3333
    """
    owner = "generalized_wasserstein_dice_loss"
    _check_reduction(reduction, owner)
    s = _check_smooth(smooth, owner)
    from_logits = _check_flag(from_logits, "from_logits", owner)
    M = check_dist_matrix(dist_matrix, owner)
    z = _check_scores(input, owner, 2)
    classes = z.shape[1]
    if M.shape[0] != classes:
        raise ValueError(
            f"{owner}: dist_matrix is {M.shape[0]} × {M.shape[0]} but the input has {classes} "
            f"classes (shape {z.shape}); expected a {classes} × {classes} matrix"
        )
    if isinstance(background, bool) or not isinstance(background, (int, np.integer)) or not (0 <= background < classes):
        raise ValueError(f"{owner}: background must be a class index in [0, {classes}), got {background!r}")
    y = _as_tensor(target, owner, "target")
    label_shape = z.shape[:1] + z.shape[2:]
    if y.shape == z.shape[:1] + (1,) + z.shape[2:]:
        y = Tensor._make(y.array.reshape(label_shape))
    if y.shape != label_shape:
        raise ValueError(
            f"{owner}: for input of shape {z.shape} the target must be a label map of shape "
            f"{label_shape}, got shape {y.shape}"
        )
    labels = _labels(y.array, classes, owner)
    p = _probabilities(z, from_logits, owner)
    M = M.astype(z.dtype)
    # M[g_i, :] for every pixel, moved to the class axis: (N, C, *spatial), a constant.
    rows = np.moveaxis(M[labels], -1, 1)
    alpha = M[background][labels]  # alpha of each pixel's label, (N, *spatial)
    W = (p * rows).sum(axis=1)  # (N, *spatial)
    spatial = tuple(range(1, W.ndim))
    true_positives = (alpha * (1.0 - W)).sum(axis=spatial)
    all_errors = W.sum(axis=spatial)
    score = (true_positives * 2.0 + s) / (true_positives * 2.0 + all_errors + s)
    return _reduce(1.0 - score, reduction)


__all__ = ["check_dist_matrix", "dice_loss", "generalized_wasserstein_dice_loss"]
