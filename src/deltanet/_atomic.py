"""Atomic file writes: a file is either the old one or the whole new one, never half of either.

The new contents go into a temporary file in the target's folder (``.<name>.<random>.tmp``), which
is flushed and fsynced, given the permissions a new file normally gets (``0o666`` less the umask;
``mkstemp`` alone would leave ``0o600``), and renamed over the target with ``os.replace`` (atomic
on POSIX and Windows); then the folder is fsynced where the OS allows, so that the rename survives
a power cut. An error while writing (a full disk, a folder that refuses new files) removes the
temporary file and is raised as the same ``OSError`` subclass naming the user's path, never the
temporary file. Every file deltanet writes (models, checkpoints, run folders, ONNX graphs,
images) goes through ``atomic_write``.

Examples:
    >>> import os, tempfile
    >>> from deltanet._atomic import atomic_write_bytes
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> atomic_write_bytes(path, b"delta")
    >>> open(path, "rb").read()
    b'delta'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any


def _umask() -> int:
    try:  # Linux tells it without changing it (os.umask would, for a moment, for every thread)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def normal_mode() -> int:
    """The permissions a new file gets from ``open``: ``0o666`` less the process's umask.

    Examples:
        >>> from deltanet._atomic import normal_mode
        >>> normal_mode() & 0o600   # the owner may always read and write
        384
    """
    return 0o666 & ~_umask()


def user_error(error: OSError, path: Any, tmp: str | None = None) -> OSError:
    """The same ``OSError`` subclass, naming the user's ``path`` instead of the temporary file."""
    reason = error.strerror or str(error) or type(error).__name__
    if tmp is not None:
        reason = reason.replace(tmp, str(path))
    if error.errno is not None:
        with contextlib.suppress(TypeError):  # an OSError subclass with another constructor
            return type(error)(error.errno, reason, str(path))
    return OSError(f"{path}: cannot write the file ({reason})")


def atomic_write(path: Any, fill: Callable[[IO[bytes]], Any]) -> None:
    """Write ``path`` atomically: ``fill(handle)`` writes the new contents into a binary file.

    Args:
        path: the file to write (its folder must exist).
        fill: a function that writes the whole contents into the open binary file it is given.

    Raises:
        OSError: the folder is missing or refuses the file, the disk is full, ...: the same
            subclass, naming ``path``; any previous file under ``path`` is unchanged.

    Examples:
        >>> import os, tempfile
        >>> from deltanet._atomic import atomic_write
        >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
        >>> atomic_write(path, lambda f: f.write(b"abc"))
        >>> open(path, "rb").read()
        b'abc'
    """

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            fill(handle)

    atomic_replace(path, write)


def atomic_replace(path: Any, write: Callable[[str], Any], suffix: str = ".tmp") -> None:
    """Write ``path`` atomically through a writer that takes a file *name*: ``write(tmp)``.

    For libraries that write to a path themselves (nibabel, Pillow): the temporary file gets
    ``suffix``, so that a writer that picks the format from the name (``.nii.gz``) picks the
    right one.

    Args:
        path: the file to write (its folder must exist).
        write: a function that writes the whole file under the name it is given.
        suffix: the temporary file's suffix.

    Raises:
        OSError: as ``atomic_write``, naming ``path``.

    Examples:
        >>> import os, tempfile
        >>> from deltanet._atomic import atomic_replace
        >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
        >>> atomic_replace(path, lambda tmp: open(tmp, "w").write("abc"))
        >>> open(path).read()
        'abc'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=folder)
        os.close(fd)
        write(tmp)
        fd = os.open(tmp, os.O_RDWR)  # the writer closed it: flush what the OS holds to disk
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, normal_mode())
        os.replace(tmp, path)
    except BaseException as error:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(error, OSError):
            raise user_error(error, path, tmp) from None
        raise
    _fsync_folder(folder)


def atomic_write_bytes(path: Any, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_write``).

    Args:
        path: the file to write.
        data: its new contents.
    """
    atomic_write(path, lambda handle: handle.write(data))


def _fsync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
