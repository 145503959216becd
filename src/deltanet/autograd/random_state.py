r"""PyTorch's ``torch.random``: the state of the default random generator, as ``deltanet.random``.

``get_rng_state`` returns the default generator's whole state as a 1-D uint8 tensor (PCG64's
128-bit state and increment, its cached half-word and its seed, written out as bytes: no pickle),
and ``set_rng_state`` puts it back, so the draws after it repeat the draws after ``get_rng_state``.
``fork_rng`` does both around a block. The bytes are deltanet's own: a state from PyTorch (5056
bytes of Mersenne Twister) is refused with a message, never read as something else.

The default generator is ``default_generator`` (a ``dn.Generator``): ``manual_seed``,
``default_generator.manual_seed`` and ``set_rng_state`` all restart that one object, which every
draw without its own ``generator=`` (``dn.randn``, dropout, initial weights) reads. Its streams
are NumPy's, not PyTorch's: the same seed gives other numbers in the two libraries.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.tensor import Tensor, leaf
from deltanet.backend import Generator, manual_seed

#: The default generator itself (the object that ``manual_seed`` restarts), as ``torch.default_generator``.
default_generator: Generator = backend._default_rng


def get_rng_state() -> Tensor:
    r"""The default generator's state, as a 1-D uint8 tensor to give to ``set_rng_state``.

    The bytes are $(\text{format}, s, c, h, u, \text{seed})$: PCG64's 128-bit state $s$ and
    increment $c$, its cached 32-bit half-word $u$ and whether it is set ($h$), and the seed of the
    last ``manual_seed``, each little-endian.

    Returns:
        A new uint8 tensor (changing it changes nothing until it is given to ``set_rng_state``).

    Examples:
        >>> import deltanet as dn
        >>> state = dn.get_rng_state()
        >>> a = dn.rand(3)
        >>> dn.set_rng_state(state)
        >>> dn.equal(a, dn.rand(3))
        True
    """
    return leaf(backend.encode_rng_state(backend._default_rng))


def set_rng_state(new_state: Any) -> None:
    r"""Restart the default generator from a state that ``get_rng_state`` returned.

    Args:
        new_state: the uint8 tensor of ``get_rng_state`` (or its NumPy array).

    Raises:
        TypeError: ``new_state`` is not a tensor or an array (PyTorch raises a TypeError too).
        ValueError: a tensor of another dtype, shape or content, such as PyTorch's own state.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(0); state = dn.get_rng_state()
        >>> _ = dn.manual_seed(1)
        >>> dn.set_rng_state(state)
        >>> dn.initial_seed()
        0
    """
    if not isinstance(new_state, (Tensor, np.ndarray)):
        raise TypeError(
            f"set_rng_state: new_state must be the uint8 tensor that dn.get_rng_state() returns, "
            f"got {type(new_state).__name__}"
        )
    array = new_state.array if isinstance(new_state, Tensor) else new_state
    backend.decode_rng_state(backend._default_rng, array, "set_rng_state")


def initial_seed() -> int:
    r"""The seed of the default generator: the last ``manual_seed`` (or ``seed``), or the
    non-deterministic seed it started with.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(7)
        >>> dn.initial_seed()
        7
    """
    seed = backend._default_rng.initial_seed()
    if seed is None:  # restarted from a state without a seed (Generator.set_state with a dict)
        raise RuntimeError("initial_seed: the default generator's state was set without a seed")
    return seed


def seed() -> int:
    r"""Seed the default generator with a non-deterministic 64-bit number, and return it.

    Examples:
        >>> import deltanet as dn
        >>> s = dn.seed()
        >>> dn.initial_seed() == s
        True
    """
    value = secrets.randbits(64)
    manual_seed(value)
    return value


@contextlib.contextmanager
def fork_rng(
    devices: Any = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str = "cuda",
) -> Iterator[None]:
    r"""Inside the block, draw from the default generator as usual; on leaving it (even by an
    exception) the generator's state is put back, so the draws after the block are those that
    would have come without it.

    Args:
        devices: the CUDA devices whose generators to fork: deltanet has none, so only None or an
            empty list.
        enabled: False makes the block do nothing (PyTorch's switch).
        _caller: the name in PyTorch's signature (accepted, unused).
        _devices_kw: the name in PyTorch's signature (accepted, unused).
        device_type: the accelerator type in PyTorch's signature (accepted: there is none to fork).

    Raises:
        ValueError: ``devices`` names a device (deltanet computes on the CPU), or ``enabled`` is
            not True or False.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(0); expected = dn.rand(2)
        >>> _ = dn.manual_seed(0)
        >>> with dn.random.fork_rng():
        ...     _ = dn.rand(100)
        >>> dn.equal(dn.rand(2), expected)
        True
    """
    enabled = check.flag(enabled, "enabled", "fork_rng")
    if devices is not None and len(list(devices)) > 0:
        raise ValueError(
            f"fork_rng: deltanet has no GPU generators to fork, got devices={devices!r}; leave devices out"
        )
    if not enabled:
        yield
        return
    saved = backend.encode_rng_state(backend._default_rng)
    try:
        yield
    finally:
        backend.decode_rng_state(backend._default_rng, saved, "fork_rng")


__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]
