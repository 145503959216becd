"""The bundled iris data equals scikit-learn's copy (Fisher's values), shipped as package data."""

from importlib import resources

import numpy as np
import pytest

from deltanet.data import load_iris


def test_iris_shape_classes_and_names():
    iris = load_iris()
    assert iris.X.shape == (150, 4) and iris.X.dtype == np.float32
    assert iris.y.dtype == np.int64 and np.bincount(iris.y).tolist() == [50, 50, 50]
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert iris.feature_names == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    assert "Fisher" in iris.description
    X, y = iris  # unpacks
    assert X is iris.X and y is iris.y


def test_iris_values_equal_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    ref = datasets.load_iris()
    iris = load_iris(dtype=np.float64)
    assert np.array_equal(iris.X, ref.data)
    assert np.array_equal(iris.y, ref.target)


def test_iris_csv_is_package_data():
    path = resources.files("deltanet.data").joinpath("files", "iris.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 151 and lines[0].startswith("sepal_length_cm,")


def test_iris_bad_dtype():
    with pytest.raises(ValueError, match=r"load_iris: dtype must be float32 or float64, got int64"):
        load_iris(dtype=np.int64)
