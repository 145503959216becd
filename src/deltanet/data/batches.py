r"""Batches: the seeds' three flavours of gradient descent differ only in how many samples one
update sees.

| ``batch_size`` | flavour ([Hosny et al.], [Suk 2015]) | updates per epoch |
|---|---|---|
| ``None`` (all N) | batch (full-batch) gradient descent | 1 |
| 1 | on-line (stochastic) gradient descent | N |
| k | mini-batch gradient descent | $\lceil N / k \rceil$ |

Shuffling draws one permutation per epoch from ``rng`` (a seed or a ``numpy.random.Generator``;
without it the default generator that ``dn.manual_seed`` sets), so the same seed gives the same
batches, in the same order.

``DataLoader`` here is PyTorch's loader (``deltanet.utils.data.DataLoader``, see ``loader``)
with deltanet's defaults (32 samples, shuffled, NumPy batches); one implementation serves both.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import get_rng
from deltanet.data.collate import collate_arrays
from deltanet.data.indexed import Dataset
from deltanet.data.loader import DataLoader as _TorchDataLoader
from deltanet.data.samplers import resolve_generator


def batch_slices(n_samples: int, batch_size: int | None) -> list[slice]:
    r"""The slices ``[0:k], [k:2k], ...`` that cut ``n_samples`` rows into batches of ``batch_size``.

    The last batch may be smaller; ``batch_size=None`` gives one batch of everything.

    Args:
        n_samples: the number of rows $N$ to cut.
        batch_size: rows per batch $k$, or ``None`` for the full batch.

    Returns:
        $\lceil N / k \rceil$ slices, in order.

    Raises:
        ValueError: ``batch_size`` is neither a positive integer nor ``None``.

    Examples:
        >>> from deltanet.data import batch_slices
        >>> [(s.start, s.stop) for s in batch_slices(5, 2)]
        [(0, 2), (2, 4), (4, 5)]
    """
    batch_size = check.optional_integer(batch_size, "batch_size", none="None (full batch)", low=1)
    size = n_samples if batch_size is None else batch_size
    size = max(size, 1)
    return [slice(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]


def iterate_minibatches(
    X: Any,
    y: Any = None,
    batch_size: int | None = 32,
    shuffle: bool = True,
    rng: Any = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield ``(X_batch, y_batch)`` pairs that cover every sample once (one epoch).

    Args:
        X: array of shape (N, ...).
        y: array of shape (N, ...) or None (then ``y_batch`` is None).
        batch_size: samples per batch; ``None`` is the full batch, 1 is on-line learning.
        shuffle: draw a new order of the samples from ``rng`` before cutting the batches.
        rng: seed or ``numpy.random.Generator`` for the shuffle (default: ``dn.manual_seed``'s).

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import iterate_minibatches
        >>> X = np.arange(10).reshape(5, 2); y = np.arange(5)
        >>> [yb.tolist() for _, yb in iterate_minibatches(X, y, batch_size=2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
    """
    X = np.asarray(X)
    n = len(X)
    if y is not None:
        y = np.asarray(y)
        if len(y) != n:
            raise ValueError(f"X and y must have the same number of samples, got {n} and {len(y)}")
    slices = batch_slices(n, batch_size)
    if shuffle and len(slices) > 1:
        order = get_rng(rng).permutation(n)
        for s in slices:
            idx = order[s]
            yield X[idx], (None if y is None else y[idx])
    else:
        for s in slices:
            yield X[s], (None if y is None else y[s])


class DataLoader(_TorchDataLoader):
    """Iterate over a dataset in batches with deltanet's defaults: 32 samples, reshuffled every pass, NumPy batches.

    The same loader as ``deltanet.utils.data.DataLoader`` (PyTorch's, which this class extends),
    with deltanet's documented defaults instead of PyTorch's: ``batch_size=32`` (``None``: the
    full batch) instead of 1, ``shuffle=True`` instead of False, ``rng=`` for the shuffle, a
    tuple of arrays accepted as the dataset, and batches of NumPy arrays (``collate_arrays``:
    tuples stay tuples) instead of Tensors. Any dataset with ``__len__`` and ``__getitem__`` works.

    Args:
        dataset: a dataset (``Dataset``, ``TensorDataset``, any object with ``__len__`` and
            ``__getitem__``), or a tuple of arrays of equal length.
        batch_size: samples per batch (``None`` = the full batch).
        shuffle: new order at every iteration, drawn from ``rng``.
        drop_last: skip the last batch when it is smaller than ``batch_size``.
        rng: None (the generator ``dn.manual_seed`` sets, read at each pass), a seed or a
            ``numpy.random.Generator``; a seed starts one generator that the passes share, so two
            loaders with the same seed give the same sequence of epochs.
        collate_fn: makes one batch from a list of samples (default: ``collate_arrays``).

    Raises:
        ValueError: ``batch_size`` is neither a positive integer nor None, or a bad ``rng``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import DataLoader, Dataset
        >>> loader = DataLoader(Dataset(np.arange(10.0), np.arange(10)), batch_size=4, rng=0)
        >>> [len(xb) for xb, yb in loader]
        [4, 4, 2]
        >>> len(loader)
        3
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 32,
        shuffle: bool = True,
        drop_last: bool = False,
        rng: Any = None,
        collate_fn: Any = None,
    ) -> None:
        check.optional_integer(batch_size, "batch_size", "DataLoader", none="None (full batch)", low=1)
        resolve_generator(rng, "DataLoader", "rng")
        if isinstance(dataset, tuple):
            dataset = Dataset(*dataset)
        if batch_size is None:
            batch_size = max(len(dataset), 1)
        super().__init__(
            dataset,
            batch_size=batch_size,
            shuffle=shuffle,
            drop_last=drop_last,
            generator=rng,
            collate_fn=collate_arrays if collate_fn is None else collate_fn,
        )
