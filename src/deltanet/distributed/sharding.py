r"""Which samples each rank trains on: its share of every global batch.

``fit(batch_size=B)`` means the same under ``mpiexec -n W`` as in one process: ``B`` samples per
optimizer step, the *global* batch. Every epoch draws one permutation (on rank 0, with the
generator a one-process run would use, broadcast to the others) and cuts it into the same
global batches as one process; rank $r$ takes its contiguous share of each, the sizes differing
by at most one:

$$
\text{share}_r = \big[\, s + \lfloor r n / W \rfloor,\; s + \lfloor (r + 1) n / W \rfloor \big)
\quad \text{of the global batch } [s, s + n)
$$

So the union of the ranks' shares at every step is exactly the batch one process would take:
nothing is padded (PyTorch's ``DistributedSampler`` repeats samples to even the shards out) and
nothing is dropped. Each step needs a sample for every rank; ``check_batches`` refuses a batch
size that would leave a rank without one, rather than change the batches.
"""

from __future__ import annotations


def shard(n: int, rank: int, size: int) -> tuple[int, int]:
    """Rank ``rank``'s rows ``[lo, hi)`` of ``n`` rows split over ``size`` ranks.

    Args:
        n: the rows to split.
        rank: the rank, from 0.
        size: the number of ranks.

    Returns:
        ``(lo, hi)``; the shares are contiguous, in rank order, and differ in size by at most one.

    Examples:
        >>> from deltanet.distributed.sharding import shard
        >>> [shard(10, r, 3) for r in range(3)]
        [(0, 3), (3, 6), (6, 10)]
    """
    return rank * n // size, (rank + 1) * n // size


def check_batches(samples: int, batch_size: int | None, size: int) -> None:
    """Refuse a batch size that would leave a rank without samples in some step.

    Args:
        samples: the training samples N.
        batch_size: the global batch (None: the full batch).
        size: the number of ranks W.

    Raises:
        ValueError: a step of the epoch has fewer than W samples.

    Examples:
        >>> from deltanet.distributed.sharding import check_batches
        >>> check_batches(100, 32, 4)  # 32, 32, 32 and 4 samples: one or more per rank
    """
    batch = samples if batch_size is None else min(batch_size, samples)
    last = samples % batch or batch
    if batch >= size and last >= size:
        return
    near = sorted(range(size, samples + 1), key=lambda b: (abs(b - batch), b))[:1000]
    hint = [b for b in near if samples % b == 0 or samples % b >= size][:1]
    if batch < size:
        what = f"batch_size={batch_size} gives each step {batch} sample{'' if batch == 1 else 's'}"
    else:
        what = f"with batch_size={batch_size}, the last step of each epoch has {last} of the {samples} samples"
    raise ValueError(
        f"fit(distributed=True): {what}, fewer than the {size} ranks, and every rank needs at least one "
        f"sample per step (the global batch is split over the ranks, nothing padded or dropped); choose a "
        f"batch_size b with b >= {size} and {samples} % b either 0 or >= {size}"
        + (f" (such as {hint[0]}, or the full batch)" if hint else "")
    )
