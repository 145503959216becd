"""The data of a run: loading what a config names, the split, the preprocessing, the digests.

A run remembers its data in three ways, so that ``evaluate`` and ``predict`` never score the wrong
rows nor read labels in another order:

- ``split.json``: the positions of the training, validation and held-out rows;
- the run's manifest: the SHA-256 of the whole data and of the held-out rows' *content*
  (``digest``), so that an edited or reordered file is detected instead of scored;
- ``preprocessing.json``: the standardization, the class names (labels are positions in this
  list, whatever classes a later file holds or lacks) and the feature columns of a CSV file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Target kinds whose targets are class labels (``deltanet.losses.Loss.target_kind``).
LABEL_KINDS = ("class_index", "binary", "sign")


@dataclass
class Data:
    """Samples, targets and what they are.

    Attributes:
        X: the samples.
        y: the targets, or None.
        class_names: the names of the labels (label ``k`` is ``class_names[k]``), when known.
        feature_names: the CSV header's names of the feature columns, when the file has one.
        test: a test set that comes with the data (MNIST), as ``(X, y)``.
    """

    X: np.ndarray
    y: Any
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    test: tuple[np.ndarray, Any] | None = None


def _names(names: Sequence[str]) -> list[str] | None:
    """Class names, or None for a single name (a numeric or regression target's column name)."""
    return [str(n) for n in names] if len(names) >= 2 else None


def load_data(
    spec: dict[str, Any],
    dtype: str = "float32",
    classes: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    for_prediction: bool = False,
    n_features: int | None = None,
) -> Data:
    """Load the data a checked ``[data]`` table names.

    Args:
        spec: ``cfg["data"]`` from ``read_config`` (or the same keys for ``--data``).
        dtype: the float dtype of the samples.
        classes: the run's class names: CSV class names become positions in this list.
        features: the feature columns of a CSV file with a header, by name, in the run's order.
        for_prediction: a CSV file's target column is not read (``features``, the header or the
            column count tell which columns are features).
        n_features: the number of features the model takes: a CSV file without a header and with
            one column more holds the target too.

    Returns:
        The data (a CSV file read for prediction has ``y = None``).
    """
    data = _load(spec, dtype, classes, features, for_prediction, n_features)
    k = spec.get("upsample", 1)
    if k > 1:
        if data.X.ndim != 4:
            raise ValueError(f"{spec['value']}: upsample = {k} needs images (N, C, H, W), got shape {data.X.shape}")
        repeat = np.ones((1, 1, k, k), dtype=data.X.dtype)
        data.X = np.kron(data.X, repeat)
        if data.test is not None:
            data.test = (np.kron(data.test[0], repeat), data.test[1])
    return data


def _load(
    spec: dict[str, Any],
    dtype: str,
    classes: Sequence[str] | None,
    features: Sequence[str] | None,
    predict: bool,
    n_features: int | None,
) -> Data:
    from deltanet import data as D

    source, value = spec["source"], spec["value"]
    if source == "dataset":
        loaders: dict[str, Callable[[], Any]] = {
            "iris": lambda: D.load_iris(dtype=dtype),
            "breast_cancer": lambda: D.load_breast_cancer(dtype=dtype),
            "diabetes": lambda: D.load_diabetes(dtype=dtype),
            "digits": lambda: D.load_digits(dtype=dtype, images=spec["images"], scale=spec["scale"]),
            "xor": lambda: D.xor(dtype=dtype),
            "mirror_symmetry": lambda: D.mirror_symmetry(dtype=dtype),
            "tumor_survival": lambda: D.tumor_survival(dtype=dtype),
        }
        bundle = loaders[value]()
        return Data(bundle.X, bundle.y, _names(bundle.target_names))
    if source == "csv":
        return _load_csv(spec, dtype, classes, features, predict, n_features)
    if source == "npz":
        bundle = D.read_npz_xy(value, x=spec["x"], y=None if predict else spec["y"])
        X = bundle.X.astype(dtype) if bundle.X.dtype.kind in "fiub" else bundle.X
        return Data(X, bundle.y)
    train = D.load_mnist(value, "train", dtype=dtype, flatten=not spec["images"])
    test = D.load_mnist(value, "test", dtype=dtype, flatten=not spec["images"])
    return Data(train.X, train.y, _names(train.target_names), test=(test.X, test.y))


def _load_csv(
    spec: dict[str, Any],
    dtype: str,
    classes: Sequence[str] | None,
    features: Sequence[str] | None,
    predict: bool,
    n_features: int | None,
) -> Data:
    from deltanet.data.readers import csv_columns, read_csv

    value, target = spec["value"], spec["target"]
    options = {"header": spec["header"], "delimiter": spec["delimiter"], "dtype": dtype}
    header, n_columns = csv_columns(value, spec["header"], spec["delimiter"])
    use = list(features) if features is not None and header is not None else None
    if predict:
        if use is None and header is not None and isinstance(target, str) and target in header:
            use = [name for name in header if name != target]  # the target column, by name
        elif use is None and isinstance(target, int) and n_features is not None and n_columns == n_features + 1:
            bundle = read_csv(value, target=target, **options)  # the target column, by position
            return Data(bundle.X, None, None, bundle.feature_names if header else None)
        bundle = read_csv(value, target=None, features=use, **options)
        return Data(bundle.X, None, None, bundle.feature_names if header else None)
    bundle = read_csv(value, target=target, classes=classes, features=use, **options)
    return Data(bundle.X, bundle.y, _names(bundle.target_names), bundle.feature_names if header else None)


def relabel(y: np.ndarray, names: Sequence[str] | None, run_names: Sequence[str] | None, what: str) -> np.ndarray:
    """Labels that index ``names`` (the data's classes) as labels that index ``run_names`` (the run's).

    Args:
        y: integer labels of the data.
        names: the data's class names (label ``k`` is ``names[k]``), or None.
        run_names: the class names the model was trained on, or None.
        what: the data, for messages.

    Raises:
        ValueError: a class of the data that the model was not trained on.

    Examples:
        >>> import numpy as np
        >>> from deltanet.cli.data import relabel
        >>> relabel(np.array([0, 1]), ["setosa", "virginica"], ["setosa", "versicolor", "virginica"], "f")
        array([0, 2])
    """
    if names is None or run_names is None or list(names) == list(run_names):
        return y
    index = {name: k for k, name in enumerate(run_names)}
    unknown = sorted({names[k] for k in np.unique(y)} - set(index))
    if unknown:
        raise ValueError(
            f"{what}: class {unknown[0]!r} is not one the model was trained on; its classes are {list(run_names)}"
        )
    table = np.array([index.get(name, -1) for name in names], dtype=np.int64)
    return table[np.asarray(y, dtype=np.int64)]


def split_data(cfg: dict[str, Any], data: Data, kind: str) -> dict[str, np.ndarray]:
    """Training, validation and held-out rows as the config asks (deterministic in ``seed``).

    Args:
        cfg: a config from ``read_config``.
        data: the loaded data.
        kind: the loss's target kind; class labels are split stratified (unless
            ``data.stratify = false``).

    Returns:
        ``{"train", "validation", "test"}``: sorted row positions (``test`` empty when the data
        bring their own test set, or when ``data.test_split = 0``).

    Raises:
        ConfigError: ``data.train_size`` asks for more rows than are left for training (it would
            train on all of them, not on the number asked for).
    """
    spec, seed = cfg["data"], cfg["seed"]
    index = np.arange(len(data.X))
    y = None if data.y is None else np.asarray(data.y)
    labels = kind in LABEL_KINDS and y is not None and y.ndim == 1 and y.dtype.kind in "iu"
    stratify = spec["stratify"] and labels
    test_index = np.array([], dtype=np.int64)
    if spec["test_split"] > 0 and data.test is None:
        index, test_index = _split(cfg, "data.test_split", index, y if stratify else None, spec["test_split"], seed)
    if spec["train_size"] is not None and spec["train_size"] > len(index):
        from deltanet.cli.config import fail

        raise fail(
            cfg["path"],
            "data.train_size",
            f"{spec['train_size']} is more than the {len(index)} rows left for training"
            + (" after test_split" if len(test_index) else "")
            + f"; give at most {len(index)}, or leave train_size out to train on all of them",
        )
    if spec["train_size"] is not None and spec["train_size"] < len(index):
        # A random part (stratified for labels), not the first rows: a file sorted by class would
        # give rows of its first classes only.
        y_part = y[index] if stratify and y is not None else None
        index = _split(cfg, "data.train_size", index, y_part, len(index) - spec["train_size"], seed + 2)[0]
    val_index = np.array([], dtype=np.int64)
    if cfg["validation_split"] > 0:
        if len(index) < 2:  # the key that left too few rows is named, not validation_split
            from deltanet.cli.config import fail

            if spec["train_size"] is not None:
                key, why = "data.train_size", f"{spec['train_size']} row for training is"
            else:
                key, why = (
                    "data.test_split",
                    f"{spec['test_split']} leaves {len(index)} of {len(data.X)} rows for training,",
                )
            raise fail(
                cfg["path"],
                key,
                f"{why} too few for validation_split = {cfg['validation_split']} (splitting needs at least 2 rows)",
            )
        y_part = y[index] if stratify and y is not None else None
        index, val_index = _split(cfg, "validation_split", index, y_part, cfg["validation_split"], seed + 1)
    return {"train": np.sort(index), "validation": np.sort(val_index), "test": np.sort(test_index)}


def _split(
    cfg: dict[str, Any], key: str, index: np.ndarray, labels: np.ndarray | None, size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``train_test_split`` of the rows ``index`` (stratified by ``labels`` when given); its
    ``ValueError`` (too few rows, a class too small to stratify) becomes a ``ConfigError`` that
    names the config's ``key``."""
    from deltanet.cli.config import fail
    from deltanet.data import train_test_split

    try:
        left, taken = train_test_split(index, labels, test_size=size, stratify=labels, rng=seed)[:2]
    except ValueError as error:
        value = cfg["data"][key[5:]] if key.startswith("data.") else cfg[key]
        raise fail(cfg["path"], key, f"{value} cannot be applied to {len(index)} rows: {error}") from None
    return left, taken


def held_out(data: Data, parts: dict[str, np.ndarray]) -> tuple[np.ndarray, Any] | None:
    """The held-out samples and targets, before preprocessing: the data's own test set (MNIST), or
    the rows of ``parts["test"]``; None when the run held nothing out.

    Args:
        data: the loaded data.
        parts: the split (``split_data`` or ``split.json``).
    """
    if data.test is not None:
        return data.test[0], data.test[1]
    test = np.asarray(parts["test"], dtype=np.int64)
    if len(test) == 0:
        return None
    return data.X[test], None if data.y is None else np.asarray(data.y)[test]


def digest(X: np.ndarray, y: Any = None, class_names: Sequence[str] | None = None) -> str:
    """The SHA-256 of samples and targets: their dtypes, shapes and bytes; labels by class name.

    Labels are hashed by name when the names are known, so that the same rows give the same
    digest even when another class elsewhere in the file shifts the label numbers.

    Args:
        X: the samples.
        y: the targets, or None.
        class_names: the names of the labels, or None.

    Examples:
        >>> import numpy as np
        >>> from deltanet.cli.data import digest
        >>> X = np.zeros((2, 3), np.float32)
        >>> digest(X, np.array([0, 1]), ["a", "b"]) == digest(X, np.array([1, 2]), ["z", "a", "b"])
        True
    """
    h = hashlib.sha256()
    X = np.ascontiguousarray(X)
    h.update(f"X {X.dtype.str} {X.shape}\n".encode())
    h.update(X.tobytes())
    if y is not None:
        y = np.ascontiguousarray(y)
        if class_names is not None and y.dtype.kind in "iu" and y.ndim == 1:
            h.update(("y names\n" + "\n".join(class_names[k] for k in y.tolist())).encode())
        else:
            h.update(f"y {y.dtype.str} {y.shape}\n".encode())
            h.update(y.tobytes())
    return h.hexdigest()


class Preprocessing:
    """What must be done to new samples before the model sees them, and what its outputs mean.

    Args:
        mean: the training part's feature means (standardization), or None.
        scale: the training part's feature standard deviations, or None (with ``mean``).
        class_names: the names of the labels (label ``k`` is ``class_names[k]``), or None.
        task: the loss's target kind (``deltanet.losses.Loss.target_kind``).
        n_features: the number of features per sample.
        feature_names: the CSV header's names of the feature columns, or None.

    Examples:
        >>> import numpy as np
        >>> from deltanet.cli.data import Preprocessing
        >>> prep = Preprocessing([1.0, 2.0], [2.0, 4.0], ["no", "yes"], "class_index", 2)
        >>> prep.apply(np.array([[3.0, 6.0]], np.float32)).tolist()
        [[1.0, 1.0]]
    """

    def __init__(
        self,
        mean: Any = None,
        scale: Any = None,
        class_names: Sequence[str] | None = None,
        task: str = "other",
        n_features: int | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> None:
        if (mean is None) != (scale is None):
            raise ValueError(
                f"Preprocessing: mean and scale must be given together, got mean={mean!r}, scale={scale!r}"
            )
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.scale = None if scale is None else np.asarray(scale, dtype=np.float64)
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        self.task = task
        self.n_features = n_features
        self.feature_names = None if feature_names is None else [str(c) for c in feature_names]

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Standardize ``X`` with the training statistics (if the run standardized).

        Args:
            X: samples, shape (N, F).
        """
        if self.mean is None or self.scale is None:  # both or neither (checked in __init__)
            return X
        if X.ndim != 2 or X.shape[1] != len(self.mean):
            raise ValueError(f"the data have shape {X.shape}, but the model was trained on {len(self.mean)} features")
        return ((X - self.mean) / self.scale).astype(X.dtype)

    def to_json(self) -> str:
        """The preprocessing as JSON text (``preprocessing.json``)."""
        return json.dumps(
            {
                "mean": None if self.mean is None else self.mean.tolist(),
                "scale": None if self.scale is None else self.scale.tolist(),
                "class_names": self.class_names,
                "task": self.task,
                "n_features": self.n_features,
                "feature_names": self.feature_names,
            },
            indent=2,
        )

    @classmethod
    def read(cls, path: Path) -> Preprocessing:
        """The preprocessing saved in ``path`` (``preprocessing.json``); none when it is absent.

        Args:
            path: the file.

        Raises:
            ValueError: a malformed file.
        """
        try:
            value = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                value["mean"],
                value["scale"],
                value["class_names"],
                value["task"],
                value.get("n_features"),
                value.get("feature_names"),
            )
        except FileNotFoundError:
            return cls()
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: malformed preprocessing file ({error})") from None


__all__ = ["LABEL_KINDS", "Data", "Preprocessing", "digest", "held_out", "load_data", "relabel", "split_data"]
