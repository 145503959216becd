r"""The first metrics: accuracy, the confusion matrix, precision/recall/F1, regression errors, Dice
and IoU; the input checks that every metric module shares; and the registry behind ``get``.

How predictions are read (labels, score rows, binary scores) is told in ``deltanet.metrics``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor


# -- input checks ----------------------------------------------------------------------------
def _as_array(values: Any, name: str, fn: str) -> np.ndarray:
    """A numeric, non-empty, finite array (Tensors give their data)."""
    if isinstance(values, Tensor):
        values = values.array
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as error:  # ragged lists
        raise ValueError(f"{fn}: {name} must be an array of numbers, got {error}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{fn}: {name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{fn}: {name} must be an array with one entry per sample, got a scalar")
    if arr.shape[0] == 0 or arr.size == 0:
        raise ValueError(f"{fn}: {name} is empty (shape {arr.shape}); a metric needs at least one sample")
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        if not finite.all():
            where = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise ValueError(f"{fn}: {name} contains NaN or infinity (first at index {where}, value {arr[where]})")
    return arr


def _check_lengths(y_true: np.ndarray, y_pred: np.ndarray, fn: str) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"{fn}: y_true and y_pred must have one entry per sample each, got "
            f"{len(y_true)} and {len(y_pred)} samples (shapes {y_true.shape} and {y_pred.shape})"
        )


def _is_whole(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "biu" or bool(np.all(arr == np.round(arr)))


def _to_labels(arr: np.ndarray, name: str, fn: str, scores_allowed: bool) -> np.ndarray:
    """Class labels from labels, score rows or binary scores (see the module docstring)."""
    if arr.ndim > 2:
        raise ValueError(f"{fn}: {name} must be labels (N,) or scores (N, K), got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] > 1:
        return arr.argmax(axis=1)
    arr = arr.reshape(-1)
    if _is_whole(arr):
        return arr.astype(np.int64)
    if not scores_allowed:
        raise ValueError(
            f"{fn}: {name} must hold whole-number class labels or one-hot rows, got "
            f"non-integer values such as {arr[arr != np.round(arr)][0]}"
        )
    if np.all((arr >= 0) & (arr <= 1)):
        return (arr > 0.5).astype(np.int64)  # probabilities of class 1
    return (arr > 0).astype(np.int64)  # logits: $\sigma(z) > 0.5 \iff z > 0$


def _labels_pair(y_true: Any, y_pred: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    t = _as_array(y_true, "y_true", fn)
    p = _as_array(y_pred, "y_pred", fn)
    _check_lengths(t, p, fn)
    return _to_labels(t, "y_true", fn, False), _to_labels(p, "y_pred", fn, True)


# -- classification --------------------------------------------------------------------------
def accuracy(y_true: Any, y_pred: Any) -> float:
    r"""The fraction of samples whose predicted class is the true one.

    $$
    \mathrm{accuracy} = \frac{1}{N} \sum_{i=1}^{N} [\hat y_i = y_i] = \frac{TP + TN}{N} \ \text{(binary)}
    $$

    Args:
        y_true: class labels (N,), or one-hot rows (N, K).
        y_pred: class labels (N,), scores (N, K) (argmax), or binary scores (N,)
            (see the module docstring).

    Returns:
        A float in $[0, 1]$.

    Raises:
        ValueError: empty, non-finite or non-numeric inputs, or different numbers of samples.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.accuracy([0, 1, 0], [[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]])
        0.6666666666666666
    """
    t, p = _labels_pair(y_true, y_pred, "accuracy")
    return float(np.mean(t == p))


def classification_error(y_true: Any, y_pred: Any) -> float:
    r"""The fraction of samples whose predicted class is wrong: the seeds' $L_{Acc}$.

    $$
    L_{Acc} = 1 - \mathrm{accuracy} = 1 - \frac{TP + TN}{TP + TN + FP + FN}
    $$

    A metric, not a loss: its gradient is 0 almost everywhere (see the module docstring).

    Args:
        y_true: class labels $(N,)$, or one-hot rows $(N, K)$.
        y_pred: class labels $(N,)$, scores $(N, K)$ (argmax), or binary scores $(N,)$.

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.metrics.classification_error([0, 1, 0], [0, 1, 1]), 4)
        0.3333
    """
    t, p = _labels_pair(y_true, y_pred, "classification_error")
    return float(np.mean(t != p))


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """The counts $C_{ij}$ of samples of true class $i$ predicted as class $j$.

    Rows are the true classes and columns the predicted ones, as in scikit-learn.

    Args:
        y_true: class labels $(N,)$ or one-hot rows.
        y_pred: labels or scores (see the module docstring).
        num_classes: $K$; by default the largest label + 1 (or the width of a score matrix).

    Returns:
        An int64 array of shape $(K, K)$; the diagonal holds the correct decisions.

    Raises:
        ValueError: negative labels, or labels of ``num_classes`` or more.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.confusion_matrix([0, 1, 0], [0, 1, 1]).tolist()
        [[1, 1], [0, 1]]
    """
    fn = "confusion_matrix"
    t, p = _labels_pair(y_true, y_pred, fn)
    for name, labels in (("y_true", t), ("y_pred", p)):
        if labels.min() < 0:
            raise ValueError(f"{fn}: class labels must be 0, 1, ..., got {labels.min()} in {name}")
    widths = [np.shape(y)[1] for y in (y_true, y_pred) if np.ndim(y) == 2 and np.shape(y)[1] > 1]
    largest = int(max(t.max(), p.max())) + 1
    if num_classes is None:
        num_classes = max([largest] + widths)
    elif check.integer(num_classes, "num_classes", fn, low=1) < largest:
        raise ValueError(
            f"{fn}: num_classes={num_classes} but the labels go up to {largest - 1}; "
            f"labels must be in [0, {num_classes})"
        )
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


class BinaryCounts(NamedTuple):
    """The four cells of a binary confusion matrix (class 1 is the positive class).

    Attributes:
        tp: true positives, class 1 predicted as 1.
        tn: true negatives, class 0 predicted as 0.
        fp: false positives, class 0 predicted as 1.
        fn: false negatives, class 1 predicted as 0.

    Examples:
        >>> import deltanet as dn
        >>> c = dn.metrics.BinaryCounts(tp=2, tn=1, fp=1, fn=1)
        >>> c.tp / (c.tp + c.fp)
        0.6666666666666666
    """

    tp: int
    tn: int
    fp: int
    fn: int


def binary_counts(y_true: Any, y_pred: Any) -> BinaryCounts:
    """True/false positives and negatives of a binary classifier (1 = positive, 0 = negative).

    Args:
        y_true: labels 0 and 1 $(N,)$, or one-hot rows $(N, 2)$.
        y_pred: labels, scores $(N, 2)$ or binary scores $(N,)$ (see the module docstring).

    Returns:
        ``BinaryCounts(tp, tn, fp, fn)``.

    Raises:
        ValueError: a label other than 0 and 1 (use ``confusion_matrix`` for more classes).

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.binary_counts([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
        BinaryCounts(tp=2, tn=1, fp=1, fn=1)
    """
    fn = "binary_counts"
    t, p = _labels_pair(y_true, y_pred, fn)
    for name, labels in (("y_true", t), ("y_pred", p)):
        found = np.unique(labels)
        if not np.isin(found, (0, 1)).all():
            raise ValueError(
                f"{fn}: expected binary labels 0 (negative) and 1 (positive) in {name}, got "
                f"labels {found.tolist()}; for more classes use confusion_matrix"
            )
    return BinaryCounts(
        tp=int(np.sum((t == 1) & (p == 1))),
        tn=int(np.sum((t == 0) & (p == 0))),
        fp=int(np.sum((t == 0) & (p == 1))),
        fn=int(np.sum((t == 1) & (p == 0))),
    )


def _ratio(numerator: int, denominator: int, zero_division: float) -> float:
    return float(numerator / denominator) if denominator else float(zero_division)


def precision(y_true: Any, y_pred: Any, zero_division: float = 0.0) -> float:
    r"""Binary precision: of the samples called positive, the fraction that are.

    $$
    \mathrm{precision} = \frac{TP}{TP + FP}
    $$

    Args:
        y_true: labels 0 and 1, or one-hot rows.
        y_pred: labels or scores (see the module docstring).
        zero_division: the value returned when nothing is predicted positive (default 0, as
            scikit-learn).

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.metrics.precision([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]), 4)
        0.6667
    """
    c = binary_counts(y_true, y_pred)
    return _ratio(c.tp, c.tp + c.fp, zero_division)


def recall(y_true: Any, y_pred: Any, zero_division: float = 0.0) -> float:
    r"""Binary recall (sensitivity): of the positive samples, the fraction found.

    $$
    \mathrm{recall} = \frac{TP}{TP + FN}
    $$

    Args:
        y_true: labels 0 and 1, or one-hot rows.
        y_pred: labels or scores (see the module docstring).
        zero_division: the value returned when there is no positive sample (default 0).

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.metrics.recall([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]), 4)
        0.6667
    """
    c = binary_counts(y_true, y_pred)
    return _ratio(c.tp, c.tp + c.fn, zero_division)


def f1(y_true: Any, y_pred: Any, zero_division: float = 0.0) -> float:
    r"""Binary F1 score, the harmonic mean of precision and recall.

    $$
    F_1 = \frac{2 \cdot \mathrm{precision} \cdot \mathrm{recall}}{\mathrm{precision} + \mathrm{recall}}
    = \frac{2\, TP}{2\, TP + FP + FN}
    $$

    Args:
        y_true: labels 0 and 1, or one-hot rows.
        y_pred: labels or scores (see the module docstring).
        zero_division: the value returned when $TP + FP + FN = 0$ (default 0).

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.metrics.f1([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]), 4)
        0.6667
    """
    c = binary_counts(y_true, y_pred)
    return _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, zero_division)


# -- regression ------------------------------------------------------------------------------
def _regression_pair(y_true: Any, y_pred: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    t = _as_array(y_true, "y_true", fn).astype(np.float64)
    p = _as_array(y_pred, "y_pred", fn).astype(np.float64)
    _check_lengths(t, p, fn)
    if t.shape != p.shape:
        # (N,) against (N, 1) is the same thing written two ways.
        if t.size == p.size and t.size == len(t):
            return t.reshape(-1), p.reshape(-1)
        raise ValueError(f"{fn}: y_true and y_pred must have the same shape, got {t.shape} and {p.shape}")
    return t, p


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    r"""Mean squared error over every entry.

    $$
    \mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2
    $$

    There is no $\frac{1}{2}$: that factor belongs to the loss $\frac{1}{2}(y - \hat y)^2$ of the
    seeds' backprop derivation, not to the metric. For one-hot targets this is the seeds' table
    value divided by $K$: the table sums over the $K$ outputs and averages over the samples.

    Args:
        y_true: the targets $y$, $(N,)$ or $(N, K)$.
        y_pred: the predictions $\hat y$, the same shape ($(N,)$ and $(N, 1)$ are the same).

    Returns:
        A float.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.mean_squared_error([1.0, 2.0], [1.5, 2.0])
        0.125
    """
    t, p = _regression_pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((t - p) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    r"""Mean absolute error over every entry.

    $$
    \mathrm{MAE} = \frac{1}{n} \sum_{i=1}^{n} \lvert y_i - \hat y_i \rvert
    $$

    Args:
        y_true: the targets $y$, $(N,)$ or $(N, K)$.
        y_pred: the predictions $\hat y$, the same shape ($(N,)$ and $(N, 1)$ are the same).

    Returns:
        A float.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.mean_absolute_error([1.0, 2.0], [1.5, 2.0])
        0.25
    """
    t, p = _regression_pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(t - p)))


# -- registry --------------------------------------------------------------------------------
_REGISTRY: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "error": classification_error,
    "classification_error": classification_error,
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
    "precision": precision,
    "recall": recall,
    "f1": f1,
}


def get(name: str | Callable[[Any, Any], float]) -> Callable[[Any, Any], float]:
    """The metric function called ``name`` (see the table in the module docstring).

    Args:
        name: a metric name (case does not matter), or a callable ``metric(y_true, y_pred)``,
            returned as it is.

    Returns:
        The metric function.

    Raises:
        ValueError: an unknown name.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.get("accuracy")([0, 1], [0, 0])
        0.5
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise ValueError(f"metrics.get: expected a metric name or a function, got {name!r}")
    key = name.strip().lower()
    if key not in _REGISTRY:
        raise ValueError(f"unknown metric {name!r}; known metrics: {sorted(_REGISTRY)}")
    return _REGISTRY[key]


__all__ = [
    "BinaryCounts",
    "accuracy",
    "binary_counts",
    "classification_error",
    "confusion_matrix",
    "f1",
    "get",
    "mean_absolute_error",
    "mean_squared_error",
    "precision",
    "recall",
]


# -- segmentation: Dice score and IoU (Jaccard) ------------------------------------------------
def _segmentation_labels(y_true: Any, y_pred: Any, num_classes: Any, fn: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Flattened integer label maps (true, predicted) and the number of classes K.

    ``y_pred`` is a label map of y_true's shape (binary scores are thresholded as in the module
    docstring), or scores with one more axis, the class axis 1: (N, K, ...) → argmax over it,
    (N, 1, ...) → binary scores.
    """
    t = _as_array(y_true, "y_true", fn)
    p = _as_array(y_pred, "y_pred", fn)
    _check_lengths(t, p, fn)
    width = None
    if p.ndim == t.ndim + 1:
        width = p.shape[1]
        if p.shape[:1] + p.shape[2:] != t.shape:
            raise ValueError(
                f"{fn}: scores y_pred of shape {p.shape} (N, K, ...) need y_true of shape "
                f"{p.shape[:1] + p.shape[2:]}, got {t.shape}"
            )
        p = p.argmax(axis=1) if width > 1 else p[:, 0]
    elif p.shape != t.shape:
        raise ValueError(
            f"{fn}: y_pred must be a label map of y_true's shape {t.shape} or scores of shape "
            f"(N, K, ...) with the class axis 1, got shape {p.shape}"
        )
    t = t.reshape(-1)
    if not _is_whole(t):
        raise ValueError(
            f"{fn}: y_true must hold whole-number class labels, got non-integer values such as {t[t != np.round(t)][0]}"
        )
    t = t.astype(np.int64)
    p = p.reshape(-1)
    if p.dtype.kind == "f" and not _is_whole(p):
        p = ((p > 0.5) if np.all((p >= 0) & (p <= 1)) else (p > 0)).astype(np.int64)
    p = p.astype(np.int64)
    for name, labels in (("y_true", t), ("y_pred", p)):
        if labels.min() < 0:
            raise ValueError(f"{fn}: class labels must be 0, 1, ..., got {labels.min()} in {name}")
    largest = int(max(t.max(), p.max())) + 1
    if num_classes is None:
        num_classes = max(largest, width or 0, 2)
    elif check.integer(num_classes, "num_classes", fn, low=2) < largest:
        raise ValueError(
            f"{fn}: num_classes={num_classes} but the labels go up to {largest - 1}; "
            f"labels must be in [0, {num_classes})"
        )
    return t, p, int(num_classes)


def _overlap_score(
    y_true: Any,
    y_pred: Any,
    num_classes: Any,
    average: Any,
    include_background: Any,
    zero_division: Any,
    fn: str,
    jaccard: bool,
) -> Any:
    if average not in ("macro", None):
        raise ValueError(f"{fn}: average must be 'macro' or None (one value per class), got {average!r}")
    check.flag(include_background, "include_background", fn)
    if not check.is_number(zero_division):  # NaN allowed: it marks a class absent from both maps
        raise check.fail(fn, "zero_division", "a number", zero_division)
    t, p, k = _segmentation_labels(y_true, y_pred, num_classes, fn)
    counts = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    tp = np.diag(counts).astype(np.float64)
    fp_plus_fn = counts.sum(axis=0) + counts.sum(axis=1) - 2 * tp
    denominator = tp + fp_plus_fn if jaccard else 2 * tp + fp_plus_fn
    numerator = tp if jaccard else 2 * tp
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(denominator > 0, numerator / np.maximum(denominator, 1), float(zero_division))
    if average is None:
        return scores
    # The mean is over the classes that either map holds: one absent from both (a label value
    # between those used, as 1-254 of a 0/255 mask, or a class missing from this batch) has no
    # score to add, and counting it as zero_division lifted a prediction that misses everything.
    first = 0 if include_background else 1
    present = denominator[first:] > 0
    return float(scores[first:][present].mean()) if present.any() else float(zero_division)


def dice_score(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    average: str | None = "macro",
    include_background: bool = False,
    zero_division: float = 1.0,
) -> Any:
    r"""Dice score (F1) of hard segmentations, per class.

    With $P_c$ the predicted and $G_c$ the true pixels of class $c$:

    $$
    D_c = \frac{2 \lvert P_c \cap G_c \rvert}{\lvert P_c \rvert + \lvert G_c \rvert}
    = \frac{2\, TP_c}{2\, TP_c + FP_c + FN_c}
    $$

    The pixels of all images are pooled (the counts of every image added up), so $D_c$ equals
    scikit-learn's ``f1_score`` on the flattened label maps. By default the mean leaves the
    background (class 0) out: for a binary mask it is the Dice of the foreground.

    Args:
        y_true: label map of integers, any shape $(N, \dots)$, e.g. $(N, H, W)$ or $(N, D, H, W)$.
        y_pred: label map of the same shape; or scores with the class axis 1, $(N, K, \dots)$
            (argmax over axis 1) or $(N, 1, \dots)$ binary probabilities/logits, such as the
            output of a segmentation network.
        num_classes: $K$; by default the largest label + 1 (at least 2), or the scores' width.
        average: "macro" (default): the mean over the classes that ``y_true`` or ``y_pred``
            holds (as scikit-learn's default ``labels``: a 0/255 mask is one class, not 255); None:
            one score per class, an array of length $K$ (background included).
        include_background: include class 0 in the mean (default False).
        zero_division: the score of a class absent from both ``y_true`` and ``y_pred`` (default 1:
            nothing to find, nothing found), and the macro mean when no class is present.

    Returns:
        A float in $[0, 1]$, or an array of $K$ floats for ``average=None``.

    Raises:
        ValueError: shapes that do not match, labels out of range, or a bad option.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> truth = np.array([[[0, 1, 1], [0, 1, 0]]])
        >>> pred = np.array([[[0, 1, 0], [1, 1, 0]]])
        >>> round(dn.metrics.dice_score(truth, pred), 4)          # 2·2 / (3 + 3)
        0.6667
        >>> dn.metrics.dice_score(truth, pred, average=None).round(4).tolist()
        [0.6667, 0.6667]
    """
    return _overlap_score(
        y_true, y_pred, num_classes, average, include_background, zero_division, "dice_score", jaccard=False
    )


def iou(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    average: str | None = "macro",
    include_background: bool = False,
    zero_division: float = 1.0,
) -> Any:
    r"""Intersection over union (Jaccard index) of hard segmentations, per class.

    $$
    J_c = \frac{\lvert P_c \cap G_c \rvert}{\lvert P_c \cup G_c \rvert} = \frac{TP_c}{TP_c + FP_c + FN_c}
    = \frac{D_c}{2 - D_c}
    $$

    The same inputs and options as ``dice_score``; $J_c$ equals scikit-learn's ``jaccard_score``
    on the flattened label maps.

    Args:
        y_true: label map of integers, any shape $(N, \dots)$.
        y_pred: label map of the same shape, or scores $(N, K, \dots)$ or $(N, 1, \dots)$.
        num_classes: $K$; by default the largest label + 1 (at least 2), or the scores' width.
        average: "macro" (default): the mean over the classes that ``y_true`` or ``y_pred``
            holds; None: one score per class.
        include_background: include class 0 in the mean (default False).
        zero_division: the score of a class absent from both ``y_true`` and ``y_pred`` (default 1),
            and the macro mean when no class is present.

    Returns:
        A float in $[0, 1]$, or an array of $K$ floats for ``average=None``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> truth = np.array([[[0, 1, 1], [0, 1, 0]]])
        >>> pred = np.array([[[0, 1, 0], [1, 1, 0]]])
        >>> dn.metrics.iou(truth, pred)                            # 2 / 4
        0.5
    """
    return _overlap_score(y_true, y_pred, num_classes, average, include_background, zero_division, "iou", jaccard=True)


_REGISTRY.update(
    {
        "dice": dice_score,
        "dice_score": dice_score,
        "iou": iou,
        "jaccard": iou,
        "mean_iou": iou,
    }
)
__all__ += ["dice_score", "iou"]
