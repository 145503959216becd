"""The figures the report draws beyond ``deltanet.plot``'s: the best epoch on the learning curves,
the gradient flow of many layers, the predicted-versus-true scatter of a regression.

Each returns a matplotlib ``Figure`` (drawn on Agg through ``deltanet.plot._figure``, no pyplot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.plot import learning_curves
from deltanet.plot._figure import new_figure


def curves_with_best_epoch(run_dir: Any, best: int | None, label: str) -> Any:
    """``deltanet.plot.learning_curves`` of the run, with a vertical line at the best epoch.

    Args:
        run_dir: the run folder (its ``history.csv``).
        best: the best epoch (from 1), or None for no mark.
        label: the legend of the mark, e.g. ``"best epoch 12 (early stopping on val_loss)"``.
    """
    fig = learning_curves(run_dir)
    if best is not None:
        for ax in fig.axes:
            ax.axvline(best, color="black", linestyle=":", linewidth=1.2, label=label)
            ax.legend(fontsize="small")
    return fig


def gradient_heatmap(rows: list[dict[str, Any]]) -> Any:
    """The gradient norm of every layer over the probed epochs, readable for many layers.

    One row per layer (the input side at the top, labelled "name (type)"), one column per probed
    epoch, the colour the $\\log_{10}$ of the norm; a layer whose gradient is exactly 0 is grey.
    With one probed epoch it is a horizontal bar chart instead.

    Args:
        rows: the Monitor's ``layers.csv`` rows (``deltanet.training.rundir.read_layers``).

    Raises:
        ValueError: no gradient norm was recorded.
    """
    rows = [r for r in rows if r.get("grad_norm") is not None]
    if not rows:
        raise ValueError("no per-layer gradient norms recorded (was a Monitor attached?)")
    layers: list[str] = []
    labels: dict[str, str] = {}
    for r in rows:
        if r["layer"] not in labels:
            layers.append(r["layer"])
            labels[r["layer"]] = f"{r['layer']} ({r['type']})" if r.get("type") else str(r["layer"])
    epochs = sorted({int(r["epoch"]) for r in rows})
    grid = np.full((len(layers), len(epochs)), np.nan)
    for r in rows:
        grid[layers.index(r["layer"]), epochs.index(int(r["epoch"]))] = float(r["grad_norm"])
    names = [labels[n] for n in layers]
    height = 1.4 + 0.24 * len(layers)
    font = 9 if len(layers) <= 24 else 7
    if len(epochs) == 1:
        fig, ax = new_figure(1, 1, (8, height))
        values = grid[:, 0]
        ax.barh(range(len(layers)), np.where(values > 0, values, np.nan), color="tab:blue")
        ax.set_xscale("log")
        ax.set_xlabel(f"gradient norm at epoch {epochs[0]}")
    else:
        import matplotlib

        fig, ax = new_figure(1, 1, (9, height))
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.ma.masked_invalid(np.log10(np.where(grid > 0, grid, np.nan)))
        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#d0d0d0")
        shown = ax.imshow(logs, aspect="auto", cmap=cmap, interpolation="nearest")
        step = max(1, len(epochs) // 12)
        ax.set_xticks(range(0, len(epochs), step), [str(e) for e in epochs[::step]])
        ax.set_xlabel("epoch")
        fig.colorbar(shown, ax=ax, label="log10 gradient norm")
    ax.set_yticks(range(len(layers)), names, fontsize=font)
    if len(epochs) == 1:
        ax.invert_yaxis()
    ax.set_title("gradient norm per layer (input side at the top)")
    return fig


def predicted_vs_true(true: np.ndarray, predicted: np.ndarray) -> Any:
    """A regression's predictions against the true values, with the line ``predicted = true``.

    Args:
        true: the true values (N,) or (N, k).
        predicted: the predictions, of the same shape.
    """
    true, predicted = np.ravel(true), np.ravel(predicted)
    fig, ax = new_figure(1, 1, (5.2, 4.6))
    ax.scatter(true, predicted, s=14, alpha=0.7, color="tab:blue", label="held-out samples")
    low = float(min(true.min(), predicted.min()))
    high = float(max(true.max(), predicted.max()))
    ax.plot([low, high], [low, high], "k--", linewidth=1, label="predicted = true")
    ax.set_xlabel("true value")
    ax.set_ylabel("predicted value")
    ax.set_title("held-out test set")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


__all__ = ["curves_with_best_epoch", "gradient_heatmap", "predicted_vs_true"]
