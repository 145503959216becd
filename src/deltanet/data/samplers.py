r"""Samplers, as ``torch.utils.data``'s: the order in which a ``DataLoader`` visits the indices of a dataset.

A sampler is an iterable of indices (Python ints); each ``iter()`` is one epoch, and the random
ones draw a new order each time. ``BatchSampler`` groups the indices of another sampler into
lists, one per batch.

Randomness: ``generator`` is None (the generator that ``dn.manual_seed`` sets, read at each
epoch, as PyTorch reads its global generator), an int seed (one generator for all epochs, so two
samplers with the same seed give the same sequence of epochs) or a ``numpy.random.Generator``.
The orders are not PyTorch's (NumPy draws them), but the same seed gives the same order.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.backend import get_rng


def resolve_generator(generator: Any, owner: str, name: str = "generator") -> np.random.Generator | None:
    """The generator of a sampler: None stays None (read ``dn.manual_seed``'s at each epoch), an int seeds one.

    Args:
        generator: None, an int seed or a ``numpy.random.Generator``.
        owner: the class that takes it, for the message.
        name: the argument's name, for the message.

    Raises:
        ValueError: anything else (a ``torch.Generator``, a float, ...).
    """
    if generator is None:
        return None
    if isinstance(generator, np.random.Generator):
        return generator
    if check.is_integer(generator):
        return get_rng(int(generator))
    raise check.fail(owner, name, "None, an int seed or a numpy.random.Generator", generator)


class Sampler:
    """Base class of samplers: subclasses define ``__iter__`` (the indices of one epoch) and usually ``__len__``.

    Args:
        data_source: accepted for PyTorch's older signature and ignored.

    Examples:
        >>> from deltanet.utils.data import Sampler
        >>> class EvenFirst(Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter([*range(0, self.n, 2), *range(1, self.n, 2)])
        ...     def __len__(self):
        ...         return self.n
        >>> list(EvenFirst(5))
        [0, 2, 4, 1, 3]
    """

    # ``Dataset[T]``, ``Sampler[int]``, ``DataLoader[T]`` as PyTorch's type annotations write them (a
    # subclass of ``Dataset[tuple[Tensor, int]]`` is a subclass of Dataset).
    def __class_getitem__(cls, item: Any) -> types.GenericAlias:
        return types.GenericAlias(cls, item)

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__}: a Sampler subclass must define __iter__")


class SequentialSampler(Sampler):
    """The indices ``0, 1, ..., len(data_source) - 1``, in order, every epoch.

    Args:
        data_source: the dataset (only its length is used, read at each epoch).

    Examples:
        >>> from deltanet.utils.data import SequentialSampler
        >>> list(SequentialSampler(range(4)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in a new random order every epoch; with ``replacement``, drawn independently.

    Without replacement and ``num_samples`` larger than the dataset, whole permutations follow one
    another (and a part of one ends the epoch), as in PyTorch.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw each index independently (some twice, some never).
        num_samples: indices per epoch (default: the dataset's length).
        generator: None, an int seed or a ``numpy.random.Generator`` (see the module).

    Raises:
        ValueError: ``num_samples`` not a positive integer (also an empty dataset), or a bad
            ``replacement`` or ``generator``.

    Examples:
        >>> from deltanet.utils.data import RandomSampler
        >>> sorted(RandomSampler(range(5), generator=0))
        [0, 1, 2, 3, 4]
        >>> list(RandomSampler(range(5), generator=0)) == list(RandomSampler(range(5), generator=0))
        True
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = check.flag(replacement, "replacement", "RandomSampler")
        self._num_samples = num_samples
        self.generator = generator
        self._rng = resolve_generator(generator, "RandomSampler")
        if num_samples is None and len(data_source) == 0:
            raise ValueError("RandomSampler: the dataset is empty; num_samples must be a positive integer, got 0")
        check.integer(self.num_samples, "num_samples", "RandomSampler", low=1)

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = get_rng(self._rng)
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        full, rest = divmod(self.num_samples, n)
        orders = [rng.permutation(n) for _ in range(full)]
        if rest:
            orders.append(rng.permutation(n)[:rest])
        return iter(np.concatenate(orders).tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order every epoch (e.g. a validation split of one dataset).

    Args:
        indices: the indices to visit.
        generator: None, an int seed or a ``numpy.random.Generator`` (see the module).

    Examples:
        >>> from deltanet.utils.data import SubsetRandomSampler
        >>> sorted(SubsetRandomSampler([7, 3, 5], generator=1))
        [3, 5, 7]
    """

    def __init__(self, indices: Any, generator: Any = None) -> None:
        self.indices = indices.array.tolist() if isinstance(indices, Tensor) else indices
        self.generator = generator
        self._rng = resolve_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[Any]:
        order = get_rng(self._rng).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    r"""Indices drawn with probability proportional to their weight: index $i$ with $p_i = w_i / \sum_j w_j$.

    The classic use: oversample the rare classes of an unbalanced data set (weight each sample by
    one over its class's count).

    Args:
        weights: one non-negative weight per index (not all zero).
        num_samples: indices per epoch.
        replacement: draw independently (default); without it, each index at most once.
        generator: None, an int seed or a ``numpy.random.Generator`` (see the module).

    Raises:
        ValueError: weights that are not a 1-D sequence of non-negative finite numbers with a
            positive sum, ``num_samples`` not a positive integer, or more samples than non-zero
            weights without replacement.

    Examples:
        >>> from deltanet.utils.data import WeightedRandomSampler
        >>> draws = list(WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=4, generator=0))
        >>> draws
        [1, 1, 1, 1]
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True, generator: Any = None) -> None:
        name = "WeightedRandomSampler"
        w = np.asarray(weights.array if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1 or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise check.fail(
                name, "weights", "a 1-D sequence of non-negative finite numbers with a positive sum", weights
            )
        self.weights = w
        self.num_samples = check.integer(num_samples, "num_samples", name, low=1)
        self.replacement = check.flag(replacement, "replacement", name)
        nonzero = int((w > 0).sum())
        if not self.replacement and self.num_samples > nonzero:
            raise ValueError(
                f"{name}: without replacement num_samples must be at most the number of non-zero "
                f"weights ({nonzero}), got {self.num_samples}"
            )
        self.generator = generator
        self._rng = resolve_generator(generator, name)

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        draws = get_rng(self._rng).choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    Args:
        sampler: a sampler, or any iterable of indices.
        batch_size: indices per batch, a positive integer.
        drop_last: leave out the last batch when it is shorter than ``batch_size``.

    Raises:
        ValueError: ``batch_size`` not a positive integer, or ``drop_last`` not a bool.

    Examples:
        >>> from deltanet.utils.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
        >>> len(BatchSampler(range(5), batch_size=2, drop_last=True))
        2
    """

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = check.integer(batch_size, "batch_size", "BatchSampler", low=1)
        self.drop_last = check.flag(drop_last, "drop_last", "BatchSampler")

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
