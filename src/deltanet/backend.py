"""The array-module seam and the dtype and randomness policies.

Every op finds its array module with ``xp = array_module(x)``; today that is always NumPy, and a
CuPy backend only has to answer here. The dtype policy: Python numbers and lists become the
default dtype (float32, or float64 after ``set_default_dtype(dn.float64)``, as in PyTorch), NumPy
float arrays keep their precision (so float64 stays float64 for gradient checks), integer arrays
stay integers (class labels). float16 and bfloat16 are refused: their 3 (2) significant digits
cannot carry a gradient check, and NumPy has no fast float16 GEMM. Their names exist
(``dn.float16``, ``dn.half``, ``dn.bfloat16``) so that PyTorch code using them gets that error.

Randomness: one default ``numpy.random.Generator`` (a ``Generator``, ``dn.default_generator``) that
``manual_seed`` restarts in place. Everything that
draws random numbers also takes an explicit ``rng=`` argument, which wins over the default.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import secrets
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

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
FLOAT_DTYPES = (float32, float64)
#: The dtype of tensors made from Python numbers and lists, of the float factories and of new
#: layers' parameters. Process-wide, as PyTorch's: ``set_default_dtype`` rebinds it, so every reader
#: writes ``backend.DEFAULT_DTYPE`` (read when called), never ``from deltanet.backend import
#: DEFAULT_DTYPE`` (a copy taken at import, which the setter would not reach).
DEFAULT_DTYPE = float32
INDEX_DTYPE = np.dtype(np.int64)  # what argmax, randint and the integer factories give, as in PyTorch

# PyTorch's dtype names are NumPy dtypes, so ``x.dtype == dn.float32`` holds and ``dtype=dn.float32``
# works wherever a dtype is taken. ``deltanet`` also exports PyTorch's aliases (``dn.float``,
# ``dn.double``, ``dn.long``, ``dn.int``, ``dn.short``, ``dn.bool``); they are not defined here,
# where they would hide Python's ``float``, ``int`` and ``bool``.
int64 = INDEX_DTYPE
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
float16 = np.dtype(np.float16)  # refused by check_dtype wherever it is used, with a message


class UnsupportedDtype:
    """A PyTorch dtype that NumPy has no dtype for (``bfloat16``): its name exists so that code using
    it gets deltanet's message (``resolve_dtype`` refuses it) rather than an AttributeError."""

    __slots__ = ("name", "itemsize")

    def __init__(self, name: str, itemsize: int) -> None:
        self.name, self.itemsize = name, itemsize

    def __repr__(self) -> str:
        return self.name


bfloat16 = UnsupportedDtype("bfloat16", 2)


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python numbers and lists, of the float factories and of new
    layers' parameters: float32 unless ``set_default_dtype`` changed it, as PyTorch's.

    Returns:
        ``dn.float32`` or ``dn.float64``.

    Examples:
        >>> import deltanet as dn
        >>> dn.get_default_dtype()
        dtype('float32')
    """
    return DEFAULT_DTYPE


def set_default_dtype(d: Any) -> None:
    r"""Make ``d`` the default floating-point dtype, as PyTorch's ``torch.set_default_dtype``.

    Afterwards tensors made from Python floats and lists (``dn.tensor([1.0])``), the float factories
    (``zeros``, ``ones``, ``rand``, ``randn``, ``empty``, ``full``, ``linspace``, ``arange`` with a
    float argument, ...), the float results of integer inputs (``dn.arange(3) / 2``) and the
    parameters of new layers (``nn.Linear``, ``nn.Conv2d``, ``nn.BatchNorm2d``, ...) have dtype
    ``d``. Existing tensors and layers keep theirs. The setting is process-wide (every thread sees
    it), as in PyTorch; ``default_dtype(d)`` sets it for a ``with`` block and restores it after.

    Args:
        d: ``dn.float32`` or ``dn.float64`` (deltanet computes in nothing else).

    Raises:
        TypeError: not a floating-point dtype, or float16 / bfloat16.

    Examples:
        >>> import deltanet as dn
        >>> dn.set_default_dtype(dn.float64)
        >>> dn.tensor([1.0, 2.0]).dtype, dn.nn.Linear(2, 1).weight.dtype
        (dtype('float64'), dtype('float64'))
        >>> dn.set_default_dtype(dn.float32)
    """
    global DEFAULT_DTYPE
    DEFAULT_DTYPE = _default_dtype_of(d)


def _default_dtype_of(d: Any) -> np.dtype:
    """``d`` as a default dtype: float32 or float64, else PyTorch's TypeError (with deltanet's reason)."""
    if isinstance(d, type) and issubclass(d, np.generic):  # numpy.float64, the scalar type
        d = np.dtype(d)
    if isinstance(d, UnsupportedDtype) or (isinstance(d, np.dtype) and d.kind == "f" and d not in FLOAT_DTYPES):
        raise TypeError(
            f"set_default_dtype: deltanet computes in float32 or float64, got {d}; "
            f"use dn.float32 or dn.float64 (16-bit floats cannot carry a gradient check)"
        )
    if not isinstance(d, np.dtype) or d.kind != "f":
        raise TypeError(
            f"set_default_dtype: only floating-point types are supported as the default type "
            f"(dn.float32 or dn.float64), got {d!r}"
        )
    return d


@contextlib.contextmanager
def default_dtype(d: Any) -> Iterator[np.dtype]:
    """Within the block the default dtype is ``d``; after it (also after an exception) the one before.

    Args:
        d: ``dn.float32`` or ``dn.float64``.

    Raises:
        TypeError: as ``set_default_dtype``.

    Examples:
        >>> import deltanet as dn
        >>> with dn.backend.default_dtype(dn.float64):
        ...     dn.zeros(2).dtype
        dtype('float64')
        >>> dn.zeros(2).dtype
        dtype('float32')
    """
    global DEFAULT_DTYPE
    before, DEFAULT_DTYPE = DEFAULT_DTYPE, _default_dtype_of(d)
    try:
        yield DEFAULT_DTYPE
    finally:
        DEFAULT_DTYPE = before


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
        # How often manual_seed restarted it: a distributed fit moves a generator to its rank's
        # stream once per seeding (``distributed/seeding.py``), as it did a new generator.
        self.seedings = 0

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` and return the generator. As PyTorch's, an integer in
        $[-2^{63}, 2^{64})$; a negative one is taken modulo $2^{64}$ (``initial_seed()`` of -5 is $2^{64} - 5$)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed expects an integer, got {seed!r}")
        if not -(2**63) <= int(seed) < 2**64:
            raise ValueError(
                f"Generator.manual_seed: Overflow when unpacking long long: {seed} does not fit in 64 bits"
            )
        seed = int(seed) % 2**64
        self.bit_generator.state = np.random.PCG64(seed).state
        self._seed = int(seed)
        self.seedings += 1
        return self

    def initial_seed(self) -> int | None:
        """The seed of the last ``manual_seed`` (None when it was never seeded)."""
        return self._seed

    def seed(self) -> int:
        """Restart the stream from a non-deterministic 64-bit seed, and return the seed."""
        value = secrets.randbits(64)
        self.manual_seed(value)
        return value

    def get_state(self) -> np.ndarray:
        """The state of the stream as uint8 bytes (PyTorch gives a uint8 tensor), to give back to
        ``set_state`` or ``dn.set_rng_state``; see ``encode_rng_state``."""
        return encode_rng_state(self)

    def set_state(self, state: Any) -> Generator:
        """Continue the stream from a state that ``get_state`` or ``dn.get_rng_state()`` returned (uint8
        bytes, as an array or a tensor), or from a NumPy ``bit_generator.state`` dict."""
        if isinstance(state, dict):
            self.bit_generator.state = state
        else:
            array = state if isinstance(state, np.ndarray) else getattr(state, "array", state)  # a Tensor's array
            decode_rng_state(self, array, "Generator.set_state")
        return self


#: The first bytes of a state from ``encode_rng_state``: the format's name and version.
RNG_STATE_MAGIC = b"deltanet-pcg64-1"
_RNG_STATE_SIZE = len(RNG_STATE_MAGIC) + 16 + 16 + 1 + 4 + 1 + 8


def encode_rng_state(generator: Generator) -> np.ndarray:
    """A generator's whole state as uint8 bytes (no pickle): the format's name, PCG64's 128-bit
    ``state`` and ``inc``, its cached half-word (``has_uint32``, ``uinteger``) and the seed of its
    last ``manual_seed`` (a flag byte, then 8 bytes), each integer little-endian."""
    pcg = generator.bit_generator.state
    seed = generator.initial_seed()
    raw = b"".join(
        (
            RNG_STATE_MAGIC,
            int(pcg["state"]["state"]).to_bytes(16, "little"),
            int(pcg["state"]["inc"]).to_bytes(16, "little"),
            int(pcg["has_uint32"]).to_bytes(1, "little"),
            int(pcg["uinteger"]).to_bytes(4, "little"),
            (0 if seed is None else 1).to_bytes(1, "little"),
            (0 if seed is None else seed).to_bytes(8, "little"),
        )
    )
    return np.frombuffer(raw, dtype=np.uint8).copy()


def decode_rng_state(generator: Generator, state: Any, owner: str) -> None:
    """Set ``generator`` to the state that ``encode_rng_state`` wrote into ``state``; anything else
    (another dtype, length or format) raises a ``ValueError`` that says what was expected."""
    array = np.asarray(state) if isinstance(state, np.ndarray) else None
    if array is None or array.dtype != np.uint8 or array.ndim != 1:
        got = f"a uint8 array of shape {array.shape}" if array is not None and array.dtype == np.uint8 else None
        got = got or (f"dtype {array.dtype}" if array is not None else type(state).__name__)
        raise ValueError(f"{owner}: the state must be the 1-D uint8 tensor that dn.get_rng_state() returns, got {got}")
    raw = array.tobytes()
    if len(raw) != _RNG_STATE_SIZE or not raw.startswith(RNG_STATE_MAGIC):
        raise ValueError(
            f"{owner}: the state must be the {_RNG_STATE_SIZE} bytes that dn.get_rng_state() returns "
            f"(deltanet's own format, starting with {RNG_STATE_MAGIC!r}), got {len(raw)} bytes that are not; "
            f"a state from PyTorch's torch.get_rng_state() cannot be read"
        )
    at = len(RNG_STATE_MAGIC)
    fields = []
    for width in (16, 16, 1, 4, 1, 8):
        fields.append(int.from_bytes(raw[at : at + width], "little"))
        at += width
    state_int, inc, has_uint32, uinteger, seeded, seed = fields
    if has_uint32 > 1 or seeded > 1:
        raise ValueError(f"{owner}: the state's bytes are damaged (a flag byte is not 0 or 1)")
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": state_int, "inc": inc},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }
    generator._seed = seed if seeded else None


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default random generator, so the same seed gives bit-identical weights.

    Every draw that is not given its own ``rng=`` (initial weights, dropout masks, shuffling)
    comes from this generator.

    Args:
        seed: a non-negative integer.

    Returns:
        The default generator (``dn.default_generator``, restarted from ``seed``), as PyTorch
        returns ``torch.default_generator``.

    Raises:
        ValueError: ``seed`` lies outside $[-2^{63}, 2^{64})$, or is not a number.
        TypeError: ``seed`` cannot be converted with ``int()``.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(0); a = dn.nn.Linear(2, 2).weight.array.copy()
        >>> _ = dn.manual_seed(0); b = dn.nn.Linear(2, 2).weight.array.copy()
        >>> bool((a == b).all())
        True
    """
    return _default_rng.manual_seed(int(seed))  # PyTorch's int(seed): 1.5 seeds with 1, True with 1


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
        target = resolve_dtype(dtype)
        try:
            return np.asarray(value, dtype=target)
        except OverflowError:
            return _wrapped_integers(value, target)
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
            arr = arr.astype(_float_dtype_of(value))
        elif arr.dtype == np.uint64:  # Python ints beyond int64 (PyTorch: "Overflow when unpacking long")
            raise ValueError(
                f"deltanet: integers must fit in int64 (at most {np.iinfo(np.int64).max}), got values up to {arr.max()}"
            )
    check_dtype(arr.dtype)
    return arr


def _wrapped_integers(value: Any, dtype: np.dtype) -> np.ndarray:
    """Python ints into a narrower integer dtype as PyTorch converts them: a negative one wraps into
    an unsigned dtype whose range holds its magnitude (-1 in uint8 is 255), anything else beyond
    the range raises (NumPy raises ``OverflowError`` for both)."""
    arr = np.asarray(value)
    if dtype.kind not in "iu" or arr.dtype.kind not in "iu":
        raise OverflowError(f"cannot convert {value!r} to {dtype} without overflow")
    info = np.iinfo(dtype)
    low = -int(info.max) if dtype.kind == "u" else int(info.min)
    if arr.size and (int(arr.min()) < low or int(arr.max()) > int(info.max)):
        raise RuntimeError(f"value cannot be converted to type {dtype} without overflow")
    return arr.astype(dtype)


_PYTHON_NUMBERS = {float, int, bool}


def _float_dtype_of(value: Any) -> np.dtype:
    """The float dtype of Python data as PyTorch infers it: Python floats are the default dtype,
    while NumPy float scalars, float arrays and float tensors inside the data keep theirs, and all
    of them promote (``[numpy.float64(1.0), 2.0]`` is float64, ``[numpy.float32(1.0)]`` float32)."""
    if not isinstance(value, (list, tuple)):  # a Python float, or an object with a float dtype
        kind = getattr(value, "dtype", None)
        return kind if isinstance(kind, np.dtype) and kind in FLOAT_DTYPES else DEFAULT_DTYPE
    typed: set[np.dtype] = set()
    untyped = [False]

    def visit(items: Any) -> None:
        kinds = set(map(type, items))  # at C speed: most data is a flat or nested list of Python numbers
        untyped[0] = untyped[0] or float in kinds
        if kinds <= _PYTHON_NUMBERS:
            return
        for item in items:
            if isinstance(item, (list, tuple)):
                visit(item)
            elif not isinstance(item, (int, float)) or isinstance(item, np.generic):
                kind = getattr(item, "dtype", None)
                if isinstance(kind, np.dtype) and kind.kind == "f":
                    typed.add(kind)

    visit(value)
    if not typed:
        return DEFAULT_DTYPE
    if untyped[0]:
        typed.add(DEFAULT_DTYPE)
    return np.dtype(np.result_type(*typed))


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
    if isinstance(dtype, UnsupportedDtype):
        raise ValueError(
            f"{owner}: deltanet computes in float32 or float64, got {dtype.name}; use dn.float32 or dn.float64"
        )
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


#: The default generator: one object for the life of the process (``dn.default_generator``), which
#: ``manual_seed`` restarts in place, as PyTorch's ``torch.default_generator``. Its first seed is a
#: non-deterministic 64-bit number, so an unseeded program draws differently on every run.
_default_rng = Generator().manual_seed(secrets.randbits(64))


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


def sign(x: np.ndarray) -> np.ndarray:
    r"""PyTorch's $\operatorname{sign}(x) \in \{-1, 0, 1\}$, elementwise: 0 for NaN, where NumPy gives NaN.

    It is also the derivative that PyTorch gives $|x|$ (and so the L1 loss and the 1-norm): 0 at
    $x = 0$ and at NaN. Booleans are their own sign, as in PyTorch.
    """
    if x.dtype.kind == "b":
        return x.copy()
    s = np.asarray(np.sign(x))  # an array also for a 0-d x (NumPy returns a scalar)
    if s.dtype.kind in "fc":
        np.copyto(s, 0, where=np.isnan(s))
    return s


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
