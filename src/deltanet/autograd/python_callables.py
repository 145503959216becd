"""``x.apply_(fn)`` and ``x.map_(other, fn)``: a Python callable applied to each element, in place.

As PyTorch's: the callable receives Python numbers (``float`` for a floating-point tensor, ``int``
for an integer one, ``bool`` for a bool one) and must return a real number, which is converted to
the tensor's dtype (``1.7`` into an integer tensor stores 1). Neither is differentiable, so both
refuse a tensor that requires grad, with PyTorch's message. They are slow (one Python call per
element) and meant for small tensors and tests, as PyTorch's documentation says.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from deltanet.autograd import inplace
from deltanet.autograd.tensor import Tensor


def _refuse_grad(owner: str, *tensors: Tensor) -> None:
    if any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Can't call {owner}() on Variable that requires grad. Use var.detach().{owner}() instead.")


def _store(self: Tensor, values: list[Any], owner: str) -> Tensor:
    for v in values:
        if not isinstance(v, (Real, np.number, np.bool_)):
            raise TypeError(f"must be real number, not {type(v).__name__}")
    result = np.array(values).astype(self.array.dtype).reshape(self.array.shape)

    def write() -> None:
        self.array[...] = result

    return inplace._apply(self, (), owner, write, _refused(owner))


def _refused(owner: str) -> Callable[[Tensor], Tensor]:
    def compute(old: Tensor) -> Tensor:
        raise RuntimeError(f"{owner}: not differentiable; call it on a detached tensor, or inside no_grad()")

    return compute


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002 - PyTorch's name
    """In place: each element ``v`` becomes ``callable(v)`` (a Python number; CPU only in PyTorch too).

    Args:
        callable: a function of one Python number returning a real number.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([1.0, 2.0]).apply_(lambda v: v * 10)
        tensor([10., 20.])
    """
    _refuse_grad("apply_", self)
    return _store(self, [callable(v) for v in self.array.ravel().tolist()], "apply_")


def map_(self: Tensor, tensor: Any, callable: Callable[[Any, Any], Any]) -> Tensor:  # noqa: A002
    """In place: each element ``v`` becomes ``callable(v, w)``, ``w`` the element of ``tensor``
    (broadcast to this tensor's shape, of this tensor's dtype) at the same position.

    Args:
        tensor: a tensor of the same dtype that broadcasts to this tensor's shape.
        callable: a function of two Python numbers returning a real number.

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([1.0, 2.0]).map_(dn.tensor([3.0, 4.0]), lambda v, w: v * w)
        tensor([3., 8.])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_: other must be a Tensor, got {type(tensor).__name__}")
    _refuse_grad("map_", self, tensor)
    if tensor.array.dtype != self.array.dtype:
        raise TypeError(f"map_: expected a tensor of dtype {self.array.dtype} for 'other' (got {tensor.array.dtype})")
    try:
        other = np.broadcast_to(tensor.array, self.array.shape)
    except ValueError:
        raise RuntimeError(
            f"map_: the expanded size of the tensor {tuple(self.array.shape)} must match the existing size "
            f"{tuple(tensor.array.shape)}"
        ) from None
    pairs = zip(self.array.ravel().tolist(), other.ravel().tolist(), strict=True)
    return _store(self, [callable(v, w) for v, w in pairs], "map_")
