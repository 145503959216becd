"""Datasets that ship with deltanet, read from CSV files bundled in the package (no download,
no pickle).

``load_iris`` is the data of the seeds' first worked network (``seeds/001…``): 150 flowers,
4 measurements, 3 species.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from deltanet.backend import DEFAULT_DTYPE, check_dtype

IRIS_DESCRIPTION = """\
Fisher's iris data (R. A. Fisher, "The use of multiple measurements in taxonomic problems",
Annals of Eugenics 7(2), 179-188, 1936; measurements by Edgar Anderson).

150 flowers, 50 of each species (setosa, versicolor, virginica), 4 features in cm:
sepal length, sepal width, petal length, petal width. Setosa is linearly separable from the
other two; versicolor and virginica overlap. The values are scikit-learn's copy, which follows
Fisher's paper (the UCI copy differs in two data points: samples 35 and 38)."""


@dataclass
class DatasetBundle:
    """A loaded dataset: features ``X`` (N, F), integer targets ``y`` (N,), and their names.

    Unpacks as ``X, y = load_iris()``.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    description: str = field(repr=False, default="")

    def __iter__(self) -> Any:
        return iter((self.X, self.y))


def _read_bundled_csv(name: str) -> tuple[list[str], list[list[str]]]:
    text = resources.files("deltanet.data").joinpath("files", name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"bundled dataset file {name!r} is empty; the installation is damaged")
    return rows[0], rows[1:]


def load_iris(dtype: Any = DEFAULT_DTYPE) -> DatasetBundle:
    """Load Fisher's iris data (150 × 4 features, 3 classes) from the bundled CSV.

    Args:
        dtype: float dtype of ``X`` (float32 by default, float64 for exact values).

    Returns:
        A :class:`DatasetBundle` with ``X`` (150, 4), ``y`` (150,) int64 in {0, 1, 2},
        ``feature_names``, ``target_names`` (``["setosa", "versicolor", "virginica"]``) and
        ``description``.

    Example:
        >>> from deltanet.data import load_iris
        >>> iris = load_iris()
        >>> iris.X.shape, iris.y.tolist().count(0), iris.target_names
        ((150, 4), 50, ['setosa', 'versicolor', 'virginica'])
    """
    dtype = np.dtype(dtype)
    check_dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"load_iris: dtype must be float32 or float64, got {dtype}")
    header, rows = _read_bundled_csv("iris.csv")
    target_names = ["setosa", "versicolor", "virginica"]
    index = {name: i for i, name in enumerate(target_names)}
    X = np.array([[float(v) for v in row[:4]] for row in rows], dtype=np.float64).astype(dtype)
    y = np.array([index[row[4]] for row in rows], dtype=np.int64)
    if X.shape != (150, 4):
        raise ValueError(f"bundled iris.csv should hold 150 rows of 4 features, got {X.shape}")
    return DatasetBundle(
        X=X,
        y=y,
        feature_names=[h.replace("_cm", " (cm)").replace("_", " ") for h in header[:4]],
        target_names=target_names,
        description=IRIS_DESCRIPTION,
    )
