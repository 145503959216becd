"""Real datasets: iris ships with deltanet (a bundled CSV, no download, no pickle); breast cancer,
diabetes and the 8×8 digits come from scikit-learn's bundled copies (the ``data`` extra,
``pip install 'deltanet[data]'``), imported only when one of them is loaded.

| loader | samples × features | target | seeds |
|---|---|---|---|
| ``load_iris`` | 150 × 4 | 3 species | the iris network ([Hosny et al.]) |
| ``load_breast_cancer`` | 569 × 30 | 1 = malignant, 0 = benign | "benign vs malignant" ([de Back 2018]) |
| ``load_diabetes`` | 442 × 10 | disease progression after one year (regression) | regression tasks ([de Back 2018]) |
| ``load_digits`` | 1797 × 64 (8×8 images) | digit 0–9 | digit recognition, LeNet ([Suk 2015]) |

Every loader returns a ``DatasetBundle``: ``X``, ``y``, the feature and target names and a
description that says where the data come from.
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
    """A loaded dataset: features ``X``, targets ``y`` and their names.

    Unpacks as ``X, y = load_iris()``.

    Attributes:
        X: the features, of shape (N, F), or images of shape (N, C, H, W).
        y: the targets, of shape (N,): integer class labels, or floats for regression.
        feature_names: one name per feature (column of ``X``).
        target_names: the class names in label order (label ``i`` is ``target_names[i]``); for a
            regression target, the target's name.
        description: where the data come from (not shown in the ``repr``).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import DatasetBundle
        >>> bundle = DatasetBundle(np.zeros((3, 2)), np.array([0, 1, 1]), ["a", "b"], ["no", "yes"])
        >>> X, y = bundle
        >>> X.shape, bundle.target_names[y[1]]
        ((3, 2), 'yes')
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
        A ``DatasetBundle`` with ``X`` (150, 4), ``y`` (150,) int64 in {0, 1, 2},
        ``feature_names``, ``target_names`` (``["setosa", "versicolor", "virginica"]``) and
        ``description``.

    Examples:
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


SKLEARN_HINT = "pip install 'deltanet[data]'"


def _sklearn_datasets(loader: str) -> Any:
    """scikit-learn's ``datasets`` module, or an ImportError that names the extra to install."""
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            f"{loader} needs scikit-learn, which is not installed; install it with {SKLEARN_HINT}"
        ) from None
    return datasets


def _float_dtype(dtype: Any, loader: str) -> np.dtype:
    dtype = np.dtype(dtype)
    check_dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"{loader}: dtype must be float32 or float64, got {dtype}")
    return dtype


BREAST_CANCER_DESCRIPTION = """Breast Cancer Wisconsin (Diagnostic) data (W. N. Street, W. H. Wolberg and
O. L. Mangasarian, "Nuclear feature extraction for breast tumor diagnosis", 1993; UCI), scikit-learn's copy.

569 fine-needle aspirates of breast masses, 30 features: mean, standard error and worst value of
10 properties of the cell nuclei in the image (radius, texture, perimeter, area, smoothness,
compactness, concavity, concave points, symmetry, fractal dimension).

Labels here: 1 = malignant (212 cases), 0 = benign (357 cases), so that the positive class of
precision and recall is the disease. scikit-learn encodes it the other way round
(0 = malignant, 1 = benign); deltanet flips it."""

DIABETES_DESCRIPTION = """Diabetes data (B. Efron, T. Hastie, I. Johnstone and R. Tibshirani, "Least Angle Regression",
Annals of Statistics 32(2), 2004), scikit-learn's copy.

442 patients, 10 baseline variables: age, sex, body mass index, average blood pressure and six
blood serum measurements (s1-s6). Target: a quantitative measure of disease progression one year
after baseline (25 to 346), a regression task. With scaled=True (the default, scikit-learn's) each
feature is mean-centred and scaled so that its sum of squares is 1; scaled=False gives the raw
values (age in years, sex as 1/2, ...)."""

DIGITS_DESCRIPTION = """Optical recognition of handwritten digits (E. Alpaydin and C. Kaynak, 1998; UCI), the test part
as scikit-learn ships it.

1797 images of 8×8 pixels; each pixel counts the set pixels of a 4×4 block of the original
32×32 bitmap, so values are integers 0-16. Target: the digit 0-9 (about 180 of each). A small,
download-free stand-in for MNIST (28×28, 70,000 images)."""


def load_breast_cancer(dtype: Any = DEFAULT_DTYPE) -> DatasetBundle:
    """Load the Breast Cancer Wisconsin (Diagnostic) data: 569 × 30, 1 = malignant, 0 = benign.

    Needs scikit-learn (``pip install 'deltanet[data]'``), whose bundled copy is read (no download).

    Args:
        dtype: float dtype of ``X``.

    Returns:
        A ``DatasetBundle``: ``X`` (569, 30), ``y`` (569,) int64 with 1 = malignant and
        0 = benign (scikit-learn's labels flipped), ``target_names`` ``["benign", "malignant"]``.

    Examples:
        >>> from deltanet.data import load_breast_cancer
        >>> data = load_breast_cancer()
        >>> data.X.shape, data.target_names, int(data.y.sum())
        ((569, 30), ['benign', 'malignant'], 212)
    """
    dtype = _float_dtype(dtype, "load_breast_cancer")
    raw = _sklearn_datasets("load_breast_cancer").load_breast_cancer()
    y = (np.asarray(raw.target) == 0).astype(np.int64)  # scikit-learn: 0 = malignant
    return DatasetBundle(
        X=np.asarray(raw.data, dtype=np.float64).astype(dtype),
        y=y,
        feature_names=[str(name) for name in raw.feature_names],
        target_names=["benign", "malignant"],
        description=BREAST_CANCER_DESCRIPTION,
    )


def load_diabetes(dtype: Any = DEFAULT_DTYPE, scaled: bool = True) -> DatasetBundle:
    """Load the diabetes regression data: 442 patients × 10 features, target = disease progression.

    Needs scikit-learn (``pip install 'deltanet[data]'``).

    Args:
        dtype: float dtype of ``X`` and ``y``.
        scaled: scikit-learn's centred and scaled features (True) or the raw values (False).

    Returns:
        A ``DatasetBundle``: ``X`` (442, 10), ``y`` (442,) floats in [25, 346],
        ``target_names`` ``["disease progression"]``.

    Examples:
        >>> from deltanet.data import load_diabetes
        >>> data = load_diabetes()
        >>> data.X.shape, data.feature_names[:3], float(data.y.min()), float(data.y.max())
        ((442, 10), ['age', 'sex', 'bmi'], 25.0, 346.0)
    """
    dtype = _float_dtype(dtype, "load_diabetes")
    raw = _sklearn_datasets("load_diabetes").load_diabetes(scaled=bool(scaled))
    return DatasetBundle(
        X=np.asarray(raw.data, dtype=np.float64).astype(dtype),
        y=np.asarray(raw.target, dtype=np.float64).astype(dtype),
        feature_names=[str(name) for name in raw.feature_names],
        target_names=["disease progression"],
        description=DIABETES_DESCRIPTION,
    )


def load_digits(dtype: Any = DEFAULT_DTYPE, images: bool = False, scale: bool = False) -> DatasetBundle:
    """Load the 8×8 handwritten digits: 1797 images, pixel values 0-16, classes 0-9.

    Needs scikit-learn (``pip install 'deltanet[data]'``).

    Args:
        dtype: float dtype of ``X``.
        images: return ``X`` as images of shape (N, 1, 8, 8) (channels first, for ``Conv2d``)
            instead of rows of 64 pixels.
        scale: divide the pixels by 16, to [0, 1].

    Returns:
        A ``DatasetBundle``: ``X`` (1797, 64) or (1797, 1, 8, 8), ``y`` (1797,) int64 in 0-9,
        ``target_names`` ``["0", ..., "9"]``.

    Examples:
        >>> from deltanet.data import load_digits
        >>> digits = load_digits(images=True, scale=True)
        >>> digits.X.shape, float(digits.X.max()), digits.target_names[:3]
        ((1797, 1, 8, 8), 1.0, ['0', '1', '2'])
    """
    dtype = _float_dtype(dtype, "load_digits")
    raw = _sklearn_datasets("load_digits").load_digits()
    X = np.asarray(raw.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    if images:
        X = X.reshape(-1, 1, 8, 8)
    return DatasetBundle(
        X=X.astype(dtype),
        y=np.asarray(raw.target, dtype=np.int64),
        feature_names=[f"pixel {r},{c}" for r in range(8) for c in range(8)],
        target_names=[str(d) for d in range(10)],
        description=DIGITS_DESCRIPTION,
    )
