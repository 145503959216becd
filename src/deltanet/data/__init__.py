"""Layer 6: data sets, held-out splits, standardization and batching with a seeded shuffle."""

from deltanet.data.batches import DataLoader, Dataset, batch_slices, iterate_minibatches
from deltanet.data.datasets import DatasetBundle, load_iris
from deltanet.data.split import train_test_split, train_val_test_split
from deltanet.data.standardize import Standardizer

__all__ = [
    "DataLoader",
    "Dataset",
    "DatasetBundle",
    "Standardizer",
    "batch_slices",
    "iterate_minibatches",
    "load_iris",
    "train_test_split",
    "train_val_test_split",
]
