"""``Tensor``: an array, the gradient of the loss with respect to it, and the function that made it.

A tensor is a leaf when it was created by the user (data, parameters) and an interior node when
a recorded ``Function`` produced it (``_ctx``). This file holds what a tensor *is* (its array,
gradient, history, version, the Python protocols); what can be *computed* from it (operators,
reductions, shape methods, in-place updates) lives with the primitive ops, and
``deltanet.autograd.methods`` installs it here, as Chainer's ``install_variable_arithmetics`` does,
so that this file never imports the ops that import it. The ``TYPE_CHECKING`` block at the end of
the class declares those methods for the type checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deltanet import backend
from deltanet.autograd.versions import Version


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``.data`` holds the array, ``.grad`` the gradient of the loss with respect to it (a ``Tensor``
    of the same shape and dtype, as in PyTorch) once ``backward()`` has run, and each operator
    (``+``, ``*``, ``@``, ``sum``, ...) records the primitive that made its result, so that
    ``backward()`` can walk back through them.

    ``Tensor(data)`` shares ``data`` when it is already a NumPy array; ``dn.tensor(data)`` copies,
    as ``torch.tensor`` does.

    Args:
        data: array-like; Python floats become float32, NumPy float arrays keep their dtype.
        requires_grad: whether backward() should compute ``.grad`` for this tensor.
        dtype: optional dtype to convert ``data`` to.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("data", "_grad", "_requires_grad", "_ctx", "_base", "_vc", "__weakref__")
    data: np.ndarray
    _grad: Tensor | None  # read and set through the ``grad`` property
    _requires_grad: bool  # read and set through the ``requires_grad`` property
    _ctx: Any  # the Function that made this tensor (None for a leaf or without grad)
    _base: Tensor | None  # the tensor whose memory this one views (PyTorch's ``_base``), or None
    _vc: Version | None  # the version counter, shared with views; made on first need
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__, not ndarray.__add__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise ValueError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self._grad = None
        self._requires_grad = bool(requires_grad)
        self._ctx = None
        self._base = None
        self._vc = None

    # -- array facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``data`` (a NumPy dtype: ``x.dtype == dn.float32``)."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    def dim(self) -> int:
        """The number of axes (PyTorch's spelling of ``ndim``)."""
        return self.data.ndim

    def ndimension(self) -> int:
        """The number of axes (PyTorch's older spelling of ``dim()``)."""
        return self.data.ndim

    @property
    def size(self) -> _Size:
        """The number of elements (NumPy's ``size``), callable as PyTorch's ``size()``.

        ``t.size`` is an int; ``t.size()`` is the shape and ``t.size(d)`` the length of axis ``d``,
        so both NumPy-style and PyTorch-style code read it correctly.
        """
        return _Size(self.data.shape)

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one."""
        return self.data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        """Whether ``data`` is laid out in C order without gaps."""
        return bool(self.data.flags.c_contiguous)

    @property
    def device(self) -> backend.device:
        """Where the data lives: always ``dn.device("cpu")``."""
        return backend.CPU

    @property
    def is_cuda(self) -> bool:
        """False: deltanet computes on the CPU."""
        return False

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded function made this tensor (data, parameters)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The recorded ``Function`` that made this tensor, or None for a leaf."""
        return self._ctx

    @property
    def grad(self) -> Tensor | None:
        """The gradient that ``backward()`` accumulated here: a ``Tensor`` of this tensor's shape and
        dtype, or None before any backward pass (and after ``zero_grad``).

        Assigning None forgets it; assigning a ``Tensor`` of the same shape and dtype keeps that
        tensor, as PyTorch does; assigning an array-like wraps it in a new ``Tensor`` converted to
        this tensor's dtype (so code that set ``p.grad = numpy_array`` keeps working).
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        if isinstance(value, Tensor):
            if value.data.dtype != self.data.dtype:
                raise ValueError(
                    f"grad must have this tensor's dtype {self.data.dtype}, got a tensor of dtype {value.data.dtype}"
                )
            grad = value
        else:
            grad = Tensor(np.asarray(value, dtype=self.data.dtype))
        if grad.data.shape != self.data.shape:
            raise ValueError(f"grad must have this tensor's shape {self.data.shape}, got shape {grad.data.shape}")
        self._grad = grad

    @property
    def _version(self) -> int:
        """How many in-place operations changed this tensor's memory (PyTorch's ``_version``)."""
        return 0 if self._vc is None else self._vc.count

    def _shared_version(self) -> Version:
        """The version counter of this tensor's memory, made now if nothing needed it before."""
        vc = self._vc
        if vc is None:
            vc = self._vc = Version(self._ctx)
        return vc

    # -- gradient bookkeeping ----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether ``backward()`` computes a gradient for this tensor (and for what is computed from it).

        Assigning it checks the value as ``requires_grad_`` does, and as PyTorch checks it: only
        True or False, only a floating-point tensor can require a gradient, and a computed tensor
        cannot be switched off (``detach()`` it instead). Otherwise an integer tensor would receive
        gradients rounded to integers, and a switched-off computed tensor would silently cut its
        inputs out of ``backward()``.

        Examples:
            >>> import deltanet as dn
            >>> w = dn.tensor([1.0, 2.0])
            >>> w.requires_grad = True
            >>> (w * w).sum().requires_grad
            True
            >>> try:
            ...     dn.tensor([1, 2]).requires_grad = True
            ... except ValueError as error:
            ...     print(error)
            only floating-point tensors can require gradients, got dtype int64
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "requires_grad")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking of this leaf on (or off) in place; returns the tensor itself."""
        self._set_requires_grad(requires_grad, "requires_grad_: requires_grad")
        return self

    def _set_requires_grad(self, requires_grad: Any, name: str) -> None:
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {requires_grad!r}")
        if requires_grad and self.data.dtype.kind != "f":
            raise ValueError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        if self._ctx is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; to use a computed tensor "
                "without its history, take t.detach()"
            )
        self._requires_grad = bool(requires_grad)

    def detach(self) -> Tensor:
        """A new leaf that shares this tensor's memory (and version counter), cut from the graph."""
        out = Tensor.__new__(Tensor)
        out.data = self.data
        out._grad = None
        out._requires_grad = False
        out._ctx = None
        out._base = None
        out._vc = self._shared_version()
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that requires no gradient."""
        self._ctx = None
        self._requires_grad = False
        return self

    # -- Python and NumPy protocols ----------------------------------------------------------
    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Any:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __contains__(self, element: Any) -> bool:
        value = element.data if isinstance(element, Tensor) else element
        return bool((self.data == value).any())

    __hash__ = object.__hash__  # by identity: tensors are dict keys (optimizer state) and set members

    def _one_value(self, what: str) -> Any:
        if self.data.size != 1:
            raise ValueError(f"{what} needs a tensor with exactly one element, got shape {self.data.shape}")
        return self.data.reshape(()).item()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                f"use (t == x).all() or (t == x).any()"
            )
        return bool(self.data.reshape(()).item())

    def __float__(self) -> float:
        return float(self._one_value("float()"))

    def __int__(self) -> int:
        return int(self._one_value("int()"))

    def __index__(self) -> int:
        if self.data.size != 1 or self.data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data.reshape(()).item())

    def __format__(self, spec: str) -> str:
        if self.data.ndim == 0 or (spec and self.data.size == 1):
            return format(self.data.reshape(()).item(), spec)
        if spec:
            raise TypeError(f"format spec {spec!r} needs a one-element tensor, got shape {self.data.shape}")
        return repr(self)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        return (
            f"tensor({body}{grad})"
            if self.data.dtype == backend.DEFAULT_DTYPE
            else (f"tensor({body}, dtype={self.data.dtype}{grad})")
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy meets a Tensor: ``array + t`` is a recorded Tensor operation (``t.__radd__``);
        ``array -= t`` writes into the array (as ``p.data -= lr * p.grad`` in PyTorch);
        any other ufunc (``np.exp(t)``, ``np.isfinite(t)``) computes on ``t.data`` and gives an array."""
        if kwargs.get("out") is not None:
            if any(isinstance(o, Tensor) for o in kwargs["out"]):
                return NotImplemented  # a Tensor is written through its own in-place methods
        elif method == "__call__" and len(inputs) == 2 and not kwargs and inputs[1] is self:
            reflected = _REFLECTED.get(ufunc)
            if reflected is not None and not isinstance(inputs[0], Tensor):
                return getattr(self, reflected)(inputs[0])
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)

    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied).

        Args:
            force: accepted for PyTorch's signature; the array is always shared.
        """
        return self.data

    def item(self, *index: Any) -> Any:
        """The value of a one-element tensor (or of the element at ``index``) as a Python number."""
        if index:
            return self.data.item(*index)
        return self._one_value("item()")

    def tolist(self) -> Any:
        """The values as nested Python lists of Python numbers (a number for a 0-d tensor)."""
        return self.data.tolist()

    # -- computed methods and operators: installed by deltanet.autograd.methods (see the module
    # docstring and METHODS there); declared here for the type checker only.
    if TYPE_CHECKING:

        def backward(self, gradient: Any = None, retain_graph: Any = False) -> None: ...
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __pow__(self, exponent: Any) -> Tensor: ...
        def __rpow__(self, base: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __eq__(self, other: Any) -> Any: ...
        def __ne__(self, other: Any) -> Any: ...
        def __lt__(self, other: Any) -> Any: ...
        def __le__(self, other: Any) -> Any: ...
        def __gt__(self, other: Any) -> Any: ...
        def __ge__(self, other: Any) -> Any: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...
        def __ipow__(self, other: Any) -> Tensor: ...
        def __iand__(self, other: Any) -> Tensor: ...
        def __ior__(self, other: Any) -> Tensor: ...
        def __ixor__(self, other: Any) -> Tensor: ...
        def add_(self, other: Any, *, alpha: Any = 1) -> Tensor: ...
        def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor: ...
        def mul_(self, other: Any) -> Tensor: ...
        def div_(self, other: Any) -> Tensor: ...
        def pow_(self, exponent: Any) -> Tensor: ...
        def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor: ...
        def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor: ...
        def clamp_(self, min: Any = None, max: Any = None) -> Tensor: ...
        def relu_(self) -> Tensor: ...
        def exp_(self) -> Tensor: ...
        def log_(self) -> Tensor: ...
        def sqrt_(self) -> Tensor: ...
        def sigmoid_(self) -> Tensor: ...
        def tanh_(self) -> Tensor: ...
        def sin_(self) -> Tensor: ...
        def cos_(self) -> Tensor: ...
        def abs_(self) -> Tensor: ...
        def neg_(self) -> Tensor: ...
        def copy_(self, src: Any, non_blocking: Any = False) -> Tensor: ...
        def fill_(self, value: Any) -> Tensor: ...
        def zero_(self) -> Tensor: ...
        def masked_fill_(self, mask: Any, value: Any) -> Tensor: ...
        def uniform_(self, a: Any = 0.0, b: Any = 1.0, *, generator: Any = None) -> Tensor: ...
        def normal_(self, mean: Any = 0.0, std: Any = 1.0, *, generator: Any = None) -> Tensor: ...
        def add(self, other: Any, *, alpha: Any = 1) -> Tensor: ...
        def sub(self, other: Any, *, alpha: Any = 1) -> Tensor: ...
        def mul(self, other: Any) -> Tensor: ...
        def div(self, other: Any) -> Tensor: ...
        def floor_divide(self, other: Any) -> Tensor: ...
        def remainder(self, other: Any) -> Tensor: ...
        def neg(self) -> Tensor: ...
        def pow(self, exponent: Any) -> Tensor: ...
        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def sin(self) -> Tensor: ...
        def cos(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def square(self) -> Tensor: ...
        def clamp(self, min: Any = None, max: Any = None) -> Tensor: ...
        def clip(self, min: Any = None, max: Any = None) -> Tensor: ...
        def maximum(self, other: Any) -> Tensor: ...
        def minimum(self, other: Any) -> Tensor: ...
        def masked_fill(self, mask: Any, value: Any) -> Tensor: ...
        def nonzero(self, *, as_tuple: bool = False) -> Any: ...
        def matmul(self, other: Any) -> Tensor: ...
        def mm(self, mat2: Any) -> Tensor: ...
        def bmm(self, mat2: Any) -> Tensor: ...
        def dot(self, other: Any) -> Tensor: ...
        def eq(self, other: Any) -> Tensor: ...
        def ne(self, other: Any) -> Tensor: ...
        def lt(self, other: Any) -> Tensor: ...
        def le(self, other: Any) -> Tensor: ...
        def gt(self, other: Any) -> Tensor: ...
        def ge(self, other: Any) -> Tensor: ...
        def logical_and(self, other: Any) -> Tensor: ...
        def logical_or(self, other: Any) -> Tensor: ...
        def logical_xor(self, other: Any) -> Tensor: ...
        def logical_not(self) -> Tensor: ...
        def any(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def all(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def isnan(self) -> Tensor: ...
        def isinf(self) -> Tensor: ...
        def isfinite(self) -> Tensor: ...
        def allclose(self, other: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: Any = False) -> bool: ...
        def equal(self, other: Any) -> bool: ...
        def sum(
            self, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
        ) -> Tensor: ...
        def mean(
            self, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
        ) -> Tensor: ...
        def prod(
            self, dim: Any = None, keepdim: Any = None, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
        ) -> Tensor: ...
        def max(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any: ...
        def min(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any: ...
        def amax(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def amin(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def argmax(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def argmin(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Tensor: ...
        def var(
            self,
            dim: Any = None,
            unbiased: Any = None,
            keepdim: Any = None,
            *,
            correction: Any = None,
            axis: Any = None,
            keepdims: Any = None,
        ) -> Tensor: ...
        def std(
            self,
            dim: Any = None,
            unbiased: Any = None,
            keepdim: Any = None,
            *,
            correction: Any = None,
            axis: Any = None,
            keepdims: Any = None,
        ) -> Tensor: ...
        def norm(
            self, p: Any = "fro", dim: Any = None, keepdim: Any = None, dtype: Any = None, *, axis: Any = None
        ) -> Tensor: ...
        def softmax(self, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor: ...
        def log_softmax(self, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor: ...
        def logsumexp(
            self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
        ) -> Tensor: ...
        def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any: ...
        def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor: ...
        def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any: ...
        def flip(self, *dims: Any, **kwargs: Any) -> Tensor: ...
        def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor: ...
        def unique(
            self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
        ) -> Any: ...
        def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor: ...
        def count_nonzero(self, dim: Any = None) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def view(self, *shape: Any) -> Tensor: ...
        def view_as(self, other: Any) -> Tensor: ...
        def flatten(self, start_dim: Any = 0, end_dim: Any = -1) -> Tensor: ...
        def unsqueeze(self, dim: Any) -> Tensor: ...
        def squeeze(self, dim: Any = None) -> Tensor: ...
        def permute(self, *dims: Any) -> Tensor: ...
        def transpose(self, *dims: Any) -> Tensor: ...
        def t(self) -> Tensor: ...
        @property
        def T(self) -> Tensor: ...
        def expand(self, *sizes: Any) -> Tensor: ...
        def expand_as(self, other: Any) -> Tensor: ...
        def repeat(self, *repeats: Any) -> Tensor: ...
        def contiguous(self) -> Tensor: ...
        def clone(self) -> Tensor: ...
        def chunk(self, chunks: Any, dim: Any = 0) -> tuple[Tensor, ...]: ...
        def split(self, split_size_or_sections: Any, dim: Any = 0) -> tuple[Tensor, ...]: ...
        def unbind(self, dim: Any = 0) -> tuple[Tensor, ...]: ...
        def index_select(self, dim: Any, index: Any) -> Tensor: ...
        def gather(self, dim: Any, index: Any) -> Tensor: ...
        def new_zeros(
            self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: Any = False
        ) -> Tensor: ...
        def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: Any = False) -> Tensor: ...
        def new_empty(
            self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: Any = False
        ) -> Tensor: ...
        def new_full(
            self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: Any = False
        ) -> Tensor: ...
        def new_tensor(
            self, data: Any, dtype: Any = None, device: Any = None, requires_grad: Any = False
        ) -> Tensor: ...
        def to(self, *args: Any, **kwargs: Any) -> Tensor: ...
        def float(self) -> Tensor: ...
        def double(self) -> Tensor: ...
        def long(self) -> Tensor: ...
        def int(self) -> Tensor: ...
        def bool(self) -> Tensor: ...
        def half(self) -> Tensor: ...
        def type(self, dtype: Any = None) -> Any: ...
        def type_as(self, other: Any) -> Tensor: ...
        def cpu(self) -> Tensor: ...
        def cuda(self, device: Any = None, non_blocking: Any = False) -> Tensor: ...


def leaf(data: np.ndarray) -> Tensor:
    """A leaf tensor around ``data`` as it is (no copy, no dtype policy): for arrays the library made
    or vetted itself, where the ``Tensor`` constructor's checks would only cost time."""
    t = Tensor.__new__(Tensor)
    t.data = data
    t._grad = None
    t._requires_grad = False
    t._ctx = None
    t._base = None
    t._vc = None
    return t


class _Size(int):
    """The number of elements (an int, NumPy's ``size``) that PyTorch code can call as ``size()``."""

    def __new__(cls, shape: tuple[int, ...]) -> _Size:
        count = 1
        for n in shape:
            count *= n
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    shape: tuple[int, ...]

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise ValueError(f"size(dim): dim must be an integer, got {dim!r}")
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size(dim): dim {dim} is out of range for a tensor of {len(self.shape)} dimensions")
        return self.shape[dim]


# ``array OP tensor``: the tensor's reflected operator, so that the result is a (recorded) Tensor.
_REFLECTED = {
    np.add: "__radd__",
    np.subtract: "__rsub__",
    np.multiply: "__rmul__",
    np.true_divide: "__rtruediv__",
    np.floor_divide: "__rfloordiv__",
    np.remainder: "__rmod__",
    np.power: "__rpow__",
    np.matmul: "__rmatmul__",
    np.equal: "__eq__",
    np.not_equal: "__ne__",
    np.less: "__gt__",
    np.less_equal: "__ge__",
    np.greater: "__lt__",
    np.greater_equal: "__le__",
    np.bitwise_and: "__and__",
    np.bitwise_or: "__or__",
    np.bitwise_xor: "__xor__",
}
