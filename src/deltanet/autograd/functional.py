"""``torch.autograd.functional``'s first-order tools: ``jacobian``, ``vjp`` and ``jvp``.

Each evaluates ``func`` on detached copies of the inputs that require a gradient and runs the
engine backwards, one pass per output element for the Jacobian (a row each: small problems, as in
teaching). Second-order tools (``hessian``, ``hvp``, ``vhp``) need the gradient to be
differentiated again, which deltanet's backward pass (on NumPy arrays) cannot do: they raise a
clear error, as ``create_graph=True`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd import engine
from deltanet.autograd.function import enable_grad
from deltanet.autograd.grads import NO_HIGHER
from deltanet.autograd.tensor import Tensor


def _inputs(inputs: Any, name: str) -> tuple[bool, tuple[Tensor, ...]]:
    single = isinstance(inputs, Tensor)
    ins = (inputs,) if single else tuple(inputs) if isinstance(inputs, (tuple, list)) else None
    if ins is None or not all(isinstance(t, Tensor) for t in ins):
        raise TypeError(f"{name}: inputs must be a tensor or a tuple of tensors, got {type(inputs).__name__}")
    for t in ins:
        if t.array.dtype.kind != "f":
            raise ValueError(f"{name}: inputs must be floating point to be differentiated, got dtype {t.array.dtype}")
    return single, tuple(t.detach().requires_grad_(True) for t in ins)


def _outputs(out: Any, name: str) -> tuple[bool, tuple[Tensor, ...]]:
    single = isinstance(out, Tensor)
    outs = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
    if outs is None or not all(isinstance(t, Tensor) for t in outs):
        raise TypeError(f"{name}: func must return a tensor or a tuple of tensors, got {type(out).__name__}")
    return single, outs


def _gradients(out: Tensor, seed: np.ndarray, xs: tuple[Tensor, ...], strict: bool, name: str) -> list[np.ndarray]:
    """d<seed, out>/dx for each x (zeros where out does not depend on x, unless ``strict``)."""
    found = engine.backward(out, seed, True, inputs=xs) if out.requires_grad else {}
    grads = []
    for i, x in enumerate(xs):
        g = found.get(id(x))
        if g is None:
            if strict:
                raise RuntimeError(f"{name}: the output is independent of input {i} (strict=True)")
            g = np.zeros_like(x.array)
        grads.append(np.asarray(g, dtype=x.array.dtype))
    return grads


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    r"""The Jacobian $J_{ij} = \partial y_i / \partial x_j$ of ``func`` at ``inputs``.

    Args:
        func: maps the input tensor(s) to a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        create_graph: must be False: deltanet cannot differentiate a gradient again.
        strict: raise when an output does not depend on an input (else its block is zeros).
        vectorize: accepted for PyTorch's code; the rows are computed one by one either way.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``; both give the same numbers here.

    Returns:
        For one input and one output a tensor of shape ``output.shape + input.shape``; a tuple over
        the inputs (or the outputs) where there are several; a tuple of tuples ``[output][input]``
        where both are.

    Raises:
        NotImplementedError: ``create_graph=True``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.functional import jacobian
        >>> jacobian(lambda x: x**2, dn.tensor([1.0, 3.0]))
        tensor([[2., 0.],
                [0., 6.]])
    """
    if create_graph:
        raise NotImplementedError(NO_HIGHER)
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    single_in, xs = _inputs(inputs, "jacobian")
    with enable_grad():
        single_out, outs = _outputs(func(*xs), "jacobian")
    blocks = []
    for out in outs:
        rows: list[list[np.ndarray]] = [[] for _ in xs]
        for j in range(out.array.size):
            seed = np.zeros(out.shape, dtype=out.array.dtype)
            seed.flat[j] = 1
            for i, g in enumerate(_gradients(out, seed, xs, strict, "jacobian")):
                rows[i].append(g)
        blocks.append(
            tuple(
                Tensor._make(
                    np.stack(r).reshape(out.shape + x.shape) if r else np.zeros(out.shape + x.shape, x.array.dtype)
                )
                for r, x in zip(rows, xs, strict=True)
            )
        )
    per_out = [b[0] if single_in else b for b in blocks]
    return per_out[0] if single_out else tuple(per_out)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    r"""The output of ``func`` and the vector-Jacobian product $v^\top J$.

    Args:
        func: maps the input tensor(s) to one tensor.
        inputs: a tensor or a tuple of tensors.
        v: a tensor of the output's shape (may be left out for a one-element output).
        create_graph: must be False: deltanet cannot differentiate a gradient again.
        strict: raise when the output does not depend on an input (else zeros).

    Returns:
        ``(output, vjp)``: the vjp a tensor for one input, a tuple for several.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.functional import vjp
        >>> vjp(lambda x: x**2, dn.tensor([1.0, 3.0]), dn.tensor([1.0, 1.0]))[1]
        tensor([2., 6.])
    """
    if create_graph:
        raise NotImplementedError(NO_HIGHER)
    single_in, xs = _inputs(inputs, "vjp")
    with enable_grad():
        single_out, outs = _outputs(func(*xs), "vjp")
    if not single_out:
        raise NotImplementedError("vjp: deltanet supports a func with one output tensor; call vjp once per output")
    (out,) = outs
    if v is None:
        if out.array.size != 1:
            raise RuntimeError("vjp: v must be given for an output of more than one element")
        seed = np.ones(out.shape, dtype=out.array.dtype)
    else:
        seed = np.asarray(v.array if isinstance(v, Tensor) else v, dtype=out.array.dtype)
        if seed.shape != out.shape:
            raise ValueError(f"vjp: v has shape {seed.shape}, expected the output's {out.shape}")
    grads = [Tensor._make(g) for g in _gradients(out, seed, xs, strict, "vjp")]
    return out.detach(), grads[0] if single_in else tuple(grads)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    r"""The output of ``func`` and the Jacobian-vector product $J v$ (through the Jacobian).

    Args:
        func: maps the input tensor(s) to one tensor.
        inputs: a tensor or a tuple of tensors.
        v: the tangent: a tensor per input of its shape (may be left out for one one-element input).
        create_graph: must be False: deltanet cannot differentiate a gradient again.
        strict: raise when the output does not depend on an input (else zeros).

    Returns:
        ``(output, jvp)`` with the jvp of the output's shape.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.functional import jvp
        >>> jvp(lambda x: x**2, dn.tensor([1.0, 3.0]), dn.tensor([1.0, 1.0]))[1]
        tensor([2., 6.])
    """
    if create_graph:
        raise NotImplementedError(NO_HIGHER)
    single_in, xs = _inputs(inputs, "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].array.size != 1:
            raise RuntimeError("jvp: v must be given unless there is one input of one element")
        tangents = [np.ones_like(xs[0].array)]
    else:
        vs = (v,) if single_in else tuple(v)
        tangents = [np.asarray(t.array if isinstance(t, Tensor) else t, dtype=x.array.dtype) for t, x in zip(vs, xs)]
        if len(vs) != len(xs) or any(t.shape != x.shape for t, x in zip(tangents, xs, strict=False)):
            raise ValueError("jvp: v must have one tensor per input, each of that input's shape")
    J = jacobian(func, xs[0] if single_in else xs, strict=strict)
    with enable_grad():
        _, outs = _outputs(func(*xs), "jvp")
    if len(outs) != 1:
        raise NotImplementedError("jvp: deltanet supports a func with one output tensor; call jvp once per output")
    out = outs[0]
    blocks = (J,) if single_in else J
    total = sum(b.array.reshape(out.array.size, -1) @ t.reshape(-1) for b, t in zip(blocks, tangents, strict=True))
    return out.detach(), Tensor._make(np.asarray(total, dtype=out.array.dtype).reshape(out.shape))


def _second_order(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"autograd.functional.{name}: {NO_HIGHER}")

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"""``{name}``: refused, it needs second derivatives (see the module docstring).

    Args:
        args: PyTorch's arguments.
        kwargs: PyTorch's keyword arguments.

    Raises:
        NotImplementedError: always.

    Examples:
        >>> import deltanet as dn
        >>> try:
        ...     dn.autograd.functional.{name}(lambda x: (x**3).sum(), dn.ones(2))
        ... except NotImplementedError as error:
        ...     print(str(error).split(":")[0])
        autograd.functional.{name}
    """
    return refuse


hessian = _second_order("hessian")
hvp = _second_order("hvp")
vhp = _second_order("vhp")
