"""``Module`` and ``Parameter``: the holders of weights, as in PyTorch.

A module owns parameters (tensors that the optimizer updates), buffers (arrays that are state
but not trained, such as BatchNorm's running statistics) and sub-modules, all registered by plain
attribute assignment. Names and ``state_dict`` keys follow PyTorch (``0.weight``, ``fc1.bias``,
``bn.running_mean``), so a PyTorch ``state_dict`` converted to NumPy loads as it is.

Modules hold; ``functional`` computes; ``optim`` updates.

Config capture: every subclass's ``__init__`` is wrapped (once, when the class is defined) so that
the outermost constructor call records its arguments, defaults applied, in ``_init_args``.
``Module.get_config`` turns them into JSON (what ``deltanet.io.save`` writes next to the
weights), so that a layer can be rebuilt as ``cls(**config)``. Only construction pays for this;
``forward`` and ``backward`` are untouched.

A hyperparameter that a layer keeps as an attribute named like its constructor argument
(``self.p = p``, ``self.momentum = momentum``) may be changed after construction: ``get_config``
saves the attribute's current value in place of the argument. The contract for a layer, so that
saving keeps what it holds: store each hyperparameter under its argument's name, in a form the
constructor accepts back; keep private bookkeeping in ``_``-prefixed attributes. ``deltanet.io``
rebuilds the model at save time and compares every public attribute, so a change that the
constructor cannot express is refused with the layer and attribute named, never lost.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor


class Parameter(Tensor):
    """A tensor that a module owns and an optimizer updates (``requires_grad=True``).

    Assigning a ``Parameter`` to a module attribute registers it: it appears in
    ``parameters()``, ``named_parameters()`` and ``state_dict()``.

    Args:
        data: array-like initial values (Python floats become float32).
        requires_grad: whether ``backward()`` fills ``.grad`` (True; False freezes it).
        dtype: optional dtype to convert ``data`` to.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, 2.0])
        >>> w.requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model.

    Subclasses assign parameters, buffers (``register_buffer``) and sub-modules in ``__init__``
    and write ``forward``. Calling the module calls ``forward``. A module has no shape of its
    own: its ``forward`` decides what it takes.

    Examples:
        >>> import deltanet as dn
        >>> class TwoLayer(dn.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = dn.nn.Linear(4, 8)
        ...         self.out = dn.nn.Linear(8, 3)
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
        >>> [name for name, _ in TwoLayer().named_parameters()]
        ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    # Set in __init__ with object.__setattr__ (declared here for the type checker only).
    _parameters: OrderedDict[str, Parameter]
    _buffers: OrderedDict[str, bool]
    _modules: OrderedDict[str, Module]
    training: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_records_config", False):
            setattr(cls, "__init__", _recording_init(init))  # noqa: B010 - mypy refuses assigning to a method

    def __init__(self) -> None:
        budget = _budget.get()
        if budget is not None:  # building a model from a file: count the modules (parameter_budget)
            budget.count_module(type(self).__name__)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            budget = _budget.get()
            if budget is not None:
                budget.charge(value.data.nbytes, type(self).__name__)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: Any) -> None:
        """Register a non-trained array that belongs to the state (e.g. running statistics)."""
        self.__setattr__(name, array)
        if array is not None:
            self._buffers[name] = True

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None records an absent parameter, e.g. no bias)."""
        self.__setattr__(name, param)

    # -- calling -----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        """Compute the output from the inputs; every subclass writes it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- traversal ---------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield (dotted name, module) for this module and every descendant, depth first."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant, depth first."""
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator[Module]:
        """Yield the direct sub-modules."""
        yield from self._modules.values()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield (name, module) for the direct sub-modules."""
        yield from self._modules.items()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield (dotted name, parameter), each parameter once, in registration order."""
        seen: set[int] = set()
        for mod_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_name}.{name}" if mod_name else name), p

    def parameters(self) -> list[Parameter]:
        """All parameters, each once (a list, so it can be iterated more than once)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """Yield (dotted name, array) for every registered buffer (e.g. ``bn.running_mean``)."""
        for mod_name, module in self.named_modules(prefix):
            for name in module._buffers:
                yield (f"{mod_name}.{name}" if mod_name else name), getattr(module, name)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this module; returns self."""
        for child in self._modules.values():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and dtype ---------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode: dropout drops, batch norm uses and updates batch statistics."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout is the identity, batch norm uses running statistics."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter."""
        for p in self.parameters():
            p.grad = None

    def to(self, dtype: Any) -> Module:
        """Convert every floating-point parameter and buffer to ``dtype`` (float32 or float64)."""
        dtype = np.dtype(dtype)
        backend.check_dtype(dtype)
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.data = p.data.astype(dtype)
                    p.grad = None
            for name in m._buffers:
                buf = getattr(m, name)
                if isinstance(buf, np.ndarray) and buf.dtype.kind == "f":
                    object.__setattr__(m, name, buf.astype(dtype))
        return self

    def double(self) -> Module:
        """Convert every floating-point parameter and buffer to float64 (for gradient checks)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Convert every floating-point parameter and buffer to float32."""
        return self.to(np.float32)

    # -- state -------------------------------------------------------------------------------
    def _named_state(self) -> OrderedDict[str, np.ndarray]:
        """Parameters and buffers by dotted name: the live arrays, not copies."""
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for mod_name, module in self.named_modules():
            dot = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    state[dot + name] = p.data
            for name in module._buffers:
                state[dot + name] = getattr(module, name)
        return state

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Parameters and buffers by dotted name, as copies (PyTorch's keys and shapes)."""
        return OrderedDict((key, np.array(value, copy=True)) for key, value in self._named_state().items())

    def load_state_dict(self, state: Any, strict: bool = True) -> Module:
        """Copy arrays from ``state`` into the parameters and buffers of the same names.

        Values may be NumPy arrays or anything ``numpy.asarray`` converts (PyTorch CPU tensors).
        Every shape must match; with ``strict`` the key sets must match too. Nothing is changed
        unless everything checks out.
        """
        own = self._named_state()  # the live arrays: checked first, then written in place
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected} (this model has {list(own)})"
            )
        arrays: dict[str, np.ndarray] = {}
        for key in own:
            if key not in state:
                continue
            value = state[key]
            if hasattr(value, "detach"):  # a torch tensor
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.dtype.kind not in "fiub":
                raise ValueError(f"load_state_dict: {key!r} has unsupported dtype {value.dtype}")
            if value.shape != np.shape(own[key]):
                raise ValueError(f"load_state_dict: {key!r} expected shape {np.shape(own[key])}, got {value.shape}")
            arrays[key] = value
        for key, value in arrays.items():
            own[key][...] = value  # in place: optimizers keep their references
        return self

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module as it is now, as JSON values.

        Arguments are those of the outermost constructor call with the defaults filled in, except
        that an argument whose same-named attribute was reassigned after construction
        (``layer.negative_slope = 0.3``, ``dropout.p = 0.2``, ``bn.momentum = None``) takes the
        attribute's current value. Tuples become lists; NumPy scalars and dtypes become numbers and
        names; a module argument becomes a nested ``{"class": name, "config": {...}}``. Two
        arguments are dropped (reported as None) because the weights they shape are saved anyway:
        an ``rng`` that is a ``numpy.random.Generator`` (an int seed is kept), and an ``init``
        given as a function (an initializer *name* is kept). Any other value that is not JSON (an
        array, a function, an object) raises ``ValueError`` naming the layer and the argument.

        Examples:
            >>> import deltanet as dn
            >>> dn.nn.Linear(4, 3, rng=0).get_config()
            {'in_features': 4, 'out_features': 3, 'bias': True, 'init': None, 'rng': 0, 'dtype': None}
            >>> layer = dn.nn.LeakyReLU(0.2)
            >>> layer.negative_slope = 0.3
            >>> layer.get_config()
            {'negative_slope': 0.3}
            >>> dn.nn.Sequential(dn.nn.ReLU()).get_config()
            {'layers': [{'class': 'ReLU', 'config': {}}]}
        """
        args = self.__dict__.get("_init_args") or {}
        marks = self.__dict__.get("_init_attrs") or {}
        name = type(self).__name__
        return {
            key: _config_value(_current_argument(self, key, value, marks), name, key) for key, value in args.items()
        }

    # -- printing ----------------------------------------------------------------------------
    def summary(self, input_shape: Any = None) -> Any:
        """Layers, output shapes and parameter counts (see ``deltanet.nn.summary.summary``).

        Args:
            input_shape: the shape of one sample, without the batch axis, e.g. ``(784,)``; None
                counts the parameters only.

        Examples:
            >>> import deltanet as dn
            >>> dn.nn.Sequential(dn.nn.Linear(784, 10)).summary().total_params
            7850
        """
        from deltanet.nn.summary import summary

        return summary(self, input_shape)

    def extra_repr(self) -> str:
        """The arguments that ``repr`` shows inside the parentheses; layers override it."""
        return ""

    def __repr__(self) -> str:
        children = [f"  ({n}): " + repr(m).replace("\n", "\n  ") for n, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(children) + "\n)" if children else ")")


# -- building from untrusted configs --------------------------------------------------------------
class _Budget:
    """Bytes of parameters, and modules, that a build inside ``parameter_budget`` may still create."""

    def __init__(self, limit: float, modules: float) -> None:
        self.limit, self.left = limit, limit
        self.module_limit, self.modules_left = modules, modules

    def charge(self, nbytes: int, owner: str) -> None:
        self.left -= nbytes
        if self.left < 0:
            raise ValueError(
                f"{owner}: the parameters built so far exceed {self.limit:.4g} bytes, more than "
                f"the file being loaded holds"
            )

    def count_module(self, owner: str) -> None:
        self.modules_left -= 1
        if self.modules_left < 0:
            raise ValueError(
                f"{owner}: the model being loaded builds more than {self.module_limit:.4g} modules, "
                f"more than a file of its size may describe"
            )


# A context variable, not a global: the budget binds the thread (context) that loads, and a
# layer that another thread builds meanwhile is not charged to it.
_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("deltanet_parameter_budget", default=None)


class parameter_budget:
    """Context manager: refuse to create more than ``limit`` bytes of parameters, or more than
    ``modules`` modules, inside it (in this thread; other threads are not affected).

    ``deltanet.io`` builds a model from a file's config before it reads the weights; a hostile
    config could ask a registered model for a terabyte layer, or for a million small ones. Layers
    assign their (lazily allocated, ``np.empty``) parameters before they fill them, so the check
    in ``__setattr__`` stops such a build before the memory is touched; each module is counted
    in ``Module.__init__``.

    Args:
        limit: the number of bytes the parameters may take in all.
        modules: the number of modules that may be built (no bound by default).

    Examples:
        >>> import deltanet as dn
        >>> with dn.nn.module.parameter_budget(1000):
        ...     dn.nn.Linear(1000, 1000)
        Traceback (most recent call last):
        ...
        ValueError: Linear: the parameters built so far exceed 1000 bytes, more than the file being loaded holds
    """

    def __init__(self, limit: float, modules: float = math.inf) -> None:
        self.budget = _Budget(limit, modules)

    def __enter__(self) -> None:
        self.token = _budget.set(self.budget)

    def __exit__(self, *exc: Any) -> None:
        _budget.reset(self.token)


# -- config capture --------------------------------------------------------------------------
def _recording_init(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a subclass's ``__init__`` so that the outermost call records its bound arguments.

    Inner calls (``super().__init__(...)``) see the marker that the outer call set and pass
    straight through, so a ``Conv2d`` records the arguments given to ``Conv2d(...)``, not those
    its base class received. The outer call also notes, for each argument, the value that the
    same-named attribute has once the constructor is done (``_init_attrs``): ``get_config`` saves
    an attribute changed after that in place of the argument.
    """
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self: Module, *args: Any, **kwargs: Any) -> None:
        if "_init_args" in self.__dict__:
            init(self, *args, **kwargs)
            return
        object.__setattr__(self, "_init_args", None)
        init(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        recorded: dict[str, Any] = {}
        for i, (key, value) in enumerate(bound.arguments.items()):
            if i == 0:
                continue  # self
            if signature.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                recorded.update(value)
            else:
                recorded[key] = value
        object.__setattr__(self, "_init_args", recorded)
        object.__setattr__(self, "_init_attrs", _attribute_marks(self, recorded))

    __init__._records_config = True  # type: ignore[attr-defined]
    return __init__


class _NotPlain:
    def __repr__(self) -> str:
        return "NOT_PLAIN"


#: What ``frozen_value`` returns for a value that is not a plain hyperparameter.
NOT_PLAIN: Any = _NotPlain()


def frozen_value(value: Any, depth: int = 0) -> Any:
    """A hashable form of a plain hyperparameter value, or ``NOT_PLAIN``.

    Plain values are None, booleans, numbers, strings, dtypes, and lists, tuples and str-keyed
    dicts of them. Two values that a saved config cannot tell apart give equal forms: a list
    equals the tuple of the same items, ``2`` equals ``2.0`` and ``numpy.float32(2)``, NaN equals
    NaN; ``True`` does not equal ``1``.

    Args:
        value: the attribute's value.
        depth: the nesting level reached so far (deeper than 32 is not plain).

    Examples:
        >>> from deltanet.nn.module import frozen_value
        >>> frozen_value((1, 2.0)) == frozen_value([1.0, 2])
        True
        >>> frozen_value(True) == frozen_value(1)
        False
    """
    if value is None:
        return ("none",)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, np.integer)):
        return ("num", int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return ("num", number) if number == number else ("nan",)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return ("dtype", np.dtype(value).name)
    if depth < 32 and isinstance(value, (tuple, list)):
        items = tuple(frozen_value(v, depth + 1) for v in value)
        return NOT_PLAIN if any(i is NOT_PLAIN for i in items) else ("seq", items)
    if depth < 32 and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        entries = tuple(sorted((k, frozen_value(v, depth + 1)) for k, v in value.items()))
        return NOT_PLAIN if any(v is NOT_PLAIN for _, v in entries) else ("dict", entries)
    return NOT_PLAIN


def _attribute_marks(module: Module, recorded: dict[str, Any]) -> dict[str, Any]:
    """For each argument with a same-named attribute: the attribute's frozen value, or a weak
    reference to it where it is a module."""
    marks: dict[str, Any] = {}
    for key in recorded:
        if key in module.__dict__:
            value = module.__dict__[key]
            if isinstance(value, Module):
                marks[key] = weakref.ref(value)
            else:
                frozen = frozen_value(value)
                if frozen is not NOT_PLAIN:
                    marks[key] = frozen
    return marks


_UNSET = object()


def _current_argument(module: Module, key: str, recorded: Any, marks: dict[str, Any]) -> Any:
    """The constructor argument ``key`` as it is now: the same-named attribute where that was
    reassigned after construction (``layer.negative_slope = 0.3``), else the recorded argument."""
    if key not in module.__dict__ or key in module._parameters or key in module._buffers:
        return recorded
    value = module.__dict__[key]
    if isinstance(value, Module):
        mark = marks.get(key)
        return recorded if isinstance(mark, weakref.ref) and mark() is value else value
    frozen = frozen_value(value)
    if frozen is NOT_PLAIN or marks.get(key, _UNSET) == frozen:
        return recorded
    return value


def _config_value(value: Any, owner: str, key: str) -> Any:
    """``value`` as JSON (see ``Module.get_config``), or ValueError naming owner and key."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, Module):
        return {"class": type(value).__name__, "config": value.get_config()}
    if isinstance(value, (tuple, list)):
        return [_config_value(v, owner, key) for v in value]
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if key == "rng" and isinstance(value, np.random.Generator):
        return None  # the weights it drew are saved
    if key == "init" and callable(value):
        return None  # the weights it initialized are saved
    raise ValueError(
        f"{owner}: constructor argument {key!r} is a {type(value).__name__} ({value!r:.60}), which "
        f"cannot be saved as JSON; give layers numbers, strings, booleans, None, lists of them or "
        f"modules (store arrays as parameters or buffers)"
    )
