"""Your own data from files: CSV tables and NumPy ``.npz`` archives, without pandas and without
pickle.

Both readers check what they read and say where a problem is: a malformed CSV row gives the file,
the line and the column; an ``.npz`` member that would need pickle (an object array), or whose
header declares more data than the member holds, is refused before anything is allocated.
"""

from __future__ import annotations

import ast
import csv
import math
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import DEFAULT_DTYPE
from deltanet.data.datasets import DatasetBundle


class DataFileError(ValueError):
    """A data file that cannot be read as asked; the message names the file and where the problem is.

    A ``ValueError``.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data import read_csv
        >>> path = os.path.join(tempfile.mkdtemp(), "ragged.csv")
        >>> _ = open(path, "w").write("1,2,0\\n3,4\\n")
        >>> read_csv(path)
        Traceback (most recent call last):
        ...
        deltanet.data.readers.DataFileError: ..., line 2: expected 3 fields (as in the first row), got 2
    """


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _named_column(name: str, header: list[str], path: Path) -> int:
    """The index of the column called ``name``; a name the header gives twice is ambiguous."""
    found = [j for j, column in enumerate(header) if column == name]
    if len(found) > 1:
        raise DataFileError(
            f"{path}: column {name!r} appears {len(found)} times in the header (columns "
            f"{', '.join(map(str, found[:-1]))} and {found[-1]}); pick it by index, or rename the columns"
        )
    return found[0]


def _column_index(target: Any, header: list[str] | None, n_columns: int, path: Path) -> int | None:
    if target is None:
        return None
    if not (check.is_integer(target) or isinstance(target, str)):
        raise check.fail("read_csv", "target", "a column name, a column index or None", target)
    if isinstance(target, str):
        if header is None:
            raise DataFileError(
                f"{path}: target={target!r} names a column, but the file has no header row; "
                f"give the column index instead (e.g. target=-1 for the last column)"
            )
        if target not in header:
            raise DataFileError(f"{path}: no column {target!r} in the header; the columns are {header}")
        return _named_column(target, header, path)
    if not -n_columns <= target < n_columns:
        raise DataFileError(f"{path}: target column index {target} is out of range for {n_columns} columns")
    return int(target) % n_columns


def read_csv(
    path: Any,
    target: Any = -1,
    header: Any = "auto",
    delimiter: str = ",",
    dtype: Any = DEFAULT_DTYPE,
    comment: str | None = "#",
    classes: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
) -> DatasetBundle:
    """Read a table of numbers from a CSV file into features ``X`` and a target column ``y``.

    Every row must have as many fields as the first; features must be finite numbers that fit in
    ``dtype``. The target column may hold numbers (kept as int64 when they are all whole numbers,
    as floats otherwise) or class names, which become labels 0, 1, ... in sorted order
    (``target_names`` holds the names), or in the order of ``classes`` when it is given. A UTF-8
    byte-order mark at the start of the file is not part of the first column's name.

    Args:
        path: the file.
        target: the target column, by name (needs a header) or index (``-1``: the last); ``None``
            for a file of features only (then ``y`` is None).
        header: ``True`` (the first row names the columns), ``False`` (it is data), or ``"auto"``
            (a header if any field of the first row is not a number).
        delimiter: the field separator.
        dtype: float dtype of ``X`` (and of float targets).
        comment: lines starting with this string are skipped, as are blank lines.
        classes: the class names that labels index (those a model was trained on): a target
            column of names becomes their positions in this list, whatever names the file holds
            or lacks; a name that is not in it is an error. (A column of numbers stays numbers.)
        features: the feature columns to read, by name (needs a header) and in this order; other
            columns are not read. Default: every column but the target.

    Returns:
        A ``DatasetBundle`` with ``X`` (N, F), ``y`` (N,) or None, ``feature_names`` (from
        the header, or ``column 0``, ...), ``target_names`` and a description naming the file.

    Raises:
        DataFileError: (a ``ValueError``) empty file, ragged row, a value that is not a number, a
            non-finite value or one beyond the range of ``dtype``, an unknown target column, class
            or feature; the message names file, line and column.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data import read_csv
        >>> path = os.path.join(tempfile.mkdtemp(), "tumors.csv")
        >>> _ = open(path, "w").write("size,temperature,outcome\\n0.5,37.6,alive\\n2.8,22,dead\\n")
        >>> data = read_csv(path, target="outcome")
        >>> data.X.tolist(), data.y.tolist(), data.target_names
        ([[0.5, 37.599998474121094], [2.799999952316284, 22.0]], [0, 1], ['alive', 'dead'])
    """
    path = Path(path)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"read_csv: dtype must be float32 or float64, got {dtype}")
    check.one_of(header, "header", (True, False, "auto"), "read_csv")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"read_csv: delimiter must be one character, got {delimiter!r}")
    if classes is not None and (isinstance(classes, str) or not all(isinstance(c, str) for c in classes)):
        raise ValueError(f"read_csv: classes must be a list of class names, got {classes!r}")
    if features is not None and (isinstance(features, str) or not all(isinstance(c, str) for c in features)):
        raise ValueError(f"read_csv: features must be a list of column names, got {features!r}")
    rows = _rows(path, delimiter, comment)
    if not rows:
        raise DataFileError(f"{path}: empty CSV file; expected rows of comma-separated numbers")
    first_line, first = rows[0]
    has_header = header is True or (header == "auto" and not all(_is_number(v) for v in first))
    names = first if has_header else None
    data_rows = rows[1:] if has_header else rows
    if not data_rows:
        raise DataFileError(f"{path}: no data rows after the header (line {first_line})")
    n_columns = len(first)
    for line, row in data_rows:
        if len(row) != n_columns:
            raise DataFileError(
                f"{path}, line {line}: expected {n_columns} fields "
                f"({'as in the header' if has_header else 'as in the first row'}), got {len(row)}"
            )
    column_names = names if names is not None else [f"column {j}" for j in range(n_columns)]
    t = _column_index(target, names, n_columns, path)
    if t is not None and n_columns < 2:
        raise DataFileError(
            f"{path}: a target column needs at least one feature column besides it, got {n_columns} column"
        )
    columns = _feature_columns(features, names, n_columns, t, path)
    X = np.empty((len(data_rows), len(columns)), dtype=np.float64)
    for i, (line, row) in enumerate(data_rows):
        for k, j in enumerate(columns):
            X[i, k] = _number(row[j], path, line, j, column_names[j], dtype)
    y = None
    target_names: list[str] = []
    if t is not None:
        y, target_names = _targets(data_rows, t, column_names[t], path, dtype, classes)
    return DatasetBundle(
        X=X.astype(dtype),
        # None for a features-only file (target=None, documented above); DatasetBundle.y is typed
        # for the labelled case, which every built-in loader and the examples rely on.
        y=y,  # type: ignore[arg-type]
        feature_names=[column_names[j] for j in columns],
        target_names=target_names,
        description=f"read from {path}: {len(data_rows)} rows, {len(columns)} features"
        + (f", target column {column_names[t]!r}" if t is not None else ""),
    )


def csv_columns(
    path: Any, header: Any = "auto", delimiter: str = ",", comment: str | None = "#"
) -> tuple[list[str] | None, int]:
    """The column names of a CSV file (None without a header row) and its number of columns.

    Reads the file as ``read_csv`` does (comments, blank lines, byte-order mark), so that a caller
    can decide which columns to read before reading them.

    Args:
        path: the file.
        header: ``True``, ``False`` or ``"auto"``, as for ``read_csv``.
        delimiter: the field separator.
        comment: lines starting with this string are skipped.

    Raises:
        DataFileError: the file is empty or not a UTF-8 CSV file.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.data.readers import csv_columns
        >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
        >>> _ = open(path, "w", encoding="utf-8-sig").write("size,outcome\\n0.5,alive\\n")
        >>> csv_columns(path)
        (['size', 'outcome'], 2)
    """
    path = Path(path)
    rows = _rows(path, delimiter, comment)
    if not rows:
        raise DataFileError(f"{path}: empty CSV file; expected rows of comma-separated numbers")
    first = rows[0][1]
    has_header = header is True or (header == "auto" and not all(_is_number(v) for v in first))
    return (first if has_header else None), len(first)


def _rows(path: Path, delimiter: str, comment: str | None) -> list[tuple[int, list[str]]]:
    """The non-blank, non-comment rows of a CSV file with their line numbers, fields stripped."""
    try:
        # utf-8-sig: a byte-order mark (Excel writes one) is not part of the first column's name
        with open(path, newline="", encoding="utf-8-sig") as f:
            return [
                (number, [field.strip() for field in row])
                for number, row in enumerate(csv.reader(f, delimiter=delimiter), start=1)
                if row and any(field.strip() for field in row) and not (comment and row[0].lstrip().startswith(comment))
            ]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataFileError(f"{path}: expected a CSV file, got a folder") from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"{path}: not a UTF-8 text file ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise DataFileError(f"{path}: malformed CSV: {error}") from None


def _feature_columns(
    features: Sequence[str] | None, names: list[str] | None, n_columns: int, t: int | None, path: Path
) -> list[int]:
    """The indices of the feature columns: those named by ``features``, or all but the target."""
    if features is None:
        return [j for j in range(n_columns) if j != t]
    if names is None:
        raise DataFileError(
            f"{path}: the feature columns are given by name ({list(features)}), but the file has no header row"
        )
    missing = [name for name in features if name not in names]
    if missing:
        raise DataFileError(f"{path}: no column {missing[0]!r} in the header; the columns are {names}")
    columns = [_named_column(name, names, path) for name in features]
    if t is not None and t in columns:
        raise DataFileError(f"{path}: column {names[t]!r} cannot be both the target and a feature")
    return columns


def _targets(
    data_rows: list[tuple[int, list[str]]],
    t: int,
    name: str,
    path: Path,
    dtype: np.dtype,
    classes: Sequence[str] | None,
) -> tuple[np.ndarray, list[str]]:
    """The target column as labels or numbers, and the target names."""
    values = [row[t] for _, row in data_rows]
    for (line, _), v in zip(data_rows, values):
        if v == "":
            raise DataFileError(f"{path}, line {line}, column {name!r} ({t}): empty target value")
    numeric = all(_is_number(v) for v in values)
    if classes is not None and not (numeric and not set(values) <= set(classes)):
        index = {c: i for i, c in enumerate(classes)}
        for (line, _), v in zip(data_rows, values):
            if v not in index:
                raise DataFileError(
                    f"{path}, line {line}, column {name!r} ({t}): unknown class {v!r}; the classes are {list(classes)}"
                )
        return np.array([index[v] for v in values], dtype=np.int64), list(classes)
    if numeric:
        numbers = np.array([_number(v, path, line, t, name, dtype) for (line, _), v in zip(data_rows, values)])
        whole = bool(np.all(numbers == np.round(numbers))) and np.abs(numbers).max() < 2**53
        return (numbers.astype(np.int64) if whole else numbers.astype(dtype)), [name]
    names = sorted(set(values))
    index = {c: i for i, c in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64), names


def _number(text: str, path: Path, line: int, column: int, name: str, dtype: np.dtype) -> float:
    where = f"{path}, line {line}, column {name!r} ({column})"
    if text == "":
        raise DataFileError(f"{where}: empty value; expected a number")
    try:
        value = float(text)
    except ValueError:
        raise DataFileError(f"{where}: expected a number, got {text!r}") from None
    if math.isinf(value) and text.lstrip("+-").lower() not in ("inf", "infinity"):
        raise DataFileError(
            f"{where}: {text!r} overflows: it is beyond the largest float64 number, ±{np.finfo(np.float64).max:.3g}"
        )
    if not math.isfinite(value):
        raise DataFileError(f"{where}: expected a finite number, got {text!r}")
    largest = float(np.finfo(dtype).max)
    if abs(value) > largest:
        raise DataFileError(
            f"{where}: {text!r} is beyond the largest {dtype} number, ±{largest:.3g}; read the file as "
            f'float64 (dtype = "float64" in a config)'
        )
    return value


def _npy_header(member: IO[bytes], name: str, path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """Parse a member's ``.npy`` header (format 1.0/2.0/3.0): shape, dtype, header length."""
    magic = member.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise DataFileError(f"{path}: member {name!r} is not a .npy array (bad magic)")
    major = magic[6]
    if major == 1:
        size_bytes = 2
    elif major in (2, 3):
        size_bytes = 4
    else:
        raise DataFileError(f"{path}: member {name!r} has an unknown .npy format version {major}.{magic[7]}")
    raw = member.read(size_bytes)
    header_len = int.from_bytes(raw, "little")
    if len(raw) != size_bytes or header_len > 65535:
        raise DataFileError(f"{path}: member {name!r} has a malformed .npy header length")
    text = member.read(header_len)
    try:
        header = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin1"))
        descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
        dtype = np.dtype(np.lib.format.descr_to_dtype(descr))
        shape = tuple(int(s) for s in shape)
    except (ValueError, SyntaxError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: member {name!r} has a malformed .npy header ({error})") from None
    if not isinstance(fortran, bool) or any(s < 0 for s in shape):
        raise DataFileError(f"{path}: member {name!r} has a malformed .npy header")
    return shape, dtype, 8 + size_bytes + header_len


def read_npz(path: Any) -> dict[str, np.ndarray]:
    """Read every array of a NumPy ``.npz`` archive, refusing anything that would need pickle.

    Each member's ``.npy`` header is read first: a member whose dtype holds Python objects is
    refused (loading it would run pickle), and one whose declared shape needs more (or fewer)
    bytes than the member holds is refused before anything is allocated. The arrays are then
    loaded with ``allow_pickle=False``.

    Args:
        path: an ``.npz`` file written by ``numpy.savez`` or ``numpy.savez_compressed``.

    Returns:
        member name (without ``.npy``) → array.

    Raises:
        DataFileError: (a ``ValueError``) not a zip/npz file, an object array, a malformed or
            inconsistent member; the message names the file and the member.

    Examples:
        >>> import numpy as np, tempfile, os
        >>> from deltanet.data import read_npz
        >>> path = os.path.join(tempfile.mkdtemp(), "data.npz")
        >>> np.savez(path, X=np.zeros((3, 2)), y=np.array([0, 1, 1]))
        >>> {k: v.shape for k, v in read_npz(path).items()}
        {'X': (3, 2), 'y': (3,)}
    """
    path = Path(path)
    if not path.is_file():
        if path.is_dir():
            raise DataFileError(f"{path}: expected an .npz file, got a folder")
        raise FileNotFoundError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DataFileError(f"{path}: not an .npz file (a zip archive of .npy arrays): {error}") from None
    arrays: dict[str, np.ndarray] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".npy"):
                raise DataFileError(f"{path}: member {name!r} is not a .npy array")
            key = name[: -len(".npy")]
            try:
                with archive.open(info) as member:
                    shape, dtype, header_size = _npy_header(member, name, path)
                    if dtype.hasobject:
                        raise DataFileError(
                            f"{path}: member {key!r} is an object array (dtype {dtype}); loading it would "
                            f"need pickle, which deltanet never uses; save numeric arrays instead"
                        )
                    needed = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                    if info.file_size - header_size != needed:
                        raise DataFileError(
                            f"{path}: member {key!r} declares shape {shape} of {dtype} ({needed} bytes), "
                            f"but holds {info.file_size - header_size} bytes of data"
                        )
                with archive.open(info) as member:
                    arrays[key] = np.lib.format.read_array(member, allow_pickle=False)
            except DataFileError:
                raise
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
                raise DataFileError(f"{path}: cannot read member {key!r}: {error}") from None
    if not arrays:
        raise DataFileError(f"{path}: the archive holds no arrays")
    return arrays


def read_npz_xy(path: Any, x: str = "X", y: str | None = "y") -> DatasetBundle:
    """Features and targets from two members of an ``.npz`` file (see ``read_npz``).

    Args:
        path: the ``.npz`` file.
        x: the member with the samples (N, ...).
        y: the member with the targets (N, ...), or None.

    Examples:
        >>> import numpy as np, tempfile, os
        >>> from deltanet.data import read_npz_xy
        >>> path = os.path.join(tempfile.mkdtemp(), "data.npz")
        >>> np.savez(path, images=np.zeros((4, 1, 8, 8), np.float32), labels=np.arange(4))
        >>> data = read_npz_xy(path, x="images", y="labels")
        >>> data.X.shape, data.y.tolist()
        ((4, 1, 8, 8), [0, 1, 2, 3])
    """
    arrays = read_npz(path)
    for key in (x, y):
        if key is not None and key not in arrays:
            raise DataFileError(f"{path}: no array {key!r} in the archive; it holds {sorted(arrays)}")
    X = arrays[x]
    target = arrays[y] if y is not None else None
    if X.ndim == 0 or X.dtype.kind not in "fiub":
        raise DataFileError(
            f"{path}: array {x!r} must be numeric with one row per sample, got {X.dtype} of shape {X.shape}"
        )
    if target is not None and (target.ndim == 0 or len(target) != len(X)):
        raise DataFileError(
            f"{path}: arrays {x!r} and {y!r} must have one row per sample each, got shapes {X.shape} and {target.shape}"
        )
    n_features = int(np.prod(X.shape[1:])) if X.ndim > 1 else 1
    return DatasetBundle(
        X=X,
        y=target,  # type: ignore[arg-type]  # None without y= (see read_csv's comment on DatasetBundle.y)
        feature_names=[f"feature {j}" for j in range(n_features)],
        target_names=[],
        description=f"read from {path}: arrays {x!r}" + (f" and {y!r}" if y is not None else ""),
    )


__all__ = ["DataFileError", "csv_columns", "read_csv", "read_npz", "read_npz_xy"]
