"""The run folder: every file that training leaves on disk, named once, read and written here.

``fit(..., run_dir=...)`` writes:

- ``config.json``: the settings of the run (written before the first epoch);
- ``history.csv``: one row per epoch, one column per logged quantity (written when training
  ends, also when it ends by an error).

The ``Monitor`` callback adds:

- ``layers.csv``: per-layer gradient and activation statistics, one row per layer and probed
  epoch (columns ``LAYER_COLUMNS``; appended and flushed at each probe, as Keras's
  ``CSVLogger`` does, so that a run that crashes keeps its rows);
- ``probes.json``: the epochs the Monitor probed for ``layers.csv`` (a schedule of training
  steps, the same for two runs of one config) and those its time budget cut;
- ``warnings.json``: the Monitor's warnings, each with its advice;
- ``summary.json``: the model summary (layers, output shapes, parameter counts);
- ``evaluation.json``: the confusion matrix of a classifier after training, and
  ``segmentation.npz``: a few images, labels and predictions of a segmentation network.

``deltanet train`` adds the config as given, with its command-line overrides written in
(``config.toml``), where it came from (``run.json``), the preprocessing (``preprocessing.json``),
the split (``split.json``), the model (``model.dnet``), the held-out results (``metrics.json``,
and ``test_predictions.csv`` for a regression), the pictures (``learning_curves.png``,
``report.html``), the checkpoint of a run in progress (``checkpoints/last.dnet``) and, last, the
manifest (``manifest.json``).

**Why a manifest, and not a staging folder renamed into place.** A run folder is consistent when
its model, split and preprocessing come from one run on one version of the data. ``deltanet
train`` first replaces the manifest by one whose ``status`` is ``"training"`` (with the SHA-256
of the config, of the data and of the held-out rows), then removes what an earlier run left
(``remove_run_files``), writes the new run, and at the very end rewrites the manifest with
``status = "complete"`` and the SHA-256 of every file that ``evaluate`` and ``predict`` read. A
run that fails or is interrupted therefore leaves a manifest that says "training": readers refuse
it, and ``deltanet train --resume`` continues it from its checkpoint, which stays where it was
written. A reader refuses a folder whose manifest is missing or not complete, or whose files no
longer have the recorded digests (``check_files``). A staging folder would have to be renamed over
the old run, which is not atomic for folders (POSIX refuses a non-empty target and Windows any
folder with an open file), and every message and file written during training (``config.json``,
the Monitor's files) would name the staging folder instead of the user's.

Files are written atomically (a temporary file in the same folder, fsync, ``os.replace``), so a
reader never sees half a file; they end with the usual permissions (``0o666`` less the umask,
not the ``0o600`` of a temporary file), and an error names the user's file, never the temporary
one. The readers never unpickle (``allow_pickle=False``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from deltanet import _atomic

# Every file of a run folder, named once. ``fit``, the ``Monitor``, the report and the command
# line read and write them through these names.
CONFIG = "config.json"  # fit's settings
HISTORY = "history.csv"  # one row per epoch
LAYERS = "layers.csv"  # the Monitor's per-layer statistics
PROBES = "probes.json"  # the Monitor's probe schedule: which epochs it probed, which the time budget cut
WARNINGS = "warnings.json"  # the Monitor's warnings
SUMMARY = "summary.json"  # the model summary
EVALUATION = "evaluation.json"  # the confusion matrix after training
SEGMENTATION = "segmentation.npz"  # sample images, labels and predictions of a segmentation net
REPORT = "report.html"  # the HTML training report
# Written by ``deltanet train``:
CONFIG_TOML = "config.toml"  # the config file as given
RUN = "run.json"  # where the config and its data came from
PREPROCESSING = "preprocessing.json"  # standardization, class names, task
SPLIT = "split.json"  # which rows were held out
MODEL = "model.dnet"  # the trained model
METRICS = "metrics.json"  # the held-out results
TEST_PREDICTIONS = "test_predictions.csv"  # true and predicted values of the held-out rows (regression)
LEARNING_CURVES = "learning_curves.png"  # the curves as a picture
MANIFEST = "manifest.json"  # written first ("training") and last ("complete"): see above
CHECKPOINTS = "checkpoints"  # the folder of ModelCheckpoint's files while a run is in progress
LAST_CHECKPOINT = "last.dnet"  # ModelCheckpoint's file after every epoch (in CHECKPOINTS)
BEST_CHECKPOINT = "best.dnet"  # ModelCheckpoint's file of the best epoch (in CHECKPOINTS)
LOCK = ".lock"  # held by the ``deltanet train`` that writes the folder (its process and machine): see RunLock

#: Every file name above (the manifest and the checkpoints folder apart): what an earlier run
#: leaves and ``remove_run_files`` removes. Files of other names in the folder are left alone.
RUN_FILES = (
    CONFIG,
    HISTORY,
    LAYERS,
    PROBES,
    WARNINGS,
    SUMMARY,
    EVALUATION,
    SEGMENTATION,
    REPORT,
    CONFIG_TOML,
    RUN,
    PREPROCESSING,
    SPLIT,
    MODEL,
    METRICS,
    TEST_PREDICTIONS,
    LEARNING_CURVES,
)
#: What ``fit`` and its ``Monitor`` write (and the report made of them): a new run of ``fit``
#: removes these first, so that nothing of an earlier run in the folder is read as its own.
FIT_FILES = (CONFIG, HISTORY, LAYERS, PROBES, WARNINGS, SUMMARY, EVALUATION, SEGMENTATION, REPORT)
#: The manifest's ``format``: what a reader of this version understands.
MANIFEST_FORMAT = "deltanet run folder 1"


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked (incomplete, changed, not a run folder).

    A ``ValueError``; the message names the folder and says what to do.

    Examples:
        >>> import tempfile
        >>> from deltanet.training import rundir
        >>> rundir.check_files(tempfile.mkdtemp(), {"files": {"model.dnet": "0" * 64}})
        Traceback (most recent call last):
        ...
        deltanet.training.rundir.RunFolderError: ...: model.dnet is missing ...
    """


# -- writing files ------------------------------------------------------------------------------
def atomic_write_bytes(path: Any, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one or the whole new one.

    The one atomic writer of the package (``deltanet._atomic``): a temporary file in the same
    folder, fsynced, given the usual permissions and renamed over ``path``; an error names
    ``path``, never the temporary file, and leaves no temporary file behind.

    Args:
        path: the file to write.
        data: its new contents.

    Examples:
        >>> import os, tempfile
        >>> from deltanet.training.rundir import atomic_write_bytes
        >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
        >>> atomic_write_bytes(path, b"abc")
        >>> open(path, "rb").read()
        b'abc'
    """
    _atomic.atomic_write_bytes(path, data)


def atomic_write_text(path: Any, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically; see ``atomic_write_bytes``.

    Args:
        path: the file to write.
        text: its new contents.

    Examples:
        >>> import os, tempfile
        >>> from deltanet.training.rundir import atomic_write_text
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> atomic_write_text(path, "δ = a − y\\n")
        >>> open(path, encoding="utf-8").read()
        'δ = a − y\\n'
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def prepare(run_dir: Any) -> Path:
    """Create the run folder (and its parents) if needed; refuse a path that is a file, and the
    folder of a finished run of ``deltanet train`` (its manifest says "complete"), whose files
    ``fit`` would replace under a manifest that vouches for them."""
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"run_dir must be a folder, got the existing file {str(path)!r}")
    if run_status(path) == "complete":
        raise RunFolderError(
            f"run_dir {str(path)!r} holds a finished run of 'deltanet train'; give another run_dir "
            f"(or retrain that run with 'deltanet train CONFIG --overwrite')"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # the same class (PermissionError, ...), with the argument named
        raise type(error)(error.errno, f"cannot create run_dir {str(path)!r} ({error.strerror})") from None
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


def write_config(path: Any, config: dict[str, Any]) -> None:
    """``config.json`` with the run's settings (values that are not JSON become their repr)."""
    atomic_write_text(Path(path) / CONFIG, json.dumps(_jsonable(config), indent=2) + "\n")


def write_json(path: Any, name: str, obj: Any) -> None:
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
    an empty list when the file is absent.

    A resumed run probes again the epochs after its checkpoint: of two rows for one epoch and
    layer, the later one is kept, in the place of the first.
    """
    target = Path(path) / LAYERS
    if not target.exists():
        return []
    with open(target, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows: dict[tuple[int, str], dict[str, Any]] = {}
        for row in reader:
            if row.get("epoch") in (None, "", "epoch"):
                continue
            parsed: dict[str, Any] = {"epoch": int(row["epoch"]), "layer": row["layer"], "type": row["type"]}
            for key in LAYER_COLUMNS[3:]:
                parsed[key] = _float(row.get(key) or "")
            rows[(parsed["epoch"], parsed["layer"])] = parsed
    return list(rows.values())


def read_json(path: Any, name: str, default: Any = None) -> Any:
    """A JSON file of the run folder, or ``default`` when it is absent."""
    target = Path(path) / name
    if not target.exists():
        return default
    with open(target, encoding="utf-8") as f:
        return json.load(f)


def write_history(path: Any, epochs: list[int], history: dict[str, list[float]]) -> None:
    """``history.csv``: a column ``epoch`` (from 1) and one column per logged quantity."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = list(history)
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(epochs):
        writer.writerow([epoch + 1, *(repr(float(history[k][i])) if i < len(history[k]) else "" for k in keys)])
    atomic_write_text(Path(path) / HISTORY, buffer.getvalue())


def write_npz(path: Any, name: str, **arrays: np.ndarray) -> None:
    """``name`` (an ``.npz`` file in the run folder) holding ``arrays``, compressed, written atomically.

    Args:
        path: the run folder.
        name: the file's name, e.g. ``SEGMENTATION``.
        **arrays: the arrays by member name (numeric: they are read back without pickle).

    Examples:
        >>> import tempfile, numpy as np
        >>> from deltanet.training import rundir
        >>> run = tempfile.mkdtemp()
        >>> rundir.write_npz(run, rundir.SEGMENTATION, image=np.zeros((1, 2, 2)))
        >>> rundir.read_npz(run, rundir.SEGMENTATION)["image"].shape
        (1, 2, 2)
    """
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # keyword arrays, as NumPy documents
    atomic_write_bytes(Path(path) / name, buffer.getvalue())


def read_npz(path: Any, name: str) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` file of the run folder (never unpickled), or None when it is absent.

    Args:
        path: the run folder.
        name: the file's name.
    """
    target = Path(path) / name
    if not target.exists():
        return None
    with np.load(target, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def remove(path: Any, *names: str) -> None:
    """Remove these files (or folders) of the run folder, when they exist.

    Args:
        path: the run folder.
        *names: file names such as ``LAYERS`` (or ``CHECKPOINTS``, a folder).
    """
    for name in names:
        target = Path(path) / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def remove_run_files(path: Any) -> None:
    """Remove what a run left in the folder: every name of ``RUN_FILES`` and the checkpoints folder.

    The manifest stays (the caller has just replaced it), and so do files of other names: a run
    folder may sit beside the user's own files.

    Args:
        path: the run folder.
    """
    remove(path, *RUN_FILES, CHECKPOINTS)


# -- one writer at a time -------------------------------------------------------------------------
class RunLock:
    """Context manager: this process alone writes the run folder while inside.

    ``deltanet train`` (and ``--resume``) holds it from the manifest's first write to its last,
    so that a run started twice into one folder does not mix the files of two runs under one
    manifest. The lock is the file ``.lock``, created exclusively, that names its holder: the
    process id, the machine's host name and its boot id (``/proc/sys/kernel/random/boot_id``).
    A lock whose process no longer runs (a killed run, a zombie), or that was taken before this
    machine last booted, is stale and taken over. A lock taken on another machine (a disk shared
    by several machines) is never taken as stale, since its process cannot be seen from here: it
    is refused, and the message names the machine and the file to remove if no run writes it.

    Args:
        path: the run folder (created if missing).

    Raises:
        RunFolderError: another live process, or a process on another machine, holds the folder.

    Examples:
        >>> import tempfile
        >>> from deltanet.training.rundir import LOCK, RunLock
        >>> folder = tempfile.mkdtemp()
        >>> with RunLock(folder):
        ...     with RunLock(folder):
        ...         pass
        Traceback (most recent call last):
        ...
        deltanet.training.rundir.RunFolderError: ... is being written by another deltanet train ...
    """

    def __init__(self, path: Any) -> None:
        self.folder = Path(path)
        self.target = self.folder / LOCK
        self.held = False

    def __enter__(self) -> RunLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        # The process id is written to a file of its own first, then linked in (atomic, and refused
        # when the lock exists): a lock file is never seen empty.
        try:
            fd, mine = tempfile.mkstemp(dir=self.folder, prefix=".lock-")
        except OSError as error:  # named by the folder, not by a temporary file
            raise type(error)(
                error.errno, f"cannot write into the run folder {str(self.folder)!r} ({error.strerror})"
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(_this_process()._asdict()))
            for _ in range(2):  # a stale lock is removed once, then taken
                try:
                    os.link(mine, self.target)
                except FileExistsError:
                    holder = _lock_holder(self.target)
                    if holder is None or _holds(holder):
                        raise RunFolderError(self._refusal(holder)) from None
                    self.target.unlink(missing_ok=True)  # its process is gone: a stale lock
                    continue
                self.held = True
                return self
        finally:
            os.unlink(mine)
        raise RunFolderError(f"{self.folder}: cannot take the run folder's lock {self.target.name}")

    def _refusal(self, holder: Holder | None) -> str:
        if holder is not None and holder.host != _this_process().host:
            who = f"process {holder.pid} on the machine {holder.host!r}"
        else:
            who = "process " + ("(unreadable lock)" if holder is None else str(holder.pid))
        return (
            f"{self.folder} is being written by another deltanet train ({who}); wait for it to finish, "
            f"or give another folder with --run-dir (if no run writes it, as after a job killed on "
            f"another machine of a shared disk, remove {self.target})"
        )

    def __exit__(self, *exc: Any) -> None:
        if self.held and _lock_holder(self.target) == _this_process():
            self.target.unlink(missing_ok=True)
        self.held = False


class Holder(NamedTuple):
    """Who holds a run folder's lock: a process id, the host name and the boot id of its machine
    (an empty ``boot`` where the system has none to give)."""

    pid: int
    host: str
    boot: str


def _this_process() -> Holder:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            boot = f.read().strip()
    except OSError:  # not Linux
        boot = ""
    return Holder(os.getpid(), socket.gethostname(), boot)


def _lock_holder(target: Path) -> Holder | None:
    """Who a lock file names, or None (absent, empty, unreadable). A lock that holds a bare process
    id (as written by deltanet 0.x before the host was recorded) is taken as this machine's."""
    try:
        text = target.read_text(encoding="utf-8").strip()
        if text.isdigit():
            return _this_process()._replace(pid=int(text))
        fields = json.loads(text)
        return Holder(int(fields["pid"]), str(fields["host"]), str(fields["boot"]))
    except (OSError, ValueError, TypeError, KeyError):  # json.JSONDecodeError is a ValueError
        return None


def _holds(holder: Holder) -> bool:
    """Whether the lock's holder may still be writing: it runs here, or on another machine (whose
    processes cannot be seen from here). A lock of this machine from before its last boot is stale."""
    here = _this_process()
    if holder.host != here.host:
        return True
    if holder.boot != here.boot:
        return False
    return _alive(holder.pid)


def _alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine.

    A zombie (a process that has ended but that no parent has reaped yet, as a rank that
    ``MPI_Abort`` killed stays in a container whose first process reaps nothing) does not run:
    Linux says so in ``/proc/<pid>/stat``, where ``os.kill(pid, 0)`` still succeeds.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or it cannot be told: taken as alive
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]  # the field after the command's name
    except (OSError, IndexError):
        return True  # no /proc (not Linux): os.kill's answer
    return state not in ("Z", "X")  # zombie, dead


# -- the manifest -----------------------------------------------------------------------------------
def file_sha256(path: Any) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits.

    Args:
        path: the file.

    Examples:
        >>> import os, tempfile
        >>> from deltanet.training.rundir import file_sha256
        >>> path = os.path.join(tempfile.mkdtemp(), "empty")
        >>> _ = open(path, "wb").close()
        >>> file_sha256(path)[:16]
        'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_files(path: Any, names: Iterable[str]) -> dict[str, str]:
    """``{name: SHA-256}`` of these files of the run folder, for the manifest.

    Args:
        path: the run folder.
        names: the files' names (each must exist).
    """
    return {name: file_sha256(Path(path) / name) for name in names}


def write_manifest(path: Any, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (with ``format`` set to ``MANIFEST_FORMAT``), atomically.

    Args:
        path: the run folder.
        manifest: its contents; ``status`` is ``"training"`` or ``"complete"``.
    """
    write_json(Path(path), MANIFEST, {"format": MANIFEST_FORMAT, **manifest})


def read_manifest(path: Any) -> dict[str, Any] | None:
    """The folder's manifest, or None when it has none.

    Args:
        path: the run folder.

    Raises:
        RunFolderError: the manifest is not a JSON object of this format.
    """
    target = Path(path) / MANIFEST
    try:
        manifest = read_json(path, MANIFEST)
    except (OSError, ValueError) as error:
        raise RunFolderError(f"{target}: malformed run manifest ({error})") from None
    if manifest is None:
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise RunFolderError(
            f"{target}: not a run manifest of this deltanet (format {MANIFEST_FORMAT!r}); "
            f"retrain the run with this version"
        )
    return manifest


def run_status(path: Any) -> str:
    """What the folder holds: ``"absent"`` (no such folder), ``"empty"``, ``"complete"`` (a finished
    run), ``"training"`` (a run that is in progress, failed or was interrupted), or ``"other"``
    (files, but no manifest: not a run of ``deltanet train``, or an unreadable one).

    Args:
        path: the folder.

    Examples:
        >>> import tempfile
        >>> from deltanet.training.rundir import run_status
        >>> run_status(tempfile.mkdtemp())
        'empty'
    """
    folder = Path(path)
    if not folder.exists():
        return "absent"
    if not folder.is_dir():
        return "other"
    try:
        manifest = read_manifest(folder)
    except RunFolderError:
        return "other"
    if manifest is None:
        return "empty" if not any(folder.iterdir()) else "other"
    return "complete" if manifest.get("status") == "complete" else "training"


def check_files(path: Any, manifest: dict[str, Any]) -> None:
    """Check that every file the manifest lists has the digest it records.

    Args:
        path: the run folder.
        manifest: its manifest (``files``: name → SHA-256).

    Raises:
        RunFolderError: a file is missing or was changed after the manifest was written.
    """
    folder = Path(path)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise RunFolderError(f"{folder / MANIFEST}: malformed run manifest (no files)")
    for name, digest in files.items():
        target = folder / str(name)
        if not target.is_file():
            raise RunFolderError(f"{folder}: {name} is missing (the run folder is incomplete); retrain the run")
        if file_sha256(target) != digest:
            raise RunFolderError(
                f"{folder}: {name} was changed after training (its SHA-256 differs from the run's "
                f"manifest), so the run's files no longer belong together; retrain the run"
            )


def read_table(path: Any, name: str) -> tuple[list[str], np.ndarray] | None:
    """A CSV file of numbers in the run folder (``TEST_PREDICTIONS``): its header and its rows as a
    float array; None when it is absent.

    Args:
        path: the run folder.
        name: the file's name.
    """
    target = Path(path) / name
    if not target.exists():
        return None
    with open(target, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return None
    header = rows[0]
    values = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=np.float64)
    return header, values.reshape(-1, len(header))
