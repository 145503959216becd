r"""``torch.nn.utils.parametrize``: a module's tensor computed from other tensors, as in PyTorch.

``register_parametrization(module, "weight", P())`` moves the parameter ``weight`` to
``_lists(module).weight.original`` and makes ``module.weight`` a property that returns

$$
W = P(\theta), \qquad \theta = \texttt{original}
$$

at every access, so the optimizer trains $\theta$ while the layer computes with $W$ (a symmetric
matrix $W = \theta_{\text{triu}} + \theta_{\text{triu}}^\top$, an orthogonal one, a weight of unit
spectral norm). Assigning ``module.weight = X`` calls ``P.right_inverse(X)`` and stores the result
in ``original``. A ``right_inverse`` that returns several tensors stores them as ``original0``,
``original1``, ... (weight normalisation's $g$ and $v$).

As in PyTorch the module's class becomes a subclass, ``Parametrized<Class>``, that holds the
property; ``remove_parametrizations`` restores the class. The ``state_dict`` keys are PyTorch's
(``parametrizations.weight.original``), so a PyTorch ``state_dict`` of a parametrized model loads.

Importable by PyTorch's path: ``import deltanet.nn.utils.parametrize as P``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, no_grad
from deltanet.autograd.inplace import changed_in_place
from deltanet.nn.containers import ModuleDict, ModuleList
from deltanet.nn.module import Module, Parameter

# The cache of ``cached()``, per thread: a forward pass in another thread computes its own values.
_state = threading.local()


def _cache() -> dict[tuple[int, str], Tensor] | None:
    return getattr(_state, "cache", None)


@contextmanager
def cached() -> Iterator[None]:
    r"""Context manager: inside it a parametrized tensor is computed once, on first access, and
    the same value is returned after that; the values are dropped when the outermost block ends.

    Useful when a forward pass reads the tensor several times (a recurrent kernel, tied weights):
    $W = P(\theta)$ is computed once, and gradients still flow to $\theta$ through every use.
    The cache belongs to the thread that entered the block.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> class Double(dn.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> layer = P.register_parametrization(dn.nn.Linear(2, 2), "weight", Double())
        >>> with P.cached():
        ...     layer.weight is layer.weight
        True
    """
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        _state.cache = {}
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            _state.cache = None


def _set_original(original: Tensor, value: Tensor) -> None:
    """PyTorch's ``original.set_(value)``: ``original`` keeps its identity (the optimizer holds it)."""
    if value is original:
        return
    original.array = value.array
    changed_in_place([original])


def _as_tensor_or_sequence(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        for i, item in enumerate(value):
            if not isinstance(item, Tensor):
                raise ValueError(
                    "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                    f"Got element {i} of the sequence with type {type(item).__name__}."
                )
        return value
    raise ValueError(
        f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). Got {type(value).__name__}"
    )


def _lists(module: Module) -> Any:
    """``module.parametrizations``: the ModuleDict of the ParametrizationLists, by tensor name."""
    return module.__dict__["parametrizations"]


def _register(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


class ParametrizationList(ModuleList):
    r"""The parametrizations of one tensor and its original(s): ``_lists(module).weight``.

    Calling it computes $W = P_k(\cdots P_2(P_1(\theta)))$ from ``original`` (or from
    ``original0``, ``original1``, ... when the first parametrization's ``right_inverse`` returns
    several tensors). Built by ``register_parametrization``, not by hand.

    Args:
        modules: the parametrizations, first applied first.
        original: the parameter or buffer being parametrized.
        unsafe: allow the parametrization to change the tensor's shape or dtype.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> class Double(dn.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> layer = P.register_parametrization(dn.nn.Linear(2, 2), "weight", Double())
        >>> type(layer.parametrizations.weight).__name__, list(layer.state_dict())
        ('ParametrizationList', ['bias', 'parametrizations.weight.original'])
    """

    original: Tensor  # when right_inverse returns one tensor (else original0, original1, ...)

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = check.flag(unsafe, "unsafe", "ParametrizationList")
        shape, dtype = original.shape, original.dtype
        with no_grad():
            new: Any = original
            for parametrization in reversed(list(self)):
                inverse = getattr(parametrization, "right_inverse", None)
                if inverse is not None:
                    try:
                        new = inverse(new)
                    except NotImplementedError:
                        pass  # as PyTorch: taken to be the identity
        new = _as_tensor_or_sequence(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            with no_grad():
                _set_original(original, new)
            _register(self, "original", original)
        else:
            for i, item in enumerate(new):
                if isinstance(original, Parameter):
                    item = Parameter(item.array, requires_grad=original.requires_grad)
                else:
                    item = Tensor._make(item.array)
                _register(self, f"original{i}", item)
        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            if Z.dtype != dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless `unsafe` "
                    f"flag is enabled.\nunparametrized dtype: {dtype}\nparametrized dtype: {Z.dtype}"
                )
            if Z.shape != shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless `unsafe` "
                    f"flag is enabled.\nunparametrized shape: {shape}\nparametrized shape: {Z.shape}"
                )

    def right_inverse(self, value: Tensor) -> None:
        r"""Store $\theta$ with $P(\theta) = $ ``value``: the parametrizations' ``right_inverse``, last first.

        Args:
            value: the tensor that the parametrized attribute should now equal.
        """
        if not isinstance(value, Tensor):
            raise TypeError(f"cannot assign {type(value).__name__} to a parametrized tensor (a Tensor expected)")
        with no_grad():
            for parametrization in reversed(list(self)):
                inverse = getattr(parametrization, "right_inverse", None)
                if inverse is None:
                    raise RuntimeError(
                        f"parametrization {type(parametrization).__name__} does not implement right_inverse."
                    )
                value = inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} while `original` "
                        f"has dtype {self.original.dtype}"
                    )
                _set_original(self.original, value)
                return
            values = _as_tensor_or_sequence(value)
            if isinstance(values, Tensor) or len(values) != self.ntensors:
                got = "a tensor" if isinstance(values, Tensor) else f"a sequence of length {len(values)}"
                raise ValueError(
                    f"'right_inverse' must return a sequence of tensors of length {self.ntensors}. Got {got}."
                )
            for i, tensor in enumerate(values):
                original = getattr(self, f"original{i}")
                if original.dtype != tensor.dtype:
                    raise ValueError(
                        f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} while "
                        f"`original{i}` has dtype {original.dtype}"
                    )
                _set_original(original, tensor)

    def forward(self) -> Tensor:
        """The parametrized tensor, computed from the original(s)."""
        parametrizations = list(self)
        if self.is_tensor:
            x = parametrizations[0](self.original)
        else:
            x = parametrizations[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for parametrization in parametrizations[1:]:
            x = parametrization(x)
        return x

    def get_config(self) -> dict[str, Any]:
        raise ValueError(
            "a parametrized module cannot be rebuilt from constructor arguments; save its state_dict() "
            "or call torch.nn.utils.parametrize.remove_parametrizations(module, name) first"
        )

    def __repr__(self) -> str:
        return "Parametrization" + super().__repr__().removeprefix("Module")


def _parametrized_get(name: str) -> Any:
    def get(self: Module) -> Tensor:
        parametrization = _lists(self)[name]
        cache = _cache()
        if cache is None:
            return parametrization()
        key = (id(self), name)
        if key not in cache:
            cache[key] = parametrization()
        return cache[key]

    return get


def _parametrized_set(name: str) -> Any:
    def set_(self: Module, value: Tensor) -> None:
        _lists(self)[name].right_inverse(value)

    return set_


def _parametrized_setattr(self: Module, name: str, value: Any) -> None:
    """A parametrized name takes tensors (through ``right_inverse``); a Parameter is refused, as PyTorch."""
    parametrizations = self.__dict__.get("parametrizations")
    if isinstance(parametrizations, ModuleDict) and name in parametrizations:
        if isinstance(value, Parameter):
            raise KeyError(f"attribute '{name}' already exists")
        object.__setattr__(self, name, value)  # the property: right_inverse into the original(s)
        return
    Module.__setattr__(self, name, value)


def _inject_new_class(module: Module) -> None:
    cls = type(module)
    namespace = {"__setattr__": _parametrized_setattr, "_deltanet_parametrized": True, "__module__": cls.__module__}
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    r"""Whether ``module`` has a parametrization (on ``tensor_name``, or on any tensor).

    Args:
        module: the module to ask.
        tensor_name: the tensor's name, or None for any.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> P.is_parametrized(dn.nn.Linear(2, 2))
        False
    """
    parametrizations = module.__dict__.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    r"""The class of ``module`` before it was parametrized (``Linear`` for a ``ParametrizedLinear``).

    Args:
        module: the module.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> P.type_before_parametrizations(dn.nn.Linear(2, 2)).__name__
        'Linear'
    """
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def _check_shape_and_dtype(module: Module, name: str, parametrization: Module) -> None:
    """PyTorch's checks when a second parametrization is stacked on ``name`` (without unsafe)."""
    Y = getattr(module, name)
    X = parametrization(Y)
    if not isinstance(X, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
    for what, a, b in (("dtype", Y.dtype, X.dtype), ("shape", Y.shape, X.shape)):
        if a != b:
            raise ValueError(
                f"Registering a parametrization may not change the {what} of the tensor, unless the `unsafe` "
                f"flag is enabled.\nmodule.{name}.{what}: {a}\nparametrization(module.{name}).{what}: {b}"
            )
    inverse = getattr(parametrization, "right_inverse", None)
    if inverse is None:
        return
    try:
        Z = inverse(X)
    except NotImplementedError:
        return
    if not isinstance(Z, Tensor):
        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(Z).__name__}")
    for what, a, b in (("dtype", Y.dtype, Z.dtype), ("shape", Y.shape, Z.shape)):
        if a != b:
            raise ValueError(
                f"The tensor returned by parametrization.right_inverse must have the same {what} as "
                f"module.{name}, unless the `unsafe` flag is enabled.\nmodule.{name}.{what}: {a}\n"
                f"returned {what}: {b}"
            )


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    r"""Make ``module.<tensor_name>`` the output of ``parametrization`` applied to a new original.

    $$
    W = P(\theta)
    $$

    The parameter (or buffer) moves to ``_lists(module)[tensor_name].original`` (the same
    object, so an optimizer built before still trains it), and reading ``module.<tensor_name>``
    computes $P(\theta)$. If ``parametrization`` has a ``right_inverse``, $\theta$ starts as
    ``right_inverse(W)`` (so $P(\theta) = W$), and assigning to the attribute calls it. Registering
    a second parametrization on the same name applies it after the first.

    Args:
        module: the module whose tensor is parametrized.
        tensor_name: the name of a parameter or buffer of ``module``.
        parametrization: a ``Module`` whose ``forward`` maps the original(s) to the tensor.
        unsafe: allow a parametrization that changes the shape or dtype (not checked then).

    Returns:
        ``module``, whose class is now ``Parametrized<Class>``.

    Raises:
        ValueError: ``tensor_name`` is no parameter, buffer or parametrized tensor of ``module``,
            or the parametrization changes the shape or dtype without ``unsafe=True``.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> class Symmetric(dn.nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).transpose(-1, -2)
        >>> layer = P.register_parametrization(dn.nn.Linear(3, 3), "weight", Symmetric())
        >>> W = layer.weight
        >>> bool((W == W.T).all()), type(layer).__name__
        (True, 'ParametrizedLinear')
    """
    if not isinstance(module, Module):
        raise TypeError(f"register_parametrization: module must be a Module, got {type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise TypeError(
            f"register_parametrization: parametrization must be a Module (a class with forward), "
            f"got {type(parametrization).__name__}"
        )
    unsafe = check.flag(unsafe, "unsafe", "register_parametrization")
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_shape_and_dtype(module, tensor_name, parametrization)
        plist = _lists(module)[tensor_name]
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    if (
        tensor_name in module._parameters
        or tensor_name in module._buffers
        or tensor_name in module._non_persistent_buffers
    ):
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(f"Module '{module}' has its '{tensor_name}' set to None: there is nothing to parametrize")
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        setattr(type(module), tensor_name, property(_parametrized_get(tensor_name), _parametrized_set(tensor_name)))
        _lists(module)[tensor_name] = plist
        return module
    raise ValueError(
        f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name '{tensor_name}'"
    )


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    r"""Undo ``register_parametrization`` on ``tensor_name``.

    With ``leave_parametrized=True`` the tensor keeps its current value $P(\theta)$ (written into
    the original parameter, which keeps its identity); with False it becomes $\theta$ again.

    Args:
        module: the parametrized module.
        tensor_name: the parametrized tensor's name.
        leave_parametrized: keep the parametrized value (True) or the original (False).

    Returns:
        ``module``, its class restored once no tensor is parametrized.

    Raises:
        ValueError: ``tensor_name`` is not parametrized, or ``leave_parametrized=False`` with several originals.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> class Double(dn.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> layer = P.register_parametrization(dn.nn.Linear(2, 2), "weight", Double())
        >>> type(P.remove_parametrizations(layer, "weight")).__name__, list(layer.state_dict())
        ('Linear', ['bias', 'weight'])
    """
    leave_parametrized = check.flag(leave_parametrized, "leave_parametrized", "remove_parametrizations")
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = _lists(module)[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            if value.dtype != original.dtype:
                raise ValueError(
                    f"remove_parametrizations: the parametrized '{tensor_name}' has dtype {value.dtype}, the "
                    f"original {original.dtype}; use leave_parametrized=False"
                )
            original.array = np.array(value.array, copy=True)  # set_: the same Parameter, new values
            changed_in_place([original])
    else:
        if not leave_parametrized:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in "
                "terms of a sequence of tensors."
            )
        value = getattr(module, tensor_name)
        original = Parameter(np.array(value.array, copy=True)) if value.requires_grad else value.detach()
    delattr(type(module), tensor_name)
    del _lists(module)[tensor_name]
    _register(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    r"""Give ``to_module`` the parametrizations (the same parametrization modules) and original values of
    ``from_module``, for ``tensor_name`` or for every parametrized tensor.

    Args:
        from_module: the parametrized module.
        to_module: the module to parametrize alike (a missing tensor is created).
        tensor_name: one tensor's name, or None for all.

    Returns:
        ``to_module``.

    Examples:
        >>> import deltanet as dn
        >>> import deltanet.nn.utils.parametrize as P
        >>> class Double(dn.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> a = P.register_parametrization(dn.nn.Linear(2, 2), "weight", Double())
        >>> b = P.transfer_parametrizations_and_params(a, dn.nn.Linear(2, 2))
        >>> bool((a.weight == b.weight).all())
        True
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(_lists(from_module)) if tensor_name is None else [tensor_name]
    for name in names:
        source = _lists(from_module)[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(np.array(getattr(from_module, name).array, copy=True)))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization)
        target = _lists(to_module)[name]
        if source.is_tensor:
            target.original = source.original
        else:
            for i in range(source.ntensors):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
    return to_module


__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "transfer_parametrizations_and_params",
    "type_before_parametrizations",
]
