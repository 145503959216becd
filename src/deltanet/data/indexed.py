r"""Datasets as PyTorch defines them: anything with ``len(ds)`` and ``ds[i]``, plus the ways to combine them.

A *map-style* dataset is any object with ``__len__`` and ``__getitem__``; a ``DataLoader`` asks
it for the samples ``0 .. len(ds) - 1`` only (it never iterates it until ``IndexError``, so a
``__getitem__`` that accepts any index is fine). ``Dataset`` is its base class and, given arrays,
also the dataset of their rows (deltanet's own ``Dataset(X, y)``).

- ``Dataset(X, y)[i]`` is ``(X[i], y[i])`` as NumPy rows; ``TensorDataset(X, y)[i]`` the same as
  ``Tensor``s (PyTorch's ``TensorDataset``);
- ``Subset(ds, indices)``, ``ConcatDataset([a, b])`` (also ``a + b``) and ``random_split(ds, lengths)``
  view other datasets without copying samples;
- ``IterableDataset``: a stream with ``__iter__`` instead of indices; ``ChainDataset([a, b])``
  (also ``a + b``) streams ``a`` then ``b``.
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.backend import get_rng
from deltanet.data.samplers import resolve_generator


class Dataset:
    """Base class of map-style datasets, and, given arrays, the dataset of their rows.

    Subclass it and define ``__len__`` and ``__getitem__`` (as in PyTorch); or give it arrays of
    equal length (deltanet's form), and ``ds[i]`` is the tuple of their rows ``i``. Two datasets
    added with ``+`` make a ``ConcatDataset``.

    Args:
        *arrays: arrays with the same first dimension (features, targets, ...); none in a subclass.

    Raises:
        ValueError: ``Dataset()`` itself without arrays, or arrays of different lengths.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import Dataset
        >>> ds = Dataset(np.zeros((4, 3)), np.arange(4))
        >>> len(ds), ds[2][1].item()
        (4, 2)
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 5
        ...     def __getitem__(self, i):
        ...         return float(i * i)
        >>> len(Squares() + ds)
        9
    """

    # ``Dataset[T]``, ``Sampler[int]``, ``DataLoader[T]`` as PyTorch's type annotations write them (a
    # subclass of ``Dataset[tuple[Tensor, int]]`` is a subclass of Dataset).
    def __class_getitem__(cls, item: Any) -> types.GenericAlias:
        return types.GenericAlias(cls, item)

    #: The arrays whose rows are the samples (empty in a subclass that defines its own items).
    arrays: tuple[np.ndarray, ...] = ()

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            if type(self) is Dataset:
                raise ValueError(
                    "Dataset needs at least one array, got none (or subclass Dataset and define "
                    "__len__ and __getitem__)"
                )
            return
        self.arrays = tuple(np.asarray(a) for a in arrays)
        _check_lengths(type(self).__name__, self.arrays)

    def __len__(self) -> int:
        if not self.arrays:
            raise TypeError(f"{type(self).__name__} defines no __len__ (a subclass of Dataset must define it)")
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> Any:
        if not self.arrays:
            raise NotImplementedError(f"{type(self).__name__}: a subclass of Dataset must define __getitem__")
        return tuple(a[index] for a in self.arrays)

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Tensors (or arrays) of equal length as one dataset: ``ds[i]`` is the tuple of their rows ``i``, as Tensors.

    PyTorch's ``TensorDataset``. The tensors are kept as they are (``ds.tensors``); arrays become
    Tensors with deltanet's dtype rules (NumPy float arrays keep their precision).

    Args:
        *tensors: Tensors or arrays with the same first dimension.

    Raises:
        ValueError: no tensors, or tensors of different lengths.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.utils.data import TensorDataset
        >>> ds = TensorDataset(dn.tensor([[1.0, 2.0], [3.0, 4.0]]), dn.tensor([0, 1]))
        >>> x, y = ds[1]
        >>> x.shape, int(y.item()), len(ds)
        ((2,), 1, 2)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, got none")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(t) for t in tensors)
        self.arrays = tuple(t.array for t in self.tensors)
        _check_lengths("TensorDataset", self.arrays)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor._make(a[index]) for a in self.arrays)


class IterableDataset(Dataset):
    """Base class of stream datasets: define ``__iter__``; the ``DataLoader`` batches what it yields, in order.

    There are no indices, so no shuffling and no sampler; ``len`` is defined only if the subclass
    defines it.

    Examples:
        >>> from deltanet.utils.data import DataLoader, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5))
        >>> [b.tolist() for b in (batch.array for batch in DataLoader(Count(), batch_size=2))]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__}: a subclass of IterableDataset must define __iter__")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} (an IterableDataset) defines no __len__")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no indices")

    def __add__(self, other: Any) -> ChainDataset:  # type: ignore[override]  # PyTorch's too
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several ``IterableDataset``\\ s one stream after the other, as PyTorch's.

    Args:
        datasets: the stream datasets, iterated in this order (each time the chain is iterated).

    Raises:
        TypeError: when iterated or measured, a dataset that is not an ``IterableDataset``
            (PyTorch raises an ``AssertionError`` there).

    Examples:
        >>> from deltanet.utils.data import ChainDataset, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        >>> list(ChainDataset([Count(2), Count(3)]))
        [0, 1, 0, 1, 2]
        >>> list(Count(1) + Count(2))
        [0, 0, 1]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            _check_stream(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            _check_stream(d)
            total += len(d)
        return total


def _check_stream(d: Any) -> None:
    if not isinstance(d, IterableDataset):
        raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (a view: nothing is copied).

    Args:
        dataset: any map-style dataset.
        indices: the indices of the samples to keep (integers, in ``[-len, len)`` of ``dataset``).

    Raises:
        ValueError: an index that is not an integer or lies outside the dataset.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.data import Subset, TensorDataset
        >>> sub = Subset(TensorDataset(np.arange(10.0)), [7, 2])
        >>> len(sub), sub[0][0].item()
        (2, 7.0)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        index_array = np.asarray(indices.array if isinstance(indices, Tensor) else indices)
        if index_array.ndim != 1 or (index_array.size and index_array.dtype.kind not in "iu"):
            raise ValueError(f"Subset: indices must be a sequence of integers, got {_short(indices)}")
        self.dataset = dataset
        self.indices = index_array.tolist() if isinstance(indices, Tensor) else indices
        # The indices as an array, for batches taken in one indexing step (see gather_columns).
        self._index_array = (self.indices, index_array.astype(np.intp))
        n = len(dataset)
        outside = (index_array < -n) | (index_array >= n)
        if outside.any():
            bad = int(index_array[np.argmax(outside)])
            raise ValueError(f"Subset: indices must lie in [-{n}, {n}) for a dataset of {n} samples, got {bad}")

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other: sample ``i`` of the first, then of the second, ...

    Args:
        datasets: the datasets (at least one; no ``IterableDataset``).

    Raises:
        ValueError: no datasets, or an ``IterableDataset`` among them.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.data import ConcatDataset, TensorDataset
        >>> both = ConcatDataset([TensorDataset(np.zeros(3)), TensorDataset(np.ones(2))])
        >>> len(both), both[3][0].item(), both.cumulative_sizes
        (5, 1.0, [3, 5])
    """

    def __init__(self, datasets: Any) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets must not be empty, got none")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError(f"ConcatDataset: expected map-style datasets, got the IterableDataset {d!r}")
        self.cumulative_sizes: list[int] = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence: Sequence[Any]) -> list[int]:
        """The running totals of the lengths of ``sequence``'s datasets (PyTorch's static method)."""
        return np.cumsum([len(d) for d in sequence], dtype=np.int64).tolist() if len(sequence) else []

    @property
    def cummulative_sizes(self) -> list[int]:
        """PyTorch's old misspelling of ``cumulative_sizes`` (warns, as PyTorch's)."""
        warnings.warn("cummulative_sizes attribute is renamed to cumulative_sizes", DeprecationWarning, stacklevel=2)
        return self.cumulative_sizes

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if isinstance(index, Tensor) and index.ndim == 0 and index.dtype.kind in "iu":
            index = int(index.item())  # a sampler's tensor index, as PyTorch accepts
        i = check.integer(index, "index", "ConcatDataset")
        if not -n <= i < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        if i < 0:
            i += n
        which = bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][i - start]


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Any = None) -> list[Subset]:
    r"""Split ``dataset`` at random into disjoint ``Subset``s of the given lengths (or fractions).

    Fractions that sum to 1 become lengths $\lfloor N f_i \rfloor$, and the remaining samples go
    one each to the first splits, as in PyTorch. The order comes from one permutation drawn from
    ``generator``, so the same seed gives the same split.

    Args:
        dataset: any map-style dataset of $N$ samples.
        lengths: non-negative integers that sum to $N$, or fractions in $[0, 1]$ that sum to 1.
        generator: None (the generator ``dn.manual_seed`` sets), an int seed, or a
            ``numpy.random.Generator``.

    Returns:
        One ``Subset`` per length, in order.

    Raises:
        ValueError: a negative length, a fraction outside $[0, 1]$, or lengths that do not sum
            to $N$ (or fractions to 1).

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.data import TensorDataset, random_split
        >>> train, val = random_split(TensorDataset(np.arange(10.0)), [0.8, 0.2], generator=0)
        >>> len(train), len(val), sorted(set(train.indices) | set(val.indices)) == list(range(10))
        (8, 2, True)
    """
    n = len(dataset)
    lengths = list(lengths)
    for i, length in enumerate(lengths):
        if not check.is_number(length) or length < 0 or (not isinstance(length, (int, np.integer)) and length > 1):
            raise ValueError(
                f"random_split: lengths must be non-negative integers or fractions in [0, 1], got "
                f"{length!r} at index {i}"
            )
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", UserWarning, 2
                )
    elif all(isinstance(length, (int, np.integer)) for length in lengths) and total == n:
        sizes = [int(length) for length in lengths]
    else:
        raise ValueError(
            f"random_split: lengths must sum to the dataset's length {n} (integers) or to 1 (fractions), "
            f"got {lengths!r} (sum {total:g})"
        )
    order = get_rng(resolve_generator(generator, "random_split")).permutation(n).tolist()
    splits, start = [], 0
    for size in sizes:
        splits.append(Subset(dataset, order[start : start + size]))
        start += size
    return splits


def gather_columns(dataset: Any, indices: Any) -> tuple[np.ndarray, ...] | None:
    """The arrays of the samples at ``indices`` in one indexing step, or None where that needs the items one by one.

    Only for the array-backed datasets whose items are rows of their arrays (``Dataset(*arrays)``,
    ``TensorDataset`` and ``Subset``s of them, not their subclasses, which may define other
    items); then stacking the items gives exactly these arrays.
    """
    kind = type(dataset)
    if kind is Subset:
        source, index_array = dataset._index_array
        if source is not dataset.indices:  # reassigned since
            index_array = np.asarray(dataset.indices, dtype=np.intp)
        return gather_columns(dataset.dataset, index_array[np.asarray(indices, dtype=np.intp)])
    if (kind is Dataset or kind is TensorDataset) and all(a.dtype.kind in "fiub" for a in dataset.arrays):
        index = np.asarray(indices)
        return tuple(a[index] for a in dataset.arrays)
    return None


def _check_lengths(owner: str, arrays: tuple[np.ndarray, ...]) -> None:
    lengths = [len(a) if a.ndim else None for a in arrays]
    if None in lengths or len(set(lengths)) != 1:
        shapes = [a.shape for a in arrays]
        raise ValueError(f"{owner} arrays must share their first dimension (one row per sample), got shapes {shapes}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
