r"""The reverse-mode engine: walk the graph from the loss back to the leaves.

1. Find the recorded functions that lead to the root and order them topologically (by their
   creation number, see ``reachable_functions``).
2. Seed $\partial L / \partial L = 1$ and visit the functions from the root back. Each receives
   the accumulated delta of its output (the $\delta$ of the seeds); its ``backward`` returns one
   gradient per input.
3. A tensor used twice receives the sum of its gradients; a leaf that requires a gradient
   accumulates into ``.grad`` (a ``Tensor``, created on the first pass) with ``+=`` on its array,
   as PyTorch does, so gradients of several ``backward()`` calls add up until ``zero_grad``.

Afterwards the graph is freed (the functions drop their saved arrays and their parents), unless
``retain_graph=True``.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from deltanet.autograd.tensor import Tensor


def reachable_functions(root: Tensor) -> list[Any]:
    """The recorded functions that ``root`` depends on, outputs before inputs.

    Every function is numbered when it is created, after the functions that made its inputs, so
    sorting by decreasing number is a topological order: each function is visited only after
    every function that uses its output has passed its delta back.
    """
    found: list[Any] = [root._ctx]
    seen = {root._ctx}
    stack: list[Any] = [root._ctx]
    while stack:
        fn = stack.pop()
        if fn.parents is None:
            raise RuntimeError(
                "backward() through a graph that was already freed; call "
                "backward(retain_graph=True) the first time to go through it twice"
            )
        for parent in fn.parents:
            ctx = parent._ctx
            if ctx is not None and ctx not in seen:
                seen.add(ctx)
                found.append(ctx)
                stack.append(ctx)
    found.sort(key=_SEQUENCE, reverse=True)
    return found


_SEQUENCE = attrgetter("seq")
# dL/dL = 1 for a scalar loss, one read-only array per dtype: a leaf that receives it copies it.
_ONE: dict[np.dtype, np.ndarray] = {
    np.dtype(np.float32): np.ones((), np.float32),
    np.dtype(np.float64): np.ones((), np.float64),
}
for _one in _ONE.values():
    _one.flags.writeable = False


def backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
    """Backpropagate from ``root``; see the module docstring."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no parameter or input "
            "with requires_grad=True leads to it (was it computed under no_grad()?)"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output, got shape {root.shape}; "
                f"reduce it first (e.g. loss.mean()) or pass grad= of the same shape"
            )
        grad = _ONE.get(root.data.dtype)
        if grad is None or root.data.ndim:
            grad = np.ones_like(root.data)
    else:
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"grad has shape {grad.shape}, expected the output's {root.shape}")
    # Arrays handed out as leaf gradients in this pass: a second leaf receiving the same array
    # (x + y gives both the same delta) must get its own copy, or a later += would change both.
    given: set[int] = set()
    if root._ctx is None:  # backward() on a leaf: dL/dL = 1
        _accumulate_leaf(root, grad, given)
        return

    functions = reachable_functions(root)
    root._ctx.delta = grad
    for fn in functions:
        delta = fn.delta
        fn.delta = None
        if delta is None:
            continue
        input_grads = fn.backward(delta)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, g in zip(fn.parents, input_grads):
            if g is None:
                continue
            ctx = parent._ctx
            if ctx is None:
                if parent.requires_grad:
                    _accumulate_leaf(parent, g, given)
            elif ctx.delta is None:
                ctx.delta = g
            else:
                # The first delta may be a view shared with other tensors: sum out of place.
                ctx.delta = ctx.delta + g
        if not retain_graph:
            fn.parents = None
            fn.saved_tensors = None


def _accumulate_leaf(leaf: Tensor, delta: Any, given: set[int]) -> None:
    data = leaf.data
    if delta.shape != data.shape:
        raise RuntimeError(f"internal error: gradient of shape {delta.shape} for a tensor of shape {data.shape}")
    if delta.dtype != data.dtype:
        delta = delta.astype(data.dtype)
    grad = leaf._grad
    if grad is None:
        if type(delta) is not np.ndarray or delta.base is not None or not delta.flags.writeable or id(delta) in given:
            delta = np.array(delta)  # a copy the leaf owns (and an array, not a NumPy scalar)
        given.add(id(delta))
        # Built slot by slot (the Tensor constructor would re-check the dtype policy).
        grad = Tensor.__new__(Tensor)
        grad.data = delta
        grad._grad = None
        grad.requires_grad = False
        grad._ctx = None
        leaf._grad = grad
    else:
        grad.data += delta
