r"""PyTorch's NumPy-style names for making and flattening tensors: ``asarray`` and ``ravel``."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.factories import as_tensor
from deltanet.autograd.shapes import clone, flatten
from deltanet.autograd.tensor import Tensor


def ravel(input: Tensor) -> Tensor:
    r"""The elements of ``input`` in one axis, in row-major order (a view where the layout allows),
    as ``flatten(input)``; a 0-d tensor gives one element.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.ravel(dn.tensor([[1, 2], [3, 4]])).tolist()
        [1, 2, 3, 4]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"ravel(): input must be a tensor, got {type(input).__name__}")
    return flatten(input)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: Any = None, requires_grad: Any = None) -> Tensor:
    r"""A tensor of ``obj`` that shares its memory where it can, as PyTorch's ``asarray``.

    A tensor of the requested dtype is returned as it is, and a NumPy array is shared (a change
    through one shows in the other), unless ``copy=True``; ``copy=False`` refuses a conversion
    that needs a copy. Lists and numbers follow the dtype policy (floats become float32, integers
    int64).

    Args:
        obj: a tensor, a NumPy array, a (nested) list or a number.
        dtype: the dtype of the result (``obj``'s by default).
        device: only ``"cpu"`` (or None).
        copy: True (always copy), False (never: raise if a copy is needed) or None (copy only if needed).
        requires_grad: True makes the result a leaf that requires grad; None keeps a tensor's flag
            (False for other data), as PyTorch 2.13.

    Raises:
        ValueError: ``copy=False`` where a copy is needed, or a bad flag.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = np.zeros(3)
        >>> t = dn.asarray(a)
        >>> t[0] = 5.0
        >>> float(a[0]), t.dtype
        (5.0, dtype('float64'))
    """
    backend.check_device(device)
    if copy is not None:
        copy = check.flag(copy, "copy", "asarray")
    wanted = None if dtype is None else backend.resolve_dtype(dtype, "asarray")
    if isinstance(obj, Tensor):
        source_dtype, shares = obj.array.dtype, True
    elif isinstance(obj, np.ndarray):
        source_dtype, shares = obj.dtype, True
    else:
        source_dtype, shares = None, False
    converts = wanted is not None and source_dtype is not None and wanted != source_dtype
    if copy is False and (converts or not shares):
        what = f"dtype {source_dtype} to {wanted}" if converts else f"a {type(obj).__name__}"
        raise ValueError(f"asarray(): copy=False, but converting {what} needs a copy; pass copy=None or True")
    if isinstance(obj, Tensor) and not converts:
        result = clone(obj) if copy else obj
    elif copy and isinstance(obj, np.ndarray):
        result = as_tensor(obj.copy(), dtype=wanted, owner="asarray")
    else:
        result = as_tensor(obj, dtype=wanted, owner="asarray")
    if requires_grad is None:
        return result
    if not check.flag(requires_grad, "requires_grad", "asarray"):
        return result.detach() if result.requires_grad else result
    if result.array.dtype.kind != "f":
        raise ValueError(f"asarray(): only floating-point tensors can require gradients, got dtype {result.dtype}")
    if result.requires_grad:
        return result
    return (result.detach() if result is obj else result).requires_grad_(True)
