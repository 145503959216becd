"""Module hooks, as in PyTorch: functions called around a module's ``forward`` and its backward pass.

``register_forward_pre_hook(hook)``: ``hook(module, args)`` runs before ``forward`` and may
return new positional arguments (a tuple, or one value). ``register_forward_hook(hook)``:
``hook(module, args, output)`` runs after it and may return a new output: feature extraction keeps
``output.detach()`` in a dict. ``register_full_backward_hook(hook)``: ``hook(module, grad_input,
grad_output)`` runs when the gradients with respect to the module's tensor input have been
computed, and may return a new ``grad_input`` (gradient clipping, printing).

The backward hook works as PyTorch's does: the output (and the input) pass through an identity
``Function`` whose backward sees the gradient going through it. ``grad_output`` is seen first (the
output's identity runs first in the backward pass), then ``grad_input``, and the hook runs; when
the input needs no gradient (the data going into the first layer), the hook runs at once with
``grad_input = (None,)``. It supports modules called with one tensor and returning one tensor, the
layers of nearly every model; others raise a clear error.

Each ``register_*`` returns a ``RemovableHandle``; ``handle.remove()`` takes the hook away.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd import Function, Tensor, no_grad
from deltanet.autograd.hooks import RemovableHandle, add

KINDS = ("forward_pre", "forward", "backward_pre", "backward")


class _WithKwargs:
    """A forward (pre) hook registered with ``with_kwargs=True``: it also receives the keyword arguments."""

    def __init__(self, hook: Callable[..., Any]) -> None:
        self.hook = hook

    def __call__(self, *args: Any) -> Any:
        return self.hook(*args)


def register(
    module: Any, kind: str, hook: Callable[..., Any], prepend: bool = False, with_kwargs: bool = False
) -> RemovableHandle:
    """Add ``hook`` to ``module``'s hooks of ``kind`` (one of ``KINDS``) and return its handle."""
    table = module.__dict__.get("_hooks")
    if table is None:
        table = {k: OrderedDict() for k in KINDS}
        object.__setattr__(module, "_hooks", table)
    if with_kwargs and callable(hook):
        hook = _WithKwargs(hook)
    return add(table[kind], hook, prepend)


def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module.forward(*args, **kwargs)`` with its hooks around it."""
    table = module.__dict__["_hooks"]
    for hook in list(table["forward_pre"].values()):
        if isinstance(hook, _WithKwargs):
            new = hook(module, args, kwargs)
            if new is not None:
                if not (isinstance(new, tuple) and len(new) == 2 and isinstance(new[1], dict)):
                    raise RuntimeError(
                        f"forward pre-hook with kwargs of {type(module).__name__} must return None or "
                        f"(args, kwargs), got {type(new).__name__}"
                    )
                args, kwargs = new
                args = args if isinstance(args, tuple) else (args,)
            continue
        new = hook(module, args)
        if new is not None:
            args = new if isinstance(new, tuple) else (new,)
    pending = None
    if table["backward"] or table["backward_pre"]:
        pending = _Pending(module, args)
        args = pending.wrap_input(args)
    output = module.forward(*args, **kwargs)
    for hook in list(table["forward"].values()):
        new = hook(module, args, kwargs, output) if isinstance(hook, _WithKwargs) else hook(module, args, output)
        if new is not None:
            output = new
    if pending is not None:
        output = pending.wrap_output(output)
    return output


class _Pending:
    """One call of a module with backward hooks: what its backward pass has seen so far."""

    def __init__(self, module: Any, args: tuple[Any, ...]) -> None:
        self.module = module
        self.grad_output: np.ndarray | None = None
        self.input_recorded = False
        tensors = [a for a in args if isinstance(a, Tensor)]
        if len(tensors) != 1:
            raise NotImplementedError(
                f"{type(module).__name__}: deltanet's full backward hooks support a module called with one "
                f"tensor, got {len(tensors)}; register the hook on a sub-module that takes one tensor, or "
                f"use Tensor.register_hook on the inputs"
            )

    def wrap_input(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        for a in args:
            if isinstance(a, Tensor):
                a = _HookInput.apply(a, pending=self)
                self.input_recorded = a.requires_grad
            out.append(a)
        return tuple(out)

    def wrap_output(self, output: Any) -> Any:
        if not isinstance(output, Tensor):
            raise NotImplementedError(
                f"{type(self.module).__name__}: deltanet's full backward hooks support a module that "
                f"returns one tensor, got {type(output).__name__}"
            )
        return _HookOutput.apply(output, pending=self)

    def run_hooks(self, grad_input: np.ndarray | None) -> np.ndarray | None:
        grad_in: tuple[Any, ...] = (None if grad_input is None else Tensor._make(grad_input),)
        grad_out = (Tensor._make(self.grad_output),)
        for hook in list(self.module.__dict__["_hooks"]["backward"].values()):
            with no_grad():
                new = hook(self.module, grad_in, grad_out)
            if new is not None:
                new = new if isinstance(new, tuple) else (new,)
                if len(new) != len(grad_in):
                    raise RuntimeError(
                        f"backward hook of {type(self.module).__name__} returned {len(new)} gradients, "
                        f"expected {len(grad_in)} (one per tensor input)"
                    )
                grad_in = new
        g = grad_in[0]
        return None if g is None else np.asarray(g.array if isinstance(g, Tensor) else g)


class _HookOutput(Function):
    r"""Identity on a hooked module's output, $z = a$: its backward keeps $\delta$ as ``grad_output``."""

    def forward(self, a: np.ndarray, pending: _Pending) -> np.ndarray:
        self.pending = pending
        return a.view()

    def backward(self, delta: np.ndarray) -> np.ndarray:
        pending = self.pending
        module = pending.module
        for hook in list(module.__dict__["_hooks"]["backward_pre"].values()):
            with no_grad():
                new = hook(module, (Tensor._make(delta.copy()),))
            if new is not None:
                g = new[0] if isinstance(new, tuple) else new
                g = np.asarray(g.array if isinstance(g, Tensor) else g)
                if g.shape != delta.shape:
                    raise RuntimeError(
                        f"backward pre-hook of {type(module).__name__} returned a gradient of shape "
                        f"{g.shape}, expected the output's {delta.shape}"
                    )
                delta = g.astype(delta.dtype, copy=False)
        pending.grad_output = delta
        if not pending.input_recorded and module.__dict__["_hooks"]["backward"]:  # no input gradient: now
            pending.run_hooks(None)
        return delta


class _HookInput(Function):
    r"""Identity on a hooked module's input, $z = a$: its backward runs the hooks on $\delta$ and
    passes on the ``grad_input`` they return."""

    def forward(self, a: np.ndarray, pending: _Pending) -> np.ndarray:
        self.pending = pending
        return a.view()

    def backward(self, delta: np.ndarray) -> np.ndarray:
        pending = self.pending
        if pending.grad_output is None:  # the output was not used by the loss: nothing to report
            return delta
        g = pending.run_hooks(delta)
        if g is None:
            return np.zeros_like(delta)
        if g.shape != delta.shape:
            raise RuntimeError(
                f"backward hook of {type(pending.module).__name__} returned a gradient of shape "
                f"{g.shape}, expected the input's {delta.shape}"
            )
        return g.astype(delta.dtype, copy=False)
