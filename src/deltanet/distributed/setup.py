"""What a distributed ``fit`` checks and sets up once, before its first step.

- every rank was given the same data (``fit`` wants the whole training set on every rank and
  shards it itself): their sizes and a checksum of 64 evenly spaced rows must agree;
- every step has a sample for every rank (``sharding.check_batches``);
- every rank starts from rank 0's weights and buffers (broadcast, as PyTorch's DDP does when it
  wraps a model), unless the run resumes from a checkpoint, which every rank reads;
- each rank draws its random numbers from its own stream (``seeding.split_streams``).

Optimizers that evaluate the loss several times per step (L-BFGS, CG) are refused: their line
search would need an all-reduce per evaluation.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from deltanet.autograd.inplace import changed_in_place
from deltanet.distributed.gradients import GradientSync, model_arrays
from deltanet.distributed.seeding import split_streams
from deltanet.distributed.sharding import check_batches
from deltanet.distributed.world import World

_PROBE_ROWS = 64


def start_fit(
    world: World,
    model: Any,
    optimizer: Any,
    data: list[np.ndarray | None],
    batch_size: int | None,
    generators: list[np.random.Generator],
    resuming: bool,
) -> GradientSync:
    """Check the run on every rank, make the ranks start alike, and return the step's ``GradientSync``.

    Args:
        world: the job's ``World`` (more than one rank).
        model: the model.
        optimizer: its optimizer.
        data: the checked training samples and targets, and the validation ones (None without).
        batch_size: ``fit``'s (global) batch size.
        generators: the generators the model draws from (split into one stream per rank).
        resuming: the run continues from a checkpoint (which sets weights and random states).

    Raises:
        ValueError: a closure optimizer, a batch size that leaves a rank without samples, or
            data that differ between the ranks; raised on every rank alike.
    """
    if getattr(optimizer, "requires_closure", False):
        raise ValueError(
            f"fit(distributed=True): {type(optimizer).__name__} evaluates the loss several times per step "
            f"(optimizer.step(closure)), which data parallelism does not support; use SGD, Adam or another "
            f"first-order optimizer"
        )
    _check_same_data(world, data)  # first: the checks after it are then alike on every rank
    samples = data[0]
    assert samples is not None
    check_batches(len(samples), batch_size, world.size)
    if not resuming:
        for _, array in model_arrays(model):
            _broadcast(world, array)
        changed_in_place(model.parameters())  # written in place: a graph from before must not use them
    split_streams(generators, world.rank)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    return GradientSync(world, model, params)


def _fingerprint(array: np.ndarray | None) -> list[int]:
    if array is None:
        return [-1, 0, 0]
    rows = np.unique(np.linspace(0, len(array) - 1, min(_PROBE_ROWS, len(array))).round().astype(np.intp))
    layout = f"{array.shape}{array.dtype.str}".encode()
    return [len(array), zlib.crc32(layout), zlib.crc32(np.ascontiguousarray(array[rows]).data)]


def _check_same_data(world: World, data: list[np.ndarray | None]) -> None:
    values = [v for array in data for v in _fingerprint(array)]  # the same count on every rank
    if world.differ(values).any():
        raise ValueError(
            "fit(distributed=True): the ranks were given different data; give every rank the whole training "
            "set (and validation set), in the same order: fit splits each batch over the ranks itself"
        )


def _broadcast(world: World, array: np.ndarray) -> None:
    if array.flags.c_contiguous:
        world.broadcast_(array)
    else:
        copy = np.ascontiguousarray(array)
        array[...] = world.broadcast_(copy)
