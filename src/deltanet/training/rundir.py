"""The run folder: what ``fit(..., run_dir=...)`` leaves on disk for later reading.

- ``config.json``: the settings of the run (written before the first epoch);
- ``history.csv``: one row per epoch, one column per logged quantity (written when training
  ends, also when it ends by an error).

The ``Monitor`` callback adds:

- ``layers.csv``: per-layer gradient and activation statistics, one row per layer and probed
  epoch (columns ``LAYER_COLUMNS``; appended and flushed at each probe, as Keras's
  ``CSVLogger`` does, so that a run that crashes keeps its rows);
- ``warnings.json``: the Monitor's warnings, each with its advice;
- ``summary.json``: the model summary (layers, output shapes, parameter counts);
- ``evaluation.json``: the confusion matrix of a classifier after training, and
  ``segmentation.npz``: a few images, labels and predictions of a segmentation network.

JSON files and ``history.csv`` are written atomically (a temporary file in the same folder,
fsync, ``os.replace``), so a reader never sees half a file. The readers below are what the plots
and the HTML report use; they never unpickle (``allow_pickle=False``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any


# Every file of a run folder, named once. ``fit``, the ``Monitor``, the report and the command
# line read and write them through these names.
CONFIG = "config.json"  # fit's settings
HISTORY = "history.csv"  # one row per epoch
LAYERS = "layers.csv"  # the Monitor's per-layer statistics
WARNINGS = "warnings.json"  # the Monitor's warnings
SUMMARY = "summary.json"  # the model summary
EVALUATION = "evaluation.json"  # the confusion matrix after training
SEGMENTATION = "segmentation.npz"  # sample images, labels and predictions of a segmentation net
REPORT = "report.html"  # the HTML training report
# Written by ``deltanet train``:
CONFIG_TOML = "config.toml"  # the config file as given
RUN = "run.json"  # where the data came from
PREPROCESSING = "preprocessing.json"  # standardization, class names, task
SPLIT = "split.json"  # which rows were held out
MODEL = "model.dnet"  # the trained model
METRICS = "metrics.json"  # the held-out results
LEARNING_CURVES = "learning_curves.png"  # the curves as a picture


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file is either the old one or the whole new one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def prepare(run_dir: Any) -> Path:
    """Create the run folder (and its parents) if needed; refuse a path that is a file."""
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"run_dir must be a folder, got the existing file {str(path)!r}")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item") and getattr(value, "size", 2) == 1:  # NumPy scalars
        return value.item()
    return repr(value)


def write_config(path: Path, config: dict[str, Any]) -> None:
    """``config.json`` with the run's settings (values that are not JSON become their repr)."""
    atomic_write_text(path / CONFIG, json.dumps(_jsonable(config), indent=2) + "\n")


def write_json(path: Path, name: str, obj: Any) -> None:
    """``name`` (a JSON file in the run folder) holding ``obj``, written atomically."""
    atomic_write_text(Path(path) / name, json.dumps(_jsonable(obj), indent=2) + "\n")


#: The columns of ``layers.csv``: statistics that do not apply to a layer are left empty.
LAYER_COLUMNS = (
    "epoch",
    "layer",
    "type",
    "grad_norm",
    "weight_norm",
    "act_mean",
    "act_std",
    "fraction_zero",
    "fraction_saturated",
    "dead_fraction",
)


def append_layer_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append rows (dicts keyed by ``LAYER_COLUMNS``) to ``layers.csv``, with the header
    first if the file is new or empty."""
    target = Path(path) / LAYERS
    new = not target.exists() or target.stat().st_size == 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if new:
        writer.writerow(LAYER_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                "" if row.get(c) is None else (repr(float(row[c])) if isinstance(row[c], float) else row[c])
                for c in LAYER_COLUMNS
            ]
        )
    with open(target, "a", encoding="utf-8", newline="") as f:
        f.write(buffer.getvalue())
        f.flush()


def _float(text: str) -> float | None:
    return None if text == "" else float(text)


def read_history(path: Any) -> dict[str, list[float]]:
    """``history.csv`` as ``{"epoch": [1, 2, ...], "loss": [...], ...}`` (missing values NaN);
    an empty dict when the file is absent."""
    target = Path(path) / HISTORY
    if not target.exists():
        return {}
    with open(target, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    out: dict[str, list[float]] = {key: [] for key in header}
    for row in body:
        for key, text in zip(header, row + [""] * (len(header) - len(row))):
            value = _float(text)
            out[key].append(float("nan") if value is None else value)
    return out


def read_layers(path: Any) -> list[dict[str, Any]]:
    """``layers.csv`` as a list of dicts (numbers as floats, ``epoch`` as int, empty as None);
    an empty list when the file is absent."""
    target = Path(path) / LAYERS
    if not target.exists():
        return []
    with open(target, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = []
        for row in reader:
            if row.get("epoch") in (None, "", "epoch"):
                continue
            parsed: dict[str, Any] = {"epoch": int(row["epoch"]), "layer": row["layer"], "type": row["type"]}
            for key in LAYER_COLUMNS[3:]:
                parsed[key] = _float(row.get(key) or "")
            rows.append(parsed)
    return rows


def read_json(path: Any, name: str, default: Any = None) -> Any:
    """A JSON file of the run folder, or ``default`` when it is absent."""
    target = Path(path) / name
    if not target.exists():
        return default
    with open(target, encoding="utf-8") as f:
        return json.load(f)


def write_history(path: Path, epochs: list[int], history: dict[str, list[float]]) -> None:
    """``history.csv``: a column ``epoch`` (from 1) and one column per logged quantity."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = list(history)
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(epochs):
        writer.writerow([epoch + 1, *(repr(float(history[k][i])) if i < len(history[k]) else "" for k in keys)])
    atomic_write_text(path / HISTORY, buffer.getvalue())
