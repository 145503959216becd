"""``Function``: one differentiable primitive, its forward and backward side by side.

A subclass writes ``forward(self, *arrays, **options)`` on raw arrays and returns the output array,
and ``backward(self, delta)`` that receives dL/d(output) and returns dL/d(input) for each tensor
input (``None`` where an input needs no gradient). Whatever backward needs, forward keeps with
``save_for_backward`` or as attributes; nothing else of the forward pass survives. Calling
``MyFunction.apply(*tensors, **options)`` runs forward and, when a gradient is wanted, records the
function as the creator of its output so that the engine can walk back through it.

``needs_input_grad[i]`` is known before forward runs, so forward can skip saving what no gradient
will use (the input of the first layer, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

import numpy as np

from deltanet.autograd.tensor import Tensor


class _GradMode:
    enabled = True


# Functions are numbered as they are created: a function's inputs always come from functions
# created before it, so decreasing numbers are a topological order for the backward pass.
_sequence = count()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backpropagation.

    Returns:
        False inside a ``no_grad`` block, True otherwise.

    Examples:
        >>> import deltanet as dn
        >>> dn.autograd.is_grad_enabled()
        True
        >>> with dn.no_grad():
        ...     dn.autograd.is_grad_enabled()
        False
    """
    return _GradMode.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager in which no graph is recorded: inference and parameter updates.

    Results computed inside do not require a gradient, and nothing is kept for ``backward``.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> with dn.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """
    previous = _GradMode.enabled
    _GradMode.enabled = False
    try:
        yield
    finally:
        _GradMode.enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Context manager that records the graph again inside a ``no_grad`` block.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> with dn.no_grad():
        ...     with dn.autograd.enable_grad():
        ...         y = w * 2
        >>> y.requires_grad
        True
    """
    previous = _GradMode.enabled
    _GradMode.enabled = True
    try:
        yield
    finally:
        _GradMode.enabled = previous


class Function:
    r"""Base class of every differentiable primitive: ``forward`` and ``backward`` side by side.

    A subclass writes ``forward`` on raw arrays and ``backward(delta)``, which receives
    $\delta = \partial L / \partial z$ for the output $z$ and returns
    $\partial L / \partial x$ for each input $x$ (``None`` where no gradient is needed).
    ``apply`` runs it on tensors and records it in the graph (see the module docstring).

    Examples:
        >>> import deltanet as dn
        >>> class Square(dn.autograd.Function):
        ...     def forward(self, x):
        ...         self.save_for_backward(x)
        ...         return x * x
        ...     def backward(self, delta):
        ...         (x,) = self.saved_tensors
        ...         return delta * 2 * x
        >>> x = dn.tensor([1.0, 3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad
        tensor([2., 6.])
    """

    __slots__ = ("parents", "needs_input_grad", "saved_tensors", "seq", "delta", "__dict__")
    # Filled in by apply (and save_for_backward); declared here for the type checker only.
    parents: tuple[Tensor, ...] | None  # None once backward has freed the graph
    needs_input_grad: tuple[bool, ...]
    saved_tensors: tuple[Any, ...]
    seq: int
    delta: Any

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep the arrays that ``backward`` needs, and only those."""
        self.saved_tensors = arrays

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        """The output array from the input arrays (NumPy in, NumPy out); saves what backward needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, delta: Any) -> Any:  # pragma: no cover - abstract
        r"""One gradient per tensor input from $\delta = \partial L / \partial \text{output}$ (None
        where ``needs_input_grad`` is False); never writes into ``delta``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    @classmethod
    def apply(cls, *inputs: Tensor, **options: Any) -> Tensor:
        """Run ``forward`` on the inputs' arrays and record the graph edge when needed."""
        fn = cls.__new__(cls)
        needs = tuple([t.requires_grad for t in inputs])
        record = _GradMode.enabled and True in needs
        fn.needs_input_grad = needs if record else (False,) * len(inputs)
        data = fn.forward(*[t.data for t in inputs], **options)
        if type(data) is not np.ndarray:  # NumPy gives scalars for 0-d results; a Tensor holds arrays
            data = np.asarray(data)
        out = Tensor.__new__(Tensor)
        out.data = data
        out._grad = None
        if record:
            fn.parents = inputs
            fn.seq = next(_sequence)
            fn.delta = None
            out.requires_grad = True
            out._ctx = fn
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
