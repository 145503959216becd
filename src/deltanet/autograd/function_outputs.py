"""Custom ``Function``s (PyTorch's form) whose ``forward`` returns several outputs.

PyTorch's ``forward(ctx, x)`` may return a tuple, ``values, idx = MySort.apply(x)``, and its
``backward(ctx, *grad_outputs)`` then receives one gradient per output. deltanet's engine passes one
delta to each recorded function, so the outputs are joined here without touching it: the user's
node (the ``ctx``) makes a hidden scalar tensor, and each differentiable output is made from that
tensor by a small node of its own (named as the user's node, ``MySortBackward``). The engine visits
every output's node before the user's node (they are numbered after it); each keeps the delta it
receives in the user's node, and the user's node calls ``backward`` with all of them.

As in PyTorch, an output that receives no gradient (unused, an integer tensor, or one marked with
``ctx.mark_non_differentiable``) is given to ``backward`` as zeros of its shape and dtype, or as
``None`` after ``ctx.set_materialize_grads(False)``; a non-tensor output is returned as it is and
its gradient is ``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.tensor import Tensor
from deltanet.autograd.versions import sequence

# What an output's node returns to the hidden tensor: its real delta is kept in the user's node.
_NOTHING = np.zeros(())
_NOTHING.flags.writeable = False


def join_outputs(
    ctx: Any, outputs: tuple[Any, ...], inputs: tuple[Tensor, ...], record: bool, function_cls: type, tag_view: Any
) -> tuple[Any, ...]:
    """The tensors ``apply`` returns for the ``outputs`` of ``forward`` (in its order), recorded
    through ``ctx`` when ``record``: see the module docstring. ``function_cls`` (``Function``) and
    ``tag_view`` (``function._tag_view``) come from ``deltanet.autograd.function``, which calls this."""
    marked = ctx.__dict__.get("non_differentiable", ())
    results: list[Any] = []
    wanted: list[int] = []
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            results.append(o)
            continue
        r = Tensor.__new__(Tensor)
        r.array = o.array
        r._grad = r._base = r._vc = None
        r._requires_grad = False
        r._ctx = None
        if o.array.dtype.kind == "f" and id(o) not in marked:
            wanted.append(i)
        if r.array.base is not None or any(r.array is t.array for t in inputs):
            tag_view(r, inputs)
        results.append(r)
    ctx._dn_outputs = tuple((r.array.shape, r.array.dtype) if isinstance(r, Tensor) else None for r in results)
    ctx._dn_grads = [None] * len(results)
    if not (record and wanted):
        return tuple(results)
    joint = Tensor.__new__(Tensor)
    joint.array = _NOTHING
    joint._grad = joint._base = joint._vc = None
    joint._requires_grad = True
    joint._ctx = ctx
    node_cls = _output_node(type(ctx), function_cls)
    for i in wanted:
        node = node_cls.__new__(node_cls)
        node.joint, node.index = ctx, i
        node.parents = (joint,)
        node.needs_input_grad = (True,)
        node.saved_tensors = ()
        node.seq = next(sequence)
        node.delta = None
        results[i]._requires_grad = True
        results[i]._ctx = node
    return tuple(results)


def grad_outputs(ctx: Any, delta: Any) -> tuple[Any, ...]:
    """The gradients ``backward`` receives: the one ``delta`` of a single output, or what each output's
    node kept (zeros or None where an output received nothing); the kept ones are then cleared."""
    received = ctx.__dict__.get("_dn_grads")
    if received is None:
        return (Tensor._make(delta),)
    materialize = ctx.__dict__.get("_dn_materialize", True)
    grads: list[Any] = []
    for g, meta in zip(received, ctx._dn_outputs, strict=True):
        if g is not None:
            grads.append(Tensor._make(g))
        elif materialize and meta is not None:
            grads.append(Tensor._make(np.zeros(meta[0], dtype=meta[1])))
        else:
            grads.append(None)
    ctx._dn_grads = [None] * len(received)
    return tuple(grads)


def _output_node(ctx_cls: type, function_cls: type) -> Any:
    """The node class of one output of ``ctx_cls``'s Function (made once per Function)."""
    cached = ctx_cls.__dict__.get("_output_node")
    if cached is not None:
        return cached

    def backward(self: Any, delta: Any) -> Any:
        kept = self.joint._dn_grads
        kept[self.index] = delta if kept[self.index] is None else kept[self.index] + delta
        return _NOTHING

    def __getattr__(self: Any, name: str) -> Any:  # y.grad_fn.k reads the ctx's attribute, as in PyTorch
        if name == "joint":
            raise AttributeError(name)
        return getattr(self.joint, name)

    def next_functions(self: Any) -> Any:  # the ctx's inputs, as PyTorch's one node shows them
        return self.joint.next_functions

    members = {
        "backward": backward,
        "__getattr__": __getattr__,
        "next_functions": property(next_functions),
        "__module__": ctx_cls.__module__,
    }
    node = type(ctx_cls.__name__, (function_cls,), members)
    ctx_cls._output_node = node  # type: ignore[attr-defined]
    return node
