"""``deltanet predict RUN_DIR|MODEL --data SPEC [--output FILE.csv]``: one prediction per sample.

For a classifier: the class (by its name when the run knows the names) and the probability of
each class; for a binary output: the class and the probability of class 1; for a hinge loss: the
class; otherwise the output values. The outputs are turned into probabilities with
``deltanet.functional``'s softmax and sigmoid (``deltanet.cli.results.decide``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.cli.results import decide, probabilities_given
from deltanet.cli.runs import data_for, open_run
from deltanet.training import rundir


def _table(outputs: np.ndarray, kind: str, names: list[str] | None, given: bool) -> tuple[list[list[str]], Any]:
    """The CSV rows (header first) and the predictions returned."""
    labels, probabilities = decide(outputs, kind, given)
    if labels is None:
        flat = outputs.reshape(len(outputs), -1)
        header = [f"output {j}" for j in range(flat.shape[1])] if flat.shape[1] > 1 else ["prediction"]
        return [header, *([f"{v:.6g}" for v in row] for row in flat)], outputs
    count = outputs.shape[1] if probabilities is not None and probabilities.ndim == 2 else 2
    columns = names if names is not None and len(names) == count else [str(k) for k in range(count)]
    if probabilities is None:  # the sign of a score: no probability
        return [["prediction"], *([columns[k]] for k in labels)], labels
    if probabilities.ndim == 1:  # the probability of class 1
        rows = ([columns[k], f"{p:.6f}"] for k, p in zip(labels, probabilities))
        return [["prediction", f"p({columns[1]})"], *rows], labels
    rows = ([columns[k], *(f"{p:.6f}" for p in row)] for k, row in zip(labels, probabilities))
    return [["prediction", *(f"p({c})" for c in columns)], *rows], labels


def predict(
    model_path: Any, data: str, output: Any = None, say: Callable[..., None] = print, **options: Any
) -> np.ndarray:
    """``deltanet predict``: predictions as CSV, printed or written to ``output``.

    Args:
        model_path: a run folder or a ``.dnet`` file.
        data: a dataset name, a file or an MNIST folder (targets, if any, are left out).
        output: a CSV file to write (atomically) instead of printing.
        say: where the table (or the line about the file) goes.
        **options: ``target`` (the CSV column to leave out), ``x`` (NPZ member).

    Returns:
        The predicted labels, or the outputs when they are not classes.
    """
    run = open_run(model_path)
    dataset = data_for(data, run, options, for_prediction=True)
    outputs = dn.predict(run.load_model(), run.prep.apply(dataset.X))
    given = run.cfg is not None and probabilities_given(run.cfg["loss"]["class"])
    rows, result = _table(outputs, run.prep.task, run.prep.class_names, given)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    if output is not None:
        rundir.atomic_write_text(Path(output), buffer.getvalue())
        say(f"{len(outputs)} predictions for {data} written to {output}")
    else:
        say(buffer.getvalue(), end="")
    return result


__all__ = ["predict"]
