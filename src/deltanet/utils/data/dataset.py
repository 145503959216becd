"""``torch.utils.data.dataset``: the dataset classes (from ``deltanet.data.indexed``)."""

from deltanet.data.indexed import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split

__all__ = ["ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset", "random_split"]
