"""PyTorch's ``StackDataset``: datasets of one length side by side (``ConcatDataset`` and ``ChainDataset``,
in ``deltanet.data.indexed``, put datasets one after the other)."""

from __future__ import annotations

from typing import Any

from deltanet.data.indexed import Dataset


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
