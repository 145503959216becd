"""``torch.utils.data.distributed``: ``DistributedSampler`` (from ``deltanet.distributed.sampler``).

Examples:
    >>> from deltanet.utils.data.distributed import DistributedSampler
    >>> len(DistributedSampler(range(10), num_replicas=4, rank=0))
    3
"""

from deltanet.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
