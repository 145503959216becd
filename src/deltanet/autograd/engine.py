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

In-place operations (``deltanet.autograd.inplace``) add two things, checked only when an in-place
edit happened after the oldest function of the graph (``versions.last_edit``):

- a recorded in-place operation *rebases* a tensor: its ``_ctx`` becomes the in-place function,
  whose ``previous`` is the function that made the old value. A function recorded before the edit
  used the old value, so its delta goes to the producer of that time (``producer_at``);
- a function whose saved arrays were changed in place since it was recorded raises PyTorch's
  "modified by an inplace operation" error instead of computing a wrong gradient (``check_saved``).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from deltanet.autograd import anomaly, hooks
from deltanet.autograd.tensor import Tensor
from deltanet.autograd.versions import Clock


def reachable_functions(root: Tensor) -> list[Any]:
    """The recorded functions that ``root`` depends on, outputs before inputs.

    Every function is numbered when it is created, after the functions that made its inputs, so
    sorting by decreasing number is a topological order: each function is visited only after
    every function that uses its output has passed its delta back.
    """
    return _graph(root)[0]


def _graph(root: Tensor) -> tuple[list[Any], bool]:
    """``reachable_functions`` and whether in-place edits may have touched the graph (then each
    edge is followed as it was when its function was recorded)."""
    found = _walk(root, edited=False)
    if found[-1].seq < Clock.last_edit:  # an in-place edit since the oldest function: walk it as it was
        return _walk(root, edited=True), True
    return found, False


def _walk(root: Tensor, edited: bool) -> list[Any]:
    found: list[Any] = [root._ctx]
    seen = {root._ctx}
    stack: list[Any] = [root._ctx]
    while stack:
        fn = stack.pop()
        if fn.parents is None:
            raise RuntimeError(FREED.format(name=type(fn).__name__))
        for parent in fn.parents:
            ctx = parent._ctx
            if edited and ctx is not None and ctx.seq > fn.seq:
                ctx = producer_at(parent, fn.seq)
            if ctx is not None and ctx not in seen:
                seen.add(ctx)
                found.append(ctx)
                stack.append(ctx)
    found.sort(key=_SEQUENCE, reverse=True)
    return found


FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed): {name} saved values for its backward, which the first "
    "backward() freed; call backward(retain_graph=True) the first time to go through it twice"
)


class _Edge:
    """What a freed function keeps of an input that is not a leaf requiring grad: the function that
    made it (None for a constant), as PyTorch's graph keeps its edges and frees only saved values."""

    __slots__ = ("_ctx", "_requires_grad")
    _base = None
    _vc = None

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx
        self._requires_grad = ctx is not None


def free(fn: Any) -> None:
    """Free ``fn`` after a backward pass without ``retain_graph``, as PyTorch frees a node: the
    values it saved for its backward are dropped, and a later pass through it raises; a function
    that saved nothing (a sum, an addition, a reshape, indexing with numbers and slices) keeps
    its edges, so ``y = x.sum(); y.backward(); y.backward()`` works, as in PyTorch.

    A function "saved values" when ``save_for_backward`` got an array or tensor, or when one of its
    attributes is an array (or a tuple or list holding one, or a list: an index), unless it is
    marked ``reusable`` (its PyTorch counterpart saves nothing). Its inputs are replaced by ``_Edge``
    stand-ins (leaves that require grad are kept), so that the freed graph holds no activations.
    """
    if not fn.reusable:
        saved = getattr(fn, "saved_tensors", None)
        fn.saved_tensors = None
        if (saved and any(s is not None for s in saved)) or _holds_arrays(fn.__dict__):
            fn.parents = None
            return
    parents = fn.parents
    if parents is None or getattr(type(fn), "user", None) is not None:
        return  # a PyTorch-style Function's node: its backward reads its inputs' dtypes and shapes
    seq = fn.seq
    edges = []
    for p in parents:
        ctx = p._ctx
        if ctx is None:
            edges.append(p if p._requires_grad else _CONSTANT)
        else:
            edges.append(_Edge(ctx if ctx.seq < seq else producer_at(p, seq)))
    fn.parents = tuple(edges)


def _holds_arrays(attributes: dict[str, Any]) -> bool:
    for value in attributes.values():
        if isinstance(value, np.ndarray | Tensor | list):
            return True
        # An index such as x[[0, 1]] keeps a list, which PyTorch turns into a saved tensor.
        if isinstance(value, tuple | list) and any(isinstance(v, np.ndarray | Tensor | list) for v in value):
            return True
    return False


_CONSTANT = _Edge(None)


def producer_at(t: Tensor, seq: int) -> Any:
    """The function that made the value ``t`` had when function number ``seq`` was recorded
    (None for a leaf): the chain of in-place rebases of ``t``, walked back past ``seq``."""
    ctx = t._ctx
    while ctx is not None and ctx.seq > seq:
        ctx = ctx.previous
    return ctx


_SEQUENCE = attrgetter("seq")
# dL/dL = 1 for a scalar loss, one read-only array per dtype: a leaf that receives it copies it.
_ONE: dict[np.dtype, np.ndarray] = {
    np.dtype(np.float32): np.ones((), np.float32),
    np.dtype(np.float64): np.ones((), np.float64),
}
for _one in _ONE.values():
    _one.flags.writeable = False


def backward(root: Tensor, grad: Any = None, retain_graph: bool = False, inputs: Any = None) -> Any:
    """Backpropagate from ``root``; see the module docstring.

    Args:
        root: the tensor to differentiate (the loss).
        grad: $\\partial L / \\partial \\text{root}$; may be left out for a one-element root.
        retain_graph: keep the graph so that ``backward`` can go through it again.
        inputs: None, or the tensors (leaves or not) whose gradients are wanted: then no ``.grad``
            changes and the result is ``{id(t): gradient array}`` for those that ``root`` depends
            on (``autograd.grad``).
    """
    if not root._requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no parameter or input "
            "with requires_grad=True leads to it (was it computed under no_grad()?)"
        )
    if grad is None:
        if root.array.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output, got shape {root.shape}; "
                f"reduce it first (e.g. loss.mean()) or pass grad= of the same shape"
            )
        grad = _ONE.get(root.array.dtype)
        if grad is None or root.array.ndim:
            grad = np.ones_like(root.array)
    else:
        grad = np.array(grad.array if isinstance(grad, Tensor) else grad, dtype=root.array.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"grad has shape {grad.shape}, expected the output's {root.shape}")
    # Arrays handed out as leaf gradients in this pass: a second leaf receiving the same array
    # (x + y gives both the same delta) must get its own copy, or a later += would change both.
    given: set[int] = set()
    # The summed gradient of each leaf that has hooks (they run once per pass, on the sum), and
    # of each leaf in ``inputs``.
    held: dict[Tensor, Any] = {}
    wanted = None if inputs is None else {id(t) for t in inputs}
    # For inputs that are not leaves: the function that made each, and the tensor.
    made: dict[int, Tensor] = {} if inputs is None else {id(t._ctx): t for t in inputs if t._ctx is not None}
    if hooks.callbacks.queued:  # left by a pass of this thread that failed
        hooks.callbacks.queued.clear()
    found: dict[int, Any] = {}
    if root._ctx is None:  # backward() on a leaf: dL/dL = 1
        hooked = hooks.leaf_hooks.get(root) if hooks.leaf_hooks else None
        grad = hooks.apply(hooked, grad) if hooked else grad
        if wanted is None:
            _accumulate_leaf(root, grad, given)
        elif id(root) in wanted:
            found[id(root)] = grad
        return found if wanted is not None else None

    functions = _walk(root, edited=False)  # _graph(root), written out: once per backward()
    # Read once per pass, not per function: anomaly mode and whether any leaf has hooks.
    check_anomaly, leaves_hooked = anomaly.state.enabled, bool(hooks.leaf_hooks.table)
    edited = functions[-1].seq < Clock.last_edit
    if edited:  # an in-place edit since the oldest function: walk the graph as it was
        functions = _walk(root, edited=True)
        for fn in functions:
            check_saved(fn)
    root._ctx.delta = grad
    for fn in functions:
        delta = fn.delta
        fn.delta = None
        if delta is None:
            continue
        given.discard(id(delta))  # fn's own from here on: its id may be reused once it is freed
        if fn.hooked:  # Tensor.register_hook or retain_grad on the tensor fn made
            delta = hooks.run(fn, delta)
        if made and id(fn) in made:
            found[id(made[id(fn)])] = delta
        input_grads = fn.backward(delta)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if check_anomaly:
            anomaly.check(fn, input_grads)
        for parent, g in zip(fn.parents, input_grads):
            if g is None:
                continue
            ctx = parent._ctx
            if edited and ctx is not None and ctx.seq > fn.seq:
                ctx = producer_at(parent, fn.seq)
                if ctx is None:
                    continue  # parent was a constant then; it has a history only since
            if ctx is None:
                if parent._requires_grad:
                    if wanted is not None or (leaves_hooked and parent in hooks.leaf_hooks):
                        if wanted is None or id(parent) in wanted:
                            held[parent] = g if parent not in held else quiet_sum(held[parent], g)
                    else:
                        _accumulate_leaf(parent, g, given)
            elif ctx.delta is None:
                # g may also be (or become) a leaf's .grad, which later passes add into in place:
                # the function gets an array no leaf owns (x + (x + y) gives both the same delta),
                # and its id stays in ``given`` while it waits, so that a leaf given g copies it.
                ctx.delta = np.array(g) if id(g) in given else g
                given.add(id(ctx.delta))
            else:
                # The first delta may be a view shared with other tensors: sum out of place.
                given.discard(id(ctx.delta))
                try:
                    ctx.delta = ctx.delta + g
                except RuntimeWarning:  # inf + -inf under warnings-as-errors (free when nothing is raised)
                    ctx.delta = quiet_sum(ctx.delta, g)
        if not retain_graph:
            saved = getattr(fn, "saved_tensors", None)
            if saved and saved[0] is not None and not fn.reusable:  # most functions: free() written out
                fn.parents = None
                fn.saved_tensors = None
            else:
                free(fn)
    for leaf, g in held.items():
        hooked = hooks.leaf_hooks.get(leaf) if hooks.leaf_hooks else None
        g = hooks.apply(hooked, g) if hooked else g
        if wanted is None:
            _accumulate_leaf(leaf, g, given)
            if hooks.post_accumulate_hooks:
                hooks.run_post_accumulate(leaf)
        else:
            found[id(leaf)] = g
    if hooks.callbacks.queued:  # queue_callback: after every .grad is written
        hooks.run_queued(run=wanted is None)
    return found if wanted is not None else None


def quiet_sum(a: Any, b: Any) -> Any:
    """``a + b`` without NumPy's RuntimeWarning where gradients of ``inf`` and ``-inf`` meet (``nan``)
    or a sum overflows (``inf``): PyTorch sums gradients silently."""
    with np.errstate(invalid="ignore", over="ignore"):
        return a + b


def check_saved(fn: Any) -> None:
    """Raise PyTorch's error when an array that ``fn`` saved (an input's or its output's) was
    changed in place after ``fn`` was recorded, or when ``fn`` read a view whose base was given a
    new history in between; a gradient from stale arrays would be silently wrong."""
    stale = fn.__dict__.get("stale_output")
    if stale is not None:
        vc, shape, dtype = stale
        _raise_modified(shape, dtype, f"output 0 of {type(fn).__name__}", vc.count, vc.at(fn.seq))
    if fn.parents is None:
        return
    saved = getattr(fn, "saved_tensors", None)
    for parent in fn.parents:
        if parent._base is not None:
            _check_view_history(fn, parent)
        vc = parent._vc
        if saved and vc is not None and vc.edited_after(fn.seq) and saves_memory_of(saved, parent.array):
            producer = producer_at(parent, fn.seq)
            made_by = "a leaf" if producer is None else f"output 0 of {type(producer).__name__}"
            _raise_modified(parent.shape, parent.dtype, made_by, vc.count, vc.at(fn.seq))
        if saved and vc is not None and vc.reassigned:
            _check_reassigned(fn, parent, vc.reassigned, saved)


def _check_reassigned(fn: Any, parent: Tensor, reassigned: list, saved: Any) -> None:
    """Raise when ``parent`` was given new memory (``parent.data = other``, ``parent.set_(other)``)
    after ``fn`` saved its old array: PyTorch's backward reads a saved input's current values
    (``.data``) or raises (``set_``, an in-place operation), deltanet's would read the saved ones."""
    for stamp, holder, old, how in reassigned:
        array = old()
        if stamp > fn.seq and holder() is parent and array is not None and saves_memory_of(saved, array):
            raise RuntimeError(
                f"{type(fn).__name__} saved a tensor of shape {tuple(array.shape)} for backward, and "
                f"{how} gave that tensor new memory afterwards; deltanet's backward would read the old "
                f"values (PyTorch's reads the new ones after .data =, and refuses after set_()). Give it "
                f"the new memory after backward() (or before the forward pass), or write the new values "
                f"in place with .data.copy_(...)"
            )


def _check_view_history(fn: Any, view: Tensor) -> None:
    """Raise when ``fn`` read a view whose base got a new history (an in-place change) between the
    view's own making and ``fn``: ``fn`` saw the base's new values, which the view's recorded history
    does not describe. (PyTorch rebuilds the view's history; deltanet asks to take the view again.)"""
    made = producer_at(view, fn.seq)
    if made is None:
        return
    base = view._base
    assert base is not None
    if producer_at(base, fn.seq) is not producer_at(base, made.seq):
        raise RuntimeError(
            f"{type(fn).__name__} used a view (made by {type(made).__name__}) of a tensor that an in-place "
            f"operation changed after the view was taken; deltanet cannot backpropagate through the view's "
            f"old history. Take the view again after the in-place operation, or clone() it first"
        )


def saves_memory_of(saved: Any, data: np.ndarray) -> bool:
    """Whether one of the ``saved`` arrays shares memory with ``data`` (is it, or a view of the
    same memory)."""
    owner = data if data.base is None else data.base
    for s in saved:
        if isinstance(s, Tensor):  # a PyTorch-style custom Function saves tensors
            s = s.array
        if isinstance(s, np.ndarray) and (s is data or s is owner or (s.base is not None and s.base is owner)):
            return True
    return False


def _raise_modified(shape: Any, dtype: Any, made_by: str, version: int, expected: int | None) -> None:
    seen = "an earlier version" if expected is None else f"version {expected}"
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{dtype} tensor of shape {tuple(shape)}], which is {made_by}, is at version "
        f"{version}; expected {seen} instead. Hint: compute the value out of place (x = x + 1, not "
        f"x += 1), or clone() the tensor before changing it"
    )


def _accumulate_leaf(leaf: Tensor, delta: Any, given: set[int]) -> None:
    base = leaf._base
    if base is not None and base._requires_grad:
        return  # a view made under no_grad of a tensor that requires grad: PyTorch leaves its .grad None
    data = leaf.array
    if delta.shape != data.shape:
        raise RuntimeError(f"internal error: gradient of shape {delta.shape} for a tensor of shape {data.shape}")
    if delta.dtype != data.dtype:
        delta = delta.astype(data.dtype)
    grad = leaf._grad
    if grad is None:
        if (
            type(delta) is not np.ndarray
            or delta.base is not None
            or id(delta) in given
            or delta.strides != data.strides
            or not delta.flags.writeable
        ):
            # A copy the leaf owns (an array, not a NumPy scalar), laid out as the tensor is: PyTorch's
            # gradient layout contract, so that p.grad.view(-1) works where p.view(-1) does (the
            # gradient of W in W.T @ X comes back transposed).
            owned = np.empty_like(data)
            np.copyto(owned, delta)
            delta = owned
        given.add(id(delta))
        # ``tensor.leaf(delta)``, written out: this runs once per parameter and step.
        grad = Tensor.__new__(Tensor)
        grad.array, grad._grad, grad._requires_grad = delta, None, False
        grad._ctx = grad._base = grad._vc = None
        leaf._grad = grad
    else:
        try:
            grad.array += delta
        except RuntimeWarning:  # inf + -inf (nan) or an overflow, under warnings-as-errors: PyTorch is
            pass  # silent, and NumPy has written the sum already (free when nothing is raised)
