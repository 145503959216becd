"""``Function``: one differentiable primitive, its forward and backward side by side; and grad mode.

A subclass writes ``forward(self, *arrays, **options)`` on raw arrays and returns the output array,
and ``backward(self, delta)`` that receives dL/d(output) and returns dL/d(input) for each tensor
input (``None`` where an input needs no gradient). Whatever backward needs, forward keeps with
``save_for_backward`` or as attributes; nothing else of the forward pass survives. Calling
``MyFunction.apply(*tensors, **options)`` runs forward and, when a gradient is wanted, records the
function as the creator of its output so that the engine can walk back through it.

``needs_input_grad[i]`` is known before forward runs, so forward can skip saving what no gradient
will use (the input of the first layer, say).

Grad mode (whether ``apply`` records) belongs to the thread, as in PyTorch: ``no_grad`` in one
thread (a ``predict`` running beside a ``fit``) leaves every other thread recording, and a new
thread starts with recording on.

An output that shares memory with an input (a reshape, a transpose, a basic slice) is a *view*:
it remembers its base tensor and shares its version counter (``deltanet.autograd.versions``), so
that an in-place change through one is seen through the other.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from deltanet.autograd import function_outputs
from deltanet.autograd import tensor as tensor_module
from deltanet.autograd.tensor import Tensor
from deltanet.autograd.versions import sequence

_F = TypeVar("_F", bound=Callable[..., Any])


class _GradState(threading.local):
    # Class attributes: the state every thread starts with.
    enabled = True
    inference = False


_state = _GradState()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backpropagation in this thread.

    Returns:
        False inside a ``no_grad`` block (or after ``set_grad_enabled(False)``), True otherwise.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_grad_enabled()
        True
        >>> with dn.no_grad():
        ...     dn.is_grad_enabled()
        False
    """
    return _state.enabled


tensor_module._grad_enabled = is_grad_enabled  # numpy() and __array__ read the grad mode through it


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside an ``inference_mode`` block.

    Returns:
        True inside ``inference_mode()``, False otherwise.

    Examples:
        >>> import deltanet as dn
        >>> with dn.inference_mode():
        ...     dn.autograd.is_inference_mode_enabled()
        True
    """
    return _state.inference


class _GradModeContext:
    """A context manager that sets grad mode and restores it, usable as a decorator too."""

    def _target(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __init__(self) -> None:
        self._saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._saved.append((_state.enabled, _state.inference))
        _state.enabled = self._target()

    def __exit__(self, *exc_info: Any) -> None:
        _state.enabled, _state.inference = self._saved.pop()

    def clone(self) -> _GradModeContext:
        """A new context of the same kind (a decorated function enters a fresh one per call)."""
        return type(self)()

    def __call__(self, func: _F) -> _F:
        return _decorate(func, self.clone)


def _decorate(func: _F, context: Callable[[], Any]) -> _F:
    """``func`` run inside a fresh ``context()`` per call (per step of a generator function)."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            try:
                with context():
                    item = next(gen)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException:
                        with context():
                            item = gen.throw(*sys.exc_info()[1:2])
                    else:
                        with context():
                            item = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return generator  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with context():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) in which no graph is recorded: inference and parameter updates.

    Results computed inside do not require a gradient, and nothing is kept for ``backward``. It
    applies to the current thread only. As a decorator it may be written with or without
    parentheses (``@dn.no_grad()`` or ``@dn.no_grad``).

    Args:
        orig_func: the function to decorate, when written ``@no_grad`` without parentheses.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> with dn.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @dn.no_grad()
        ... def double(x):
        ...     return x * 2
        >>> double(w).requires_grad
        False
    """

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        super().__init__()

    def _target(self) -> bool:
        return False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that records the graph again inside a ``no_grad`` block.

    Args:
        orig_func: the function to decorate, when written ``@enable_grad`` without parentheses.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> with dn.no_grad():
        ...     with dn.enable_grad():
        ...         y = w * 2
        >>> y.requires_grad
        True
    """

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        super().__init__()

    def _target(self) -> bool:
        return True


class set_grad_enabled(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Turn recording on or off in this thread: called, it sets the mode at once; used with
    ``with`` (or as a decorator), it restores the previous mode afterwards.

    Args:
        mode: True to record operations for ``backward``, False not to.

    Raises:
        ValueError: ``mode`` is not True or False.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0], requires_grad=True)
        >>> with dn.set_grad_enabled(False):
        ...     (w * 2).requires_grad
        False
        >>> _ = dn.set_grad_enabled(False); (w * 2).requires_grad
        False
        >>> _ = dn.set_grad_enabled(True); (w * 2).requires_grad
        True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        super().__init__()
        self.mode = bool(mode)
        self.previous = _state.enabled
        _state.enabled = self.mode

    def _target(self) -> bool:
        return self.mode

    def __call__(self, func: _F) -> _F:
        _state.enabled = self.previous  # decorating does not change the mode; each call will
        return super().__call__(func)

    def __exit__(self, *exc_info: Any) -> None:
        super().__exit__(*exc_info)
        _state.enabled = self.previous

    def clone(self) -> set_grad_enabled:
        """A new context with the same mode (it sets the mode when created, as ``__init__`` does)."""
        previous = _state.enabled
        fresh = type(self)(self.mode)
        fresh.previous = previous
        return fresh


class inference_mode(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) for inference: in deltanet the same as ``no_grad``.

    PyTorch additionally marks the tensors made inside as unusable in a later graph; deltanet
    records nothing inside, so such tensors simply do not require a gradient.

    Args:
        mode: True to switch recording off; False switches it on, as PyTorch's
            ``inference_mode(False)`` (inside ``no_grad`` too).

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0], requires_grad=True)
        >>> with dn.inference_mode():
        ...     (w * 2).requires_grad
        False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"inference_mode: mode must be True or False, got {mode!r}")
        super().__init__()
        self.mode = bool(mode)

    def _target(self) -> bool:
        return not self.mode  # PyTorch's InferenceMode(false) sets grad mode on

    def __enter__(self) -> None:
        super().__enter__()
        _state.inference = self.mode

    def clone(self) -> inference_mode:
        """A new context with the same mode."""
        return type(self)(self.mode)


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

    __slots__ = ("parents", "needs_input_grad", "saved_tensors", "seq", "delta", "__dict__", "__weakref__")
    # Filled in by apply (and save_for_backward); declared here for the type checker only.
    parents: tuple[Tensor, ...] | None  # None once backward has freed the graph
    needs_input_grad: tuple[bool, ...]
    saved_tensors: tuple[Any, ...]
    seq: int
    delta: Any
    hooked = False  # True once a tensor hook or retain_grad hangs on this function (autograd.hooks)
    # True where backward reads the saved output but PyTorch's saves the input or indices instead
    # (max pooling, elu, silu): an in-place change of the output then gives this function a copy of
    # the old output (autograd.inplace), so that backward works where PyTorch's does.
    output_copied_on_edit = False
    # True where PyTorch's function saves nothing for backward although this one keeps arrays
    # (indices, offsets, a constant factor of a composite such as mean): a backward pass without
    # retain_graph then keeps it usable, as PyTorch's (engine.free). Set on a class or an instance.
    reusable = False
    # Set only where they apply (in the instance __dict__; see engine.check_saved and inplace):
    previous: Any  # for a recorded in-place operation, the function that made the old value
    stale_output: Any  # set when an in-place operation changed the output this function saved

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(inspect.getattr_static(cls, "forward"), staticmethod):  # its own or inherited
            # PyTorch's form: @staticmethod forward(ctx, *args) and backward(ctx, *grads) on tensors.
            # apply then records a node of a class made here, ``<Name>Backward``, that is the ``ctx``.
            node = type(f"{cls.__name__}Backward", (_CtxNode,), {"user": cls, "__module__": cls.__module__})
            cls.apply = classmethod(_ctx_apply).__get__(None, node)  # type: ignore[method-assign]

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
        # needs = (t.requires_grad for each input), data = forward(t.array for each input): unrolled
        # for the one to three inputs of nearly every op, since on Python 3.11 the two list
        # comprehensions of the general form (the last branch) cost as much as the rest of apply.
        n = len(inputs)
        if n == 1:
            (a,) = inputs
            needs: tuple[bool, ...] = (a._requires_grad,)
            record = _state.enabled and needs[0]
            fn.needs_input_grad = needs if record else (False,)
            data = fn.forward(a.array, **options)
        elif n == 2:
            a, b = inputs
            needs = (a._requires_grad, b._requires_grad)
            record = _state.enabled and True in needs
            fn.needs_input_grad = needs if record else (False, False)
            data = fn.forward(a.array, b.array, **options)
        elif n == 3:
            a, b, c = inputs
            needs = (a._requires_grad, b._requires_grad, c._requires_grad)
            record = _state.enabled and True in needs
            fn.needs_input_grad = needs if record else (False, False, False)
            data = fn.forward(a.array, b.array, c.array, **options)
        else:
            needs = tuple([t._requires_grad for t in inputs])
            record = _state.enabled and True in needs
            fn.needs_input_grad = needs if record else (False,) * n
            data = fn.forward(*[t.array for t in inputs], **options)
        if type(data) is not np.ndarray:  # NumPy gives scalars for 0-d results; a Tensor holds arrays
            data = np.asarray(data)
        out = Tensor.__new__(Tensor)
        out.array = data
        out._grad = None
        out._vc = None
        out._base = None
        if record:
            fn.parents = inputs
            fn.seq = next(sequence)
            fn.delta = None
            out._requires_grad = True
            out._ctx = fn
        else:
            out._requires_grad = False
            out._ctx = None
        if data.base is not None:  # perhaps a view of an input (reshape, transpose, slice)
            _tag_view(out, inputs)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def name(self) -> str:
        """The function's name (PyTorch's ``grad_fn.name()``; deltanet's names are its class names)."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The functions that made this one's inputs, as PyTorch's ``grad_fn.next_functions``: one
        ``(function, 0)`` pair per input, an ``AccumulateGrad`` for a leaf that requires a gradient,
        ``None`` for a constant; empty once backward has freed the graph."""
        if getattr(self, "parents", None) is None:
            return ()
        return tuple(
            (p._ctx if p._ctx is not None else AccumulateGrad(p) if p._requires_grad else None, 0)
            for p in self.parents or ()
        )


class AccumulateGrad:
    """Where a leaf's gradient ends in the graph, as PyTorch's ``AccumulateGrad`` node: ``variable``
    is the leaf (reached through ``grad_fn.next_functions``).

    Args:
        variable: the leaf tensor.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.tensor([1.0], requires_grad=True)
        >>> (w * 2).grad_fn.next_functions[0][0].variable is w
        True
    """

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self.next_functions: tuple[tuple[Any, int], ...] = ()

    def name(self) -> str:
        """``"AccumulateGrad"``."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _tag_view(out: Tensor, inputs: tuple[Tensor, ...]) -> None:
    """If ``out`` shares an input's memory, give it that memory's base tensor and version counter.

    A NumPy view's ``base`` is the array that owns the memory; a strided view (``as_strided``,
    ``sliding_window_view``: ``Tensor.unfold``) reaches it through a chain of bases instead, which
    is followed too: an input changed in place must be seen through every view of it.
    """
    base = out.array.base
    while base is not None:
        for t in inputs:
            data = t.array
            if data is base or data.base is base:
                root = t if t._base is None else t._base
                out._base = root
                out._vc = vc = root._shared_version()
                vc.add_view(out)
                if t._requires_grad and not _state.enabled:
                    # PyTorch: a view made under no_grad of a tensor that requires grad requires
                    # grad too, a leaf without history whose gradient backward drops (engine)
                    out._requires_grad = True
                return
        base = getattr(base, "base", None)


class _CtxNode(Function):
    """The recorded node of a PyTorch-style ``Function`` subclass (static ``forward(ctx, ...)`` and
    ``backward(ctx, grad_output)`` on tensors); it is the ``ctx`` both receive. ``needs_input_grad``
    has one entry per argument of ``forward``, as PyTorch's; the engine's ``parents`` are the tensor
    arguments only."""

    user: Any  # the user's Function subclass
    positions: tuple[int, ...]  # where the tensor arguments stand among forward's arguments

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep the tensors (or None) that ``backward`` reads back as ``ctx.saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__} (keep other values as attributes: ctx.k = k)"
                )
        self.saved_tensors = tensors

    def mark_dirty(self, *tensors: Any) -> None:
        """Refused: a custom Function that changes its input in place is not supported."""
        raise NotImplementedError(
            f"{type(self).__name__}: mark_dirty (a custom Function changing its input in place) is not "
            f"supported by deltanet; return a new tensor from forward (x * 2, not x.mul_(2))"
        )

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """The output given here gets no gradient, as in PyTorch: it does not require grad (an integer
        output, such as an argmax, never does)."""
        self.__dict__["non_differentiable"] = {id(o) for o in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for an output of several that got no
        gradient, as in PyTorch; a single output always receives a tensor here."""
        self.__dict__["_dn_materialize"] = bool(value)

    def backward(self, delta: Any) -> Any:
        with no_grad():
            grads = self.user.backward(self, *function_outputs.grad_outputs(self, delta))
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = len(self.needs_input_grad)
        if len(grads) < n or any(g is not None for g in grads[n:]):
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n}, got {len(grads)}): backward must return one gradient (or None) per "
                f"argument of forward, non-tensor arguments included"
            )
        out: list[np.ndarray | None] = []
        for i, parent in zip(self.positions, self.parents or (), strict=True):
            g = grads[i]
            if g is None or not parent._requires_grad:
                out.append(None)
                continue
            g = np.asarray(g.array if isinstance(g, Tensor) else g, dtype=parent.array.dtype)
            if g.shape != parent.array.shape:
                try:
                    np.broadcast_shapes(g.shape, parent.array.shape)
                    g = _sum_to(g, parent.array.shape)
                except ValueError:
                    raise RuntimeError(
                        f"function {type(self).__name__} returned an invalid gradient at index {i} - got "
                        f"{list(g.shape)} but expected shape compatible with {list(parent.array.shape)}"
                    ) from None
            out.append(g)
        return tuple(out)


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``g`` summed over the axes that broadcasting added to ``shape`` (PyTorch's ``sum_to``)."""
    if g.ndim < len(shape) or np.broadcast_shapes(g.shape, shape) != g.shape:
        raise ValueError("not reducible")
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape, strict=True)) if b == 1 and a != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def reusable(t: Any) -> Any:
    """Mark the function that made ``t`` as ``reusable`` (its PyTorch counterpart saves nothing,
    so a second backward through it works) and return ``t``: for composites whose parts save an
    offset or a constant that PyTorch's single function does not."""
    ctx = getattr(t, "_ctx", None)
    if ctx is not None:
        ctx.reusable = True
    return t


def _ctx_apply(node_cls: type[_CtxNode], *args: Any, **kwargs: Any) -> Any:
    """``apply`` of a PyTorch-style ``Function``: forward runs on the tensors under ``no_grad``, and
    its output gets the node (the ``ctx``) as its creator when an input requires a gradient."""
    user = node_cls.user
    ctx = node_cls.__new__(node_cls)
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    inputs = tuple(args[i] for i in positions)
    record = _state.enabled and any(t._requires_grad for t in inputs)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and record for a in args)
    ctx.saved_tensors = ()
    with no_grad():
        if hasattr(user, "setup_context"):  # PyTorch 2's form: forward(*args) without ctx
            out = user.forward(*args, **kwargs)
            user.setup_context(ctx, args, out)
        else:
            out = user.forward(ctx, *args, **kwargs)
    if isinstance(out, (tuple, list)):
        if record:
            ctx.parents = inputs
            ctx.positions = positions
            ctx.seq = next(sequence)
            ctx.delta = None
        return function_outputs.join_outputs(ctx, tuple(out), inputs, record, Function, _tag_view)
    if not isinstance(out, Tensor):
        raise TypeError(f"{user.__name__}.forward must return a tensor, got {type(out).__name__}")
    result = Tensor.__new__(Tensor)
    result.array = out.array
    result._grad = result._base = result._vc = None
    if record and (out.array.dtype.kind != "f" or id(out) in ctx.__dict__.get("non_differentiable", ())):
        record = False  # PyTorch: an integer or marked output requires no grad and has no grad_fn
    if record:
        ctx.parents = inputs
        ctx.positions = positions
        ctx.seq = next(sequence)
        ctx.delta = None
        result._requires_grad = True
        result._ctx = ctx
    else:
        result._requires_grad = False
        result._ctx = None
    if result.array.base is not None or any(result.array is t.array for t in inputs):
        _tag_view(result, inputs)
    return result


def once_differentiable(backward: Any) -> Any:
    """PyTorch's decorator of a custom ``backward`` that is not itself differentiable. deltanet's
    backward never records a graph (no second derivatives), so it returns ``backward`` as it is.

    Args:
        backward: the static ``backward(ctx, *grad_outputs)`` of a ``Function`` subclass.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.function import once_differentiable
        >>> class Twice(dn.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         return g * 2
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> Twice.apply(x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 2.0]
    """
    return backward
