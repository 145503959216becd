"""Tensor hooks, as in PyTorch: ``t.register_hook(fn)``, ``t.retain_grad()``, and their handles.

``t.register_hook(hook)`` calls ``hook(grad)`` with the gradient of the loss with respect to ``t``
in each backward pass; what it returns (if not None) replaces that gradient for everything
upstream (gradient clipping on one tensor, printing). ``t.retain_grad()`` keeps the gradient of a
non-leaf tensor in its ``.grad``, as a leaf's is kept (after the hooks, as in PyTorch).

A non-leaf's hooks hang on the function that made it (the engine hands that function the summed
gradient of its output); a leaf has no function, so its hooks live in ``leaf_hooks`` and the engine
sums a hooked leaf's gradient over all its uses before running them once, as PyTorch does (a
clamp of the sum is not the sum of the clamps).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd.tensor import Tensor

_ids = itertools.count()


class _LeafHooks:
    """The hooks of leaf tensors, by tensor identity, forgotten when the tensor is (a
    ``WeakKeyDictionary`` would compare tensors with ``==``, which is elementwise)."""

    def __init__(self) -> None:
        self.table: dict[int, tuple[weakref.ref[Tensor], OrderedDict[int, Callable[..., Any]]]] = {}

    def __bool__(self) -> bool:
        return bool(self.table)

    def get(self, t: Tensor) -> OrderedDict[int, Callable[..., Any]] | None:
        entry = self.table.get(id(t))
        return entry[1] if entry is not None and entry[0]() is t else None

    def __contains__(self, t: Tensor) -> bool:
        return self.get(t) is not None

    def __getitem__(self, t: Tensor) -> OrderedDict[int, Callable[..., Any]]:
        hooks = self.get(t)
        if hooks is None:
            raise KeyError("no hooks on this tensor")
        return hooks

    def create(self, t: Tensor) -> OrderedDict[int, Callable[..., Any]]:
        key = id(t)
        hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()

        def forget(ref: weakref.ref[Tensor]) -> None:  # only this entry: the id may be reused since
            if self.table.get(key, (None,))[0] is ref:
                del self.table[key]

        self.table[key] = (weakref.ref(t, forget), hooks)
        return hooks


#: The hooks of leaf tensors (they have no function to hang them on).
leaf_hooks = _LeafHooks()
#: The hooks that run after a leaf's ``.grad`` was accumulated (``register_post_accumulate_grad_hook``).
post_accumulate_hooks = _LeafHooks()


class _Callbacks(threading.local):
    """The callbacks to run when the backward pass now running in this thread has finished
    (``queue_callback``): one list per thread, so that a backward pass in another thread neither
    runs nor drops them."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], Any]] = []


callbacks = _Callbacks()


def queue_callback(callback: Callable[[], Any]) -> None:
    """Run ``callback()`` once at the end of the backward pass now running, after every leaf's
    ``.grad`` has been written (PyTorch's ``Variable._execution_engine.queue_callback``).

    A hook calls it during ``backward()``; ``DistributedDataParallel`` averages the gradients
    this way. The callbacks run after ``loss.backward()`` only: ``autograd.grad`` writes no
    ``.grad`` and drops them.

    Args:
        callback: a function of no arguments.

    Raises:
        TypeError: ``callback`` is not callable.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.hooks import queue_callback
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> _ = w.register_hook(lambda g: queue_callback(lambda: print("done:", w.grad)))
        >>> (w * 3).sum().backward()
        done: tensor([3., 3.])
    """
    if not callable(callback):
        raise TypeError(f"queue_callback: callback must be callable, got {type(callback).__name__}")
    callbacks.queued.append(callback)


def run_queued(run: bool = True) -> None:
    """Run (or, with ``run=False``, drop) the queued callbacks, in the order they were queued."""
    queued = callbacks.queued
    while queued:
        callback = queued.pop(0)
        if run:
            callback()


class RemovableHandle:
    """What ``register_hook`` (and a module's ``register_*_hook``) returns: ``remove()`` takes the
    hook away; ``with handle:`` removes it on leaving the block.

    Args:
        hooks: the ordered dict that holds the hook.
        key: the hook's key in it.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, -2.0], requires_grad=True)
        >>> handle = w.register_hook(lambda grad: grad.clamp(-1.0, 1.0))
        >>> (w * 3).sum().backward()
        >>> w.grad
        tensor([1., 1.])
        >>> handle.remove()
    """

    def __init__(self, hooks: OrderedDict[int, Callable[..., Any]], key: int) -> None:
        self.hooks_dict_ref = hooks
        self.id = key

    def remove(self) -> None:
        """Take the hook away (a second call does nothing)."""
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


def add(hooks: OrderedDict[int, Callable[..., Any]], hook: Any, prepend: bool = False) -> RemovableHandle:
    """Put ``hook`` into ``hooks`` (first when ``prepend``) and return its handle."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    key = next(_ids)
    hooks[key] = hook
    if prepend:
        hooks.move_to_end(key, last=False)
    return RemovableHandle(hooks, key)


def register_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` with this tensor's gradient in each backward pass; a tensor it returns
    replaces the gradient.

    Args:
        hook: a function of the gradient (a ``Tensor``) returning a new gradient or None.

    Returns:
        A handle whose ``remove()`` takes the hook away.

    Raises:
        RuntimeError: this tensor does not require a gradient.
    """
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    fn = self._ctx
    if fn is None:
        table = leaf_hooks.get(self)
        if table is None:
            table = leaf_hooks.create(self)
    else:
        table = fn.__dict__.get("tensor_hooks")
        if table is None:
            table = fn.tensor_hooks = OrderedDict()
        fn.hooked = True
    return add(table, hook)


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call ``hook(tensor)`` after each ``backward()`` has accumulated this leaf's ``.grad`` (as
    PyTorch's, for an optimizer step per parameter inside backward); ``autograd.grad`` does not run it.

    Args:
        hook: a function of the tensor, returning None.

    Returns:
        A handle whose ``remove()`` takes the hook away.

    Raises:
        RuntimeError: the tensor is not a leaf, or does not require a gradient.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> seen = []
        >>> handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
        >>> (w * 3).sum().backward()
        >>> seen
        [[3.0, 3.0]]
    """
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self._ctx is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if leaf_hooks.get(self) is None:
        leaf_hooks.create(self)  # the engine then sums this leaf's gradient before accumulating it
    table = post_accumulate_hooks.get(self)
    if table is None:
        table = post_accumulate_hooks.create(self)
    return add(table, hook)


def run_post_accumulate(leaf: Tensor) -> None:
    """The post-accumulate hooks of ``leaf``, after its ``.grad`` was accumulated."""
    table = post_accumulate_hooks.get(leaf)
    for hook in list(table.values()) if table else ():
        result = hook(leaf)
        if result is not None:
            raise TypeError(f"post accumulate grad hooks should return None, got {type(result).__name__}")


def retain_grad(self: Tensor) -> None:
    """Keep this non-leaf tensor's gradient in ``.grad`` after ``backward`` (a leaf keeps it anyway).

    Raises:
        RuntimeError: this tensor does not require a gradient.
    """
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    fn = self._ctx
    if fn is not None and fn.__dict__.get("retained") is None:
        fn.retained = weakref.ref(self)
        fn.hooked = True


def retains_grad(self: Tensor) -> bool:
    """Whether ``retain_grad()`` was called on this non-leaf tensor."""
    fn = self._ctx
    ref = None if fn is None else fn.__dict__.get("retained")
    return ref is not None and ref() is self


def apply(hooks: OrderedDict[int, Callable[..., Any]], delta: np.ndarray) -> np.ndarray:
    """``delta`` through each hook in turn (each gets its own copy: the engine shares deltas)."""
    for hook in list(hooks.values()):
        new = hook(Tensor._make(delta.copy()))
        if new is not None:
            if not isinstance(new, Tensor):
                kind = type(new)
                name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
                raise TypeError(f"expected Variable, but hook returned '{name}'")
            data = new.array
            if data.shape != delta.shape:
                raise RuntimeError(f"hook returned a gradient of shape {data.shape}, expected {delta.shape}")
            if data.dtype != delta.dtype:
                name = getattr(hook, "__name__", type(hook).__name__)
                raise RuntimeError(f"hook '{name}' has changed the type of value (was {delta.dtype} got {data.dtype})")
            delta = data
    return delta


def run(fn: Any, delta: np.ndarray) -> np.ndarray:
    """The hooks and ``retain_grad`` of the tensor ``fn`` made, on its summed gradient ``delta``."""
    hooks = fn.__dict__.get("tensor_hooks")
    if hooks:
        delta = apply(hooks, delta)
    ref = fn.__dict__.get("retained")
    t = None if ref is None else ref()
    if t is not None:
        if t._grad is None:
            t._grad = Tensor._make(np.array(delta))
        else:
            with np.errstate(invalid="ignore", over="ignore"):  # inf + -inf is nan, silently, as in PyTorch
                t._grad.array = t._grad.array + delta
    return delta
