"""Held-out splits: sizes, disjoint parts that cover the data, class proportions, seeds."""

import numpy as np
import pytest

from deltanet.data import load_iris, train_test_split, train_val_test_split

X = np.arange(200.0).reshape(100, 2)
Y = np.array([0] * 50 + [1] * 30 + [2] * 20)


def ids(part):
    return (part[:, 0] / 2).astype(int).tolist()


def test_sizes_disjoint_and_complete():
    X_tr, X_te, y_tr, y_te = train_test_split(X, Y, test_size=0.25, rng=0)
    assert len(X_tr) == 75 and len(X_te) == 25
    assert sorted(ids(X_tr) + ids(X_te)) == list(range(100))
    assert np.array_equal(Y[ids(X_te)], y_te)  # rows and targets stay paired


def test_fraction_rounds_up_and_counts_are_exact():
    assert len(train_test_split(X, Y, test_size=0.333, rng=0)[1]) == 34
    assert len(train_test_split(X, Y, test_size=10, rng=0)[1]) == 10


def test_stratified_keeps_class_proportions():
    _, _, y_tr, y_te = train_test_split(X, Y, test_size=0.2, stratify=True, rng=3)
    assert np.bincount(y_te).tolist() == [10, 6, 4]
    assert np.bincount(y_tr).tolist() == [40, 24, 16]
    iris = load_iris()
    _, _, _, y_te = train_test_split(iris.X, iris.y, test_size=1 / 3, stratify=iris.y, rng=0)
    assert np.bincount(y_te).tolist() == [17, 17, 16]  # remainders to the first classes on ties


def test_seed_reproducible():
    a = train_test_split(X, Y, test_size=0.3, stratify=True, rng=5)
    b = train_test_split(X, Y, test_size=0.3, stratify=True, rng=5)
    c = train_test_split(X, Y, test_size=0.3, stratify=True, rng=6)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])


def test_without_y():
    X_tr, X_te = train_test_split(X, test_size=0.1, rng=0)
    assert X_tr.shape == (90, 2) and X_te.shape == (10, 2)


def test_train_val_test():
    parts = train_val_test_split(X, Y, val_size=0.2, test_size=0.1, stratify=True, rng=0)
    X_tr, X_val, X_te, y_tr, y_val, y_te = parts
    assert (len(X_tr), len(X_val), len(X_te)) == (70, 20, 10)
    assert sorted(ids(X_tr) + ids(X_val) + ids(X_te)) == list(range(100))
    assert np.bincount(y_val).tolist() == [10, 6, 4] and np.bincount(y_te).tolist() == [5, 3, 2]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"test_size": 0.0}, r"test_size as a fraction must be in \(0, 1\), got 0.0"),
        ({"test_size": 1.0}, r"test_size as a fraction must be in \(0, 1\), got 1.0"),
        ({"test_size": 100}, r"test_size as a count must be between 1 and 99 \(N = 100\), got 100"),
        ({"test_size": "half"}, r"test_size must be a fraction in \(0, 1\) or a sample count, got 'half'"),
        ({"stratify": np.zeros(5)}, r"stratify must be one class label per sample, shape \(100,\), got shape \(5,\)"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(X, Y, **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"X and y must have the same number of samples, got 100 and 99"):
        train_test_split(X, Y[:99])
    with pytest.raises(ValueError, match=r"splitting needs at least 2 samples"):
        train_test_split(X[:1], Y[:1])
    with pytest.raises(ValueError, match=r"stratify=True needs y"):
        train_test_split(X, stratify=True)
    with pytest.raises(ValueError, match=r"take 100 of N = 100 samples, leaving none for training"):
        train_val_test_split(X, Y, val_size=0.5, test_size=0.5)
