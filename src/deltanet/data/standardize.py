r"""Standardization: $x' = (x - \mu) / \sigma$ per feature, with $\mu$ and $\sigma$ from the training data only.

Sigmoid and tanh units saturate when their input is large; features of very different scales
(tumor size in cm, temperature in °C) also make the loss surface a narrow valley that gradient
descent crosses slowly. Centering and scaling every feature fixes both. The statistics must come
from the training part alone: computing them on all data leaks the test set into training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.backend import DEFAULT_DTYPE


def _as_float_2d(X: Any, who: str) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{who} expects numeric data, got dtype {X.dtype}")
    if X.dtype.kind != "f" or X.dtype.itemsize < 4:
        X = X.astype(DEFAULT_DTYPE)
    if X.ndim != 2:
        raise ValueError(f"{who} expects a 2-D array of shape (n_samples, n_features), got {X.ndim}-D shape {X.shape}")
    return X


class Standardizer:
    r"""Center and scale each feature with the statistics of the training data.

    $$
    x' = \frac{x - \mu}{\sigma}
    $$

    with $\mu$ the mean and $\sigma$ the population standard deviation of the feature. A constant
    feature ($\sigma = 0$) is only centered ($\sigma$ is taken as 1), as scikit-learn's
    ``StandardScaler`` does, instead of dividing by zero. ``fit`` learns ``mean_`` ($\mu$) and
    ``scale_`` ($\sigma$); the constructor takes no arguments.

    Shape:
        - input: $(N, F)$
        - output: $(N, F)$, in the input's float dtype.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import Standardizer
        >>> X_train = np.array([[1.0, 5.0], [3.0, 5.0]])
        >>> s = Standardizer().fit(X_train)
        >>> s.transform(np.array([[2.0, 7.0]])).tolist()
        [[0.0, 2.0]]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X: Any) -> Standardizer:
        r"""Learn $\mu$ and $\sigma$ of every feature (column) of the training data ``X`` (N, F)."""
        X = _as_float_2d(X, "Standardizer.fit")
        if len(X) == 0:
            raise ValueError("Standardizer.fit needs at least 1 sample, got 0")
        if not np.isfinite(X).all():
            raise ValueError("Standardizer.fit: X contains NaN or infinity; expected finite values")
        # Statistics in float64 for accuracy, stored in the data's dtype.
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        std[std < 10 * np.finfo(X.dtype).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
        self.mean_ = mean.astype(X.dtype)
        self.scale_ = std.astype(X.dtype)
        return self

    def _check_fitted(self, X: Any, who: str) -> np.ndarray:
        if self.mean_ is None or self.scale_ is None:
            raise ValueError(f"Standardizer.{who}: call fit(X_train) first; this Standardizer is not fitted")
        X = _as_float_2d(X, f"Standardizer.{who}")
        if X.shape[1] != len(self.mean_):
            raise ValueError(
                f"Standardizer.{who}: X has {X.shape[1]} features, but the Standardizer was fitted on {len(self.mean_)}"
            )
        return X

    def transform(self, X: Any) -> np.ndarray:
        r"""Return $(X - \mu) / \sigma$ with the training statistics (a new array, in X's float dtype)."""
        X = self._check_fitted(X, "transform")
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        r"""Undo the scaling: $x = x' \sigma + \mu$."""
        X = self._check_fitted(X, "inverse_transform")
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The learned statistics by name (copies), for saving next to a model."""
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer.state_dict: not fitted yet; call fit(X_train) first")
        return {"mean": self.mean_.copy(), "scale": self.scale_.copy()}

    def load_state_dict(self, state: dict[str, Any]) -> Standardizer:
        r"""Set $\mu$ and $\sigma$ from a ``state_dict``."""
        try:
            mean, scale = np.asarray(state["mean"]), np.asarray(state["scale"])
        except KeyError as missing:
            raise ValueError(
                f"Standardizer.load_state_dict: missing key {missing}; expected 'mean' and 'scale'"
            ) from None
        if mean.shape != scale.shape or mean.ndim != 1:
            raise ValueError(
                f"Standardizer.load_state_dict: expected 1-D 'mean' and 'scale' of equal shape, "
                f"got {mean.shape} and {scale.shape}"
            )
        if mean.dtype.kind != "f" or scale.dtype.kind != "f" or (scale <= 0).any():
            raise ValueError("Standardizer.load_state_dict: expected float arrays with 'scale' > 0")
        self.mean_, self.scale_ = mean.copy(), scale.copy()
        return self

    def __repr__(self) -> str:
        n = "unfitted" if self.mean_ is None else f"n_features={len(self.mean_)}"
        return f"Standardizer({n})"
