r"""The numbers of a diagnostic test: sensitivity, specificity, and a per-class report.

A test that calls a sample positive or negative is judged by the four cells of its confusion
matrix (``binary_counts``): of the sick, the share it finds, and of the healthy, the share it
clears,

$$
\mathrm{sensitivity} = \frac{TP}{TP + FN}, \qquad \mathrm{specificity} = \frac{TN}{TN + FP},
$$

and, of those it calls positive, the share that are (precision, the positive predictive value,
$TP / (TP + FP)$). Sensitivity is recall under its clinical name. For a segmentation, pass the
flattened masks (``mask.ravel()``): every voxel is one decision.

``classification_report`` gives precision, recall (sensitivity), F1 and support per class, with
the accuracy and the macro and weighted means, laid out as scikit-learn's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.metrics.core import _labels_pair, _ratio, binary_counts


def sensitivity(y_true: Any, y_pred: Any, zero_division: float = 0.0) -> float:
    r"""Sensitivity (true-positive rate, recall): of the positive samples, the share found.

    $$
    \mathrm{sensitivity} = \frac{TP}{TP + FN}
    $$

    Args:
        y_true: labels 0 and 1, or one-hot rows.
        y_pred: labels or scores (read as ``deltanet.metrics`` says).
        zero_division: the value when there is no positive sample (default 0).

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.sensitivity([1, 1, 1, 0, 0], [1, 1, 0, 0, 1])
        0.6666666666666666
    """
    c = binary_counts(y_true, y_pred)
    return _ratio(c.tp, c.tp + c.fn, zero_division)


def specificity(y_true: Any, y_pred: Any, zero_division: float = 0.0) -> float:
    r"""Specificity (true-negative rate): of the negative samples, the share called negative.

    $$
    \mathrm{specificity} = \frac{TN}{TN + FP}
    $$

    Args:
        y_true: labels 0 and 1, or one-hot rows.
        y_pred: labels or scores (read as ``deltanet.metrics`` says).
        zero_division: the value when there is no negative sample (default 0).

    Returns:
        A float in $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> dn.metrics.specificity([1, 1, 1, 0, 0], [1, 1, 0, 0, 1])
        0.5
    """
    c = binary_counts(y_true, y_pred)
    return _ratio(c.tn, c.tn + c.fp, zero_division)


def _row(name: str, values: list[float], support: int, width: int, digits: int) -> str:
    cells = "".join(f" {v:>9.{digits}f}" for v in values)
    return f"{name:>{width}} {cells} {support:>9}"


def classification_report(
    y_true: Any,
    y_pred: Any,
    target_names: Any = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: float = 0.0,
) -> Any:
    r"""Precision, recall (sensitivity), F1 and support per class, as scikit-learn's report.

    For class $c$: precision $TP_c / (TP_c + FP_c)$, recall $TP_c / (TP_c + FN_c)$, F1 their
    harmonic mean, support the number of true samples of $c$. Then the accuracy, the macro mean
    (each class counts once) and the weighted mean (each class by its support). The classes are
    those that occur in ``y_true`` or ``y_pred``, in order.

    Args:
        y_true: class labels $(N,)$ or one-hot rows.
        y_pred: labels, or scores $(N, K)$ (argmax).
        target_names: a name per class (in label order), e.g. ``["benign", "malignant"]``.
        digits: decimals in the text (default 2).
        output_dict: return a dict (scikit-learn's keys: ``"precision"``, ``"recall"``,
            ``"f1-score"``, ``"support"``) instead of the text.
        zero_division: the value of a ratio whose denominator is 0 (default 0).

    Returns:
        The report as text, or the dict.

    Raises:
        ValueError: ``target_names`` of the wrong length, or bad inputs.

    Examples:
        >>> import deltanet as dn
        >>> print(dn.metrics.classification_report([0, 1, 1, 2, 2], [0, 1, 2, 2, 2], target_names=["a", "b", "c"]))
                      precision    recall  f1-score   support
        <BLANKLINE>
                   a       1.00      1.00      1.00         1
                   b       1.00      0.50      0.67         2
                   c       0.67      1.00      0.80         2
        <BLANKLINE>
            accuracy                           0.80         5
           macro avg       0.89      0.83      0.82         5
        weighted avg       0.87      0.80      0.79         5
    """
    fn = "classification_report"
    t, p = _labels_pair(y_true, y_pred, fn)
    labels = np.union1d(t, p)
    names = [str(label) for label in labels] if target_names is None else [str(n) for n in target_names]
    if len(names) != len(labels):
        raise ValueError(
            f"{fn}: target_names has {len(names)} names but the labels hold {len(labels)} classes {labels.tolist()}"
        )
    report: dict[str, Any] = {}
    rows = []
    for name, label in zip(names, labels):
        tp = int(np.sum((t == label) & (p == label)))
        predicted, actual = int(np.sum(p == label)), int(np.sum(t == label))
        precision = _ratio(tp, predicted, zero_division)
        recall = _ratio(tp, actual, zero_division)
        f1 = _ratio(2 * tp, predicted + actual, zero_division)
        report[name] = {"precision": precision, "recall": recall, "f1-score": f1, "support": actual}
        rows.append((precision, recall, f1, actual))
    values = np.array(rows, dtype=np.float64)
    support = values[:, 3]
    accuracy = float(np.mean(t == p))
    report["accuracy"] = accuracy
    for key, weights in (("macro avg", np.ones(len(values))), ("weighted avg", support)):
        means = (values[:, :3] * weights[:, None]).sum(axis=0) / weights.sum() if weights.sum() else np.zeros(3)
        report[key] = dict(zip(("precision", "recall", "f1-score"), means.tolist()), support=len(t))
    if output_dict:
        return report
    width = max(len("weighted avg"), digits, *(len(n) for n in names))
    header = f"{'':>{width}} " + "".join(f" {h:>9}" for h in ("precision", "recall", "f1-score", "support"))
    lines = [header, ""]
    for key in names:
        r = report[key]
        lines.append(_row(key, [r["precision"], r["recall"], r["f1-score"]], r["support"], width, digits))
    lines += ["", f"{'accuracy':>{width}} {'':>20} {accuracy:>9.{digits}f} {len(t):>9}"]
    for key in ("macro avg", "weighted avg"):
        r = report[key]
        lines.append(_row(key, [r["precision"], r["recall"], r["f1-score"]], r["support"], width, digits))
    return "\n".join(lines) + "\n"


__all__ = ["classification_report", "sensitivity", "specificity"]
