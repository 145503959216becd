"""Opening a run for ``evaluate`` and ``predict``: refuse what is not consistent, find the data.

A run folder is used only when its manifest says the run is complete and every file it lists
still has its recorded SHA-256 (``deltanet.training.rundir``). Its held-out rows are used only
when their content still has the digest recorded at training: an edited, reordered or replaced
data file is an error, never a silent score on other rows. Class labels of other data are mapped
through the run's class names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.cli.config import DATASETS, read_config
from deltanet.cli.data import LABEL_KINDS, Data, Preprocessing, digest, held_out, load_data, relabel
from deltanet.training import rundir
from deltanet.training.rundir import RunFolderError

#: The options of ``--data`` (``evaluate``, ``predict``) that only some sources read, with the
#: sources that read them: given with another source, they would be ignored, so they are refused
#: (as ``deltanet.cli.config`` refuses the same keys in a config's ``[data]`` table).
OPTION_SOURCES = {"target": ("csv",), "x": ("npz",), "y": ("npz",)}

#: The ``[data]`` keys a bare model file is read with (it has no config).
DEFAULT_DATA = {
    "target": -1,
    "header": "auto",
    "delimiter": ",",
    "x": "X",
    "y": "y",
    "images": False,
    "scale": True,
    "upsample": 1,
}


@dataclass
class Run:
    """A run folder that checked out (or a bare model file).

    Attributes:
        model_path: the model file.
        folder: the run folder, or None for a model file of its own.
        manifest: the run's manifest (None for a model file).
        cfg: the run's config (None for a model file).
        prep: the run's preprocessing (nothing to do for a model file).
    """

    model_path: Path
    folder: Path | None = None
    manifest: dict[str, Any] | None = None
    cfg: dict[str, Any] | None = None
    prep: Preprocessing = field(default_factory=Preprocessing)

    def load_model(self) -> Any:
        """The trained model (``deltanet.load``)."""
        from deltanet.io import load

        return load(self.model_path)


def _refuse_unfinished(folder: Path) -> None:
    status = rundir.run_status(folder)
    if status == "training":
        raise RunFolderError(
            f"{folder}: training did not finish (it was interrupted or failed), so its files may not belong "
            f"together; continue it with 'deltanet train --resume {folder}', or retrain it with --overwrite"
        )
    if status != "complete":
        if not (folder / rundir.MODEL).is_file():
            raise FileNotFoundError(
                f"{folder}: not a run folder (no {rundir.MODEL}); train one with 'deltanet train CONFIG'"
            )
        raise RunFolderError(
            f"{folder}: no complete run manifest ({rundir.MANIFEST}), so nothing says that its {rundir.MODEL}, "
            f"{rundir.SPLIT} and {rundir.PREPROCESSING} belong together; retrain it with "
            f"'deltanet train CONFIG --overwrite'"
        )


def _refuse_a_runs_checkpoint(path: Path) -> None:
    """A model file inside a run folder other than its ``model.dnet`` (a checkpoint in its
    ``checkpoints`` folder, or a ``ModelCheckpoint``'s ``best.dnet`` in a folder of the config's)
    is no model of its own: read bare, it would skip the run's preprocessing (standardization,
    class names) and score silently wrong (iris: accuracy 0.33 for 0.97)."""
    run = next((folder for folder in path.parents if (folder / rundir.MANIFEST).is_file()), None)
    if run is None or path.resolve() == (run / rundir.MODEL).resolve():
        return
    _refuse_unfinished(run)  # an unfinished run: the message says how to continue it
    raise RunFolderError(
        f"{path}: a checkpoint of the run in {run}, which needs that run's {rundir.PREPROCESSING}; "
        f"use the run folder itself ('{run}')"
    )


def open_run(target: Any) -> Run:
    """The run folder (or model file) ``target``, checked.

    A model file that is the model of a run folder opens that run folder; a checkpoint of a run
    (``RUN/checkpoints/*.dnet``) is refused, since it would be read without the run's preprocessing.

    Args:
        target: a run folder written by ``deltanet train``, or a ``.dnet`` file.

    Raises:
        RunFolderError: an unfinished run, a folder without a complete manifest, a file changed
            after training.
        FileNotFoundError: no such folder or file.
    """
    path = Path(target)
    if path.is_file():
        _refuse_a_runs_checkpoint(path)
        in_a_run = path.name == rundir.MODEL and (
            (path.parent / rundir.MANIFEST).exists() or (path.parent / rundir.PREPROCESSING).exists()
        )
        if not in_a_run:  # a model of its own: read as a classifier, as evaluate's default loss does
            return Run(path, prep=Preprocessing(task="class_index"))
        path = path.parent
    elif not path.is_dir():
        raise FileNotFoundError(f"{path}: no such run folder or model file")
    _refuse_unfinished(path)
    manifest = rundir.read_manifest(path)
    assert manifest is not None  # the status was "complete"
    rundir.check_files(path, manifest)
    try:
        data_dir = json.loads((path / rundir.RUN).read_text(encoding="utf-8"))["data_dir"]
    except (OSError, ValueError, KeyError, TypeError):
        data_dir = None  # relative data paths then start from the run folder
    cfg = read_config(path / rundir.CONFIG_TOML, data_dir=data_dir)
    return Run(path / rundir.MODEL, path, manifest, cfg, Preprocessing.read(path / rundir.PREPROCESSING))


def _split(run: Run) -> dict[str, np.ndarray]:
    assert run.folder is not None
    target = run.folder / rundir.SPLIT
    try:
        split = json.loads(target.read_text(encoding="utf-8"))
        return {k: np.asarray(split[k], dtype=np.int64) for k in ("train", "validation", "test")}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{target}: cannot read the split ({error})") from None


def held_out_data(run: Run) -> tuple[np.ndarray, np.ndarray, str]:
    """The run's held-out samples and labels (before preprocessing), and how to call them.

    Args:
        run: a run folder.

    Raises:
        RunFolderError: the held-out rows' content differs from what the run held out.
        ValueError: the run held out nothing, or the data have no targets.
    """
    if run.cfg is None or run.folder is None or run.manifest is None:
        raise ValueError(
            f"{run.model_path}: a model file has no data of its own; give --data (a dataset name, .csv, .npz "
            f"or MNIST folder)"
        )
    spec = run.cfg["data"]
    data = load_data(spec, run.cfg["dtype"])
    part = held_out(data, _split(run))
    if part is None:
        raise ValueError(f"{run.folder}: the run held out no test data (data.test_split = 0); give --data")
    X, y = part
    if y is None:
        raise ValueError(f"{spec['value']}: the data have no targets to evaluate on")
    recorded = (run.manifest.get("held_out") or {}).get("sha256")
    if digest(X, y, data.class_names) != recorded:
        raise RunFolderError(
            f"{run.folder}: the data in {spec['value']} changed since training (edited, reordered or replaced): "
            f"the rows at the held-out positions are not the rows the run held out, and scoring them could "
            f"score training rows; retrain the run, or evaluate on a file of your own with --data"
        )
    what = "the MNIST test set" if data.test is not None else f"the held-out {len(X)} samples"
    return X, relabel(y, data.class_names, run.prep.class_names, str(spec["value"])), what


def refused_option(key: str, what: str) -> str:
    """The message that refuses ``--KEY`` where it would be ignored (``OPTION_SOURCES``).

    Args:
        key: ``"target"``, ``"x"`` or ``"y"``.
        what: what it was given with, e.g. ``"--data iris"``.

    Examples:
        >>> from deltanet.cli.runs import refused_option
        >>> refused_option("target", "--data iris")
        '--target does not apply to --data iris (it would be ignored); only a CSV file takes it'
    """
    takes = {"csv": "a CSV file", "npz": "an NPZ file"}[OPTION_SOURCES[key][0]]
    return f"--{key} does not apply to {what} (it would be ignored); only {takes} takes it"


def data_for(spec_text: str, run: Run, options: dict[str, Any], for_prediction: bool) -> Data:
    """The data ``--data SPEC`` names, read the way the run's data were read.

    A CSV file's feature columns are taken by the run's column names when both have a header,
    its class names become the run's labels, and its target column is left out for prediction.

    Args:
        spec_text: a dataset name, a ``.csv`` or ``.npz`` file, or a folder of MNIST files.
        run: the run (its config and preprocessing).
        options: ``target``, ``x`` and ``y`` from the command line (None: the run's).

    Raises:
        ValueError: an option that the data's source would ignore (``--target`` with a dataset
            name, ``--x`` with a CSV file).
        for_prediction: the targets are not read.
    """
    cfg, prep = run.cfg, run.prep
    base = dict(cfg["data"]) if cfg is not None else dict(DEFAULT_DATA)
    dtype = cfg["dtype"] if cfg is not None else "float32"
    path = Path(spec_text)
    if spec_text in DATASETS:
        base.update(source="dataset", value=spec_text)
    elif path.is_dir():
        base.update(source="mnist", value=spec_text)
    elif path.suffix.lower() == ".npz":
        base.update(source="npz", value=spec_text)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv") or path.exists():
        base.update(source="csv", value=spec_text)
    else:
        raise FileNotFoundError(f"{spec_text}: no such file, folder or dataset (datasets: {', '.join(DATASETS)})")
    for key in ("target", "x", "y"):
        if options.get(key) is not None:
            if base["source"] not in OPTION_SOURCES[key]:
                raise ValueError(refused_option(key, f"--data {spec_text}"))
            base[key] = options[key]
    labels = prep.task in LABEL_KINDS
    data = load_data(
        base,
        dtype,
        classes=prep.class_names if labels else None,
        features=prep.feature_names,
        for_prediction=for_prediction,
        n_features=prep.n_features,
    )
    if base["source"] == "mnist":
        assert data.test is not None  # an MNIST folder always brings its test set
        data = Data(data.test[0], data.test[1], data.class_names)
    if for_prediction:
        data.y = None
    elif labels and data.y is not None:
        data.y = relabel(np.asarray(data.y), data.class_names, prep.class_names, spec_text)
    return data


__all__ = ["OPTION_SOURCES", "Run", "data_for", "held_out_data", "open_run", "refused_option"]
