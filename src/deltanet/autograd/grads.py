"""``autograd.grad`` and ``autograd.backward``: PyTorch's functional entry points to the engine.

``grad(outputs, inputs)`` returns the gradients of the outputs with respect to the inputs, leaves
or not, without touching any ``.grad`` (the gradient penalty, the input gradient of a saliency
map, a manual meta-learning step). ``backward(tensors)`` is ``t.backward()`` for several tensors.

deltanet's backward pass computes on NumPy arrays and records no graph of its own, so a gradient
cannot be differentiated again: ``create_graph=True`` (higher derivatives, a Hessian) raises a
clear error instead of returning a gradient that silently has no history. The one exception is
PyTorch's own: through a graph of linear functions with constant coefficients (sums, reshapes,
indexing, products with tensors that do not require grad), the gradient is a constant, and
PyTorch's ``create_graph=True`` returns it without history (``requires_grad`` False); deltanet
returns the same.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from deltanet.autograd import engine, hooks, ops, reductions, shapes
from deltanet.autograd.tensor import Tensor

NO_HIGHER = (
    "create_graph=True: deltanet's backward pass computes on NumPy arrays and records no graph, so "
    "gradients cannot be differentiated again (no second derivatives, Hessians or gradient-of-"
    "gradient penalties); compute the first derivative and use finite differences of it, or "
    "write the derivative out as a formula of tensors"
)


# Functions whose backward multiplies delta by coefficients that no input value enters: through
# them the gradient is a constant, whatever requires grad.
_LINEAR = (
    ops.Add,
    ops.Neg,
    ops.Where,
    ops.Cast,
    shapes.Reshape,
    shapes.Transpose,
    shapes.GetItem,
    shapes.Expand,
    shapes.Repeat,
    shapes.Cat,
    shapes.Stack,
    reductions.Sum,
)


def _constant_gradient(fn: Any) -> bool:
    """Whether ``fn``'s backward gives gradients that do not depend on any value that requires grad
    (so PyTorch's ``create_graph=True`` gives them without history)."""
    if isinstance(fn, _LINEAR):
        return True
    needs = [p._requires_grad for p in fn.parents or ()]
    if isinstance(fn, (ops.Mul, ops.MatMul)):  # x * c: the gradient of x is delta * c
        return sum(needs) <= 1
    if isinstance(fn, ops.Div):  # x / c, not c / x
        return not needs[1]
    return False


def _refuse_higher_derivatives(outputs: tuple[Tensor, ...], seeds: tuple[Any, ...]) -> None:
    """``create_graph=True``: allowed where every function on the way has a constant gradient and
    no seed requires grad (the gradient then has no history in PyTorch either); otherwise PyTorch
    would record a graph of the backward pass, which deltanet does not."""
    if any(isinstance(seed, Tensor) and seed.requires_grad for seed in seeds):
        raise NotImplementedError(NO_HIGHER)
    for out in outputs:
        if out._ctx is not None and not all(_constant_gradient(fn) for fn in engine.reachable_functions(out)):
            raise NotImplementedError(NO_HIGHER)


def _as_tuple(value: Any, what: str) -> tuple[Any, ...]:
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(t, Tensor) for t in value):
        return tuple(value)
    raise TypeError(f"{what} must be a tensor or a sequence of tensors, got {type(value).__name__}")


def _seeds(outputs: tuple[Tensor, ...], grads: Any, what: str) -> tuple[Any, ...]:
    if grads is None:
        return (None,) * len(outputs)
    seeds = (grads,) if isinstance(grads, Tensor) else tuple(grads)
    if len(seeds) != len(outputs):
        raise ValueError(f"{what} has {len(seeds)} entries, expected one per output ({len(outputs)})")
    return seeds


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    r"""The gradients $\partial L / \partial x$ of the outputs with respect to each input, as a tuple;
    no ``.grad`` changes.

    With several outputs, $L = \sum_k \langle g_k, y_k \rangle$ for the ``grad_outputs`` $g_k$
    (ones for a one-element output).

    Args:
        outputs: a tensor or a sequence of tensors to differentiate.
        inputs: a tensor or a sequence of tensors (leaves or computed) to differentiate with respect to.
        grad_outputs: None, or one gradient per output (needed for an output of several elements).
        retain_graph: keep the graph for another backward pass (default: free it).
        create_graph: refused (``NotImplementedError``: deltanet cannot differentiate a gradient
            again), except through a graph whose gradient is a constant, which is returned
            without history, as by PyTorch.
        only_inputs: PyTorch's deprecated argument, ignored as PyTorch ignores it.
        allow_unused: give None for an input that the outputs do not depend on, instead of an error.
        is_grads_batched: the first axis of each of ``grad_outputs`` is a batch: one gradient per
            row, stacked (PyTorch's vmap; here one backward pass per row, the same values).
        materialize_grads: give zeros instead of None for such inputs (implies ``allow_unused``).

    Returns:
        A tuple with one gradient (``Tensor``, or None when unused) per input.

    Raises:
        NotImplementedError: ``create_graph=True`` where the gradient is not a constant.
        ValueError: ``materialize_grads=True`` with ``allow_unused=False``.
        RuntimeError: an input is unused and ``allow_unused`` is not set, or an output does not
            require a gradient.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> (g,) = dn.autograd.grad((x**2).sum(), x)
        >>> g, x.grad
        (tensor([2., 4.]), None)
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    outs = _as_tuple(outputs, "outputs")
    ins = _as_tuple(inputs, "inputs")
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    seeds = _seeds(outs, grad_outputs, "grad_outputs")
    if create_graph:
        _refuse_higher_derivatives(outs, seeds)
        retain_graph = True if retain_graph is None else retain_graph  # PyTorch's default: create_graph
    if is_grads_batched:
        return _batched(outs, ins, seeds, retain_graph, allow_unused, materialize_grads)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    total: dict[int, np.ndarray] = {}
    for k, (out, seed) in enumerate(zip(outs, seeds, strict=True)):
        keep = bool(retain_graph) or k < len(outs) - 1
        found = engine.backward(out, seed, keep, inputs=ins)
        for key, g in found.items():
            total[key] = g if key not in total else total[key] + g
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = total.get(id(t))
        if t._ctx is None and t._base is not None and t._base._requires_grad:
            g = None  # a view taken under no_grad: PyTorch drops its gradient (engine._accumulate_leaf)
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t.array)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    f"Set allow_unused=True if this is the desired behavior."
                )
        result.append(None if g is None else Tensor._make(np.array(g, dtype=t.array.dtype)))
    return tuple(result)


def _batched(
    outs: tuple[Tensor, ...],
    ins: tuple[Tensor, ...],
    seeds: tuple[Any, ...],
    retain_graph: bool | None,
    allow_unused: bool | None,
    materialize_grads: bool,
) -> tuple[Tensor | None, ...]:
    """``grad`` with ``is_grads_batched=True``: one backward pass per row of the ``grad_outputs``
    (their first axis is the batch), the gradients stacked along a new first axis. PyTorch
    vectorizes this with vmap; the values are the same."""
    if any(s is None or not getattr(s, "ndim", 0) for s in seeds):  # PyTorch's vmap refuses a 0-d one
        raise ValueError(
            "is_grads_batched=True: every grad_output must be a tensor with a batch axis first "
            "(vmap got in_dim=0 for an input of dimensionality 0)"
        )
    sizes = {s.shape[0] for s in seeds}
    if len(sizes) != 1:
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
            f"{[s.shape[0] for s in seeds]} for the mapped dimension"
        )
    (n,) = sizes
    unused = allow_unused or materialize_grads
    rows = [
        grad(outs, ins, [s[b] for s in seeds], retain_graph=bool(retain_graph) or b < n - 1, allow_unused=unused)
        for b in range(n)
    ]
    found: list[Tensor | None] = []
    for i, t in enumerate(ins):
        if rows[0][i] is not None:
            found.append(Tensor._make(np.stack([r[i].array for r in rows])))  # type: ignore[union-attr]
        else:  # PyTorch's materialized zeros have the input's shape, without the batch axis
            found.append(Tensor._make(np.zeros_like(t.array)) if materialize_grads else None)
    return tuple(found)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    r"""``t.backward()`` for each tensor in turn: the gradients add up in the leaves' ``.grad``.

    Args:
        tensors: a tensor or a sequence of tensors to differentiate.
        grad_tensors: None, or one gradient per tensor (needed for a tensor of several elements).
        retain_graph: keep the graph for another backward pass (default: free it).
        create_graph: refused (``NotImplementedError``: deltanet cannot differentiate a gradient
            again), except through a graph whose gradient is a constant, which is returned
            without history, as by PyTorch.
        inputs: None, or the tensors whose ``.grad`` receives the gradient (the others keep theirs).

    Raises:
        NotImplementedError: ``create_graph=True`` where the gradient is not a constant.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> dn.autograd.backward([(x * 3).sum()])
        >>> x.grad
        tensor([3., 3.])
    """
    outs = _as_tuple(tensors, "tensors")
    seeds = _seeds(outs, grad_tensors, "grad_tensors")
    if create_graph:
        _refuse_higher_derivatives(outs, seeds)
        retain_graph = True if retain_graph is None else retain_graph
    targets = None if inputs is None else _as_tuple(inputs, "inputs")
    if targets is not None:
        if not targets:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        if not all(t.requires_grad for t in targets):
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    for k, (out, seed) in enumerate(zip(outs, seeds, strict=True)):
        keep = bool(retain_graph) or k < len(outs) - 1
        if targets is None:
            engine.backward(out, seed, keep)
            continue
        found = engine.backward(out, seed, keep, inputs=targets)
        for t in targets:
            g = found.get(id(t))
            if g is not None and not (t._ctx is not None and hooks.retains_grad(t)):
                # (a non-leaf that retains its gradient got it from its retain_grad hook already)
                g = np.array(g, dtype=t.array.dtype)
                if t._grad is None:
                    t._grad = Tensor._make(g)
                else:
                    with np.errstate(invalid="ignore", over="ignore"):  # inf + -inf is nan, silently, as PyTorch
                        t._grad.array += g


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802 - PyTorch's name
    """PyTorch's old wrapper, kept for old code as PyTorch keeps it: the tensor itself, as a new leaf
    sharing ``data``'s memory, with ``requires_grad`` set.

    Args:
        data: a tensor.
        requires_grad: whether the new leaf requires a gradient.
        volatile: no effect, with PyTorch's ``UserWarning`` when True (PyTorch removed it; use
            ``no_grad()``); True with ``requires_grad=True`` raises PyTorch's ValueError.

    Returns:
        A leaf tensor sharing ``data``'s memory.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.autograd.Variable(dn.ones(2), requires_grad=True)
        >>> x.requires_grad, x.is_leaf
        (True, True)
    """
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if volatile:
        warnings.warn(
            "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
            UserWarning,
            stacklevel=2,
        )
        if requires_grad:
            raise ValueError("Variable can't be volatile and require_grad at the same time!")
    return data.detach().requires_grad_(requires_grad)
