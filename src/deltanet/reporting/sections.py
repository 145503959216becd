"""The sections of the report, one function each, reading the run folder through ``rundir``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.reporting.figures import curves_with_best_epoch, gradient_heatmap, predicted_vs_true
from deltanet.reporting.html import Figures, escape, note, number, table
from deltanet.training import rundir
from deltanet.training.direction import known_mode
from deltanet.training.warnings_table import KINDS

KIND_TITLES = {kind: row.title for kind, row in KINDS.items()}  # the Monitor's table of warnings


def class_names(run_dir: Path) -> list[str] | None:
    """The run's class names (``deltanet train`` saves them), or None."""
    metrics = rundir.read_json(run_dir, rundir.METRICS) or {}
    names = metrics.get("class_names") if isinstance(metrics, dict) else None
    if names is None:
        prep = rundir.read_json(run_dir, rundir.PREPROCESSING) or {}
        names = prep.get("class_names") if isinstance(prep, dict) else None
    return [str(n) for n in names] if isinstance(names, list) and names else None


def lower_is_better(key: str) -> bool:
    """Whether a logged quantity (``loss``, ``val_mae``, ``accuracy``...) is better when lower: a
    loss or an error as ``training.direction`` reads the name (what early stopping's ``mode="auto"``
    reads), or the regularization ``penalty``; a name that says neither is taken as a score."""
    return key.removeprefix("val_") == "penalty" or known_mode(key) == "min"


def best_epoch(metrics: dict[str, Any], history: dict[str, list[float]]) -> tuple[int | None, str]:
    """The epoch to mark on the curves (from 1) and its legend: early stopping's best epoch, or
    the epoch of the lowest validation (else training) loss."""
    stopping = metrics.get("early_stopping") or {}
    if stopping.get("best_epoch"):
        restored = ", weights restored" if stopping.get("restore_best_weights") else ""
        return int(stopping["best_epoch"]), f"best epoch {stopping['best_epoch']} (early stopping{restored})"
    key = "val_loss" if "val_loss" in history else "loss"
    values = np.asarray(history.get(key, []), dtype=np.float64)
    if not len(values) or np.isnan(values).all():
        return None, ""
    index = int(np.nanargmin(values))
    epoch = int(history["epoch"][index]) if history.get("epoch") else index + 1
    return epoch, f"lowest {key}: epoch {epoch}"


def results_section(run_dir: Path, figures: Figures) -> str:
    """The held-out test set of ``deltanet train`` (``metrics.json``): nothing for other runs."""
    metrics = rundir.read_json(run_dir, rundir.METRICS)
    if not isinstance(metrics, dict):
        return ""
    parts = ["<h2>Held-out test set</h2>"]
    test = metrics.get("test")
    names = class_names(run_dir)
    epochs = f"Training ran {number(metrics.get('epochs_run'))} of {number(metrics.get('epochs'))} epochs"
    stopping = metrics.get("early_stopping") or {}
    if stopping.get("stopped_epoch"):
        epochs += f"; early stopping on {stopping.get('monitor')} stopped it at epoch {stopping['stopped_epoch']}"
    if stopping.get("best_epoch"):
        epochs += f"; the best epoch was {stopping['best_epoch']}"
        epochs += " (its weights were restored)" if stopping.get("restore_best_weights") else ""
    if not isinstance(test, dict):
        return "".join(parts) + note(f"{epochs}. The run held out no test data (data.test_split = 0).")
    scores = {k: v for k, v in test.items() if isinstance(v, (int, float)) and k != "samples"}
    shown = ", ".join(f"{k} {number(float(v))}" for k, v in scores.items())
    parts.append(
        f'<div class="result">On the {escape(number(test.get("samples")))} held-out samples: {escape(shown)}.</div>'
    )
    parts.append(f"<p>{escape(epochs)}.</p>")
    if names:
        parts.append(f"<p>Classes: {escape(', '.join(f'{k} = {name}' for k, name in enumerate(names)))}.</p>")
    matrix = test.get("confusion_matrix")
    if matrix:
        labels = names if names and len(names) == len(matrix) else None
        parts.append(
            figures.render(
                "held-out confusion matrix",
                lambda plot: plot.confusion_matrix(np.asarray(matrix), class_names=labels, title="held-out test set"),
            )
        )
        if figures.plot is None:  # no picture: the counts as a table (rows: true class, columns: predicted)
            heads = labels or [str(k) for k in range(len(matrix))]
            rows = [[f"true {h}", *counts] for h, counts in zip(heads, matrix, strict=True)]
            parts.append(table(["", *(f"predicted {h}" for h in heads)], rows, set(range(1, len(heads) + 1))))
    regression = test.get("regression")
    if isinstance(regression, dict):
        rows = [
            ["MAE (mean absolute error)", regression.get("mae")],
            ["RMSE (root mean squared error)", regression.get("rmse")],
        ]
        rows.append(["R² (1 - residual / total sum of squares)", regression.get("r2")])
        parts.append(table(["regression error", "value"], rows, {1}))
        predictions = rundir.read_table(run_dir, rundir.TEST_PREDICTIONS)
        if predictions is not None and len(predictions[1]):
            k = predictions[1].shape[1] // 2
            true, predicted = predictions[1][:, :k], predictions[1][:, k:]
            parts.append(figures.render("predicted vs true", lambda plot: predicted_vs_true(true, predicted)))
    return "".join(parts)


def warnings_section(run_dir: Path) -> str:
    """The Monitor's warnings with their advice."""
    events = rundir.read_json(run_dir, rundir.WARNINGS)
    parts = ["<h2>Warnings and advice</h2>"]
    if events is None:
        if (run_dir / rundir.LAYERS).exists() or (run_dir / rundir.SUMMARY).exists():
            parts.append('<div class="ok">The Monitor watched this run and found nothing wrong.</div>')
        else:
            parts.append(note("No Monitor record in this run folder (fit(..., monitor=False)?)."))
        return "".join(parts)
    if not events:
        parts.append('<div class="ok">The Monitor watched this run and found nothing wrong.</div>')
    for event in events:
        kind = str(event.get("kind", ""))
        where = []
        if event.get("epoch") is not None:
            where.append(f"epoch {event['epoch']}")
        if event.get("layer") is not None:
            where.append(f"layer {event['layer']}")
        parts.append(
            f'<div class="warning {escape(kind)}"><span class="kind">{escape(KIND_TITLES.get(kind, kind))}</span>'
            f"{' · ' + escape(', '.join(where)) if where else ''}"
            f"<div>{escape(event.get('message', ''))}</div>"
            f'<div class="advice">What to try: {escape(event.get("advice", ""))}</div></div>'
        )
    return "".join(parts)


def curves_section(run_dir: Path, history: dict[str, list[float]], figures: Figures) -> str:
    """The learning curves with the best epoch marked, and a table of last and best values."""
    parts = ["<h2>Learning curves</h2>"]
    if not history:
        return parts[0] + note(f"No {rundir.HISTORY} in this run folder.")
    if not history.get("epoch"):
        return parts[0] + note("No epoch finished.")
    metrics = rundir.read_json(run_dir, rundir.METRICS)
    best, label = best_epoch(metrics if isinstance(metrics, dict) else {}, history)
    parts.append(figures.render("learning curves", lambda plot: curves_with_best_epoch(run_dir, best, label)))
    if best is not None:
        parts.append(f"<p>The dotted line marks the {escape(label)}.</p>")
    last = {k: v[-1] for k, v in history.items() if k != "epoch" and v}
    rows = [
        [k, v, float(np.nanmin(history[k])) if lower_is_better(k) else float(np.nanmax(history[k]))]
        for k, v in last.items()
        if not all(math.isnan(x) for x in history[k])
    ]
    parts.append(table(["quantity", "last epoch", "best (lowest loss or error, highest score)"], rows, {1, 2}))
    return "".join(parts)


LAYER_HEADER = ["layer", "type", "gradient norm", "weight norm", "mean", "std", "fraction 0", "fraction saturated"]
LAYER_KEYS = ["layer", "type", "grad_norm", "weight_norm", "act_mean", "act_std", "fraction_zero", "fraction_saturated"]


def layers_section(run_dir: Path, figures: Figures) -> str:
    """The gradient flow (a heat map of layers x epochs) and the last per-layer statistics."""
    rows = rundir.read_layers(run_dir)
    parts = ["<h2>Gradient flow and layer statistics</h2>"]
    if not rows:
        return parts[0] + note(f"No per-layer statistics ({rundir.LAYERS}) in this run folder.")
    if any(r.get("grad_norm") is not None for r in rows):
        parts.append(figures.render("gradient flow", lambda plot: gradient_heatmap(rows)))
        parts.append(
            "<p>Each row is a layer, each column a probed epoch; a gradient that fades by orders of magnitude "
            "towards the top (the input side) is a vanishing gradient, a grey cell a gradient of exactly 0.</p>"
        )
    last_epoch = max(r["epoch"] for r in rows)
    last = [r for r in rows if r["epoch"] == last_epoch]
    parts.append(
        f"<p>Per layer at epoch {last_epoch} (the activation statistics on the probe samples, in evaluation mode):</p>"
    )
    body = [[r[k] for k in LAYER_KEYS] + [r["dead_fraction"]] for r in last]
    parts.append(table([*LAYER_HEADER, "dead units"], body, set(range(2, 9))))
    return "".join(parts)


def evaluation_section(run_dir: Path, figures: Figures) -> str:
    """The Monitor's confusion matrix on the validation data, or its segmentation examples."""
    evaluation = rundir.read_json(run_dir, rundir.EVALUATION)
    if not evaluation:
        return ""
    task = evaluation.get("task")
    if task == "classification":
        matrix = evaluation["confusion_matrix"]
        names = class_names(run_dir)
        labels = names if names and len(names) == len(matrix) else None
        return "".join(
            [
                "<h2>Confusion matrix</h2>",
                f"<p>On {escape(number(evaluation.get('samples')))} {escape(evaluation.get('data', ''))} samples "
                f"after training; accuracy {escape(number(evaluation.get('accuracy')))}.</p>",
                figures.render("confusion matrix", lambda plot: plot.confusion_matrix(matrix, class_names=labels)),
            ]
        )
    if task == "segmentation":
        parts = ["<h2>Segmentation examples</h2>"]
        data = rundir.read_npz(run_dir, rundir.SEGMENTATION)
        if data is None:
            return parts[0] + note(f"{rundir.SEGMENTATION} is missing.")
        image, label, prediction = data["image"], data["label"], data["prediction"]
        parts.append(
            f"<p>{len(image)} {escape(evaluation.get('data', ''))} samples: the image, the label, the prediction.</p>"
        )
        for i in range(len(image)):
            parts.append(
                figures.render(
                    f"segmentation example {i + 1}",
                    lambda plot, i=i: plot.segmentation_overlay(image[i], label[i], prediction[i]),
                )
            )
        return "".join(parts)
    return ""


def summary_section(run_dir: Path, config: dict[str, Any]) -> str:
    """The model summary (layers, output shapes, parameters) and the model's repr."""
    summary = rundir.read_json(run_dir, rundir.SUMMARY)
    parts = ["<h2>Model</h2>"]
    if summary:

        def shape(s: Any) -> str:
            return "-" if s is None else "(" + ", ".join(["N", *map(str, s)]) + ")"

        layers = summary.get("layers", [])
        rows = [
            [layer["name"] or "(model)", layer["type"], shape(layer["output_shape"]), int(layer["params"])]
            for layer in layers
        ]
        parts.append(table(["layer", "type", "output shape", "parameters"], rows, {3}))
        parts.append(
            f"<p>Total parameters: <b>{escape(number(int(summary.get('total_params', 0))))}</b> "
            f"(trainable {escape(number(int(summary.get('trainable_params', 0))))}).</p>"
        )
    if config.get("model"):
        parts.append(f"<pre>{escape(config['model'])}</pre>")
    if len(parts) == 1:
        parts.append(note("No model summary in this run folder."))
    return "".join(parts)


def _flatten(config: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            items += _flatten(value, name + ".")
        elif isinstance(value, list):
            items.append((name, ", ".join(map(str, value)) if value else "[]"))
        else:
            items.append((name, value))
    return items


def hyperparameters_section(config: dict[str, Any]) -> str:
    """``fit``'s settings (``config.json``), one row per setting."""
    if not config:
        return "<h2>Hyperparameters</h2>" + note(f"No {rundir.CONFIG} in this run folder.")
    rows = [[k, "None" if v is None else v] for k, v in _flatten({k: v for k, v in config.items() if k != "model"})]
    return "<h2>Hyperparameters</h2>" + table(["setting", "value"], rows)
