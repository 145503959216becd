"""Plots of what a trained network does with data: decision boundaries of 2-D classifiers, the
confusion matrix, segmentation overlays, and the learned first-layer filters."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.plot._figure import figure_and_axes, finish, new_figure

# Label colours of segmentation overlays (class 0, the background, is left transparent).
_CLASS_COLORS = np.array(
    [
        [0.0, 0.0, 0.0],
        [0.89, 0.10, 0.11],
        [0.22, 0.49, 0.72],
        [0.30, 0.69, 0.29],
        [0.60, 0.31, 0.64],
        [1.0, 0.50, 0.0],
        [1.0, 1.0, 0.20],
        [0.65, 0.34, 0.16],
        [0.97, 0.51, 0.75],
        [0.6, 0.6, 0.6],
    ]
)


def _class_decisions(output: np.ndarray, threshold: float) -> np.ndarray:
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    resolution: int = 200,
    margin: float = 0.5,
    ax: Any = None,
    path: Any = None,
    title: str | None = None,
) -> Any:
    """The regions of the input plane that a 2-D classifier assigns to each class, with the data.

    The model is evaluated on a ``resolution`` × ``resolution`` grid covering the data (plus ``margin``), in
    evaluation mode. Outputs of width $C > 1$ are read as class scores (argmax); a single output as
    a logit (class 1 where it is > 0) or, after a final ``nn.Sigmoid``, a probability (> 0.5).

    Args:
        model: a classifier of 2 input features.
        X: the samples, shape (N, 2), drawn as points.
        y: their classes (colours the points), or None.
        resolution: grid points per axis.
        margin: extra room around the data, in input units.
        ax: axes to draw into.
        path: save the figure there.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 2, dtype="float64")
        >>> model.weight.array[...] = [[1.0, 0.0], [-1.0, 0.0]]; model.bias.array[...] = 0.0
        >>> X = np.array([[-1.0, 0.0], [1.0, 1.0]])
        >>> fig = dn.plot.decision_boundary(model, X, np.array([1, 0]), resolution=20)
        >>> len(fig.axes[0].collections) >= 2  # the regions and the points
        True
    """
    from deltanet.nn import Sigmoid
    from deltanet.training import predict

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2) (two input features), got {X.shape}")
    resolution = check.integer(resolution, "resolution", "decision_boundary", low=2)
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    layers = list(model.modules())
    threshold = 0.5 if layers and isinstance(layers[-1], Sigmoid) else 0.0
    output = predict(model, grid)
    classes = _class_decisions(output, threshold).reshape(g0.shape)
    k = int(max(classes.max(), 0 if y is None else int(np.max(y)))) + 1
    fig, axes = figure_and_axes(ax, (5, 4.2))
    from matplotlib.colors import ListedColormap

    palette = _CLASS_COLORS[1:][np.arange(k) % (len(_CLASS_COLORS) - 1)]
    cmap = ListedColormap(palette)
    axes.contourf(g0, g1, classes, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.3)
    axes.contour(g0, g1, classes, levels=np.arange(k) + 0.5, colors="k", linewidths=0.8)
    if y is None:
        axes.scatter(X[:, 0], X[:, 1], s=18, color="k")
    else:
        y = np.asarray(y).reshape(-1).astype(np.int64)
        axes.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=k - 0.5, s=18, edgecolors="k", linewidths=0.5)
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    if title:
        axes.set_title(title)
    return finish(fig, path)


def confusion_matrix(
    matrix_or_labels: Any,
    y_pred: Any = None,
    class_names: Any = None,
    normalize: bool = False,
    ax: Any = None,
    path: Any = None,
    title: str | None = None,
) -> Any:
    """The confusion matrix as an annotated image: rows the true class, columns the prediction.

    Args:
        matrix_or_labels: a (K, K) count matrix, or the true labels when ``y_pred`` is given.
        y_pred: predicted labels or scores (then the matrix is computed by
            ``deltanet.metrics.confusion_matrix``).
        class_names: K names for the axes.
        normalize: show each row as fractions of its true class (recall on the diagonal).
        ax: axes to draw into.
        path: save the figure there.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> fig = dn.plot.confusion_matrix([[5, 1], [2, 7]], class_names=["cat", "dog"])
        >>> [t.get_text() for t in fig.axes[0].texts]
        ['5', '1', '2', '7']
    """
    if y_pred is not None:
        from deltanet.metrics import confusion_matrix as counts

        matrix = counts(matrix_or_labels, y_pred)
    else:
        matrix = np.asarray(matrix_or_labels)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"confusion_matrix: expected a square (K, K) matrix, got shape {matrix.shape}")
    k = matrix.shape[0]
    if class_names is None:
        class_names = [str(i) for i in range(k)]
    class_names = [str(c) for c in class_names]
    if len(class_names) != k:
        raise ValueError(f"confusion_matrix: {k} classes but {len(class_names)} class_names")
    shown = matrix.astype(np.float64)
    if normalize:
        shown = shown / np.maximum(shown.sum(axis=1, keepdims=True), 1)
    size = max(3.5, 0.5 * k + 2.5)
    fig, axes = figure_and_axes(ax, (size + 0.8, size))
    image = axes.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=axes, shrink=0.8)
    threshold = shown.max() / 2 if shown.size else 0
    if k <= 30:
        for i in range(k):
            for j in range(k):
                text = f"{shown[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
                axes.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="w" if shown[i, j] > threshold else "k",
                )
    axes.set_xticks(range(k), class_names, rotation=45 if max(map(len, class_names)) > 3 else 0)
    axes.set_yticks(range(k), class_names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    if title:
        axes.set_title(title)
    return finish(fig, path)


def _as_image(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(H, W) grayscale or (H, W, 3) RGB, scaled to [0, 1], from (H, W), (C, H, W) or (H, W, C)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        if image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
            image = np.moveaxis(image, 0, -1)
        if image.shape[-1] == 1:
            image = image[..., 0]
        elif image.shape[-1] != 3:
            image = image[..., 0]
    if image.ndim != 2 and not (image.ndim == 3 and image.shape[-1] == 3):
        raise ValueError(f"segmentation_overlay: image must be (H, W), (C, H, W) or (H, W, C), got shape {image.shape}")
    lo, hi = float(np.min(image)), float(np.max(image))
    image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    return image, "gray" if image.ndim == 2 else None


def _mask_rgba(mask: np.ndarray, alpha: float) -> np.ndarray:
    mask = np.asarray(mask).astype(np.int64)
    colors = _CLASS_COLORS[np.where(mask > 0, (mask - 1) % (len(_CLASS_COLORS) - 1) + 1, 0)]
    return np.concatenate([colors, np.where(mask > 0, alpha, 0.0)[..., None]], axis=-1)


def segmentation_overlay(
    image: Any,
    label: Any = None,
    prediction: Any = None,
    alpha: float = 0.45,
    axes: Any = None,
    path: Any = None,
    title: str | None = None,
) -> Any:
    """An image with its label mask and the predicted mask drawn over it, side by side.

    Classes > 0 are coloured (class 0, the background, stays clear). The prediction panel's title
    gives the Dice coefficient of each foreground class present, 2|A ∩ B| / (|A| + |B|).

    Args:
        image: (H, W), (C, H, W) or (H, W, C) (1 or 3 channels shown; otherwise the first).
        label: the true mask (H, W) of class indices, or None.
        prediction: the predicted mask (H, W), or None.
        alpha: opacity of the masks.
        axes: a sequence of axes, one per panel, to draw into.
        path: save the figure there.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> image = np.zeros((8, 8)); mask = np.zeros((8, 8), int); mask[2:6, 2:6] = 1
        >>> fig = dn.plot.segmentation_overlay(image, mask, mask)
        >>> [a.get_title() for a in fig.axes]
        ['image', 'label', 'prediction (Dice 1: 1.00)']
    """
    picture, cmap = _as_image(image)
    masks: list[tuple[str, np.ndarray]] = []
    if label is not None:
        masks.append(("label", np.asarray(label)))
    if prediction is not None:
        masks.append(("prediction", np.asarray(prediction)))
    panels: list[tuple[str, np.ndarray | None]] = [("image", None), *masks]
    for name, given in masks:
        if given.shape != picture.shape[:2]:
            raise ValueError(
                f"segmentation_overlay: the {name} mask has shape {given.shape}, the image {picture.shape[:2]}"
            )
    if axes is None:
        fig, axes = new_figure(1, len(panels), (3.2 * len(panels), 3.4), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(axes)
        fig = axes[0].figure
    for ax, (name, mask) in zip(axes, panels):
        ax.imshow(picture, cmap=cmap, interpolation="nearest")
        if mask is not None:
            ax.imshow(_mask_rgba(mask, alpha), interpolation="nearest")
        heading = name
        if name == "prediction" and label is not None and mask is not None:
            true = np.asarray(label)
            scores = []
            for c in sorted(set(np.unique(true).tolist()) | set(np.unique(mask).tolist())):
                if c == 0:
                    continue
                a, b = true == c, mask == c
                total = a.sum() + b.sum()
                scores.append(f"{c}: {2 * np.logical_and(a, b).sum() / total:.2f}" if total else f"{c}: -")
            if scores:
                heading = f"prediction (Dice {', '.join(scores)})"
        ax.set_title(heading, fontsize="medium")
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return finish(fig, path)


def _first_layer_weight(model_or_weight: Any) -> np.ndarray:
    if isinstance(model_or_weight, np.ndarray):
        return model_or_weight
    from deltanet.nn import Linear
    from deltanet.nn.conv import Conv2d

    for module in model_or_weight.modules():
        if isinstance(module, Conv2d):
            return module.weight.array
        if isinstance(module, Linear):
            side = math.isqrt(module.in_features)
            if side * side != module.in_features:
                raise ValueError(
                    f"filters: the first layer is a Linear of {module.in_features} inputs, not a square image; "
                    f"pass its weight reshaped to (units, H, W)"
                )
            return module.weight.array.reshape(module.out_features, side, side)
    raise ValueError("filters: the model has no Conv2d or Linear layer")


def filters(
    model_or_weight: Any, max_filters: int = 64, ncols: int = 8, path: Any = None, title: str | None = None
) -> Any:
    """The learned filters of the first layer, one small image each.

    For a ``Conv2d`` each filter is its (kh, kw) kernel (the mean over input channels, or RGB for
    3 channels); for a ``Linear`` on a flattened square image ($784 = 28^2$) each unit's weights are
    shown as an image: what the unit looks for. Each filter is scaled to its own range.

    Args:
        model_or_weight: a model (its first Conv2d or Linear) or a weight array (out, [in,] h, w).
        max_filters: show at most this many.
        ncols: filters per row.
        path: save the figure there.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Conv2d(1, 6, 5, rng=0), dn.nn.ReLU())
        >>> len(dn.plot.filters(model, ncols=3).axes)
        6
    """
    W = np.asarray(_first_layer_weight(model_or_weight), dtype=np.float64)
    if W.ndim == 4:
        W = np.moveaxis(W, 1, -1) if W.shape[1] == 3 else W.mean(axis=1)
    if W.ndim not in (3, 4):
        raise ValueError(f"filters: expected weights of shape (out, h, w) or (out, in, h, w), got {W.shape}")
    n = min(len(W), int(max_filters))
    cols = min(n, int(ncols))
    rows = math.ceil(n / cols)
    fig, axes = new_figure(rows, cols, (1.2 * cols + 0.4, 1.2 * rows + 0.4), squeeze=False)
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        if k >= n:
            fig.delaxes(ax)
            continue
        w = W[k]
        lo, hi = float(w.min()), float(w.max())
        w = (w - lo) / (hi - lo) if hi > lo else np.zeros_like(w) + 0.5
        ax.imshow(w, cmap="gray" if w.ndim == 2 else None, interpolation="nearest")
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return finish(fig, path)


__all__ = ["confusion_matrix", "decision_boundary", "filters", "segmentation_overlay"]
