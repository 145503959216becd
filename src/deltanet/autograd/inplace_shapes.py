r"""PyTorch's in-place shape methods: ``t_``, ``transpose_``, ``swapdims_``, ``swapaxes_``,
``unsqueeze_``, ``squeeze_`` and ``resize_``.

They change what a tensor looks like, not its values: the tensor keeps its identity (every name
that refers to it sees the new shape) and views the same memory (``resize_`` to another number
of elements gets new memory, as PyTorch's may). A tensor that requires a gradient is refused,
with PyTorch's message for a leaf and the out-of-place spelling for a computed one: the graph
recorded the shape it had.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks
from deltanet.autograd.function import is_grad_enabled
from deltanet.autograd.tensor import Tensor


def _reshaped(self: Tensor, name: str, view: Callable[[np.ndarray], np.ndarray]) -> Tensor:
    if self._requires_grad and is_grad_enabled():
        if self._ctx is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError(
            f"{name}: deltanet changes the shape of a tensor that requires grad out of place only; "
            f"write x = x.{name[:-1]}(...)"
        )
    self.array = view(self.array)
    return self


def t_(self: Tensor) -> Tensor:
    """In place: ``self = self.t()`` (the transpose of a matrix; a vector stays as it is)."""
    if self.array.ndim > 2:
        raise ValueError(f"t_: expects a tensor of at most 2 dimensions, got shape {self.shape}")
    return _reshaped(self, "t_", lambda a: a.T)


def transpose_(self: Tensor, dim0: Any, dim1: Any) -> Tensor:
    """In place: ``self = self.transpose(dim0, dim1)``."""
    return _reshaped(self, "transpose_", lambda a: np.swapaxes(a, dim0, dim1))


def unsqueeze_(self: Tensor, dim: Any) -> Tensor:
    """In place: ``self = self.unsqueeze(dim)``."""
    d = _checks.integer(dim, "dim", "unsqueeze_", low=-self.array.ndim - 1, high=self.array.ndim)
    return _reshaped(self, "unsqueeze_", lambda a: np.expand_dims(a, d))


def squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    """In place: ``self = self.squeeze(dim)`` (every axis of size 1 when ``dim`` is None)."""

    def squeezed(a: np.ndarray) -> np.ndarray:
        if dim is None:
            return np.squeeze(a)
        axes = dim if isinstance(dim, (tuple, list)) else (dim,)
        return np.squeeze(a, axis=tuple(ax for ax in axes if a.shape[ax] == 1))

    return _reshaped(self, "squeeze_", squeezed)


def resize_(self: Tensor, *sizes: Any) -> Tensor:
    """In place: give the tensor the shape ``sizes``; with as many elements it views the same
    memory (read in C order), else it gets new memory that keeps the first elements (zeros after
    them, where PyTorch leaves them uninitialised)."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    shape = tuple(_checks.integer(n, "size", "resize_", low=0) for n in shape)

    def resized(a: np.ndarray) -> np.ndarray:
        if int(np.prod(shape)) == a.size and a.flags.c_contiguous:
            return a.reshape(shape)
        out = np.zeros(shape, dtype=a.dtype)
        n = min(out.size, a.size)
        out.reshape(-1)[:n] = a.reshape(-1)[:n]
        return out

    return _reshaped(self, "resize_", resized)


swapdims_ = swapaxes_ = transpose_

__all__ = ["resize_", "squeeze_", "swapaxes_", "swapdims_", "t_", "transpose_", "unsqueeze_"]
