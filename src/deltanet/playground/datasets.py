r"""The playground's data sets: five 2-D classification sets and a 1-D regression, seeded.

The 2-D sets are those of TensorFlow Playground and of the seeds' figures: two classes inside and
outside a ``circle``; the four quadrants of ``xor`` (class $[x_1 x_2 > 0]$, as the deck's XOR
gate spread out over the plane); two ``gaussian`` clusters; two interleaved ``spiral`` arms; and
two features of Fisher's ``iris`` (petal length and width, standardized; three classes). The
``regression`` set is the universal-approximator example's: $x$ uniform on $(-1, 1)$ and a
target $f(x)$ from ``deltanet.data.universal_approximation``.

``noise`` is a share in $[0, 0.5]$: for the synthetic 2-D sets the standard deviation of the
Gaussian noise added to each point, relative to the plane's half-width of 1 (iris is real data
and takes none); for the regression the standard deviation added to the target. The points are
split at random into a training and a test part (``test_ratio`` of them for the test).

Everything is drawn from one generator seeded by ``seed``, so that the script the playground
writes for a run gets the very same arrays by calling ``load`` with the same arguments.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet.data import load_iris, universal_approximation

#: the data sets, in the order the page lists them
DATASETS = ("circle", "xor", "gaussian", "spiral", "iris", "regression")
#: the regression targets (``deltanet.data.universal_approximation``'s functions)
FUNCTIONS = ("sine", "square", "abs", "step")
#: the plane the 2-D sets live in, and the input range of the regression
EXTENT = 1.2


class PlaygroundData(NamedTuple):
    """A data set split into training and test parts.

    Attributes:
        X_train: training inputs, shape (n_train, features), float32.
        y_train: class labels (n_train,) int64, or targets (n_train, 1) float32.
        X_test: test inputs.
        y_test: test labels or targets.
        task: ``"classification"`` or ``"regression"``.
        classes: class names (empty for the regression).
        feature_names: the inputs' names.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    classes: list[str]
    feature_names: list[str]


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # half the points in a disk of radius 0.5, half in a ring from 0.7 to 1
    inner = n // 2
    radius = np.concatenate([rng.uniform(0.0, 0.5, inner), rng.uniform(0.7, 1.0, n - inner)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = (np.arange(n) >= inner).astype(np.int64)
    return X + rng.normal(0.0, noise, X.shape), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # points away from the axes (a margin of 0.05), class 1 where x1 and x2 have the same sign
    X = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + rng.normal(0.0, noise, X.shape), y


def _gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) >= n // 2).astype(np.int64)
    centres = np.where(y[:, None] == 1, 0.5, -0.5)
    return centres + rng.normal(0.0, 0.15 + noise, (n, 2)), y


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0.0, 1.0, n)
    radius = 0.05 + 0.95 * t
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return X + rng.normal(0.0, noise, X.shape), y


_PLANE = {"circle": _circle, "xor": _xor, "gaussian": _gaussian, "spiral": _spiral}


def load(
    name: str = "xor",
    n: int = 300,
    noise: float = 0.0,
    test_ratio: float = 0.5,
    seed: int = 0,
    function: str = "sine",
) -> PlaygroundData:
    r"""Make (or load) a data set and split it into training and test parts.

    Args:
        name: one of ``DATASETS``.
        n: the number of points (iris always has its 150).
        noise: Gaussian noise, a share in $[0, 0.5]$ of the plane's half-width (of the target
            for the regression).
        test_ratio: the share of the points held out for the test, in $[0.1, 0.9]$.
        seed: the seed of the one generator that draws the points, the noise and the split.
        function: the regression target, one of ``FUNCTIONS``.

    Returns:
        A ``PlaygroundData``.

    Raises:
        ValueError: an unknown name or function, or a value out of its range.

    Examples:
        >>> from deltanet.playground.datasets import load
        >>> data = load("xor", n=100, test_ratio=0.3, seed=1)
        >>> data.X_train.shape, data.X_test.shape, data.task, data.classes
        ((70, 2), (30, 2), 'classification', ['0', '1'])
        >>> load("regression", n=40, seed=0).y_train.shape
        (20, 1)
    """
    me = "playground.load"
    name = check.one_of(name, "dataset", DATASETS, me)
    n = check.integer(n, "n", me, low=10, high=2000)
    noise = check.number(noise, "noise", me, low=0, high=0.5)
    test_ratio = check.number(test_ratio, "test_ratio", me, low=0.1, high=0.9)
    seed = check.integer(seed, "seed", me, low=0, high=2**31 - 1)
    function = check.one_of(function, "function", FUNCTIONS, me)
    rng = np.random.default_rng(seed)
    classes: list[str] = []
    if name == "iris":
        iris = load_iris(dtype=np.float64)
        X = iris.X[:, 2:4]  # petal length and width: the two features that separate the species
        X = (X - X.mean(axis=0)) / X.std(axis=0) / 2.5  # standardized, then into the plane
        y: np.ndarray = iris.y
        classes = list(iris.target_names)
        features = ["petal length", "petal width"]
    elif name == "regression":
        bundle = universal_approximation(function, n=n, rng=rng, dtype=np.float64)
        X, y = bundle.X, bundle.y + rng.normal(0.0, noise, bundle.y.shape)
        features = ["x"]
    else:
        X, y = _PLANE[name](n, noise, rng)
        classes = ["0", "1"]
        features = ["x1", "x2"]
    order = rng.permutation(len(X))
    n_test = max(1, min(len(X) - 1, round(test_ratio * len(X))))
    test, train = order[:n_test], order[n_test:]
    task = "regression" if name == "regression" else "classification"
    if task == "regression":
        y = y.astype(np.float32)
    return PlaygroundData(
        X[train].astype(np.float32),
        y[train],
        X[test].astype(np.float32),
        y[test],
        task,
        classes,
        features,
    )


def describe(data: Any) -> str:
    """One line about a ``PlaygroundData`` (for the page and the script)."""
    kind = f"{len(data.classes)} classes" if data.task == "classification" else "regression"
    return f"{len(data.X_train)} training and {len(data.X_test)} test points, {kind}"


__all__ = ["DATASETS", "EXTENT", "FUNCTIONS", "PlaygroundData", "describe", "load"]
