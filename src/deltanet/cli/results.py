"""What a finished training leaves besides its history: the model, the held-out results, the pictures.

``metrics.json`` holds the number of epochs, the last epoch's logs, the early-stopping point, the
task and class names, and the held-out results: the loss and metrics, and the confusion matrix of
a classifier or the MAE, RMSE and $R^2$ of a regression, with

$$
R^2 = 1 - \frac{\\sum_i (y_i - \\hat y_i)^2}{\\sum_i (y_i - \bar y)^2}.
$$

A regression's held-out true and predicted values go to ``test_predictions.csv`` (for the
report's scatter plot). Outputs become decisions as the loss reads them (``decide``): the softmax
of logits for class indices, the sigmoid of a logit for ``BCEWithLogitsLoss`` (``BCELoss``
already gets probabilities), the sign of a score for the hinge loss.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import functional as F
from deltanet.training import rundir


def decide(outputs: np.ndarray, kind: str, probabilities_given: bool = False) -> tuple[Any, Any]:
    """The class each output stands for, and the class probabilities, as the loss reads outputs.

    Args:
        outputs: the model's outputs, shape (N, ...).
        kind: the loss's target kind (``deltanet.losses.Loss.target_kind``).
        probabilities_given: the outputs are probabilities already (a model trained with
            ``BCELoss``), not logits.

    Returns:
        ``(labels, probabilities)``: labels (N,) and probabilities (N, C) for class indices, the
        probability of class 1 (N,) for a binary output; ``(None, None)`` when the outputs are
        not classes (regression, segmentation).

    Examples:
        >>> import numpy as np
        >>> from deltanet.cli.results import decide
        >>> labels, p = decide(np.array([[2.0, 0.0], [0.0, 1.0]]), "class_index")
        >>> labels.tolist(), p.round(3).tolist()
        ([0, 1], [[0.881, 0.119], [0.269, 0.731]])
    """
    flat = outputs.reshape(len(outputs), -1)
    if kind == "class_index" and outputs.ndim == 2 and outputs.shape[1] > 1:
        probabilities = F.softmax(dn.tensor(outputs), 1).array
        return probabilities.argmax(axis=1), probabilities
    if kind == "binary" and flat.shape[1] == 1:
        p = flat[:, 0] if probabilities_given else F.sigmoid(dn.tensor(flat[:, 0])).array
        return (p >= 0.5).astype(np.int64), p
    if kind == "sign" and flat.shape[1] == 1:
        return (flat[:, 0] > 0).astype(np.int64), None
    return None, None


def probabilities_given(loss: Any) -> bool:
    """Whether a model trained with ``loss`` outputs probabilities rather than logits (``BCELoss``).

    Args:
        loss: the loss class or module.
    """
    cls = loss if isinstance(loss, type) else type(loss)
    return issubclass(cls, dn.losses.BCELoss)


def held_out_results(
    model: Any, X: np.ndarray, y: np.ndarray, loss: Any, metrics: list[str], kind: str
) -> tuple[dict[str, Any], np.ndarray | None]:
    """Loss, metrics and the confusion matrix or regression errors on the held-out part.

    Args:
        model: the trained model.
        X: the preprocessed held-out samples.
        y: their targets.
        loss: the run's loss.
        metrics: the run's metric names.
        kind: the loss's target kind.

    Returns:
        The results, and for a regression the table of true and predicted values (N, 2k).
    """
    results: dict[str, Any] = {"samples": len(X), **dn.evaluate(model, X, y, loss=loss, metrics=metrics)}
    outputs = dn.predict(model, X)
    labels, _ = decide(outputs, kind, probabilities_given(loss))
    table = None
    if labels is not None and y.ndim == 1 and y.dtype.kind in "iu":
        truth = (y > 0).astype(np.int64) if kind == "sign" else y
        classes = outputs.shape[1] if kind == "class_index" else 2
        results["confusion_matrix"] = dn.metrics.confusion_matrix(truth, labels, num_classes=classes).tolist()
    elif kind in ("regression", "other") and y.dtype.kind == "f" and outputs.size == y.size:
        true, predicted = y.reshape(len(y), -1).astype(np.float64), outputs.reshape(len(y), -1).astype(np.float64)
        error = predicted - true
        total = float(((true - true.mean(axis=0)) ** 2).sum())
        results["regression"] = {
            "mae": float(np.abs(error).mean()),
            "rmse": float(math.sqrt((error**2).mean())),
            "r2": 1.0 - float((error**2).sum()) / total if total > 0 else math.nan,
        }
        table = np.concatenate([true, predicted], axis=1)
    return results, table


def _write_predictions(folder: Path, table: np.ndarray) -> None:
    k = table.shape[1] // 2
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["true", "predicted"] if k == 1 else [*(f"true {j}" for j in range(k)), *(f"predicted {j}" for j in range(k))]
    )
    for row in table:
        writer.writerow([repr(float(v)) for v in row])
    rundir.atomic_write_text(folder / rundir.TEST_PREDICTIONS, buffer.getvalue())


def _early_stopping(callbacks: list[Any]) -> dict[str, Any] | None:
    stopper = next((cb for cb in callbacks if isinstance(cb, dn.callbacks.EarlyStopping)), None)
    if stopper is None:
        return None
    # An EarlyStopping that saw no monitored epoch (start_from_epoch past the run) has no best
    # epoch and restored nothing; its best_epoch is its initial 0, not a finding.
    watched = math.isfinite(stopper.best)
    return {
        "monitor": stopper.monitor,
        "best_epoch": int(stopper.best_epoch) + 1 if watched else None,
        "stopped_epoch": int(stopper.stopped_epoch) + 1 if stopper.stopped_epoch else None,
        "restore_best_weights": bool(stopper.restore_best_weights),
    }


def write_results(
    folder: Path,
    cfg: dict[str, Any],
    prepared: Any,
    model: Any,
    training: Any,
    history: Any,
    say: Callable[..., None],
) -> dict[str, Any]:
    """Save the model, ``metrics.json`` (and ``test_predictions.csv``) and the learning curves.

    The report is written after the manifest marks the run complete (``deltanet.cli.train``): a
    page written before would say that the run did not finish.

    Args:
        folder: the run folder.
        cfg: the run's config.
        prepared: the run's data (``deltanet.cli.train.Prepared``).
        model: the trained model.
        training: the run's loss, optimizer, regularizer and callbacks.
        history: what ``fit`` returned.
        say: where progress lines go.

    Returns:
        The contents of ``metrics.json``.
    """
    dn.save(model, folder / rundir.MODEL)
    metrics: dict[str, Any] = {
        "epochs": cfg["epochs"],
        "epochs_run": len(history.epoch),
        "task": prepared.kind,
        "class_names": prepared.prep.class_names,
    }
    if history.epoch:
        metrics["final"] = {k: v[-1] for k, v in history.history.items()}
    stopping = _early_stopping(training.callbacks)
    if stopping is not None:
        metrics["early_stopping"] = stopping
    test = prepared.test()
    if test is not None:
        X, y = test
        results, table = held_out_results(model, X, y, training.loss, cfg["metrics"], prepared.kind)
        metrics["test"] = results
        if table is not None:
            _write_predictions(folder, table)
        shown = ", ".join(f"{k} {v:.4g}" for k, v in results.items() if isinstance(v, float))
        say(f"held-out test set ({len(test[0])} samples): {shown}")
    rundir.write_json(folder, rundir.METRICS, metrics)
    try:
        dn.plot.learning_curves(folder, path=folder / rundir.LEARNING_CURVES)
    except (ImportError, ValueError):
        pass  # matplotlib is optional (history.csv holds the numbers); no epoch, no curves
    return metrics


__all__ = ["decide", "held_out_results", "probabilities_given", "write_results"]
