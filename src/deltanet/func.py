r"""``torch.func`` under its names: ``functional_call``, ``grad``, ``grad_and_value``, ``vmap`` and
``jacrev``, the pieces that per-sample gradients and meta-learning code are written with.

- ``functional_call(model, params, args)`` runs ``model`` with some of its parameters and buffers
  replaced by the given tensors for that one call; gradients flow to the given tensors.
- ``grad(f)`` is the function $x \mapsto \nabla_x f(x)$ of a scalar-valued ``f``, computed by one
  backward pass of deltanet's engine.
- ``vmap(f)`` maps ``f`` over an axis of its inputs: here by calling ``f`` once per sample and
  stacking the results, which gives PyTorch's values (not its speed).

So ``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)`` gives one gradient per sample, as in
PyTorch. What deltanet cannot do is differentiate a gradient again: ``grad(grad(f))`` and
``jacrev(grad(f))`` raise, as ``create_graph=True`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from deltanet import autograd, nn
from deltanet.autograd import Tensor
from deltanet.autograd.functional import jacobian
from deltanet.autograd.grads import NO_HIGHER
from deltanet.nn import stateless


# -- functional_call -------------------------------------------------------------------------------
def _merged(parameter_and_buffer_dicts: Any) -> dict[str, Any]:
    if isinstance(parameter_and_buffer_dicts, dict):
        return parameter_and_buffer_dicts  # PyTorch writes a reassigned buffer back into it
    if not isinstance(parameter_and_buffer_dicts, Sequence):
        raise ValueError(
            f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
            f"but got {type(parameter_and_buffer_dicts)}"
        )
    if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
        raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
    merged: dict[str, Any] = {}
    repeated: list[str] = []
    for d in parameter_and_buffer_dicts:
        repeated += [k for k in d if k in merged and k not in repeated]
        merged.update(d)
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    return merged


def functional_call(
    module: nn.Module,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    r"""Call ``module`` with some parameters and buffers replaced, for this call only.

    Each key is a dotted name of ``module.named_parameters()`` or ``named_buffers()``; its tensor
    stands in for that parameter or buffer while ``module(*args, **kwargs)`` runs, and the
    originals are back afterwards (also when the call raises). With ``tie_weights`` a
    replacement also stands in for every other name of the same tied tensor, and two different
    values for one tied tensor raise. A key that names neither is set as an attribute for the
    call, as PyTorch does; a buffer that the call reassigns is written back into the dict.

    Args:
        module: the model.
        parameter_and_buffer_dicts: a dict of name to tensor, or a tuple of such dicts (a name
            may appear in one of them only).
        args: the positional arguments (a single non-tuple value is the only one).
        kwargs: the keyword arguments.
        tie_weights: replace tied parameters together.
        strict: every parameter and buffer must be given (after tying), and no other key.

    Raises:
        ValueError: a name in several dicts; something else than dicts; with ``tie_weights``,
            two different values for one tied tensor.
        RuntimeError: with ``strict``, an unexpected or missing key.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.Linear(2, 1)
        >>> params = {"weight": dn.tensor([[1.0, 2.0]]), "bias": dn.tensor([0.5])}
        >>> dn.func.functional_call(m, params, (dn.tensor([[1.0, 1.0]]),)).tolist()
        [[3.5]]
    """
    replacements = _merged(parameter_and_buffer_dicts)
    return stateless.call(module, replacements, args, kwargs, tie_weights, strict)


# -- grad ------------------------------------------------------------------------------------------
_active = threading.local()


@contextmanager
def _transform(name: str) -> Iterator[None]:
    """Run a differentiating transform; one inside another (``grad(grad(f))``) raises, because its
    result would have to be differentiated again, which deltanet's backward pass cannot do."""
    if getattr(_active, "depth", 0):
        raise NotImplementedError(
            f"{name} inside grad or jacrev: the result would be differentiated again; {NO_HIGHER}"
        )
    _active.depth = 1
    try:
        yield
    finally:
        _active.depth = 0


def _positions(argnums: Any, count: int) -> tuple[int, ...]:
    numbers = argnums if isinstance(argnums, tuple) else (argnums,)
    if not numbers or not all(isinstance(i, int) and not isinstance(i, bool) for i in numbers):
        raise ValueError(f"grad: argnums must be an int or a tuple of ints, got {argnums!r}")
    for i in numbers:
        if not -count <= i < count:
            raise ValueError(f"grad: got argnums={argnums!r}, but the function has {count} positional arguments")
    return tuple(i % count for i in numbers)


def _leaves(value: Any, owner: str) -> Any:
    """``value`` (a tensor, or a dict/tuple/list of them) with each tensor a fresh leaf that requires a gradient."""
    if isinstance(value, Tensor):
        if value.array.dtype.kind != "f":
            raise ValueError(
                f"{owner}: only floating-point inputs can be differentiated, got dtype {value.array.dtype}"
            )
        return value.detach().requires_grad_(True)
    if isinstance(value, dict):
        return {k: _leaves(v, owner) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_leaves(v, owner) for v in value)
    raise TypeError(
        f"{owner}: differentiated arguments must be tensors (or dicts, tuples, lists of them), "
        f"got {type(value).__name__}"
    )


def _flat(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [t for v in items for t in _flat(v)]


def _rebuild(value: Any, grads: dict[int, Any]) -> Any:
    """``value``'s structure with each leaf replaced by its gradient (zeros where none reached it)."""
    if isinstance(value, Tensor):
        g = grads.get(id(value))
        return autograd.zeros_like(value.detach()) if g is None else autograd.as_tensor(g)
    if isinstance(value, dict):
        return {k: _rebuild(v, grads) for k, v in value.items()}
    return type(value)(_rebuild(v, grads) for v in value)


def _detached(value: Any) -> Any:
    """``value`` with every tensor in it detached (the auxiliary outputs leave the transform without a graph)."""
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_detached(v) for v in value)
    return value


def grad_and_value(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    r"""The function that returns $(\nabla f, f)$ of a scalar-valued ``func`` at its arguments.

    Args:
        func: returns a one-element tensor (with ``has_aux``, a pair ``(value, aux)``).
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints); each
            is a tensor or a dict, tuple or list of tensors (a model's parameters).
        has_aux: ``func`` also returns something that is passed through.

    Returns:
        A function returning ``(gradients, value)``, or ``(gradients, (value, aux))``.

    Examples:
        >>> import deltanet as dn
        >>> g, value = dn.func.grad_and_value(lambda w: (w**2).sum())(dn.tensor([1.0, 2.0]))
        >>> g.tolist(), value.item()
        ([2.0, 4.0], 5.0)
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not args:
            raise ValueError("grad: the function must be called with at least one positional argument")
        positions = _positions(argnums, len(args))
        inputs = list(args)
        for i in positions:
            inputs[i] = _leaves(inputs[i], "grad")
        with _transform("grad"), autograd.enable_grad():
            out = func(*inputs, **kwargs)
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(
                    "grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) if has_aux is True"
                )
            value, aux = out
        else:
            value, aux = out, None
        if not isinstance(value, Tensor) or value.array.size != 1 or value.ndim != 0:
            shape = f"tensor with {value.ndim} dims" if isinstance(value, Tensor) else type(value).__name__
            raise RuntimeError(
                f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got {shape}. "
                f"Maybe you wanted to use the vjp or jacrev APIs instead?"
            )
        leaves = [t for i in positions for t in _flat(inputs[i])]
        found = autograd.engine.backward(value, None, False, inputs=leaves) if value.requires_grad else {}
        grads = tuple(_rebuild(inputs[i], found) for i in positions)
        gradient = grads if isinstance(argnums, tuple) else grads[0]
        value = value.detach()
        return (gradient, (value, _detached(aux))) if has_aux else (gradient, value)

    return wrapper


def grad(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    r"""The function $x \mapsto \nabla_x f(x)$ of a scalar-valued ``func``.

    Args:
        func: returns a one-element tensor (with ``has_aux``, a pair ``(value, aux)``).
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).
        has_aux: ``func`` also returns something that is passed through: then ``(gradients, aux)``.

    Examples:
        >>> import deltanet as dn
        >>> dn.func.grad(lambda w: (w**3).sum())(dn.tensor([1.0, 2.0])).tolist()
        [3.0, 12.0]
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gradient, value = inner(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def jacrev(func: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    r"""The function $x \mapsto \partial f / \partial x$ (the Jacobian, of shape ``f(x).shape + x.shape``).

    Args:
        func: returns a tensor.
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).

    Examples:
        >>> import deltanet as dn
        >>> dn.func.jacrev(lambda x: x**2)(dn.tensor([1.0, 2.0])).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """

    def wrapper(*args: Any) -> Any:
        positions = _positions(argnums, len(args))

        def of_chosen(*chosen: Any) -> Any:
            full = list(args)
            for i, value in zip(positions, chosen, strict=True):
                full[i] = value
            return func(*full)

        with _transform("jacrev"):
            result = jacobian(of_chosen, tuple(args[i] for i in positions))
        return result if isinstance(argnums, tuple) else result[0]

    return wrapper


def jacfwd(func: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    r"""The Jacobian, as ``jacrev`` computes it (PyTorch builds it in forward mode; the values are the same).

    Args:
        func: returns a tensor.
        argnums: which positional argument(s) to differentiate.

    Examples:
        >>> import deltanet as dn
        >>> dn.func.jacfwd(lambda x: x * 3)(dn.tensor([1.0, 2.0])).tolist()
        [[3.0, 0.0], [0.0, 3.0]]
    """
    return jacrev(func, argnums)


def hessian(func: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    r"""PyTorch's Hessian, a derivative of a derivative, which deltanet's backward pass cannot take.

    Raises:
        NotImplementedError: when the returned function is called.

    Examples:
        >>> import deltanet as dn
        >>> dn.func.hessian(lambda x: (x**3).sum())(dn.tensor([1.0]))
        Traceback (most recent call last):
        ...
        NotImplementedError: hessian: create_graph=True: deltanet's backward pass ...
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"hessian: {NO_HIGHER}")

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    r"""``func(*primals)`` and the function $v \mapsto v^\top J$ (one gradient per primal, as a tuple).

    Args:
        func: returns one tensor (with ``has_aux``, a pair ``(output, aux)``).
        primals: the tensors to differentiate at.
        has_aux: ``func`` also returns something that is passed through.

    Returns:
        ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)``.

    Examples:
        >>> import deltanet as dn
        >>> out, vjp_fn = dn.func.vjp(lambda x: x**2, dn.tensor([1.0, 3.0]))
        >>> vjp_fn(dn.ones(2))[0].tolist()
        [2.0, 6.0]
    """
    leaves = tuple(_leaves(p, "vjp") for p in primals)
    with _transform("vjp"), autograd.enable_grad():
        result = func(*leaves)
    out, aux = result if has_aux else (result, None)
    if not isinstance(out, Tensor):
        raise TypeError(f"vjp: func must return one tensor, got {type(out).__name__}")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        v = cotangent.array if isinstance(cotangent, Tensor) else cotangent
        flat = [t for leaf in leaves for t in _flat(leaf)]
        found = autograd.engine.backward(out, v, True, inputs=flat) if out.requires_grad else {}
        return tuple(_rebuild(leaf, found) for leaf in leaves)

    return (out.detach(), vjp_fn, _detached(aux)) if has_aux else (out.detach(), vjp_fn)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, has_aux: bool = False) -> Any:
    r"""``func(*primals)`` and the Jacobian-vector product $\sum_k J_k t_k$ (through the Jacobian).

    Args:
        func: returns one tensor.
        primals: a tuple of tensors to differentiate at.
        tangents: a tuple of tensors, one per primal, of its shape.
        has_aux: must be False here.

    Examples:
        >>> import deltanet as dn
        >>> out, tangent = dn.func.jvp(lambda x: x**2, (dn.tensor([1.0, 3.0]),), (dn.ones(2),))
        >>> tangent.tolist()
        [2.0, 6.0]
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be tuples")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    if has_aux:
        raise NotImplementedError("jvp(has_aux=True) is not available in deltanet")
    with _transform("jvp"):
        out, tangent = autograd.functional.jvp(lambda *xs: func(*xs), primals, tangents)
    return out.detach(), tangent


# -- vmap ------------------------------------------------------------------------------------------
def vmap(
    func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *, chunk_size: Any = None
) -> Callable[..., Any]:
    r"""``func`` mapped over an axis of its inputs: ``vmap(f)(x)[i]`` is ``f(x[i])``.

    deltanet calls ``func`` once per sample and stacks the results (PyTorch batches the
    operations instead): the same values and gradients, at the cost of a Python loop. Random
    operations inside draw anew for every sample (PyTorch's ``randomness="different"``; its
    default ``"error"`` refuses them, so a program that runs under PyTorch draws nothing).

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        in_dims: the mapped axis of each positional argument (an int, or None for an argument
            passed whole to every call), one for all or a tuple with one per argument.
        out_dims: where the mapped axis goes in each output (an int, or a tuple per output).
        randomness: "error" or "different" (see above); "same" is refused.
        chunk_size: accepted for PyTorch's signature (no effect).

    Raises:
        ValueError: no mapped argument, an axis out of range, mapped sizes that differ.

    Examples:
        >>> import deltanet as dn
        >>> dn.func.vmap(dn.dot)(dn.ones(3, 2), dn.ones(3, 2)).tolist()
        [2.0, 2.0, 2.0]
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")
    if randomness == "same":
        raise NotImplementedError("vmap(randomness='same') is not available: deltanet draws anew for each sample")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries for {len(args)} positional arguments")
        sizes: list[int] = []
        axes: list[int | None] = []
        for arg, d in zip(args, dims, strict=True):
            if d is None:
                axes.append(None)
                continue
            if not isinstance(arg, Tensor):
                raise ValueError(
                    f"vmap: an argument mapped over (in_dim={d}) must be a tensor, got {type(arg).__name__}"
                )
            if arg.ndim == 0 or not -arg.ndim <= d < arg.ndim:
                raise ValueError(
                    f"vmap: Got in_dim={d} for some input, but that input is a Tensor of dimensionality {arg.ndim}"
                )
            axes.append(d % arg.ndim)
            sizes.append(arg.shape[d])
        if not sizes:
            raise ValueError("vmap: at least one argument must be mapped over (all in_dims are None)")
        if len(set(sizes)) > 1:
            raise ValueError(
                f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                f"{sizes} for the mapped dimension"
            )
        outputs = [
            func(*[a if ax is None else a.select(ax, i) for a, ax in zip(args, axes, strict=True)], **kwargs)
            for i in range(sizes[0])
        ]
        return _stacked(outputs, out_dims)

    return wrapper


def _stacked(outputs: list[Any], out_dims: Any) -> Any:
    """The per-sample ``outputs`` stacked along ``out_dims``: tensors, and tuples, lists and dicts of them."""
    first = outputs[0]
    if isinstance(first, Tensor):
        if not isinstance(out_dims, int):
            raise ValueError(f"vmap: out_dims for a tensor output must be an int, got {out_dims!r}")
        return autograd.stack(outputs, dim=out_dims)
    if isinstance(first, dict):
        return {k: _stacked([o[k] for o in outputs], out_dims) for k in first}
    if isinstance(first, (tuple, list)):
        dims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(first)
        if len(dims) != len(first):
            raise ValueError(f"vmap: out_dims has {len(dims)} entries for {len(first)} outputs")
        parts = [_stacked([o[k] for o in outputs], d) for k, d in enumerate(dims)]
        return type(first)(parts)
    raise ValueError(
        f"vmap: the function must return tensors (or tuples, lists, dicts of them), got {type(first).__name__}"
    )


__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]
