"""The ranks' own random streams, for dropout masks and anything else drawn while training.

Each rank draws the masks of its own samples. Were the ranks' generators equal (the same
``dn.manual_seed`` in the same script), every rank would draw the same masks for different
samples: legal, but correlated. So at the start of a distributed ``fit``, rank $r > 0$ moves each
generator the model draws from (the default one of ``dn.manual_seed`` and each one a layer owns,
``Dropout(rng=seed)``) to its own stream: ``bit_generator.jumped(r)``, the same generator
advanced by $r$ jumps of about $2^{127}$ draws (PCG64), so that the streams never overlap. Rank 0
keeps its generators as they are, so its masks are the ones a one-process run would draw first.

A generator is moved once per seeding (a later ``fit`` continues the stream it is on; after a
new ``dn.manual_seed`` it is moved again), and a
run resumed from a checkpoint gets each rank's saved states back instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Generators already moved to this rank's stream, kept by identity with the number of times
# ``manual_seed`` had restarted them then (``dn.Generator.seedings``): a generator seeded again is
# moved again, as a new generator is.
_moved: list[tuple[np.random.Generator, int]] = []


def split_streams(generators: list[np.random.Generator], rank: int) -> None:
    """Move each generator to rank ``rank``'s stream (rank 0: unchanged), once per generator.

    Args:
        generators: the generators the model draws from.
        rank: this process's rank.

    Raises:
        ValueError: a generator whose bit generator cannot jump (``SFC64``); use PCG64
            (``numpy.random.default_rng``), MT19937 or Philox.

    Examples:
        >>> import numpy as np
        >>> from deltanet.distributed.seeding import split_streams
        >>> g0, g1 = np.random.default_rng(7), np.random.default_rng(7)
        >>> split_streams([g1], rank=1)
        >>> bool(g0.random() == g1.random())
        False
    """
    for generator in generators:
        seedings = getattr(generator, "seedings", 0)
        if any(generator is seen and seedings == count for seen, count in _moved):
            continue
        _moved[:] = [(seen, count) for seen, count in _moved if seen is not generator]
        _moved.append((generator, seedings))
        if rank == 0:
            continue
        bit_generator: Any = generator.bit_generator
        if not hasattr(bit_generator, "jumped"):
            raise ValueError(
                f"fit(distributed=True): a {type(bit_generator).__name__} generator cannot be split into "
                f"one stream per rank; use numpy.random.default_rng (PCG64), MT19937 or Philox"
            )
        bit_generator.state = bit_generator.jumped(rank).state
