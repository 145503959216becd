"""Plots that babysit training: learning curves, gradient flow, activation histograms, the
learning-rate finder and hyperparameter sweeps.

They read what training left behind (a ``History``, a run folder, a diagnostics result), never
the training loop itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.plot._figure import figure_and_axes, finish, new_figure
from deltanet.training import rundir


def _history_dict(history: Any) -> dict[str, list[float]]:
    if isinstance(history, (str, Path)):
        logs = rundir.read_history(history)
        if not logs:
            raise ValueError(f"learning_curves: no history.csv in the run folder {str(history)!r}")
        logs = dict(logs)
        logs.pop("epoch", None)
        return logs
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise ValueError(
            "learning_curves expects a History, a dict of per-epoch "
            f"lists or a run folder, got {type(history).__name__}"
        )
    return {str(k): [float(v) for v in values] for k, values in logs.items()}


def learning_curves(history: Any, keys: Any = None, ax: Any = None, path: Any = None, title: str | None = None) -> Any:
    """Training and validation curves per epoch: the losses on the left, metrics on the right.

    Babysitting ([Hosny et al.]): a training loss that stalls high means underfitting or a too
    small learning rate; a validation loss that turns up while the training loss keeps falling
    means overfitting, time to stop early.

    Args:
        history: a ``History`` (from ``fit``), a dict ``{"loss": [...], "val_loss": [...]}``, or a
            run folder (its ``history.csv``).
        keys: the quantities to draw (default: all; losses and ``penalty`` left, others right).
        ax: draw the losses into these axes (then metrics are not drawn).
        path: save the figure there (PNG, SVG, PDF by suffix).
        title: a title for the figure.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> fig = dn.plot.learning_curves({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.9],
        ...                                "accuracy": [0.5, 0.7, 0.8]})
        >>> [a.get_ylabel() for a in fig.axes]
        ['loss', 'metric']
    """
    logs = _history_dict(history)
    if keys is not None:
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [k for k in keys if k not in logs]
        if missing:
            raise ValueError(f"learning_curves: no {missing} in the history; it has {list(logs)}")
        logs = {k: logs[k] for k in keys}
    losses = {k: v for k, v in logs.items() if k.endswith("loss") or k in ("penalty", "val_penalty")}
    metrics = {k: v for k, v in logs.items() if k not in losses}
    if not logs:
        raise ValueError("learning_curves: the history is empty")
    if ax is not None or not metrics or not losses:
        fig, left = figure_and_axes(ax, (5.5, 3.6))
        panels = [(left, losses or metrics, "loss" if losses else "metric")]
    else:
        fig, (left, right) = new_figure(1, 2, (10, 3.6))
        panels = [(left, losses, "loss"), (right, metrics, "metric")]
    for axes, series, label in panels:
        for name, values in series.items():
            epochs = np.arange(1, len(values) + 1)
            style = "--" if name.startswith("val_") else "-"
            axes.plot(epochs, values, style, label=name, marker="o" if len(values) <= 20 else None, markersize=3)
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        positive = [v for values in series.values() for v in values if math.isfinite(v)]
        if label == "loss" and positive and min(positive) > 0 and max(positive) / min(positive) > 100:
            axes.set_yscale("log")
        axes.grid(True, alpha=0.3)
        axes.legend()
    if title:
        fig.suptitle(title)
    return finish(fig, path)


def _layer_rows(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, (str, Path)):
        return rundir.read_layers(data)
    if hasattr(data, "layer_history"):
        return list(data.layer_history)
    return list(data)


def gradient_flow(data: Any, ax: Any = None, path: Any = None, log: bool = True, title: str | None = None) -> Any:
    """The gradient norm of each layer: bars for one measurement, lines over the epochs.

    Vanishing gradients show as norms that fall by orders of magnitude from the last layer to
    the first ([de Back 2018], [Suk 2015]).

    Args:
        data: a mapping layer → gradient norm (``dn.diagnostics.gradient_flow``), or per-epoch
            rows: a run folder (``layers.csv``), a ``Monitor`` or its ``layer_history``.
        ax: axes to draw into.
        path: save the figure there.
        log: logarithmic norm axis.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> fig = dn.plot.gradient_flow({"0": 1e-6, "2": 1e-3, "4": 0.1})
        >>> fig.axes[0].get_yscale()
        'log'
    """
    fig, axes = figure_and_axes(ax, (6, 3.6))
    if isinstance(data, Mapping):
        names = list(data)
        values = np.array([float(data[n]) for n in names])
        axes.bar(range(len(names)), values, color="tab:blue")
        axes.set_xticks(range(len(names)), names)
        axes.set_xlabel("layer (input side first)")
    else:
        rows = [r for r in _layer_rows(data) if r.get("grad_norm") is not None]
        if not rows:
            raise ValueError("gradient_flow: no per-layer gradient norms recorded (was a Monitor attached?)")
        layers: dict[str, list[tuple[int, float]]] = {}
        types: dict[str, str] = {}
        for r in rows:
            layers.setdefault(r["layer"], []).append((int(r["epoch"]), float(r["grad_norm"])))
            types[r["layer"]] = r.get("type") or ""
        for name, points in layers.items():
            epochs, norms = zip(*points)
            axes.plot(
                epochs,
                norms,
                marker="o" if len(epochs) <= 20 else None,
                markersize=3,
                label=f"{name} ({types[name]})" if types[name] else name,
            )
        axes.set_xlabel("epoch")
        axes.legend(fontsize="small")
    if log:
        axes.set_yscale("log")
    axes.set_ylabel("gradient norm ‖∂L/∂θ‖")
    axes.grid(True, alpha=0.3)
    if title:
        axes.set_title(title)
    return finish(fig, path)


def activation_histograms(model: Any, X: Any, bins: int = 50, path: Any = None, title: str | None = None) -> Any:
    """A histogram of the outputs of every activation layer of ``model`` on ``X``.

    Saturated sigmoids pile up at 0 and 1, dead ReLUs at 0, a badly scaled initialization shows
    as a collapse to 0 or a spread that grows layer by layer.

    Args:
        model: the network (activation layers must be modules such as ``nn.ReLU()``).
        X: inputs (a forward pass in evaluation mode, without a graph).
        bins: histogram bins.
        path: save the figure there.
        title: a title.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(3, 8, rng=0), dn.nn.Tanh(), dn.nn.Linear(8, 8, rng=1), dn.nn.ReLU())
        >>> fig = dn.plot.activation_histograms(model, np.random.default_rng(0).standard_normal((64, 3)))
        >>> [a.get_title() for a in fig.axes]
        ['1 (Tanh)', '3 (ReLU)']
    """
    from deltanet.autograd import Tensor, no_grad
    from deltanet.nn.summary import recording
    from deltanet.training import layerstats
    from deltanet.training import validation as checks

    X = checks.check_X(X, model)
    with layerstats.run_in_eval(model), no_grad(), recording(model) as records:
        model(Tensor._make(X))
    shown: dict[str, Any] = {}
    for r in records:
        if type(r.module).__module__ == "deltanet.nn.activation" and r.name not in shown:
            shown[r.name] = r
    if not shown:
        raise ValueError("activation_histograms: the model has no activation layers (nn.ReLU(), nn.Sigmoid(), ...)")
    n = len(shown)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = new_figure(rows, cols, (3.4 * cols, 2.8 * rows), squeeze=False)
    for k, (name, r) in enumerate(shown.items()):
        axes_k = axes[k // cols][k % cols]
        axes_k.hist(r.output.array.ravel(), bins=bins, color="tab:blue")
        axes_k.set_title(f"{name} ({type(r.module).__name__})")
        axes_k.set_xlabel("activation")
    for k in range(n, rows * cols):
        fig.delaxes(axes[k // cols][k % cols])
    if title:
        fig.suptitle(title)
    return finish(fig, path)


def lr_find(result: Any, ax: Any = None, path: Any = None) -> Any:
    """The learning-rate range test: loss against learning rate (log scale), the suggestion marked.

    Args:
        result: what ``dn.lr_find`` returned.
        ax: axes to draw into.
        path: save the figure there.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.diagnostics import LRFinderResult
        >>> lrs = np.logspace(-4, 0, 5); losses = np.array([1.0, 0.9, 0.5, 0.3, 2.0])
        >>> fig = dn.plot.lr_find(LRFinderResult(lrs, losses, losses, 1e-2, 1e-1))
        >>> fig.axes[0].get_xscale()
        'log'
    """
    fig, axes = figure_and_axes(ax, (5.5, 3.6))
    raw = getattr(result, "raw_losses", None)
    if raw is not None:
        axes.plot(result.lrs, raw, color="0.75", linewidth=0.8, label="batch loss")
    axes.plot(result.lrs, result.losses, color="tab:blue", label="smoothed loss")
    axes.axvline(result.suggestion, color="tab:red", linestyle="--", label=f"suggestion {result.suggestion:.2g}")
    axes.set_xscale("log")
    finite = np.asarray(result.losses)[np.isfinite(result.losses)]
    if finite.size:
        low, high = float(finite.min()), float(finite[0])
        axes.set_ylim(low - 0.1 * abs(high - low) - 1e-12, max(high, low) + 0.5 * abs(high - low) + 1e-12)
    axes.set_xlabel("learning rate η")
    axes.set_ylabel("loss")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return finish(fig, path)


def sweep(result: Any, metric: str | None = None, ax: Any = None, path: Any = None) -> Any:
    """A hyperparameter sweep: a heat map for two hyperparameters, lines for one, bars otherwise.

    Args:
        result: what ``dn.sweep`` returned.
        metric: the column to show (default ``best_val_loss`` if present, else ``loss``).
        ax: axes to draw into.
        path: save the figure there.

    Returns:
        The matplotlib Figure.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.diagnostics import SweepResult
        >>> rows = [{"lr": lr, "batch_size": b, "loss": lr * b} for lr in (0.1, 0.01) for b in (16, 32)]
        >>> fig = dn.plot.sweep(SweepResult(["lr", "batch_size"], rows, [None] * 4))
        >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
        ('batch_size', 'lr')
    """
    rows = list(result.rows)
    keys = list(result.keys)
    if not rows:
        raise ValueError("sweep plot: the sweep has no rows")
    if metric is None:
        metric = "best_val_loss" if "best_val_loss" in rows[0] else "loss"
    if metric not in rows[0]:
        raise ValueError(f"sweep plot: no column {metric!r}; columns are {list(rows[0])}")

    def value(r: dict[str, Any]) -> float:
        v = r.get(metric)
        return float("nan") if v is None else float(v)

    fig, axes = figure_and_axes(ax, (6, 4))
    if len(keys) == 2:
        first = list(dict.fromkeys(r[keys[0]] for r in rows))
        second = list(dict.fromkeys(r[keys[1]] for r in rows))
        grid = np.full((len(first), len(second)), np.nan)
        for r in rows:
            grid[first.index(r[keys[0]]), second.index(r[keys[1]])] = value(r)
        shown = np.where(np.isfinite(grid), grid, np.nan)
        image = axes.imshow(shown, cmap="viridis_r" if not metric.endswith("accuracy") else "viridis", aspect="auto")
        fig.colorbar(image, ax=axes, label=metric)
        axes.set_xticks(range(len(second)), [str(s) for s in second])
        axes.set_yticks(range(len(first)), [str(f) for f in first])
        axes.set_xlabel(keys[1])
        axes.set_ylabel(keys[0])
        for i in range(len(first)):
            for j in range(len(second)):
                text = "diverged" if not np.isfinite(grid[i, j]) else f"{grid[i, j]:.3g}"
                axes.text(j, i, text, ha="center", va="center", color="w", fontsize="small")
    elif len(keys) == 1:
        xs = [r[keys[0]] for r in rows]
        axes.plot(xs, [value(r) for r in rows], marker="o")
        numeric = all(isinstance(x, (int, float)) and x > 0 for x in xs)
        if numeric and max(xs) / min(xs) >= 100:
            axes.set_xscale("log")
        axes.set_xlabel(keys[0])
        axes.set_ylabel(metric)
        axes.grid(True, alpha=0.3)
    else:
        labels = [", ".join(f"{k}={r[k]}" for k in keys) for r in rows]
        axes.barh(range(len(rows)), [value(r) for r in rows])
        axes.set_yticks(range(len(rows)), labels, fontsize="small")
        axes.set_xlabel(metric)
    return finish(fig, path)


__all__ = ["activation_histograms", "gradient_flow", "learning_curves", "lr_find", "sweep"]
