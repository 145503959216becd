"""Held-out splits: train on one part of the data, choose hyperparameters on a second
(validation), and report on a third (test) that training never saw ([Hosny et al.]: "babysitting
the learning curves" needs the validation curve; the final number needs untouched test data).

A stratified split keeps the class proportions of ``y`` in every part, so that a small test set
of iris still holds all three species in equal parts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import get_rng


def _count(size: Any, n: int, name: str) -> int:
    """Turn a fraction in (0, 1) or a count into a number of samples (fractions round up)."""
    if not check.is_number(size):
        raise check.fail(None, name, "a fraction in (0, 1) or a sample count", size)
    if isinstance(size, (float, np.floating)):
        if not 0.0 < size < 1.0:
            raise ValueError(f"{name} as a fraction must be in (0, 1), got {size}")
        return math.ceil(float(size) * n)
    if not 0 < size < n:
        raise ValueError(f"{name} as a count must be between 1 and {n - 1} (N = {n}), got {size}")
    return int(size)


def _stratified_counts(labels: np.ndarray, n_take: int) -> dict[Any, int]:
    """How many of each class to take so the classes keep their proportions (largest remainder)."""
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_take / len(labels))
    take = np.floor(exact).astype(int)
    # Hand the samples still missing to the classes with the largest remainders (ties: the
    # larger class, then the first), as a deterministic rounding that sums to n_take.
    order = sorted(range(len(classes)), key=lambda i: (-(exact[i] - take[i]), -counts[i], i))
    for i in order[: n_take - int(take.sum())]:
        take[i] += 1
    return {c: int(k) for c, k in zip(classes, take)}


def _split_indices(n: int, n_test: int, stratify: np.ndarray | None, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    order = get_rng(rng).permutation(n)
    if stratify is None:
        return order[n_test:], order[:n_test]
    labels = stratify[order]
    want = _stratified_counts(stratify, n_test)
    is_test = np.zeros(n, dtype=bool)
    for c, k in want.items():
        members = np.flatnonzero(labels == c)  # positions in the shuffled order
        is_test[members[:k]] = True
    return order[~is_test], order[is_test]


def _as_labels(stratify: Any, y: Any, n: int) -> np.ndarray | None:
    if stratify is None or stratify is False:
        return None
    if stratify is True:
        if y is None:
            raise ValueError("stratify=True needs y (the class labels to stratify by), got y=None")
        stratify = y
    labels = np.asarray(stratify)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"stratify must be one class label per sample, shape ({n},), got shape {labels.shape}")
    return labels


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X)
    if X.ndim == 0 or len(X) < 2:
        raise ValueError(f"splitting needs at least 2 samples, got X of shape {X.shape}")
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(
                f"X and y must have the same number of samples, got {len(X)} and {len(y) if y.ndim else 'a scalar y'}"
            )
    return X, y


def train_test_split(
    X: Any,
    y: Any = None,
    test_size: float | int = 0.25,
    stratify: Any = None,
    rng: Any = None,
) -> tuple[np.ndarray, ...]:
    """Split into a training and a held-out test part, shuffled with ``rng``.

    Args:
        X: samples, shape (N, ...).
        y: targets, shape (N, ...), or None.
        test_size: fraction of N in (0, 1) (rounded up) or a number of samples.
        stratify: ``True`` to keep the class proportions of ``y``, an array of labels to keep
            theirs, or None for a plain random split.
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s).

    Returns:
        ``(X_train, X_test, y_train, y_test)``, or ``(X_train, X_test)`` when y is None
        (scikit-learn's order).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import train_test_split
        >>> X = np.arange(20).reshape(10, 2); y = np.array([0] * 5 + [1] * 5)
        >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, stratify=True, rng=0)
        >>> X_tr.shape, np.bincount(y_te).tolist()
        ((6, 2), [2, 2])
    """
    X, y = _check_xy(X, y)
    n = len(X)
    n_test = _count(test_size, n, "test_size")
    if n_test >= n:
        raise ValueError(f"test_size={test_size!r} leaves no training samples out of N = {n}")
    train, test = _split_indices(n, n_test, _as_labels(stratify, y, n), rng)
    if y is None:
        return X[train], X[test]
    return X[train], X[test], y[train], y[test]


def train_val_test_split(
    X: Any,
    y: Any = None,
    val_size: float | int = 0.15,
    test_size: float | int = 0.15,
    stratify: Any = None,
    rng: Any = None,
) -> tuple[np.ndarray, ...]:
    """Split into training, validation and test parts (sizes as fractions of all N, or counts).

    Args:
        X, y, stratify, rng: as in ``train_test_split``.
        val_size: the validation part, a fraction of N or a count.
        test_size: the test part, a fraction of N or a count.

    Returns:
        ``(X_train, X_val, X_test, y_train, y_val, y_test)``, or the three X parts when y is None.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import train_val_test_split
        >>> parts = train_val_test_split(np.zeros((20, 2)), np.arange(20) % 2, 0.2, 0.2, rng=0)
        >>> [len(p) for p in parts[:3]]
        [12, 4, 4]
    """
    X, y = _check_xy(X, y)
    n = len(X)
    n_val = _count(val_size, n, "val_size")
    n_test = _count(test_size, n, "test_size")
    if n_val + n_test >= n:
        raise ValueError(
            f"val_size={val_size!r} and test_size={test_size!r} take {n_val + n_test} of "
            f"N = {n} samples, leaving none for training"
        )
    labels = _as_labels(stratify, y, n)
    generator = get_rng(rng)
    rest, test = _split_indices(n, n_test, labels, generator)
    train, val = _split_indices(len(rest), n_val, None if labels is None else labels[rest], generator)
    train, val = rest[train], rest[val]
    if y is None:
        return X[train], X[val], X[test]
    return X[train], X[val], X[test], y[train], y[val], y[test]
