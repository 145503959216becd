"""MNIST (LeCun, Bottou, Bengio and Haffner 1998): 60,000 training and 10,000 test images of
handwritten digits, 28×28 pixels, in four IDX files.

``download_mnist(dir)`` fetches the four gzipped files from the public mirrors, verifies each
against its known SHA-256 digest and writes it atomically; ``load_mnist(dir)`` reads them.

The mirrors, tried in order (yann.lecun.com, the original home, often refuses automated
downloads; the others are the copies that torchvision and TensorFlow use):

- ``https://ossci-datasets.s3.amazonaws.com/mnist/`` (PyTorch's S3 mirror)
- ``https://storage.googleapis.com/cvdf-datasets/mnist/`` (TensorFlow's)
- ``http://yann.lecun.com/exdb/mnist/`` (the original)
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import DEFAULT_DTYPE, check_dtype
from deltanet.data.datasets import DatasetBundle
from deltanet.data.idx import IDXFormatError, read_idx

MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: file name → SHA-256 hex digest of the gzipped file (sizes 9,912,422; 28,881; 1,648,877; 4,542 bytes).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

_SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

MNIST_DESCRIPTION = """\
MNIST handwritten digits (Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
applied to document recognition", Proc. IEEE 86(11), 1998): 28×28 grey-level images, centred by
centre of mass, 60,000 for training and 10,000 for testing; classes 0-9."""


class DownloadError(OSError):
    """No mirror delivered a file with the expected SHA-256 digest; the message lists every attempt.

    An ``OSError``.

    Examples:
        >>> import tempfile
        >>> from deltanet.data import download_mnist
        >>> download_mnist(tempfile.mkdtemp(), mirrors=["http://127.0.0.1:9/"], files={"x.gz": "0" * 64},
        ...                retries=1, timeout=1.0, log=None)
        Traceback (most recent call last):
        ...
        deltanet.data.mnist.DownloadError: could not download x.gz with the expected SHA-256: http://127.0.0.1:9/x.gz...
    """


def sha256_file(path: Any) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB chunks.

    Args:
        path: the file.

    Returns:
        The digest as 64 lowercase hex digits.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data import sha256_file
        >>> path = os.path.join(tempfile.mkdtemp(), "empty")
        >>> _ = open(path, "wb").close()
        >>> sha256_file(path)[:16]
        'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"{directory}: no MNIST file {stem}(.gz) in this folder; get the files with "
        f"deltanet.data.download_mnist({str(directory)!r})"
    )


def load_mnist(
    directory: Any,
    split: str = "train",
    dtype: Any = DEFAULT_DTYPE,
    flatten: bool = False,
    scale: bool = True,
) -> DatasetBundle:
    """Read the MNIST training or test set from the IDX files in ``directory``.

    Args:
        directory: a folder holding ``train-images-idx3-ubyte(.gz)``, ``train-labels-idx1-ubyte(.gz)``
            and/or the ``t10k-`` files for the test set.
        split: ``"train"`` (60,000) or ``"test"`` (10,000).
        dtype: float dtype of the images.
        flatten: rows of 784 pixels (N, 784) instead of images (N, 1, 28, 28).
        scale: pixels divided by 255, to [0, 1] (otherwise 0-255).

    Returns:
        A ``DatasetBundle`` with ``X`` (N, 1, 28, 28) or (N, 784) and ``y`` (N,) int64.

    Raises:
        FileNotFoundError: a file is missing.
        IDXFormatError: a file is malformed, or the image and label files disagree on the number
            of samples or hold the wrong kind of array.

    Examples:
        >>> import numpy as np, tempfile
        >>> from deltanet.data import load_mnist, write_idx
        >>> folder = tempfile.mkdtemp()
        >>> write_idx(folder + "/t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
        >>> write_idx(folder + "/t10k-labels-idx1-ubyte.gz", np.array([7, 2], np.uint8))
        >>> test = load_mnist(folder, split="test")
        >>> test.X.shape, test.y.tolist()
        ((2, 1, 28, 28), [7, 2])
    """
    if split not in _SPLITS:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    dtype = np.dtype(dtype)
    check_dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"load_mnist: dtype must be float32 or float64, got {dtype}")
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: MNIST folder not found (expected a folder with the four IDX files)")
    image_path, label_path = (_find(directory, stem) for stem in _SPLITS[split])
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXFormatError(
            f"{image_path}: expected uint8 images of shape (N, rows, cols), got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{label_path}: expected uint8 labels of shape (N,), got {labels.dtype} of shape {labels.shape}"
        )
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} labels; "
            f"expected one label per image"
        )
    if labels.size and labels.max() > 9:
        raise IDXFormatError(f"{label_path}: expected digit labels 0-9, got a label {int(labels.max())}")
    X = images.astype(dtype)
    if scale:
        X /= 255.0
    X = X.reshape(len(X), -1) if flatten else X[:, None, :, :]
    return DatasetBundle(
        X=X,
        y=labels.astype(np.int64),
        feature_names=[f"pixel {r},{c}" for r in range(images.shape[1]) for c in range(images.shape[2])],
        target_names=[str(d) for d in range(10)],
        description=MNIST_DESCRIPTION,
    )


def _fetch(url: str, directory: Path, name: str, expected: str, timeout: float, max_bytes: int) -> str:
    """Download ``url`` into a temporary file in ``directory``, check its digest, fsync, and
    ``os.replace`` it to ``directory/name``; return "" on success or why it failed. The temporary
    file is removed on every failure, so no partial file is ever left under any name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked by the caller
                length = response.headers.get("Content-Length")
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError(f"more than max_bytes={max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                if length is not None and length.isdigit() and size != int(length):
                    raise ConnectionError(f"the connection closed after {size} of {length} bytes")
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != expected:
            os.unlink(tmp)
            return f"SHA-256 mismatch ({size} bytes, sha256 {got[:12]}…, expected {expected[:12]}…)"
        os.replace(tmp, directory / name)
        return ""
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _url(mirror: str, name: str) -> str:
    return urllib.parse.urljoin(mirror if mirror.endswith("/") else mirror + "/", name)


def _try_mirror(
    url: str,
    directory: Path,
    name: str,
    expected: str,
    retries: int,
    timeout: float,
    max_bytes: int,
    backoff: float,
    failures: list[str],
) -> bool:
    """Fetch ``url``, retrying network errors; record each failure; True once the file is in place."""
    for attempt in range(1, retries + 1):
        try:
            problem = _fetch(url, directory, name, expected, timeout, max_bytes)
        except (urllib.error.HTTPError, DownloadError) as error:
            failures.append(f"{url}: {error}")
            return False  # the server answered: asking again gives the same answer
        except (OSError, http.client.HTTPException) as error:  # refused, timeouts, cut-off bodies
            reason = getattr(error, "reason", None) or error
            failures.append(f"{url} (attempt {attempt}/{retries}): {type(error).__name__}: {reason}")
            if attempt < retries and backoff > 0:
                time.sleep(backoff * attempt)
            continue
        if problem:
            failures.append(f"{url}: {problem}")
            return False
        return True
    return False


def download_mnist(
    directory: Any,
    mirrors: Iterable[str] = MNIST_MIRRORS,
    files: Mapping[str, str] | None = None,
    retries: int = 2,
    timeout: float = 30.0,
    max_bytes: int = 64 << 20,
    backoff: float = 1.0,
    log: Callable[[str], Any] | None = print,
) -> dict[str, Path]:
    """Download the four MNIST files into ``directory``, verified and written atomically.

    For each file: if it is already there with the right SHA-256 digest, it is kept. Otherwise
    each mirror is tried in turn, up to ``retries`` times for a network error (with a pause of
    ``backoff`` × attempt seconds) and once for a wrong digest, which goes straight on to the
    next mirror. A download goes to a temporary file in the same folder, is hashed, fsync'ed and
    renamed with ``os.replace``: the final name holds the whole verified file or nothing.

    Args:
        directory: the folder to write into (created if needed).
        mirrors: base URLs (``http://`` or ``https://``), each ending in the folder of the files.
        files: file name → expected SHA-256 hex digest (default: the four MNIST files).
        retries: attempts per mirror for network errors (at least 1).
        timeout: seconds to wait for a server.
        max_bytes: refuse a file larger than this.
        backoff: seconds between retries, times the attempt number.
        log: called with a progress line per file (``None`` for silence).

    Returns:
        file name → path of the verified file.

    Raises:
        DownloadError: (an ``OSError``) a file could not be fetched with the right digest from
            any mirror; the message names the file and what each mirror did.

    Examples:
        >>> from deltanet.data import download_mnist
        >>> download_mnist("/tmp/x", mirrors=["ftp://example.org/"], files={})
        Traceback (most recent call last):
        ...
        ValueError: download_mnist: mirrors must be http:// or https:// URLs, got 'ftp://example.org/'
    """
    mirrors = list(mirrors)
    for m in mirrors:
        if not isinstance(m, str) or urllib.parse.urlsplit(m).scheme not in ("http", "https"):
            raise ValueError(f"download_mnist: mirrors must be http:// or https:// URLs, got {m!r}")
    check.integer(retries, "retries", "download_mnist", low=1)
    files = dict(MNIST_SHA256 if files is None else files)
    for name, digest in files.items():
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ValueError(f"download_mnist: file names must be plain names, got {name!r}")
        if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest.lower())):
            raise ValueError(f"download_mnist: expected a 64-digit SHA-256 hex digest for {name!r}, got {digest!r}")
    if files and not mirrors:
        raise ValueError("download_mnist: no mirrors given")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    say = log or (lambda message: None)
    done: dict[str, Path] = {}
    for name, expected in files.items():
        expected = expected.lower()
        target = directory / name
        if target.is_file() and sha256_file(target) == expected:
            say(f"{name}: present, SHA-256 verified")
            done[name] = target
            continue
        failures: list[str] = []
        url = next(
            (
                u
                for u in (_url(m, name) for m in mirrors)
                if _try_mirror(u, directory, name, expected, retries, timeout, max_bytes, backoff, failures)
            ),
            None,
        )
        if url is None:
            raise DownloadError(f"could not download {name} with the expected SHA-256: " + "; ".join(failures))
        say(f"{name}: downloaded from {url}, SHA-256 verified")
        done[name] = target
    return done


__all__ = ["DownloadError", "MNIST_MIRRORS", "MNIST_SHA256", "download_mnist", "load_mnist", "sha256_file"]
