"""Standardizer: statistics from the training data only, constant features, dtype, errors."""

import numpy as np
import pytest

from deltanet.data import Standardizer


def test_matches_numpy_and_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, (50, 4))
    X_test = rng.normal(-2.0, 1.0, (10, 4))
    s = Standardizer().fit(X_train)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(s.transform(X_test), (X_test - mean) / std, rtol=1e-12)
    Z = s.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X_test)), X_test, rtol=1e-12)


def test_matches_scikit_learn():
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    X = np.random.default_rng(1).standard_normal((30, 3)) * [1, 10, 100]
    X[:, 1] = 7.0
    np.testing.assert_allclose(
        Standardizer().fit_transform(X), preprocessing.StandardScaler().fit_transform(X), rtol=1e-12, atol=1e-12
    )


def test_constant_feature_is_only_centered():
    X = np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]])
    Z = Standardizer().fit_transform(X)
    assert np.isfinite(Z).all()
    assert Z[:, 1].tolist() == [0.0, 0.0, 0.0]


def test_dtype_kept_and_ints_become_float32():
    assert Standardizer().fit_transform(np.ones((3, 2), np.float32)).dtype == np.float32
    assert Standardizer().fit_transform(np.ones((3, 2), np.float64)).dtype == np.float64
    assert Standardizer().fit_transform(np.arange(6).reshape(3, 2)).dtype == np.float32


def test_state_dict_round_trip():
    s = Standardizer().fit(np.array([[1.0, 2.0], [3.0, 6.0]]))
    t = Standardizer().load_state_dict(s.state_dict())
    assert np.array_equal(t.transform([[2.0, 4.0]]), s.transform([[2.0, 4.0]]))


def test_errors():
    with pytest.raises(ValueError, match=r"Standardizer.transform: call fit\(X_train\) first"):
        Standardizer().transform(np.ones((2, 2)))
    s = Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"X has 3 features, but the Standardizer was fitted on 2"):
        s.transform(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"expects a 2-D array of shape \(n_samples, n_features\), got 1-D shape \(3,\)"
    ):
        Standardizer().fit(np.ones(3))
    with pytest.raises(ValueError, match=r"needs at least 1 sample, got 0"):
        Standardizer().fit(np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"X contains NaN or infinity"):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"expects numeric data, got dtype <U1"):
        Standardizer().fit(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match=r"missing key 'scale'"):
        Standardizer().load_state_dict({"mean": np.zeros(2)})
