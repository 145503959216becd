"""``deltanet train``: train as a TOML config says (``deltanet.cli.config``) and fill a run folder.

```text
deltanet train CONFIG.toml [--epochs N] [--run-dir DIR] [--overwrite] [--quiet]
deltanet train --resume RUN_DIR [--quiet]
```

The run folder (``deltanet.training.rundir`` names every file) receives the config as given,
with the command line's ``--epochs`` written into it (so that ``deltanet train RUN/config.toml``
repeats the run; the run folder itself is where, not what, and stays the config's), the
preprocessing, the split, ``fit``'s history and the Monitor's records, the model, the held-out
results (``metrics.json``; ``test_predictions.csv`` for a regression), the learning
curves and ``report.html``, and last the manifest that marks the run complete. While training, a
``ModelCheckpoint`` writes ``checkpoints/last.dnet`` after every epoch: a run stopped by Ctrl-C
(or a crash) is continued by ``deltanet train --resume RUN_DIR`` with the same final weights, bit
for bit, as a run that was never stopped.

A folder that already holds a run is not overwritten silently: a finished run needs
``--overwrite`` (or another ``--run-dir``), an unfinished one ``--resume`` or ``--overwrite``. A
run that fails before its first checkpoint (a config the data do not fit) leaves nothing behind.

Under ``mpiexec -n W deltanet train CONFIG`` every rank reads the config and the data and trains
its share of each batch (``fit``'s data parallelism, ``deltanet.distributed``); rank 0 alone
prints and writes the run folder (a folder every rank can read, for ``--resume``).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import distributed
from deltanet.cli.build import Training, build_model, build_training, callback_outputs, target_kind
from deltanet.cli.config import fail, override_text, read_config
from deltanet.cli.data import LABEL_KINDS, Data, Preprocessing, digest, held_out, load_data, split_data
from deltanet.cli.results import write_results
from deltanet.training import rundir
from deltanet.training.rundir import RunFolderError
from deltanet.training.validation import check_fit_data


class RunInterrupted(KeyboardInterrupt):
    """Training was interrupted (Ctrl-C); the message says how to continue the run.

    Examples:
        >>> from deltanet.cli.train import RunInterrupted
        >>> issubclass(RunInterrupted, KeyboardInterrupt)
        True
    """


@dataclass
class Prepared:
    """A config's data, ready to train on: split, preprocessed, with their digests."""

    data: Data
    parts: dict[str, np.ndarray]
    prep: Preprocessing
    kind: str
    data_sha256: str
    held_out_sha256: str | None

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The preprocessed samples and the targets of ``"train"`` or ``"validation"``."""
        rows = self.parts[name]
        if len(rows) == 0:
            return None
        return self.prep.apply(self.data.X[rows]), np.asarray(self.data.y)[rows]

    def test(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The preprocessed held-out samples and their targets, or None."""
        part = held_out(self.data, self.parts)
        return None if part is None else (self.prep.apply(part[0]), np.asarray(part[1]))


def prepare(cfg: dict[str, Any]) -> Prepared:
    """Load, split and standardize the config's data; compute their digests for the manifest.

    Args:
        cfg: a config from ``read_config``.
    """
    data = load_data(cfg["data"], cfg["dtype"])
    if data.y is None:
        raise fail(cfg["path"], "data", "training needs targets; the data have none (set target or y)")
    kind = target_kind(cfg["loss"]["class"])
    parts = split_data(cfg, data, kind)
    mean = scale = None
    if cfg["data"]["standardize"] and data.X.ndim != 2:
        raise fail(
            cfg["path"],
            "data.standardize",
            f"standardization is per feature of (N, F) data; the data are {data.X.ndim}-D, of shape "
            f"{data.X.shape}: leave standardize out (scale images before saving them)",
        )
    if cfg["data"]["standardize"]:
        scaler = dn.data.Standardizer().fit(data.X[parts["train"]])
        mean, scale = scaler.mean_, scaler.scale_
    labels = kind in LABEL_KINDS
    prep = Preprocessing(
        mean,
        scale,
        data.class_names if labels else None,
        kind,
        int(np.prod(data.X.shape[1:])),
        data.feature_names,
    )
    whole = digest(data.X, data.y, data.class_names)
    if data.test is not None:
        whole = hashlib.sha256((whole + digest(*data.test, data.class_names)).encode()).hexdigest()
    part = held_out(data, parts)
    return Prepared(data, parts, prep, kind, whole, None if part is None else digest(*part, data.class_names))


def _check_folder(folder: Path, overwrite: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder}: the run folder is a file; give another folder with --run-dir")
    status = rundir.run_status(folder)
    if overwrite or status in ("absent", "empty"):
        return
    if status == "complete":
        raise RunFolderError(
            f"{folder} holds a finished run; give --overwrite to replace it, or another folder with --run-dir"
        )
    if status == "training":
        raise RunFolderError(
            f"{folder} holds an unfinished run (interrupted or failed); continue it with "
            f"'deltanet train --resume {folder}', or replace it with --overwrite"
        )
    raise RunFolderError(
        f"{folder} is not empty and holds no run of 'deltanet train'; give --overwrite to train into it anyway "
        f"(the files a run writes are replaced, others are kept), or another folder with --run-dir"
    )


def _start(folder: Path, cfg: dict[str, Any], prepared: Prepared, data_dir: str | None) -> dict[str, Any]:
    """Mark the folder as a run in progress, clear what an earlier run left, write the run's inputs
    (``data_dir``: where relative data paths start, when not at the config's folder)."""
    from deltanet._version import __version__

    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "status": "training",
        "deltanet_version": __version__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": str(cfg["path"]),
        "epochs": cfg["epochs"],
        "data": {"source": str(cfg["data"]["value"]), "samples": len(prepared.data.X), "sha256": prepared.data_sha256},
        "held_out": {"sha256": prepared.held_out_sha256},
    }
    rundir.write_manifest(folder, manifest)  # first: from here on, the folder says "unfinished"
    _remove_run(folder, cfg)
    rundir.atomic_write_text(folder / rundir.CONFIG_TOML, cfg["text"])
    where = {"config": str(cfg["path"].resolve()), "data_dir": str(data_dir or cfg["path"].resolve().parent)}
    rundir.write_json(folder, rundir.RUN, where)
    rundir.atomic_write_text(folder / rundir.PREPROCESSING, prepared.prep.to_json() + "\n")
    rundir.write_json(folder, rundir.SPLIT, {k: v.tolist() for k, v in prepared.parts.items()})
    manifest["files"] = rundir.digest_files(
        folder, (rundir.CONFIG_TOML, rundir.RUN, rundir.PREPROCESSING, rundir.SPLIT)
    )
    rundir.write_manifest(folder, manifest)
    return manifest


def _data_dir(config: Path) -> str | None:
    """The folder that a run folder's own ``config.toml`` takes its relative data paths from: the
    folder of the config that the run came from (``run.json``), so that ``deltanet train
    RUN/config.toml`` finds the run's data; None (the config's own folder) for any other config."""
    folder = config.parent
    if config.name != rundir.CONFIG_TOML or rundir.run_status(folder) not in ("complete", "training"):
        return None
    try:
        where = rundir.read_json(folder, rundir.RUN, {}) or {}
    except (OSError, ValueError):
        return None
    data_dir = where.get("data_dir") if isinstance(where, dict) else None
    return data_dir if isinstance(data_dir, str) else None


def _check_fits(cfg: dict[str, Any], prepared: Prepared, model: Any, training: Training) -> None:
    """Check the data against the model and the loss as ``fit`` will (one forward pass on one
    sample), so that a config whose model does not fit its data is refused before the run folder is
    touched: with ``--overwrite``, the run it holds would be gone already."""
    train_part = prepared.part("train")
    if train_part is None:
        raise fail(cfg["path"], "data", "no rows are left to train on after the test and validation splits")
    check_fit_data(model, *train_part, prepared.part("validation"), training.loss)
    _check_metrics(cfg, model, *train_part, training.loss)


def _check_metrics(cfg: dict[str, Any], model: Any, X: np.ndarray, y: np.ndarray, loss: Any) -> None:
    """Compute the config's metrics once on a few training rows (every class among them), with the
    untrained model's outputs: a metric that cannot take these data (``precision`` of three
    classes) is refused here, not after the first epoch, when ``--overwrite`` has removed the old
    run. The forward pass is in evaluation mode: it draws nothing and changes no statistics."""
    if not cfg["metrics"]:
        return
    from deltanet.training.evaluation import metric_values, resolve_metrics
    from deltanet.training.validation import ignore_index

    rows = np.arange(min(len(X), 64))
    if y.ndim == 1 and y.dtype.kind in "iu":  # one row of every class too (AUC needs both)
        rows = np.union1d(rows, np.unique(y, return_index=True)[1])
    try:
        metric_values(
            resolve_metrics(cfg["metrics"]),
            dn.predict(model, X[rows]),
            y[rows],
            ignore_index=ignore_index(loss),
            loss=loss,
        )
    except (ValueError, TypeError) as error:
        raise fail(cfg["path"], "metrics", f"cannot be computed on these data: {error}") from None


def _lock(folder: Path) -> Any:
    """The run folder's lock (``rundir.RunLock``), taken by rank 0, which writes the folder."""
    return rundir.RunLock(folder) if distributed.get_rank() == 0 else contextlib.nullcontext()


def _remove_run(folder: Path, cfg: dict[str, Any]) -> None:
    """Remove the files a run writes, and the folders its callbacks write inside the run folder
    (an earlier run's TensorBoard logs would be drawn as one curve with the new run's)."""
    rundir.remove_run_files(folder)
    inside = folder.resolve()
    for output in callback_outputs(cfg, folder):
        where = output.resolve()
        if where != inside and where.is_relative_to(inside):
            rundir.remove(output.parent, output.name)


def _abandon(folder: Path, cfg: dict[str, Any]) -> None:
    """Remove a run that failed before its first checkpoint: nothing of it is worth keeping."""
    _remove_run(folder, cfg)
    rundir.remove(folder, rundir.MANIFEST, rundir.LOCK)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def train(
    config: Any,
    run_dir: Any = None,
    epochs: int | None = None,
    overwrite: bool = False,
    verbose: int = 2,
    say: Callable[..., None] = print,
) -> dict[str, Any]:
    """``deltanet train CONFIG``: train as the config says and fill the run folder.

    Args:
        config: the TOML config file.
        run_dir: the run folder (default: the config's ``run_dir``).
        epochs: override the config's epochs.
        overwrite: replace a run that the folder holds.
        verbose: ``fit``'s verbosity (2: one line per epoch, 0: silent).
        say: where progress lines go.

    Returns:
        ``{"run_dir", "history", "metrics"}``.

    Raises:
        ConfigError: a bad config.
        RunFolderError: the folder holds a run and ``overwrite`` is False.
        RunInterrupted: Ctrl-C; the run can be resumed.
    """
    data_dir = _data_dir(Path(config))  # read before the folder (perhaps this run's own) is cleared
    cfg = read_config(config, data_dir=data_dir)
    if epochs is not None:  # into the config's text too: the run folder's config.toml repeats the run
        cfg["epochs"] = int(epochs)
        if cfg["epochs"] != tomllib.loads(cfg["text"])["epochs"]:
            cfg["text"] = override_text(cfg["text"], "epochs", cfg["epochs"], "--epochs")
    folder = Path(run_dir) if run_dir is not None else cfg["run_dir"]
    _check_folder(folder, overwrite)
    prepared = prepare(cfg)
    dn.manual_seed(cfg["seed"])
    model = build_model(cfg["model"], cfg["path"], cfg["dtype"])
    training = build_training(cfg, model, folder)
    _check_fits(cfg, prepared, model, training)  # before the folder (a run that --overwrite replaces) is touched
    distributed.barrier()  # every rank has checked the folder before rank 0 starts to write
    with _lock(folder):  # one deltanet train writes a folder at a time
        manifest = _start(folder, cfg, prepared, data_dir) if distributed.get_rank() == 0 else {}
        return _fit_and_finish(folder, cfg, prepared, manifest, model, training, None, verbose, say)


def resume(run_dir: Any, verbose: int = 2, say: Callable[..., None] = print) -> dict[str, Any]:
    """``deltanet train --resume RUN_DIR``: continue an interrupted run from its last checkpoint.

    The run's own config (``config.toml``), epochs and data are used; the data must be those the
    run started on (same digest), and the run's files must be as it wrote them.

    Args:
        run_dir: the run folder.
        verbose: ``fit``'s verbosity.
        say: where progress lines go.

    Returns:
        ``{"run_dir", "history", "metrics"}``.
    """
    folder = Path(run_dir)
    status = rundir.run_status(folder)
    if status == "complete":
        raise RunFolderError(
            f"{folder}: the run is finished, there is nothing to resume; train it again with "
            f"'deltanet train CONFIG --overwrite'"
        )
    if status != "training":
        raise RunFolderError(
            f"{folder}: not an unfinished run of 'deltanet train' (no {rundir.MANIFEST}); nothing to resume"
        )
    manifest = rundir.read_manifest(folder)
    assert manifest is not None  # the status was "training"
    if "files" not in manifest:
        raise RunFolderError(f"{folder}: the run was interrupted before it started; train it again with --overwrite")
    rundir.check_files(folder, manifest)
    where = rundir.read_json(folder, rundir.RUN, {}) or {}
    cfg = read_config(folder / rundir.CONFIG_TOML, data_dir=where.get("data_dir"))
    cfg["epochs"] = int(manifest["epochs"])
    prepared = prepare(cfg)
    if prepared.data_sha256 != manifest["data"]["sha256"]:
        raise RunFolderError(
            f"{folder}: the data in {cfg['data']['value']} changed since the run started, so it cannot be "
            f"continued on them; train it again with --overwrite"
        )
    dn.manual_seed(cfg["seed"])
    model = build_model(cfg["model"], cfg["path"], cfg["dtype"])
    training = build_training(cfg, model, folder)
    checkpoint = folder / rundir.CHECKPOINTS / rundir.LAST_CHECKPOINT
    start = checkpoint if checkpoint.is_file() else None
    with _lock(folder):  # one deltanet train writes a folder at a time
        say(f"resuming {folder}" + ("" if start else " from the start (it stopped before its first checkpoint)"))
        return _fit_and_finish(folder, cfg, prepared, manifest, model, training, start, verbose, say)


def _fit_and_finish(
    folder: Path,
    cfg: dict[str, Any],
    prepared: Prepared,
    manifest: dict[str, Any],
    model: Any,
    training: Training,
    resume_from: Path | None,
    verbose: int,
    say: Callable[..., None],
) -> dict[str, Any]:
    train_part = prepared.part("train")
    if train_part is None:
        raise fail(cfg["path"], "data", "no rows are left to train on after the test and validation splits")
    validation = prepared.part("validation")
    checkpoint = dn.callbacks.ModelCheckpoint(
        folder / rundir.CHECKPOINTS, monitor="val_loss" if validation is not None else "loss"
    )
    parameters = sum(p.size for p in model.parameters())
    say(
        f"training {type(model).__name__} ({parameters:,} parameters) on {len(train_part[0])} samples "
        f"({len(prepared.parts['validation'])} for validation, {_held_out_size(prepared)} held out), "
        f"{cfg['epochs']} epochs -> {folder}"
    )
    try:
        try:
            history = dn.fit(
                model,
                *train_part,
                training.loss,
                training.optimizer,
                epochs=cfg["epochs"],
                batch_size=cfg["batch_size"],
                validation_data=validation,
                callbacks=[*training.callbacks, checkpoint],
                verbose=verbose,
                run_dir=folder,
                regularizer=training.regularizer,
                rng=cfg["seed"],
                metrics=cfg["metrics"],
                resume_from=resume_from,
            )
        except Exception:
            first = resume_from is None and not (folder / rundir.CHECKPOINTS / rundir.LAST_CHECKPOINT).exists()
            if first and distributed.get_rank() == 0:
                _abandon(folder, cfg)  # nothing was trained: leave the folder as if the run had not started
            raise
        if distributed.get_rank() != 0:  # rank 0 writes the results
            return {"run_dir": folder, "history": history, "metrics": None}
        metrics = write_results(folder, cfg, prepared, model, training, history, say)
    except KeyboardInterrupt:
        raise RunInterrupted(
            f"the run in {folder} is unfinished; continue it with 'deltanet train --resume {folder}'"
        ) from None
    manifest.update(status="complete", finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    names = (rundir.CONFIG_TOML, rundir.RUN, rundir.PREPROCESSING, rundir.SPLIT, rundir.MODEL, rundir.METRICS)
    manifest["files"] = rundir.digest_files(folder, names)
    rundir.write_manifest(folder, manifest)  # last: the run is complete
    rundir.remove(folder, rundir.CHECKPOINTS)
    from deltanet.reporting import report

    report(folder)  # after the manifest: the page reads the run's status from it
    say(f"run folder: {folder} ({rundir.MODEL}, {rundir.REPORT}, {rundir.METRICS}, {rundir.HISTORY}, ...)")
    return {"run_dir": folder, "history": history, "metrics": metrics}


def _held_out_size(prepared: Prepared) -> int:
    if prepared.data.test is not None:
        return len(prepared.data.test[0])
    return len(prepared.parts["test"])


__all__ = ["Prepared", "RunInterrupted", "prepare", "resume", "train"]
