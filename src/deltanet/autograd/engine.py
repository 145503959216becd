"""The reverse-mode engine: walk the graph from the loss back to the leaves.

1. Order the tensors that lead to the root topologically (a depth-first search).
2. Seed dL/dL = 1 and visit the tensors in reverse order. Each non-leaf hands its accumulated
   gradient (the delta of the seeds) to the ``Function`` that created it, whose ``backward``
   returns one gradient per input.
3. A tensor used twice receives the sum of its gradients; a leaf that requires a gradient
   accumulates into ``.grad`` with ``+=``, as PyTorch does, so gradients of several
   ``backward()`` calls add up until ``zero_grad``.

Afterwards the graph is freed (the functions drop their saved arrays and their parents), unless
``retain_graph=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.tensor import Tensor


def topological_order(root: Tensor) -> list[Tensor]:
    """Tensors that ``root`` depends on through recorded functions, inputs before outputs."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            if ctx.parents is None:
                raise RuntimeError(
                    "backward() through a graph that was already freed; call "
                    "backward(retain_graph=True) the first time to go through it twice"
                )
            for parent in ctx.parents:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


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
        grad = np.ones_like(root.data)
    else:
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"grad has shape {grad.shape}, expected the output's {root.shape}")

    order = topological_order(root)
    grads: dict[int, Any] = {id(root): grad}
    # Arrays handed out as leaf gradients in this pass: a second leaf receiving the same array
    # (x + y gives both the same delta) must get its own copy, or a later += would change both.
    given: set[int] = set()
    for node in reversed(order):
        delta = grads.pop(id(node), None)
        if delta is None:
            continue
        ctx = node._ctx
        if ctx is None:
            _accumulate_leaf(node, delta, given)
            continue
        input_grads = ctx.backward(delta)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, g in zip(ctx.parents, input_grads):
            if g is None or not parent.requires_grad:
                continue
            key = id(parent)
            previous = grads.get(key)
            # The first gradient may be a view shared with other tensors: sum out of place.
            grads[key] = g if previous is None else previous + g
        if not retain_graph:
            ctx.parents = None
            ctx.saved_tensors = None


def _accumulate_leaf(leaf: Tensor, delta: Any, given: set[int]) -> None:
    if delta.shape != leaf.data.shape:
        raise RuntimeError(
            f"internal error: gradient of shape {delta.shape} for a tensor of shape {leaf.shape}"
        )
    if delta.dtype != leaf.data.dtype:
        delta = delta.astype(leaf.data.dtype)
    if leaf.grad is None:
        owned = delta.base is None and id(delta) not in given and delta.flags.writeable
        leaf.grad = delta if owned else delta.copy()
        given.add(id(leaf.grad))
    else:
        leaf.grad += delta
