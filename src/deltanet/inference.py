r"""Layer 7: sliding-window inference, for images larger than what a network was trained on.

A segmentation network trained on patches runs on a whole scan window by window (MONAI's
``sliding_window_inference``): windows of size $w$ start every $s = \lfloor w (1 - \mathrm{overlap})
\rfloor$ voxels along each axis (the last one flush with the far edge), the model sees them
``batch_size`` at a time, and where windows overlap their outputs are averaged with weights
$g$:

$$
y(x) = \frac{\sum_k g(x - a_k)\, f_k(x - a_k)}{\sum_k g(x - a_k)},
$$

with $a_k$ the corner of window $k$ and $f_k$ the model's output for it. ``blend="constant"``
takes $g = 1$ (a plain mean); ``blend="gaussian"`` takes a Gaussian centred in the window,
$\sigma = 0.125\, w$ per axis, which trusts the centre of a window more than its border, where the
network saw less context. An image smaller than the window is padded (with ``pad_value``) and the
output cropped back.

Memory is bounded by one batch of windows plus the output of one image: the windows are cut out
one batch at a time, never all at once. The model runs in evaluation mode (batch norm uses its
running statistics, dropout is off) and without recording a graph; its mode is restored after.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, no_grad, tensor
from deltanet.nn.modes import kept_modes
from deltanet.nn.module import Module


def window_starts(size: int, window: int, overlap: float) -> list[int]:
    r"""Where the windows along one axis start: every $\max(1, \lfloor w (1 - \mathrm{overlap}) \rfloor)$
    voxels, and a last one flush with the end.

    Args:
        size: the length of the axis ($\ge$ ``window``).
        window: the window's length $w$.
        overlap: the fraction of a window shared with the next, in $[0, 1)$.

    Returns:
        The start indices, increasing, covering ``range(size)``.

    Examples:
        >>> from deltanet.inference import window_starts
        >>> window_starts(10, 4, 0.25)
        [0, 3, 6]
        >>> window_starts(11, 4, 0.0)
        [0, 4, 7]
    """
    step = max(1, int(window * (1 - overlap)))
    starts = list(range(0, size - window + 1, step))
    if starts[-1] + window < size:
        starts.append(size - window)
    return starts


def blend_weights(window: tuple[int, ...], blend: str, sigma_scale: float = 0.125) -> np.ndarray:
    r"""The weight $g$ of each voxel of a window: ones, or a Gaussian with $\sigma = $ ``sigma_scale`` $\cdot w$.

    The Gaussian is scaled to a maximum of 1 and kept above 0 (its smallest positive value), so
    every voxel of the image gets some weight.

    Args:
        window: the window's size per spatial axis.
        blend: ``"constant"`` or ``"gaussian"``.
        sigma_scale: $\sigma / w$ for the Gaussian (MONAI's 0.125).

    Returns:
        A float64 array of shape ``window``.

    Examples:
        >>> from deltanet.inference import blend_weights
        >>> blend_weights((3,), "gaussian", sigma_scale=1 / 3).round(3).tolist()   # sigma = 1 voxel: exp(-1/2)
        [0.607, 1.0, 0.607]
    """
    if blend == "constant":
        return np.ones(window)
    weights = np.ones(())
    for w in window:
        x = np.arange(w) - (w - 1) / 2
        sigma = sigma_scale * w
        weights = np.multiply.outer(weights, np.exp(-(x**2) / (2 * sigma**2)))
    weights = weights / weights.max()
    return np.maximum(weights, weights[weights > 0].min())


def _model_dtype(model: Any) -> Any:
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        for p in parameters():
            return p.array.dtype
    return backend.DEFAULT_DTYPE


def _batches(positions: Iterator[tuple[int, ...]], batch_size: int) -> Iterator[list[tuple[int, ...]]]:
    while batch := list(itertools.islice(positions, batch_size)):
        yield batch


def sliding_window(
    model: Any,
    images: Any,
    window: Any,
    overlap: float = 0.25,
    blend: str = "constant",
    batch_size: int = 4,
    sigma_scale: float = 0.125,
    pad_value: float = 0.0,
) -> np.ndarray:
    r"""The model's output for whole images, computed window by window and blended.

    Args:
        model: a ``deltanet.nn.Module`` (or any callable) mapping $(B, C, *w)$ to $(B, K, *w)$,
            e.g. a U-Net; run in evaluation mode, without a graph.
        images: $(N, C, H, W)$ or $(N, C, D, H, W)$, an array or a Tensor.
        window: the window size $w$ per spatial axis, or one number for all (for a U-Net of depth
            $d$, a multiple of $2^d$).
        overlap: the fraction of a window shared with its neighbour, in $[0, 1)$ (MONAI's 0.25).
        blend: ``"constant"`` (mean of the overlapping outputs) or ``"gaussian"`` (weighted
            towards each window's centre).
        batch_size: windows per forward pass; the memory used grows with it, not with the image.
        sigma_scale: $\sigma / w$ of the Gaussian blend.
        pad_value: the value an image smaller than the window is padded with.

    Returns:
        The blended outputs, $(N, K, H, W)$ or $(N, K, D, H, W)$: the images' spatial size, the
        model's channels, the model's dtype.

    Raises:
        ValueError: images of the wrong rank, a bad window, overlap, blend or batch size, or a
            model whose output for a window does not have the window's spatial size.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.inference import sliding_window
        >>> model = dn.nn.Conv2d(1, 2, kernel_size=1, rng=0)  # no spatial context: windows change nothing
        >>> image = np.random.default_rng(0).normal(size=(1, 1, 40, 30)).astype(np.float32)
        >>> out = sliding_window(model, image, window=16, overlap=0.5, batch_size=3)
        >>> out.shape, bool(np.allclose(out, dn.predict(model, image), atol=1e-6))
        ((1, 2, 40, 30), True)
    """
    owner = "sliding_window"
    if not callable(model):
        raise ValueError(f"{owner}: model must be callable (a Module), got {model!r}")
    images = np.asarray(images.array if isinstance(images, Tensor) else images)
    if images.ndim not in (4, 5) or images.dtype.kind not in "biuf" or 0 in images.shape:
        raise ValueError(
            f"{owner}: images must be (N, C, H, W) or (N, C, D, H, W), non-empty, of numbers; got shape "
            f"{images.shape}, dtype {images.dtype}"
        )
    n_spatial = images.ndim - 2
    sizes = [window] * n_spatial if isinstance(window, (int, np.integer)) else list(window)
    if len(sizes) != n_spatial:
        raise ValueError(f"{owner}: window must be one size or {n_spatial} (one per spatial axis), got {window!r}")
    win = tuple(check.integer(w, "window", owner, low=1) for w in sizes)
    overlap = check.number(overlap, "overlap", owner, low=0, high=1, high_open=True)
    blend = check.one_of(blend, "blend", ("constant", "gaussian"), owner)
    batch_size = check.integer(batch_size, "batch_size", owner, low=1)
    sigma_scale = check.number(sigma_scale, "sigma_scale", owner, low=0, low_open=True)
    pad_value = check.number(pad_value, "pad_value", owner)

    spatial = images.shape[2:]
    missing = [max(w - s, 0) for w, s in zip(win, spatial)]
    before = [m // 2 for m in missing]
    padded_shape = tuple(s + m for s, m in zip(spatial, missing))
    crop = tuple(slice(b, b + s) for b, s in zip(before, spatial))
    weights = blend_weights(win, blend, sigma_scale)
    starts = [window_starts(size, w, overlap) for size, w in zip(padded_shape, win)]
    dtype = _model_dtype(model)

    modes = kept_modes(model) if isinstance(model, Module) else None  # every module's own mode, given back
    was_training = None if modes is not None else getattr(model, "training", None)  # another callable
    if modes is not None or was_training is not None:
        model.eval()
    outputs: np.ndarray | None = None
    try:
        with no_grad():
            for n in range(len(images)):
                image = images[n]
                if any(missing):
                    widths = [(0, 0)] + [(b, m - b) for b, m in zip(before, missing)]
                    image = np.pad(image, widths, constant_values=pad_value)
                total: np.ndarray | None = None
                weight_sum = np.zeros(padded_shape)
                for batch in _batches(itertools.product(*starts), batch_size):
                    boxes = [tuple(slice(a, a + w) for a, w in zip(corner, win)) for corner in batch]
                    windows = np.stack([image[(slice(None), *box)] for box in boxes]).astype(dtype, copy=False)
                    out = model(tensor(windows))
                    out = np.asarray(out.array if isinstance(out, Tensor) else out)
                    if out.ndim != images.ndim or out.shape[0] != len(boxes) or out.shape[2:] != win:
                        raise ValueError(
                            f"{owner}: the model's output for {len(boxes)} windows of {win} has shape {out.shape}; "
                            f"expected ({len(boxes)}, K, *{win}): the window's spatial size"
                        )
                    if total is None:
                        total = np.zeros((out.shape[1], *padded_shape))
                    for box, result in zip(boxes, out):
                        total[(slice(None), *box)] += result * weights
                        weight_sum[box] += weights
                assert total is not None
                blended = (total / weight_sum)[(slice(None), *crop)]
                if outputs is None:
                    outputs = np.empty((len(images), *blended.shape), dtype=out.dtype)
                outputs[n] = blended
    finally:
        if modes is not None:
            modes.restore()
        elif was_training is not None:
            model.train(was_training)
    assert outputs is not None
    return outputs


def predict_volume(model: Any, image: Any, window: Any, **options: Any) -> np.ndarray:
    r"""``sliding_window`` for one image without the batch axis: $(C, *S) \to (K, *S)$.

    Args:
        model: the network, as for ``sliding_window``.
        image: one channel-first image, $(C, H, W)$ or $(C, D, H, W)$ (e.g. ``read_image(path).array``).
        window: the window size per spatial axis.
        **options: ``overlap``, ``blend``, ``batch_size``, ... as for ``sliding_window``.

    Returns:
        The model's output for the image, $(K, *S)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.inference import predict_volume
        >>> model = dn.nn.Conv3d(1, 3, kernel_size=1, rng=0)
        >>> predict_volume(model, np.zeros((1, 20, 20, 9), np.float32), window=(8, 8, 8)).shape
        (3, 20, 20, 9)
    """
    image = np.asarray(image.array if isinstance(image, Tensor) else image)
    return sliding_window(model, image[np.newaxis], window, **options)[0]


__all__ = ["blend_weights", "predict_volume", "sliding_window", "window_starts"]
