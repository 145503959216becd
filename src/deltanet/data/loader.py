r"""``DataLoader`` as ``torch.utils.data.DataLoader``: batches of Tensors from any dataset, with PyTorch's defaults.

One epoch is one ``for batch in loader``: a sampler gives the order of the indices
(``SequentialSampler``, or ``RandomSampler`` with ``shuffle=True``), a ``BatchSampler`` groups
them, the dataset gives the samples and ``collate_fn`` stacks them. Datasets whose samples are
rows of arrays (``TensorDataset``, ``deltanet.data.Dataset`` and ``Subset``s of them) are indexed
one batch at a time instead of one sample at a time, with the same result.

deltanet loads in the calling process: ``num_workers``, ``pin_memory``, ``persistent_workers``,
``prefetch_factor``, ``timeout``, ``worker_init_fn``, ``multiprocessing_context``,
``pin_memory_device`` and ``in_order`` are accepted (and checked as PyTorch checks them) but
change nothing; ``worker_init_fn`` is never called.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.data.collate import collate_arrays, default_collate, default_convert
from deltanet.data.indexed import IterableDataset, gather_columns
from deltanet.data.samplers import BatchSampler, RandomSampler, SequentialSampler, resolve_generator


class DataLoader:
    r"""Iterate over a dataset in batches, with PyTorch's arguments and defaults (``batch_size=1``, no shuffle).

    Args:
        dataset: a map-style dataset (any object with ``__len__`` and ``__getitem__``; only the
            indices ``0 .. len - 1`` are asked for) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (each sample is converted by
            ``default_convert``, not stacked).
        shuffle: a new random order every epoch (``RandomSampler``); None or False: in order.
        sampler: the order of the indices (a ``Sampler`` or any iterable of indices); not with
            ``shuffle``.
        batch_sampler: yields the list of indices of each batch; not with ``batch_size``,
            ``shuffle``, ``sampler`` or ``drop_last``.
        num_workers: accepted ($\ge 0$); loading happens in this process.
        collate_fn: makes one batch from a list of samples (default: ``default_collate``).
        pin_memory: accepted; no effect (no GPU).
        drop_last: leave out the last batch when it is smaller than ``batch_size``.
        timeout: accepted ($\ge 0$); no effect.
        worker_init_fn: accepted (None or a callable); never called, as there are no workers.
        multiprocessing_context: accepted; no effect.
        generator: the shuffle's randomness: None (``dn.manual_seed``'s generator, read at each
            epoch), an int seed or a ``numpy.random.Generator``.
        prefetch_factor: accepted only with ``num_workers > 0``, as in PyTorch; no effect.
        persistent_workers: accepted only with ``num_workers > 0``, as in PyTorch; no effect.
        pin_memory_device: accepted; no effect.
        in_order: accepted; batches always come in order.

    Raises:
        TypeError: a dataset without ``__getitem__`` (or without ``__len__`` where the order
            needs it), or a ``collate_fn`` that is not callable.
        ValueError: a bad option, or options PyTorch refuses together (``sampler`` with
            ``shuffle``, ``batch_sampler`` with ``batch_size``, ...), or a tuple of arrays as
            the dataset (wrap it: ``TensorDataset(X, y)``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
        >>> for x, y in DataLoader(ds, batch_size=2):
        ...     print(type(x).__name__, x.shape, y.array.tolist())
        Tensor (2, 2) [0, 1]
        Tensor (2, 2) [2, 3]
        Tensor (1, 2) [4]
        >>> class Squares:                       # any class with __len__ and __getitem__
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return float(i * i)
        >>> [b.array.tolist() for b in DataLoader(Squares(), batch_size=2)]
        [[0.0, 1.0], [4.0]]
    """

    # ``Dataset[T]``, ``Sampler[int]``, ``DataLoader[T]`` as PyTorch's type annotations write them (a
    # subclass of ``Dataset[tuple[Tensor, int]]`` is a subclass of Dataset).
    def __class_getitem__(cls, item: Any) -> types.GenericAlias:
        return types.GenericAlias(cls, item)

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        name = type(self).__name__
        _check_dataset(name, dataset, needs_len=sampler is None and batch_sampler is None)
        self.num_workers = check.integer(num_workers, "num_workers", name, low=0)
        check.number(timeout, "timeout", name, low=0)
        self.timeout = timeout
        self.pin_memory = check.flag(pin_memory, "pin_memory", name)
        self.persistent_workers = check.flag(persistent_workers, "persistent_workers", name)
        self.in_order = check.flag(in_order, "in_order", name)
        self.pin_memory_device = pin_memory_device
        self.multiprocessing_context = multiprocessing_context
        if prefetch_factor is not None:
            check.integer(prefetch_factor, "prefetch_factor", name, low=0)
            if self.num_workers == 0:
                raise ValueError(
                    f"{name}: prefetch_factor needs num_workers > 0 (as in PyTorch), got "
                    f"prefetch_factor={prefetch_factor} with num_workers=0; leave prefetch_factor out"
                )
        if self.persistent_workers and self.num_workers == 0:
            raise ValueError(
                f"{name}: persistent_workers=True needs num_workers > 0 (as in PyTorch), got num_workers=0"
            )
        self.prefetch_factor = prefetch_factor
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"{name}: worker_init_fn must be None or a function, got {worker_init_fn!r}")
        self.worker_init_fn = worker_init_fn
        shuffle = False if shuffle is None else check.flag(shuffle, "shuffle", name)
        drop_last = check.flag(drop_last, "drop_last", name)
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable and (shuffle or sampler is not None or batch_sampler is not None):
            given = "shuffle=True" if shuffle else ("sampler" if sampler is not None else "batch_sampler")
            raise ValueError(
                f"{name}: an IterableDataset has no indices to shuffle or sample, got {given}; "
                f"shuffle inside its __iter__"
            )
        if sampler is not None and shuffle:
            raise ValueError(
                f"{name}: sampler and shuffle=True cannot be given together (the sampler sets the "
                f"order), got both; leave shuffle out, or use RandomSampler as the sampler"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    f"{name}: batch_sampler cannot be given with batch_size, shuffle, sampler or "
                    f"drop_last (it makes the batches itself), got batch_size={batch_size!r}, "
                    f"shuffle={shuffle}, sampler={sampler!r}, drop_last={drop_last}"
                )
            batch_size = None
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    f"{name}: drop_last=True needs batches, got batch_size=None (which turns batching off)"
                )
        else:
            batch_size = check.optional_integer(batch_size, "batch_size", name, low=1)
        resolve_generator(generator, name)  # refuse a bad generator even without shuffle
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        auto_batching = batch_size is not None or batch_sampler is not None
        if collate_fn is None:
            collate_fn = default_collate if auto_batching else default_convert
        elif not callable(collate_fn):
            raise TypeError(f"{name}: collate_fn must be a function of a list of samples, got {collate_fn!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return _Batches(self, self._iter_stream())
        if self.batch_sampler is None:
            return _Batches(self, (self.collate_fn(self.dataset[i]) for i in self.sampler))
        return _Batches(self, (self._fetch(indices) for indices in self.batch_sampler))

    def _fetch(self, indices: list[Any]) -> Any:
        if self.collate_fn is default_collate or self.collate_fn is collate_arrays:
            columns = gather_columns(self.dataset, indices)
            if columns is not None:
                if self.collate_fn is collate_arrays:
                    return columns
                return [Tensor._make(c) for c in columns]
        if hasattr(self.dataset, "__getitems__"):
            samples = self.dataset.__getitems__(indices)
        else:
            samples = [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)


def get_worker_info() -> None:
    """Information on the current loading worker: always None, as deltanet loads in the calling process.

    PyTorch returns None in the main process too, so a dataset that shards its work by worker
    (``info = get_worker_info(); if info is None: ...``) takes its single-process branch.

    Examples:
        >>> from deltanet.utils.data import get_worker_info
        >>> print(get_worker_info())
        None
    """
    return None


def _check_dataset(owner: str, dataset: Any, needs_len: bool) -> None:
    if isinstance(dataset, IterableDataset):
        return
    if isinstance(dataset, tuple) and len(dataset) > 1 and all(hasattr(a, "shape") for a in dataset):
        raise ValueError(
            f"{owner}: dataset must be a dataset of samples, got a tuple of {len(dataset)} arrays (as "
            f"deltanet.data.DataLoader takes); wrap them: TensorDataset(X, y)"
        )
    kind = type(dataset)
    missing = [m for m in ("__getitem__", "__len__") if not hasattr(kind, m) and (m == "__getitem__" or needs_len)]
    if missing:
        raise TypeError(
            f"{owner}: dataset must have __len__ and __getitem__ (a map-style dataset) or be an "
            f"IterableDataset, got a {kind.__name__} without {' and '.join(missing)}"
        )


class _Batches:
    """What ``iter(loader)`` returns: the batches, one per ``next``, and ``len()`` the loader's
    (PyTorch's iterator has ``__len__`` too)."""

    __slots__ = ("_batches", "_loader")

    def __init__(self, loader: DataLoader, batches: Iterator[Any]) -> None:
        self._loader = loader
        self._batches = batches

    def __iter__(self) -> _Batches:
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)
