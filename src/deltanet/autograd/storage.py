r"""A tensor's memory as PyTorch names it: ``x.untyped_storage()``, ``x.storage()``, ``x.set_(...)``,
``x.layout`` (``dn.strided``), ``x.is_sparse``, ``x.get_device()`` and ``x.is_inference()``.

A deltanet tensor is a NumPy array, and a view's array is a view of the array that owns the memory
(the end of its ``.base`` chain). That owner is the storage: ``untyped_storage()`` gives its bytes'
honest facts (``data_ptr()``, ``nbytes()``, ``size()``, ``tolist()``), as PyTorch's, and
``storage()`` the same memory read as the tensor's dtype (PyTorch's deprecated ``TypedStorage``,
with its warning). ``set_`` makes a tensor view another tensor's (or a storage's) memory.

Every deltanet tensor is dense, strided and on the CPU, so ``layout`` is always ``dn.strided``,
``is_sparse``, ``is_meta``, ``is_quantized``, ``is_mkldnn``, ``is_pinned()`` and ``is_shared()``
False, ``to_dense()`` the tensor itself and ``get_device()`` -1, PyTorch's answers for such a tensor. Tensors carry no
mark of having been made inside ``inference_mode`` (it is ``no_grad`` here), so ``is_inference()``
refuses instead of answering False for a tensor PyTorch would call an inference tensor.
``pin_memory()`` raises PyTorch's error for a machine without an accelerator, and ``share_memory_()``
refuses: no other process can see a NumPy array's memory.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import inplace
from deltanet.autograd.function import is_grad_enabled
from deltanet.autograd.memory_formats import NamedConstant
from deltanet.autograd.tensor import Tensor
from deltanet.autograd.versions import Version


class layout(NamedConstant):  # noqa: N801 - PyTorch's class name (torch.layout)
    """A tensor layout, as ``torch.layout``: deltanet has one, ``dn.strided`` (dense, with strides).

    Args:
        name: the layout's name (``"strided"``).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2).layout is dn.strided
        True
    """

    __slots__ = ()


strided = layout("strided")


def _owner(array: np.ndarray) -> np.ndarray:
    """The array at the end of ``array``'s ``.base`` chain: the one that owns the memory."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _lowest_address(owner: np.ndarray) -> int:
    start = int(owner.__array_interface__["data"][0])
    return start + sum((n - 1) * s for n, s in zip(owner.shape, owner.strides, strict=True) if s < 0)


class UntypedStorage:
    """The memory a tensor views, as bytes (PyTorch's ``torch.UntypedStorage``, read side).

    Args:
        owner: the NumPy array that owns the memory.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(3)
        >>> s = x[1:].untyped_storage()
        >>> s.nbytes(), s.data_ptr() == x.data_ptr()
        (12, True)
    """

    __slots__ = ("_owner",)

    def __init__(self, owner: np.ndarray) -> None:
        self._owner = owner

    def data_ptr(self) -> int:
        """The address of the memory's first byte."""
        return _lowest_address(self._owner)

    def nbytes(self) -> int:
        """The memory's size in bytes."""
        return int(self._owner.nbytes)

    def size(self) -> int:
        """The memory's size in bytes (PyTorch's ``UntypedStorage.size()``)."""
        return self.nbytes()

    def __len__(self) -> int:
        return self.nbytes()

    def element_size(self) -> int:
        """1: an untyped storage counts bytes."""
        return 1

    @property
    def device(self) -> backend.device:
        """Always ``dn.device("cpu")``."""
        return backend.CPU

    def tolist(self) -> list[int]:
        """The bytes, as ints in [0, 255], in memory order."""
        return self._bytes().view(np.uint8).tolist()

    def _bytes(self) -> np.ndarray:
        """The owner's elements in memory order (a 1-D array)."""
        return np.ravel(self._owner, order="K")

    def __repr__(self) -> str:
        return f"deltanet.UntypedStorage of {self.nbytes()} bytes at {self.data_ptr():#x}"


class TypedStorage(UntypedStorage):
    """The memory a tensor views, read as the tensor's dtype (PyTorch's deprecated ``TypedStorage``).

    Args:
        owner: the NumPy array that owns the memory.
        dtype: the dtype the bytes are read as.

    Examples:
        >>> import warnings, deltanet as dn
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     dn.arange(4.0)[2:].storage().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """

    __slots__ = ("dtype",)

    def __init__(self, owner: np.ndarray, dtype: np.dtype) -> None:
        super().__init__(owner)
        self.dtype = dtype

    def size(self) -> int:
        """The number of elements of ``dtype`` the memory holds."""
        return self.nbytes() // self.dtype.itemsize

    def __len__(self) -> int:
        return self.size()

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return int(self.dtype.itemsize)

    def tolist(self) -> list[Any]:  # PyTorch's: the elements, not bytes
        """The elements, in memory order."""
        return self._bytes().view(np.uint8).view(self.dtype).tolist()

    def untyped(self) -> UntypedStorage:
        """The same memory as bytes."""
        return UntypedStorage(self._owner)

    def __repr__(self) -> str:
        return f"deltanet.TypedStorage of {self.size()} {self.dtype} elements at {self.data_ptr():#x}"


def untyped_storage(self: Tensor) -> UntypedStorage:
    """The memory this tensor views, as bytes: the whole memory of the tensor it is a view of
    (``x[1:].untyped_storage().data_ptr() == x.data_ptr()``), as PyTorch's."""
    return UntypedStorage(_owner(self.array))


def storage(self: Tensor) -> TypedStorage:
    """The memory this tensor views, read as its dtype (PyTorch's deprecated ``TypedStorage``, with
    its ``UserWarning``; ``untyped_storage()`` is the current spelling)."""
    warnings.warn(
        "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only "
        "storage class. This should only matter to you if you are using storages directly.  To access "
        "UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
        UserWarning,
        stacklevel=2,
    )
    return TypedStorage(_owner(self.array), self.array.dtype)


def get_device(self: Tensor) -> int:
    """-1: PyTorch's device index of a CPU tensor (deltanet computes on the CPU)."""
    return -1


def is_sparse(self: Tensor) -> bool:
    """False: deltanet tensors are dense."""
    return False


def tensor_layout(self: Tensor) -> layout:
    """``dn.strided``: deltanet tensors are dense NumPy arrays with strides."""
    return strided


def is_pinned(self: Tensor) -> bool:
    """False: no deltanet tensor lives in page-locked memory (there is no GPU to copy to)."""
    return False


def is_shared(self: Tensor) -> bool:
    """False: deltanet tensors are not in memory shared between processes (``share_memory_``)."""
    return False


def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Refused with PyTorch's own error on a machine without a GPU: page-locked memory is for copies
    to an accelerator, and deltanet has none."""
    raise RuntimeError(
        "Cannot access accelerator device when none is available. (pin_memory: deltanet computes on the "
        "CPU and has no page-locked memory; leave the tensor as it is)"
    )


def share_memory_(self: Tensor) -> Tensor:
    """Refused: PyTorch moves the storage into memory other processes can map and returns the tensor;
    a deltanet tensor is a NumPy array in this process's memory, which no other process sees
    (``dn.multiprocessing.spawn`` runs separate MPI ranks), so answering as PyTorch would be a lie."""
    raise RuntimeError(
        "share_memory_(): deltanet tensors are NumPy arrays in this process's memory and cannot be shared "
        "with other processes (PyTorch's Hogwild-style training does not port); send tensors between "
        "ranks with dn.distributed instead"
    )


def is_not_special(self: Tensor) -> bool:
    """False: deltanet tensors are not meta, quantized or MKL-DNN tensors (``is_meta``, ``is_quantized``,
    ``is_mkldnn``)."""
    return False


def is_signed(self: Tensor) -> bool:
    """Whether the dtype holds negative numbers: True for floating-point and signed integer
    dtypes, False for ``uint8`` and ``bool``, as PyTorch's."""
    return self.array.dtype.kind in "fic"


def to_dense(self: Tensor, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
    """The tensor itself (it is dense already, as PyTorch's ``to_dense`` of a strided tensor), or
    converted to ``dtype``."""
    return self if dtype is None else self.to(dtype)


def is_inference(self: Tensor) -> bool:
    """Refused: deltanet's ``inference_mode`` is ``no_grad`` and marks no tensor, so it cannot say
    whether PyTorch would call this one an inference tensor."""
    raise RuntimeError(
        "is_inference(): deltanet tensors carry no inference mark (inference_mode is no_grad here); "
        "test `not t.requires_grad` or `dn.is_inference_mode_enabled()` instead"
    )


def _memory_of(source: Any, owner: str) -> tuple[np.ndarray, int, np.dtype | None]:
    """The owning array of ``source``'s memory, ``source``'s first element's byte offset in it, and
    the dtype it must be read as (None for an untyped storage)."""
    dtype: np.dtype | None
    if isinstance(source, Tensor):
        root, dtype = _owner(source.array), source.array.dtype
        start = int(source.array.__array_interface__["data"][0])
    elif isinstance(source, UntypedStorage):
        root, dtype = source._owner, getattr(source, "dtype", None)
        start = _lowest_address(root)
    else:
        raise TypeError(f"{owner}: source must be a Tensor or a storage, got {type(source).__name__}")
    if not root.flags.c_contiguous:
        raise RuntimeError(
            f"{owner}: the source's memory is not one block (an expand() or as_strided() result repeats "
            "elements); clone() it first"
        )
    return root, start - _lowest_address(root), dtype


def _ints(value: Any, name: str, owner: str) -> tuple[int, ...]:
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in items):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of ints, got {value!r}")
    return tuple(int(n) for n in items)


def set_(self: Tensor, source: Any = None, storage_offset: Any = None, size: Any = None, stride: Any = None) -> Tensor:
    """Make this tensor view other memory, as PyTorch's ``set_``: ``set_(t)`` shares ``t``'s memory,
    shape and strides; ``set_(t, storage_offset, size, stride=None)`` views ``size`` elements of it
    from ``storage_offset`` elements after ``t``'s first (contiguous strides by default); a storage
    in place of ``t`` is read from its start; ``set_()`` leaves an empty tensor.

    PyTorch's errors: another dtype (RuntimeError), a leaf that requires grad (RuntimeError).
    deltanet also refuses a tensor that requires grad in any other way, or a source that requires
    grad (it records no history for ``set_``; ``detach()`` first), and elements outside the memory
    (PyTorch grows the storage with uninitialised values).
    """
    owner = "set_"
    if is_grad_enabled():
        if self.requires_grad and self._ctx is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if self.requires_grad or (isinstance(source, Tensor) and source.requires_grad):
            raise RuntimeError(
                f"{owner}: deltanet records no history for set_ on tensors that require grad; "
                "detach() them first, or call it inside no_grad()"
            )
    dtype = self.array.dtype
    if source is None:
        if storage_offset is not None or size is not None or stride is not None:
            raise TypeError(f"{owner}: storage_offset, size and stride need a source")
        array = np.empty((0,), dtype)
    else:
        root, start, source_dtype = _memory_of(source, owner)
        if source_dtype is not None and source_dtype != dtype:
            raise RuntimeError(f"Could not set tensor of type {source_dtype} to a tensor of type {dtype}")
        if storage_offset is None and size is None and stride is None:
            if isinstance(source, Tensor):
                array = source.array
            else:
                array = np.ndarray((root.nbytes // dtype.itemsize,), dtype, buffer=root)
        else:
            if storage_offset is None or size is None:
                raise TypeError(f"{owner}: give both storage_offset and size (stride is optional)")
            (offset,) = _ints(storage_offset, "storage_offset", owner)
            shape = _ints(size, "size", owner)
            steps = _ints(stride, "stride", owner) if stride is not None else _contiguous(shape)
            if offset < 0 or min(shape, default=0) < 0 or len(steps) != len(shape):
                raise RuntimeError(
                    f"{owner}: storage_offset must be >= 0 and size and stride of the same length, got "
                    f"{offset}, {shape}, {steps}"
                )
            try:
                array = np.ndarray(
                    shape,
                    dtype,
                    buffer=root,
                    offset=start + offset * dtype.itemsize,
                    strides=tuple(s * dtype.itemsize for s in steps),
                )
            except (TypeError, ValueError) as error:
                raise RuntimeError(f"{owner}: the view reaches past the source's memory ({error})") from None
    count = 0 if self._vc is None else self._vc.count
    old = self.array
    self.array = array
    self._base = None
    self._vc = Version(None)
    self._vc.count = count
    self._vc.reassign(self, old, "set_()")  # a graph that saved the old memory refuses backward()
    inplace.changed_in_place([self])  # PyTorch's set_ bumps the tensor's version
    return self


def _contiguous(shape: tuple[int, ...]) -> tuple[int, ...]:
    steps, step = [], 1
    for n in reversed(shape):
        steps.append(step)
        step *= max(n, 1)
    return tuple(reversed(steps))
