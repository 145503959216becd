"""The run folder: what ``fit(..., run_dir=...)`` leaves on disk for later reading.

- ``config.json``: the settings of the run (written before the first epoch);
- ``history.csv``: one row per epoch, one column per logged quantity (written when training
  ends, also when it ends by an error).

Both are written atomically (a temporary file in the same folder, fsync, ``os.replace``), so a
reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any


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
    atomic_write_text(path / "config.json", json.dumps(_jsonable(config), indent=2) + "\n")


def write_history(path: Path, epochs: list[int], history: dict[str, list[float]]) -> None:
    """``history.csv``: a column ``epoch`` (from 1) and one column per logged quantity."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = list(history)
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(epochs):
        writer.writerow([epoch + 1, *(repr(float(history[k][i])) if i < len(history[k]) else "" for k in keys)])
    atomic_write_text(path / "history.csv", buffer.getvalue())
