r"""Metrics: numbers that say how good a model is, computed in NumPy outside the graph.

**Why accuracy is a metric and not a loss** ([de Back 2018]: "do not use accuracy as a loss
function!"). Accuracy counts correct argmax decisions, so it is a step function of the weights: a
small change of $w$ leaves every decision, and so the accuracy, unchanged, and its gradient is 0
almost everywhere (and undefined where a decision flips). Backpropagation gets no error signal
$\delta$ from it. It is also crude: the seeds' cats-and-dogs table has two networks with the same
classification error 1/3, though the first is confident where it is right and only mildly wrong
where it errs (cross-entropy 0.38), while the second hesitates where it is right and is
confidently wrong where it errs (1.06); and it hides class imbalance (99 % accuracy by always
answering "healthy" when 1 % are sick). So a network is *trained* on a smooth loss (cross-entropy, MSE) and
*judged* with metrics like these; precision, recall and F1 (from the confusion matrix) tell what
accuracy hides.

Predictions may be given as class labels or as scores, which are turned into labels as follows:

- integer (or bool) arrays are labels;
- an $(N, K)$ array with $K > 1$ is a score matrix (probabilities or logits): label = argmax per
  row;
- an $(N,)$ or $(N, 1)$ float array whose values are all whole numbers is labels;
- any other $(N,)$ or $(N, 1)$ float array holds binary scores: probabilities if every value is in
  $[0, 1]$ (class 1 where $p > 0.5$), logits otherwise (class 1 where $z > 0$).

Targets may be labels or one-hot / probability rows (argmax per row).

| name for ``get`` | function |
|---|---|
| ``"accuracy"``, ``"acc"`` | ``accuracy`` |
| ``"error"``, ``"classification_error"`` | ``classification_error`` |
| ``"mse"``, ``"mean_squared_error"`` | ``mean_squared_error`` |
| ``"mae"``, ``"mean_absolute_error"`` | ``mean_absolute_error`` |
| ``"precision"``, ``"recall"``, ``"f1"`` | binary ``precision``, ``recall``, ``f1`` |
| ``"dice"``, ``"dice_score"`` | ``dice_score`` (segmentation) |
| ``"iou"``, ``"jaccard"``, ``"mean_iou"`` | ``iou`` (segmentation) |
| ``"sensitivity"``, ``"specificity"`` | binary ``sensitivity``, ``specificity`` |
| ``"roc_auc"`` | ``roc_auc`` (scores) |
| ``"pr_auc"``, ``"average_precision"`` | ``pr_auc`` (scores) |

What clinicians and papers report, besides:

- ``sensitivity`` and ``specificity``, and ``classification_report`` (precision, recall, F1 and
  support per class, as scikit-learn's) in ``deltanet.metrics.clinical``;
- ``roc_curve``, ``roc_auc``, ``precision_recall_curve``, ``pr_auc`` (scores before a threshold) in
  ``deltanet.metrics.ranking``;
- ``hausdorff_distance`` (maximum, or HD95 with ``percentile=95``), ``average_surface_distance``
  and ``surface_distances``, in mm with the voxel spacing, in ``deltanet.metrics.surface``
  (SciPy);
- Dice per class: ``dice_score(..., average=None)``;
- ``psnr`` and ``ssim`` (Wang et al. 2004) for image enhancement, in ``deltanet.metrics.image``.
"""

from __future__ import annotations

from deltanet.metrics.clinical import classification_report, sensitivity, specificity
from deltanet.metrics.core import (
    _REGISTRY,
    BinaryCounts,
    accuracy,
    binary_counts,
    classification_error,
    confusion_matrix,
    dice_score,
    f1,
    get,
    iou,
    mean_absolute_error,
    mean_squared_error,
    precision,
    recall,
)
from deltanet.metrics.image import psnr, ssim
from deltanet.metrics.ranking import pr_auc, precision_recall_curve, roc_auc, roc_curve
from deltanet.metrics.surface import average_surface_distance, hausdorff_distance, surface_distances

_REGISTRY.update(
    {
        "sensitivity": sensitivity,
        "specificity": specificity,
        "roc_auc": roc_auc,
        "pr_auc": pr_auc,
        "average_precision": pr_auc,
    }
)

__all__ = [
    "psnr",
    "ssim",
    "BinaryCounts",
    "accuracy",
    "average_surface_distance",
    "binary_counts",
    "classification_error",
    "classification_report",
    "confusion_matrix",
    "dice_score",
    "f1",
    "get",
    "hausdorff_distance",
    "iou",
    "mean_absolute_error",
    "mean_squared_error",
    "pr_auc",
    "precision",
    "precision_recall_curve",
    "recall",
    "roc_auc",
    "roc_curve",
    "sensitivity",
    "specificity",
    "surface_distances",
]
