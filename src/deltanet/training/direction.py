"""Which way a logged quantity improves: down for a loss or an error, up for a score.

``EarlyStopping``, ``ModelCheckpoint`` and the ``Monitor`` read an epoch-log key (``"val_loss"``,
``"val_dice"``, ``"val_mean_absolute_error"``) and must know whether a smaller or a larger value
is better. The name says it, word by word (split at ``_``): a loss, ``error``, ``mse``, ``mae`` and
``rmse`` fall; the scores of ``deltanet.metrics`` (``accuracy``, ``f1``, ``dice``, ``iou``,
``precision``, ``recall``, ``auc``, ...) rise. A name that says neither (a metric function of
your own) is taken to fall, as Keras 2 did; give ``mode="max"`` for a score of your own.
"""

from __future__ import annotations

# Names (split at "_") of metrics that should rise, and of those that should fall.
RISING_METRICS = frozenset(
    {"accuracy", "acc", "dice", "iou", "jaccard", "f1", "precision", "recall", "auc", "sensitivity", "specificity"}
)
FALLING_METRICS = frozenset({"error", "mse", "mae", "rmse"})


def metric_words(key: str) -> tuple[str, set[str]]:
    """The metric's name without the ``val_`` prefix, lower case, and its words (split at ``_``).

    Args:
        key: an epoch-log key.

    Examples:
        >>> from deltanet.training.direction import metric_words
        >>> name, words = metric_words("val_Mean_IoU")
        >>> name, sorted(words)
        ('mean_iou', ['iou', 'mean'])
    """
    name = key[4:] if key.startswith("val_") else key
    name = name.lower()
    return name, set(name.split("_"))


def known_mode(key: str) -> str | None:
    """``"min"`` for a loss or an error, ``"max"`` for a score of ``deltanet.metrics``, None for a
    name that says neither (a metric of your own).

    Args:
        key: an epoch-log key, with or without ``val_``.

    Examples:
        >>> from deltanet.training.direction import known_mode
        >>> known_mode("val_f1"), known_mode("val_loss"), known_mode("val_my_metric") is None
        ('max', 'min', True)
    """
    name, words = metric_words(key)
    if name.endswith("loss") or words & FALLING_METRICS:
        return "min"
    return "max" if words & RISING_METRICS else None


def auto_mode(key: str) -> str:
    """``"max"`` when larger values of the log key ``key`` are better (a score), else ``"min"``
    (a loss, an error, or a name that says neither): what ``mode="auto"`` of ``EarlyStopping``
    and ``ModelCheckpoint`` means.

    Args:
        key: an epoch-log key, with or without ``val_``.

    Examples:
        >>> from deltanet.training.direction import auto_mode
        >>> auto_mode("val_dice"), auto_mode("val_accuracy"), auto_mode("val_mse"), auto_mode("loss")
        ('max', 'max', 'min', 'min')
    """
    return known_mode(key) or "min"


__all__ = ["FALLING_METRICS", "RISING_METRICS", "auto_mode", "known_mode", "metric_words"]
