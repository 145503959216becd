"""``deltanet evaluate RUN_DIR|MODEL [--data SPEC]``: the loss and metrics of a trained model.

Without ``--data``, a run folder is scored on the rows it held out, after checking that they are
the rows it held out (``deltanet.cli.runs``); with ``--data``, on any labelled data, whose class
names are mapped through the run's. The run's own data file given as ``--data`` is scored as
asked, with a note on stderr that the score includes the training rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.cli.data import digest
from deltanet.cli.runs import OPTION_SOURCES, data_for, held_out_data, open_run, refused_option


def evaluate(
    model_path: Any, data: str | None = None, say: Callable[..., None] = print, **options: Any
) -> dict[str, float]:
    """``deltanet evaluate``: loss and metrics on labelled data; one line of results.

    Args:
        model_path: a run folder or a ``.dnet`` file.
        data: a dataset name, a file or an MNIST folder; None for the run's held-out part.
        say: where the result line goes.
        **options: ``target`` (CSV column), ``x``, ``y`` (NPZ members), ``loss`` (for a model file).

    Returns:
        ``{"loss": ..., metric: ...}``.
    """
    run = open_run(model_path)
    note = ""
    if data is None:
        for key in OPTION_SOURCES:
            if options.get(key) is not None:  # the held-out rows are read as the run read its data
                raise ValueError(refused_option(key, "the run's held-out rows (no --data)"))
        X, y, what = held_out_data(run)
    else:
        dataset = data_for(data, run, options, for_prediction=False)
        if dataset.y is None:
            raise ValueError(f"{data}: evaluation needs targets, and these data have none")
        X, y, what = dataset.X, np.asarray(dataset.y), data
        recorded = ((run.manifest or {}).get("data") or {}).get("sha256")
        if recorded is not None and digest(X, y, run.prep.class_names) == recorded:
            # A score on the rows it trained on is no test result: say so, so it is not reported as one.
            note = (
                f"deltanet: note: {data} is the data the run trained on, so this score includes its "
                f"training rows; 'deltanet evaluate {model_path}' alone scores the held-out rows"
            )
    cfg = run.cfg
    if cfg is not None:
        loss: Any = cfg["loss"]["class"](**cfg["loss"]["options"])
        metrics = cfg["metrics"]
    else:
        loss = options.get("loss") or "cross_entropy"
        metrics = ["accuracy"] if loss == "cross_entropy" else []
    result = dn.evaluate(run.load_model(), run.prep.apply(X), y, loss=loss, metrics=metrics)
    say(f"{what}: " + ", ".join(f"{k} {v:.4f}" for k, v in result.items()))
    if note:  # on stderr: the result line stays the one line a script reads
        print(note, file=sys.stderr)
    return result


__all__ = ["evaluate"]
