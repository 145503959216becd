"""The zip container, write side: one file written atomically, errors that name the user's path.

Members go into a temporary file (``.<name>.<random>.tmp``) in the target's folder, which is
flushed and fsynced, given the usual permissions, then renamed over the target with
``os.replace`` (atomic on POSIX and Windows), and the folder is fsynced where the OS allows: the
package's one atomic writer, ``deltanet._atomic``. A crash leaves either the old file or the
new one under the final name, never a mix; at worst a ``.<name>.*.tmp`` file stays behind. An
error while writing (a full disk, a folder that refuses new files) removes the temporary file
and is raised as the same ``OSError`` subclass naming the target, never the temporary file.

The target must be a regular file or not exist: a folder, a FIFO or a device (``/dev/null``) is
refused rather than replaced. A symbolic link is followed: the file it points to is replaced and
the link is kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from deltanet._atomic import atomic_write
from deltanet.io.archive import FORMAT, MANIFEST, VERSION, file_object_name, file_path, is_file_object, not_regular
from deltanet.io.errors import CheckpointError

_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same model gives the same bytes


def write_atomic(path: Any, members: Iterable[tuple[str, bytes]]) -> None:
    """Write a zip of ``members`` (name, bytes) plus ``manifest.json`` to ``path``, atomically; or,
    when ``path`` is a binary file object (``torch.save(obj, f)``), into it where it stands (whose
    atomicity is then the caller's)."""
    if is_file_object(path, "write"):
        buffer = io.BytesIO()
        _fill(buffer, members)
        try:
            path.write(buffer.getvalue())
        except TypeError:
            raise CheckpointError(
                f"save: {file_object_name(path)!r} is a text file object; open it in binary mode, open(path, 'wb')"
            ) from None
        return
    path = file_path(path, "save")
    target = os.path.realpath(path)  # through a symbolic link: replace its file, keep the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        why = "is a file, not a folder" if os.path.exists(folder) else "does not exist"
        raise CheckpointError(f"cannot save to {path!r}: folder {folder!r} {why}")
    try:
        what = not_regular(os.stat(target).st_mode)
    except OSError:
        what = None  # no such file yet (or unreadable: the rename below reports it)
    if what is not None:
        raise CheckpointError(f"cannot save to {path!r}: it is {what}; deltanet replaces only regular files")

    try:
        atomic_write(target, lambda handle: _fill(handle, members))
    except OSError as error:
        raise _naming(error, path) from None


def _fill(handle: IO[bytes], members: Iterable[tuple[str, bytes]]) -> None:
    """The zip of ``members`` and its manifest, written to ``handle``."""
    listing: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(handle, "w") as archive:
        for name, data in members:
            _put(archive, name, data)
            listing[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {"format": FORMAT, "version": VERSION, "members": listing}
        _put(archive, MANIFEST, dump_json(manifest))


def _naming(error: OSError, path: str) -> Exception:
    """``error`` told about ``path`` (``atomic_write`` already names it, not the temporary file),
    saying that the previous file is unchanged: the same OSError subclass where it has an errno."""
    reason = error.strerror or str(error)
    if error.errno is not None:
        try:
            return type(error)(error.errno, f"cannot save (any previous file is unchanged): {reason}", path)
        except TypeError:  # an OSError subclass with another constructor
            pass
    return CheckpointError(f"cannot save to {path!r} (any previous file is unchanged): {reason}")


def _put(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def dump_json(value: Any) -> bytes:
    """Strict JSON (no NaN or Infinity) as UTF-8 bytes."""
    try:
        return json.dumps(value, allow_nan=False, sort_keys=False, indent=1).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"cannot save: {error}") from None
