r"""``StackDataset``: datasets side by side, as PyTorch's (``ChainDataset`` is in ``indexed``).

- ``StackDataset(x=a, y=b)[i]`` is ``{"x": a[i], "y": b[i]}`` (``StackDataset(a, b)[i]`` the tuple
  ``(a[i], b[i])``): datasets of equal length side by side.
"""

from __future__ import annotations

from typing import Any

from deltanet.data.indexed import Dataset


class StackDataset(Dataset):
    """Datasets of equal length side by side: sample ``i`` is a tuple or a dict of their samples ``i``.

    Args:
        *args: datasets whose samples form a tuple.
        **kwargs: datasets whose samples form a dict under these names (not with ``args``).

    Raises:
        ValueError: no dataset, both ``args`` and ``kwargs``, or datasets of different lengths.

    Examples:
        >>> from deltanet.utils.data import StackDataset
        >>> StackDataset(x=[1, 2, 3], y="abc")[1]
        {'x': 2, 'y': 'b'}
        >>> len(StackDataset([1, 2], [3, 4])), StackDataset([1, 2], [3, 4])[0]
        (2, (1, 3))
    """

    datasets: tuple[Any, ...] | dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "StackDataset: give the datasets either by position (tuple samples) or by name (dict samples), got both"
            )
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed, got none")
        parts = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in parts]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"StackDataset: size mismatch between datasets, got lengths {lengths}")
        self._length = lengths[0]
        self.datasets = tuple(args) if args else dict(kwargs)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[Any]) -> list[Any]:
        """The samples at ``indices``, each dataset asked once through its own ``__getitems__`` where
        it has one (as PyTorch's ``DataLoader`` fetches a batch)."""
        named = isinstance(self.datasets, dict)
        datasets = list(self.datasets.values()) if isinstance(self.datasets, dict) else list(self.datasets)
        columns = []
        for d in datasets:
            if callable(getattr(d, "__getitems__", None)):
                column = d.__getitems__(indices)
            else:
                column = [d[i] for i in indices]
            if len(column) != len(indices):
                raise ValueError(
                    f"StackDataset: nested dataset's output size mismatch, expected {len(indices)}, got {len(column)}"
                )
            columns.append(column)
        if named:
            return [dict(zip(self.datasets, row)) for row in zip(*columns)]
        return [tuple(row) for row in zip(*columns)]
