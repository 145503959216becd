"""What the run folder records about the trained model's predictions, for the report.

After training the ``Monitor`` writes, from the validation data (or, without them, from its probe
of the training data):

- for a classifier (labels of shape (N,), outputs (N, C) with C >= 2): the confusion matrix and
  the accuracy, in ``rundir.EVALUATION``;
- for a segmentation network (label maps (N, ...), outputs (N, C, ...)): the first four images,
  label maps and predicted maps in ``rundir.SEGMENTATION``, and the task in ``rundir.EVALUATION``.

Other tasks (regression, real-valued targets) get nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from deltanet.training import layerstats, rundir
from deltanet.training.evaluation import forward_in_batches

# Segmentation examples kept for the report.
SEGMENTATION_EXAMPLES = 4


def write_evaluation(model: Any, folder: Path, X: np.ndarray, y: np.ndarray, which: str) -> None:
    """Write the evaluation files of ``model`` on ``(X, y)`` into the run folder (see the module docstring).

    Args:
        model: the trained network (run in evaluation mode, without a graph).
        folder: the run folder.
        X: the samples.
        y: integer class labels (N,) or label maps (N, ...); other targets are skipped.
        which: which data they are, for the record (``"validation"``, ``"training (probe)"``).
    """
    if y.dtype.kind not in "iu":
        return
    with layerstats.run_in_eval(model):
        if y.ndim == 1:
            _write_classification(model, folder, X, y, which)
        elif y.ndim >= 2:
            _write_segmentation(model, folder, X, y, which)


def _write_classification(model: Any, folder: Path, X: np.ndarray, y: np.ndarray, which: str) -> None:
    out = forward_in_batches(model, X, 256)
    if out.ndim != 2 or out.shape[1] < 2:
        return
    from deltanet.metrics import confusion_matrix

    matrix = confusion_matrix(y, out.argmax(axis=1), num_classes=out.shape[1])
    rundir.write_json(
        folder,
        rundir.EVALUATION,
        {
            "task": "classification",
            "data": which,
            "samples": int(len(y)),
            "confusion_matrix": matrix.tolist(),
            "accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
        },
    )


def _write_segmentation(model: Any, folder: Path, X: np.ndarray, y: np.ndarray, which: str) -> None:
    k = min(SEGMENTATION_EXAMPLES, len(X))
    out = forward_in_batches(model, X[:k], None)
    if out.ndim != y.ndim + 1 or out.shape[2:] != y.shape[1:]:
        return
    # One output channel is a binary segmentation from logits: foreground where z > 0.
    prediction = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0)
    np.savez_compressed(folder / rundir.SEGMENTATION, image=X[:k], label=y[:k], prediction=prediction.astype(np.int64))
    rundir.write_json(folder, rundir.EVALUATION, {"task": "segmentation", "data": which, "samples": int(k)})


__all__ = ["SEGMENTATION_EXAMPLES", "write_evaluation"]
