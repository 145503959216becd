r"""Metrics of scores, before any threshold: the ROC curve and its area, precision-recall and
average precision.

A classifier's score $s$ (a probability or a logit) becomes a decision only at a threshold $t$:
"positive" where $s \ge t$. Moving $t$ from $+\infty$ down traces the ROC curve, true-positive rate
against false-positive rate,

$$
\mathrm{TPR}(t) = \frac{TP(t)}{P}, \qquad \mathrm{FPR}(t) = \frac{FP(t)}{N},
$$

and its area (AUC) is the probability that a random positive scores higher than a random negative
(ties count one half). Where positives are rare (a screening test), the precision-recall curve
says more, and its summary is the average precision

$$
\mathrm{AP} = \sum_n (R_n - R_{n-1})\, P_n,
$$

the precision $P_n$ at each threshold weighted by the recall $R_n$ it adds (no interpolation:
scikit-learn's ``average_precision_score``). Both equal scikit-learn's to rounding.

Scores: $(N,)$ or $(N, 1)$ for a binary problem (larger = more likely class 1), or $(N, K)$ with one
column per class; then each class is scored one-vs-rest and the areas are averaged (``"macro"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.metrics.core import _as_array, _check_lengths, _is_whole


def _binary_inputs(y_true: Any, scores: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0/1 and one score per sample; (N, 2) scores give the class-1 column."""
    t = _as_array(y_true, "y_true", fn)
    s = _as_array(scores, "y_score", fn).astype(np.float64)
    _check_lengths(t, s, fn)
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1:
        raise ValueError(f"{fn}: binary scores must be (N,), (N, 1) or (N, 2), got shape {s.shape}")
    t = t.reshape(len(t), -1)
    t = t.argmax(axis=1) if t.shape[1] > 1 else t[:, 0]
    if not _is_whole(t) or not np.isin(t, (0, 1)).all():
        raise ValueError(f"{fn}: y_true must hold the labels 0 and 1, got values {np.unique(t)[:5].tolist()}")
    return t.astype(np.int64), s


def _counts_by_threshold(t: np.ndarray, s: np.ndarray, fn: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives when every distinct score is the threshold, from the highest down."""
    if t.min() == t.max():
        raise ValueError(f"{fn}: y_true holds only class {int(t[0])}; the curve needs positive and negative samples")
    order = np.argsort(-s, kind="stable")
    s, t = s[order], t[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # where a run of equal scores ends
    tps = np.cumsum(t)[last_of_each]
    fps = (last_of_each + 1) - tps
    return tps, fps, s[last_of_each]


def roc_curve(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The ROC curve of binary scores: false-positive rate, true-positive rate and thresholds.

    The first point is $(0, 0)$ at threshold $+\infty$, then one point per distinct score, from the
    highest down (every point kept: scikit-learn's ``drop_intermediate=False``).

    Args:
        y_true: labels 0 and 1, $(N,)$ (or one-hot rows).
        y_score: scores $(N,)$, $(N, 1)$ or $(N, 2)$ (the class-1 column): larger means class 1.

    Returns:
        ``(fpr, tpr, thresholds)``, float arrays of equal length.

    Raises:
        ValueError: labels other than 0/1, only one class present, or mismatched lengths.

    Examples:
        >>> import deltanet as dn
        >>> fpr, tpr, thresholds = dn.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    return _roc(y_true, y_score, "roc_curve")


def _roc(y_true: Any, y_score: Any, fn: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, s = _binary_inputs(y_true, y_score, fn)
    tps, fps, thresholds = _counts_by_threshold(t, s, fn)
    fpr = np.r_[0.0, fps / fps[-1]]
    tpr = np.r_[0.0, tps / tps[-1]]
    return fpr, tpr, np.r_[np.inf, thresholds]


def precision_recall_curve(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Precision and recall at every threshold, as scikit-learn orders them.

    Thresholds increase; ``precision`` and ``recall`` have one more entry, the point
    $(R, P) = (0, 1)$ that ends the curve.

    Args:
        y_true: labels 0 and 1, $(N,)$ (or one-hot rows).
        y_score: scores $(N,)$, $(N, 1)$ or $(N, 2)$: larger means class 1.

    Returns:
        ``(precision, recall, thresholds)``.

    Examples:
        >>> import deltanet as dn
        >>> p, r, t = dn.metrics.precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> p.round(3).tolist(), r.tolist(), t.tolist()
        ([0.5, 0.667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])
    """
    return _precision_recall(y_true, y_score, "precision_recall_curve")


def _precision_recall(y_true: Any, y_score: Any, fn: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, s = _binary_inputs(y_true, y_score, fn)
    tps, fps, thresholds = _counts_by_threshold(t, s, fn)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def _one_vs_rest(y_true: Any, y_score: Any, average: Any, fn: str, binary: Any) -> Any:
    if average not in ("macro", None):
        raise ValueError(f"{fn}: average must be 'macro' or None (one value per class), got {average!r}")
    s = _as_array(y_score, "y_score", fn)
    if s.ndim == 2 and s.shape[1] > 2:
        t = _as_array(y_true, "y_true", fn)
        _check_lengths(t, s, fn)
        labels = t.argmax(axis=1) if t.ndim == 2 and t.shape[1] > 1 else t.reshape(-1)
        if not _is_whole(labels) or labels.min() < 0 or labels.max() >= s.shape[1]:
            raise ValueError(
                f"{fn}: y_true must hold class labels 0 to {s.shape[1] - 1} for {s.shape[1]} score columns"
            )
        absent = [k for k in range(s.shape[1]) if not (labels == k).any()]
        if absent:
            raise ValueError(f"{fn}: class(es) {absent} have no sample in y_true; one-vs-rest needs every class")
        per_class = np.array([binary((labels == k).astype(np.int64), s[:, k], fn) for k in range(s.shape[1])])
        return per_class if average is None else float(per_class.mean())
    return binary(y_true, y_score, fn)


def _binary_roc_auc(y_true: Any, y_score: Any, fn: str) -> float:
    fpr, tpr, _ = _roc(y_true, y_score, fn)
    return float(np.trapezoid(tpr, fpr))


def _binary_average_precision(y_true: Any, y_score: Any, fn: str) -> float:
    precision, recall, _ = _precision_recall(y_true, y_score, fn)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def roc_auc(y_true: Any, y_score: Any, average: str | None = "macro") -> float:
    r"""The area under the ROC curve: the chance that a positive scores above a negative.

    $$
    \mathrm{AUC} = \int_0^1 \mathrm{TPR}\; d\,\mathrm{FPR}
    = P(s_{+} > s_{-}) + \tfrac{1}{2} P(s_{+} = s_{-})
    $$

    0.5 is guessing, 1 a perfect ranking. With $K > 2$ score columns: one-vs-rest per class, then
    the mean (scikit-learn's ``roc_auc_score(multi_class="ovr")``).

    Args:
        y_true: labels (0/1, or 0 to $K - 1$), or one-hot rows.
        y_score: scores $(N,)$, $(N, 1)$, $(N, 2)$, or $(N, K)$ one column per class.
        average: "macro" (the mean over classes) or None (one area per class; $K > 2$ only).

    Returns:
        A float in $[0, 1]$ (an array of $K$ for ``average=None``).

    Raises:
        ValueError: only one class present in ``y_true`` (the area is not defined), bad labels,
            mismatched lengths.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
    """
    return _one_vs_rest(y_true, y_score, average, "roc_auc", _binary_roc_auc)


def pr_auc(y_true: Any, y_score: Any, average: str | None = "macro") -> float:
    r"""The area under the precision-recall curve, as average precision $\sum_n (R_n - R_{n-1}) P_n$.

    This is scikit-learn's ``average_precision_score`` (a step sum, not the trapezoid rule, which
    overestimates). A random ranking scores the share of positives; a perfect one 1.

    Args:
        y_true: labels (0/1, or 0 to $K - 1$), or one-hot rows.
        y_score: scores $(N,)$, $(N, 1)$, $(N, 2)$, or $(N, K)$ one column per class.
        average: "macro" (the mean over classes, one-vs-rest) or None (one value per class).

    Returns:
        A float in $[0, 1]$ (an array of $K$ for ``average=None``).

    Raises:
        ValueError: no positive (or no negative) sample, bad labels, mismatched lengths.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.metrics.pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
        0.8333
    """
    return _one_vs_rest(y_true, y_score, average, "pr_auc", _binary_average_precision)


__all__ = ["pr_auc", "precision_recall_curve", "roc_auc", "roc_curve"]
