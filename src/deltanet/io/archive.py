"""The zip container, read side: checks of the path, the names, the sizes and the checksums,
before anything is parsed (the write side is ``deltanet.io.atomic``).

Opening: the path must name a regular file (``os.stat``, before it is opened; a FIFO would block
and ``/dev/zero`` never ends), which is then opened without blocking and checked again
(``os.fstat``) to be the same regular file. A file that is not a zip archive, or a zip that is not
a deltanet file, is refused with what it looks like (a PyTorch ``.pt`` pickle, a NumPy ``.npz``;
see ``deltanet.io.foreign``).

Reading: nothing is extracted to disk. ``Archive`` opens the zip, refuses member names that
are absolute, contain ``..`` or backslashes, repeat, or are encrypted, and checks ``manifest.json``
(each member's size and SHA-256) against the zip's own directory. Members are read whole into
memory with a cap of their declared size, which the caller has first compared with what the model
needs, and hashed before they are parsed. A JSON member may hold at most 64 times the file's size
(at least 1 MiB, at most 16 MiB): a few kilobytes of deflated JSON cannot unfold into a structure
that takes gigabytes to parse.

The manifest's ``version`` is the container's (1 since the first release); the version of what
the file holds is config.json's (see ``deltanet.io.files``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
from typing import IO, Any

import numpy as np

from deltanet.io import foreign, npy
from deltanet.io.errors import CheckpointError

FORMAT = "deltanet"
#: The container's version (manifest.json); config.json has its own.
VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "config.json"
#: The largest JSON member accepted (config.json, manifest.json), whatever the file's size.
MAX_JSON = 16 << 20
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-/]+\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device (such as /dev/zero)"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def json_limit(file_size: int) -> int:
    """The most bytes a JSON member of a file of ``file_size`` bytes may unfold to."""
    return min(MAX_JSON, max(1 << 20, 64 * file_size))


def file_path(path: Any, owner: str) -> str:
    """``path`` as a string, or CheckpointError saying that a path was expected."""
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        if isinstance(name, str):
            return name
    raise CheckpointError(
        f"{owner}: path must be a file path (a str or os.PathLike) or a binary file object "
        f"(open(path, {'rb' if owner == 'load' else 'wb'!r}), io.BytesIO), got {type(path).__name__}"
    )


def is_file_object(path: Any, method: str) -> bool:
    """Whether ``path`` is a file object (not a path) with ``method`` (``"read"`` or ``"write"``),
    as ``torch.save(obj, f)`` and ``torch.load(f)`` take: an open binary file or an ``io.BytesIO``."""
    return not isinstance(path, (str, bytes, os.PathLike)) and callable(getattr(path, method, None))


def file_object_name(handle: Any) -> str:
    """What error messages call a file object: its file's name, or ``<BytesIO>`` and the like."""
    name = getattr(handle, "name", None)
    return name if isinstance(name, str) else f"<{type(handle).__name__}>"


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` (``st_mode``) is, if it is not a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str) -> IO[bytes]:
    """Open ``path`` for reading, refusing anything but a regular file before it is opened."""
    try:
        before = os.stat(path)
    except OSError as error:
        raise CheckpointError(f"{path!r}: cannot open ({error.strerror or error})") from None
    what = not_regular(before.st_mode)
    if what is not None:
        raise CheckpointError(f"{path!r}: is {what}, not a regular file; deltanet reads only regular files")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise CheckpointError(f"{path!r}: cannot open ({error.strerror or error})") from None
    opened = os.fstat(fd)
    if not (stat.S_ISREG(opened.st_mode) and os.path.samestat(before, opened)):
        os.close(fd)
        raise CheckpointError(f"{path!r}: was replaced while it was being opened; try again")
    return os.fdopen(fd, "rb")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:80]!r}")
        result[key] = value
    return result


def parse_json(data: bytes, member: str) -> Any:
    """Parse strict JSON (UTF-8, no NaN/Infinity, no repeated keys); CheckpointError otherwise."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise CheckpointError(f"{member}: not valid JSON ({str(error)[:200]})") from None


# -- reading -----------------------------------------------------------------------------------
def check_member_name(name: str) -> None:
    """Refuse names that could escape a folder or confuse a reader."""
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise CheckpointError(f"member {name[:120]!r}: absolute, '..' or otherwise unsafe member name refused")
    if not _SAFE_NAME.match(name):
        raise CheckpointError(f"member {name[:120]!r}: unexpected characters in a member name")


class Archive:
    """A checked, read-only view of a deltanet zip (see the module docstring).

    Attributes:
        path: the file.
        sizes: member name → declared uncompressed size (from the zip directory, which matches
            the manifest).
    """

    def __init__(self, path: Any) -> None:
        if is_file_object(path, "read"):  # torch.load(f): read from where it stands, to its end
            self.path = file_object_name(path)
            data = path.read()
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise CheckpointError(
                    f"load: {self.path!r} is a text file object (it read {type(data).__name__}); "
                    f"open it in binary mode, open(path, 'rb')"
                )
            self._file: IO[bytes] = io.BytesIO(data)
        else:
            self.path = file_path(path, "load")
            self._file = open_regular(self.path)
        try:
            self._open()
        except BaseException:
            self._file.close()
            raise

    def _open(self) -> None:
        if isinstance(self._file, io.BytesIO):
            file_size = self._file.getbuffer().nbytes
        else:
            file_size = os.fstat(self._file.fileno()).st_size
        if file_size == 0:
            raise CheckpointError(f"{self.path!r}: empty file (0 bytes), not a deltanet file")
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as error:
            self._file.seek(0)
            what = foreign.recognize_bytes(self._file.read(16))
            if what is not None:
                raise CheckpointError(f"{self.path!r}: is {what}") from None
            raise CheckpointError(f"{self.path!r}: not a zip archive or a damaged one ({error})") from None
        except Exception as error:  # struct.error, ValueError, OverflowError... from a bad directory
            raise CheckpointError(f"{self.path!r}: damaged zip directory ({type(error).__name__}: {error})") from None
        if MANIFEST not in (info.filename for info in infos):
            what = foreign.recognize_members([info.filename for info in infos])
            if what is not None:
                raise CheckpointError(f"{self.path!r}: is {what}")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            check_member_name(name)
            if name in self.infos:
                raise CheckpointError(f"member {name!r}: appears twice in the archive")
            if info.flag_bits & 0x1:
                raise CheckpointError(f"member {name!r}: encrypted members are refused")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise CheckpointError(
                    f"member {name!r}: compression method {info.compress_type} refused (only stored or deflated)"
                )
            if info.compress_size > file_size or info.header_offset > file_size:
                raise CheckpointError(f"member {name!r}: declares more bytes than the file has")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise CheckpointError(f"member {name!r}: stored member with inconsistent sizes")
            self.infos[name] = info
        self.file_size = file_size
        self.json_limit = json_limit(file_size)
        for required in (MANIFEST, CONFIG):
            if required not in self.infos:
                raise CheckpointError(f"member {required!r} is missing: not a deltanet file")
        manifest = parse_json(self.read(MANIFEST, self.json_limit, verify=False), MANIFEST)
        self.checksums = self._check_manifest(manifest)
        self.sizes = {name: info.file_size for name, info in self.infos.items()}

    def _check_manifest(self, manifest: Any) -> dict[str, str]:
        if not isinstance(manifest, dict) or set(manifest) != {"format", "version", "members"}:
            got = sorted(manifest) if isinstance(manifest, dict) else type(manifest).__name__
            raise CheckpointError(f"{MANIFEST}: expected the fields ['format', 'members', 'version'], got {got}")
        if manifest["format"] != FORMAT:
            raise CheckpointError(f"{MANIFEST}: format {manifest['format']!r:.80}, expected {FORMAT!r}")
        if manifest["version"] != VERSION or isinstance(manifest["version"], bool):
            raise CheckpointError(
                f"{MANIFEST}: unknown format version {manifest['version']!r:.80}, this deltanet reads version {VERSION}"
            )
        members = manifest["members"]
        if not isinstance(members, dict):
            raise CheckpointError(f"{MANIFEST}: 'members' must be an object")
        checksums = {}
        for name, entry in members.items():
            if name == MANIFEST or name not in self.infos:
                raise CheckpointError(f"member {name[:120]!r}: listed in {MANIFEST} but missing from the archive")
            if not (isinstance(entry, dict) and set(entry) == {"size", "sha256"}):
                raise CheckpointError(f"{MANIFEST}: entry of {name!r} must have 'size' and 'sha256'")
            size, digest = entry["size"], entry["sha256"]
            if not isinstance(size, int) or isinstance(size, bool) or size != self.infos[name].file_size:
                raise CheckpointError(
                    f"member {name!r}: size {self.infos[name].file_size} in the zip directory, "
                    f"{size!r:.40} in {MANIFEST}"
                )
            if not isinstance(digest, str) or not _SHA256.match(digest):
                raise CheckpointError(f"{MANIFEST}: sha256 of {name!r} is not 64 hex digits")
            checksums[name] = digest
        for name in self.infos:
            if name != MANIFEST and name not in checksums:
                raise CheckpointError(f"member {name!r}: unexpected (not listed in {MANIFEST})")
        return checksums

    def read(self, name: str, limit: int, verify: bool = True) -> bytes:
        """The bytes of member ``name``, refused if it declares more than ``limit`` bytes."""
        info = self.infos[name]
        if info.file_size > limit:
            raise CheckpointError(
                f"member {name!r}: declares {info.file_size} bytes, more than the {limit} "
                f"expected (oversized member or zip bomb)"
            )
        try:
            with self._zip.open(info) as stream:
                data = stream.read(limit + 1)
        except zipfile.BadZipFile as error:
            raise CheckpointError(f"member {name!r}: damaged ({error})") from None
        except Exception as error:  # zlib.error, EOFError, OSError...
            raise CheckpointError(f"member {name!r}: damaged ({type(error).__name__}: {error})") from None
        if len(data) != info.file_size:
            raise CheckpointError(f"member {name!r}: {len(data)} bytes read, {info.file_size} declared (truncated?)")
        if verify and hashlib.sha256(data).hexdigest() != self.checksums[name]:
            raise CheckpointError(f"member {name!r}: checksum mismatch (SHA-256 differs from {MANIFEST})")
        return data

    def read_array(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """Member ``name`` as a read-only array of ``shape`` and ``dtype``, its declared size and its
        ``.npy`` header checked before the data is read."""
        low, high = npy.size_bounds(shape, dtype)
        size = self.sizes[name]
        if not low <= size <= high or size > self.file_size:
            raise CheckpointError(
                f"member {name!r}: declares {size} bytes, but an array of shape {tuple(shape)} and "
                f"dtype {dtype} takes {low - 11} bytes plus a header (oversized or truncated member)"
            )
        return npy.from_bytes(self.read(name, high), name, shape, dtype)

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_arrays(
    archive: Archive,
    present: dict[str, str],
    expected: dict[str, tuple[tuple[int, ...], str]],
    folder: str,
    what: str,
) -> dict[str, np.ndarray]:
    """Read ``folder/<key>.npy`` for every key of ``expected`` (shape, dtype.str), checked; the
    members ``present`` (key → member name) must be exactly those."""
    for key, name in present.items():
        if key not in expected:
            raise CheckpointError(f"member {name!r}: unexpected ({key!r} is not {what})")
    for key in expected:
        if key not in present:
            raise CheckpointError(f"member '{folder}/{key}.npy' is missing ({key!r} is {what})")
    return {key: archive.read_array(present[key], shape, np.dtype(dtype)) for key, (shape, dtype) in expected.items()}
