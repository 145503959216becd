"""Input checks for ``fit``, ``evaluate`` and ``predict``, with scikit-learn's ``check_array``
wording: every bad input is a ``ValueError`` that says what was expected and what was received.

The checks run once per call, on whole arrays, before the first step; the training loop itself
checks only the loss and the gradient norm (``deltanet.training.step``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, no_grad
from deltanet.autograd.tensor import leaf
from deltanet.nn.modes import kept_modes


def loss_kind(loss: Any) -> str:
    """The kind of targets ``loss`` takes: the ``target_kind`` its class declares.

    One of "class_index" (integer labels or probability rows), "binary" (numbers in [0, 1]),
    "sign" (-1 or +1), "regression" (numbers), "segmentation" (label maps), or "other" for a
    plain function, whose targets are only checked to be finite numbers.
    """
    return getattr(type(loss), "target_kind", "other")


def model_dtype(model: Any) -> np.dtype:
    """The dtype of the model's first floating parameter (float32 when it has none)."""
    for p in model.parameters():
        if p.array.dtype.kind == "f":
            return p.array.dtype
    return backend.DEFAULT_DTYPE


def ignore_index(loss: Any) -> int | None:
    """The label that a class-index loss skips (``CrossEntropy(ignore_index=...)``), else None."""
    if loss_kind(loss) != "class_index":
        return None
    value = getattr(loss, "ignore_index", None)
    return None if value is None else int(value)


def sums_over_samples(loss: Any) -> bool:
    r"""Whether the loss adds up its samples (``reduction="sum"``) instead of averaging them.

    ``fit`` reads the loss of an epoch, and a data-parallel step weighs the ranks' losses, by it:
    the mean of a batch's $n$ samples enters the epoch's loss with weight $n / N$, a sum with
    weight 1, so that with either reduction the epoch's loss is the loss over all its $N$ samples,
    as ``evaluate`` computes it and as the validation loss is reported.

    Examples:
        >>> from deltanet import losses
        >>> from deltanet.training.validation import sums_over_samples
        >>> sums_over_samples(losses.CrossEntropy(reduction="sum")), sums_over_samples(losses.CrossEntropy())
        (True, False)
    """
    return getattr(loss, "reduction", None) == "sum"


def mean_denominator(loss: Any, y: Any = None) -> Any:
    r"""How much a batch's mean loss weighs in the epoch's loss, where that is not its number of samples.

    A mean cross-entropy or NLL loss of class labels with class weights $w$ or ignored labels
    (``CrossEntropy(weight=..., ignore_index=...)``) divides by $D = \sum_{i:\,y_i \ne
    \text{ignore}} w_{y_i}$, not by the number of targets (PyTorch's definition). The loss over
    the epoch's samples, as ``evaluate`` gives it and the validation loss is reported, is then
    $\sum_b D_b L_b / \sum_b D_b$ over the batches $b$; weighting the batch means by their sizes
    gave another number (larger or smaller with the share of ignored or heavy labels per batch).

    Args:
        loss: the loss module.
        y: the targets of the whole data, when known: targets without an ignored label and a
            loss without class weights need nothing (a mean over the targets, as for every other
            loss).

    Returns:
        A function ``D(y_batch)`` giving a batch's denominator in samples (a label map's kept
        pixels over its pixels per sample: $D_b = n_b$ when nothing is weighted or ignored), or
        None where a batch weighs its number of samples.

    Examples:
        >>> import numpy as np
        >>> from deltanet import losses
        >>> from deltanet.training.validation import mean_denominator
        >>> D = mean_denominator(losses.CrossEntropy(ignore_index=-1), np.array([0, -1, 1]))
        >>> D(np.array([0, -1, 1]))
        2.0
        >>> mean_denominator(losses.CrossEntropy(), np.array([0, 1, 1])) is None
        True
    """
    from deltanet.nn.loss import CrossEntropyLoss, NLLLoss

    if not isinstance(loss, (CrossEntropyLoss, NLLLoss)) or loss.reduction != "mean":
        return None
    skip = ignore_index(loss)
    weight = None if loss.weight is None else np.asarray(_array(loss.weight), dtype=np.float64)
    if y is not None:
        y = np.asarray(_array(y))
        if y.dtype.kind not in "iu":  # class probabilities: a mean over the samples
            return None
        if weight is None and (skip is None or not (y == skip).any()):
            return None

    def denominator(yb: Any) -> float:
        labels = np.asarray(_array(yb))
        if labels.dtype.kind not in "iu" or not len(labels):
            return float(len(labels))
        per_sample = labels.size // len(labels)  # the pixels of a label map: D counts samples
        if skip is not None:
            labels = labels[labels != skip]
        kept = float(labels.size) if weight is None else float(weight[labels].sum())
        return kept / per_sample

    return denominator


def _array(value: Any) -> Any:
    """The NumPy array of a Tensor, or the value itself."""
    return value.array if isinstance(value, Tensor) else value


def binary_logits(loss: Any) -> bool:
    r"""Whether the loss takes the logits $z$ of binary outputs (``BCEWithLogitsLoss``,
    ``F.binary_cross_entropy_with_logits``, ``DiceLoss(from_logits=True)``): the metrics then get
    the probabilities $\sigma(z)$, since a bare array of scores that all lie in $[0, 1]$ reads as
    probabilities (class 1 above 0.5, where a logit means class 1 above 0)."""
    from deltanet import losses

    if isinstance(loss, losses.BCEWithLogitsLoss):
        return True
    if isinstance(loss, losses.DiceLoss):
        return bool(loss.from_logits)
    return getattr(loss, "__name__", None) == "binary_cross_entropy_with_logits"


def _to_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.array
    if value is None:
        raise ValueError(f"{name}: expected an array, got None")
    if isinstance(value, np.matrix):
        # Refused, not converted: code that made a matrix may rely on * being a matrix product.
        raise ValueError(
            f"{name}: expected an array, got a numpy.matrix (whose * is a matrix product, not an "
            f"elementwise one); pass numpy.asarray({name}) if elementwise arithmetic is what you meant"
        )
    if {"Dataset", "IterableDataset", "DataLoader"} & {c.__name__ for c in type(value).__mro__}:
        # np.asarray would read every sample of a file dataset before failing on the (image, label) pairs.
        raise ValueError(
            f"{name}: expected an array, got {type(value).__name__}; fit takes a dataset or DataLoader in place "
            "of the pair (X, y) (fit(model, dataset, loss=..., optimizer=...), validation_data=dataset) and reads "
            "one batch at a time; elsewhere take the arrays with X, y = dataset[:] (deltanet's datasets stack a "
            "slice into a batch) where they fit in memory, or loop over DataLoader(dataset)"
        )
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name}: expected a numeric array, got {type(value).__name__} that NumPy cannot convert ({error})"
        ) from None


def _check_numeric(a: np.ndarray, name: str) -> None:
    if a.dtype.kind not in "fiub":
        what = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers"}.get(a.dtype.kind, "values")
        raise ValueError(
            f"{name}: expected numeric data (float, int or bool), got dtype {a.dtype} ({what}); "
            f"convert it first, e.g. {name}.astype(numpy.float32)"
        )


def _check_finite(a: np.ndarray, name: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = "NaN" if np.isnan(a).any() else "infinity"
        count = int((~np.isfinite(a)).sum())
        raise ValueError(f"Input {name} contains {bad} ({count} non-finite values); expected finite numbers")


def _cast(a: np.ndarray, dtype: Any, name: str) -> np.ndarray:
    """``a`` as ``dtype``, refusing values that the cast turns into infinity (float64 → float32)."""
    _check_finite(a, name)  # the data as given: a NaN in it is the data's, not the cast's
    if a.dtype == dtype:
        return a
    with np.errstate(over="ignore"):
        out = a.astype(dtype)
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        largest = float(np.abs(a[np.isfinite(a)]).max())
        raise ValueError(
            f"{name}: values up to {largest:.4g} in magnitude overflow {out.dtype} (its largest finite value "
            f"is {np.finfo(out.dtype).max:.8g}); scale the data, or train a float64 model"
        )
    return out


# An array that the checks above already vetted, wrapped in a leaf Tensor without the dtype policy
# (once per step, so it must cost next to nothing). The name stays for training.state and
# training.evaluation; new code imports ``leaf`` from ``deltanet.autograd.tensor``.
as_tensor = leaf


def output_shape(model: Any, X: np.ndarray, name: str = "X") -> tuple[int, ...]:
    """The model's output shape for one sample, from one forward pass on the first sample (in
    evaluation mode, without a graph); a ValueError from the model names ``X``."""
    try:
        with kept_modes(model), no_grad():  # evaluation mode, then every module's own mode back
            model.eval()
            out = model(as_tensor(X[:1]))
    except ValueError as error:
        raise ValueError(f"{name} of shape {X.shape} does not fit the model: {error}") from None
    if not isinstance(out, Tensor):
        raise ValueError(f"the model must return a Tensor, got {type(out).__name__}")
    return tuple(out.shape[1:])


def first_linear(model: Any) -> tuple[Any, bool] | None:
    """The model's first layer when it is a ``Linear`` at the head of a ``Sequential`` chain,
    with whether a ``Flatten`` comes before it; None when the first layer is something else."""
    from deltanet.nn import Flatten, Linear, Sequential

    flatten = False
    layer = model
    while True:
        if isinstance(layer, Linear):
            return layer, flatten
        if isinstance(layer, Sequential) and len(layer):
            layers = list(layer)
            i = 0
            while i < len(layers) - 1 and isinstance(layers[i], Flatten):
                flatten = True
                i += 1
            layer = layers[i]
            continue
        return None


def check_model(model: Any, owner: str | None = None) -> None:
    """A ``deltanet.nn.Module`` instance: not None, not a function, not the class itself.

    ``owner``, where given, is the function that the message names (``fit`` is implied).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.training.validation import check_model
        >>> check_model(dn.nn.Linear)
        Traceback (most recent call last):
        ...
        ValueError: model must be a deltanet.nn.Module instance, got the class Linear itself;
        build the model first, e.g. Linear(...)
    """
    from deltanet.nn import Module

    if isinstance(model, Module):
        return
    where = f"{owner}: " if owner else ""
    if isinstance(model, type) and issubclass(model, Module):
        raise ValueError(
            f"{where}model must be a deltanet.nn.Module instance, got the class {model.__name__} itself; "
            f"build the model first, e.g. {model.__name__}(...)"
        )
    shown = repr(model)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise ValueError(f"{where}model must be a deltanet.nn.Module instance, got {type(model).__name__} {shown}")


def check_X(X: Any, model: Any = None, dtype: Any = None, name: str = "X") -> np.ndarray:
    """Check the samples ``X`` and return them as an array of ``dtype`` (the model's by default).

    Raises ``ValueError`` for: non-numeric dtype, fewer than 2 dimensions, zero samples, NaN or
    infinity, and a feature count that the model's first ``Linear`` layer does not accept.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.validation import check_X
        >>> check_X(np.zeros((2, 3)), dn.nn.Linear(4, 1))
        Traceback (most recent call last):
        ...
        ValueError: X has 3 features, but the model's first layer Linear(in_features=4, out_features=1, bias=True)
        expects 4 features as input
    """
    a = _to_array(X, name)
    _check_numeric(a, name)
    if a.ndim < 2:
        hint = (
            f"reshape your data with {name}.reshape(-1, 1) if it has a single feature or "
            f"{name}.reshape(1, -1) if it contains a single sample"
        )
        raise ValueError(
            f"Expected a 2-D array (n_samples, n_features) for {name}, got {a.ndim}-D array of shape {a.shape}; {hint}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={a.shape}) in {name}, while a minimum of 1 is required")
    if dtype is None:
        dtype = model_dtype(model) if model is not None else backend.DEFAULT_DTYPE
    if a.dtype == np.float16:
        # Exact (every float16 is a float32), but the data take twice the memory: say so.
        warnings.warn(
            f"{name} has dtype float16, which deltanet does not compute in; it was converted to "
            f"{np.dtype(dtype)} (exactly). Convert it yourself to silence this warning.",
            UserWarning,
            stacklevel=3,
        )
    a = _cast(a, np.dtype(dtype), name)
    if model is not None:
        head = first_linear(model)
        if head is not None:
            layer, flatten = head
            n_features = int(np.prod(a.shape[1:])) if flatten else a.shape[-1]
            if n_features != layer.in_features:
                raise ValueError(
                    f"{name} has {n_features} features, but the model's first layer {layer!r} "
                    f"expects {layer.in_features} features as input"
                )
    return a


def check_y(
    y: Any,
    n_samples: int,
    kind: str = "other",
    output_shape: tuple[int, ...] | None = None,
    dtype: Any = None,
    name: str = "y",
    ignore_index: int | None = None,
) -> np.ndarray:
    """Check the targets ``y`` against the samples and the loss, and return them as an array.

    Args:
        y: the targets.
        n_samples: the number of samples in X (y must have as many).
        kind: from ``loss_kind``. "class_index": integer labels in [0, C) (integral floats are
            accepted and converted to int64), or probability rows of shape (N, C);
            "binary": numbers in [0, 1]; "regression": numbers. For every kind but
            "class_index", a 1-D y for a model with one output column becomes a column (N, 1).
        output_shape: the model's output shape for one sample, e.g. (C,), when known.
        dtype: the float dtype for float targets (the model's; None: the default dtype).
        name: the name of the targets in messages ("y", "validation y").
        ignore_index: a label that the loss skips (``CrossEntropy(ignore_index=...)``): class
            labels equal to it are accepted although they lie outside [0, C).

    Examples:
        >>> import numpy as np
        >>> from deltanet.training.validation import check_y
        >>> check_y(np.array([0, 3]), 2, kind="class_index", output_shape=(3,))
        Traceback (most recent call last):
        ...
        ValueError: y: class labels must be integers in [0, 3) for a model with 3 outputs, got values from 0 to 3
    """
    a = _to_array(y, name)
    _check_numeric(a, name)
    if a.ndim == 0:
        raise ValueError(f"{name}: expected one target per sample, shape ({n_samples}, ...), got a scalar")
    if len(a) != n_samples:
        raise ValueError(
            f"X and {name} have inconsistent numbers of samples: X has {n_samples}, {name} has {len(a)}; "
            f"expected one target per sample"
        )
    dtype = backend.DEFAULT_DTYPE if dtype is None else dtype
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    _check_finite(a, name)
    if kind == "class_index":
        return _check_class_targets(a, output_shape, dtype, name, ignore_index)
    if a.dtype.kind == "f" or kind in ("binary", "regression"):
        a = _cast(a, np.dtype(dtype), name)
    if kind == "binary" and ((a < 0) | (a > 1)).any():
        raise ValueError(f"{name}: binary targets must lie in [0, 1], got values from {a.min():g} to {a.max():g}")
    if output_shape is not None and a.ndim == 1 and tuple(output_shape) == (1,):
        a = a.reshape(-1, 1)  # one target per sample for a model with one output column
    if output_shape is not None and kind in ("binary", "regression"):
        if a.shape[1:] != tuple(output_shape):
            raise ValueError(
                f"{name} has shape {a.shape}, but the model outputs shape (N, "
                f"{', '.join(map(str, output_shape))}); expected {name} of shape "
                f"({len(a)}, {', '.join(map(str, output_shape))})"
            )
    return a


def _check_class_targets(
    a: np.ndarray, output_shape: tuple[int, ...] | None, dtype: Any, name: str, ignore_index: int | None
) -> np.ndarray:
    n_classes = output_shape[0] if output_shape else None
    if output_shape is not None and len(output_shape) > 1:  # one class per position (segmentation)
        return _check_class_maps(a, tuple(output_shape), dtype, name, ignore_index)
    if a.ndim == 2 and a.dtype.kind == "f":  # probability rows
        if n_classes is not None and a.shape[1] != n_classes:
            raise ValueError(
                f"{name}: probability targets must have one column per class, shape ({len(a)}, {n_classes}), "
                f"got shape {a.shape}"
            )
        if (a < 0).any() or (a > 1).any():
            raise ValueError(
                f"{name}: probability targets must lie in [0, 1], got values from {a.min():g} to {a.max():g}"
            )
        return a.astype(dtype, copy=False)
    if a.ndim != 1:
        raise ValueError(
            f"{name}: expected class labels of shape ({len(a)},) or probability rows of shape "
            f"({len(a)}, C), got shape {a.shape}"
        )
    return _integer_labels(a, n_classes, name, ignore_index)


def _integer_labels(a: np.ndarray, n_classes: int | None, name: str, ignore_index: int | None) -> np.ndarray:
    if a.dtype.kind == "f":
        if (a != np.round(a)).any():
            bad = a[a != np.round(a)][0]
            raise ValueError(
                f"{name}: class labels must be integers, got non-integer values (e.g. {bad:g}); "
                f"for regression targets use a regression loss such as MSELoss"
            )
    labels = a if ignore_index is None else a[a != ignore_index]
    if labels.size:
        # The range of the labels as given (a uint64 label above 2**63 must not wrap around).
        low, high = int(labels.min().item()), int(labels.max().item())
        if low < 0 or high > np.iinfo(np.int64).max or (n_classes is not None and high >= n_classes):
            limit = f"[0, {n_classes})" if n_classes is not None else "[0, C)"
            outputs = f" for a model with {n_classes} outputs" if n_classes is not None else ""
            skipped = (
                f" (labels equal to the loss's ignore_index {ignore_index} are skipped)"
                if ignore_index is not None
                else ""
            )
            raise ValueError(
                f"{name}: class labels must be integers in {limit}{outputs}, got values from {low} to {high}{skipped}"
            )
    return a.astype(np.int64)


def _check_class_maps(
    a: np.ndarray, output_shape: tuple[int, ...], dtype: Any, name: str, ignore_index: int | None
) -> np.ndarray:
    """Targets for outputs (N, C, d1, ...): label maps (N, d1, ...) or probabilities (N, C, d1, ...)."""
    n = len(a)
    if a.shape[1:] == output_shape and a.dtype.kind == "f":
        if (a < 0).any() or (a > 1).any():
            raise ValueError(
                f"{name}: probability targets must lie in [0, 1], got values from {a.min():g} to {a.max():g}"
            )
        return a.astype(dtype, copy=False)
    if a.shape[1:] != output_shape[1:]:
        maps = ", ".join(map(str, (n, *output_shape[1:])))
        probs = ", ".join(map(str, (n, *output_shape)))
        raise ValueError(
            f"{name}: for a model with outputs of shape (N, {', '.join(map(str, output_shape))}), expected "
            f"class label maps of shape ({maps}) or probabilities of shape ({probs}), got shape {a.shape}"
        )
    return _integer_labels(a, output_shape[0], name, ignore_index)


def check_batch_size(batch_size: Any, owner: str = "fit") -> int | None:
    """``None`` (full batch) or a positive integer, returned as an int."""
    return check.optional_integer(batch_size, "batch_size", owner, none="None (full batch)", low=1)


def check_shuffle(shuffle: Any) -> bool | str:
    """``True``, ``False`` or ``"with_replacement"`` (fit's ways through the samples)."""
    if isinstance(shuffle, str) and shuffle == "with_replacement":
        return shuffle
    if isinstance(shuffle, (bool, np.bool_)):
        return bool(shuffle)
    raise check.fail("fit", "shuffle", "True, False or 'with_replacement'", shuffle)


def check_epochs(epochs: Any) -> int:
    """A non-negative integer."""
    return check.integer(epochs, "epochs", "fit", low=0)


def check_verbose(verbose: Any) -> int | str:
    """``"auto"``, 0 (silent), 1 (a progress bar per epoch) or 2 (one line per epoch)."""
    if verbose == "auto" and isinstance(verbose, str):
        return "auto"
    if check.is_integer(verbose) and verbose in (0, 1, 2):
        return int(verbose)
    raise check.fail("fit", "verbose", "'auto', 0 (silent), 1 (progress bar) or 2 (one line per epoch)", verbose)


def check_optimizer(optimizer: Any, model: Any) -> None:
    """A ``deltanet.optim.Optimizer`` that updates at least one of the model's trainable parameters.

    A subset is fine (frozen layers); no overlap at all means the optimizer was built for another
    model and ``fit`` would train nothing. Parameters are compared by identity, not by value.
    """
    from deltanet.optim import Optimizer

    if not isinstance(optimizer, Optimizer):
        raise check.fail(
            "fit",
            "optimizer",
            "a deltanet.optim optimizer (optim.SGD(model.parameters(), lr=0.1)) or a name such as 'sgd'",
            optimizer,
        )
    ours = {id(p) for p in model.parameters() if p.requires_grad}
    theirs = [p for group in optimizer.param_groups for p in group["params"]]
    if not any(id(p) in ours for p in theirs):
        raise ValueError(
            f"fit: the optimizer updates none of the model's parameters: its {len(theirs)} parameter(s) "
            f"are not among model.parameters() (is it the optimizer of another model? build it with "
            f"{type(optimizer).__name__}(model.parameters(), ...))"
        )


def check_callbacks(callbacks: Any) -> list[Any]:
    """A list of ``Callback`` instances (one alone is accepted too)."""
    from deltanet.training.callback import Callback

    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise check.fail("fit", "callbacks", "a list of Callback objects", callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise ValueError(
                f"fit: callbacks must be Callback instances, got {cb!r} "
                f"(did you pass the class instead of an instance, e.g. EarlyStopping instead of EarlyStopping()?)"
            )
    return list(callbacks)


def check_regularizer(regularizer: Any) -> None:
    """None or a callable ``penalty(model)``."""
    if regularizer is not None and not callable(regularizer):
        raise check.fail("fit", "regularizer", "a callable penalty(model) -> scalar Tensor", regularizer)


def check_validation_data(validation_data: Any) -> tuple[Any, Any]:
    """A pair ``(X_val, y_val)``."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        got = (
            f"a {type(validation_data).__name__} of length {len(validation_data)}"
            if isinstance(validation_data, (tuple, list))
            else type(validation_data).__name__
        )
        raise ValueError(f"fit: validation_data must be a pair (X_val, y_val), got {got}")
    return validation_data[0], validation_data[1]


def check_fit_data(
    model: Any, X: Any, y: Any, validation_data: Any, loss: Any
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None, tuple[int, ...]]:
    """``fit``'s data, checked against the model and the loss: ``(X, y, validation_data, output_shape)``.

    ``output_shape`` is the model's output shape for one sample, from one forward pass.
    """
    kind, skip = loss_kind(loss), ignore_index(loss)
    # The validation pair's form first: a malformed argument is refused before any computation.
    pair = None if validation_data is None else check_validation_data(validation_data)
    X = check_X(X, model)
    shape = output_shape(model, X)
    y = check_y(y, len(X), kind, shape, X.dtype, ignore_index=skip)
    if pair is None:
        return X, y, None, shape
    Xv, yv = pair
    Xv = check_X(Xv, model, X.dtype, name="validation X")
    yv = check_y(yv, len(Xv), kind, shape, X.dtype, name="validation y", ignore_index=skip)
    return X, y, (Xv, yv), shape
