"""``torch.utils.data`` for deltanet: datasets, samplers, ``DataLoader``, ``default_collate``, PyTorch's defaults.

A PyTorch program's data loading runs after renaming the import (``torch.utils.data`` to
``deltanet.utils.data``) and gives the same batches, as deltanet Tensors, so that
``for x, y in loader: model(x)`` works. The classes are those of ``deltanet.data`` (one
implementation); only ``DataLoader`` differs from ``deltanet.data.DataLoader``, which keeps
deltanet's defaults (32 samples, shuffled, NumPy batches), while this one has PyTorch's
(``batch_size=1``, ``shuffle=False``, ``drop_last=False``, Tensor batches).

What differs from PyTorch: loading happens in the calling process (``num_workers`` and the other
worker options are accepted and do nothing); shuffled orders come from NumPy (``generator`` is
None, an int seed or a ``numpy.random.Generator``), so they are reproducible but not PyTorch's;
``default_collate`` returns Tensors without autograd history; unequal shapes raise ``ValueError``
(PyTorch: ``RuntimeError``).

Examples:
    >>> import numpy as np
    >>> from deltanet.utils.data import DataLoader, TensorDataset, random_split
    >>> ds = TensorDataset(np.random.default_rng(0).normal(size=(10, 3)), np.arange(10) % 2)
    >>> train, val = random_split(ds, [0.8, 0.2], generator=0)
    >>> x, y = next(iter(DataLoader(train, batch_size=4, shuffle=True, generator=0)))
    >>> x.shape, y.dtype
    ((4, 3), dtype('int64'))
"""

from deltanet.data.collate import default_collate, default_convert
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
from deltanet.data.loader import DataLoader, get_worker_info
from deltanet.data.samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from deltanet.utils.data import dataloader, dataset, distributed, sampler
from deltanet.utils.data.distributed import DistributedSampler

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "dataloader",
    "dataset",
    "default_collate",
    "distributed",
    "default_convert",
    "get_worker_info",
    "random_split",
    "sampler",
]
