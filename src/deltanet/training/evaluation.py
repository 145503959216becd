"""``predict`` and ``evaluate``: the forward pass alone, in evaluation mode and without a graph.

Evaluation mode matters: dropout must be the identity and batch norm must use its running
statistics, or the same model gives different answers on the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deltanet.autograd import no_grad
from deltanet.nn.modes import kept_modes
from deltanet.training import validation as checks
from deltanet.training.validation import as_tensor, output_shape

__all__ = [
    "as_tensor",
    "default_metrics",
    "evaluate",
    "forward_in_batches",
    "loss_value",
    "metric_values",
    "output_shape",
    "predict",
    "resolve_loss",
    "resolve_metrics",
    "validation_logs",
]


def resolve_loss(loss: Any) -> Any:
    """A loss module or callable as it is; a name or a loss class through ``deltanet.losses.get``."""
    if not isinstance(loss, str) and not callable(loss):
        raise ValueError(
            f"loss must be a loss module, a callable loss(output, target) or a name such as "
            f"'cross_entropy', got {loss!r}"
        )
    from deltanet import losses

    return losses.get(loss)


def resolve_metrics(metrics: Any) -> list[tuple[str, Callable[..., Any]]]:
    """``(name, function)`` pairs; names go through ``deltanet.metrics.get`` and are logged as
    given ("accuracy" → ``accuracy``/``val_accuracy``), functions under their ``__name__``."""
    if metrics is None:
        return []
    if isinstance(metrics, (str,)) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, (list, tuple)):
        raise ValueError(f"metrics must be a list of names or functions, got {metrics!r}")
    resolved = []
    for m in metrics:
        if isinstance(m, str):
            from deltanet import metrics as metric_module

            resolved.append((m, metric_module.get(m)))
        elif callable(m):
            resolved.append((getattr(m, "__name__", type(m).__name__), m))
        else:
            raise ValueError(f"metrics: expected a metric name or function, got {m!r}")
    names = [n for n, _ in resolved]
    if len(set(names)) != len(names):
        raise ValueError(f"metrics: each name may appear once, got {names}")
    return resolved


def forward_in_batches(model: Any, X: np.ndarray, batch_size: int | None) -> np.ndarray:
    """Outputs for all of ``X``, computed ``batch_size`` rows at a time (in the current mode)."""
    with no_grad():
        if batch_size is None or batch_size >= len(X):
            return model(as_tensor(X)).array
        parts = [model(as_tensor(X[i : i + batch_size])).array for i in range(0, len(X), batch_size)]
    return np.concatenate(parts, axis=0)


def loss_value(loss: Any, output: np.ndarray, y: np.ndarray) -> float:
    """The loss of whole arrays as a Python float (no graph)."""
    with no_grad():
        value = loss(as_tensor(output), as_tensor(y))
    try:
        return float(value.array)
    except (AttributeError, TypeError, ValueError):
        raise ValueError(
            f"loss must return a scalar Tensor (loss(output, target)), got {type(value).__name__} "
            f"of shape {getattr(value, 'shape', ())}"
        ) from None


def metric_values(
    metrics: Sequence[tuple[str, Callable[..., Any]]],
    output: np.ndarray,
    y: np.ndarray,
    prefix: str = "",
    ignore_index: int | None = None,
    loss: Any = None,
) -> dict[str, float]:
    r"""``{prefix + name: metric(y_true, output)}`` for each metric.

    Positions whose class label equals ``ignore_index`` (the loss's, ``CrossEntropy(ignore_index=...)``)
    are left out, as the loss leaves them out; for label maps (segmentation) the metrics then see
    one row per kept position. The outputs and targets are given to the metrics as ``loss`` reads
    them: one output channel of a loss on logits (``validation.binary_logits``) or on scores
    against labels $\pm 1$ (``HingeLoss``, ``SoftMarginLoss``) becomes the probability
    $\sigma(z)$ of class 1 (scores that all lie in $[0, 1]$ would read as probabilities, class 1
    above 0.5 instead of above 0), and labels $\pm 1$ become the classes 0 and 1.
    """
    if not metrics:
        return {}
    signs = checks.loss_kind(loss) == "sign"
    one_channel = output.dtype.kind == "f" and (output.ndim == 1 or output.shape[1] == 1)
    if one_channel and (signs or checks.binary_logits(loss)):
        output = np.exp(-np.logaddexp(0.0, -output)).astype(output.dtype)  # sigma(z), without overflow
    if signs and y.dtype.kind in "fi":
        y = (y > 0).astype(np.int64)  # -1 and +1: the classes 0 and 1
    if ignore_index is not None and y.dtype.kind in "iu" and y.ndim == output.ndim - 1:
        keep = y != ignore_index
        if not keep.all():
            if y.ndim > 1:  # (N, C, d1, ...) outputs for (N, d1, ...) maps: one row per position
                output = np.moveaxis(output, 1, -1).reshape(-1, output.shape[1])
                y, keep = y.reshape(-1), keep.reshape(-1)
            output, y = output[keep], y[keep]
    return {prefix + name: float(fn(y, output)) for name, fn in metrics}


def validation_logs(
    model: Any,
    loss: Any,
    metrics: Sequence[tuple[str, Callable[..., Any]]],
    validation_data: Any,
    batch_size: int | None,
    world: Any = None,
) -> dict[str, float]:
    """``val_loss`` and ``val_`` metrics of the model on checked validation data, in evaluation mode.

    ``validation_data`` is a pair of arrays ``(X, y)``, forwarded ``batch_size`` rows at a time, or
    an iterable of checked ``(x, y)`` batches (a loader's, ``deltanet.training.loader_state``), each
    forwarded whole; either way the loss and the metrics are computed once, on all the outputs
    (kept, with the targets; the inputs are not), so that they are those of the whole set.

    In a data-parallel ``fit`` (``world``, a ``deltanet.distributed.World``), each rank computes
    the outputs of its share of the rows, and every rank gets all of them, so that the loss and
    the metrics are those of the whole validation set, the same on every rank.
    """
    with kept_modes(model):  # evaluation mode, then every module's own mode back
        model.eval()
        if not isinstance(validation_data, tuple):  # a loader's checked batches: outputs and targets kept
            pairs = [(forward_in_batches(model, xb, None), yb) for xb, yb in validation_data]
            output, y = (np.concatenate(part, axis=0) for part in zip(*pairs))
        elif world is None:
            X, y = validation_data
            output = forward_in_batches(model, X, batch_size)
        else:
            X, y = validation_data
            output = world.gather_rows(len(X), lambda lo, hi: forward_in_batches(model, X[lo:hi], batch_size))
    logs = {"val_loss": loss_value(loss, output, y)}
    logs.update(metric_values(metrics, output, y, "val_", checks.ignore_index(loss), loss))
    return logs


def predict(model: Any, X: Any, batch_size: int | None = None) -> np.ndarray:
    """The model's outputs for ``X`` as a NumPy array, in evaluation mode and without a graph.

    Args:
        model: a ``deltanet.nn.Module``.
        X: samples, shape (N, features...); converted to the model's dtype.
        batch_size: rows per forward pass (None: all at once).

    Returns:
        The outputs (for a classifier: the logits; take ``argmax(axis=1)`` for the classes).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 1, dtype="float64")
        >>> model.weight.array[...] = [[1.0, 2.0]]; model.bias.array[...] = 0.5
        >>> dn.predict(model, np.array([[1.0, 1.0], [0.0, 2.0]])).ravel().tolist()
        [3.5, 4.5]
    """
    checks.check_model(model)
    batch_size = checks.check_batch_size(batch_size, "predict")
    X = checks.check_X(X, model)
    with kept_modes(model):  # evaluation mode, then every module's own mode back
        model.eval()
        return np.array(forward_in_batches(model, X, batch_size), copy=True)


#: ``evaluate``'s default metrics, told apart from the same names given (see ``default_metrics``).
_DEFAULT_METRICS = ("accuracy",)


def default_metrics(loss: Any, y: Any) -> tuple[str, ...]:
    """The metrics ``evaluate`` computes when none are given: accuracy where the targets are class
    labels, nothing for a regression loss (whose accuracy, of whole-number targets such as the
    diabetes data's, was a meaningless 0.0, and of image targets the match of the brightest pixel).

    Args:
        loss: the resolved loss, or None.
        y: the targets, as given.

    Examples:
        >>> import numpy as np
        >>> from deltanet import losses
        >>> from deltanet.training.evaluation import default_metrics
        >>> default_metrics(losses.MSELoss(), np.array([151.0, 75.0])), default_metrics(None, [0, 1])
        ((), ('accuracy',))
    """
    kind = checks.loss_kind(loss) if loss is not None else None
    if kind == "regression":
        return ()
    if kind == "other":  # a loss that does not say: accuracy of integer class labels only
        labels = np.asarray(getattr(y, "array", y))
        return _DEFAULT_METRICS if labels.ndim == 1 and labels.dtype.kind in "iub" else ()
    return _DEFAULT_METRICS


def evaluate(
    model: Any,
    X: Any,
    y: Any,
    loss: Any = None,
    metrics: Any = _DEFAULT_METRICS,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Loss and metrics of the model on ``(X, y)``, in evaluation mode and without a graph.

    Args:
        model: a ``deltanet.nn.Module``.
        X, y: samples and targets (checked as in ``fit``).
        loss: a loss module, callable or name; None to report metrics only. Labels equal to its
            ``ignore_index`` (``CrossEntropy(ignore_index=-1)``) are accepted, and the metrics skip
            them as the loss does.
        metrics: metric names (``deltanet.metrics.get``) or functions ``f(y_true, output)``;
            by default accuracy, unless the loss is a regression loss (``MSELoss``, ``L1Loss``,
            ...: none) or one that does not say what its targets are (accuracy of integer labels
            only): see ``default_metrics``.
        batch_size: rows per forward pass (None: all at once). The loss is computed on all the
            outputs at once, so it is exact for any ``reduction``.

    Returns:
        ``{"loss": ..., "accuracy": ..., ...}`` as Python floats.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 2, dtype="float64")
        >>> model.weight.array[...] = [[1.0, 0.0], [0.0, 1.0]]; model.bias.array[...] = 0.0
        >>> X = np.array([[2.0, 0.0], [0.0, 2.0], [3.0, 1.0]]); y = np.array([0, 1, 1])
        >>> {k: round(v, 3) for k, v in dn.evaluate(model, X, y, loss="cross_entropy").items()}
        {'loss': 0.794, 'accuracy': 0.667}
    """
    checks.check_model(model)
    batch_size = checks.check_batch_size(batch_size, "evaluate")
    loss_fn = None if loss is None else resolve_loss(loss)
    metric_fns = resolve_metrics(default_metrics(loss_fn, y) if metrics is _DEFAULT_METRICS else metrics)
    X = checks.check_X(X, model)
    shape = output_shape(model, X)
    kind = checks.loss_kind(loss_fn)
    if loss_fn is None and len(shape) == 1 and shape[0] > 1 and np.ndim(getattr(y, "array", y)) == 1:
        # No loss, C >= 2 outputs and one target per sample: class labels (nothing else fits),
        # checked against [0, C) so that a label the model cannot output is not scored silently.
        kind = "class_index"
    skip = checks.ignore_index(loss_fn)
    y = checks.check_y(y, len(X), kind, shape, X.dtype, ignore_index=skip)
    with kept_modes(model):  # evaluation mode, then every module's own mode back
        model.eval()
        output = forward_in_batches(model, X, batch_size)
    results: dict[str, float] = {}
    if loss_fn is not None:
        results["loss"] = loss_value(loss_fn, output, y)
    results.update(metric_values(metric_fns, output, y, ignore_index=skip, loss=loss_fn))
    return results
