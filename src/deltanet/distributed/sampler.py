r"""``DistributedSampler``: each rank's share of a data set's indices, with PyTorch's arithmetic.

With $N$ samples and $W$ ranks, each rank gets $m = \lceil N / W \rceil$ indices
($m = \lceil (N - W) / W \rceil$ with ``drop_last=True`` when $W$ does not divide $N$). The
epoch's order (``0 .. N-1``, or a permutation with ``shuffle=True``) is padded to $W m$ indices
by repeating its first ones (or cut to $W m$ with ``drop_last``), and rank $r$ takes every
$W$-th index from position $r$: ``indices[r : W m : W]``.

With ``shuffle=False`` the indices are PyTorch's exactly. With ``shuffle=True`` the permutation
comes from NumPy, ``np.random.default_rng(seed + epoch).permutation(N)`` (PyTorch draws it from
its own generator): another order, with the same properties: every rank draws the same
permutation, the shares are disjoint and cover the data set (up to the padding), and
``set_epoch`` gives a new order each epoch, the same for a given ``seed`` and epoch.

This is for a training loop of one's own with ``DistributedDataParallel``; ``deltanet.fit``
shards its batches itself (``deltanet.distributed.sharding``) and needs no sampler.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.data.samplers import Sampler
from deltanet.distributed.process_group import _world


class DistributedSampler(Sampler):
    """Rank ``rank``'s share of the indices of ``dataset``, one epoch per iteration (see the module docstring).

    Args:
        dataset: anything with ``len()``.
        num_replicas: the number of ranks $W$; None for ``get_world_size()`` (which needs
            ``init_process_group``).
        rank: this rank, from 0; None for ``get_rank()``.
        shuffle: a new permutation each epoch (``set_epoch``) instead of the order ``0 .. N-1``.
        seed: the permutation's seed, the same on every rank.
        drop_last: drop the tail that does not divide evenly instead of padding with repeated indices.

    Raises:
        ValueError: ``rank`` outside ``[0, num_replicas - 1]``, a bad argument, or
            ``num_replicas``/``rank`` left None before ``init_process_group``.

    Examples:
        >>> from deltanet.utils.data.distributed import DistributedSampler
        >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)) for r in (0, 1)]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        owner = "DistributedSampler"
        if num_replicas is None:
            num_replicas = _world(owner).size
        if rank is None:
            rank = _world(owner).rank
        num_replicas = check.integer(num_replicas, "num_replicas", owner, low=1)
        rank = check.integer(rank, "rank", owner)
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.epoch = 0
        self.drop_last = check.flag(drop_last, "drop_last", owner)
        n = len(dataset)
        if self.drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = check.flag(shuffle, "shuffle", owner)
        self.seed = check.integer(seed, "seed", owner)

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:  # fewer samples than ranks: repeat the whole order
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s permutation from the next iteration on (call it at each epoch's start).

        Args:
            epoch: the epoch number; the same on every rank.
        """
        self.epoch = check.integer(epoch, "epoch", "DistributedSampler.set_epoch")
