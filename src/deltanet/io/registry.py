"""The closed registry of layer types that a saved model may name, and model (re)building.

A file names its layers by registry name only ("Linear", "Conv2d", "UNet"): never a module path,
never anything that is imported or looked up by attribute. The registry holds every public
``Module`` class of ``deltanet.nn`` and ``deltanet.models``, plus the user classes given to
``register``. This is the lesson of the Keras config exploits (CVE-2024-3660,
CVE-2025-1550), where a layer type in a config file could name any importable callable.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import re
from typing import Any

import numpy as np

from deltanet import backend, nn
from deltanet.io.errors import CheckpointError
from deltanet.nn.module import parameter_budget

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MAX_DEPTH = 64
_REGISTRY: dict[str, type] = {}
_BUILTINS_LOADED = False


def _builtin_classes() -> list[type]:
    classes = []
    packages = [nn]
    if importlib.util.find_spec("deltanet.models") is not None:
        packages.append(importlib.import_module("deltanet.models"))
    for package in packages:
        for name in getattr(package, "__all__", ()):
            obj = getattr(package, name, None)
            if isinstance(obj, type) and issubclass(obj, nn.Module) and obj is not nn.Module:
                classes.append(obj)
    return classes


def registry() -> dict[str, type]:
    """The registered layer types by name (built-ins loaded on first use); a copy.

    Examples:
        >>> from deltanet.io import registry
        >>> registry.registry()["Linear"].__module__
        'deltanet.nn.linear'
    """
    _load_builtins()
    return dict(_REGISTRY)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        for cls in _builtin_classes():
            _REGISTRY.setdefault(cls.__name__, cls)
        _BUILTINS_LOADED = True


def register(cls: type) -> type:
    """Class decorator: allow ``cls`` (a ``Module`` subclass) in saved files, under its name.

    The class must be rebuildable from its constructor arguments: ``cls(**module.get_config())``
    must create the same parameters and buffers (names, shapes, dtypes). Its arguments must be JSON
    values or modules (see ``deltanet.nn.Module.get_config``).

    Args:
        cls: the class; its ``__name__`` is the name written into files, so it must be unique.

    Returns:
        ``cls`` itself.

    Raises:
        ValueError: ``cls`` is not a Module subclass, or another class has that name.

    Examples:
        >>> import deltanet as dn
        >>> @dn.io.register
        ... class Affine(dn.nn.Module):
        ...     def __init__(self, features=3):
        ...         super().__init__()
        ...         self.fc = dn.nn.Linear(features, features)
        ...     def forward(self, x):
        ...         return self.fc(x)
        >>> Affine(4).get_config()
        {'features': 4}
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)) or cls is nn.Module:
        raise ValueError(f"register: expected a subclass of deltanet.nn.Module, got {cls!r}")
    _load_builtins()
    name = cls.__name__
    if not _NAME.match(name):
        raise ValueError(f"register: class name {name!r} is not a plain identifier")
    other = _REGISTRY.get(name)
    if other is not None and other is not cls and _qualified(other) != _qualified(cls):
        raise ValueError(
            f"register: the name {name!r} is already taken by {_qualified(other)}; "
            f"rename {_qualified(cls)} (files name layers by class name)"
        )
    _REGISTRY[name] = cls
    return cls


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def check_registered(model: nn.Module) -> None:
    """Raise CheckpointError unless every module of ``model`` has a registered class."""
    _load_builtins()
    for path, module in model.named_modules():
        cls = type(module)
        reparametrized = nn.norm_hooks.refusal(module, path, "save")
        if reparametrized is not None:
            raise CheckpointError(reparametrized)
        if _REGISTRY.get(cls.__name__) is not cls:
            where = f"'{path}' " if path else ""
            raise CheckpointError(
                f"cannot save: layer {where}is a {_qualified(cls)}, which is not registered; "
                f"decorate the class with @deltanet.io.register (its constructor arguments must be "
                f"JSON values or modules)"
            )


def describe(model: nn.Module) -> dict[str, Any]:
    """The model as ``{"class": name, "config": {...}}``, or CheckpointError naming the argument."""
    check_registered(model)
    try:
        return {"class": type(model).__name__, "config": model.get_config()}
    except ValueError as error:
        raise CheckpointError(f"cannot save: {error}") from None


# -- building ----------------------------------------------------------------------------------
def lookup(name: Any, where: str) -> type:
    """The registered class called ``name``; CheckpointError for anything else."""
    _load_builtins()
    if not isinstance(name, str):
        raise CheckpointError(f"{where}: layer type must be a string, got {type(name).__name__}")
    if not _NAME.match(name):
        raise CheckpointError(
            f"{where}: layer type {name[:80]!r} is not a registered name (a module path or other "
            f"expression is never imported); expected one of the registry's names such as 'Linear'"
        )
    cls = _REGISTRY.get(name)
    if cls is None:
        raise CheckpointError(
            f"{where}: unknown layer type {name!r}; a user class must be registered with "
            f"@deltanet.io.register before loading"
        )
    return cls


def max_layers(file_size: int) -> int:
    """The most modules that a file of ``file_size`` bytes may have built from its config.

    A module without weights costs a file only a few bytes of deflated JSON, so without a bound a
    29 kB file could ask for 300 000 of them. Real models are far below this bound: their
    weights make their files large.
    """
    return 1024 + file_size // 64


def build(
    tree: Any, where: str = "config.json: model", budget: float = math.inf, layers: float = math.inf
) -> nn.Module:
    """Build the module that ``tree`` (``{"class", "config"}``) describes.

    ``budget`` bounds the bytes of weights the model may hold, twice: the built-in layers of the
    tree are sized from their arguments *before* any constructor runs, and every parameter that
    any constructor creates (a registered model builds its own layers) is counted as it is
    assigned, before it is filled (``deltanet.nn.module.parameter_budget``). A config that
    asks for a terabyte layer is refused without allocating it. ``layers`` bounds the number of
    modules the same two ways: the nodes of the tree before anything is built, then every module
    that a constructor builds.

    The constructors draw their initial values from a private generator (the saved weights
    replace them), so that building touches neither the default random stream nor any other
    thread's state.
    """
    needed, nodes = _estimate(tree, where, 0)
    if nodes > layers:
        raise CheckpointError(
            f"{where}: the config describes {nodes} or more layers, more than a file of its size may "
            f"describe ({layers:.0f}; see deltanet.io.registry.max_layers); refused before building any"
        )
    if needed > budget:
        raise CheckpointError(
            f"{where}: the layers ask for at least {needed:.4g} bytes of weights, more than the "
            f"file can hold ({budget:.4g} bytes)"
        )
    with backend.private_rng(np.random.default_rng(0)), parameter_budget(budget, layers):
        return _build(tree, where, 0)


def _node(tree: Any, where: str, depth: int) -> tuple[type[nn.Module], dict[str, Any]]:
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"{where}: layers nested deeper than {_MAX_DEPTH}")
    if not isinstance(tree, dict) or set(tree) != {"class", "config"}:
        got = sorted(tree) if isinstance(tree, dict) else type(tree).__name__
        raise CheckpointError(f"{where}: expected {{'class': ..., 'config': {{...}}}}, got {got}")
    cls = lookup(tree["class"], f"{where}.class")
    config = tree["config"]
    if not isinstance(config, dict):
        raise CheckpointError(f"{where}.config: expected an object, got {type(config).__name__}")
    return cls, config


def _is_module_node(value: Any) -> bool:
    return isinstance(value, dict)


def _children(config: dict[str, Any], where: str) -> list[tuple[Any, str]]:
    found = []
    for key, value in config.items():
        if _is_module_node(value):
            found.append((value, f"{where}.{key}"))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if _is_module_node(item):
                    found.append((item, f"{where}.{key}[{i}]"))
    return found


def _estimate(tree: Any, where: str, depth: int) -> tuple[float, int]:
    """A lower bound of the weight bytes of the tree's built-in layers (4 bytes per number), and
    the number of nodes (layers) of the tree."""
    cls, config = _node(tree, where, depth)
    total, nodes = float(_own_numbers(cls, config)) * 4, 1
    for child, child_where in _children(config, f"{where}.config"):
        child_total, child_nodes = _estimate(child, child_where, depth + 1)
        total, nodes = total + child_total, nodes + child_nodes
    return total, nodes


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _own_numbers(cls: type, config: dict[str, Any]) -> float:
    """Numbers held by one built-in layer, computed from its arguments (0 where unknown)."""
    from deltanet.nn.activation import PReLU
    from deltanet.nn.batchnorm import _BatchNorm
    from deltanet.nn.conv import _ConvNd
    from deltanet.nn.linear import Linear

    if issubclass(cls, Linear):
        a, b = _int(config.get("in_features")), _int(config.get("out_features"))
        return float(a) * b if a and b else 0
    if issubclass(cls, _ConvNd):
        a, b = _int(config.get("in_channels")), _int(config.get("out_channels"))
        kernel = config.get("kernel_size")
        sizes: list[Any] = kernel if isinstance(kernel, list) else [kernel] * cls._dims
        if a and b and sizes and all(_int(k) for k in sizes):
            window = 1.0
            for k in sizes:
                window *= k
            return float(a) * b * window / (_int(config.get("groups")) or 1)
        return 0
    if issubclass(cls, _BatchNorm):
        return 4.0 * (_int(config.get("num_features")) or 0)
    if issubclass(cls, PReLU):
        return float(_int(config.get("num_parameters")) or 0)
    return 0


def _decode(value: Any, where: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"{where}: values nested deeper than {_MAX_DEPTH}")
    if _is_module_node(value):
        return _build(value, where, depth + 1)
    if isinstance(value, list):
        return tuple(_decode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
    return value


def _build(tree: Any, where: str, depth: int) -> nn.Module:
    cls, config = _node(tree, where, depth)
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # pragma: no cover - every Module has a Python __init__
        raise CheckpointError(f"{where}: cannot inspect the constructor of {cls.__name__}") from None
    params = list(signature.parameters.values())[1:]
    by_name = {p.name: p for p in params}
    var_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    for key in config:
        p = by_name.get(key)
        if (p is None and not var_keyword) or (p is not None and p.kind is inspect.Parameter.VAR_KEYWORD):
            raise CheckpointError(
                f"{where}.config: {cls.__name__} has no argument {str(key)[:80]!r} "
                f"(it takes {[p.name for p in params if p.kind is not p.VAR_KEYWORD]})"
            )
    decoded = {key: _decode(value, f"{where}.config.{key}", depth) for key, value in config.items()}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    star = next((p for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    for p in params:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            value = decoded.pop(p.name, ())
            if not isinstance(value, tuple):
                raise CheckpointError(
                    f"{where}.config.{p.name}: expected a list (the *{p.name} of {cls.__name__}), "
                    f"got {type(config[p.name]).__name__}"
                )
            args.extend(value)
        elif p.kind is inspect.Parameter.POSITIONAL_ONLY or (
            star is not None and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ):
            # Before a *args (or positional-only), an argument can only be given by position.
            if p.name in decoded:
                args.append(decoded.pop(p.name))
            elif p.default is not inspect.Parameter.empty:
                args.append(p.default)
            else:
                raise CheckpointError(f"{where}.config: {cls.__name__} needs argument {p.name!r}")
    kwargs.update(decoded)
    try:
        return cls(*args, **kwargs)
    except CheckpointError:
        raise
    except (MemoryError, RecursionError) as error:
        raise CheckpointError(f"{where}: building {cls.__name__} failed ({type(error).__name__})") from None
    except Exception as error:  # the constructor refused the arguments (TypeError, ValueError, ...)
        raise CheckpointError(
            f"{where}.config: {cls.__name__} refused its arguments: {type(error).__name__}: {str(error)[:300]}"
        ) from None
