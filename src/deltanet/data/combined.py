"""PyTorch's ``StackDataset`` and ``ChainDataset``: datasets made of other datasets, side by side or one
after the other (``ConcatDataset``, in ``deltanet.data.indexed``, puts map-style ones end to end)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from deltanet.data.indexed import Dataset, IterableDataset


class StackDataset(Dataset):
    """Samples of several datasets of one length, side by side: ``(a[i], b[i])``, or a dict
    ``{"image": a[i], "label": b[i]}`` when the datasets are given by name.

    Args:
        *args: the datasets (anything with ``__len__`` and ``__getitem__``: a dataset, a tensor, a
            list), for tuple samples.
        **kwargs: the datasets by name, for dict samples (not with ``args``).

    Raises:
        ValueError: no dataset, both ``args`` and ``kwargs``, or datasets of different lengths.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.utils.data import StackDataset
        >>> pairs = StackDataset(image=dn.arange(3.0), label=dn.tensor([0, 1, 0]))
        >>> len(pairs), {k: v.item() for k, v in pairs[1].items()}
        (3, {'image': 1.0, 'label': 1})
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "StackDataset: give the datasets either by position (tuple samples) or by name (dict samples), got both"
            )
        datasets = list(args) if args else list(kwargs.values())
        if not datasets:
            raise ValueError("StackDataset: at least one dataset should be passed, got none")
        lengths = [len(d) for d in datasets]
        if len(set(lengths)) > 1:
            raise ValueError(f"StackDataset: size mismatch between datasets, got lengths {lengths}")
        self._length = lengths[0]
        self.datasets: tuple[Any, ...] | dict[str, Any] = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other: the samples of the first, then of the second, ...
    (PyTorch's ``ChainDataset``; the datasets are iterated when the chain is, not before).

    Args:
        datasets: the ``IterableDataset``s.

    Raises:
        ValueError: (when iterated or measured) a dataset that is not an ``IterableDataset``.

    Examples:
        >>> from deltanet.utils.data import ChainDataset, IterableDataset
        >>> class Upto(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        >>> list(ChainDataset([Upto(2), Upto(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Any) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            _check_iterable(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            _check_iterable(d)
            total += len(d)
        return total


def _check_iterable(dataset: Any) -> None:
    if not isinstance(dataset, IterableDataset):
        raise ValueError(f"ChainDataset: expected IterableDatasets, got {type(dataset).__name__}")
