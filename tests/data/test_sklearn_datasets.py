"""Breast cancer, diabetes and digits: scikit-learn's copies, with deltanet's label conventions."""

import builtins

import numpy as np
import pytest

from deltanet.data import load_breast_cancer, load_diabetes, load_digits

datasets = pytest.importorskip("sklearn.datasets")


def test_breast_cancer_labels_malignant_as_one():
    ref = datasets.load_breast_cancer()
    d = load_breast_cancer(dtype=np.float64)
    np.testing.assert_array_equal(d.X, ref.data)
    assert d.target_names == ["benign", "malignant"]
    np.testing.assert_array_equal(d.y, 1 - ref.target)  # scikit-learn: 0 = malignant
    assert np.bincount(d.y).tolist() == [357, 212]
    assert "1 = malignant" in d.description and d.feature_names[0] == "mean radius"


def test_diabetes_regression():
    d = load_diabetes()
    ref = datasets.load_diabetes()
    np.testing.assert_allclose(d.X, ref.data, rtol=1e-6)
    np.testing.assert_allclose(d.y, ref.target, rtol=1e-6)
    assert d.y.dtype == np.float32 and d.target_names == ["disease progression"]
    raw = load_diabetes(scaled=False, dtype=np.float64)
    assert raw.X[:, 0].max() > 1  # age in years


def test_digits_rows_and_images():
    ref = datasets.load_digits()
    rows = load_digits(dtype=np.float64)
    np.testing.assert_array_equal(rows.X, ref.data)
    images = load_digits(images=True, scale=True, dtype=np.float64)
    assert images.X.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(images.X[:, 0], ref.images / 16)
    np.testing.assert_array_equal(images.y, ref.target)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    for loader in (load_breast_cancer, load_diabetes, load_digits):
        with pytest.raises(ImportError, match=r"pip install 'deltanet\[data\]'"):
            loader()


def test_bad_dtype():
    with pytest.raises(ValueError, match="load_digits: dtype must be float32 or float64, got int64"):
        load_digits(dtype=np.int64)
