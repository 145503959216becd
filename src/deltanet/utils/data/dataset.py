"""``torch.utils.data.dataset``: the dataset classes (from ``deltanet.data.indexed`` and ``.combined``)."""

from deltanet.data.combined import StackDataset
from deltanet.data.indexed import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]
