r"""A training step captured once and replayed without the graph: ``dn.compile_step``.

The step is the seeds' four, as ``training.step`` writes them:

```python
optimizer.zero_grad()
L = loss(model(x), y)   # 1. feed forward, 2. compute the loss
L.backward()            # 3. backpropagate
optimizer.step()        # 4. optimize
```

For a small network most of its time is not arithmetic. A 4-16-3 MLP on 150 samples spends about
a third of each step making ``Tensor`` objects, recording graph nodes, walking the graph in
``backward`` and calling modules (benchmark W1). A ``Sequential`` of layers always records the
same chain of ``Function``\ s, so ``CompiledStep`` builds that chain once from the modules (the
*plan*) and then, each step, calls each layer's own ``Function.forward`` on the arrays, the loss
(cross-entropy and MSE: their own checks, then their Function directly; any other loss module
as it is), each ``Function.backward`` in reverse order, hands the gradients to the parameters
as the engine does and calls ``optimizer.step()``. The arithmetic is the eager step's:
the same Functions, on the same arrays, in the same order, so the loss, the gradients and the
weights equal the eager step's bit for bit (``tests/training/test_compiled.py`` checks it for
every layer, loss and optimizer it replays).

A plan covers only what it can replay exactly. The layers are ``Linear`` (on a batch of rows),
``Sigmoid``, ``Tanh``, ``ReLU`` and ``Identity``, in a ``Sequential`` (nested ones included) or
alone; any loss module; any optimizer that takes no closure. Everything else runs the eager step
(``CompiledStep.why`` says why), and so does every step that finds something changed since the
plan was made: a module added, removed, given a hook or a ``forward`` of its own (a function set
on the instance); a parameter frozen, resized, cast to another dtype or replaced; a hook on a
parameter; gradients turned off or anomaly detection on; an input of another dtype or width. A
changed model is read again and, where it still can be, replayed from a new plan (a layer frozen
or unfrozen between epochs). The plan does not depend on the batch size (the last, shorter batch
of an epoch). ``DELTANET_REFERENCE=1`` runs every step eagerly.

What differs from the eager step: the loss returned is detached (its graph was never recorded),
and ``.grad`` of the layers' outputs is never kept (there are no output tensors to keep it on).

``dn.fit`` runs its steps through the same replay (``training.step.Step``), in two halves:
``feed_forward`` (zero the gradients, steps 1 and 2), then, once fit has checked that the loss is
finite, ``backpropagate`` (step 3); fit checks the gradients and calls ``optimizer.step()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import backend, nn
from deltanet.autograd import Tensor, anomaly, hooks
from deltanet.autograd.engine import _accumulate_leaf as accumulate_leaf
from deltanet.autograd.function import Function, _state
from deltanet.autograd.ops import ReLU, Sigmoid, Tanh
from deltanet.autograd.tensor import leaf
from deltanet.functional.linear import Linear
from deltanet.functional.losses import SoftmaxCrossEntropy, SquaredError, cross_entropy_arguments, mse_loss_arguments

#: The losses whose Function a step calls directly: the Function, and the loss function's checks that
#: give its arguments (what ``nn.CrossEntropyLoss.forward`` and ``nn.MSELoss.forward`` do before
#: ``apply``). Other losses are called as modules.
LOSS_ARGUMENTS: dict[type, tuple[type[Function], Callable[..., tuple[Tensor, Tensor, dict[str, Any]]]]] = {
    nn.CrossEntropyLoss: (
        SoftmaxCrossEntropy,
        lambda loss, z, y: cross_entropy_arguments(
            z,
            y,
            reduction=loss.reduction,
            label_smoothing=loss.label_smoothing,
            weight=loss.weight,
            ignore_index=loss.ignore_index,
        ),
    ),
    nn.MSELoss: (SquaredError, lambda loss, z, y: mse_loss_arguments(z, y, reduction=loss.reduction)),
}

#: The layers a plan replays, and the Function each one's ``forward`` applies to its input.
ACTIVATIONS: dict[type, type[Function]] = {nn.Sigmoid: Sigmoid, nn.Tanh: Tanh, nn.ReLU: ReLU}


def _layers(model: nn.Module) -> list[nn.Module] | str:
    """The model's layers in the order it calls them, or why it cannot be replayed."""
    if type(model) is not nn.Sequential:
        return [model]
    layers: list[nn.Module] = []
    for child in model._modules.values():
        found = _layers(child)
        if isinstance(found, str):
            return found
        layers.extend(found)
    return layers


def _intercepted(own: dict[str, Any]) -> bool:
    """Whether a module (its instance ``__dict__``) has a hook or a ``forward`` set on the instance,
    which a plan would not call. A hook table that is left empty after ``handle.remove()`` is none."""
    return "forward" in own or any(own.get("_hooks", {}).values())


def _why_not(layers: list[nn.Module], optimizer: Any) -> str | None:
    """Why these layers and this optimizer cannot be replayed, or None."""
    for layer in layers:
        if type(layer) not in ACTIVATIONS and type(layer) not in (nn.Linear, nn.Identity):
            return f"{type(layer).__name__} is not a layer the plan replays (Linear, Sigmoid, Tanh, ReLU, Identity)"
    if getattr(optimizer, "requires_closure", False):
        return f"{type(optimizer).__name__} evaluates the loss several times per step (a closure)"
    return None


class CompiledStep:
    r"""One training step of ``model`` (zero the gradients, feed forward, loss, backward, optimize),
    replayed from a plan of its layers' Functions without recording a graph.

    Calling it does what the four eager lines do, with the same arithmetic, bit for bit (see the
    module docstring for what it replays and when it runs the eager step instead). ``feed_forward``
    and ``backpropagate`` are its two halves without step 4, for a loop that checks the loss in
    between, as ``dn.fit`` does: ``dn.fit`` replays its steps with this class whenever it can.

    Args:
        model: the network: a ``Sequential`` of ``Linear``, ``Sigmoid``, ``Tanh``, ``ReLU`` and
            ``Identity`` layers is replayed; any other model runs eagerly.
        loss: a loss module (``losses.CrossEntropy()``, ``nn.MSELoss()``, ...) or its name.
        optimizer: the optimizer over the model's parameters.

    Attributes:
        why: why the last step ran eagerly, or None when it was replayed.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet import nn, optim
        >>> model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.Tanh(), nn.Linear(8, 3, rng=1))
        >>> step = dn.compile_step(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
        >>> X = np.random.default_rng(0).standard_normal((30, 4)).astype(np.float32)
        >>> y = np.arange(30) % 3
        >>> first = step(X, y).item()
        >>> for _ in range(50):
        ...     last = step(X, y).item()
        >>> last < first, step.why
        (True, None)
    """

    def __init__(self, model: nn.Module, loss: Any, optimizer: Any) -> None:
        from deltanet import losses  # layer 4, beside nn; imported here as fit does

        if not isinstance(model, nn.Module):
            raise TypeError(f"compile_step: model must be an nn.Module, got {type(model).__name__}")
        if not callable(getattr(optimizer, "step", None)) or not callable(getattr(optimizer, "zero_grad", None)):
            raise TypeError(
                f"compile_step: optimizer must be an optimizer (step, zero_grad), got {type(optimizer).__name__}"
            )
        self.model, self.optimizer = model, optimizer
        self.loss = losses.get(loss) if isinstance(loss, str) else loss
        if not callable(self.loss):
            raise TypeError(f"compile_step: loss must be a loss module or its name, got {type(loss).__name__}")
        self.why: str | None = None
        self._pending: tuple[list[tuple[Function, tuple[Tensor, ...]]], Tensor, Tensor, Function | None] | None = None
        self._ones: dict[np.dtype, np.ndarray] = {}
        self._build()

    # -- guards ------------------------------------------------------------------------------
    def _build(self) -> None:
        """Read the model again: its layers, what the plan depends on, and the plan."""
        layers = _layers(self.model)
        self._layers = layers if isinstance(layers, list) else []
        self._unsupported = layers if isinstance(layers, str) else _why_not(self._layers, self.optimizer)
        self._params = [p for layer in self._layers for p in layer.parameters(recurse=False)]
        # What a plan depends on, checked before every step: each container's children (and that
        # nobody hooked it or gave it a forward of its own), and each layer's parameters: the same
        # objects (none replaced, no bias added or removed), with the same dtype, shape and
        # requires_grad.
        containers = [m for m in self.model.modules() if type(m) is nn.Sequential]
        self._containers = [(m, tuple(m._modules.values())) for m in containers]
        self._hookable = [(m, _intercepted(m.__dict__)) for m in containers + self._layers]
        hooked = [m for m, has in self._hookable if has]
        if hooked and self._unsupported is None:
            self._unsupported = (
                f"{type(hooked[0]).__name__} has a hook or a forward of its own (the plan calls no modules)"
            )
        self._expect = [
            (layer._parameters, name, p, None if p is None else (p.array.dtype, p.array.shape, p._requires_grad))
            for layer in self._layers
            for name, p in layer._parameters.items()
        ]
        self._learns = any(p._requires_grad for p in self._params)
        self._plan = self._make_plan() if self._unsupported is None else []

    def _unchanged(self) -> bool:
        """Whether the model is as the plan saw it (the slots, not the properties: every step)."""
        for container, children in self._containers:
            if tuple(container._modules.values()) != children:
                return False
        for module, hooked in self._hookable:
            own = module.__dict__
            if (("_hooks" in own or "forward" in own) and _intercepted(own)) is not hooked:
                return False
        for slots, name, p, reading in self._expect:
            if slots.get(name) is not p:  # a parameter replaced, or a bias added or removed
                return False
            if reading is not None:
                dtype, shape, requires = reading
                data = p.array
                if data.dtype != dtype or data.shape != shape or p._requires_grad is not requires:
                    return False
        return True

    def _eager_because(self, x: np.ndarray) -> str | None:
        """Why this step must run eagerly, or None. A changed model is read again (a new plan)."""
        if not self._unchanged():
            self._build()
        if self._unsupported is not None:
            return self._unsupported
        if backend.REFERENCE:
            return "DELTANET_REFERENCE=1 runs every step eagerly"
        if not _state.enabled:
            return "gradients are disabled (no_grad): the eager step raises as backward() does"
        if anomaly.state.enabled or hooks.leaf_hooks.table:
            return "anomaly detection or a tensor hook is on"
        if not self._learns:
            return "no parameter requires a gradient"
        first = self._layers[0] if self._layers else None
        if type(first) is nn.Linear:
            W = first.weight.array
            if x.ndim != 2 or x.dtype != W.dtype or x.shape[1] != W.shape[1]:
                return (
                    f"the input ({x.dtype}, shape {x.shape}) is not a batch of rows of the first layer's "
                    f"dtype {W.dtype} and width {W.shape[1]}"
                )
        elif x.dtype.kind != "f":
            return f"the input has dtype {x.dtype}, not floating point"
        return None

    # -- the plan ------------------------------------------------------------------------------
    def _make_plan(self) -> list[tuple[type[Function], tuple[Tensor, ...], tuple[bool, ...]]]:
        """Each layer's (Function, parameters, needs_input_grad), as ``Function.apply`` would set
        ``needs_input_grad`` for it: the input needs a gradient once any earlier parameter does."""
        plan, running = [], False
        for layer in self._layers:
            if type(layer) is nn.Identity:
                continue
            params: tuple[Tensor, ...] = ()
            function: type[Function]
            if type(layer) is nn.Linear:
                function = Linear
                params = (layer.weight,) if layer.bias is None else (layer.weight, layer.bias)
            else:
                function = ACTIVATIONS[type(layer)]
            needs = (running,) + tuple(p._requires_grad for p in params)
            running = running or any(needs)
            plan.append((function, params, needs if any(needs) else (False,) * len(needs)))
        return plan

    # -- the step ------------------------------------------------------------------------------
    def __call__(self, x: Any, y: Any) -> Tensor:
        """Run one step on inputs ``x`` and targets ``y``; returns the loss (before the update).

        Args:
            x: a batch of inputs (array or Tensor).
            y: its targets, as the loss takes them.

        Returns:
            The loss, a 0-d Tensor without a graph.
        """
        replayed = self.feed_forward(x, y)  # zero_grad, 1. feed forward, 2. compute the loss
        if replayed is None:
            return self._eager(x, y)
        self.backpropagate()  # 3. backpropagate
        self.optimizer.step()  # 4. optimize
        return replayed[0].detach()

    def feed_forward(self, x: Any, y: Any) -> tuple[Tensor, np.ndarray] | None:
        r"""The first half of a replayed step: ``optimizer.zero_grad()``, then steps 1 and 2 (feed
        forward, compute the loss) from the plan; no gradient reaches a parameter yet.

        ``backpropagate()`` then runs step 3. In between, the caller may look at the loss (``fit``
        refuses a non-finite one there, while the parameters' gradients are still zeroed). When
        this step must run eagerly, it does nothing and returns None; ``why`` says why.

        Args:
            x: a batch of inputs (array or Tensor).
            y: its targets, as the loss takes them.

        Returns:
            ``(L, a)``: the loss, a Tensor whose graph (if any) ends at the outputs, and the
            network's outputs $a$ as an array; or None.
        """
        self._pending = None
        xa = x.array if isinstance(x, Tensor) else np.asarray(x)
        self.why = (
            "the input requires a gradient" if isinstance(x, Tensor) and x._requires_grad else self._eager_because(xa)
        )
        if self.why is not None:
            return None
        self.optimizer.zero_grad()
        a = xa
        calls = []
        for function, params, needs in self._plan:  # 1. feed forward: each layer's Function, on arrays
            fn = function.__new__(function)
            fn.needs_input_grad = needs
            if not params:
                a = fn.forward(a)
            elif len(params) == 2:
                a = fn.forward(a, params[0].array, params[1].array)
            else:
                a = fn.forward(a, *[p.array for p in params])
            calls.append((fn, params))
        z = leaf(a)  # the network's output as a leaf: the loss's own code and checks
        z._requires_grad = bool(calls)
        direct = self._direct_loss(z, y) if calls else None
        if direct is not None:  # 2. compute the loss with the loss's own Function
            L, loss_fn = direct
        else:
            L, loss_fn = self.loss(z, y), None  # 2. compute the loss, through the loss module
        self._pending = (calls, z, L, loss_fn)
        return L, a

    def backpropagate(self) -> None:
        r"""The second half of a replayed step, step 3: $\delta$ from the loss back through each
        layer's ``Function.backward`` in reverse order, each parameter's gradient handed to its
        ``.grad`` as the engine hands it. ``optimizer.step()`` (step 4) is the caller's.

        Raises:
            RuntimeError: no ``feed_forward`` of a replayed step to finish (each one is finished once).
        """
        if self._pending is None:
            raise RuntimeError("CompiledStep.backpropagate: call feed_forward first (one backpropagate per step)")
        calls, z, L, loss_fn = self._pending
        self._pending = None
        if not calls:  # nothing to learn in the layers: the loss's own graph, as eagerly
            L.backward()
            return
        delta = self._direct_delta(loss_fn, L, z) if loss_fn is not None else self._output_delta(L, z)
        given: set[int] = set()
        for fn, params in reversed(calls):  # layer by layer, as the engine would
            if delta is None:  # no earlier layer learns (frozen first layers): the engine stops here too
                break
            grads = fn.backward(delta)
            if not params:
                delta = grads
                continue
            delta = grads[0]
            for p, g in zip(params, grads[1:]):
                if g is not None:
                    accumulate_leaf(p, g, given)

    def _direct_loss(self, z: Tensor, y: Any) -> tuple[Tensor, Function] | None:
        r"""$L$ from the loss's Function, called as ``Function.apply`` would call it after the loss
        function's own checks (``LOSS_ARGUMENTS``), and that Function for $\partial L / \partial z$
        later; None for the other losses, or when the checks hand over another tensor than z."""
        entry = LOSS_ARGUMENTS.get(type(self.loss))
        if entry is None or self.loss.reduction == "none":
            return None
        function, arguments = entry
        zt, target, options = arguments(self.loss, z, y)
        if zt is not z or target._requires_grad:
            return None
        fn = function.__new__(function)
        fn.needs_input_grad = (True, False)
        value = fn.forward(z.array, target.array, **options)
        if type(value) is not np.ndarray:  # as Function.apply does with a NumPy scalar
            value = np.asarray(value)
        return leaf(value), fn

    def _direct_delta(self, fn: Function, L: Tensor, z: Tensor) -> np.ndarray:
        r"""$\partial L / \partial z$ from the loss's Function that ``_direct_loss`` ran, in z's dtype."""
        delta = fn.backward(self._one(L.array.dtype))[0]
        return delta.astype(z.array.dtype) if delta.dtype != z.array.dtype else delta

    def _one(self, dtype: np.dtype) -> np.ndarray:
        r"""$\partial L / \partial L = 1$, a 0-d array of ``dtype``, made once per dtype."""
        one = self._ones.get(dtype)
        if one is None:
            one = self._ones[dtype] = np.ones((), dtype)
        return one

    def _output_delta(self, L: Tensor, z: Tensor) -> np.ndarray:
        r"""$\partial L / \partial z$: from the loss's one Function directly when it made ``L``
        from ``z`` in one node (cross-entropy, MSE, ...), else through the engine."""
        fn = L._ctx
        one_node = fn is not None and getattr(fn, "parents", None) and fn.parents[0] is z and not fn.hooked
        if one_node and L.array.ndim == 0:
            grads = fn.backward(self._one(L.array.dtype))
            delta = grads[0] if isinstance(grads, tuple) else grads
            L._ctx = None  # the graph is used up, as after backward()
            if delta is not None:
                return np.asarray(delta, dtype=z.array.dtype) if delta.dtype != z.array.dtype else delta
        L.backward()
        return z._grad.array if z._grad is not None else np.zeros_like(z.array)

    def _eager(self, x: Any, y: Any) -> Tensor:
        """The four lines, as written."""
        self.optimizer.zero_grad()
        L = self.loss(self.model(x), y)
        L.backward()
        self.optimizer.step()
        return L.detach()


def compile_step(model: nn.Module, loss: Any, optimizer: Any) -> CompiledStep:
    r"""A training step of ``model`` that replays its layers' Functions without the graph; for
    small networks, whose steps are bound by Python's overhead rather than arithmetic.

    ``step = dn.compile_step(model, loss, optimizer)`` then ``step(x, y)`` does what
    ``optimizer.zero_grad(); L = loss(model(x), y); L.backward(); optimizer.step()`` does, with the
    same results bit for bit, and returns ``L`` (detached). Models it cannot replay run those four
    lines; ``step.why`` says why (see ``deltanet.training.compiled``).

    Args:
        model: the network (a ``Sequential`` of ``Linear``, ``Sigmoid``, ``Tanh``, ``ReLU``,
            ``Identity`` is replayed).
        loss: a loss module or its name ("cross_entropy", "mse", ...).
        optimizer: the optimizer over the model's parameters.

    Returns:
        The ``CompiledStep``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet import nn, optim
        >>> model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.Sigmoid(), nn.Linear(4, 1, rng=1))
        >>> step = dn.compile_step(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.5))
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
        >>> y = X.sum(axis=1, keepdims=True) / 2
        >>> losses = [step(X, y).item() for _ in range(200)]
        >>> losses[-1] < losses[0]
        True
    """
    return CompiledStep(model, loss, optimizer)


def compile(model: Any = None, **options: Any) -> Any:  # noqa: A001 - PyTorch's name, not in __all__
    r"""PyTorch's ``torch.compile``, for code that calls it: returns ``model`` itself, unchanged.

    deltanet has no graph compiler: its Functions run NumPy eagerly, and ``torch.compile``'s
    promise is the eager results, so the model is the right answer (PyTorch's own
    ``backend="eager"``). What compiling buys a small network in deltanet is the training step
    replayed without the graph: ``compile_step(model, loss, optimizer)``. Used as a decorator
    (``@dn.compile`` or ``@dn.compile(...)``), it returns the function.

    Args:
        model: the module or function to "compile"; None when called for a decorator.
        options: PyTorch's ``fullgraph``, ``dynamic``, ``backend``, ``mode``, ``options``,
            ``disable``: accepted and ignored (each only changes how PyTorch compiles).

    Returns:
        ``model``, or a decorator that returns its function.

    Raises:
        TypeError: an option PyTorch's ``torch.compile`` does not take.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(2, 1)
        >>> dn.compile(model) is model
        True
        >>> @dn.compile(mode="reduce-overhead")
        ... def f(x):
        ...     return x * 2
        >>> f(dn.tensor([1.0])).tolist()
        [2.0]
    """
    unknown = set(options) - {"fullgraph", "dynamic", "backend", "mode", "options", "disable"}
    if unknown:
        raise TypeError(f"compile() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if model is None:
        return lambda function: function
    if not callable(model):
        raise TypeError(f"compile: expected a module or a function, got {type(model).__name__}")
    return model
