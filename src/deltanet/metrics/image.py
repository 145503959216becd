r"""Image-quality metrics for enhancement tasks ([de Back 2018]: "image enhancement, e.g. denoising,
superres."): PSNR and SSIM of a restored image against the clean one.

Both compare a ``prediction`` with a ``target`` of the same shape, on an intensity scale of width
$R$ = ``data_range`` (the difference between the largest and smallest value the images can take:
255 for 8-bit images, 1 for images scaled to $[0, 1]$). When ``data_range`` is None it is the
target's own range $\max(\text{target}) - \min(\text{target})$, as torchmetrics does;
scikit-image instead asks for it with float images. Give it explicitly when you compare numbers
across images or papers.

Layer 4 (beside ``deltanet.metrics``, which re-exports both): NumPy only, outside the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check


def _image_pair(target: Any, prediction: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    target = np.asarray(getattr(target, "array", target), dtype=np.float64)
    prediction = np.asarray(getattr(prediction, "array", prediction), dtype=np.float64)
    if target.shape != prediction.shape:
        raise ValueError(
            f"{fn}: target and prediction must have the same shape, got {target.shape} and {prediction.shape}"
        )
    if target.size == 0:
        raise ValueError(f"{fn}: expected non-empty images, got shape {target.shape}")
    if not (np.isfinite(target).all() and np.isfinite(prediction).all()):
        raise ValueError(f"{fn}: the images contain NaN or infinite values")
    return target, prediction


def _data_range(data_range: Any, target: np.ndarray, fn: str) -> float:
    if data_range is None:
        data_range = float(target.max() - target.min())
        if data_range == 0:
            raise ValueError(f"{fn}: the target is constant, so its range is 0; pass data_range explicitly")
        return data_range
    return check.number(data_range, "data_range", fn, low=0, low_open=True)


def psnr(target: Any, prediction: Any, data_range: float | None = None) -> float:
    r"""Peak signal-to-noise ratio in decibels: $10 \log_{10}(R^2 / \mathrm{MSE})$.

    $$
    \mathrm{PSNR} = 10 \log_{10} \frac{R^2}{\frac{1}{n} \sum_i (y_i - \hat y_i)^2}
    $$

    Higher is better; each halving of the root-mean-square error adds about 6 dB. Identical images
    give ``inf``.

    Args:
        target: the clean image $y$ (any shape; arrays or tensors).
        prediction: the restored image $\hat y$, of the same shape.
        data_range: $R$, the width of the intensity scale (None: the target's max minus min).

    Returns:
        PSNR in dB, a float.

    Raises:
        ValueError: different shapes, empty images, NaN or infinite values, a range that is not > 0.

    Examples:
        >>> import numpy as np
        >>> from deltanet.metrics import psnr
        >>> target = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> round(psnr(target, target + 0.1, data_range=1.0), 6)  # MSE 0.01 -> 10 log10(100)
        20.0
    """
    target, prediction = _image_pair(target, prediction, "psnr")
    R = _data_range(data_range, target, "psnr")
    mse = float(np.mean((target - prediction) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(R * R / mse))


def _gaussian_window(sigma: float, truncate: float) -> np.ndarray:
    """The normalized 1-D Gaussian of scipy's ``gaussian_filter`` (radius ``int(truncate * sigma + 0.5)``)."""
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def _filter_valid(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """The separable Gaussian average along every axis, at the positions where the window fits."""
    out = image
    for axis in range(image.ndim):
        out = np.moveaxis(out, axis, -1)
        views = np.lib.stride_tricks.sliding_window_view(out, window.size, axis=-1)
        out = np.moveaxis(views @ window, -1, axis)
    return out


def ssim(
    target: Any,
    prediction: Any,
    data_range: float | None = None,
    sigma: float = 1.5,
    K1: float = 0.01,
    K2: float = 0.03,
) -> float:
    r"""Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004), averaged over the image.

    At each position the local means $\mu$, variances $\sigma^2$ and covariance $\sigma_{y\hat y}$
    are Gaussian-weighted averages (standard deviation ``sigma`` = 1.5 pixels, an 11-pixel window,
    as the paper), and

    $$
    \mathrm{SSIM} = \frac{(2 \mu_y \mu_{\hat y} + C_1)(2 \sigma_{y \hat y} + C_2)}
    {(\mu_y^2 + \mu_{\hat y}^2 + C_1)(\sigma_y^2 + \sigma_{\hat y}^2 + C_2)},
    \qquad C_1 = (K_1 R)^2, \quad C_2 = (K_2 R)^2
    $$

    compares luminance, contrast and structure; the result is the mean over every position where
    the window fits inside the image (1 for identical images, lower is worse). This is
    scikit-image's ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=R)``, the setting its documentation gives for
    matching Wang et al. 2-D images, or 3-D volumes (filtered along every axis).

    Args:
        target: the clean image $y$, 2-D (H, W) or 3-D (D, H, W); arrays or tensors.
        prediction: the restored image $\hat y$, of the same shape.
        data_range: $R$, the width of the intensity scale (None: the target's max minus min).
        sigma: the Gaussian window's standard deviation in pixels (default 1.5).
        K1: the luminance constant (default 0.01).
        K2: the contrast constant (default 0.03).

    Returns:
        The mean SSIM, a float in $[-1, 1]$.

    Raises:
        ValueError: different shapes, not 2-D or 3-D, an image smaller than the window, NaN or
            infinite values, an argument out of range.

    Examples:
        >>> import numpy as np
        >>> from deltanet.metrics import ssim
        >>> target = np.random.default_rng(0).random((16, 16))
        >>> ssim(target, target, data_range=1.0)
        1.0
        >>> # Two constant images a = 0.2, b = 0.4: only the luminance term is left.
        >>> round(ssim(np.full((16, 16), 0.2), np.full((16, 16), 0.4), data_range=1.0), 6)
        0.8001
    """
    target, prediction = _image_pair(target, prediction, "ssim")
    if target.ndim not in (2, 3):
        raise ValueError(f"ssim: expected a 2-D (H, W) or 3-D (D, H, W) image, got shape {target.shape}")
    sigma = check.number(sigma, "sigma", "ssim", low=0, low_open=True)
    K1 = check.number(K1, "K1", "ssim", low=0, low_open=True)
    K2 = check.number(K2, "K2", "ssim", low=0, low_open=True)
    window = _gaussian_window(sigma, truncate=3.5)
    if min(target.shape) < window.size:
        raise ValueError(
            f"ssim: the image of shape {target.shape} is smaller than the {window.size}-pixel Gaussian "
            f"window (sigma={sigma}) along some axis"
        )
    R = _data_range(data_range, target, "ssim")
    C1, C2 = (K1 * R) ** 2, (K2 * R) ** 2
    y, y_hat = target, prediction
    mu_y, mu_p = _filter_valid(y, window), _filter_valid(y_hat, window)
    var_y = _filter_valid(y * y, window) - mu_y**2
    var_p = _filter_valid(y_hat * y_hat, window) - mu_p**2
    cov = _filter_valid(y * y_hat, window) - mu_y * mu_p
    S = ((2 * mu_y * mu_p + C1) * (2 * cov + C2)) / ((mu_y**2 + mu_p**2 + C1) * (var_y + var_p + C2))
    return float(S.mean())


__all__ = ["psnr", "ssim"]
