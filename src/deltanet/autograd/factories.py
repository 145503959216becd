"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled (``zeros``, ``ones``,
``full``, ``empty``, ``eye``), ranges (``arange``, ``linspace``) and random ones (``rand``, ``randn``,
``randint``, ``randperm``), each also as ``*_like``, with PyTorch's names and dtypes.

Sizes are given as PyTorch takes them, ``zeros(2, 3)`` or ``zeros((2, 3))``. Floats are float32
unless a ``dtype`` says otherwise; Python integers give int64, as in PyTorch. ``device`` accepts the
CPU only (``backend.check_device``). Random values come from deltanet's default generator, which
``dn.manual_seed`` resets, unless ``generator`` (a ``numpy.random.Generator`` or an int seed) is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd.conversions import check_number_fits, to_dtype
from deltanet.autograd.tensor import Tensor, leaf


def _finish(data: np.ndarray, requires_grad: bool, owner: str) -> Tensor:
    t = leaf(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise ValueError(f"{owner}: only floating-point tensors can require gradients, got dtype {data.dtype}")
        t._requires_grad = True
    return t


def _dtype(dtype: Any, owner: str, default: np.dtype | None = None) -> np.dtype:
    """``dtype`` resolved, or ``default``, or the default dtype as it is now (``set_default_dtype``)."""
    if dtype is not None:
        return backend.resolve_dtype(dtype, owner)
    return backend.DEFAULT_DTYPE if default is None else default


def _shape(shape: tuple, keyword: Any, owner: str) -> tuple[int, ...]:
    """The checked shape, given positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as PyTorch's
    keyword (``zeros(size=(2, 3))``)."""
    if keyword is not None:
        if shape:
            raise TypeError(f"{owner}(): give the size once, positionally or as size=, got both")
        shape = (keyword,)
    return _size(shape, owner)


def _size(size: tuple, owner: str) -> tuple[int, ...]:
    """A shape from ``(2, 3)``, ``((2, 3),)`` or ``([2, 3],)``: non-negative integers."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{owner}(): the size must be integers, got {size!r}")
        if n < 0:
            raise ValueError(f"{owner}(): sizes must be non-negative, got {size!r}")
    return tuple(int(n) for n in size)


# -- from data -----------------------------------------------------------------------------------
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = None) -> Tensor:
    """Create a leaf tensor holding a copy of ``data``, as ``torch.tensor`` does.

    Args:
        data: array-like (or a tensor, copied without its history); Python floats become
            float32, NumPy float arrays keep their dtype, Python integers give int64.
        requires_grad: whether ``backward()`` should compute ``.grad`` for it (floats only).
        dtype: optional dtype to convert ``data`` to (``dn.float32``, ``dn.float64``, ``dn.int64``, ...).
        device: only ``"cpu"`` (or None).

    Returns:
        A new ``Tensor`` with no history that shares no memory with ``data``.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([[1, 2], [3, 4]]).dtype
        dtype('int64')
        >>> dn.tensor([0.5]).dtype
        dtype('float32')
    """
    backend.check_device(device)
    if isinstance(data, Tensor):
        data = data.array
    array = backend.as_array(data, dtype)
    if array is data or (isinstance(data, np.ndarray) and np.may_share_memory(array, data)):
        array = np.array(array, copy=True, order="K")  # keeps a transposed layout transposed
    return _finish(array, requires_grad, "tensor")


def as_tensor(data: Any, dtype: Any = None, device: Any = None, *, owner: str | None = None) -> Tensor:
    """A tensor for ``data`` without copying where it can: a ``Tensor`` is returned as it is, a NumPy
    array is shared; anything else (lists, numbers) is converted by deltanet's dtype policy.

    This is the one converter for "a tensor or something array-like" arguments of the library.

    Args:
        data: a ``Tensor``, a NumPy array or array-like data.
        dtype: optional dtype; a tensor of another dtype is converted (a copy, differentiable
            between float dtypes), an array of another dtype is copied.
        device: only ``"cpu"`` (or None).
        owner: the name of the calling function (deltanet's own, keyword only), put in front of
            the message when ``data`` cannot become a tensor (``"relu: deltanet expects ..."``).

    Returns:
        ``data`` itself when it is a tensor of the requested dtype, else a new leaf tensor.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = np.zeros(3)
        >>> t = dn.as_tensor(a)
        >>> t.array is a
        True
    """
    if device is not None:
        backend.check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else to_dtype(data, backend.resolve_dtype(dtype, owner or "as_tensor"))
    try:
        if dtype is None and type(data) is np.ndarray:
            backend.check_dtype(data.dtype)
            return leaf(data)
        return leaf(backend.as_array(data, None if dtype is None else backend.resolve_dtype(dtype, "as_tensor")))
    except (TypeError, ValueError) as err:
        if owner is None:
            raise
        raise (TypeError if isinstance(err, TypeError) else ValueError)(f"{owner}: {err}") from None


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with a NumPy array: a change through one shows in the other.

    Args:
        array: a NumPy array of a dtype deltanet computes with (float32, float64, integers, bool).

    Returns:
        A leaf tensor whose ``data`` is ``array`` itself.

    Raises:
        TypeError: ``array`` is not a NumPy array.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = np.arange(3.0)
        >>> t = dn.from_numpy(a)
        >>> a[0] = 7.0; t.tolist()
        [7.0, 1.0, 2.0]
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    backend.check_dtype(array.dtype)
    return leaf(array)


# -- filled --------------------------------------------------------------------------------------
def _filled(make: Any, shape: tuple, size: Any, dtype: Any, device: Any, requires_grad: bool, owner: str) -> Tensor:
    """``make(shape, dtype)`` (``np.zeros``, ``np.ones``, ``np.empty``) with the checks of ``owner``."""
    backend.check_device(device)
    return _finish(make(_shape(shape, size, owner), _dtype(dtype, owner)), requires_grad, owner)


def zeros(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    Args:
        shape: the shape, as ``zeros(2, 3)`` or ``zeros((2, 3))``.
        size: the shape as PyTorch's keyword, ``zeros(size=(2, 3))``, instead of ``shape``.
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3).shape
        (2, 3)
    """
    return _filled(np.zeros, shape, size, dtype, device, requires_grad, "zeros")


def ones(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Args:
        shape: the shape, as ``ones(2, 3)`` or ``ones((2, 3))``.
        size: the shape as PyTorch's keyword, ``ones(size=(2, 3))``, instead of ``shape``.
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.ones(2).tolist()
        [1.0, 1.0]
    """
    return _filled(np.ones, shape, size, dtype, device, requires_grad, "ones")


def empty(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not set (whatever the memory held): fill it before reading it.

    Args:
        shape: the shape, as ``empty(2, 3)`` or ``empty((2, 3))``.
        size: the shape as PyTorch's keyword, ``empty(size=(2, 3))``, instead of ``shape``.
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.empty(2, 2).shape
        (2, 2)
    """
    return _filled(np.empty, shape, size, dtype, device, requires_grad, "empty")


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with one value; its dtype follows the value (float32, int64 or bool) unless
    ``dtype`` is given, as in PyTorch.

    Args:
        size: the shape, a tuple or list of integers.
        fill_value: the value of every element.
        dtype: the dtype (by default from ``fill_value``).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.full((2,), 7).tolist(), dn.full((2,), 7).dtype
        ([7, 7], dtype('int64'))
    """
    backend.check_device(device)
    shape = _size((size,), "full")
    if dtype is None:
        with np.errstate(over="ignore", invalid="ignore"):  # 1e40 is refused below, by name
            dtype = backend.as_array(fill_value).dtype
    dtype = _dtype(dtype, "full")
    check_number_fits(fill_value, dtype, "full")
    if dtype.kind in "iu" and isinstance(fill_value, (int, np.integer)) and not isinstance(fill_value, bool):
        fill_value = np.asarray(int(fill_value)).astype(dtype)  # -1 in uint8 is 255, as in PyTorch
    return _finish(np.full(shape, fill_value, dtype), requires_grad, "full")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (ones on the diagonal), of shape ``(n, m)``.

    Args:
        n: the number of rows.
        m: the number of columns (``n`` when None).
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.eye(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    backend.check_device(device)
    rows, cols = _size((n, n if m is None else m), "eye")
    return _finish(np.eye(rows, cols, dtype=_dtype(dtype, "eye")), requires_grad, "eye")


# -- ranges --------------------------------------------------------------------------------------
def arange(
    start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The values ``start, start + step, ...`` below ``end`` (``arange(n)`` counts from 0 to n - 1).

    Integer arguments give int64 and any float gives float32, as in PyTorch.

    Args:
        start: the first value (the end, counting from 0, when ``end`` is None).
        end: the bound, not included.
        step: the distance between values (not 0).
        dtype: the dtype (int64 or float32 by default, from the arguments).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.arange(4).tolist(), dn.arange(0, 1, 0.25).tolist()
        ([0, 1, 2, 3], [0.0, 0.25, 0.5, 0.75])
    """
    backend.check_device(device)
    if end is None:
        start, end = 0, start
    bounds = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for name, v in zip(("start", "end", "step"), bounds):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange(): {name} must be a number, got {v!r}")
    if bounds[2] == 0:
        raise ValueError("arange(): step must not be 0")
    integral = all(isinstance(v, (int, np.integer)) for v in bounds)
    default = backend.INDEX_DTYPE if integral else backend.DEFAULT_DTYPE
    values = np.arange(*bounds, dtype=np.int64 if integral else np.float64)  # float64 steps, then cast
    return _finish(values.astype(_dtype(dtype, "arange", default)), requires_grad, "arange")


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Args:
        start: the first value.
        end: the last value.
        steps: how many values (a non-negative integer).
        dtype: the dtype (float32 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.linspace(0, 1, 5).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    backend.check_device(device)
    (count,) = _size((steps,), "linspace")
    values = np.linspace(float(start), float(end), count)
    return _finish(values.astype(_dtype(dtype, "linspace")), requires_grad, "linspace")


# -- random --------------------------------------------------------------------------------------
def rand(
    *shape: Any,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform random values in $[0, 1)$.

    Args:
        shape: the shape, as ``rand(2, 3)`` or ``rand((2, 3))``.
        size: the shape as PyTorch's keyword, ``rand(size=(2, 3))``, instead of ``shape``.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: float32 (default) or float64.
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.rand(2, 3, generator=0)
        >>> bool(((x >= 0) & (x < 1)).all())
        True
    """
    backend.check_device(device)
    kind = _float_dtype(dtype, "rand")
    values = backend.get_rng(generator).random(_shape(shape, size, "rand"), dtype=kind)
    return _finish(values, requires_grad, "rand")


def randn(
    *shape: Any,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal random values (mean 0, variance 1).

    Args:
        shape: the shape, as ``randn(2, 3)`` or ``randn((2, 3))``.
        size: the shape as PyTorch's keyword, ``randn(size=(2, 3))``, instead of ``shape``.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: float32 (default) or float64.
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.randn(2, 3, generator=0).shape
        (2, 3)
    """
    backend.check_device(device)
    kind = _float_dtype(dtype, "randn")
    values = backend.get_rng(generator).standard_normal(_shape(shape, size, "randn"), dtype=kind)
    return _finish(values, requires_grad, "randn")


def _float_dtype(dtype: Any, owner: str) -> np.dtype:
    kind = _dtype(dtype, owner)
    if kind not in backend.FLOAT_DTYPES:
        raise ValueError(f"{owner}: dtype must be float32 or float64, got {kind}")
    return kind


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Random integers from ``low`` (included) to ``high`` (excluded); ``randint(high, size)``
    counts from 0, as in PyTorch.

    Args:
        low: the smallest value (the bound, counting from 0, when ``size`` is given second).
        high: the bound, excluded.
        size: the shape, a tuple of integers.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: the dtype (int64 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: accepted for PyTorch's signature; integer tensors cannot require gradients.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.randint(0, 10, (4,), generator=0)
        >>> x.dtype, bool(((x >= 0) & (x < 10)).all())
        (dtype('int64'), True)
    """
    backend.check_device(device)
    if size is None:
        if high is None:
            raise ValueError("randint(): give the size, as randint(high, size) or randint(low, high, size)")
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    shape = _size((size,), "randint")
    if high <= low:
        raise ValueError(f"randint(): high must be greater than low, got low={low}, high={high}")
    kind = _dtype(dtype, "randint", backend.INDEX_DTYPE)
    if kind.kind in "biu":  # PyTorch's check: the values must fit the dtype (300 in uint8 is refused)
        smallest, largest = (0, 1) if kind.kind == "b" else (np.iinfo(kind).min, np.iinfo(kind).max)
        if low < smallest:
            raise RuntimeError(f"randint(): from is out of bounds for {kind}: low={low}")
        if high - 1 > largest:
            raise RuntimeError(f"randint(): to - 1 is out of bounds for {kind}: high={high}")
    values = backend.get_rng(generator).integers(low, high, shape)
    return _finish(values.astype(kind), requires_grad, "randint")


def randperm(
    n: int, generator: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A random permutation of ``0, 1, ..., n - 1``.

    Args:
        n: how many values.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: the dtype (int64 by default).
        device: only ``"cpu"`` (or None).
        requires_grad: accepted for PyTorch's signature; integer tensors cannot require gradients.

    Examples:
        >>> import deltanet as dn
        >>> sorted(dn.randperm(4, generator=0).tolist())
        [0, 1, 2, 3]
    """
    backend.check_device(device)
    (count,) = _size((n,), "randperm")
    values = backend.get_rng(generator).permutation(count)
    return _finish(values.astype(_dtype(dtype, "randperm", backend.INDEX_DTYPE)), requires_grad, "randperm")


# -- *_like --------------------------------------------------------------------------------------
def _like_dtype(input: Tensor, dtype: Any, owner: str) -> np.dtype:
    return input.dtype if dtype is None else backend.resolve_dtype(dtype, owner)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape (and dtype, unless ``dtype`` is given).

    Args:
        input: the tensor whose shape to take.
        dtype: the dtype (``input``'s by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros_like(dn.ones(2, 2)).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """
    return zeros(input.shape, dtype=_like_dtype(input, dtype, "zeros_like"), device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape (and dtype, unless ``dtype`` is given).

    Args:
        input: the tensor whose shape to take.
        dtype: the dtype (``input``'s by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.ones_like(dn.zeros(2, dtype=dn.int64)).tolist()
        [1, 1]
    """
    return ones(input.shape, dtype=_like_dtype(input, dtype, "ones_like"), device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An unset tensor of ``input``'s shape (and dtype, unless ``dtype`` is given).

    Args:
        input: the tensor whose shape to take.
        dtype: the dtype (``input``'s by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.empty_like(dn.ones(3)).shape
        (3,)
    """
    return empty(input.shape, dtype=_like_dtype(input, dtype, "empty_like"), device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere, in ``input``'s shape (and dtype, unless ``dtype`` is given).

    Args:
        input: the tensor whose shape to take.
        fill_value: the value of every element.
        dtype: the dtype (``input``'s by default).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.full_like(dn.ones(2), 0.5).tolist()
        [0.5, 0.5]
    """
    kind = _like_dtype(input, dtype, "full_like")
    return full(input.shape, fill_value, dtype=kind, device=device, requires_grad=requires_grad)


def rand_like(
    input: Tensor, generator: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform random values in $[0, 1)$ of ``input``'s shape (and float dtype).

    Args:
        input: the tensor whose shape to take.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: the dtype (``input``'s by default; float32 or float64).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.rand_like(dn.zeros(2, 3)).shape
        (2, 3)
    """
    kind = _like_dtype(input, dtype, "rand_like")
    return rand(input.shape, generator=generator, dtype=kind, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor, generator: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal random values of ``input``'s shape (and float dtype).

    Args:
        input: the tensor whose shape to take.
        generator: a ``numpy.random.Generator`` or an int seed (deltanet's default generator when None).
        dtype: the dtype (``input``'s by default; float32 or float64).
        device: only ``"cpu"`` (or None).
        requires_grad: whether ``backward()`` should compute ``.grad`` for it.

    Examples:
        >>> import deltanet as dn
        >>> dn.randn_like(dn.zeros(2, 3)).shape
        (2, 3)
    """
    kind = _like_dtype(input, dtype, "randn_like")
    return randn(input.shape, generator=generator, dtype=kind, device=device, requires_grad=requires_grad)


# -- Tensor.new_* (installed as methods): a new tensor with this tensor's dtype ------------------
def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of the given size, with this tensor's dtype unless ``dtype`` is given."""
    return zeros(*size, dtype=_like_dtype(self, dtype, "new_zeros"), device=device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of the given size, with this tensor's dtype unless ``dtype`` is given."""
    return ones(*size, dtype=_like_dtype(self, dtype, "new_ones"), device=device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An unset tensor of the given size, with this tensor's dtype unless ``dtype`` is given."""
    return empty(*size, dtype=_like_dtype(self, dtype, "new_empty"), device=device, requires_grad=requires_grad)


def new_full(
    self: Tensor, size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere in the given size, with this tensor's dtype unless ``dtype`` is given."""
    kind = _like_dtype(self, dtype, "new_full")
    return full(size, fill_value, dtype=kind, device=device, requires_grad=requires_grad)


def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` as a new leaf, with this tensor's dtype unless ``dtype`` is given."""
    kind = _like_dtype(self, dtype, "new_tensor")
    return tensor(data, requires_grad=requires_grad, dtype=kind, device=device)
