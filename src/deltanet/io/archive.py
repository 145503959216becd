"""The zip container: atomic writes, and reads that check names, sizes and checksums first.

Writing: members go into a temporary file in the target's folder, which is flushed and fsynced,
then renamed over the target with ``os.replace`` (atomic on POSIX and Windows), and the folder is
fsynced where the OS allows. A crash leaves either the old file or the new one under the final
name, never a mix; at worst a ``.<name>.*.tmp`` file stays behind.

Reading: nothing is extracted to disk. ``Archive`` opens the zip, refuses member names that
are absolute, contain ``..`` or backslashes, repeat, or are encrypted, and checks ``manifest.json``
(each member's size and SHA-256) against the zip's own directory. Members are read whole into
memory with a cap of their declared size, which the caller has first compared with what the model
needs, and hashed before they are parsed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from typing import Any

from deltanet.io.errors import CheckpointError

FORMAT = "deltanet"
VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "config.json"
#: The largest JSON member accepted (config.json, manifest.json).
MAX_JSON = 16 << 20
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-/]+\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same model gives the same bytes


# -- writing -----------------------------------------------------------------------------------
def write_atomic(path: str | os.PathLike, members: Iterable[tuple[str, bytes]]) -> None:
    """Write a zip of ``members`` (name, bytes) plus ``manifest.json`` to ``path``, atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CheckpointError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            listing: dict[str, dict[str, Any]] = {}
            with zipfile.ZipFile(handle, "w") as archive:
                for name, data in members:
                    _put(archive, name, data)
                    listing[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                manifest = {"format": FORMAT, "version": VERSION, "members": listing}
                _put(archive, MANIFEST, dump_json(manifest))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _put(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


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


def dump_json(value: Any) -> bytes:
    """Strict JSON (no NaN or Infinity) as UTF-8 bytes."""
    try:
        return json.dumps(value, allow_nan=False, sort_keys=False, indent=1).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"cannot save: {error}") from None


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

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        try:
            self._file = open(self.path, "rb")
        except OSError as error:
            raise CheckpointError(f"{self.path!r}: cannot open ({error.strerror or error})") from None
        try:
            self._open()
        except BaseException:
            self._file.close()
            raise

    def _open(self) -> None:
        file_size = os.fstat(self._file.fileno()).st_size
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as error:
            raise CheckpointError(f"{self.path!r}: not a zip archive or a damaged one ({error})") from None
        except Exception as error:  # struct.error, ValueError, OverflowError... from a bad directory
            raise CheckpointError(f"{self.path!r}: damaged zip directory ({type(error).__name__}: {error})") from None
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
        for required in (MANIFEST, CONFIG):
            if required not in self.infos:
                raise CheckpointError(f"member {required!r} is missing: not a deltanet file")
        manifest = parse_json(self.read(MANIFEST, MAX_JSON, verify=False), MANIFEST)
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

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
