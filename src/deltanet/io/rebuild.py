"""Save-time check: the config about to be written rebuilds the model, all of it.

``save`` rebuilds the model from the config it is about to write (the way ``load`` will) and
compares, module by module: the modules' names and classes; the parameters' and buffers' names,
shapes and dtypes; and every public attribute (hyperparameters such as ``p``, ``momentum``,
``stride``, and anything else set on the module). What the file cannot keep is refused, naming
the layer and the attribute, instead of being lost on load:

- an attribute changed after construction in a way that the constructor cannot express (an
  argument that the layer derives another attribute from, a value it normalizes differently);
- an attribute added after construction (``model.note = 1``): delete it before saving, or make
  it a constructor argument of a registered class.

Not compared, because the file does not need them: the ``training`` flag (a loaded model is in
training mode) and the ``stop_training`` flag that ``fit`` sets; ``_``-prefixed attributes;
random generators and functions (an ``rng`` or an ``init`` function, whose draws are in the saved
weights). Other objects are compared by class only.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.autograd import Tensor
from deltanet.io import registry
from deltanet.io.archive import CONFIG, parse_json
from deltanet.io.atomic import dump_json
from deltanet.io.errors import CheckpointError
from deltanet.nn.module import NOT_PLAIN, frozen_value

#: Attributes that say how a module is being used, not what it is: never saved, never compared.
RUNTIME_ATTRIBUTES = frozenset({"training", "stop_training"})

_SKIP = ("not compared",)
_verified: weakref.WeakKeyDictionary[nn.Module, Any] = weakref.WeakKeyDictionary()


def spec(model: nn.Module) -> dict[str, tuple[tuple[int, ...], str]]:
    """key → (shape, dtype.str) of the state dict, without copying the arrays."""
    found = {}
    for mod_name, module in model.named_modules():
        dot = f"{mod_name}." if mod_name else ""
        for name, p in module._parameters.items():
            if p is not None:
                found[dot + name] = (p.array.shape, p.array.dtype.str)
        for name in module._buffers:
            value = getattr(module, name)
            if value is not None:  # a buffer set to None is not in the state
                found[dot + name] = (value.array.shape, value.array.dtype.str)
    return found


def attributes(module: nn.Module) -> dict[str, Any]:
    """The module's public attributes that a file must keep, each as a comparable token."""
    tokens = {}
    for name, value in vars(module).items():
        if (
            name.startswith("_")
            or name in RUNTIME_ATTRIBUTES
            or name in module._parameters
            or name in module._buffers
            or name in module._modules
        ):
            continue
        tokens[name] = _token(value)
    return tokens


def _token(value: Any) -> Any:
    frozen = frozen_value(value)
    if frozen is not NOT_PLAIN:
        return frozen
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("array", data.dtype.str, data.shape, hashlib.sha256(data.tobytes()).hexdigest())
    if isinstance(value, (nn.Module, np.random.Generator)) or callable(value):
        return _SKIP  # a module is compared as a module; generators and functions are not kept
    return ("object", f"{type(value).__module__}.{type(value).__qualname__}")


def _shape(model: nn.Module) -> tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]:
    """Every module's path, class and attribute tokens."""
    return tuple(
        (path, type(module).__qualname__, tuple(sorted(attributes(module).items())))
        for path, module in model.named_modules()
    )


def check(model: nn.Module, tree: dict[str, Any], dtype: str | None) -> None:
    """Refuse to write a file that would not load as ``model``: rebuild it from ``tree`` and
    compare (cached per model while its config, shapes and attributes stay the same)."""
    own_spec = spec(model)
    own_shape = _shape(model)
    where = _non_finite(tree["config"], "")
    if where is not None:
        raise CheckpointError(
            f"cannot save: the model's config holds {where}, which a file cannot keep (strict JSON has "
            f"no NaN or infinity); was an attribute set to it after construction?"
        )
    key = (dump_json(tree), dtype, own_spec, own_shape)
    if _verified.get(model) == key:
        return
    try:
        rebuilt = registry.build(parse_json(dump_json(tree), CONFIG), "model")
    except CheckpointError as error:
        raise CheckpointError(f"cannot save: the model cannot be rebuilt from its config: {error}") from None
    if dtype is not None:
        rebuilt.to(dtype)
    _compare(model, rebuilt, own_spec, own_shape)
    _verified[model] = key


def _non_finite(node: Any, path: str) -> str | None:
    """``"name = nan"`` for the first NaN or infinite float in a config tree, else None."""
    if isinstance(node, float) and not math.isfinite(node):
        return f"{path or 'a value'} = {node}"
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return None
    for key, value in items:
        found = _non_finite(value, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _where(path: str, module: nn.Module) -> str:
    return f"layer '{path}' ({type(module).__name__})" if path else f"the model ({type(module).__name__})"


def _compare(model: nn.Module, rebuilt: nn.Module, own_spec: dict, own_shape: tuple) -> None:
    modules = dict(model.named_modules())
    others = dict(rebuilt.named_modules())
    for path, module in modules.items():
        other = others.get(path)
        if other is None or type(other) is not type(module):
            got = "nothing" if other is None else f"a {type(other).__name__}"
            what = f"{_where(path, module)} is not in the model rebuilt from the config (it has {got} there)"
            raise _refusal(model, what)
    extra = [path for path in others if path not in modules]
    if extra:
        raise _refusal(model, f"the model rebuilt from the config has layer(s) {extra[:5]} that this model lacks")
    other_spec = spec(rebuilt)
    if other_spec != own_spec:
        diff = sorted(set(own_spec) ^ set(other_spec)) or [k for k in own_spec if own_spec[k] != other_spec[k]]
        raise _refusal(model, f"weights differ at {diff[:5]}")
    for path, module in modules.items():
        mine, theirs = attributes(module), attributes(others[path])
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name) == theirs.get(name) or mine.get(name) is _SKIP:
                continue  # (a generator or function here is not kept: the rebuilt one may differ)
            where = _where(path, module)
            if name not in theirs:
                raise CheckpointError(
                    f"cannot save: {where}: attribute {name!r} = {_show(module, name)} was set after "
                    f"construction and is not something a deltanet file keeps (constructor arguments and "
                    f"weights); delete it before saving ({_deletion(path, name)}), or make it a constructor argument "
                    f"of a registered class (or a buffer, if it is an array)"
                )
            if name not in mine:
                raise CheckpointError(
                    f"cannot save: {where}: attribute {name!r} was deleted after construction, but the "
                    f"constructor sets it (to {_show(others[path], name)})"
                )
            raise CheckpointError(
                f"cannot save: {where}: attribute {name!r} is {_show(module, name)}, but "
                f"{type(module).__name__} rebuilt from the saved config gives {_show(others[path], name)}; "
                f"the constructor cannot express this change (build the layer with the value as an "
                f"argument instead)"
            )


def _deletion(path: str, name: str) -> str:
    return f"del model.{name}" if not path else f"del layer.{name} on that layer"


def _show(module: nn.Module, name: str) -> str:
    return f"{vars(module)[name]!r:.80}"


def _refusal(model: nn.Module, what: str) -> CheckpointError:
    changed = changed_attributes(model)
    note = f" (changed after construction: {', '.join(changed[:8])})" if changed else ""
    return CheckpointError(
        f"cannot save: {type(model).__name__}(**get_config()) does not rebuild this model: {what}{note}; "
        f"was it changed after construction? Give every layer to the constructor, or register a class "
        f"whose constructor builds it"
    )


def changed_attributes(model: nn.Module) -> list[str]:
    """``path.attribute`` of every constructor-argument attribute changed since construction."""
    found = []
    for path, module in model.named_modules():
        marks = vars(module).get("_init_attrs") or {}
        for name, mark in marks.items():
            if name in vars(module) and not isinstance(mark, weakref.ref) and frozen_value(vars(module)[name]) != mark:
                found.append(f"{path}.{name}" if path else name)
    return found
