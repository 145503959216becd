"""``Module`` and ``Parameter``: the holders of weights, as in PyTorch.

A module owns parameters (tensors that the optimizer updates), buffers (tensors that are state
but not trained, such as BatchNorm's running statistics) and sub-modules, all registered by plain
attribute assignment. Names and ``state_dict`` keys follow PyTorch (``0.weight``, ``fc1.bias``,
``bn.running_mean``), so a PyTorch ``state_dict`` (or it converted to NumPy) loads as it is; and
``state_dict()`` gives what PyTorch's gives, detached tensors that share the model's memory.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, parse_to_args
from deltanet.autograd.hooks import add as add_hook
from deltanet.autograd.inplace import changed_in_place
from deltanet.nn import hooks
from deltanet.nn.state import IncompatibleKeys, checked_arrays, copy_state

T = TypeVar("T")


class Members(list[T], Generic[T]):
    """What ``parameters()`` and ``buffers()`` return: a list (iterate it twice, index it, take its
    ``len``) that also answers ``next()`` as PyTorch's generator does, so that
    ``next(model.parameters()).dtype`` works.

    Once ``next`` has been called it is that iterator: a loop over it goes on after the items
    already taken, as a generator's would, never silently starting again from the first.

    Args:
        items: the members, in order.

    Examples:
        >>> import deltanet as dn
        >>> params = dn.nn.Linear(2, 3).parameters()
        >>> len(params), next(params).shape, next(params).shape
        (2, (3, 2), (3,))
    """

    def __init__(self, items: Iterable[T] = ()) -> None:
        super().__init__(items)
        self._taken: int | None = None

    def __next__(self) -> T:
        taken = self._taken or 0
        if taken >= len(self):
            raise StopIteration
        self._taken = taken + 1
        return self[taken]

    def __iter__(self) -> Iterator[T]:
        return super().__iter__() if self._taken is None else self


class Parameter(Tensor):
    """A tensor that a module owns and an optimizer updates (``requires_grad=True``).

    Assigning a ``Parameter`` to a module attribute registers it: it appears in
    ``parameters()``, ``named_parameters()`` and ``state_dict()``.

    Args:
        data: array-like initial values (Python floats become float32); None (or nothing) gives an
            empty tensor, as PyTorch's ``Parameter()``.
        requires_grad: whether ``backward()`` fills ``.grad`` (True; False freezes it).
        dtype: optional dtype to convert ``data`` to.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.nn.Parameter([1.0, 2.0])
        >>> w.requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True, dtype: Any = None) -> None:
        if data is None:  # PyTorch's Parameter(): an empty tensor of the default dtype
            data = np.empty(0, dtype=backend.DEFAULT_DTYPE if dtype is None else None)
        self._init(data, requires_grad, dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        """A new parameter with a copy of the values and the same ``requires_grad``, as PyTorch's
        ``Parameter.__deepcopy__``: without the gradient, and with memory of its own even where two
        parameters shared it (``q.data = p.data``). The same parameter twice (tied weights) gives
        one copy."""
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(np.copy(self.array, order="K"), self.requires_grad)
        memo[id(self)] = result
        return result


class Module:
    """Base class of every layer and model.

    Subclasses assign parameters, buffers (``register_buffer``) and sub-modules in ``__init__``
    and write ``forward``. Calling the module calls ``forward``. A module has no shape of its
    own: its ``forward`` decides what it takes. The methods are PyTorch's (``named_modules``,
    ``children``, ``apply``, ``zero_grad``, ``requires_grad_``, ``train``/``eval``, ``to``,
    ``state_dict``/``load_state_dict``, ...); ``parameters()`` returns a list rather than a
    generator, so it can be iterated twice.

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
    _buffers: OrderedDict[str, bool]  # the persistent buffers (in state_dict), by name
    _non_persistent_buffers: OrderedDict[str, bool]  # buffers left out of state_dict
    _modules: OrderedDict[str, Module]
    training: bool
    # State keys that load_state_dict fills from the module's own values when a dict lacks them
    # (batch norm's num_batches_tracked, as PyTorch's _load_from_state_dict).
    _optional_state: tuple[str, ...] = ()
    # Installed by deltanet.nn.summary, which imports this module (so this one does not import it).
    summary: Callable[..., Any]

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
        object.__setattr__(self, "_non_persistent_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        if name in self._parameters and not isinstance(value, Parameter) and value is not None:
            raise TypeError(
                f"cannot assign {type(value).__name__} as parameter {name!r} of {type(self).__name__} "
                f"(a deltanet.nn.Parameter or None expected); to change its values, write into "
                f"{name}.data"
            )
        buffer = name in self._buffers or name in self._non_persistent_buffers
        if buffer and not isinstance(value, (Parameter, Module)):
            # Still a buffer, as in PyTorch: a new Tensor replaces the old; None leaves the state
            # (state_dict, buffers()) until a Tensor is assigned again.
            object.__setattr__(self, name, _as_buffer(value, name, type(self).__name__))
            return
        target = (
            self._parameters if isinstance(value, Parameter) else self._modules if isinstance(value, Module) else None
        )
        for registry in (self._parameters, self._buffers, self._non_persistent_buffers, self._modules):
            if registry is not target:  # a replaced parameter or module keeps its place (and state_dict order)
                registry.pop(name, None)
        if isinstance(value, Parameter):
            budget = _budget.get()
            if budget is not None:
                budget.charge(value.array.nbytes, type(self).__name__)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._non_persistent_buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    if not TYPE_CHECKING:  # mypy keeps checking attribute names; only a missing one comes here

        def __getattr__(self, name: str) -> Any:
            if name == "save":  # TorchScript's scripted.save(path): torch.jit.script returned the module
                raise AttributeError(
                    f"{type(self).__name__} has no method 'save': deltanet has no TorchScript "
                    f"(torch.jit.script/trace return the module itself). Save it with dn.save(model, path), "
                    f"or export it with dn.onnx.export(model, path, input_shape=...)",
                    name=name,
                    obj=self,
                )
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)

    def _check_name(self, name: Any, what: str) -> str:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{type(self).__name__}: {what} name must be a non-empty string without '.', got {name!r}")
        return name

    def _check_free(self, name: str, same_kind: bool) -> None:
        """PyTorch's rule for ``register_buffer``/``register_parameter``/``add_module``: a name that is
        already another kind of attribute (a parameter registered as a buffer, a method) is refused;
        one of the same kind is replaced."""
        if not same_kind and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register a non-trained tensor that belongs to the state (e.g. running statistics).

        As in PyTorch, a buffer is a ``Tensor``: ``m.mask.clone()``, ``.numpy()``, ``.zero_()``
        work on it, and ``state_dict()`` gives it detached, sharing its memory. A NumPy array is
        wrapped in a Tensor that shares its memory (PyTorch refuses one; a deltanet program may
        give one). Assigning to the attribute later (``m.mask = t``) replaces the buffer; None
        leaves it out of ``state_dict()`` and ``buffers()`` until a Tensor comes back.

        Args:
            name: the attribute name (and ``state_dict`` key).
            tensor: a Tensor (kept as given), a NumPy array (wrapped, not copied), or None (no
                buffer yet).
            persistent: whether ``state_dict`` includes it (False: a cache derived from others).

        Raises:
            TypeError: ``tensor`` is something else (a list, a number), or a ``Parameter``.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> m = dn.nn.Module()
            >>> m.register_buffer("mask", dn.ones(2))
            >>> m.register_buffer("cache", np.zeros(2), persistent=False)
            >>> list(m.state_dict()), [n for n, _ in m.named_buffers()], type(m.cache).__name__
            (['mask'], ['mask', 'cache'], 'Tensor')
        """
        self._check_name(name, "buffer")
        self._check_free(name, name in self._buffers or name in self._non_persistent_buffers)
        if isinstance(tensor, Parameter):
            raise TypeError(f"buffer {name!r} is a Parameter; register it with register_parameter")
        tensor = _as_buffer(tensor, name, "register_buffer")
        persistent = check.flag(persistent, "persistent", "register_buffer")
        self.__setattr__(name, None)  # drops any earlier registration of the name
        for registry in (self._buffers, self._non_persistent_buffers):
            registry.pop(name, None)
        object.__setattr__(self, name, tensor)
        (self._buffers if persistent else self._non_persistent_buffers)[name] = True

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None records an absent parameter, e.g. no bias)."""
        self._check_name(name, "parameter")
        self._check_free(name, name in self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} as parameter {name!r} (a Parameter or None expected)"
            )
        self.__setattr__(name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the sub-module ``name`` (PyTorch's ``add_module``)."""
        self._check_name(name, "module")
        self._check_free(name, name in self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self.__setattr__(name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The sub-module at the dotted path ``target`` ("" is this module), as in PyTorch."""
        module: Module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no sub-module {part!r} (in {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"0.weight"``)."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]

    # -- calling -----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        """Compute the output from the inputs; every subclass writes it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "_hooks" in self.__dict__:
            return hooks.call(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # -- hooks (deltanet.nn.hooks) -----------------------------------------------------------
    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> hooks.RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; what it returns (if not None) replaces
        the positional arguments. With ``with_kwargs=True`` it is ``hook(module, args, kwargs)``,
        returning None or ``(args, kwargs)``. Returns a handle whose ``remove()`` takes it away."""
        return hooks.register(self, "forward_pre", hook, prepend, check.flag(with_kwargs, "with_kwargs", "hook"))

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> hooks.RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward`` (feature extraction); what it
        returns (if not None) replaces the output. With ``with_kwargs=True`` it is
        ``hook(module, args, kwargs, output)``. Returns a handle whose ``remove()`` takes it away."""
        return hooks.register(self, "forward", hook, prepend, check.flag(with_kwargs, "with_kwargs", "hook"))

    @property
    def _forward_pre_hooks(self) -> OrderedDict[int, Callable[..., Any]]:
        """The forward pre-hooks by handle id, as PyTorch's attribute (pruning code reads it: a
        pruned module's hook is its ``BasePruningMethod``). Empty, and not kept, where none was
        registered."""
        table = self.__dict__.get("_hooks")
        return OrderedDict() if table is None else table["forward_pre"]

    @property
    def _forward_hooks(self) -> OrderedDict[int, Callable[..., Any]]:
        """The forward hooks by handle id, as PyTorch's attribute (read it; register with
        ``register_forward_hook``)."""
        table = self.__dict__.get("_hooks")
        return OrderedDict() if table is None else table["forward"]

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> hooks.RemovableHandle:
        """Call ``hook(module, grad_output)`` in each backward pass, before the gradient goes into
        the module; what it returns (if not None) replaces ``grad_output``. Returns a handle whose
        ``remove()`` takes the hook away."""
        return hooks.register(self, "backward_pre", hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> hooks.RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` in each backward pass through this module;
        what it returns (if not None) replaces ``grad_input``. For modules of one tensor in and one
        out (``deltanet.nn.hooks``). Returns a handle whose ``remove()`` takes the hook away."""
        return hooks.register(self, "backward", hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> hooks.RemovableHandle:
        """PyTorch's deprecated form: refused, ``register_full_backward_hook`` does it right."""
        raise NotImplementedError(
            "register_backward_hook is deprecated in PyTorch (its grad_input can be wrong) and not in "
            "deltanet; use register_full_backward_hook(hook), called as hook(module, grad_input, grad_output)"
        )

    # -- traversal ---------------------------------------------------------------------------
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield (dotted name, module) for this module and every descendant, depth first.

        A module reached twice (shared) is yielded once unless ``remove_duplicate`` is False.
        """
        seen = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in seen:
                return
            seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(seen, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant, depth first, each once."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield (name, module) for the direct sub-modules, each once."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """Yield the direct sub-modules, each once."""
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, kind: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            if kind == "parameters":
                items: Any = module._parameters.items()
            else:
                names = list(module._buffers) + list(module._non_persistent_buffers)
                items = [(n, getattr(module, n)) for n in names if getattr(module, n) is not None]
            for name, value in items:
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield (dotted name, parameter), each parameter once, in registration order.

        With ``recurse=False`` only this module's own parameters.
        """
        yield from self._named_members("parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Members[Parameter]:
        """All parameters, each once: a list (it can be iterated more than once) that also answers
        ``next()``, as PyTorch's generator does (see ``Members``)."""
        return Members(p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        """Yield (dotted name, Tensor) for every buffer (e.g. ``bn.running_mean``), persistent or not,
        leaving out those set to None."""
        yield from self._named_members("buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Members[Any]:
        """All buffers (Tensors), each once: a list that also answers ``next()``."""
        return Members(b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes, gradients, dtype and device ----------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode: dropout drops, batch norm uses and updates batch statistics.

        Args:
            mode: True for training, False for evaluation.
        """
        mode = check.flag(mode, "mode", f"{type(self).__name__}.train")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout is the identity, batch norm uses running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter (False freezes the module); returns self."""
        flag = check.flag(requires_grad, "requires_grad", f"{type(self).__name__}.requires_grad_")
        for p in self.parameters():
            p.requires_grad = flag
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter: set them to None (default) or to zeros in place."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                grad = p.grad.array if isinstance(p.grad, Tensor) else p.grad
                grad[...] = 0

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert every floating-point parameter and buffer to a dtype; the device must be the CPU.

        Takes PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)`` (its dtype), ``to(device=..., dtype=...)``. Parameters and buffers stay the
        same objects (an optimizer built before keeps working; PyTorch makes new buffers); their
        gradients are cleared when the dtype changes. Integer buffers (``num_batches_tracked``) keep their dtype.

        Args:
            *args: a device ("cpu", ``dn.device("cpu")``), a dtype (float32 or float64), a tensor.
            **kwargs: ``device=``, ``dtype=``; ``non_blocking=`` and ``copy=`` are ignored (as are
                positional flags after the dtype).

        Returns:
            self.

        Raises:
            ValueError: a dtype that is not floating point ("int64": a model's parameters stay
                floating point) or float16.
            RuntimeError: a device other than the CPU ("cuda"): deltanet has no GPU backend.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> model = dn.nn.Linear(2, 2).to("cpu").to(np.float64)
            >>> model.weight.dtype
            dtype('float64')
        """
        owner = f"{type(self).__name__}.to"
        if args and isinstance(args[0], (bool, np.bool_)):  # a flag alone is no device nor dtype
            raise check.fail(owner, "the first argument", "a device, a dtype or a tensor", args[0])
        # A torch.device (any object with a string .type) is spelled out for the shared parser.
        args = tuple(str(a) if isinstance(getattr(a, "type", None), str) else a for a in args)
        if isinstance(getattr(kwargs.get("device"), "type", None), str):
            kwargs["device"] = str(kwargs["device"])
        try:
            _, dtype, _, _ = parse_to_args(*args, **kwargs)
        except (ValueError, RuntimeError) as error:  # the shared parser speaks as "to()"
            raise type(error)(f"{owner}: {str(error).removeprefix('to(): ')}") from None
        if kwargs.get("memory_format") is not None:
            self._to_memory_format(kwargs["memory_format"], owner)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise ValueError(
                f"{owner}: a model's parameters must stay floating point (float32 or float64), got {dtype.name}"
            )
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p.array.dtype.kind == "f" and p.array.dtype != dtype:
                    p.array = p.array.astype(dtype)
                    p.grad = None
            for name in list(m._buffers) + list(m._non_persistent_buffers):
                buf = getattr(m, name)
                if buf is not None and buf.array.dtype.kind == "f" and buf.array.dtype != dtype:
                    buf.array = buf.array.astype(dtype)  # the same Tensor: references to it stay the buffer
        return self

    def _to_memory_format(self, fmt: Any, owner: str) -> None:
        """Lay out every parameter and buffer of the format's rank (4-D for ``dn.channels_last``)
        in that order, as PyTorch's ``Module.to(memory_format=...)``: the same values and objects."""
        from deltanet.autograd.memory_formats import _ORDERS, check_format, is_laid_out, laid_out, preserve_format

        fmt = check_format(fmt, owner)
        if fmt is preserve_format:  # every tensor keeps its layout
            return
        rank = _ORDERS[fmt][0] if fmt in _ORDERS else None
        for m in self.modules():
            tensors = [*m._parameters.values(), *(getattr(m, n) for n in [*m._buffers, *m._non_persistent_buffers])]
            for t in tensors:
                if t is None or (rank is not None and t.ndim != rank):
                    continue
                if not is_laid_out(t.array, fmt):
                    t.array = laid_out(t.array, fmt, owner)

    def cpu(self) -> Module:
        """The module itself: deltanet computes on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused with a RuntimeError: deltanet has no GPU backend (use ``cpu()`` or nothing)."""
        raise RuntimeError(
            f"{type(self).__name__}.cuda(): deltanet computes on the CPU with NumPy and has no CUDA backend"
        )

    def double(self) -> Module:
        """Convert every floating-point parameter and buffer to float64 (for gradient checks)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Convert every floating-point parameter and buffer to float32."""
        return self.to(np.float32)

    def type(self, dst_type: Any) -> Module:  # noqa: A003 - PyTorch's name
        """Convert every floating-point parameter and buffer to ``dst_type`` (``model.type(dn.float64)``).

        Args:
            dst_type: the dtype (float32 or float64).
        """
        return self.to(dst_type)

    def half(self) -> Module:
        """Refused: deltanet computes in float32 or float64 (float16 cannot carry a gradient check)."""
        return self.to(np.float16)

    def bfloat16(self) -> Module:
        """Refused: deltanet computes in float32 or float64 (NumPy has no bfloat16)."""
        raise ValueError(f"{type(self).__name__}.bfloat16: deltanet computes in float32 or float64, not bfloat16")

    # -- state -------------------------------------------------------------------------------
    def _state_members(self) -> Iterator[tuple[str, Any]]:
        """(dotted name, member) for each parameter and persistent buffer, in ``state_dict`` order.

        The member is the ``Parameter`` or the buffer ``Tensor`` itself. A module or parameter
        reached under two names (tied weights) appears under both, as in PyTorch's ``state_dict``.
        """
        seen: set[str] = set()
        for mod_name, module in self.named_modules(remove_duplicate=False):
            dot = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None and dot + name not in seen:
                    seen.add(dot + name)
                    yield dot + name, p
            for name in module._buffers:
                value = getattr(module, name)
                if value is not None and dot + name not in seen:
                    seen.add(dot + name)
                    yield dot + name, value

    def _named_state(self) -> OrderedDict[str, np.ndarray]:
        """Parameters and persistent buffers by dotted name: the live arrays, not copies."""
        return OrderedDict((k, v.array) for k, v in self._state_members())

    def state_dict(self, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """Parameters and persistent buffers by dotted name, as PyTorch's: tensors that share memory
        with the model, not copies.

        Each value is ``p.detach()`` for a parameter and ``b.detach()`` for a buffer (the same
        memory and version counter, cut from the graph). So, as in PyTorch, writing through a
        value (``sd["0.weight"][0] = 0``, ``.copy_(...)``) changes the model, and
        ``best = model.state_dict()`` follows later training (batch norm's running statistics
        too): keep a snapshot with ``copy.deepcopy(model.state_dict())`` or
        ``{k: v.clone() for k, v in ...items()}``. Keys, order and shapes are PyTorch's.

        Args:
            destination: a mapping to fill (a new ``OrderedDict`` by default).
            prefix: put before every key.
            keep_vars: return the members themselves, as PyTorch does: each ``Parameter`` and
                each buffer ``Tensor`` (not detached).

        Returns:
            ``destination``, filled.

        Examples:
            >>> import copy, deltanet as dn
            >>> model = dn.nn.Linear(2, 1)
            >>> sd = model.state_dict()
            >>> sd["weight"].size(), sd["weight"].requires_grad
            ((1, 2), False)
            >>> best = copy.deepcopy(model.state_dict())
            >>> sd["bias"].fill_(3.0).tolist(), model.bias.tolist(), best["bias"].tolist() == [3.0]
            ([3.0], [3.0], False)
            >>> model.state_dict(keep_vars=True)["weight"] is model.weight
            True
        """
        out = OrderedDict() if destination is None else destination
        for key, value in self._state_members():
            if keep_vars:
                out[prefix + key] = value
            else:
                out[prefix + key] = value.detach()
        return out

    def _register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], with_module: bool = False
    ) -> hooks.RemovableHandle:
        """Call ``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` when ``load_state_dict`` starts (``prefix``: this module's dotted name and a
        dot), as PyTorch's: it may rename or convert entries of ``state_dict`` (a copy of the one
        given), e.g. an old checkpoint's keys. ``with_module=True`` passes the module first."""
        table = self.__dict__.get("_load_pre_hooks")
        if table is None:
            table = OrderedDict()
            object.__setattr__(self, "_load_pre_hooks", table)
        if check.flag(with_module, "with_module", "_register_load_state_dict_pre_hook"):
            hook = functools.partial(hook, self)
        return add_hook(table, hook)

    def _pre_hooked(self, state_dict: Any, strict: bool) -> Any:
        """``state_dict`` after the load pre-hooks of this module and its descendants (a copy if any)."""
        found = [(name, m) for name, m in self.named_modules() if m.__dict__.get("_load_pre_hooks")]
        if not found:
            return state_dict
        state_dict = OrderedDict(state_dict)
        for name, module in found:
            for hook in list(module.__dict__["_load_pre_hooks"].values()):
                hook(state_dict, f"{name}." if name else "", {}, strict, [], [], [])
        return state_dict

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and buffers of the same names.

        Values may be deltanet tensors (what ``state_dict()`` gives), NumPy arrays or PyTorch CPU
        tensors; a list or a number raises PyTorch's error. Every shape must match; with ``strict``
        the key sets must match too. Nothing is changed unless everything checks out. The arrays
        are written in place, so an optimizer built before keeps its parameters. A model's own
        ``state_dict()`` loads back as a no-op, and a value that shares memory with another key's
        array (a swap of two layers' weights) is copied before anything is written.

        With ``assign=True`` nothing is copied, as PyTorch's: each buffer becomes the given tensor
        (a NumPy array or PyTorch tensor is wrapped, sharing its memory), each parameter the given
        ``Parameter``, or a new ``Parameter`` on the given tensor's memory, keeping the old
        parameter's ``requires_grad``; the values keep their dtypes. An optimizer built before
        still holds the old parameters (build it after loading), and tied weights are untied, as
        in PyTorch.

        Args:
            state_dict: a mapping from dotted names to tensors or arrays.
            strict: require the same keys (missing or unexpected ones raise).
            assign: hold the given values instead of copying them into the module's.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``, as PyTorch.

        Raises:
            StateDictError: with ``strict``, a key is missing or unexpected (a ``KeyError`` and a
                ``RuntimeError``, so both PyTorch's and deltanet's habits catch it).
            StateDictShapeError: a shape does not match, also with ``strict=False`` (a ``ValueError``
                and PyTorch's ``RuntimeError``).
            RuntimeError: a value is no tensor nor array (PyTorch's error); with ``assign``, an integer
                value for a parameter that requires grad.
            ValueError: a value is not numeric.
        """
        assign = check.flag(assign, "assign", "load_state_dict")
        state_dict = self._pre_hooked(state_dict, strict)
        own = self._named_state()
        if assign:
            result, arrays = checked_arrays(own, state_dict, strict, type(self).__name__)
            self._assign_state(state_dict, arrays)
            return result
        result = copy_state(own, self._fill_optional_state(own, state_dict), strict, type(self).__name__)
        # Written in place, as PyTorch's copy_: a graph that saved the old values must not use
        # these (each tensor bumped once, though tied weights appear under two keys).
        written = {id(t): t for name, t in self._state_members() if name in state_dict}
        changed_in_place(written.values())
        return result

    def _assign_state(self, given: Mapping[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Make each parameter and buffer named in ``arrays`` the given value (``load_state_dict(assign=True)``),
        as PyTorch's ``_load_from_state_dict``: checked for every key first, then set module by module."""
        slots: list[tuple[Module, str, str, Parameter | None]] = []
        for mod_name, module in self.named_modules(remove_duplicate=False):
            dot = f"{mod_name}." if mod_name else ""
            for name, old in module._parameters.items():
                if old is not None and dot + name in arrays:
                    slots.append((module, name, dot + name, old))
            for name in module._buffers:
                if getattr(module, name) is not None and dot + name in arrays:
                    slots.append((module, name, dot + name, None))
        for _, _, key, held in slots:
            if held is not None and held.requires_grad and arrays[key].dtype.kind != "f":
                raise RuntimeError(
                    f"load_state_dict(assign=True): {key!r} requires grad and the value given is "
                    f"{arrays[key].dtype} (only Tensors of floating point and complex dtype can require gradients)"
                )
        for module, name, key, held in slots:
            value = given[key]
            if held is None:  # a buffer: the tensor given, or the array wrapped
                setattr(
                    module,
                    name,
                    value if isinstance(value, Tensor) and not isinstance(value, Parameter) else arrays[key],
                )
            elif isinstance(value, Parameter):
                value.requires_grad = held.requires_grad
                setattr(module, name, value)
            else:
                setattr(module, name, Parameter(arrays[key], requires_grad=held.requires_grad))

    def _fill_optional_state(self, own: OrderedDict[str, np.ndarray], state_dict: Any) -> Any:
        """``state_dict`` with the keys that submodules may lack (``_optional_state``) filled with
        their current values: PyTorch's batch norm loads a dict without ``num_batches_tracked``
        (older checkpoints, hand-built dicts) and keeps its count."""
        if not isinstance(state_dict, Mapping):
            return state_dict  # copy_state says what is wrong
        absent = {}
        for name, module in self.named_modules():
            for attr in type(module)._optional_state:
                key = f"{name}.{attr}" if name else attr
                if key in own and key not in state_dict:
                    absent[key] = own[key]
        return {**state_dict, **absent} if absent else state_dict

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
        given as a function (an initializer *name* is kept). An argument kept as a buffer of the
        same name (a loss's class ``weight``) is saved as the buffer's current values, a list. Any
        other value that is not JSON (an array, a function, an object) raises ``ValueError`` naming
        the layer and the argument.

        Examples:
            >>> import deltanet as dn
            >>> dn.nn.Linear(4, 3, rng=0).get_config()
            {'in_features': 4, 'out_features': 3, 'bias': True, 'init': None, 'rng': 0, 'dtype': None}
            >>> layer = dn.nn.LeakyReLU(0.2)
            >>> layer.negative_slope = 0.3
            >>> layer.get_config()
            {'negative_slope': 0.3, 'inplace': False}
            >>> dn.nn.Sequential(dn.nn.Sigmoid()).get_config()
            {'layers': [{'class': 'Sigmoid', 'config': {}}]}
        """
        args = self.__dict__.get("_init_args") or {}
        marks = self.__dict__.get("_init_attrs") or {}
        name = type(self).__name__
        return {
            key: np.asarray(getattr(self, key)).tolist()
            if key in self._buffers
            else _config_value(_current_argument(self, key, value, marks), name, key)
            for key, value in args.items()
        }

    # -- printing ----------------------------------------------------------------------------
    def _get_name(self) -> str:
        """The class name that ``repr`` starts with (PyTorch's hook for a custom ``__repr__``)."""
        return type(self).__name__

    def extra_repr(self) -> str:
        """The arguments that ``repr`` shows inside the parentheses; layers override it."""
        return ""

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        lines += [f"({n}): " + repr(m).replace("\n", "\n  ") for n, m in self._modules.items()]
        head = f"{type(self).__name__}("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _as_buffer(value: Any, name: str, owner: str) -> Tensor | None:
    """``value`` as a buffer: a Tensor as it is, a NumPy array wrapped in a Tensor over the same
    memory, None; anything else is a TypeError, as PyTorch's."""
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._make(value)
    kind = type(value)
    what = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(
        f"{owner}: cannot assign {what} as buffer {name!r} (a deltanet Tensor, a NumPy array or None expected)"
    )


# -- building from untrusted configs --------------------------------------------------------------
def call_named(layer: Module, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``; a ``ValueError`` it raises is raised again with the layer's
    repr in front, so that a bad input names the layer it was given to, as every layer does.

    Args:
        layer: the layer that calls (its repr leads the message).
        function: the functional op or converter to call.
        args: its positional arguments.
        kwargs: its keyword arguments.

    Returns:
        What ``function`` returns.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.module import call_named
        >>> try:
        ...     call_named(dn.nn.ReLU(), dn.as_tensor, [[1.0], [2.0, 3.0]])
        ... except ValueError as error:
        ...     print(str(error)[:50])
        ReLU(): deltanet expects a rectangular array of nu
    """
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{layer!r}: {error}") from None


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
