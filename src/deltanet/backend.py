"""The array-module seam and the dtype and randomness policies.

Every op finds its array module with ``xp = array_module(x)``; today that is always NumPy, and a
CuPy backend only has to answer here. The dtype policy: Python numbers and lists become float32
(the default), NumPy float arrays keep their precision (so float64 stays float64 for gradient
checks), integer arrays stay integers (class labels). float16 is refused: its 3 significant digits
cannot carry a gradient check, and NumPy has no fast float16 GEMM.

Randomness: one default ``numpy.random.Generator`` that ``manual_seed`` resets. Everything that
draws random numbers also takes an explicit ``rng=`` argument, which wins over the default.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check

#: ``DELTANET_REFERENCE=1`` in the environment (read once, on import): run the plain, readable path
#: of every op that has a fast one (a replayed training step, a fused kernel), so that the two can be
#: compared. Every fast path reads this flag where it branches, and names the plain formula it
#: computes; tests set ``backend.REFERENCE`` to run both.
REFERENCE = os.environ.get("DELTANET_REFERENCE", "") not in ("", "0")

DEFAULT_DTYPE = np.dtype(np.float32)
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
INDEX_DTYPE = np.dtype(np.int64)  # what argmax, randint and the integer factories give, as in PyTorch

# PyTorch's dtype names are NumPy dtypes, so ``x.dtype == dn.float32`` holds and ``dtype=dn.float32``
# works wherever a dtype is taken. ``deltanet`` also exports PyTorch's aliases (``dn.float``,
# ``dn.double``, ``dn.long``, ``dn.int``, ``dn.short``, ``dn.bool``); they are not defined here,
# where they would hide Python's ``float``, ``int`` and ``bool``.
float32 = DEFAULT_DTYPE
float64 = np.dtype(np.float64)
int64 = INDEX_DTYPE
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_default_rng = np.random.default_rng()
# Set only inside ``private_rng`` (a context variable: one value per thread), so that building a
# model whose initial values are thrown away never draws from, or rewinds, the shared default.
_private_rng: contextvars.ContextVar[np.random.Generator | None] = contextvars.ContextVar(
    "deltanet_private_rng", default=None
)


def array_module(*arrays: Any) -> Any:
    """Return the array module (NumPy) that owns ``arrays``."""
    return np


class Generator(np.random.Generator):
    """PyTorch's ``torch.Generator``: a random generator of its own, seeded with ``manual_seed``.

    It is a ``numpy.random.Generator`` (PCG64), so every ``rng=`` and ``generator=`` argument of
    the library takes it; ``Generator().manual_seed(42)`` draws what ``numpy.random.default_rng(42)``
    draws (not what PyTorch's generator draws: the streams of the two libraries differ).

    Args:
        device: ``"cpu"`` (the only device).

    Examples:
        >>> import deltanet as dn
        >>> g = dn.Generator().manual_seed(42)
        >>> g.integers(10, size=3).tolist() == dn.Generator().manual_seed(42).integers(10, size=3).tolist()
        True
        >>> g.initial_seed()
        42
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device)
        super().__init__(np.random.PCG64())
        self._seed: int | None = None

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (a non-negative integer) and return the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Generator.manual_seed expects a non-negative integer, got {seed!r}")
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._seed = int(seed)
        return self

    def initial_seed(self) -> int | None:
        """The seed of the last ``manual_seed`` (None when it was never seeded)."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The state of the stream, to give back to ``set_state``."""
        return dict(self.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Continue the stream from a state that ``get_state`` returned."""
        self.bit_generator.state = state
        return self


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default random generator, so the same seed gives bit-identical weights.

    Every draw that is not given its own ``rng=`` (initial weights, dropout masks, shuffling)
    comes from this generator.

    Args:
        seed: a non-negative integer.

    Returns:
        The new default ``numpy.random.Generator``.

    Raises:
        ValueError: ``seed`` is not a non-negative integer.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(0); a = dn.nn.Linear(2, 2).weight.data.copy()
        >>> _ = dn.manual_seed(0); b = dn.nn.Linear(2, 2).weight.data.copy()
        >>> bool((a == b).all())
        True
    """
    global _default_rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _default_rng = np.random.default_rng(int(seed))
    return _default_rng


def get_rng(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    """Return ``rng`` itself, a new generator seeded with it if it is an int, or the default one.

    This is how every ``rng=`` argument of the library is read.

    Args:
        rng: None (the default generator that ``manual_seed`` sets), an int seed, or a
            ``numpy.random.Generator``.

    Returns:
        A ``numpy.random.Generator``.

    Raises:
        ValueError: ``rng`` is of another type.

    Examples:
        >>> from deltanet.backend import get_rng
        >>> get_rng(0).integers(10, size=3).tolist() == get_rng(0).integers(10, size=3).tolist()
        True
        >>> g = get_rng(1)
        >>> get_rng(g) is g
        True
    """
    if rng is None:
        private = _private_rng.get()
        return _default_rng if private is None else private
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be None, an int seed or a numpy.random.Generator, got {rng!r}")


@contextlib.contextmanager
def private_rng(generator: np.random.Generator) -> Iterator[np.random.Generator]:
    """Inside the block, ``get_rng(None)`` in this thread (context) returns ``generator``.

    Other threads, and this one after the block, see the default generator untouched: neither
    drawn from nor rewound. ``deltanet.io`` builds a loaded model inside it, since the initial
    values the constructors draw are overwritten by the saved weights.

    Args:
        generator: the ``numpy.random.Generator`` that stands in for the default one.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> _ = dn.manual_seed(0); expected = dn.backend.get_rng().random()
        >>> _ = dn.manual_seed(0)
        >>> with dn.backend.private_rng(np.random.default_rng(1)):
        ...     _ = dn.nn.Linear(3, 3)
        >>> dn.backend.get_rng().random() == expected
        True
    """
    token = _private_rng.set(generator)
    try:
        yield generator
    finally:
        _private_rng.reset(token)


def as_array(value: Any, dtype: Any = None) -> np.ndarray:
    """Convert ``value`` to an ndarray following the dtype policy above."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        check_dtype(dtype)
        return np.asarray(value, dtype=dtype)
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (np.generic,)):
        arr = np.asarray(value)
    else:
        try:
            arr = np.asarray(value)
        except ValueError as error:  # a ragged nested list, say
            raise ValueError(
                f"deltanet expects a rectangular array of numbers, got a {type(value).__name__} that "
                f"NumPy cannot convert ({error})"
            ) from None
        if arr.dtype.kind == "f":
            arr = arr.astype(DEFAULT_DTYPE)
    check_dtype(arr.dtype)
    return arr


def resolve_dtype(dtype: Any, owner: str = "deltanet") -> np.dtype:
    """The NumPy dtype that ``dtype`` names (``dn.float32``, ``numpy.float64``, ``"int64"``,
    ``float``, ...), refused with a message when deltanet cannot compute with it.

    Args:
        dtype: anything ``numpy.dtype`` accepts.
        owner: the function or class that takes it, for the message.

    Returns:
        A ``numpy.dtype``.

    Raises:
        ValueError: not a dtype, or one that deltanet does not support (float16, strings, ...).

    Examples:
        >>> from deltanet.backend import resolve_dtype
        >>> resolve_dtype("float64")
        dtype('float64')
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise ValueError(
            f"{owner}: dtype must be a NumPy dtype such as dn.float32, dn.float64 or dn.int64, got {dtype!r}"
        ) from None
    check_dtype(resolved)
    return resolved


def check_dtype(dtype: np.dtype) -> None:
    """Refuse the dtypes no op supports, saying which ones it accepts."""
    kind = dtype.kind
    if kind == "f" and dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"deltanet computes in float32 or float64, got {dtype}; convert first, e.g. x.astype(numpy.float32)"
        )
    if kind not in "fiub":
        raise ValueError(
            f"deltanet expects numeric data (float, int or bool), got dtype {dtype} "
            f"(strings, objects and complex numbers cannot be differentiated)"
        )


# -- devices ---------------------------------------------------------------------------------------
_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta")


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor's memory lives, as PyTorch's ``torch.device``; deltanet computes on the CPU only.

    ``device("cuda")`` can be written (PyTorch programs often build it up front), but a tensor
    or module sent there raises a ``RuntimeError`` that says deltanet has no GPU backend.

    Args:
        type: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... (or a ``device``, copied).
        index: the device number, as in ``device("cuda", 0)``.

    Raises:
        ValueError: an unknown device type or a bad index.

    Examples:
        >>> import deltanet as dn
        >>> dn.device("cpu")
        device(type='cpu')
        >>> dn.tensor([1.0]).device == dn.device("cpu")
        True
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise ValueError(f"device must be a string such as 'cpu' or 'cuda:0', got {type!r}")
        name, _, number = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise ValueError(f"device type must be one of {', '.join(_DEVICE_TYPES)}, got {type!r}")
        if number:
            if not number.isdigit() or index is not None:
                raise ValueError(f"device {type!r}: the index must be a non-negative integer given once")
            index = int(number)
        if index is not None and (isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0):
            raise ValueError(f"device index must be a non-negative integer, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", None if index is None else int(index))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a device cannot be changed")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


CPU = device("cpu")


def check_device(where: Any) -> None:
    """Accept None and the CPU (as a ``device`` or a string); raise for anything else.

    Args:
        where: a ``device``, a string such as ``"cpu"`` or ``"cuda"``, or None.

    Raises:
        RuntimeError: a GPU (or other accelerator) device: deltanet has none.
        ValueError: not a device at all.

    Examples:
        >>> from deltanet.backend import check_device
        >>> check_device("cpu")
    """
    if where is None:
        return
    place = where if isinstance(where, device) else device(where)
    if place.type != "cpu":
        raise RuntimeError(
            f"deltanet has no GPU backend: it computes with NumPy on the CPU, so device {str(place)!r} "
            f"cannot be used (dn.cuda.is_available() is False); use 'cpu' or leave the device out"
        )


class _Cuda:
    """PyTorch's ``torch.cuda`` queries, answered for a library without a GPU backend."""

    @staticmethod
    def is_available() -> bool:
        """False: deltanet computes on the CPU."""
        return False

    @staticmethod
    def device_count() -> int:
        """0: deltanet computes on the CPU."""
        return 0

    @staticmethod
    def manual_seed(seed: Any) -> None:
        """Nothing to seed without a GPU (PyTorch ignores it too when CUDA is absent)."""

    @staticmethod
    def manual_seed_all(seed: Any) -> None:
        """Nothing to seed without a GPU (PyTorch ignores it too when CUDA is absent)."""

    @staticmethod
    def empty_cache() -> None:
        """Nothing to free without a GPU."""

    @staticmethod
    def is_initialized() -> bool:
        """False: no CUDA context is ever made."""
        return False

    @staticmethod
    def is_bf16_supported(including_emulation: bool = True) -> bool:
        """False, as PyTorch without CUDA answers (scripts pick their AMP dtype with it)."""
        return False

    @staticmethod
    def memory_allocated(device: Any = None) -> int:
        """0 bytes: nothing is on a GPU (PyTorch's answer without CUDA)."""
        return 0

    @staticmethod
    def max_memory_allocated(device: Any = None) -> int:
        """0 bytes: nothing is on a GPU (PyTorch's answer without CUDA)."""
        return 0

    @staticmethod
    def memory_reserved(device: Any = None) -> int:
        """0 bytes: nothing is on a GPU (PyTorch's answer without CUDA)."""
        return 0

    @staticmethod
    def max_memory_reserved(device: Any = None) -> int:
        """0 bytes: nothing is on a GPU (PyTorch's answer without CUDA)."""
        return 0

    @staticmethod
    def reset_peak_memory_stats(device: Any = None) -> None:
        """Nothing to reset without a GPU."""

    @staticmethod
    def _no_gpu(call: str) -> RuntimeError:
        return RuntimeError(
            f"torch.cuda.{call}: deltanet has no GPU backend (dn.cuda.is_available() is False; PyTorch "
            f"without CUDA raises too); guard it with `if torch.cuda.is_available():`"
        )

    def current_device(self) -> int:
        """Refused: there is no GPU (PyTorch without CUDA raises too)."""
        raise self._no_gpu("current_device()")

    def get_device_name(self, device: Any = None) -> str:
        """Refused: there is no GPU (PyTorch without CUDA raises too)."""
        raise self._no_gpu("get_device_name()")

    def synchronize(self, device: Any = None) -> None:
        """Refused: there is no GPU to wait for (PyTorch without CUDA raises too)."""
        raise self._no_gpu("synchronize()")


cuda = _Cuda()


class _Accelerator:
    """``torch.accelerator`` (PyTorch's quickstart picks its device with it): no accelerator here."""

    @staticmethod
    def is_available() -> bool:
        """False: deltanet computes with NumPy on the CPU."""
        return False

    @staticmethod
    def current_accelerator() -> None:
        """None: there is no accelerator."""
        return None

    @staticmethod
    def device_count() -> int:
        """0: there is no accelerator."""
        return 0


accelerator = _Accelerator()
_deterministic = [False]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's switch to deterministic algorithms: every deltanet op already is one (NumPy on the
    CPU; no atomics, no autotuned kernels), so the switch is recorded for
    ``are_deterministic_algorithms_enabled`` and changes no result.

    Args:
        mode: True or False.
        warn_only: accepted for PyTorch's signature (True or False).

    Examples:
        >>> import deltanet as dn
        >>> dn.use_deterministic_algorithms(True)
        >>> dn.are_deterministic_algorithms_enabled()
        True
        >>> dn.use_deterministic_algorithms(False)
    """
    check.flag(warn_only, "warn_only", "use_deterministic_algorithms")
    _deterministic[0] = check.flag(mode, "mode", "use_deterministic_algorithms")


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` last set (False at start, as in PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.are_deterministic_algorithms_enabled() in (True, False)
        True
    """
    return _deterministic[0]


# -- reductions of small 2-D arrays ----------------------------------------------------------------
# NumPy reduces along the last axis of a C-ordered array one row at a time: on the narrow arrays of
# small networks (150 × 3 logits) ``a.sum(axis=1)`` costs ~2.5 µs and ``a.max(axis=1)`` ~5 µs,
# where a matrix-vector product or an elementwise maximum over a transposed copy costs < 1 µs.
# The hot paths (linear, cross-entropy) use these three; the results equal NumPy's up to the
# rounding order of the sums.
_ones_cache: dict[tuple[int, str], np.ndarray] = {}


def ones_vector(n: int, dtype: np.dtype) -> np.ndarray:
    """A cached read-only vector of n ones (for sums written as products)."""
    key = (n, np.dtype(dtype).char)
    ones = _ones_cache.get(key)
    return _remember(_ones_cache, key, np.ones(n, dtype=dtype)) if ones is None else ones


_zeros_cache: dict[tuple[int, str], np.ndarray] = {}


def zeros_vector(n: int, dtype: np.dtype) -> np.ndarray:
    """A cached read-only vector of n zeros (the other operand of ``maximum_zero``)."""
    key = (n, np.dtype(dtype).char)
    zeros = _zeros_cache.get(key)
    return _remember(_zeros_cache, key, np.zeros(n, dtype=dtype)) if zeros is None else zeros


_index_cache: dict[int, np.ndarray] = {}


def index_vector(n: int) -> np.ndarray:
    """A cached read-only ``np.arange(n)`` of the index dtype (int64), for fancy indexing per sample."""
    index = _index_cache.get(n)
    return _remember(_index_cache, n, np.arange(n, dtype=INDEX_DTYPE)) if index is None else index


def _remember(cache: dict[Any, np.ndarray], key: Any, array: np.ndarray) -> np.ndarray:
    """Store ``array`` read-only under ``key`` in a cache of at most 65 entries, and return it."""
    if len(cache) > 64:
        cache.clear()
    array.flags.writeable = False
    cache[key] = array
    return array


def sum_rows(a: np.ndarray) -> np.ndarray:
    r"""$\sum_j a_{ij}$ for a 2-D float array, computed as $a \mathbf{1}$."""
    return a @ ones_vector(a.shape[1], a.dtype)


def sum_columns(a: np.ndarray) -> np.ndarray:
    r"""$\sum_i a_{ij}$ for a 2-D float array, computed as $\mathbf{1}^\top a$."""
    return ones_vector(a.shape[0], a.dtype) @ a


#: Length of the row of zeros that ``maximum_zero`` compares with (32 KiB of float32: in L1 cache).
ZERO_ROW = 8192


def maximum_zero(z: np.ndarray) -> np.ndarray:
    r"""$\max(z, 0)$ elementwise (NaN stays NaN), in a new array stored in z's memory order.

    NumPy runs ``maximum`` through its vector loop only when both operands are arrays: against the
    scalar 0 it was 2.5-3x slower (a W4 activation of 16 x 64 x 64 x 8: 200 against 70 us) than
    ``copy``-speed elementwise ops. So the memory of z is read as rows of ``ZERO_ROW`` values and
    compared with a cached row of zeros; the few values left over, and arrays that are short, not
    floating-point or not one dense block, take ``np.maximum(z, 0)``, the formula itself, as
    ``DELTANET_REFERENCE=1`` does everywhere. The results are the same values, bit for bit.
    """
    n = z.size
    # 0 first: NumPy's maximum returns its first operand on a tie, so -0.0 stays -0.0, as PyTorch's relu.
    if REFERENCE or n < ZERO_ROW or z.dtype.kind != "f":
        return np.maximum(0, z)
    out = np.empty_like(z)  # z's memory order when z is one dense block
    if z.strides != out.strides:  # not one dense block
        return np.maximum(0, z)
    flat, flat_out = z.ravel(order="K"), out.ravel(order="K")  # views, in the same (memory) order
    whole = n - n % ZERO_ROW
    zeros = zeros_vector(ZERO_ROW, z.dtype)
    np.maximum(zeros, flat[:whole].reshape(-1, ZERO_ROW), out=flat_out[:whole].reshape(-1, ZERO_ROW))
    if whole < n:
        np.maximum(0, flat[whole:], out=flat_out[whole:])
    return out


def max_rows(a: np.ndarray) -> np.ndarray:
    r"""$\max_j a_{ij}$ for a 2-D array, as an elementwise maximum over the rows of $a^\top$."""
    return np.ascontiguousarray(a.T).max(axis=0)


# -- memory reuse ----------------------------------------------------------------------------------
def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the system.

    A training step allocates and frees the same large temporaries (im2col columns, activations,
    gradients) every time. By default glibc hands large blocks back to the kernel (``munmap``, and
    trimming the heap), so every step pays page faults to get them again. Measured with
    ``/usr/bin/time -v`` (minor page faults per step, which do not depend on the machine's load):
    the small U-Net of ``benchmarks/`` (W4) 10,000 per step without this and 1 with it (a third of
    its step time, in the kernel), the textbook LeNet at batch 256 (W5) 2,900 and 1, LeNet-5 at batch
    64 (W3) none either way. Raising ``M_MMAP_THRESHOLD`` to its maximum (32 MiB) and
    ``M_TRIM_THRESHOLD`` to 1 GiB keeps those blocks in the process, as the environment variables
    ``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824`` do.

    It changes the allocator of the whole process (every library in it, for the rest of its life)
    and keeps the resident size near its peak, so deltanet never calls it by itself: a program
    that trains convolutional networks calls it once at its start. It does nothing (and returns
    False) where the C library is not glibc.

    Returns:
        whether the settings were applied.

    Examples:
        >>> import deltanet as dn
        >>> dn.backend.keep_freed_memory() in (True, False)
        True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    ok = mallopt(m_mmap_threshold, 32 << 20) == 1
    ok = mallopt(m_trim_threshold, 1 << 30) == 1 and ok
    return ok
